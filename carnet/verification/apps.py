from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "carnet.verification"
    label = "verification"

from django.apps import AppConfig


class IssuingConfig(AppConfig):
    name = "carnet.issuing"
    label = "issuing"

from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "carnet.recognition"
    label = "recognition"

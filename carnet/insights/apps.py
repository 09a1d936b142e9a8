from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "carnet.insights"
    label = "insights"

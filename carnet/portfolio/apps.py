from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "carnet.portfolio"
    label = "portfolio"

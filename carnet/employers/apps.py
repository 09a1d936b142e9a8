from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "carnet.employers"
    label = "employers"

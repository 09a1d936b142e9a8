from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "carnet.site"
    label = "carnet_site"

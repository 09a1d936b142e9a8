from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "carnet.webhooks"
    label = "webhooks"

from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "carnet.inbox"
    label = "inbox"

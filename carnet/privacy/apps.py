from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "carnet.privacy"
    label = "privacy"

    def ready(self) -> None:
        from carnet.privacy import signals  # noqa: F401 (connects the sign-up consent)

from django.apps import AppConfig


class StackingConfig(AppConfig):
    name = "carnet.stacking"
    label = "stacking"

    def ready(self) -> None:
        from carnet.issuing.services import credential_issued
        from carnet.stacking.tasks import credential_issued_received

        credential_issued.connect(credential_issued_received, dispatch_uid="stacking.credential_issued")

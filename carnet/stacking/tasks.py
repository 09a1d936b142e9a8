"""Background work of stacking (Django's tasks API), always after the change is committed: looking
for the certificates a newly issued micro-credential completes, and telling the people concerned."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from carnet.site.background import retried
from carnet.stacking import notify
from carnet.stacking.models import Confirmation, IssuedCertificate


@task()
def check_certificates(credential_id: int) -> None:
    """Issue, or put in the queue, the certificates that the credential's holder now completes."""
    from carnet.issuing.models import IssuedCredential
    from carnet.stacking import services

    credential = IssuedCredential.objects.select_related(
        "recipient", "micro_credential_version__micro_credential"
    ).get(pk=credential_id)
    services.check_completions(credential=credential)


def credential_issued_received(sender: Any, credential: Any, **kwargs: Any) -> None:
    """Receiver of :data:`carnet.issuing.services.credential_issued` (sent on commit)."""
    if credential.recipient_id is not None:  # certificates go to people with an account
        check_certificates.enqueue(credential.pk)


@task()
@retried()
def tell_holder(issued_id: int) -> None:
    issued = IssuedCertificate.objects.select_related("certificate", "organisation", "recipient").get(
        pk=issued_id
    )
    notify.certificate_issued(issued)


@task()
@retried()
def tell_assessors(confirmation_id: int) -> None:
    confirmation = Confirmation.objects.select_related("certificate__organisation", "recipient").get(
        pk=confirmation_id
    )
    notify.confirmation_requested(confirmation)


@task()
@retried()
def tell_declined(confirmation_id: int) -> None:
    confirmation = Confirmation.objects.select_related("certificate__organisation", "recipient").get(
        pk=confirmation_id
    )
    notify.confirmation_declined(confirmation)


@task()
@retried()
def tell_revoked(issued_id: int) -> None:
    issued = IssuedCertificate.objects.select_related("certificate", "organisation", "recipient").get(
        pk=issued_id
    )
    notify.certificate_revoked(issued)

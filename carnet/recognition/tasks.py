"""Background work of the recognition journey (Django's tasks API)."""

from __future__ import annotations

from django.tasks import task

from carnet.recognition import services


@task()
def issue_for_request(request_id: int) -> str | None:
    """Issue the credential of an approved request; safe to run twice."""
    credential = services.issue_approved_request(request_id)
    return str(credential.uuid) if credential is not None else None

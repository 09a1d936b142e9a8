"""Background work of issuing (Django's tasks API): telling the learner, after the change is committed."""

from __future__ import annotations

from django.tasks import task

from carnet.issuing import notify
from carnet.issuing.models import IssuedCredential
from carnet.site.background import retried


@task()
@retried()
def tell_recipient(credential_id: int, what: str) -> None:
    """Email the holder that their credential was issued, suspended, reinstated or revoked."""
    credential = IssuedCredential.objects.select_related(
        "organisation", "recipient", "micro_credential_version__micro_credential"
    ).get(pk=credential_id)
    notify.credential_changed(credential, what)


@task()
@retried()
def run_issuance_job(job_id: int) -> None:
    """Issue the pending rows of a bulk issuance (carnet.issuing.bulk); safe to run again. Its
    worker signs of life meanwhile, so that a job cut short is taken up again (carnet.issuing.recovery)."""
    from carnet.issuing import bulk
    from carnet.issuing.recovery import keep_alive

    with keep_alive(job_id):
        bulk.run_issuance_job(job_id)

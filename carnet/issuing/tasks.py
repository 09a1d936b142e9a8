"""Background work of issuing (Django's tasks API): telling the learner, after the change is committed."""

from __future__ import annotations

from django.tasks import task

from carnet.issuing import notify
from carnet.issuing.models import IssuedCredential
from carnet.site.background import TRANSIENT, Unfinished, retried


@task()
@retried()
def tell_recipient(credential_id: int, what: str) -> None:
    """Email the holder that their credential was issued, suspended, reinstated or revoked."""
    credential = IssuedCredential.objects.select_related(
        "organisation", "recipient", "micro_credential_version__micro_credential"
    ).get(pk=credential_id)
    notify.credential_changed(credential, what)


# The emails of a bulk issuance are queued in groups of this many credentials.
GROUP = 100


@task()
@retried()
def tell_recipients(credential_ids: list[int], what: str) -> None:
    """Email the holders of many credentials (a bulk issuance), as many as the email rate allows
    now (carnet.issuing.notify.allowance); the others are queued again for the next minute when
    the tasks backend can defer (else they go now). After a transient error (the mail server out of
    reach), only the holders not told yet are tried again; an address the mail server refuses is
    given up alone (carnet.issuing.notify)."""
    allowed = notify.allowance(len(credential_ids))
    later = credential_ids[allowed:]
    if later and tell_recipients.get_backend().supports_defer:
        tell_recipients.using(run_after=notify.next_minute()).enqueue(later, what)
        credential_ids = credential_ids[:allowed]
    credentials = IssuedCredential.objects.select_related(
        "organisation", "recipient", "micro_credential_version__micro_credential"
    ).in_bulk(credential_ids)
    for index, credential_id in enumerate(credential_ids):
        if credential_id not in credentials:
            continue
        try:
            notify.credential_changed(credentials[credential_id], what)
        except TRANSIENT as exc:  # tried again later from this one on: none of those sent is sent twice
            raise Unfinished(credential_ids[index:], what) from exc


def tell_all(credential_ids: list[int], what: str) -> None:
    """Queue :func:`tell_recipients` for ``credential_ids``, a group at a time."""
    for start in range(0, len(credential_ids), GROUP):
        tell_recipients.enqueue(credential_ids[start : start + GROUP], what)


@task()
@retried()
def run_issuance_job(job_id: int) -> None:
    """Issue the pending rows of a bulk issuance (carnet.issuing.bulk); safe to run again. Its
    worker signs of life meanwhile, so that a job cut short is taken up again (carnet.issuing.recovery)."""
    from carnet.issuing import bulk
    from carnet.issuing.recovery import keep_alive

    with keep_alive(job_id):
        bulk.run_issuance_job(job_id)

"""Issuing to many at once (the organisation API's issuance jobs), and finding the Carnet account
that an email given by a program belongs to.

A job is made in one transaction with all its rows, already checked, and queued on commit; the
background task (:func:`carnet.issuing.tasks.run_issuance_job`) issues its pending rows a chunk at a
time (:mod:`carnet.issuing.batch`), each chunk in one transaction with its rows' results. Each row
issues with the idempotency key ``job:<job uuid>:<row number>``: a job run again after a crash, by
the same worker or another, gives back the credentials already issued instead of issuing them twice.

A job asked with the caller's idempotency key (the organisation API's ``Idempotency-Key``) is made
once: the same request again gives back that job (:func:`issuance_job_for_key`), two racing first
requests are settled by the unique constraint on (organisation, key)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from carnet.audit.services import record_event
from carnet.catalogue.models import MicroCredentialVersion
from carnet.issuing import batch
from carnet.issuing.models import IssuanceJob, IssuanceJobRow
from carnet.issuing.services import IssuingError
from carnet.organisations.models import Organisation


def recipient_of(email: str) -> Any:
    """The Carnet account whose email is ``email`` (None if nobody's): a credential issued to it
    appears in its carnet. Accounts are confirmed by email before they can sign in."""
    return get_user_model().objects.filter(email__iexact=email.strip()).first()


@transaction.atomic
def create_issuance_job(
    *,
    organisation: Organisation,
    version: MicroCredentialVersion,
    rows: Sequence[Mapping[str, Any]],
    requested_by: str = "",
    language: str = "fr",
    idempotency_key: str | None = None,
) -> IssuanceJob:
    """A job issuing ``version`` to each of ``rows`` (``email``, ``name``, ``evidence``), queued once
    committed. The rows are checked by the caller; nothing is issued here. An ``idempotency_key``
    already used by the organisation raises IntegrityError: see :func:`issuance_job_for_key`."""
    if version.micro_credential.organisation_id != organisation.pk or version.published_at is None:
        raise IssuingError("only a published version of the organisation's own catalogue is issued")
    job = IssuanceJob.objects.create(
        organisation=organisation, requested_by=requested_by, micro_credential_version=version,
        language=language, total=len(rows), idempotency_key=idempotency_key,
    )  # fmt: skip
    IssuanceJobRow.objects.bulk_create(
        IssuanceJobRow(job=job, number=number, **_row_fields(row)) for number, row in enumerate(rows)
    )
    record_event(
        verb="issuance_job.created", organisation=organisation, target=job,
        data={"rows": len(rows), "version": version.pk, "requested_by": requested_by},
    )  # fmt: skip
    job_id = job.pk

    def queue() -> None:
        from carnet.issuing.tasks import run_issuance_job

        run_issuance_job.enqueue(job_id)

    transaction.on_commit(queue)
    return job


class JobKeyReused(IssuingError):
    """The idempotency key was used before for another micro-credential or other rows."""


def issuance_job_for_key(
    *,
    organisation: Organisation,
    version: MicroCredentialVersion,
    rows: Sequence[Mapping[str, Any]],
    idempotency_key: str,
    requested_by: str = "",
    language: str = "fr",
) -> tuple[IssuanceJob, bool]:
    """The job of ``idempotency_key``, and whether it was made now: the organisation's job made
    with that key if there is one (the same version and rows, else JobKeyReused), else a new one."""
    existing = _job_of_key(organisation, idempotency_key)
    if existing is None:
        try:
            with transaction.atomic():
                job = create_issuance_job(
                    organisation=organisation, version=version, rows=rows, requested_by=requested_by,
                    language=language, idempotency_key=idempotency_key,
                )  # fmt: skip
            return job, True
        except IntegrityError:  # another request with the same key made it meanwhile
            existing = _job_of_key(organisation, idempotency_key)
            if existing is None:
                raise
    if existing.micro_credential_version_id != version.pk or _stored_rows(existing) != [
        _row_fields(row) for row in rows
    ]:
        raise JobKeyReused("this idempotency key was used for another micro-credential or other rows")
    return existing, False


def _job_of_key(organisation: Organisation, idempotency_key: str) -> IssuanceJob | None:
    return IssuanceJob.objects.filter(organisation=organisation, idempotency_key=idempotency_key).first()


def _row_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "email": row["email"].strip(),
        "name": row.get("name") or "",
        "evidence": list(row.get("evidence") or []),
    }


def _stored_rows(job: IssuanceJob) -> list[dict[str, Any]]:
    return [
        {"email": email, "name": name, "evidence": list(evidence or [])}
        for email, name, evidence in job.rows.order_by("number").values_list("email", "name", "evidence")
    ]


def run_issuance_job(job_id: int) -> IssuanceJob:
    """Issue the pending rows of job ``job_id``. A refused row (IssuingError) is recorded as failed
    and the job goes on; anything else stops the job, marked failed, and is raised again: running
    the job again later issues the rows still pending, and none twice."""
    job = IssuanceJob.objects.select_related(
        "organisation", "micro_credential_version__micro_credential"
    ).get(pk=job_id)
    if job.state == IssuanceJob.State.DONE:
        return job
    IssuanceJob.objects.filter(pk=job.pk).update(
        state=IssuanceJob.State.RUNNING, started_at=job.started_at or timezone.now(), error="",
        heartbeat_at=timezone.now(),
    )  # fmt: skip
    try:
        with translation.override(job.language):
            batch.issue_pending_rows(job)
    except Exception as exc:
        IssuanceJob.objects.filter(pk=job.pk).update(state=IssuanceJob.State.FAILED, error=repr(exc)[:500])
        raise
    now = timezone.now()
    IssuanceJob.objects.filter(pk=job.pk).update(
        state=IssuanceJob.State.DONE, finished_at=now, heartbeat_at=now
    )
    job.refresh_from_db()
    return job

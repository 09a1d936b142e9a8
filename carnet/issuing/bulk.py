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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.catalogue.models import MicroCredentialVersion
from carnet.issuing import batch, csv_import
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
    upload: Upload | None = None,
) -> IssuanceJob:
    """A job issuing ``version`` to each of ``rows`` (``email``, ``name``, ``evidence``, and
    ``line`` for a file's), queued once committed. The rows are checked by the caller; nothing is
    issued here. An ``idempotency_key`` already used by the organisation raises IntegrityError: see
    :func:`issuance_job_for_key`. An ``upload`` (a CSV file's) makes a preview instead, queued only
    once confirmed (:func:`confirm_issuance_job`)."""
    if version.micro_credential.organisation_id != organisation.pk or version.published_at is None:
        raise IssuingError("only a published version of the organisation's own catalogue is issued")
    job = IssuanceJob.objects.create(
        organisation=organisation, requested_by=requested_by, micro_credential_version=version,
        language=language, total=len(rows), idempotency_key=idempotency_key,
        **(upload.job_fields() if upload else {}),
    )  # fmt: skip
    IssuanceJobRow.objects.bulk_create(
        (IssuanceJobRow(job=job, number=number, line=row.get("line"), **_row_fields(row))
         for number, row in enumerate(rows)),
        batch_size=500,
    )  # fmt: skip
    if upload is not None:
        record_event(
            verb="issuance_job.uploaded", actor=upload.created_by, organisation=organisation, target=job,
            data={"rows": len(rows), "left_out": upload.left_out(), "version": version.pk, "file": upload.filename},
        )  # fmt: skip
        return job
    record_event(
        verb="issuance_job.created", organisation=organisation, target=job,
        data={"rows": len(rows), "version": version.pk, "requested_by": requested_by},
    )  # fmt: skip
    _queue_on_commit(job.pk)
    return job


def _queue_on_commit(job_id: int) -> None:

    def queue() -> None:
        from carnet.issuing.tasks import run_issuance_job

        run_issuance_job.enqueue(job_id)

    transaction.on_commit(queue)


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


# -- a CSV file's jobs: previewed, confirmed, discarded, taken up again ------------------------------


@dataclass
class Upload:
    """Where a previewed job came from: a CSV file, who sent it, and its rows left out or to look at."""

    created_by: Any
    filename: str
    report: list[dict[str, Any]]

    def job_fields(self) -> dict[str, Any]:
        return {"state": IssuanceJob.State.PREVIEW, "source": IssuanceJob.Source.CSV,
                "created_by": self.created_by, "filename": self.filename[:255], "report": self.report}  # fmt: skip

    def left_out(self) -> int:
        return sum(1 for entry in self.report if entry["errors"])


def _clip(text: str) -> str:
    return text if len(text) <= 300 else text[:299] + "…"


def preview_csv_job(
    *, organisation: Organisation, version: MicroCredentialVersion, data: bytes, filename: str,
    actor: Any, language: str = "fr",
) -> IssuanceJob:  # fmt: skip
    """Read and check a CSV file (csv_import), and keep its rows as a job to confirm: nothing is
    issued, nobody is emailed. Raises csv_import.FileRefused for a file that can't be used."""
    parsed = csv_import.parse(data)
    csv_import.check(parsed.rows, version)
    report = [
        {
            "line": r.line,
            "email": _clip(r.email),
            "name": _clip(r.name),
            "errors": r.errors,
            "warnings": r.warnings,
        }
        for r in parsed.rows
        if r.errors or r.warnings
    ]
    with transaction.atomic():
        return create_issuance_job(
            organisation=organisation, version=version, rows=[r.fields() for r in parsed.rows if not r.errors],
            requested_by=f"csv:{getattr(actor, 'pk', '')}", language=language,
            upload=Upload(created_by=actor, filename=filename, report=report),
        )  # fmt: skip


@transaction.atomic
def confirm_issuance_job(*, job: IssuanceJob, actor: Any) -> bool:
    """Queue a previewed job; whether it was queued now (a second confirmation — a double click, the
    form sent again — finds it queued already and does nothing)."""
    if job.total == 0:
        raise IssuingError(_("Aucune ligne de ce fichier ne peut être délivrée : corrigez-le et téléversez-le de nouveau."))  # fmt: skip
    if not IssuanceJob.objects.filter(pk=job.pk, state=IssuanceJob.State.PREVIEW).update(
        state=IssuanceJob.State.QUEUED, created_at=timezone.now()
    ):
        return False
    record_event(verb="issuance_job.confirmed", actor=actor, organisation=job.organisation, target=job,
                 data={"rows": job.total})  # fmt: skip
    _queue_on_commit(job.pk)
    return True


@transaction.atomic
def discard_issuance_job(*, job: IssuanceJob, actor: Any) -> bool:
    """Delete a preview never confirmed (nothing was issued from it); whether it was deleted."""
    deleted, _rows = IssuanceJob.objects.filter(pk=job.pk, state=IssuanceJob.State.PREVIEW).delete()
    if deleted:
        record_event(verb="issuance_job.discarded", actor=actor, organisation=job.organisation,
                     data={"file": job.filename, "rows": job.total})  # fmt: skip
    return bool(deleted)


def discard_old_previews(*, organisation: Organisation | None = None) -> int:
    """Delete the previews older than settings.BULK_PREVIEW_HOURS (never confirmed): how many."""
    old = IssuanceJob.objects.filter(
        state=IssuanceJob.State.PREVIEW,
        created_at__lt=timezone.now() - timedelta(hours=settings.BULK_PREVIEW_HOURS),
    )
    if organisation is not None:
        old = old.filter(organisation=organisation)
    return old.delete()[1].get(IssuanceJob._meta.label, 0)


def is_stalled(job: IssuanceJob, now: datetime | None = None) -> bool:
    """A job stopped short: failed, or running without a sign of life for ISSUANCE_JOB_STALE_AFTER
    seconds (the threshold after which ``carnet worker`` takes it up again by itself)."""
    if job.state == IssuanceJob.State.FAILED:
        return True
    if job.state != IssuanceJob.State.RUNNING:
        return False
    last = job.heartbeat_at or job.started_at or job.created_at
    return last < (now or timezone.now()) - timedelta(seconds=settings.ISSUANCE_JOB_STALE_AFTER)


@transaction.atomic
def resume_issuance_job(*, job: IssuanceJob, actor: Any) -> bool:
    """Queue a stopped job again: only its pending rows are issued (each row's idempotency key
    keeps any from being issued twice). Whether it was queued now (not if it is not stopped)."""
    job = IssuanceJob.objects.select_for_update().get(pk=job.pk)
    if not is_stalled(job):
        return False
    IssuanceJob.objects.filter(pk=job.pk).update(state=IssuanceJob.State.QUEUED, error="")
    record_event(verb="issuance_job.resumed", actor=actor, organisation=job.organisation, target=job,
                 data={"was": job.state, "pending": job.total - job.issued - job.failed})  # fmt: skip
    _queue_on_commit(job.pk)
    return True


def progress(job: IssuanceJob, now: datetime | None = None) -> dict[str, Any]:
    """Where a job is: its counters, and the seconds left at the pace so far (None if unknown)."""
    done = job.issued + job.failed
    left = None
    if job.state == IssuanceJob.State.RUNNING and job.started_at and 0 < done < job.total:
        elapsed = ((now or timezone.now()) - job.started_at).total_seconds()
        left = round(elapsed / done * (job.total - done))
    return {"state": job.state, "total": job.total, "issued": job.issued, "failed": job.failed,
            "done": done, "seconds_left": left, "stalled": is_stalled(job, now)}  # fmt: skip


def run_issuance_job(job_id: int) -> IssuanceJob:
    """Issue the pending rows of job ``job_id``. A refused row (IssuingError) is recorded as failed
    and the job goes on; anything else stops the job, marked failed, and is raised again: running
    the job again later issues the rows still pending, and none twice."""
    job = IssuanceJob.objects.select_related(
        "organisation", "micro_credential_version__micro_credential"
    ).get(pk=job_id)
    if job.state in (
        IssuanceJob.State.DONE,
        IssuanceJob.State.PREVIEW,
    ):  # a preview waits for its confirmation
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

"""The platform's background work as staff see it: the tasks that failed (in the database queue) and
the bulk issuances failed or stalled, each tried again on request (audited), and the figures of the
queue that the health check and the metrics give (:func:`queue_figures`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Q
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django.utils import timezone
from django.utils.module_loading import import_string

from carnet.audit.services import record_event
from carnet.issuing.models import IssuanceJob
from carnet.issuing.recovery import stalled_jobs
from carnet.site.background import ATTEMPT, attempt_of

SHOWN = 100  # failed tasks listed, newest first
EMAIL = re.compile(r"[^\s@'\"<>(),;:]+@[^\s@'\"<>(),;:]+")


def database_queue() -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


@dataclass(frozen=True)
class FailedTask:
    id: str
    name: str
    arguments: str
    error: str
    attempts: int
    failed_at: datetime | None


def failed_tasks() -> list[FailedTask]:
    """The failed tasks of the database queue, newest first (none with another backend)."""
    if not database_queue():
        return []
    from django_tasks_db.models import DBTaskResult

    results = DBTaskResult.objects.failed().order_by("-finished_at")[:SHOWN]
    return [
        FailedTask(
            id=str(result.id),
            name=result.task_path.rsplit(".", 2)[-2] + "." + result.task_name,
            arguments=summary(result.args_kwargs),
            error=error_of(result.exception_class_path, result.traceback),
            attempts=attempt_of(result.args_kwargs.get("kwargs", {})),
            failed_at=result.finished_at,
        )
        for result in results
    ]


def summary(args_kwargs: dict[str, Any]) -> str:
    """The task's arguments in short, without personal data: ids and short words stay, an email or a
    long text is hidden."""
    kwargs = {k: v for k, v in (args_kwargs.get("kwargs") or {}).items() if k != ATTEMPT}
    parts = [_value(value) for value in args_kwargs.get("args") or []]
    parts += [f"{key}={_value(value)}" for key, value in kwargs.items()]
    return ", ".join(parts)


def _value(value: Any) -> str:
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    if isinstance(value, str):
        return "…" if EMAIL.search(value) or len(value) > 40 else repr(value)
    return type(value).__name__  # a list or a mapping: its kind only


def error_of(exception_path: str, traceback: str) -> str:
    """The error's kind and message (its last line), emails hidden."""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else exception_path
    return EMAIL.sub("…", last)[:300]


def jobs_needing_care() -> list[IssuanceJob]:
    """The bulk issuances that failed or are stalled (their worker silent for too long)."""
    stalled = stalled_jobs().values("pk")
    return list(
        IssuanceJob.objects.filter(Q(state=IssuanceJob.State.FAILED) | Q(pk__in=stalled))
        .select_related("organisation")
        .order_by("-created_at")[:SHOWN]
    )


class NotFound(Exception):
    """Nothing to try again: it succeeded meanwhile, or was tried again already."""


@transaction.atomic
def retry_task(*, task_id: str, actor: Any) -> str:
    """Queue a failed task again with its arguments (its attempts counted anew); the failed result
    gives way to the new one. The new task's id."""
    from django_tasks_db.models import DBTaskResult

    result = (
        DBTaskResult.objects.select_for_update().filter(id=task_id, status=TaskResultStatus.FAILED).first()
    )
    if result is None:
        raise NotFound(task_id)
    task = import_string(result.task_path)
    kwargs = {k: v for k, v in (result.args_kwargs.get("kwargs") or {}).items() if k != ATTEMPT}
    new = task.enqueue(*(result.args_kwargs.get("args") or []), **kwargs)
    record_event(
        verb="background_task.retried", actor=actor,
        data={"task": result.task_path, "failed": str(result.id), "queued": str(new.id)},
    )  # fmt: skip
    result.delete()
    return str(new.id)


@transaction.atomic
def retry_job(*, job_uuid: Any, actor: Any) -> IssuanceJob:
    """Queue again a failed or stalled bulk issuance: the rows still pending are issued, none twice.
    Never a preview (nobody confirmed it) nor a job queued or running with signs of life."""
    from carnet.issuing.bulk import is_stalled
    from carnet.issuing.tasks import run_issuance_job

    job = IssuanceJob.objects.select_for_update().filter(uuid=job_uuid).first()
    if job is None or not is_stalled(job):
        raise NotFound(job_uuid)
    IssuanceJob.objects.filter(pk=job.pk).update(state=IssuanceJob.State.QUEUED, heartbeat_at=timezone.now())
    record_event(
        verb="issuance_job.retried", actor=actor, organisation=job.organisation, target=job,
        data={"issued": job.issued, "failed": job.failed, "total": job.total},
    )  # fmt: skip
    job_id = job.pk
    transaction.on_commit(lambda: run_issuance_job.enqueue(job_id))
    return job


def queue_figures() -> dict[str, Any]:
    """The database queue in figures, in one query: tasks waiting (ready now), the age in seconds of
    the oldest of them, running, failed. None where the queue is not the database's."""
    if not database_queue():
        return {"backend": "immediate" if _immediate() else "other"}
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    due = Q(status=TaskResultStatus.READY) & (Q(run_after=get_date_max()) | Q(run_after__lte=now))
    figures = DBTaskResult.objects.aggregate(
        waiting=Count("pk", filter=due),
        oldest=Min("enqueued_at", filter=due),
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
        failed=Count("pk", filter=Q(status=TaskResultStatus.FAILED)),
    )
    oldest = figures.pop("oldest")
    figures["oldest_waiting_seconds"] = round((now - oldest).total_seconds(), 1) if oldest else 0
    return {"backend": "database", **figures}


def _immediate() -> bool:
    from django.tasks.backends.immediate import ImmediateBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], ImmediateBackend)

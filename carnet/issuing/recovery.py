"""Bulk issuances cut short (a worker killed, a machine restarted), found and taken up again.

The worker running a job signs of life in ``IssuanceJob.heartbeat_at`` (:func:`keep_alive`, every
sixth of ``ISSUANCE_JOB_STALE_AFTER``). A job is *stalled* when it is running and silent for longer
than that, or queued for longer than that with no task waiting for it in the database queue (the
task lost before a worker took it). :func:`resume_stalled_jobs` queues those again; ``carnet worker``
calls it at start and then periodically, ``carnet manage resume_issuance_jobs`` on demand. Each row
issues with its own idempotency key, so a job taken up again never issues a row twice."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django.utils import timezone

from carnet.issuing.models import IssuanceJob

logger = logging.getLogger("carnet.tasks")

JOB_TASK = "carnet.issuing.tasks.run_issuance_job"


def stale_after() -> timedelta:
    return timedelta(seconds=settings.ISSUANCE_JOB_STALE_AFTER)


def stalled_jobs(*, after: timedelta | None = None, include_failed: bool = False) -> QuerySet[IssuanceJob]:
    """The jobs to take up again: running and silent for ``after``, queued for ``after`` with no
    live task, and (``include_failed``) failed ``after`` ago or more."""
    cutoff = timezone.now() - (after if after is not None else stale_after())
    last_sign = Coalesce("heartbeat_at", "started_at", "created_at")
    jobs = IssuanceJob.objects.alias(last_sign=last_sign)
    stalled = Q(state=IssuanceJob.State.RUNNING, last_sign__lt=cutoff)
    queued = Q(state=IssuanceJob.State.QUEUED, created_at__lt=cutoff)
    waiting = queued_job_ids()
    if waiting is not None:
        queued &= ~Q(pk__in=waiting)
    if include_failed:
        stalled |= Q(state=IssuanceJob.State.FAILED, last_sign__lt=cutoff)
    return jobs.filter(stalled | queued)


def queued_job_ids() -> set[int] | None:
    """The jobs a task in the database queue is waiting to run or running; None if the queue is
    not the database's (its contents cannot be seen from here)."""
    if not _database_queue():
        return None
    from django_tasks_db.models import DBTaskResult

    live = DBTaskResult.objects.filter(
        task_path=JOB_TASK, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    return {args["args"][0] for args in live.values_list("args_kwargs", flat=True) if args.get("args")}


def resume_stalled_jobs(*, after: timedelta | None = None, include_failed: bool = False) -> list[int]:
    """Queue again the stalled jobs (see :func:`stalled_jobs`); their ids."""
    from carnet.issuing.tasks import run_issuance_job

    ids = list(stalled_jobs(after=after, include_failed=include_failed).values_list("pk", flat=True))
    if not ids:
        return ids
    if _database_queue():
        _abandon_lost_tasks(ids)
    for job_id in ids:
        # Queued again (with its live task, it is not taken up again before its worker starts).
        IssuanceJob.objects.filter(pk=job_id).update(
            state=IssuanceJob.State.QUEUED, heartbeat_at=timezone.now()
        )
        run_issuance_job.enqueue(job_id)
        logger.warning("issuance job %s was cut short: queued again", job_id)
    return ids


class WorkerLost(Exception):
    """The worker running this task stopped without finishing it (killed, or its machine restarted)."""


def _abandon_lost_tasks(job_ids: list[int]) -> None:
    """Mark as failed the tasks of these jobs left running by a worker that is gone."""
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(task_path=JOB_TASK, status=TaskResultStatus.RUNNING)
    for result in running:
        if result.args_kwargs.get("args", [None])[0] in job_ids:
            result.set_failed(WorkerLost("the worker stopped during the job; the job was queued again"))


def _database_queue() -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


@contextlib.contextmanager
def keep_alive(job_id: int) -> Iterator[None]:
    """Sign of life of the job's worker while the block runs: before any query of this thread, once
    every sixth of ``ISSUANCE_JOB_STALE_AFTER``, on the same connection and in the same transaction
    as the work (a separate thread would have to wait its turn for SQLite's one writer, and a busy
    job barely leaves it one)."""
    every = settings.ISSUANCE_JOB_STALE_AFTER / 6
    last = time.monotonic()
    signing = False

    def beat(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal last, signing
        if not signing and time.monotonic() - last >= every and not connection.needs_rollback:
            signing, last = True, time.monotonic()
            try:
                IssuanceJob.objects.filter(pk=job_id, state=IssuanceJob.State.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
            finally:
                signing = False
        return execute(sql, params, many, context)

    with connection.execute_wrapper(beat):
        yield

"""``carnet worker``: runs the background work queued in the database (CARNET_TASKS_BACKEND=database).

Each process is django-tasks-db's worker (it takes one task at a time with a row lock, so several
processes, on one machine or several sharing PostgreSQL, never run a task twice), plus a thread that
takes up the bulk issuances cut short (carnet.issuing.recovery), at start and then every half of
``ISSUANCE_JOB_STALE_AFTER``. SIGTERM or SIGINT stops it gracefully: the task under way finishes
first (a second signal stops at once)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.utils.crypto import get_random_string

logger = logging.getLogger("carnet.tasks")


class NotADatabaseQueue(Exception):
    """The tasks backend is not the database's: there is nothing for this worker to run."""


def run(
    *,
    processes: int = 1,
    queues: list[str] | None = None,
    batch: bool = False,
    interval: float = 1.0,
    recover: bool = True,
) -> int:
    """Run the worker (``processes`` of them: this one and children); 0 once stopped."""
    from django_tasks_db import DatabaseBackend

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        raise NotADatabaseQueue(settings.TASKS[DEFAULT_TASK_BACKEND_ALIAS]["BACKEND"])
    _configure_logging()
    work = worker(queues=queues, batch=batch, interval=interval)
    work.configure_signals()
    children = [_spawn_child(queues, interval) for _ in range(processes - 1)] if not batch else []
    _forward_signals(children)
    stop = threading.Event()
    if recover:
        _resume()  # before the first task: the jobs cut short are queued again
        if not batch:
            threading.Thread(target=_keep_resuming, args=(stop,), name="resume-jobs", daemon=True).start()
    try:
        work.run()
    except SystemExit:
        pass
    finally:
        stop.set()
        for child in children:
            child.wait()
    return 0


def worker(*, queues: list[str] | None, batch: bool, interval: float) -> Any:
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=queues or ["*"],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=not batch,
        max_tasks=None,
        worker_id=f"{os.uname().nodename[:20]}-{os.getpid()}-{get_random_string(8)}",
        excluded_queue_names=[],
    )


def _resume() -> None:
    from carnet.issuing.recovery import resume_stalled_jobs

    try:
        resume_stalled_jobs()
    except Exception:
        logger.exception("could not look for the issuance jobs cut short")


def _keep_resuming(stop: threading.Event) -> None:
    every = timedelta(seconds=settings.ISSUANCE_JOB_STALE_AFTER / 2).total_seconds()
    try:
        while not stop.wait(every):
            _resume()
    finally:
        connection.close()


def _spawn_child(queues: list[str] | None, interval: float) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "carnet.cli", "worker", "--processes", "1", "--no-recover"]
    command += ["--interval", str(interval)]
    if queues:
        command += ["--queue", ",".join(queues)]
    return subprocess.Popen(command)  # noqa: S603 (our own command, no input from outside)


def _forward_signals(children: list[subprocess.Popen[bytes]]) -> None:
    """The children stop with their parent: a supervisor's SIGTERM goes to the parent only (Ctrl+C
    in a terminal reaches every process of the group by itself)."""
    if not children:
        return
    previous = signal.getsignal(signal.SIGTERM)

    def forward(number: int, frame: Any) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(number)
        if callable(previous):
            previous(number, frame)

    signal.signal(signal.SIGTERM, forward)


def _configure_logging() -> None:
    # django-tasks-db's and Django's task loggers say what each task did, on the standard error,
    # unless the logging settings already send them somewhere.
    for name in ("django_tasks_db", "django.tasks", "carnet.tasks"):
        log = logging.getLogger(name)
        if log.level == logging.NOTSET:
            log.setLevel(logging.INFO)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

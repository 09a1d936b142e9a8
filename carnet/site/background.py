"""Retries of background work (Django's tasks API), one mechanism for every Carnet task.

A task decorated with :func:`retried` (under ``@task()``) that fails with a *transient* error — the
network, the mail server, a database busy or unreachable, or :class:`Transient` raised on purpose —
is queued again to run later, after an exponential backoff with jitter (30 s, 1 min, 2 min... capped
at an hour, each drawn between half and all of it, so that many retries spread out), up to
``max_attempts`` attempts in all. The attempt number travels with the task as the keyword argument
``retry_attempt``. Any other error, or the last attempt's, fails the task: the worker records it
as failed, and staff see it on the failed-work page (carnet.site.operations).

Only a queue that can defer (the database backend run by ``carnet worker``) waits before trying
again; with the immediate backend, which runs the task inside the request, the error is not retried.
Webhooks keep their own, longer schedule (carnet.webhooks.services.BACKOFF)."""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("carnet.tasks")

MAX_ATTEMPTS = 5
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
ATTEMPT = "retry_attempt"  # the keyword argument that carries the attempt number


class Transient(Exception):
    """Raise it (``raise Transient(...) from exc``) for an error that may pass if tried later."""


class Unfinished(Transient):
    """Raise it (``raise Unfinished(*args, **kwargs) from exc``) from a task that did part of its
    work before a transient error: only what is left, the task with these arguments, is tried again
    — never what was done (the emails sent of a group). On the last attempt what is left is queued
    once more on its own if the task did anything, so that the task that fails, which staff may
    queue again, holds only the work not done."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("unfinished")
        self.left = (args, kwargs)


# OSError covers the network, sockets, timeouts and smtplib's errors.
TRANSIENT: tuple[type[BaseException], ...] = (Transient, OSError, OperationalError, InterfaceError)


def backoff(attempt: int, *, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY) -> timedelta:
    """How long to wait after the failed attempt number ``attempt`` (1 for the first): doubled at each
    attempt, capped, and drawn between half and all of it (spreading retries, not secrecy)."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311


def retried(
    max_attempts: int = MAX_ATTEMPTS,
    *,
    transient: tuple[type[BaseException], ...] = TRANSIENT,
    base: timedelta = BASE_DELAY,
    cap: timedelta = MAX_DELAY,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a task's function (below ``@task()``) so that a transient error queues it again."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            attempt = int(kwargs.pop(ATTEMPT, 1))
            try:
                return func(*args, **kwargs)
            except transient as exc:
                left_args, left_kwargs = exc.left if isinstance(exc, Unfinished) else (args, kwargs)
                error = exc.__cause__ if isinstance(exc, Unfinished) and exc.__cause__ else exc
                did_some = (tuple(left_args), left_kwargs) != (tuple(args), kwargs)
                if not _can_defer(func) or (attempt >= max_attempts and not did_some):
                    if error is exc:
                        raise
                    raise error from None  # the error itself, as staff should see it
                task = import_string(f"{func.__module__}.{func.__qualname__}")
                if (
                    attempt >= max_attempts
                ):  # what is left runs once more on its own, and fails without the rest
                    task.enqueue(*left_args, **left_kwargs, **{ATTEMPT: max_attempts})
                    return {"retried": attempt, "error": type(error).__name__}
                delay = backoff(attempt, base=base, cap=cap)
                task.using(run_after=timezone.now() + delay).enqueue(
                    *left_args, **left_kwargs, **{ATTEMPT: attempt + 1}
                )
                logger.warning(
                    "task %s failed (attempt %d of %d: %s); tried again in %d s",
                    func.__qualname__, attempt, max_attempts, type(error).__name__, delay.total_seconds(),
                )  # fmt: skip
                return {"retried": attempt + 1, "error": type(error).__name__}

        return run

    return decorate


def _can_defer(func: Callable[..., Any]) -> bool:
    task = import_string(f"{func.__module__}.{func.__qualname__}")
    return bool(task.get_backend().supports_defer)


def attempt_of(kwargs: dict[str, Any]) -> int:
    """The attempt number of a queued task, from its keyword arguments."""
    return int(kwargs.get(ATTEMPT, 1))

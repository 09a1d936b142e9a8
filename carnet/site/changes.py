"""PostgreSQL's word that a table the cached public pages depend on has changed, so that a worker
serves those pages without asking the database at each request.

The badge page (carnet.portfolio.pagecache) and the verification report (carnet.verification.reportcache)
are kept in each process's memory, under a key read by one query at each request: a revocation, a
change of visibility or of a name shows at once. On PostgreSQL that query cost as much as the rest of
the page (bench/public_pages.py). Instead, statement triggers on the tables the keys read (migration
portfolio 0004) send ``NOTIFY carnet_changes`` when a transaction that wrote them commits; a thread
of each server process LISTENs on a connection of its own and counts the notices. A key read while
the count has not moved is still right, and is reused without a query.

Only the server turns it on (``carnet.site.wsgi``, unless ``CARNET_CHANGE_FEED=0``); tests, commands
and SQLite always ask the database. :func:`generation` says None — ask the database — whenever the
feed cannot vouch for its count: before its LISTEN is in place, after its connection was lost (it
reconnects), or when it has not heard from the database for ``STALE_AFTER`` seconds. A notice
reaches the other processes within milliseconds of the commit: a page can be a few milliseconds
late, never more than that while the feed answers.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from django.db import connection

CHANNEL = "carnet_changes"
APPLICATION_NAME = "carnet-change-feed"
HEARTBEAT = 2.0  # seconds between checks that the listening connection is alive
STALE_AFTER = 3 * HEARTBEAT

logger = logging.getLogger(__name__)


class ChangeFeed:
    """The count of change notices heard by this process."""

    def __init__(self, conninfo: dict[str, Any]) -> None:
        self.conninfo = conninfo
        self.count = 0
        self.heard_at = 0.0  # monotonic time of the last sign of life of a LISTENing connection
        self.listening = False
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="carnet-change-feed", daemon=True)

    def start(self) -> ChangeFeed:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=HEARTBEAT + 5)

    def generation(self) -> int | None:
        if not self.listening or time.monotonic() - self.heard_at > STALE_AFTER:
            return None
        return self.count

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                self._listen()
            except Exception:
                logger.warning("change feed: connection lost, the pages ask the database", exc_info=True)
            self.listening = False
            self.count += 1  # whatever was missed while deaf
            self.stopped.wait(1.0)

    def _listen(self) -> None:
        import psycopg

        with psycopg.connect(**self.conninfo, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            self.count += 1  # what changed before the LISTEN took effect
            self.heard_at = time.monotonic()
            self.listening = True
            while not self.stopped.is_set():
                for _notice in listener.notifies(timeout=HEARTBEAT):
                    self.count += 1
                listener.execute("SELECT 1")  # raises when the connection is gone
                self.heard_at = time.monotonic()


_enabled = False
_feed: ChangeFeed | None = None
_feed_pid = 0
_lock = threading.Lock()


def enable() -> None:
    """Turn the feed on for this process and the ones it forks (the server's workers)."""
    global _enabled
    _enabled = connection.vendor == "postgresql"


def generation() -> int | None:
    """The count of changes heard, or None when the database must be asked."""
    feed = _feed
    if feed is None or _feed_pid != os.getpid():
        if not _enabled:
            return None
        feed = _start()
    return feed.generation()


def _start() -> ChangeFeed:
    """The feed of this process, started at its first request (a thread does not survive a fork)."""
    global _feed, _feed_pid
    with _lock:
        if _feed is None or _feed_pid != os.getpid():
            _feed = ChangeFeed(_conninfo()).start()
            _feed_pid = os.getpid()
        return _feed


def _conninfo() -> dict[str, Any]:
    """Django's own connection parameters, minus what psycopg.connect does not take."""
    params = dict(connection.get_connection_params())
    for name in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(name, None)
    params["application_name"] = APPLICATION_NAME  # seen as such in pg_stat_activity
    return params

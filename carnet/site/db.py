"""The one row of a query that each request of a hot page runs (the keys of carnet.portfolio.pagecache
and carnet.verification.reportcache).

On PostgreSQL the query goes as a prepared statement on the request's connection: Django's cursors
bind parameters on the client, so PostgreSQL parses and plans the same four-table join again at each
request, which cost more than the rest of a cached badge page (measured: 0.40 ms a query, 0.14 ms
prepared; bench/public_pages.py). Connections are kept (CONN_MAX_AGE), so a statement is prepared
once per connection. Elsewhere, Django's cursor. And a row is not even asked for again while the
database has not changed (``reuse``).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import Any

from django.db import connection

from carnet.site import changes

MEMO_SIZE = 10_000
_memo: dict[tuple[Any, str, tuple[Any, ...]], tuple[tuple[Any, ...], tuple[Any, ...] | None]] = {}
_serials = itertools.count(1)


def fetch_one(sql: str, params: Sequence[Any] = (), *, reuse: bool = False) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (with ``%s`` placeholders), or None.

    ``reuse``: the row read before in this process (PostgreSQL) or on this connection (SQLite) is
    given again without running the query while the database is known not to have changed since:
    on PostgreSQL, no change notice heard (carnet.site.changes: the tables the keys read); on SQLite,
    neither ``PRAGMA data_version`` (commits by any other connection, of any process) nor the
    connection's own count of changes has moved — a cheap check that reads no table. Each row is
    tagged with the state read *before* its query, so a row read while a change was on its way is
    never taken for a newer one."""
    if reuse and (state := _state()) is not None:
        key = (state[0], sql, tuple(params))
        kept = _memo.get(key)
        if kept is not None and kept[0] == state:
            return kept[1]
        row = _fetch_one(sql, params)
        if len(_memo) >= MEMO_SIZE:
            _memo.clear()
        _memo[key] = (state, row)
        return row
    return _fetch_one(sql, params)


def _state() -> tuple[Any, ...] | None:
    """Where the database stands, as far as this process or connection can tell at no cost; None
    when it cannot (the query must then run)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        # A serial per connection (kept with it, so that a new connection never takes an old one's
        # states for its own): data_version counts only the other connections' commits.
        if getattr(connection, "_carnet_raw", None) is not raw:
            connection._carnet_raw, connection._carnet_serial = raw, next(_serials)  # type: ignore[attr-defined]
        (version,) = raw.execute("PRAGMA data_version").fetchone()
        return (connection._carnet_serial, version, raw.total_changes)  # type: ignore[attr-defined]
    current = changes.generation()
    return None if current is None else ("feed", current)


def _fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.ensure_connection()
    # In Django's wrapper, so that errors, query logging and execute wrappers work as for any query.
    raw = _prepared_cursor_class()(connection.connection)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@functools.cache
def _prepared_cursor_class() -> type:
    """A psycopg cursor that binds on the server and prepares each query (Django's own cursors bind
    on the client and never prepare; settings give the connection a ``prepare_threshold``). psycopg is imported on first use only: a
    site on SQLite never loads it."""
    import psycopg

    class PreparedCursor(psycopg.Cursor):  # type: ignore[type-arg]
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            options["prepare"] = True
            return super().execute(query, params, **options)

    return PreparedCursor

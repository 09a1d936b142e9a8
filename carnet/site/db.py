"""The one row of a query that each request of a hot page runs (the keys of carnet.portfolio.pagecache
and carnet.verification.reportcache).

On PostgreSQL the query goes as a prepared statement on the request's connection: Django's cursors
bind parameters on the client, so PostgreSQL parses and plans the same four-table join again at each
request, which cost more than the rest of a cached badge page (measured: 0.40 ms a query, 0.14 ms
prepared; bench/public_pages.py). Connections are kept (CONN_MAX_AGE), so a statement is prepared
once per connection. Elsewhere, Django's cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from carnet.site import changes

MEMO_SIZE = 10_000
_memo: dict[tuple[str, tuple[Any, ...]], tuple[int, tuple[Any, ...] | None]] = {}


def fetch_one(sql: str, params: Sequence[Any] = (), *, reuse: bool = False) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (with ``%s`` placeholders), or None.

    ``reuse``: a query of the tables carnet.site.changes hears about may give the row it gave before
    in this process, without asking the database, while no change has been heard since; each row is
    tagged with the count of changes read *before* its query, so that a row read while a change was
    on its way is never taken for a newer one."""
    if reuse and (current := changes.generation()) is not None:
        key = (sql, tuple(params))
        kept = _memo.get(key)
        if kept is not None and kept[0] == current:
            return kept[1]
        row = _fetch_one(sql, params)
        if len(_memo) >= MEMO_SIZE:
            _memo.clear()
        _memo[key] = (current, row)
        return row
    return _fetch_one(sql, params)


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


_PREPARED: type | None = None


def _prepared_cursor_class() -> type:
    """A psycopg cursor that binds on the server and prepares each query (Django's connections
    never prepare: its ``prepare_threshold`` is None)."""
    global _PREPARED
    if _PREPARED is None:
        import psycopg

        class PreparedCursor(psycopg.Cursor):  # type: ignore[type-arg]
            def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
                options["prepare"] = True
                return super().execute(query, params, **options)

        _PREPARED = PreparedCursor
    return _PREPARED

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


def fetch_one(sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (with ``%s`` placeholders), or None."""
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

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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import Model

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


def insert_rows(objects: Sequence[Model]) -> None:
    """What ``bulk_create`` does for new rows of one model (no signals, each object's id set), with
    each value prepared as Django saves it (the field's ``pre_save`` and ``get_db_prep_save``) but
    without the query compiler's work on every value, which cost bulk issuance as much as signing
    did. On PostgreSQL, one prepared ``INSERT … RETURNING`` sent for every row at once (psycopg's
    pipelined ``executemany`` with server-side binding: no quoting of each document on the client);
    elsewhere one ``INSERT … VALUES (…), (…) RETURNING`` a batch. Measured on 250 credentials, CPU a
    row: SQLite 240 → 126 µs, PostgreSQL 348 → 108 µs (bench/bulk_issuing.py)."""
    if not objects:
        return
    meta = type(objects[0])._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 (the model's names)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f" RETURNING {quote(meta.pk.column)}"

    def values(obj: Model) -> list[Any]:
        return [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]

    ids: list[Any] = []
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(head + row + returning, [values(obj) for obj in objects], returning=True)
            while True:
                ids.append(cursor.fetchone()[0])  # type: ignore[index]
                if not cursor.nextset():
                    break
    else:
        size = max(1, connection.ops.bulk_batch_size(fields, objects))
        with connection.cursor() as cursor:
            for start in range(0, len(objects), size):
                batch = objects[start : start + size]
                cursor.execute(
                    head + ", ".join([row] * len(batch)) + returning,
                    [v for obj in batch for v in values(obj)],
                )
                ids += [pk for (pk,) in cursor.fetchall()]
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


@contextmanager
def streamed_rows(model: type[Model], key: str) -> Iterator[Callable[[Model], None]]:
    """New rows of ``model`` given one at a time to the function the block receives, each object's
    id set by the end of the block (``key``: a unique field, set before a row is given).

    On PostgreSQL a ``COPY`` sends each row to the server as soon as it is given, so that the server
    stores the rows while the caller makes the next ones (bulk issuance signs the next credentials
    while the server writes the last ones: both cores at work); the ids are read back by ``key`` at
    the end. No other query may run on the connection inside the block there. Elsewhere the rows are
    inserted together at the end (:func:`insert_rows`). Raising inside the block stores none."""
    if connection.vendor != "postgresql":
        kept: list[Model] = []
        yield kept.append
        insert_rows(kept)
        return
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    given: list[Model] = []
    connection.ensure_connection()
    # Django's errors (IntegrityError…) rather than psycopg's, as from Django's own cursors
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:

            def give(obj: Model) -> None:
                copy.write_row(
                    [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
                )
                given.append(obj)

            yield give
        if not given:
            return
        column = meta.get_field(key)
        cursor.execute(
            f"SELECT {quote(column.column)}, {quote(meta.pk.column)} FROM {quote(meta.db_table)} "  # noqa: S608
            f"WHERE {quote(column.column)} = ANY(%s)",
            [[column.get_db_prep_value(getattr(obj, column.attname), connection) for obj in given]],
        )
        ids = dict(cursor.fetchall())
    for obj in given:
        obj.pk = ids[column.to_python(getattr(obj, column.attname))]
        obj._state.adding, obj._state.db = False, connection.alias

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
from collections.abc import Callable, Iterator, Mapping, Sequence
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


def _fields(model: type[Model], with_id: bool = False) -> tuple[list[Any], str]:
    """The fields a new row of ``model`` is given (all but its id, unless ``with_id``), and their
    columns for SQL."""
    fields = [field for field in model._meta.concrete_fields if with_id or not field.primary_key]
    return fields, ", ".join(connection.ops.quote_name(field.column) for field in fields)


def _values(fields: list[Any], obj: Model, prepared: Mapping[str, Any] | None) -> list[Any]:
    """``obj``'s values as Django saves them (each field's ``pre_save`` and ``get_db_prep_save``),
    but those ``prepared`` (by field name) already for the database: a JSON text, say."""
    if not prepared:
        return [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    return [
        prepared[field.name]
        if field.name in prepared
        else field.get_db_prep_save(field.pre_save(obj, True), connection)
        for field in fields
    ]


def insert_rows(objects: Sequence[Model], prepared: Sequence[Mapping[str, Any] | None] | None = None) -> None:
    """What ``bulk_create`` does for new rows of one model (no signals, each object's id set), with
    each value prepared as Django saves it (the field's ``pre_save`` and ``get_db_prep_save``) but
    without the query compiler's work on every value, which cost bulk issuance as much as signing
    did. ``prepared``: for each object, values already for the database by field name (a JSON
    field's text). On PostgreSQL, one prepared ``INSERT … RETURNING`` sent for every row at once
    (psycopg's pipelined ``executemany`` with server-side binding: no quoting of each document on
    the client); elsewhere one ``INSERT … VALUES (…), (…) RETURNING`` a batch. Measured on 250
    credentials, CPU a row: SQLite 240 → 126 µs, PostgreSQL 348 → 108 µs (bench/bulk_issuing.py)."""
    if not objects:
        return
    meta = type(objects[0])._meta
    fields, columns = _fields(type(objects[0]))
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 (the model's names)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f" RETURNING {quote(meta.pk.column)}"
    given = prepared if prepared is not None else [None] * len(objects)
    ids: list[Any] = []
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(
                head + row + returning,
                [_values(fields, obj, values) for obj, values in zip(objects, given, strict=True)],
                returning=True,
            )
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
                    [
                        v
                        for obj, values in zip(batch, given[start : start + size], strict=True)
                        for v in _values(fields, obj, values)
                    ],
                )
                ids += [pk for (pk,) in cursor.fetchall()]
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


def reserve_ids(model: type[Model], count: int) -> list[int] | None:
    """On PostgreSQL, ``count`` ids taken now from the sequence of ``model``'s table, for rows to be
    written later with them (:func:`streamed_rows` ``with_ids``), so that what refers to those rows
    can be written first (foreign keys are checked at commit). None elsewhere: SQLite gives the ids
    as it inserts."""
    if connection.vendor != "postgresql" or count < 1:
        return None
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


@contextmanager
def streamed_rows(model: type[Model], key: str, *, with_ids: bool = False) -> Iterator[Callable[..., None]]:
    """New rows of ``model`` given one at a time to the function the block receives, each object's
    id set by the end of the block (``key``: a unique field, set before a row is given). The
    function takes an object and, by field name, values already for the database (a JSON text).
    ``with_ids``: the objects come with their ids (:func:`reserve_ids`), written as they are.

    On PostgreSQL a ``COPY`` sends each row to the server as soon as it is given, so that the server
    stores the rows while the caller makes the next ones (bulk issuance signs the next credentials
    while the server writes the last ones: both cores at work); without ``with_ids`` the ids are
    read back by ``key`` at the end. No other query may run on the connection inside the block
    there. Elsewhere the rows are inserted together at the end (:func:`insert_rows`). Raising inside
    the block stores none."""
    if connection.vendor != "postgresql":
        kept: list[Model] = []
        kept_values: list[Mapping[str, Any] | None] = []

        def keep(obj: Model, **prepared: Any) -> None:
            kept.append(obj)
            kept_values.append(prepared)

        yield keep
        insert_rows(kept, kept_values)
        return
    meta = model._meta
    fields, columns = _fields(model, with_id=with_ids)
    quote = connection.ops.quote_name
    given: list[Model] = []
    connection.ensure_connection()
    # Django's errors (IntegrityError…) rather than psycopg's, as from Django's own cursors
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:

            def give(obj: Model, **prepared: Any) -> None:
                if with_ids and obj.pk is None:
                    raise ValueError("streamed_rows(with_ids=True) takes objects with their ids")
                # COPY's text format: a JSON text is read by the jsonb column's input, as is
                copy.write_row(_values(fields, obj, prepared))
                given.append(obj)

            yield give
        if not given:
            return
        if with_ids:
            ids = {}
        else:
            column = meta.get_field(key)
            cursor.execute(
                f"SELECT {quote(column.column)}, {quote(meta.pk.column)} FROM {quote(meta.db_table)} "  # noqa: S608
                f"WHERE {quote(column.column)} = ANY(%s)",
                [[column.get_db_prep_value(getattr(obj, column.attname), connection) for obj in given]],
            )
            ids = dict(cursor.fetchall())
    for obj in given:
        if not with_ids:
            obj.pk = ids[column.to_python(getattr(obj, column.attname))]
        obj._state.adding, obj._state.db = False, connection.alias

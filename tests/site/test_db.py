"""carnet.site.db.fetch_one: the hot pages' one query, prepared on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.utils import DatabaseError

from carnet.accounts.models import User
from carnet.audit.models import AuditEvent
from carnet.site import db
from carnet.site.db import fetch_one

pytestmark = pytest.mark.django_db

SQL = f"SELECT email, display_name FROM {User._meta.db_table} WHERE email = %s"


def test_the_first_row_or_none():
    User.objects.create_user("ines@exemple.localhost", "a long test password", display_name="Inès")
    assert fetch_one(SQL, ["ines@exemple.localhost"]) == ("ines@exemple.localhost", "Inès")
    assert fetch_one(SQL, ["personne@exemple.localhost"]) is None


def test_the_query_is_counted_like_any_other(django_assert_num_queries):
    with django_assert_num_queries(1):
        fetch_one(SQL, ["ines@exemple.localhost"])


def test_an_error_is_djangos(transactional_db):
    with pytest.raises(DatabaseError):
        fetch_one("SELECT no_such_column FROM " + User._meta.db_table)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_the_query_is_prepared_once_per_connection():
    for _ in range(3):
        fetch_one(SQL, ["ines@exemple.localhost"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert sum(User._meta.db_table in statement and "$1" in statement for statement in statements) == 1


def test_a_row_kept_for_reuse_is_read_again_once_the_connection_wrote(django_assert_num_queries):
    user = User.objects.create_user("ines@exemple.localhost", "a long test password", display_name="Inès")
    state = db._state()
    if state is None:
        pytest.skip("PostgreSQL without the change feed (tests): every reuse asks")
    assert fetch_one(SQL, [user.email], reuse=True) == (user.email, "Inès")
    with django_assert_num_queries(0):
        assert fetch_one(SQL, [user.email], reuse=True) == (user.email, "Inès")
    User.objects.filter(pk=user.pk).update(display_name="Inès T.")
    assert fetch_one(SQL, [user.email], reuse=True) == (user.email, "Inès T.")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PRAGMA data_version is SQLite's")
def test_on_sqlite_a_commit_by_another_connection_is_seen(transactional_db, django_assert_num_queries):
    import sqlite3

    user = User.objects.create_user("ines@exemple.localhost", "a long test password", display_name="Inès")
    assert fetch_one(SQL, [user.email], reuse=True) == (user.email, "Inès")
    with django_assert_num_queries(0):
        fetch_one(SQL, [user.email], reuse=True)
    other = sqlite3.connect(connection.settings_dict["NAME"])  # another process would do the same
    with other:
        other.execute(f"UPDATE {User._meta.db_table} SET display_name = 'Inès T.' WHERE id = ?", [user.pk])
    other.close()
    assert fetch_one(SQL, [user.email], reuse=True) == (user.email, "Inès T.")


# -- insert_rows, streamed_rows: bulk issuance's inserts ------------------------------------------------


def _events(count):
    return [
        AuditEvent(
            verb="test.inserted", target_type="x", target_id=str(n), data={"n": n, "text": "é\u2028\"'"}
        )
        for n in range(count)
    ]


def test_inserted_rows_are_stored_as_bulk_create_stores_them():
    events = _events(130)  # more than one statement's worth of parameters on SQLite
    db.insert_rows(events)
    assert all(event.pk is not None and not event._state.adding for event in events)
    stored = {event.pk: event for event in AuditEvent.objects.filter(verb="test.inserted")}
    assert len(stored) == 130
    for event in events:
        again = stored[event.pk]
        assert (again.target_id, again.data) == (event.target_id, event.data)
        assert again.created_at == event.created_at and again.created_at.tzinfo is not None


def test_streamed_rows_get_their_ids_at_the_end_of_the_block():
    people = [
        User(email=f"flux{n}@exemple.localhost", password="!", display_name=f"Flux {n}") for n in range(40)
    ]
    with db.streamed_rows(User, "email") as store:
        for person in people:
            store(person)
    assert all(person.pk is not None for person in people)
    stored = dict(User.objects.filter(email__startswith="flux").values_list("pk", "display_name"))
    assert {person.pk: person.display_name for person in people} == stored


def test_a_failure_inside_the_stream_stores_none_of_its_rows(transactional_db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic(), db.streamed_rows(User, "email") as store:
        store(User(email="double@exemple.localhost", password="!"))
        store(User(email="double@exemple.localhost", password="!"))  # the same address twice
    assert not User.objects.filter(email="double@exemple.localhost").exists()


def test_values_given_ready_for_the_database_are_stored_as_given():
    events = _events(3)
    with db.streamed_rows(AuditEvent, "target_id") as store:
        for event in events:
            store(event, data=json.dumps({"as": "given", "n": int(event.target_id)}))
    stored = dict(AuditEvent.objects.filter(verb="test.inserted").values_list("target_id", "data"))
    assert stored == {str(n): {"as": "given", "n": n} for n in range(3)}


def test_rows_streamed_with_reserved_ids_keep_them():
    """On PostgreSQL ids are drawn first (what refers to the rows is written before them); SQLite
    gives none, and the rows get theirs as they are inserted."""
    events = _events(5)
    ids = db.reserve_ids(AuditEvent, len(events))
    if connection.vendor != "postgresql":
        assert ids is None
        return
    assert len(set(ids)) == 5
    for event, pk in zip(events, ids, strict=True):
        event.pk = pk
    with db.streamed_rows(AuditEvent, "target_id", with_ids=True) as store:
        for event in events:
            store(event)
    assert sorted(AuditEvent.objects.filter(verb="test.inserted").values_list("pk", flat=True)) == sorted(ids)
    later = AuditEvent.objects.create(verb="test.later", target_type="x", target_id="later")
    assert later.pk > max(ids)  # the sequence moved past them


def test_a_row_streamed_with_ids_must_come_with_its_id():
    if connection.vendor != "postgresql":
        pytest.skip("ids are reserved on PostgreSQL only")
    with (
        pytest.raises(ValueError, match="with their ids"),
        db.streamed_rows(AuditEvent, "target_id", with_ids=True) as store,
    ):
        store(_events(1)[0])

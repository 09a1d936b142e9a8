"""carnet.site.db.fetch_one: the hot pages' one query, prepared on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.utils import DatabaseError

from carnet.accounts.models import User
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

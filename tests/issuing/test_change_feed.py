"""PostgreSQL's notices of changes (carnet/site/changes.py): a server process that hears them serves
the kept badge page and verification report without asking the database, and still shows a
revocation as soon as it is committed; a feed that lost its connection makes the pages ask again."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from carnet.accounts.models import User
from carnet.issuing import services as issuing
from carnet.portfolio.services import set_visibility
from carnet.site import changes

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="NOTIFY and LISTEN are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),  # a notice is sent when a transaction commits
]


def wait_for(condition, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("not within the time allowed")


@pytest.fixture(autouse=True)
def framework(transactional_db):
    """A transactional test starts from a flushed database: the default framework is installed again."""
    from carnet.frameworks.services import install_default_framework

    return install_default_framework()


@pytest.fixture
def feed():
    """This process's feed, as the server's wsgi module turns it on."""
    cache.clear()
    changes.enable()
    feed = wait_for(lambda: changes.generation() is not None and changes._feed)
    yield feed
    feed.stop()
    changes._enabled, changes._feed = False, None
    cache.clear()


def heard_after(feed, before: int) -> bool:
    current = feed.generation()
    return current is not None and current > before


def test_a_committed_change_of_a_watched_table_is_heard(feed, make_user):
    before = feed.generation()
    make_user("nouvelle@exemple.localhost")
    wait_for(lambda: heard_after(feed, before))


def test_a_read_is_not_a_change(feed, make_user):
    before = feed.generation()
    user = make_user("nouvelle@exemple.localhost")
    wait_for(lambda: heard_after(feed, before))  # the write, heard
    time.sleep(0.3)  # and anything else on its way
    heard = feed.generation()
    list(User.objects.filter(pk=user.pk))
    time.sleep(0.3)
    assert feed.generation() == heard


def test_the_kept_badge_page_asks_nothing_and_a_revocation_shows_at_once(
    feed, client, issue, learner, org_admin, django_assert_num_queries
):
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    url = reverse("portfolio:badge", args=[credential.uuid])
    assert "Authentique et valide" in client.get(url).content.decode()
    with django_assert_num_queries(0):
        assert "Authentique et valide" in client.get(url).content.decode()
    before = feed.generation()
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    wait_for(lambda: heard_after(feed, before))
    assert "Révoquée" in client.get(url).content.decode()


def test_the_verification_report_is_reused_until_a_revocation(
    feed, client, issue, org_admin, django_assert_num_queries
):
    credential = issue()
    body = credential.document
    first = client.post("/api/verification", data=body, content_type="application/json").json()
    assert first["valid"]
    with django_assert_num_queries(0):
        again = client.post("/api/verification", data=body, content_type="application/json").json()
    assert again == first
    before = feed.generation()
    issuing.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    wait_for(lambda: heard_after(feed, before))
    report = client.post("/api/verification", data=body, content_type="application/json").json()
    assert not report["valid"]


def test_a_feed_that_lost_its_connection_makes_the_pages_ask_again(feed):
    before = feed.generation()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [changes.APPLICATION_NAME],
        )
    wait_for(lambda: feed.generation() is None, seconds=changes.STALE_AFTER + 5)
    # It reconnects, and counts what it may have missed meanwhile as a change.
    wait_for(lambda: heard_after(feed, before), seconds=10)


def test_without_the_feed_each_request_asks(client, issue, learner, django_assert_num_queries):
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    url = reverse("portfolio:badge", args=[credential.uuid])
    client.get(url)
    with django_assert_num_queries(1):
        client.get(url)

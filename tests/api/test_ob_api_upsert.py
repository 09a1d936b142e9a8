"""upsertCredential replaces a badge already in the carnet only with a version its issuer signed,
of a badge its issuer signed, that the same application put there; a badge the learner imported
themself is never replaced through the API. A replaced badge shows in getCredentials?since=, and
since= answers 400, never 500, to a moment that does not exist or has no UTC equivalent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from ob_fixtures import *  # noqa: F403 — the fixtures of these tests
from ob_oauth import READ, api, registered, tokens_for
from portfolio_samples import badge_for, signed_badge

from carnet.audit.models import AuditEvent
from carnet.credentials import Ed25519Key, sign
from carnet.portfolio.models import ImportedBadge
from carnet.portfolio.services import import_badge

pytestmark = pytest.mark.django_db


def newer_version(first, key, name="Version falsifiée"):
    """The credential ``first`` again (same id, same issuer), later, with other words, signed by ``key``."""
    newer = badge_for(key, name=name, valid_from=datetime.now(UTC).replace(microsecond=0))
    newer["id"] = first["id"]
    return sign(newer, key)


def forged(first, issuer_key):
    """A newer version of ``first`` naming ``issuer_key``'s issuer, with a proof nobody can check."""
    document = newer_version(first, issuer_key)
    document["proof"] = {**document["proof"], "cryptosuite": "bbs-2023"}
    return document


def assert_conflict(response, words):
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["imsx_codeMajor"] == "failure" and body["imsx_severity"] == "error"
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invalid_data"
    assert words in body["imsx_description"] and "reste tel quel" in body["imsx_description"]


def test_a_version_whose_proof_cannot_be_checked_does_not_replace_the_badge(browser, learner, other_key):
    access = tokens_for(browser)["access_token"]
    first = signed_badge(other_key, name="Version 1")
    assert api("POST", "/credentials", access, first).status_code == 201
    assert_conflict(api("POST", "/credentials", access, forged(first, other_key)), "signature de ce badge")
    badge = ImportedBadge.objects.get(holder=learner)
    assert badge.name == "Version 1" and badge.verdict == "valid" and badge.document == first


def test_a_version_signed_by_another_key_than_the_issuers_does_not_replace_the_badge(
    browser, learner, other_key
):
    access = tokens_for(browser)["access_token"]
    first = signed_badge(other_key, name="Version 1")
    assert api("POST", "/credentials", access, first).status_code == 201
    impostor = newer_version(first, other_key)
    impostor = sign({k: v for k, v in impostor.items() if k != "proof"}, Ed25519Key.generate())
    assert impostor["issuer"]["id"] == other_key.controller
    assert_conflict(api("POST", "/credentials", access, impostor), "signature de ce badge")
    assert ImportedBadge.objects.get(holder=learner).name == "Version 1"


def test_a_badge_the_learner_imported_is_never_replaced_through_the_api(browser, learner, other_key):
    first = signed_badge(other_key, name="Version 1")
    import_badge(holder=learner, data=json.dumps(first))
    access = tokens_for(browser)["access_token"]
    response = api("POST", "/credentials", access, newer_version(first, other_key, "Version 2"))
    assert_conflict(response, "n'a pas été ajouté par cette application")
    assert ImportedBadge.objects.get(holder=learner).name == "Version 1"


def test_an_application_replaces_only_the_badges_it_added_itself(browser, learner, other_key):
    mine, theirs = registered(), registered()
    access = tokens_for(browser, mine)["access_token"]
    first = signed_badge(other_key, name="Version 1")
    assert api("POST", "/credentials", access, first).status_code == 201
    badge = ImportedBadge.objects.get(holder=learner)
    assert badge.added_by_client == mine["client_id"]
    other_access = tokens_for(browser, theirs)["access_token"]
    newer = newer_version(first, other_key, "Version 2")
    assert_conflict(
        api("POST", "/credentials", other_access, newer), "n'a pas été ajouté par cette application"
    )
    badge.refresh_from_db()
    assert badge.name == "Version 1"
    assert api("POST", "/credentials", access, newer).status_code == 200
    badge.refresh_from_db()
    assert badge.name == "Version 2" and badge.added_by_client == mine["client_id"]
    replaced = AuditEvent.objects.get(verb="imported_badge.replaced", target_id=str(badge.pk))
    assert replaced.data["client_id"] == mine["client_id"]


def test_a_badge_whose_signature_was_not_verified_is_not_replaced(browser, learner, other_key):
    access = tokens_for(browser)["access_token"]
    first = signed_badge(other_key, name="Version 1")
    unverified = {**first, "proof": {**first["proof"], "cryptosuite": "bbs-2023"}}
    assert api("POST", "/credentials", access, unverified).status_code == 201
    assert ImportedBadge.objects.get(holder=learner).verdict == "unsupported_proof"
    response = api("POST", "/credentials", access, newer_version(first, other_key, "Version 2"))
    assert_conflict(response, "déjà dans votre carnet n'a pas été vérifiée")
    assert ImportedBadge.objects.get(holder=learner).name == "Version 1"


def test_a_replaced_badge_shows_in_get_credentials_since_its_replacement(browser, learner, other_key):
    access = tokens_for(browser)["access_token"]
    first = signed_badge(other_key, name="Version 1")
    assert api("POST", "/credentials", access, first).status_code == 201
    ImportedBadge.objects.update(imported_at=datetime.now(UTC) - timedelta(days=2))
    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api("GET", f"/credentials?since={since}", access)["X-Total-Count"] == "0"
    assert (
        api("POST", "/credentials", access, newer_version(first, other_key, "Version 2")).status_code == 200
    )
    response = api("GET", f"/credentials?since={since}", access)
    assert response["X-Total-Count"] == "1"
    assert response.json()["credential"][0]["name"] == "Version 2"


@pytest.mark.parametrize(
    "since", ["2026-02-30T00:00:00Z", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2026-13-01"]
)
def test_since_answers_400_to_a_moment_that_does_not_exist_or_has_no_utc_equivalent(browser, learner, since):
    access = tokens_for(browser, scopes=(READ,))["access_token"]
    response = api("GET", "/credentials?" + "since=" + since.replace("+", "%2B"), access)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    assert (
        body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        == "invalid_query_parameter"
    )


def test_since_with_a_large_offset_is_read_in_utc(browser, learner, issue):
    issue(learner)
    access = tokens_for(browser, scopes=(READ,))["access_token"]
    # This hour yesterday, 20 hours ahead of UTC: 44 hours ago in UTC (a moment PostgreSQL cannot take).
    earlier = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S") + "%2B20:00"
    response = api("GET", f"/credentials?since={earlier}", access)
    assert response.status_code == 200, response.content
    assert response["X-Total-Count"] == "1"
    assert api("GET", "/credentials?since=9999-12-31T23:59:59Z", access)["X-Total-Count"] == "0"


def test_the_badge_to_replace_is_locked_while_it_is_checked_and_written(browser, learner, other_key):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks the whole database: SELECT … FOR UPDATE is PostgreSQL's")
    access = tokens_for(browser)["access_token"]
    first = signed_badge(other_key, name="Version 1")
    assert api("POST", "/credentials", access, first).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert (
            api("POST", "/credentials", access, newer_version(first, other_key, "Version 2")).status_code
            == 200
        )
    locked = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"] and "portfolio_importedbadge" in q["sql"]]
    assert locked, [q["sql"] for q in queries]

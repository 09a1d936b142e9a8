"""Reports of the verification API kept for the same credential sent again
(carnet/verification/reportcache.py): reused while the platform's status lists and keys are as they
were, never past a date of the credential, never when something was read from another site."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from verification_samples import other_credential

from carnet.credentials import Ed25519Key, sign
from carnet.credentials.did import did_document
from carnet.issuing import services
from carnet.verification import reportcache

pytestmark = pytest.mark.django_db
API = "/api/verification"


def post(client, document, **extra):
    return client.post(API, data=json.dumps(document), content_type="application/json", **extra)


def kept() -> int:
    return sum(1 for key in cache._cache if "verification-report:" in key)  # type: ignore[attr-defined]


def test_the_same_credential_is_verified_once(client, issued, django_assert_max_num_queries):
    first = post(client, issued.document)
    assert first.json()["valid"] is True and kept() == 1
    with django_assert_max_num_queries(1):  # the generation only
        again = post(client, issued.document)
    assert again.content == first.content
    assert again["Content-Type"] == "application/json" and again["Cache-Control"] == "no-store"
    assert again["Content-Language"] == "fr"


def test_each_language_has_its_report(client, issued):
    french = post(client, issued.document).json()
    english = client.post(
        API + "?lang=en", data=json.dumps(issued.document), content_type="application/json"
    ).json()
    assert french["lang"] == "fr" and english["lang"] == "en" and kept() == 2


@pytest.mark.parametrize("change", ["revoke", "suspend"])
def test_a_change_of_status_shows_at_once(client, issued, org_admin, change):
    assert post(client, issued.document).json()["valid"] is True
    getattr(services, f"{change}_credential")(credential=issued, reason="Erreur", actor=org_admin)
    report = post(client, issued.document).json()
    assert report["valid"] is False and report["verdict"]["code"] == (
        "revoked" if change == "revoke" else "suspended"
    )


def test_a_reinstatement_shows_at_once(client, issued, org_admin):
    services.suspend_credential(credential=issued, reason="Vérification", actor=org_admin)
    assert post(client, issued.document).json()["valid"] is False
    services.reinstate_credential(credential=issued, actor=org_admin)
    assert post(client, issued.document).json()["valid"] is True


def test_a_key_rotation_makes_reports_stale(issued):
    before = reportcache.generation()
    services.rotate_signing_key(organisation=issued.organisation, actor=None)
    assert reportcache.generation() != before


def test_a_report_never_outlives_the_credentials_end(client, issued):
    """A credential valid for a few more seconds: its report is kept until then, not a minute."""
    document = dict(issued.document)
    soon = timezone.now() + timedelta(seconds=5)
    key = reportcache.key_for(b"x", "fr")
    reportcache.put(key, "g", {**document, "validUntil": soon.isoformat()}, b"{}")
    _made_from, until, _body = cache.get(key)
    assert abs((until - soon).total_seconds()) < 1


def test_a_report_past_its_moment_is_not_reused(issued):
    key = reportcache.key_for(b"y", "fr")
    reportcache.put(key, "g", {"validUntil": (timezone.now() + timedelta(hours=1)).isoformat()}, b"{}")
    assert reportcache.get(key, "g") == b"{}"
    assert reportcache.get(key, "another generation") is None
    made_from, _until, body = cache.get(key)
    cache.set(key, (made_from, timezone.now() - timedelta(seconds=1), body))
    assert reportcache.get(key, "g") is None


def test_what_was_read_from_another_site_is_never_kept(client, fetcher):
    key = Ed25519Key.generate(controller="did:web:formation.exemple.org")
    signed = sign(other_credential(key), key)
    assert post(client, signed).json()["verdict"]["code"] == "unconfirmed_issuer"
    fetcher.documents["https://formation.exemple.org/.well-known/did.json"] = did_document(
        key.controller, [key]
    )
    assert post(client, signed).json()["valid"] is True  # the first report was not kept
    assert kept() == 0


def test_an_open_fetcher_that_read_something_is_not_kept(client, monkeypatch):
    """The real fetcher, with an address it refuses: something was asked of another site."""
    key = Ed25519Key.generate(controller="did:web:formation.exemple.org")
    signed = sign(other_credential(key), key)
    monkeypatch.setattr("socket.getaddrinfo", lambda *a, **k: [])
    assert post(client, signed).status_code == 200
    assert kept() == 0


def test_a_refusal_is_never_kept(client):
    assert post(client, {"not": "a credential"}).status_code == 400
    assert kept() == 0

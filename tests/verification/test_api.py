"""POST /api/verification: the same report for programs, as JSON; problems as RFC 9457 documents."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from verification_samples import (
    ASSERTION_URL,
    altered,
    ob2_assertion,
    other_credential,
    small_png,
)

from carnet.credentials import Ed25519Key, baking, sign, sign_jwt
from carnet.credentials.did import did_document
from carnet.issuing import services

pytestmark = pytest.mark.django_db

API = "/api/verification"


def post(client, body, content_type="application/json", path=API, **headers):
    if isinstance(body, dict):
        body = json.dumps(body)
    return client.post(path, data=body, content_type=content_type, **headers)


def test_an_issued_credential_is_valid(client, issued):
    response = post(client, issued.document)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    report = response.json()
    assert report["valid"] is True
    assert report["lang"] == "fr"
    assert report["verdict"]["code"] == "valid"
    assert report["verdict"]["message"] == "Cette microattestation est authentique et valide."
    assert report["credentialId"] == issued.credential_id
    assert report["issuer"] == issued.document["issuer"]["id"]
    assert [c["check"] for c in report["checks"]] == [
        "format", "schema", "contexts", "proof", "binding", "status", "validity", "endorsements",
    ]  # fmt: skip
    assert {c["status"] for c in report["checks"]} == {"passed"}
    assert response["Cache-Control"] == "no-store"


def test_the_report_is_in_english_when_asked(client, issued):
    for response in (
        post(client, issued.document, path=API + "?lang=en"),
        post(client, issued.document, HTTP_ACCEPT_LANGUAGE="de, en-CA;q=0.9, fr;q=0.5"),
    ):
        report = response.json()
        assert report["lang"] == "en"
        assert response["Content-Language"] == "en"
        assert report["summary"] == "Valid."
        assert report["checks"][3]["title"] == "Digital signature"
    assert post(client, issued.document, HTTP_ACCEPT_LANGUAGE="fr-CA, en;q=0.8").json()["lang"] == "fr"


def test_an_altered_credential_is_not_valid(client, issued):
    report = post(client, altered(issued.document)).json()
    assert report["valid"] is False
    assert report["verdict"]["code"] == "altered"
    proof = next(c for c in report["checks"] if c["check"] == "proof")
    assert proof["status"] == "failed"
    assert proof["message"].startswith("La signature n'est pas valide")


def test_a_revoked_credential_is_not_valid(client, issued, org_admin):
    services.revoke_credential(credential=issued, reason="Erreur", actor=org_admin)
    response = post(client, issued.document)
    assert response.status_code == 200
    report = response.json()
    assert report["valid"] is False
    assert report["verdict"]["code"] == "revoked"
    assert next(c for c in report["checks"] if c["check"] == "status")["code"] == "status.revoked"


def test_a_credential_signed_by_the_javascript_reference_is_valid(client, js_peer, other_key):
    signed = js_peer.sign(other_credential(other_key), other_key)
    report = post(client, signed).json()
    assert report["valid"] is True, report
    assert report["issuer"] == other_key.controller
    assert report["verdict"]["code"] == "valid"


def test_a_did_web_issuer_is_resolved_through_the_fetcher(client, fetcher):
    key = Ed25519Key.generate(controller="did:web:formation.exemple.org")
    signed = sign(other_credential(key), key)
    assert post(client, signed).json()["verdict"]["code"] == "unconfirmed_issuer"  # its key is out of reach
    fetcher.documents["https://formation.exemple.org/.well-known/did.json"] = did_document(
        key.controller, [key]
    )
    report = post(client, signed).json()
    assert report["valid"] is True, report
    assert fetcher.asked[-1] == "https://formation.exemple.org/.well-known/did.json"


def test_a_vc_jwt_and_baked_images_are_read_by_content(client, other_key, other_signed):
    token = sign_jwt(other_credential(other_key), other_key)
    for body, content_type, source in (
        (token, "application/jwt", "jwt"),
        (token, "text/plain", "jwt"),
        (baking.bake(small_png(), other_signed), "image/png", "baked-png"),
        (baking.bake(b'<svg xmlns="http://www.w3.org/2000/svg"/>', token), "image/svg+xml", "baked-svg"),
        (baking.bake(small_png(), token), "application/octet-stream", "baked-png"),
    ):
        report = post(client, body, content_type).json()
        assert report["valid"] is True, (content_type, report)
        assert report["format"] == source


def test_an_open_badges_2_assertion_is_explained(client, fetcher):
    fetcher.documents[ASSERTION_URL] = ob2_assertion()
    response = post(client, ob2_assertion())
    assert response.status_code == 200
    report = response.json()
    assert report["valid"] is False
    assert report["verdict"]["code"] == "ob2"
    assert report["format"] == "ob2-json"
    badge = report["openBadges2"]
    assert badge["badge"]["name"] == "Secourisme de base"
    assert badge["issuer"]["name"] == "Croix de l'Exemple"
    assert badge["issuedOn"].startswith("2021-03-15")
    assert badge["recipient"] == {"type": "email", "hashed": True, "identity": None}
    assert badge["hostedCheck"]["code"] == "served"


def test_garbage_is_a_problem(client):
    response = post(client, "pas du tout un badge", "text/plain")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "about:blank"
    assert problem["status"] == 400
    assert problem["title"] == "Bad Request"
    assert problem["code"] == "format.unreadable"
    assert "n'est pas une microattestation lisible" in problem["detail"]
    assert problem["report"]["valid"] is False


def test_json_that_is_not_a_credential_is_a_problem(client):
    response = post(client, {"name": "quelque chose"})
    assert response.status_code == 400
    assert response.json()["code"] == "format.not_credential"


def test_an_empty_body_is_a_problem(client):
    assert post(client, b"", "application/json").status_code == 400


def test_an_oversized_body_is_refused(client):
    response = post(client, b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "format.too_large"


def test_a_private_address_is_refused_without_network(client, no_network):
    response = post(client, {"url": "http://127.0.0.1/credential.json"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "url.refused"
    assert "https" in problem["details"]
    for url in ("https://127.0.0.1/c.json", "https://[::1]/c.json", "https://localhost/c.json",
                "https://exemple.org:8443/c.json", "file:///etc/passwd"):  # fmt: skip
        assert post(client, {"url": url}).json()["code"] == "url.refused", url
    assert no_network == []


def test_a_credential_at_an_address_is_verified(client, fetcher, other_signed):
    fetcher.documents["https://formation.exemple.org/badges/42.json"] = other_signed
    report = post(client, {"url": "https://formation.exemple.org/badges/42.json"}).json()
    assert report["valid"] is True
    response = post(client, {"url": "https://formation.exemple.org/absent.json"})
    assert response.status_code == 502
    assert response.json()["code"] == "url.unavailable"


def test_the_api_ignores_cookies_and_sessions(client, issued, learner):
    client.force_login(learner)
    client.cookies["django_language"] = "en"
    response = post(client, issued.document)
    assert response.status_code == 200
    assert response.json()["lang"] == "fr"  # not the language cookie
    assert "Cookie" not in response.get("Vary", "")  # the session was never read
    assert not response.cookies


def test_the_api_needs_no_csrf_token(issued):
    client = Client(enforce_csrf_checks=True)
    assert post(client, issued.document).json()["valid"] is True


def test_only_post_is_accepted(client):
    response = client.get(API)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"] == "application/problem+json"


def test_a_form_upload_is_refused(client):
    response = client.post(API, {"file": "x"})
    assert response.status_code == 415


def test_the_api_is_limited_per_address(client, settings):
    settings.VERIFICATION_RATE_LIMITS = {"api": (1, 60)}
    assert post(client, "x", "text/plain").status_code == 400
    response = post(client, "x", "text/plain")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "rate_limited"
    other = post(client, "x", "text/plain", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 400  # another address has its own count


def test_the_operator_may_lift_the_api_limit(client, settings):
    settings.VERIFICATION_RATE_LIMITS = {"api": None, "page": (1, 60)}
    for _ in range(3):
        assert post(client, "x", "text/plain").status_code == 400


@pytest.mark.parametrize(
    ("value", "limits"),
    [
        ("", {}),
        ("api=600/60", {"api": (600, 60)}),
        ("api=off, page=10/30", {"api": None, "page": (10, 30)}),
    ],
)
def test_the_limits_are_read_from_the_environment(monkeypatch, value, limits):
    from carnet.site.env import env_rate_limits

    monkeypatch.setenv("CARNET_VERIFICATION_RATE_LIMITS", value)
    assert env_rate_limits("CARNET_VERIFICATION_RATE_LIMITS") == limits


@pytest.mark.parametrize("value", ["api", "api=10", "api=ten/60", "api=10/0", "=10/60"])
def test_a_mistaken_limit_stops_the_start(monkeypatch, value):
    from carnet.site.env import env_rate_limits

    monkeypatch.setenv("CARNET_VERIFICATION_RATE_LIMITS", value)
    with pytest.raises(ValueError, match="scope=COUNT/SECONDS"):
        env_rate_limits("CARNET_VERIFICATION_RATE_LIMITS")


def test_no_header_lifts_the_limit(client, settings):
    settings.VERIFICATION_RATE_LIMITS = {"api": (1, 60)}
    post(client, "x", "text/plain")
    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_X_CARNET_BENCH"):
        assert post(client, "x", "text/plain", **{header: "192.0.2.9"}).status_code == 429

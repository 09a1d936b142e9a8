"""POST /credentials/verify (W3C VC API): the one verifier's report as a VerificationResult; 200
when verified, 400 (a problem document carrying the result) when not, never a server error."""

from __future__ import annotations

import json

import pytest
from samples import ISSUER_SEED, SUBJECT_SEED, sample_credential
from vcapi_samples import VC_V2, issuing_token, offline, plain_credential, post, unlimited

from carnet.credentials import Ed25519Key, sign
from carnet.issuing import identity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline", "unlimited")]
__all__ = ["offline", "unlimited"]

VERIFY = "/credentials/verify"


@pytest.fixture(scope="module")
def issuer_key() -> Ed25519Key:
    return Ed25519Key.from_seed(ISSUER_SEED)


@pytest.fixture
def js_signed(js_peer, issuer_key):
    """An Open Badge the JavaScript reference signed with a did:key."""
    return js_peer.sign(
        sample_credential(issuer_key.controller, Ed25519Key.from_seed(SUBJECT_SEED).controller), issuer_key
    )


def test_a_credential_the_javascript_reference_signed_verifies(client, js_signed, offline):
    response = post(client, VERIFY, {"verifiableCredential": js_signed, "options": {"checks": ["proof"]}})
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["verified"] is True and result["errors"] == []
    assert {"proof", "binding", "schema", "validity"} <= set(result["checks"])
    assert result["report"]["issuer"] == js_signed["issuer"]["id"]
    assert offline == []


def test_a_tampered_credential_fails_with_400_and_says_why(client, js_signed):
    tampered = json.loads(json.dumps(js_signed))
    tampered["credentialSubject"]["achievement"]["name"] = "Soudure TIG — niveau 3"
    response = post(client, VERIFY, {"verifiableCredential": tampered})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    result = response.json()
    assert result["verified"] is False and result["code"] == "verification.failed"
    assert [e["check"] for e in result["errors"]] == ["proof"]
    assert result["errors"][0]["type"] == "https://w3id.org/security#PROOF_VERIFICATION_ERROR"


def test_a_credential_issued_through_the_vc_api_verifies_offline(client, organisation, org_admin, offline):
    did = identity.organisation_did(organisation)
    token = issuing_token(organisation, org_admin)
    signed = post(client, "/credentials/issue", {"credential": plain_credential(did)}, token=token).json()
    response = post(client, VERIFY, {"verifiableCredential": signed["verifiableCredential"]})
    assert response.status_code == 200, response.content
    assert response.json()["verified"] is True
    assert offline == []  # Carnet's own did:web is answered from the database


def test_an_expired_credential_is_a_range_error(client):
    key = Ed25519Key.generate()
    expired = sign(
        plain_credential(key.controller, validUntil="2026-02-01T00:00:00Z", validFrom="2026-01-01T00:00:00Z"),
        key,
    )
    result = post(client, VERIFY, {"verifiableCredential": expired}).json()
    assert [e["type"] for e in result["errors"]] == ["https://www.w3.org/TR/vc-data-model#RANGE_ERROR"]


def test_an_unknown_context_is_not_fetched(client, offline):
    key = Ed25519Key.generate()
    credential = plain_credential(key.controller)
    credential["@context"] = [VC_V2, "https://attacker.example/ctx.jsonld"]
    credential["proof"] = sign(plain_credential(key.controller), key)["proof"]
    response = post(client, VERIFY, {"verifiableCredential": credential})
    assert response.status_code == 400
    assert "contexts" in [e["check"] for e in response.json()["errors"]]
    assert offline == []


def test_an_unreachable_did_web_issuer_is_a_binding_error_not_a_server_error(client, offline):
    key = Ed25519Key.generate(controller="did:web:issuer.example", key_id="did:web:issuer.example#k1")
    response = post(
        client, VERIFY, {"verifiableCredential": sign(plain_credential("did:web:issuer.example"), key)}
    )
    assert response.status_code == 400
    assert "binding" in [e["check"] for e in response.json()["errors"]]
    assert offline  # it was tried through the guarded fetcher, which the test's network refused


@pytest.mark.parametrize(
    "body",
    ["garbage", "[]", "{}", '{"verifiableCredential": 42}', '{"verifiableCredential": {}, "options": 1}'],
)
def test_what_is_not_a_request_is_a_400_problem(client, body):
    response = post(client, VERIFY, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_json_object_that_is_not_a_credential_fails_verification(client):
    response = post(client, VERIFY, {"verifiableCredential": {"hello": "world"}})
    assert response.status_code == 400
    assert response.json()["verified"] is False and response.json()["errors"][0]["check"] == "format"


def test_a_huge_body_is_refused_with_413(client):
    response = post(client, VERIFY, {"verifiableCredential": {"name": "x" * (3 * 1024 * 1024)}})
    assert response.status_code == 413


def test_deep_nesting_is_a_400(client):
    deep = "[" * 5000 + "]" * 5000
    response = post(client, VERIFY, '{"verifiableCredential": ' + deep + "}")
    assert response.status_code == 400


def test_a_form_is_refused_with_415(client):
    assert client.post(VERIFY, {"verifiableCredential": "x"}).status_code == 415


def test_it_is_limited_per_address(client, settings, js_signed):
    settings.VERIFICATION_RATE_LIMITS = {"api": (2, 60)}
    from django.core.cache import cache

    cache.clear()
    codes = [post(client, VERIFY, {"verifiableCredential": js_signed}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = post(client, VERIFY + "?lang=en", {"verifiableCredential": js_signed})
    assert response["Retry-After"] and "Too many" in response.json()["detail"]
    cache.clear()


def test_it_needs_no_key_cookie_or_csrf_token(js_signed):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = post(strict, VERIFY, {"verifiableCredential": js_signed})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers

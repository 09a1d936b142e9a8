"""POST /presentations/verify (W3C VC API): a holder's presentation, signed for a challenge and a
domain, verified with its credentials through the one verifier; presentations the JavaScript
reference signs verify, and what was replayed, aimed elsewhere or tampered with does not."""

from __future__ import annotations

import copy

import pytest
from samples import ISSUER_SEED, SUBJECT_SEED, sample_credential
from vcapi_samples import CHALLENGE, DOMAIN, issuing_token, offline, plain_credential, post, unlimited

from carnet.credentials import Ed25519Key, sign_presentation
from carnet.credentials.presentation import presentation
from carnet.issuing import identity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline", "unlimited")]
__all__ = ["offline", "unlimited"]

VERIFY = "/presentations/verify"


@pytest.fixture(scope="module")
def issuer_key() -> Ed25519Key:
    return Ed25519Key.from_seed(ISSUER_SEED)


@pytest.fixture(scope="module")
def holder_key() -> Ed25519Key:
    return Ed25519Key.from_seed(SUBJECT_SEED)


@pytest.fixture
def credential(js_peer, issuer_key, holder_key):
    return js_peer.sign(sample_credential(issuer_key.controller, holder_key.controller), issuer_key)


@pytest.fixture
def js_presentation(js_peer, credential, holder_key):
    """A presentation of ``credential`` its holder signed with the JavaScript reference."""
    unsigned = presentation([credential], holder=holder_key.controller)
    return js_peer.sign_presentation(unsigned, holder_key, challenge=CHALLENGE, domain=DOMAIN)


def verify(client, vp, **options):
    return post(client, VERIFY, {"verifiablePresentation": vp, "options": options})


def test_a_presentation_the_javascript_reference_signed_verifies(client, js_presentation, offline):
    response = verify(client, js_presentation, challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["verified"] is True
    assert result["presentationResult"]["verified"] is True
    assert {"proof", "holder", "challenge", "domain"} <= set(result["presentationResult"]["checks"])
    assert [r["verified"] for r in result["credentialResults"]] == [True]
    assert offline == []


def test_a_wrong_challenge_fails(client, js_presentation):
    response = verify(client, js_presentation, challenge="another-challenge", domain=DOMAIN)
    assert response.status_code == 400
    errors = response.json()["presentationResult"]["errors"]
    assert [(e["check"], e["type"]) for e in errors] == [
        ("challenge", "https://w3id.org/security#INVALID_CHALLENGE_ERROR")
    ]


def test_a_wrong_domain_fails(client, js_presentation):
    response = verify(client, js_presentation, challenge=CHALLENGE, domain="elsewhere.example")
    assert response.status_code == 400
    assert [e["check"] for e in response.json()["errors"]] == ["domain"]


def test_a_proof_without_the_asked_challenge_fails(client, js_peer, credential, holder_key):
    unsigned = presentation([credential], holder=holder_key.controller)
    # the reference insists on a challenge when signing: Carnet's own signer makes one without
    vp = sign_presentation(unsigned, holder_key, domain=DOMAIN)
    assert verify(client, vp, domain=DOMAIN).status_code == 200
    response = verify(client, vp, challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 400
    assert [e["check"] for e in response.json()["errors"]] == ["challenge"]


def test_without_a_challenge_asked_it_warns_of_replay(client, js_presentation):
    result = verify(client, js_presentation).json()
    assert result["verified"] is True
    assert [w["check"] for w in result["warnings"]] == ["challenge"]


def test_a_tampered_credential_fails(client, js_presentation):
    tampered = copy.deepcopy(js_presentation)
    tampered["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"] = "Autre chose"
    result = verify(client, tampered, challenge=CHALLENGE, domain=DOMAIN).json()
    assert result["verified"] is False
    assert "proof" in [e["check"] for e in result["presentationResult"]["errors"]]  # the holder signed it too
    assert result["credentialResults"][0]["verified"] is False


def test_a_presentation_signed_by_someone_else_than_its_holder_fails(client, js_peer, credential, holder_key):
    unsigned = presentation([credential], holder=holder_key.controller)
    vp = js_peer.sign_presentation(unsigned, Ed25519Key.generate(), challenge=CHALLENGE)
    result = verify(client, vp, challenge=CHALLENGE).json()
    assert result["verified"] is False and [e["check"] for e in result["errors"]] == ["holder"]


def test_a_credential_signed_for_assertion_does_not_pass_as_a_presentation(client, holder_key):
    from carnet.credentials import sign

    vp = sign(presentation([], holder=holder_key.controller), holder_key, validate=False)  # assertionMethod
    result = verify(client, vp).json()
    assert result["verified"] is False and [e["check"] for e in result["errors"]] == ["proof"]


def test_carnet_presentations_verify_in_the_javascript_reference(js_peer, credential, holder_key):
    vp = sign_presentation(
        presentation([credential], holder=holder_key.controller),
        holder_key,
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    assert js_peer.verify_presentation(vp, challenge=CHALLENGE, domain=DOMAIN)["verified"] is True
    assert js_peer.verify_presentation(vp, challenge="other", domain=DOMAIN)["verified"] is False


def test_a_credential_issued_through_the_vc_api_verifies_inside_a_presentation(
    client, organisation, org_admin, js_peer, holder_key
):
    did = identity.organisation_did(organisation)
    token = issuing_token(organisation, org_admin)
    issued = post(client, "/credentials/issue", {"credential": plain_credential(did)}, token=token).json()
    vp = js_peer.sign_presentation(
        presentation([issued["verifiableCredential"]], holder=holder_key.controller),
        holder_key,
        challenge=CHALLENGE,
    )
    assert verify(client, vp, challenge=CHALLENGE).status_code == 200
    documents = {did: identity.did_document_of(organisation)}
    assert js_peer.verify_presentation(vp, challenge=CHALLENGE, documents=documents)["verified"] is True


def test_an_enveloped_vc_jwt_inside_a_presentation_is_verified(client, organisation, org_admin, holder_key):
    did = identity.organisation_did(organisation)
    token = issuing_token(organisation, org_admin)
    body = {"credential": plain_credential(did), "options": {"format": "vc-jwt"}}
    enveloped = post(client, "/credentials/issue", body, token=token).json()["verifiableCredential"]
    vp = sign_presentation(
        presentation([enveloped], holder=holder_key.controller), holder_key, challenge=CHALLENGE
    )
    result = verify(client, vp, challenge=CHALLENGE).json()
    assert result["verified"] is True, result
    assert result["credentialResults"][0]["report"]["format"] == "jwt"


def test_an_enveloped_presentation_is_refused_clearly(client):
    vp = {"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiablePresentation",
          "id": "data:application/vp+jwt,eyJhbGciOiJFZERTQSJ9.e30.c2ln"}  # fmt: skip
    result = verify(client, vp).json()
    assert result["verified"] is False and result["errors"][0]["code"] == "presentation.enveloped"


def test_an_unsigned_presentation_fails(client, credential, holder_key):
    result = verify(client, presentation([credential], holder=holder_key.controller)).json()
    assert result["verified"] is False and result["errors"][0]["code"] == "presentation.unsigned"


def test_too_many_credentials_are_refused(client, credential, holder_key):
    vp = sign_presentation(presentation([credential] * 21, holder=holder_key.controller), holder_key)
    result = verify(client, vp).json()
    assert result["verified"] is False and result["errors"][-1]["code"] == "credentials.too_many"
    assert result["credentialResults"] == []


@pytest.mark.parametrize(
    "body",
    [
        "garbage",
        {"verifiablePresentation": "text"},
        {"verifiablePresentation": {}, "options": {"challenge": 12}},
        {"verifiablePresentation": {}, "options": {"domain": ""}},
        {"presentation": {}},
    ],
)
def test_what_is_not_a_request_is_a_400_problem(client, body):
    response = post(client, VERIFY, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_hostile_presentations_are_4xx_never_5xx(client, holder_key):
    deep: dict = {}
    for _ in range(40):
        deep = {"verifiableCredential": deep}
    cases = [
        {"@context": ["https://www.w3.org/ns/credentials/v2", "https://attacker.example/ctx"], "type": "VerifiablePresentation"},
        {"@context": "https://www.w3.org/ns/credentials/v2", "type": "VerifiablePresentation", "madeUp": 1},
        {"@context": "https://www.w3.org/ns/credentials/v2", "type": "VerifiablePresentation", "proof": "x",
         "verifiableCredential": ["x", 1, None, deep]},
        {"@context": 5, "type": None},
    ]  # fmt: skip
    for vp in cases:
        response = verify(client, vp, challenge=CHALLENGE)
        assert response.status_code == 400, (vp, response.content)
        assert response.json()["verified"] is False
    assert post(client, VERIFY, {"verifiablePresentation": {"x": "y" * (3 * 1024 * 1024)}}).status_code == 413


def test_it_is_limited_per_address_with_the_credentials_endpoint(client, settings, js_presentation):
    from django.core.cache import cache

    settings.VERIFICATION_RATE_LIMITS = {"api": (2, 60)}
    cache.clear()
    codes = [
        verify(client, js_presentation, challenge=CHALLENGE).status_code,
        post(
            client,
            "/credentials/verify",
            {"verifiableCredential": js_presentation["verifiableCredential"][0]},
        ).status_code,
        verify(client, js_presentation, challenge=CHALLENGE).status_code,
    ]
    cache.clear()
    assert codes == [200, 200, 429]


def test_only_post_is_accepted(client):
    for path in (VERIFY, "/credentials/verify"):
        response = client.get(path)
        assert response.status_code == 405 and response["Allow"] == "POST"

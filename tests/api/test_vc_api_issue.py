"""POST /credentials/issue (W3C VC API): an organisation's program has Carnet sign a credential as
the organisation; what Carnet will not sign is refused as a problem, never a server error."""

from __future__ import annotations

import copy
import json

import pytest
from samples import SUBJECT_SEED, sample_credential
from vcapi_samples import VC_V2, issuing_token, offline, plain_credential, post, unlimited

from carnet.api.keys import revoke_api_key
from carnet.api.models import ApiKey
from carnet.audit.models import AuditEvent
from carnet.credentials import Ed25519Key, sign
from carnet.issuing import identity
from carnet.issuing.models import IssuedCredential
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline", "unlimited")]
__all__ = ["offline", "unlimited"]

ISSUE = "/credentials/issue"


@pytest.fixture
def token(organisation, org_admin) -> str:
    return issuing_token(organisation, org_admin)


@pytest.fixture
def did(organisation) -> str:
    return identity.organisation_did(organisation)


def test_it_signs_as_the_organisation_and_answers_201(client, token, did):
    response = post(client, ISSUE, {"credential": plain_credential(did), "options": {}}, token=token)
    assert response.status_code == 201, response.content
    signed = response.json()["verifiableCredential"]
    assert signed["issuer"] == did and signed["name"] == "Attestation de participation"
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["proof"]["proofPurpose"] == "assertionMethod"
    assert signed["proof"]["verificationMethod"].startswith(did + "#")


def test_the_javascript_reference_verifies_what_it_issued(client, token, did, organisation, js_peer):
    response = post(client, ISSUE, {"credential": plain_credential(did)}, token=token)
    signed = response.json()["verifiableCredential"]
    documents = {did: identity.did_document_of(organisation)}
    assert js_peer.verify(signed, documents=documents)["verified"] is True
    tampered = {**signed, "name": "Attestation de réussite"}
    assert js_peer.verify(tampered, documents=documents)["verified"] is False


def test_an_open_badge_without_issuer_gets_the_organisation_profile(
    client, token, did, organisation, js_peer
):
    badge = sample_credential("did:placeholder", Ed25519Key.from_seed(SUBJECT_SEED).controller)
    del badge["issuer"]
    response = post(client, ISSUE, {"credential": badge}, token=token)
    assert response.status_code == 201, response.content
    signed = response.json()["verifiableCredential"]
    assert signed["issuer"]["id"] == did and signed["issuer"]["type"] == ["Profile"]
    result = js_peer.verify(signed, documents={did: identity.did_document_of(organisation)})
    assert result["verified"] is True, result


def test_it_records_an_audit_event_and_no_issued_credential(client, token, did, organisation):
    post(client, ISSUE, {"credential": plain_credential(did)}, token=token)
    event = AuditEvent.objects.get(verb="credential.signed_via_vc_api")
    assert event.organisation == organisation and event.target_type == "api.apikey"
    assert (
        event.data["credential_id"] == plain_credential()["id"] and event.data["format"] == "data-integrity"
    )
    assert len(event.data["sha256"]) == 64
    assert not IssuedCredential.objects.exists()


def test_a_vc_jwt_is_answered_enveloped_and_verifies(client, token, did):
    response = post(
        client, ISSUE, {"credential": plain_credential(did), "options": {"format": "vc-jwt"}}, token=token
    )
    assert response.status_code == 201, response.content
    enveloped = response.json()["verifiableCredential"]
    assert enveloped["type"] == "EnvelopedVerifiableCredential"
    assert enveloped["id"].startswith("data:application/vc+jwt,ey")
    verified = post(client, "/credentials/verify", {"verifiableCredential": enveloped})
    assert verified.status_code == 200, verified.content
    assert "proof" in verified.json()["checks"]


# -- who may issue ---------------------------------------------------------------------------------


def test_without_a_key_it_answers_401(client, did):
    response = post(client, ISSUE, {"credential": plain_credential(did)})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == "application/problem+json"
    assert not AuditEvent.objects.filter(verb="credential.signed_via_vc_api").exists()


def test_a_wrong_or_revoked_key_answers_401(client, organisation, org_admin, did):
    token = issuing_token(organisation, org_admin)
    assert (
        post(client, ISSUE, {"credential": plain_credential(did)}, token=token[:-2] + "xx").status_code == 401
    )
    key = ApiKey.objects.get()
    revoke_api_key(key=key, actor=org_admin)
    assert post(client, ISSUE, {"credential": plain_credential(did)}, token=token).status_code == 401


def test_a_key_without_the_issue_scope_answers_403(client, organisation, org_admin, did):
    token = issuing_token(organisation, org_admin, scopes=["credentials:read", "audit:read"])
    response = post(client, ISSUE, {"credential": plain_credential(did)}, token=token)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_another_organisations_issuer_is_refused(client, token, org_admin):
    other = create_organisation(
        name="Autre organisme", kind=Organisation.Kind.COMMUNITY, admin=org_admin, slug="autre"
    )
    response = post(
        client, ISSUE, {"credential": plain_credential(identity.organisation_did(other))}, token=token
    )
    assert response.status_code == 400
    assert response.json()["code"] == "issuer.mismatch"
    response = post(
        client, ISSUE, {"credential": plain_credential({"id": "did:key:z6MkAnyone"})}, token=token
    )
    assert response.json()["code"] == "issuer.mismatch"


def test_a_cookie_session_is_not_a_key(client, org_admin, did):
    client.force_login(org_admin)
    assert post(client, ISSUE, {"credential": plain_credential(did)}).status_code == 401


# -- what is refused -------------------------------------------------------------------------------


def refused(client, token, body, status=422):
    response = post(client, ISSUE, body, token=token)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def test_a_credential_with_a_proof_is_refused(client, token, did):
    signed = sign(
        plain_credential("did:key:z6MkhFwXNFWosLeugvSf4wcL9t3uuRXueGSFTRgSvHhWj5G2"), Ed25519Key.generate()
    )
    signed["issuer"] = did
    assert refused(client, token, {"credential": signed})["code"] == "credential.has_proof"


def test_an_unknown_context_is_refused_without_fetching_it(client, token, did, offline):
    credential = plain_credential(did)
    credential["@context"] = [VC_V2, "https://attacker.example/context.jsonld"]
    problem = refused(client, token, {"credential": credential})
    assert problem["code"] == "credential.unknown_context"
    assert "attacker.example" in problem["details"]
    assert offline == []


def test_an_undefined_term_is_refused(client, token, did):
    credential = plain_credential(did)
    credential["credentialSubject"]["shoeSize"] = 44
    problem = refused(client, token, {"credential": credential})
    assert problem["code"] == "credential.json_ld" and "shoeSize" in problem["details"]


def test_an_undefined_type_is_refused(client, token, did):
    credential = plain_credential(did, type=["VerifiableCredential", "MadeUpCredential"])
    assert refused(client, token, {"credential": credential})["code"] == "credential.json_ld"


def test_an_open_badge_that_breaks_its_schema_is_refused(client, token):
    badge = sample_credential("did:placeholder", "did:example:someone")
    del badge["issuer"]
    del badge["credentialSubject"]["achievement"]["criteria"]
    problem = refused(client, token, {"credential": badge})
    assert problem["code"] == "credential.schema" and "criteria" in problem["details"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda c: c.update({"@context": ["https://www.w3.org/2018/credentials/v1"]}), "credential.context"),
        (lambda c: c.update({"type": ["Attestation"]}), "credential.invalid"),
        (lambda c: c.pop("credentialSubject"), "credential.invalid"),
        (lambda c: c.update({"credentialSubject": "someone"}), "credential.invalid"),
        (lambda c: c.update({"validFrom": "demain"}), "credential.invalid"),
        (lambda c: c.update({"id": 42}), "credential.invalid"),
    ],
)
def test_a_credential_that_is_not_vc_2_0_is_refused(client, token, did, change, code):
    credential = plain_credential(did)
    change(credential)
    assert refused(client, token, {"credential": credential})["code"] == code


def test_a_status_entry_in_carnets_own_lists_is_refused(client, token, did):
    entry = {
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "7",
        "statusListCredential": identity.absolute("/organisations/cje-test/statuts/revocation/1"),
    }  # fmt: skip
    problem = refused(client, token, {"credential": plain_credential(did, credentialStatus=entry)})
    assert problem["code"] == "credential.status"


@pytest.mark.parametrize(
    "origin", ["https://CARNET.EXAMPLE", "https://carnet.example:443", "https://carnet.example."]
)
def test_a_status_entry_in_carnets_lists_spelt_otherwise_is_refused(client, token, settings, origin):
    settings.SITE_URL = "https://carnet.example"
    entry = {
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "7",
        "statusListCredential": f"{origin}/organisations/cje-test/statuts/revocation/1",
    }  # fmt: skip
    problem = refused(client, token, {"credential": plain_credential(credentialStatus=entry)})
    assert problem["code"] == "credential.status"


def test_unsupported_options_are_refused(client, token, did):
    for options in ({"cryptosuite": "ecdsa-rdfc-2019"}, {"format": "sd-jwt"}, {"format": 3}):
        assert refused(client, token, {"credential": plain_credential(did), "options": options})["code"] == (
            "options.unsupported"
        )
    assert refused(client, token, {"credential": plain_credential(did), "options": []}, 400)["code"] == (
        "options.invalid"
    )


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", '{"credential": "text"}', "{}", '{"credential": {}, "credential": {}}'],
)
def test_a_malformed_request_is_a_400_problem(client, token, body):
    assert refused(client, token, body, 400)["status"] == 400


def test_a_huge_body_is_refused_with_413(client, token, did):
    credential = plain_credential(did, description="x" * (300 * 1024))
    assert refused(client, token, {"credential": credential}, 413)["code"] == "request.too_large"


def test_deep_nesting_is_refused(client, token, did):
    credential = plain_credential(did)
    deep: dict = {"name": "fond"}
    for _ in range(200):
        deep = {"name": "niveau", "subject": deep}
    credential["credentialSubject"] = deep
    assert refused(client, token, json.dumps({"credential": credential}), 400)["code"] == "request.json"


def test_problems_are_in_the_language_asked(client, token):
    # The English texts come with the translation catalogue (carnet/locale), merged separately.
    response = post(client, ISSUE + "?lang=en", {"credential": {}}, token=token)
    assert response.status_code == 422
    assert response["Content-Language"] == "en" and response.json()["lang"] == "en"
    french = post(client, ISSUE, {"credential": {}}, token=token, HTTP_ACCEPT_LANGUAGE="fr-CA")
    assert french["Content-Language"] == "fr" and "contexte" in french.json()["detail"]


def test_only_post_is_accepted(client, token):
    response = client.get(ISSUE, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_what_it_signed_does_not_change_what_was_sent(client, token, did):
    credential = plain_credential(did)
    sent = copy.deepcopy(credential)
    signed = post(client, ISSUE, {"credential": credential}, token=token).json()["verifiableCredential"]
    assert {k: v for k, v in signed.items() if k != "proof"} == sent

"""Issuing: a signed Open Badges 3.0 credential that Carnet and the JavaScript reference verify,
issued once per idempotency key, revocable, with keys sealed at rest and rotated without breaking
what they signed."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from carnet.audit.models import AuditEvent
from carnet.credentials import verify
from carnet.issuing import identity, services
from carnet.issuing.models import IssuedCredential, SigningKey, StatusList

pytestmark = pytest.mark.django_db


def issue(organisation, version, learner, key="k-1", **extra):
    return services.issue_credential(
        organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
        idempotency_key=key, **extra,
    )  # fmt: skip


def test_an_issued_credential_verifies_in_carnet(organisation, version, learner):
    credential = issue(organisation, version, learner)
    document = credential.document
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"]["id"] == "did:web:127.0.0.1%3A8000:organisations:cje-test"
    assert document["credentialSubject"]["achievement"]["name"] == "Fiabilité"
    alignment = document["credentialSubject"]["achievement"]["alignment"][0]
    assert alignment["targetType"] == "ceasn:Competency" and alignment["targetCode"]
    assert document["credentialStatus"]["statusPurpose"] == "revocation"
    report = verify(document, resolver=identity.resolver())
    assert report.valid, report.to_dict("en")
    assert credential.valid_until is not None and "validUntil" in document


def test_the_javascript_reference_verifies_it(organisation, version, learner, js_peer):
    credential = issue(organisation, version, learner)
    issuer = credential.document["issuer"]["id"]
    documents = {
        issuer: identity.organisation_did_document(organisation),
        credential.document["credentialStatus"]["statusListCredential"]: credential.status_list.published,
    }
    result = js_peer.verify(credential.document, documents=documents)
    assert result["verified"] is True, result


def test_the_same_key_never_issues_twice(organisation, version, learner):
    first = issue(organisation, version, learner)
    again = issue(organisation, version, learner)
    assert first.pk == again.pk and IssuedCredential.objects.count() == 1
    assert AuditEvent.objects.filter(verb="credential.issued").count() == 1


def test_the_learner_is_told_by_email(organisation, version, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue(organisation, version, learner)
    assert mail.outbox[-1].to == [learner.email] and "Fiabilité" in mail.outbox[-1].subject


def test_revoking_flips_the_status_and_verification_says_so(
    organisation, version, learner, org_admin, django_capture_on_commit_callbacks
):
    credential = issue(organisation, version, learner)
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_credential(credential=credential, reason="Obtenue par erreur", actor=org_admin)
    report = verify(credential.document, resolver=identity.resolver())
    assert not report.valid and "status.revoked" in json.dumps(report.to_dict("en"))
    assert "Obtenue par erreur" in mail.outbox[-1].body
    with pytest.raises(services.IssuingError):
        services.suspend_credential(credential=credential, reason="x", actor=org_admin)


def test_a_suspension_can_be_lifted(organisation, version, learner, org_admin):
    credential = issue(organisation, version, learner)
    services.suspend_credential(credential=credential, reason="Vérification en cours", actor=org_admin)
    assert not verify(credential.document, resolver=identity.resolver()).valid
    services.reinstate_credential(credential=credential, actor=org_admin)
    assert verify(credential.document, resolver=identity.resolver()).valid
    assert IssuedCredential.objects.get().state == "active"


def test_a_reason_is_required_to_revoke(organisation, version, learner, org_admin):
    credential = issue(organisation, version, learner)
    with pytest.raises(services.IssuingError):
        services.revoke_credential(credential=credential, reason=" ", actor=org_admin)


def test_rotating_the_key_keeps_old_credentials_verifiable(organisation, version, learner, org_admin, client):
    old = issue(organisation, version, learner, key="old")
    identity.rotate_signing_key(organisation=organisation, actor=org_admin)
    new = issue(organisation, version, learner, key="new")
    assert old.document["proof"]["verificationMethod"] != new.document["proof"]["verificationMethod"]
    for credential in (old, new):
        assert verify(credential.document, resolver=identity.resolver()).valid
    published = client.get("/organisations/cje-test/did.json").json()
    assert len(published["verificationMethod"]) == 2
    assert SigningKey.objects.filter(organisation=organisation, retired_at=None).count() == 1


def test_private_keys_are_never_stored_in_clear(organisation, version, learner):
    issue(organisation, version, learner)
    stored = SigningKey.objects.get(organisation=organisation)
    seed_hex = identity.signer().key_for(organisation).seed().hex()
    assert seed_hex not in stored.sealed and json.loads(stored.sealed)["cipher"]


def test_only_published_versions_of_its_own_catalogue_are_issued(organisation, version, learner, make_user):
    from carnet.organisations.services import create_organisation

    other = create_organisation(name="Autre", kind="college", admin=make_user("a@other.test"))
    with pytest.raises(services.IssuingError):
        issue(other, version, learner)


def test_status_lists_are_served_with_cache_headers(organisation, version, learner, client):
    credential = issue(organisation, version, learner)
    url = credential.document["credentialStatus"]["statusListCredential"].removeprefix(
        "http://127.0.0.1:8000"
    )
    response = client.get(url)
    assert response.status_code == 200 and "max-age=60" in response["Cache-Control"]
    assert response.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert StatusList.objects.get().used == 1


def test_public_documents_exist_only_for_what_was_published(organisation, version, learner, client):
    assert client.get("/organisations/cje-test/did.json").status_code == 404  # nothing issued yet
    assert client.get("/organisations/nobody/profil.json").status_code == 404
    assert client.get("/organisations/cje-test/profil.json").json()["name"] == "CJE Test"
    achievement = version.micro_credential
    url = f"/organisations/cje-test/microattestations/{achievement.slug}/v1.json"
    assert client.get(url).json()["name"] == "Fiabilité"
    assert client.get(url + "?lang=en").json()["name"] == "Reliability"
    assert (
        client.get(f"/organisations/cje-test/microattestations/{achievement.slug}/v9.json").status_code == 404
    )
    assert client.get("/.well-known/did.json").status_code == 200
    assert client.post("/.well-known/did.json").status_code == 405

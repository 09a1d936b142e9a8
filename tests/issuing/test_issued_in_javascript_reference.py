"""What Carnet issues verifies in the JavaScript reference (Digital Bazaar's @digitalbazaar/vc with
eddsa-rdfc-2022), given the did:web document and the status list as Carnet serves them: the
reference fetches nothing, the documents are supplied with the request."""

from __future__ import annotations

import pytest

from carnet.issuing import identity, services

pytestmark = pytest.mark.django_db


def served(client, url):
    return client.get(url.removeprefix("http://127.0.0.1:8000")).json()


def documents_for(credential, client):
    issuer = credential.document["issuer"]["id"]
    status_url = credential.document["credentialStatus"]["statusListCredential"]
    return {
        issuer: served(client, "/organisations/cje-test/did.json"),
        status_url: served(client, status_url),
    }


def test_the_javascript_reference_verifies_an_issued_credential(issue, client, js_peer):
    credential = issue()
    result = js_peer.verify(credential.document, documents=documents_for(credential, client))
    assert result["verified"] is True, result
    assert [s["status"] for s in result["statuses"]] == [False]


def test_the_javascript_reference_sees_a_revocation(issue, org_admin, client, js_peer):
    credential = issue()
    services.revoke_credential(credential=credential, reason="Erreur", actor=org_admin)
    result = js_peer.verify(credential.document, documents=documents_for(credential, client))
    assert [s["status"] for s in result["statuses"]] == [True], result


def test_the_javascript_reference_verifies_after_a_rotation(issue, organisation, org_admin, client, js_peer):
    old = issue(key="old")
    services.rotate_signing_key(organisation=organisation, actor=org_admin)
    assert js_peer.verify(old.document, documents=documents_for(old, client))["verified"] is True
    assert (
        identity.resolver().resolve(old.document["issuer"]["id"])["verificationMethod"][0]["id"]
        == (old.document["proof"]["verificationMethod"])
    )


@pytest.mark.parametrize("credits", ["2.5", "40"])
def test_the_javascript_reference_verifies_credits_and_learning_outcomes(
    organisation, version, learner, client, js_peer, credits
):
    """Issue #8: ``creditsAvailable`` (a float, 40 written as an integer) and the outcomes in the
    criteria's narrative sign the same in Python and in the reference."""
    from carnet.catalogue import services as catalogue

    item = version.micro_credential
    catalogue.update_micro_credential(
        micro_credential=item,
        fields={
            "credits": credits,
            "outcomes_fr": ["Planifier le travail d'une équipe", "Résoudre un désaccord"],
        },
    )
    published = catalogue.publish_micro_credential(micro_credential=item)
    credential = services.issue_credential(
        organisation=organisation, version=published, recipient=learner, recipient_email=learner.email,
        idempotency_key=f"credits-{credits}",
    )  # fmt: skip
    achievement = credential.document["credentialSubject"]["achievement"]
    assert achievement["creditsAvailable"] == float(credits)
    assert "- Résoudre un désaccord" in achievement["criteria"]["narrative"]
    result = js_peer.verify(credential.document, documents=documents_for(credential, client))
    assert result["verified"] is True, result


def test_the_javascript_reference_verifies_a_credential_carrying_a_partner_endorsement(
    organisation, version, learner, org_admin, client, js_peer
):
    """Issue #8: a credential issued after a partner endorsed its definition carries the platform-signed
    EndorsementCredential inside its Achievement; both verify in the reference."""
    from carnet.catalogue import services as catalogue

    request, _token = catalogue.invite_partner(
        version=version, actor=org_admin,
        fields={"partner_name": "Boulangerie Dupont", "partner_kind": "employer", "contact_name": "Luc",
                "contact_email": "luc@dupont.test", "message": ""},
    )  # fmt: skip
    endorsed = catalogue.endorse_definition(
        request=request, endorser_name="Luc Dupont", endorser_role="Propriétaire", comment="Nous l'exigeons."
    )
    credential = services.issue_credential(
        organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
        idempotency_key="partner",
    )  # fmt: skip
    assert credential.document["credentialSubject"]["achievement"]["endorsement"] == [endorsed.document]
    result = js_peer.verify(credential.document, documents=documents_for(credential, client))
    assert result["verified"] is True, result
    platform = endorsed.document["issuer"]["id"]
    alone = js_peer.verify(endorsed.document, documents={platform: served(client, "/.well-known/did.json")})
    assert alone["verified"] is True, alone

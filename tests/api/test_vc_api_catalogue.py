"""POST /credentials/issue with an Open Badge about one of the organisation's published
micro-credentials: Carnet delivers it from its catalogue (status entry, stored, revocable, in the
learner's carnet) instead of signing the caller's look-alike."""

from __future__ import annotations

import pytest
from vcapi_samples import VC_V2, issuing_token, offline, post, unlimited

from carnet.audit.models import AuditEvent
from carnet.catalogue import services as catalogue
from carnet.frameworks.models import Competency
from carnet.issuing import identity, services
from carnet.issuing.achievements import achievement_url
from carnet.issuing.models import IssuedCredential
from carnet.organisations.models import Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline", "unlimited")]
__all__ = ["offline", "unlimited"]

ISSUE = "/credentials/issue"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
GIVEN_ID = "urn:uuid:3c0d9a4e-7f1b-4e2a-9d5c-8b6a4f3e2d1c"


@pytest.fixture
def version(organisation):
    competency = Competency.objects.filter(framework__status="published").order_by("code").first()
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient ses engagements.",
            "criteria_fr": "Présent et ponctuel pendant six mois.", "learning_contexts": ["volunteering"],
            "assessment_method": "observation", "endorsements_required": 0, "validity_months": 24,
        },
        alignments=[(competency, competency.levels.get(rank=3))],
    )  # fmt: skip
    return catalogue.publish_micro_credential(micro_credential=item)


@pytest.fixture
def token(organisation, org_admin) -> str:
    return issuing_token(organisation, org_admin)


def badge(achievement_id: str, email: str | None = "learner@example.test", **members) -> dict:
    subject: dict = {
        "type": ["AchievementSubject"],
        "achievement": {"id": achievement_id, "type": ["Achievement"]},
    }
    if email is not None:
        subject["identifier"] = [
            {"type": "IdentityObject", "identityType": "emailAddress", "hashed": False, "identityHash": email}
        ]
    return {
        "@context": [VC_V2, OB], "id": GIVEN_ID, "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": subject, **members,
    }  # fmt: skip


def served(client, url):
    return client.get(url.removeprefix(identity.site_url())).json()


def test_a_catalogue_badge_is_delivered_with_a_status_entry(
    client, token, version, learner, organisation, js_peer
):
    response = post(client, ISSUE, {"credential": badge(achievement_url(version))}, token=token)
    assert response.status_code == 201, response.content
    document = response.json()["verifiableCredential"]
    issued = IssuedCredential.objects.get()
    assert document == issued.document and document["id"] == GIVEN_ID
    assert (
        issued.source == "api" and issued.recipient == learner and issued.micro_credential_version == version
    )
    assert document["credentialSubject"]["achievement"]["name"] == "Fiabilité"
    assert "learner@example.test" not in str(document)  # the email is kept as a salted hash only
    event = AuditEvent.objects.get(verb="credential.issued", organisation=organisation)
    assert event.data["api_key"] == token.removeprefix("carnet_").partition("_")[0]
    status_url = document["credentialStatus"]["statusListCredential"]
    documents = {
        document["issuer"]["id"]: identity.did_document_of(organisation),
        status_url: served(client, status_url),
    }
    result = js_peer.verify(document, documents=documents)
    assert result["verified"] is True and [s["status"] for s in result["statuses"]] == [False], result


def test_sending_the_same_id_again_gives_back_the_same_credential(client, token, version):
    first = post(client, ISSUE, {"credential": badge(achievement_url(version))}, token=token).json()
    again = post(client, ISSUE, {"credential": badge(achievement_url(version))}, token=token).json()
    assert first == again and IssuedCredential.objects.count() == 1


def test_a_delivered_badge_can_be_revoked_and_then_fails_verification(client, token, version, org_admin):
    document = post(client, ISSUE, {"credential": badge(achievement_url(version))}, token=token).json()
    vc = document["verifiableCredential"]
    assert post(client, "/credentials/verify", {"verifiableCredential": vc}).status_code == 200
    services.revoke_credential(credential=IssuedCredential.objects.get(), reason="Erreur", actor=org_admin)
    result = post(client, "/credentials/verify", {"verifiableCredential": vc}).json()
    assert result["verified"] is False and [e["code"] for e in result["errors"]] == ["status.revoked"]


def test_a_catalogue_badge_may_be_a_vc_jwt(client, token, version):
    body = {"credential": badge(achievement_url(version)), "options": {"format": "vc-jwt"}}
    enveloped = post(client, ISSUE, body, token=token).json()["verifiableCredential"]
    assert enveloped["id"] == "data:application/vc+jwt," + IssuedCredential.objects.get().jwt
    assert post(client, "/credentials/verify", {"verifiableCredential": enveloped}).status_code == 200


def test_someone_without_an_account_is_named_by_email(client, token, version):
    response = post(
        client, ISSUE, {"credential": badge(achievement_url(version), "nouvelle@example.test")}, token=token
    )
    assert response.status_code == 201
    issued = IssuedCredential.objects.get()
    assert issued.recipient is None and issued.recipient_email == "nouvelle@example.test"


@pytest.mark.parametrize("email", [None, "not an email"])
def test_without_the_learners_email_it_is_refused(client, token, version, email):
    response = post(client, ISSUE, {"credential": badge(achievement_url(version), email)}, token=token)
    assert response.status_code == 422 and response.json()["code"] == "recipient.email_required"
    assert not IssuedCredential.objects.exists()


def test_a_hashed_email_is_not_enough(client, token, version):
    credential = badge(achievement_url(version))
    credential["credentialSubject"]["identifier"][0].update({"hashed": True, "identityHash": "sha256$00"})
    assert (
        post(client, ISSUE, {"credential": credential}, token=token).json()["code"]
        == "recipient.email_required"
    )


def test_an_address_of_the_site_that_is_no_published_version_is_refused(
    client, token, version, organisation, org_admin
):
    other_org = Organisation.objects.create(slug="autre", name="Autre", kind=Organisation.Kind.COMMUNITY)
    for address in [
        achievement_url(version).replace("/v1.json", "/v9.json"),
        achievement_url(version).replace(organisation.slug, other_org.slug),
        identity.absolute("/organisations/cje-test/profil.json"),
        identity.absolute("/nothing/here"),
    ]:
        response = post(client, ISSUE, {"credential": badge(address)}, token=token)
        assert response.status_code == 422, address
        assert response.json()["code"] == "achievement.unknown"
    assert not IssuedCredential.objects.exists()
    assert not AuditEvent.objects.filter(verb="credential.signed_via_vc_api").exists()


def test_an_id_another_credential_holds_is_a_conflict(client, organisation, org_admin, version, learner):
    taken = services.issue_credential(
        organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
        idempotency_key="elsewhere", source="recognition",
    )  # fmt: skip
    token = issuing_token(organisation, org_admin)
    response = post(
        client, ISSUE, {"credential": badge(achievement_url(version), id=taken.credential_id)}, token=token
    )
    assert response.status_code == 409 and response.json()["code"] == "credential.id_taken"
    assert IssuedCredential.objects.count() == 1


OTHER_ID = "urn:uuid:5e2b8c1d-0a3f-4b6e-8d7c-9f1e2a3b4c5d"
SPELLINGS = [
    ("https://carnet.example", "https://CARNET.EXAMPLE"),
    ("https://carnet.example", "https://carnet.example:443"),
    ("https://carnet.example", "https://carnet.example."),
    ("https://carnet.example", "https://Carnet.Example.:443"),
]


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://carnet.example"


@pytest.mark.parametrize("spelling", [spelt for _, spelt in SPELLINGS])
def test_the_site_spelt_otherwise_is_still_the_site(client, token, version, site, spelling):
    """Another spelling of Carnet's origin names the same catalogue: a published version is
    delivered from it, anything else there is refused, never signed as a look-alike."""
    address = achievement_url(version).replace("https://carnet.example", spelling)
    response = post(client, ISSUE, {"credential": badge(address)}, token=token)
    assert response.status_code == 201, response.content
    assert response.json()["verifiableCredential"]["credentialStatus"]
    assert IssuedCredential.objects.get().micro_credential_version == version
    unknown = address.replace("/v1.json", "/v9.json")
    response = post(client, ISSUE, {"credential": badge(unknown, id=OTHER_ID)}, token=token)
    assert response.status_code == 422 and response.json()["code"] == "achievement.unknown", unknown
    assert not AuditEvent.objects.filter(verb="credential.signed_via_vc_api").exists()


@pytest.mark.parametrize(
    "origin", ["http://carnet.example", "https://carnet.example:8443", "https://carnet.example:x"]
)
def test_carnets_host_at_another_scheme_or_port_is_refused(client, token, version, site, origin):
    address = achievement_url(version).replace("https://carnet.example", origin)
    response = post(client, ISSUE, {"credential": badge(address)}, token=token)
    assert response.status_code == 422 and response.json()["code"] == "achievement.unknown"
    assert not IssuedCredential.objects.exists()
    assert not AuditEvent.objects.filter(verb="credential.signed_via_vc_api").exists()


def test_a_credential_of_any_type_naming_a_catalogue_achievement_goes_through_the_catalogue(
    client, token, version, site
):
    plain = {**badge(achievement_url(version)), "type": ["VerifiableCredential"]}
    response = post(client, ISSUE, {"credential": plain}, token=token)
    assert response.status_code == 201, response.content
    assert IssuedCredential.objects.get().micro_credential_version == version
    unknown = {**plain, "id": OTHER_ID}
    unknown["credentialSubject"] = {
        **plain["credentialSubject"],
        "achievement": {"id": "https://CARNET.example./nothing", "type": ["Achievement"]},
    }
    response = post(client, ISSUE, {"credential": unknown}, token=token)
    assert response.status_code == 422 and response.json()["code"] == "achievement.unknown"


def test_a_list_of_subjects_naming_a_catalogue_achievement_is_refused(client, token, version, site):
    for address, code in [
        (achievement_url(version), "credential.invalid"),
        (achievement_url(version).replace("/v1.json", "/v9.json"), "achievement.unknown"),
    ]:
        credential = badge(address.replace("https://carnet.example", "https://carnet.EXAMPLE"))
        credential["credentialSubject"] = [{"id": "did:example:someone"}, credential["credentialSubject"]]
        response = post(client, ISSUE, {"credential": credential}, token=token)
        assert response.status_code == 422 and response.json()["code"] == code, address
    assert not IssuedCredential.objects.exists()
    assert not AuditEvent.objects.filter(verb="credential.signed_via_vc_api").exists()

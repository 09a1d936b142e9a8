"""What an issued certificate is: an Open Badges 3.0 credential whose achievement is the certificate
and a CLR 2.0 credential bundling the signed micro-credentials, both signed by the organisation and
verifying in Carnet and in the JavaScript reference; and the certificate's public Achievement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carnet.credentials import verify
from carnet.credentials.model import identity_matches
from carnet.issuing import identity
from carnet.issuing import services as issuing
from carnet.stacking.models import IssuedCertificate

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8000"
ACHIEVEMENT = f"{SITE}/organisations/cje-test/certificats/prete-pour-lemploi.json"


def path_of(url: str) -> str:
    assert url.startswith(SITE), url
    return url.removeprefix(SITE)


@pytest.fixture
def issued(make_certificate, versions, issue, on_commit):
    a, b, c, _d = versions
    make_certificate([(None, "all", 1, (a,)), (0, "n_of", 1, (b, c))], hours=20, credits=Decimal("2.5"))
    with on_commit():
        issue(a)
        issue(b)
    return IssuedCertificate.objects.get()


def test_the_open_badge_says_what_the_certificate_is(issued, learner):
    document = issued.document
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"] == f"urn:uuid:{issued.uuid}"
    assert document["issuer"]["id"] == "did:web:127.0.0.1%3A8000:organisations:cje-test"
    assert document["name"] == "Prêt·e pour l'emploi"
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["id"] == ACHIEVEMENT
    assert achievement["achievementType"] == "Certificate"
    assert achievement["description"] == "Les bases." and achievement["creditsAvailable"] == 2.5
    narrative = achievement["criteria"]["narrative"]
    assert "- Fiabilité (CJE Test)" in narrative and "Au moins 1 de ces éléments" in narrative
    assert "  - Communication (CJE Test)" in narrative and "Durée : 20 heures" in narrative
    identifier = document["credentialSubject"]["identifier"][0]
    assert identity_matches(identifier, learner.email) and learner.email not in str(document)


def test_the_clr_bundles_the_signed_micro_credentials(issued):
    clr = issued.clr
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert clr["id"] == f"urn:uuid:{issued.clr_uuid}" and clr["issuer"] == issued.document["issuer"]
    subject = clr["credentialSubject"]
    parts = sorted(issued.credentials.all(), key=lambda c: c.issued_at)
    assert subject["verifiableCredential"] == [c.document for c in parts]
    assert subject["achievement"][0]["id"] == ACHIEVEMENT
    assert subject["association"] == [
        {"type": "Association", "associationType": "isPartOf", "sourceId": c.document["credentialSubject"]
         ["achievement"]["id"], "targetId": ACHIEVEMENT}
        for c in parts
    ]  # fmt: skip
    assert subject["identifier"] == issued.document["credentialSubject"]["identifier"]
    assert clr["credentialStatus"] == issued.document["credentialStatus"]


@pytest.mark.parametrize("field", ["document", "clr"])
def test_both_documents_verify_in_carnet(issued, field):
    report = verify(getattr(issued, field), resolver=identity.resolver())
    assert report.valid, report.to_text("en")
    assert [c.name for c in report.checks if c.status.value == "passed"] == [
        "format", "schema", "contexts", "proof", "binding", "status", "validity", "endorsements",
    ]  # fmt: skip


def test_a_bundled_credential_cannot_be_altered(issued):
    clr = dict(issued.clr)
    clr["credentialSubject"] = dict(clr["credentialSubject"])
    part = dict(clr["credentialSubject"]["verifiableCredential"][0], name="Autre chose")
    clr["credentialSubject"]["verifiableCredential"] = [
        part,
        *clr["credentialSubject"]["verifiableCredential"][1:],
    ]
    assert verify(clr, resolver=identity.resolver()).failed() == ["proof"]


def test_the_status_bit_is_the_certificates_own(issued):
    entry = issued.document["credentialStatus"]
    assert entry["statusListIndex"] == str(issued.status_index)
    assert {c.status_index for c in issued.credentials.all()}.isdisjoint({issued.status_index})


def served(client, url):
    response = client.get(path_of(url))
    assert response.status_code == 200, url
    return response.json()


def documents_for(document, client):
    return {
        document["issuer"]["id"]: served(client, "http://127.0.0.1:8000/organisations/cje-test/did.json"),
        document["credentialStatus"]["statusListCredential"]: served(
            client, document["credentialStatus"]["statusListCredential"]
        ),
    }


def test_the_javascript_reference_verifies_the_open_badge(issued, client, js_peer):
    result = js_peer.verify(issued.document, documents=documents_for(issued.document, client))
    assert result["verified"] is True, result
    assert [s["status"] for s in result["statuses"]] == [False]


def test_the_javascript_reference_verifies_the_clr(issued, client, js_peer):
    result = js_peer.verify(issued.clr, documents=documents_for(issued.clr, client))
    assert result["verified"] is True, result
    assert [s["status"] for s in result["statuses"]] == [False]


def test_the_javascript_reference_verifies_each_bundled_credential(issued, client, js_peer):
    for part in issued.clr["credentialSubject"]["verifiableCredential"]:
        assert js_peer.verify(part, documents=documents_for(part, client))["verified"] is True


def test_the_achievement_is_published_at_its_id(issued, client):
    response = client.get(path_of(ACHIEVEMENT))
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    assert "max-age=" in response["Cache-Control"] and response["ETag"]
    published = response.json()
    assert published["id"] == ACHIEVEMENT and published["achievementType"] == "Certificate"
    assert published == issued.document["credentialSubject"]["achievement"]
    assert client.get(path_of(ACHIEVEMENT), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_achievement_in_english(issued, client):
    published = client.get(path_of(ACHIEVEMENT) + "?lang=en").json()
    assert published["name"] == "Job ready" and published["inLanguage"] == "en"
    assert "Fiabilité (en)" in published["criteria"]["narrative"]
    assert published["criteria"]["id"] == "http://127.0.0.1:8000/en/certificats/cje-test/prete-pour-lemploi/"


def test_a_draft_certificate_has_no_public_achievement(make_certificate, versions, client):
    a, *_ = versions
    certificate = make_certificate([(None, "all", 1, (a,))], name_fr="Brouillon")
    type(certificate).objects.filter(pk=certificate.pk).update(status="draft")
    assert client.get(f"/organisations/cje-test/certificats/{certificate.slug}.json").status_code == 404
    assert client.get("/organisations/cje-test/certificats/inconnu.json").status_code == 404
    assert client.get("/organisations/inconnue/certificats/brouillon.json").status_code == 404


def test_an_archived_certificate_keeps_the_achievement_of_what_was_issued(issued, client, org_admin):
    from carnet.catalogue import services as catalogue

    catalogue.archive_certificate(certificate=issued.certificate, actor=org_admin)
    assert client.get(path_of(ACHIEVEMENT)).status_code == 200


def test_a_revoked_bit_is_seen_by_verifiers(issued, org_admin):
    """The certificate's bit is of the same list: setting it makes both documents fail the status
    check."""
    issuing.set_status_bit(issued, True)
    for document in (issued.document, issued.clr):
        assert verify(document, resolver=identity.resolver()).failed() == ["status"]

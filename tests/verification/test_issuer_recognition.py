"""Whether the verification says the issuer is known (carnet.trust): a warning for an issuer the
platform does not know, never a failure; the registry's name for a registered one; the platform's
own organisations recognised without a row."""

from __future__ import annotations

import html
import json

import pytest
from verification_samples import other_credential

from carnet.credentials import Ed25519Key, sign
from carnet.trust import services
from carnet.verification import verifier

pytestmark = pytest.mark.django_db

API = "/api/verification"


def api(client, document, **headers):
    return client.post(API, data=json.dumps(document), content_type="application/json", **headers).json()


def page(client, document) -> str:
    response = client.post("/verifier/", {"mode": "coller", "credential": json.dumps(document)})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def register(staff, key, name="Réseau des centres de formation"):
    return services.add_known_issuer(
        actor=staff, identifier=key.controller, name=name, reason="Partenaire confirmé"
    )


def test_a_credential_from_an_unknown_issuer_is_valid_with_a_warning(client, other_signed):
    report = api(client, other_signed)
    assert report["valid"] is True and report["verdict"]["code"] == "valid"
    assert report["issuerRecognition"]["status"] == "unknown"
    assert report["issuerRecognition"]["warning"] is True
    assert report["issuerRecognition"]["name"] is None
    assert "Inconnu ne veut pas dire faux" in report["issuerRecognition"]["message"]


def test_the_page_shows_the_warning_and_explains_it(client, other_signed):
    text = page(client, other_signed)
    assert "Cette microattestation est authentique et valide." in text
    assert "Émetteur inconnu de cette plateforme" in text
    assert "La signature prouve qui a signé le document et que rien n'y a changé depuis." in text


def test_a_registered_issuer_is_shown_by_its_registry_name(client, staff, other_key, other_signed):
    register(staff, other_key)
    report = api(client, other_signed)
    assert report["issuerRecognition"] == {
        "status": "recognised", "warning": False, "name": "Réseau des centres de formation", "source": "registry",
        "message": "Émetteur reconnu : Réseau des centres de formation, inscrit à la liste des émetteurs "
        "reconnus de cette plateforme.",
    }  # fmt: skip
    text = page(client, other_signed)
    assert "Émetteur reconnu" in text and "Réseau des centres de formation" in text
    assert "Émetteur inconnu" not in text


def test_the_platform_s_own_organisation_is_recognised_without_a_row(client, issued, organisation):
    report = api(client, issued.document)
    assert report["verdict"]["code"] == "valid"
    assert report["issuerRecognition"]["status"] == "recognised"
    assert report["issuerRecognition"]["source"] == "organisation"
    assert report["issuerRecognition"]["name"] == organisation.name


def test_a_withdrawn_issuer_is_unknown_again_even_for_a_report_kept_a_minute(
    client, staff, other_key, other_signed
):
    entry = register(staff, other_key)
    assert api(client, other_signed)["issuerRecognition"]["status"] == "recognised"
    services.withdraw_known_issuer(actor=staff, entry=entry)
    assert api(client, other_signed)["issuerRecognition"]["status"] == "unknown"


def test_a_forged_credential_naming_a_known_issuer_gets_no_recognition(client, staff, other_key):
    register(staff, other_key)
    forger = Ed25519Key.generate()
    forged = sign(other_credential(other_key), forger)  # names the known issuer, signed by another key
    report = api(client, forged)
    assert report["valid"] is False
    assert report["issuerRecognition"] is None
    assert "Émetteur reconnu" not in page(client, forged)


def test_an_issuer_named_by_its_https_address_is_matched_in_the_registry_s_form(staff):
    services.add_known_issuer(
        actor=staff, identifier="HTTPS://Formation.Exemple.org", name="Exemple", reason="Partenaire"
    )
    from carnet.trust.recognition import standing_of

    assert standing_of("https://formation.exemple.org/").name == "Exemple"
    assert not standing_of("https://formation.exemple.org/autre").recognised


def test_an_old_badge_gets_no_recognition():
    outcome = verifier.Outcome(verifier._failed_format("format.ob2"), "ob2")
    assert outcome.issuer_standing is None

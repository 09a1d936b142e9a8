"""The W3C VC API's verifications say whether the platform recognises the issuer, as
``POST /api/verification`` does (``issuerRecognition``, same shape and meaning): only once the
signing key is proved to be the issuer's; never a failure."""

from __future__ import annotations

import json

import pytest
from vcapi_samples import CHALLENGE, DOMAIN, offline, plain_credential, post, unlimited

from carnet.credentials import Ed25519Key, sign, sign_presentation
from carnet.credentials.presentation import presentation
from carnet.trust import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline", "unlimited")]
__all__ = ["offline", "unlimited"]


@pytest.fixture
def key() -> Ed25519Key:
    return Ed25519Key.generate()


@pytest.fixture
def signed(key):
    return sign(plain_credential(key.controller), key)


def verify(client, credential):
    return post(client, "/credentials/verify", {"verifiableCredential": credential})


def test_an_unknown_issuer_is_a_warning_not_a_failure(client, signed):
    response = verify(client, signed)
    assert response.status_code == 200
    recognition = response.json()["issuerRecognition"]
    assert recognition["status"] == "unknown" and recognition["warning"] is True
    assert recognition["name"] is None and recognition["source"] is None


def test_a_registered_issuer_is_named_as_the_verification_api_names_it(client, staff, key, signed):
    services.add_known_issuer(
        actor=staff, identifier=key.controller, name="Réseau Exemple", reason="Partenaire"
    )
    result = verify(client, signed).json()
    legacy = client.post("/api/verification", data=json.dumps(signed), content_type="application/json").json()
    assert result["issuerRecognition"] == legacy["issuerRecognition"]
    assert result["issuerRecognition"]["status"] == "recognised"
    assert result["issuerRecognition"]["name"] == "Réseau Exemple"


def test_a_forged_credential_naming_a_known_issuer_gets_none(client, staff, key):
    services.add_known_issuer(
        actor=staff, identifier=key.controller, name="Réseau Exemple", reason="Partenaire"
    )
    forged = sign(plain_credential(key.controller), Ed25519Key.generate())
    response = verify(client, forged)
    assert response.status_code == 400
    assert response.json()["issuerRecognition"] is None


def test_each_credential_of_a_presentation_carries_it(client, staff, key, signed):
    services.add_known_issuer(
        actor=staff, identifier=key.controller, name="Réseau Exemple", reason="Partenaire"
    )
    holder = Ed25519Key.generate()
    vp = sign_presentation(
        presentation([signed], holder=holder.controller), holder, challenge=CHALLENGE, domain=DOMAIN
    )
    body = {"verifiablePresentation": vp, "options": {"challenge": CHALLENGE, "domain": DOMAIN}}
    result = post(client, "/presentations/verify", body).json()
    assert [item["issuerRecognition"]["name"] for item in result["credentialResults"]] == ["Réseau Exemple"]

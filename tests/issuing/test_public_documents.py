"""The public documents: DID documents, issuer Profiles and Achievements, outside the language
prefixes; 404 for anything unknown, private (drafts) or not an issuer (employers)."""

from __future__ import annotations

import pytest
from django.urls import resolve

from carnet.catalogue import services as catalogue
from carnet.credentials import ResolutionError, schema
from carnet.credentials.did import did_web_url
from carnet.issuing import identity, services

pytestmark = pytest.mark.django_db


def test_the_did_web_of_an_organisation_maps_to_its_did_json(organisation, settings):
    settings.SITE_URL = "https://carnet.example:8443"
    did = identity.organisation_did(organisation)
    assert did == "did:web:carnet.example%3A8443:organisations:cje-test"
    assert did_web_url(did) == "https://carnet.example:8443/organisations/cje-test/did.json"
    assert resolve("/organisations/cje-test/did.json").view_name == "issuing:did"
    settings.SITE_URL = "https://carnet.example"
    assert identity.organisation_did(organisation) == "did:web:carnet.example:organisations:cje-test"
    assert identity.platform_did() == "did:web:carnet.example"


def test_the_did_document_lists_the_keys_for_assertion(issue, client):
    issue()
    response = client.get("/organisations/cje-test/did.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/did+json"
    assert "max-age=" in response["Cache-Control"] and response["ETag"]
    document = response.json()
    assert document["id"] == "did:web:127.0.0.1%3A8000:organisations:cje-test"
    assert document["verificationMethod"][0]["type"] == "Multikey"
    assert document["assertionMethod"] == [document["verificationMethod"][0]["id"]]


def test_the_profile_is_a_valid_open_badges_profile(organisation, client):
    response = client.get("/organisations/cje-test/profil.json")
    assert response.status_code == 200 and "max-age=" in response["Cache-Control"]
    profile = response.json()
    assert profile["id"] == identity.organisation_did(organisation) and profile["name"] == "CJE Test"
    assert schema.validate(profile) == []


def test_the_achievement_is_served_for_a_published_version(version, client):
    url = "/organisations/cje-test/microattestations/fiabilite/v1.json"
    response = client.get(url)
    assert response.status_code == 200 and response.json()["name"] == "Fiabilité"
    assert response.json()["id"] == "http://127.0.0.1:8000" + url
    assert client.get(url + "?lang=en").json()["name"] == "Reliability"


def test_a_draft_version_is_not_served(version, client):
    catalogue.update_micro_credential(
        micro_credential=version.micro_credential, fields={"name_fr": "Nouveau"}
    )
    assert client.get("/organisations/cje-test/microattestations/fiabilite/v2.json").status_code == 404
    assert client.get("/organisations/cje-test/microattestations/fiabilite/v1.json").status_code == 200


def test_unknown_or_private_things_are_not_found(version, employer, client):
    for path in (
        "/organisations/cje-test/did.json",  # nothing signed yet
        "/organisations/nobody/did.json",
        "/organisations/nobody/profil.json",
        "/organisations/employer-test/profil.json",  # employers do not issue
        "/organisations/employer-test/did.json",
        "/organisations/cje-test/microattestations/fiabilite/v9.json",
        "/organisations/cje-test/microattestations/inconnue/v1.json",
        "/organisations/employer-test/microattestations/fiabilite/v1.json",
        "/en/organisations/cje-test/profil.json",  # no language prefix: identifiers never change
    ):
        assert client.get(path).status_code == 404, path


def test_writes_are_refused(issue, client):
    issue()
    for path in ("/organisations/cje-test/did.json", "/organisations/cje-test/profil.json",
                 "/organisations/cje-test/microattestations/fiabilite/v1.json", "/.well-known/did.json"):  # fmt: skip
        assert client.post(path).status_code == 405, path


def test_the_resolver_answers_the_platforms_documents_without_network(issue, organisation, version):
    credential = issue()
    resolver = identity.resolver()
    assert resolver.resolve(identity.organisation_did(organisation))["id"] == identity.organisation_did(
        organisation
    )
    achievement = credential.document["credentialSubject"]["achievement"]
    assert resolver.resolve(achievement["id"])["name"] == "Fiabilité"
    with pytest.raises(ResolutionError):
        resolver.resolve("did:web:127.0.0.1%3A8000:organisations:nobody")
    with pytest.raises(ResolutionError):
        resolver.resolve("did:web:elsewhere.example:organisations:cje-test")  # no fetcher: nothing leaves


def test_the_platform_did_lists_its_key_once_it_has_one(client):
    assert client.get("/.well-known/did.json").status_code == 404
    services.ensure_signing_key(None)
    document = client.get("/.well-known/did.json").json()
    assert document["id"] == "did:web:127.0.0.1%3A8000" and len(document["assertionMethod"]) == 1

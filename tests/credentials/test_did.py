"""DID resolution: did:key offline, did:web through the caller's resolver, and key binding."""

from __future__ import annotations

import pytest

from carnet.credentials.did import (
    Resolver,
    did_document,
    did_key_document,
    did_web_from_url,
    did_web_url,
    resolve_verification_method,
)
from carnet.credentials.errors import ResolutionError
from carnet.credentials.keys import Ed25519Key


def test_did_key_resolves_offline():
    key = Ed25519Key.generate()
    document = Resolver().resolve(key.controller)
    assert document["id"] == key.controller
    assert document["assertionMethod"] == [key.id]
    assert resolve_verification_method(Resolver(), key.id).public_key == key.public_key


@pytest.mark.parametrize("did", ["did:key:", "did:key:zQ3s", "did:key:z6Mk!!", "did:key:z6Mk/../x"])
def test_malformed_did_keys_are_refused(did):
    with pytest.raises(ResolutionError):
        did_key_document(did)


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("https://example.org", "did:web:example.org"),
        ("https://example.org/orgs/cje", "did:web:example.org:orgs:cje"),
        ("https://example.org:8443/a/did.json", "did:web:example.org%3A8443:a"),
    ],
)
def test_did_web_from_url(url, did):
    assert did_web_from_url(url) == did


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.org", "https://example.org/.well-known/did.json"),
        ("did:web:example.org:orgs:cje", "https://example.org/orgs/cje/did.json"),
        ("did:web:example.org%3A8443:a", "https://example.org:8443/a/did.json"),
    ],
)
def test_did_web_url(did, url):
    assert did_web_url(did) == url


@pytest.mark.parametrize("did", ["did:web:", "did:web:a:..", "did:web:evil.org%2Fx", "did:web:a@b"])
def test_malformed_did_webs_are_refused(did):
    with pytest.raises(ResolutionError):
        did_web_url(did)


def test_nothing_unknown_is_fetched_without_a_fetcher():
    with pytest.raises(ResolutionError, match="nothing may be fetched"):
        Resolver().resolve("did:web:example.org")
    with pytest.raises(ResolutionError):
        Resolver().resolve("https://example.org/status/1")


def test_the_resolver_asks_its_fetcher_for_did_web():
    asked = []

    class Fetcher:
        def get_json(self, url):
            asked.append(url)
            return {"id": "did:web:example.org"}

    Resolver(fetcher=Fetcher()).resolve("did:web:example.org#key-1")
    assert asked == ["https://example.org/.well-known/did.json"]


def test_a_method_listed_only_for_authentication_is_not_an_assertion_key():
    did = "did:web:example.org"
    key = Ed25519Key.generate(controller=did)
    document = did_document(did, [key])
    document["assertionMethod"] = []
    with pytest.raises(ResolutionError, match="not authorised for assertionMethod"):
        resolve_verification_method(Resolver({did: document}), key.id)


def test_a_document_claiming_another_id_is_refused():
    key = Ed25519Key.generate(controller="did:web:example.org")
    document = did_document("did:web:attacker.example", [key])
    with pytest.raises(ResolutionError, match="id"):
        resolve_verification_method(Resolver({"did:web:example.org": document}), key.id)


def test_a_method_controlled_by_someone_else_is_refused():
    did = "did:web:example.org"
    key = Ed25519Key.generate(controller=did)
    document = did_document(did, [key])
    document["verificationMethod"][0]["controller"] = "did:web:attacker.example"
    with pytest.raises(ResolutionError, match="controlled by another"):
        resolve_verification_method(Resolver({did: document}), key.id)


def test_relative_method_references_resolve():
    did = "did:web:example.org"
    key = Ed25519Key.generate(controller=did, key_id="#key-1")
    document = did_document(did, [key])
    document["verificationMethod"][0]["id"] = "#key-1"
    document["assertionMethod"] = ["#key-1"]
    assert resolve_verification_method(Resolver({did: document}), key.id).public_key == key.public_key


def test_rotation_lists_every_key_for_assertion():
    did = "did:web:example.org"
    old, new = Ed25519Key.generate(controller=did), Ed25519Key.generate(controller=did)
    resolver = Resolver({did: did_document(did, [old, new])})
    assert resolve_verification_method(resolver, old.id).public_key == old.public_key
    assert resolve_verification_method(resolver, new.id).public_key == new.public_key

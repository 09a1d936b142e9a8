"""Ed25519 keys in the Multikey form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carnet.credentials.errors import KeyFormatError
from carnet.credentials.keys import Ed25519Key, decode_public_key, decode_secret_key, encode_secret_key

VECTOR = json.loads((Path(__file__).parent / "vectors" / "vc-di-eddsa" / "keyPair.json").read_text())


def test_it_reads_the_w3c_key_pair():
    key = Ed25519Key(
        decode_public_key(VECTOR["publicKeyMultibase"]), seed=decode_secret_key(VECTOR["privateKeyMultibase"])
    )
    assert key.public_key_multibase == VECTOR["publicKeyMultibase"]
    assert encode_secret_key(key.seed()) == VECTOR["privateKeyMultibase"]
    assert key.id == f"did:key:{VECTOR['publicKeyMultibase']}#{VECTOR['publicKeyMultibase']}"


def test_multikey_json_round_trips():
    key = Ed25519Key.generate()
    document = key.to_multikey(include_private=True)
    assert document["publicKeyMultibase"].startswith("z6Mk")
    assert document["secretKeyMultibase"].startswith("z3u2")
    again = Ed25519Key.from_multikey(document)
    assert again.sign(b"m") == key.sign(b"m")
    assert again.id == key.id and again.controller == key.controller


def test_public_export_has_no_secret():
    assert "secretKeyMultibase" not in Ed25519Key.generate().to_multikey()


def test_a_public_key_cannot_sign():
    public = Ed25519Key.from_multikey(Ed25519Key.generate().to_multikey())
    with pytest.raises(KeyFormatError, match="private"):
        public.sign(b"m")


def test_signatures_verify_and_tampering_fails():
    key = Ed25519Key.generate()
    signature = key.sign(b"message")
    assert key.verify(signature, b"message")
    assert not key.verify(signature, b"messagE")
    assert not key.verify(b"\x00" * 64, b"message")
    assert not key.verify(b"short", b"message")


def test_a_mismatched_secret_is_refused():
    one, two = Ed25519Key.generate(), Ed25519Key.generate()
    document = one.to_multikey()
    document["secretKeyMultibase"] = two.to_multikey(include_private=True)["secretKeyMultibase"]
    with pytest.raises(KeyFormatError, match="does not match"):
        Ed25519Key.from_multikey(document)


@pytest.mark.parametrize("bad", ["", "6Mk", "z", "z0OIl", "zzzzzzzz", "z6Mk" + "1" * 400, 5, None])
def test_malformed_public_keys_are_refused(bad):
    with pytest.raises(KeyFormatError):
        Ed25519Key.from_multikey({"publicKeyMultibase": bad})


def test_the_private_key_never_shows_in_repr():
    key = Ed25519Key.generate()
    secret = key.to_multikey(include_private=True)["secretKeyMultibase"]
    assert secret not in repr(key) and secret not in str(key)
    assert key.seed().hex() not in repr(key)


def test_a_did_web_controller_and_key_id():
    key = Ed25519Key.generate(controller="did:web:example.org", key_id="#key-1")
    assert key.id == "did:web:example.org#key-1"
    assert key.verification_method() == {
        "id": "did:web:example.org#key-1",
        "type": "Multikey",
        "controller": "did:web:example.org",
        "publicKeyMultibase": key.public_key_multibase,
    }

"""Encrypted key files: round trips, wrong secrets and tampering told apart, files written safely,
and no private key material in repr or error messages."""

from __future__ import annotations

import json
import os
import stat
import unicodedata

import pytest
from samples import ISSUER_SEED

from carnet.credentials import keystore
from carnet.credentials.errors import CredentialError, KeyFormatError
from carnet.credentials.keys import Ed25519Key, encode_secret_key
from carnet.credentials.keystore import (
    KeystoreError,
    RsaKey,
    TamperedKeyError,
    WrongPassphraseError,
    decrypt_key,
    encrypt_key,
    load_key,
    save_key,
)

PASSPHRASE = "correct horse battery staple"
KEK = bytes(range(100, 132))
WEB_DID = "did:web:badges.univ-exemple.fr"


@pytest.fixture(autouse=True)
def fast_scrypt(request, monkeypatch):
    """scrypt at N = 2**14 keeps the suite fast; the test named ``…_default_parameters`` keeps
    the real default."""
    if not request.node.name.endswith("_default_parameters"):
        monkeypatch.setattr(keystore, "SCRYPT_N", 2**14)


@pytest.fixture(scope="module")
def rsa_key() -> RsaKey:
    return RsaKey.generate(controller=WEB_DID, key_id="#rsa-1", bits=2048)


def issuer_key() -> Ed25519Key:
    return Ed25519Key.from_seed(ISSUER_SEED, controller=WEB_DID, key_id="#key-1")


def secrets_of(key: Ed25519Key) -> list[str]:
    """Every spelling of the private key that could leak."""
    seed = key.seed()
    return [seed.hex(), encode_secret_key(seed), repr(seed), str(list(seed))]


def tampered(envelope: str, **changes: object) -> str:
    document = json.loads(envelope)
    document.update(changes)
    return json.dumps(document)


def test_a_passphrase_round_trip_with_the_default_parameters():
    key = issuer_key()
    envelope = encrypt_key(key, passphrase=PASSPHRASE)
    document = json.loads(envelope)
    assert document["kdf"]["name"] == "scrypt"
    assert (document["kdf"]["n"], document["kdf"]["r"], document["kdf"]["p"]) == (2**17, 8, 1)
    again = decrypt_key(envelope, passphrase=PASSPHRASE)
    assert isinstance(again, Ed25519Key)
    assert again.seed() == key.seed() and again.id == key.id and again.controller == key.controller


def test_the_envelope_identifies_the_key_in_clear_and_hides_the_secret():
    key = issuer_key()
    envelope = encrypt_key(key, passphrase=PASSPHRASE)
    document = json.loads(envelope)
    assert document["format"] == "carnet-encrypted-key" and document["version"] == 1
    assert document["id"] == f"{WEB_DID}#key-1"
    assert document["controller"] == WEB_DID
    assert document["publicKeyMultibase"] == key.public_key_multibase
    assert document["cipher"] == "AES-256-GCM" and "ciphertext" in document
    for secret in [*secrets_of(key), PASSPHRASE]:
        assert secret not in envelope


def test_each_encryption_is_fresh():
    key = issuer_key()
    one, two = (json.loads(encrypt_key(key, passphrase=PASSPHRASE)) for _ in range(2))
    assert one["kdf"]["salt"] != two["kdf"]["salt"]
    assert one["nonce"] != two["nonce"] and one["ciphertext"] != two["ciphertext"]


def test_a_key_encryption_key_round_trip():
    key = issuer_key()
    envelope = encrypt_key(key, kek=KEK)
    assert json.loads(envelope)["kdf"]["name"] == "hkdf-sha256"
    assert decrypt_key(envelope, kek=KEK).seed() == key.seed()  # type: ignore[union-attr]


def test_a_key_encryption_key_has_32_bytes():
    with pytest.raises(KeystoreError, match="32 bytes"):
        encrypt_key(issuer_key(), kek=b"short")


def test_exactly_one_secret_is_given():
    with pytest.raises(KeystoreError, match="either"):
        encrypt_key(issuer_key())
    with pytest.raises(KeystoreError, match="either"):
        encrypt_key(issuer_key(), passphrase=PASSPHRASE, kek=KEK)
    with pytest.raises(KeystoreError, match="empty"):
        encrypt_key(issuer_key(), passphrase="")


def test_the_wrong_secret_is_named():
    envelope = encrypt_key(issuer_key(), passphrase=PASSPHRASE)
    with pytest.raises(WrongPassphraseError, match="wrong passphrase") as caught:
        decrypt_key(envelope, passphrase="Correct horse battery staple")
    assert "Correct horse" not in str(caught.value)
    with pytest.raises(KeystoreError, match="locked with a passphrase"):
        decrypt_key(envelope, kek=KEK)
    sealed = encrypt_key(issuer_key(), kek=KEK)
    with pytest.raises(WrongPassphraseError, match="wrong key-encryption key") as caught:
        decrypt_key(sealed, kek=bytes(32))
    assert KEK.hex() not in str(caught.value)
    with pytest.raises(KeystoreError, match="locked with a key-encryption key"):
        decrypt_key(sealed, passphrase=PASSPHRASE)


def test_passphrases_are_unicode_normalised():
    composed = "café crème"
    envelope = encrypt_key(issuer_key(), passphrase=composed)
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert decrypt_key(envelope, passphrase=decomposed).id == issuer_key().id


@pytest.mark.parametrize(
    "changes",
    [
        {"id": f"{WEB_DID}#key-2"},
        {"controller": "did:web:attacker.example"},
        {"publicKeyMultibase": Ed25519Key.generate().public_key_multibase},
        {"nonce": "AAAAAAAAAAAAAAAA"},
    ],
)
def test_tampered_clear_fields_are_detected(changes):
    envelope = encrypt_key(issuer_key(), passphrase=PASSPHRASE)
    with pytest.raises(TamperedKeyError, match="altered or damaged"):
        decrypt_key(tampered(envelope, **changes), passphrase=PASSPHRASE)


def test_a_tampered_ciphertext_is_detected():
    envelope = encrypt_key(issuer_key(), passphrase=PASSPHRASE)
    document = json.loads(envelope)
    ciphertext = document["ciphertext"]
    flipped = ciphertext[:5] + ("A" if ciphertext[5] != "A" else "B") + ciphertext[6:]
    with pytest.raises(TamperedKeyError):
        decrypt_key(tampered(envelope, ciphertext=flipped), passphrase=PASSPHRASE)


def test_hostile_kdf_parameters_are_refused():
    envelope = encrypt_key(issuer_key(), passphrase=PASSPHRASE)
    kdf = json.loads(envelope)["kdf"]
    for changed in ({**kdf, "n": 2**30}, {**kdf, "n": 3000}, {**kdf, "p": 64}, {**kdf, "name": "md5"}):
        with pytest.raises(KeystoreError):
            decrypt_key(tampered(envelope, kdf=changed), passphrase=PASSPHRASE)


@pytest.mark.parametrize(
    "text", ["", "not json", "[]", '{"format": "other"}', '{"format": "carnet-encrypted-key"}']
)
def test_other_files_are_not_key_files(text):
    with pytest.raises(KeystoreError):
        decrypt_key(text, passphrase=PASSPHRASE)


def test_save_and_load(tmp_path):
    key = issuer_key()
    path = tmp_path / "issuer.key.json"
    save_key(path, key, passphrase=PASSPHRASE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["issuer.key.json"]  # no temporary file left behind
    assert load_key(path, passphrase=PASSPHRASE).seed() == key.seed()  # type: ignore[union-attr]
    for secret in secrets_of(key):
        assert secret not in path.read_text()


def test_save_never_replaces_a_key_unless_asked(tmp_path):
    path = tmp_path / "issuer.key.json"
    save_key(path, issuer_key(), passphrase=PASSPHRASE)
    before = path.read_bytes()
    with pytest.raises(KeystoreError, match="already exists"):
        save_key(path, Ed25519Key.generate(), passphrase=PASSPHRASE)
    assert path.read_bytes() == before
    replacement = Ed25519Key.generate()
    save_key(path, replacement, passphrase=PASSPHRASE, overwrite=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_key(path, passphrase=PASSPHRASE).public_key == replacement.public_key  # type: ignore[union-attr]
    assert sorted(os.listdir(tmp_path)) == ["issuer.key.json"]


def test_save_with_a_key_encryption_key(tmp_path):
    path = tmp_path / "platform.key.json"
    save_key(path, issuer_key(), kek=KEK)
    assert load_key(path, kek=KEK).id == issuer_key().id


# ── RSA ──────────────────────────────────────────────────────────────────────────────────────


def test_rsa_keys_round_trip_encrypted(rsa_key):
    envelope = encrypt_key(rsa_key, passphrase=PASSPHRASE)
    document = json.loads(envelope)
    assert document["keyType"] == "JsonWebKey" and document["publicKeyJwk"] == rsa_key.public_jwk()
    again = decrypt_key(envelope, passphrase=PASSPHRASE)
    assert isinstance(again, RsaKey)
    assert again.id == f"{WEB_DID}#rsa-1"
    assert again.verify(rsa_key.sign(b"m"), b"m") and rsa_key.verify(again.sign(b"m"), b"m")


def test_rsa_pem_export_is_encrypted_and_imports_back(rsa_key):
    pem = rsa_key.private_pem(password=PASSPHRASE)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    again = RsaKey.from_private_pem(pem, password=PASSPHRASE, controller=WEB_DID, key_id="#rsa-1")
    assert again.public_jwk() == rsa_key.public_jwk() and again.has_private_key
    with pytest.raises(KeyFormatError, match="wrong password") as caught:
        RsaKey.from_private_pem(pem, password="nope", controller=WEB_DID)
    assert "nope" not in str(caught.value)
    public = RsaKey.from_public_pem(rsa_key.public_pem(), controller=WEB_DID)
    assert public.thumbprint() == rsa_key.thumbprint() and not public.has_private_key


def test_an_unencrypted_private_pem_is_refused(rsa_key):
    from cryptography.hazmat.primitives import serialization

    plain = rsa_key.private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(KeyFormatError, match="not encrypted"):
        RsaKey.from_private_pem(plain, password=PASSPHRASE, controller=WEB_DID)


def test_rsa_jwk_import(rsa_key):
    assert RsaKey.from_jwk(rsa_key.public_jwk(), controller=WEB_DID).thumbprint() == rsa_key.thumbprint()
    with pytest.raises(KeyFormatError, match="private"):
        RsaKey.from_jwk({**rsa_key.public_jwk(), "d": "AQAB"}, controller=WEB_DID)
    with pytest.raises(KeyFormatError):
        RsaKey.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": "AA"}, controller=WEB_DID)


def test_rsa_keys_are_at_least_2048_bits():
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(KeyFormatError, match="2048"):
        RsaKey(small.public_key(), private_key=small, controller=WEB_DID)


def test_the_rsa_verification_method_is_a_json_web_key(rsa_key):
    method = rsa_key.verification_method()
    assert method == {
        "id": f"{WEB_DID}#rsa-1",
        "type": "JsonWebKey",
        "controller": WEB_DID,
        "publicKeyJwk": {"kty": "RSA", "n": method["publicKeyJwk"]["n"], "e": "AQAB"},
    }
    assert RsaKey.generate(controller=WEB_DID, bits=2048).id.startswith(WEB_DID + "#")


# ── nothing leaks ────────────────────────────────────────────────────────────────────────────


def test_repr_shows_no_private_key(rsa_key):
    key = issuer_key()
    text = repr(key) + str(key)
    for secret in secrets_of(key):
        assert secret not in text
    numbers = rsa_key.private_key().private_numbers()
    text = repr(rsa_key) + str(rsa_key)
    assert "private" in text
    for secret in (numbers.d, numbers.p, numbers.q):
        assert str(secret) not in text and format(secret, "x") not in text


def test_errors_show_no_secret(tmp_path):
    key = issuer_key()
    envelope = encrypt_key(key, passphrase=PASSPHRASE)
    failures: list[CredentialError] = []
    for attempt in (
        lambda: decrypt_key(envelope, passphrase=PASSPHRASE + "!"),
        lambda: decrypt_key(tampered(envelope, ciphertext="AAAA"), passphrase=PASSPHRASE),
        lambda: decrypt_key(envelope, kek=KEK),
        lambda: save_key(tmp_path, key, passphrase=PASSPHRASE),
    ):
        with pytest.raises((CredentialError, OSError)) as caught:
            attempt()
        if isinstance(caught.value, CredentialError):
            failures.append(caught.value)
        text = str(caught.value) + repr(caught.value)
        for secret in [*secrets_of(key), PASSPHRASE, KEK.hex()]:
            assert secret not in text
        assert caught.value.__cause__ is None or not any(
            s in repr(caught.value.__cause__) for s in secrets_of(key)
        )
    assert len(failures) >= 3

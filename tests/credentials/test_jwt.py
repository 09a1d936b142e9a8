"""VC-JWT (Open Badges 3.0 §8.2): round trips, each failed check named right, hostile tokens survived,
and interoperability with PyJWT and openbadgeslib (two other JOSE / OB 3.0 implementations)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from samples import (
    CREDENTIAL_ID,
    ISSUER_SEED,
    OTHER_SEED,
    SUBJECT_SEED,
    VALID_FROM,
    VALID_UNTIL,
    sample_credential,
)

from carnet.credentials.did import Resolver, did_document
from carnet.credentials.errors import KeyFormatError, ProofError
from carnet.credentials.jwt import JwtResult, sign_jwt, verify_jwt
from carnet.credentials.keys import Ed25519Key
from carnet.credentials.keystore import RsaKey

issuer_key = Ed25519Key.from_seed(ISSUER_SEED)
subject_key = Ed25519Key.from_seed(SUBJECT_SEED)
other_key = Ed25519Key.from_seed(OTHER_SEED)
WEB_DID = "did:web:badges.univ-exemple.fr"
CLAIMS = ("iss", "jti", "sub", "nbf", "exp")


@pytest.fixture(scope="module")
def rsa_key() -> RsaKey:
    return RsaKey.generate(controller=WEB_DID, key_id="#rsa-1", bits=2048)


def rsa_document(key: RsaKey, *, method_type: str = "JsonWebKey") -> dict[str, Any]:
    method = key.verification_method()
    method["type"] = method_type
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": key.controller,
        "verificationMethod": [method],
        "assertionMethod": [key.id],
    }


def credential(issuer: str = issuer_key.controller, **changes: Any) -> dict[str, Any]:
    document = sample_credential(issuer, subject_key.controller)
    document.update(changes)
    return document


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def forge(header: dict[str, Any], payload: dict[str, Any], key: Ed25519Key | RsaKey) -> str:
    """A compact JWS signed outside joserfc (RFC 7515 §5.1), to build tokens sign_jwt refuses to make."""
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return signing_input + "." + b64(key.sign(signing_input.encode()))


def claims(document: dict[str, Any]) -> dict[str, Any]:
    return {
        **document,
        "iss": document["issuer"]["id"],
        "jti": document["id"],
        "sub": document["credentialSubject"]["id"],
        "nbf": int(datetime.fromisoformat(document["validFrom"]).timestamp()),
        "exp": int(datetime.fromisoformat(document["validUntil"]).timestamp()),
    }


def header_of(key: Ed25519Key | RsaKey) -> dict[str, Any]:
    return {"alg": "EdDSA" if isinstance(key, Ed25519Key) else "RS256", "kid": key.id, "typ": "JWT"}


def decode(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload))


# ── round trips ──────────────────────────────────────────────────────────────────────────────


def test_eddsa_round_trip_with_did_key():
    token = sign_jwt(credential(), issuer_key)
    result = verify_jwt(token, Resolver())
    assert result.ok, result.message
    assert result.check == ""
    assert result.credential == credential()
    assert result.key_id == issuer_key.id
    assert result.header == {"alg": "EdDSA", "kid": issuer_key.id, "typ": "JWT"}


def test_the_payload_is_the_credential_with_its_claims_and_no_vc_claim():
    header, payload = decode(sign_jwt(credential(), issuer_key))
    assert header == {"alg": "EdDSA", "kid": issuer_key.id, "typ": "JWT"}
    assert "vc" not in payload
    assert payload["@context"] == credential()["@context"]
    assert payload["iss"] == issuer_key.controller
    assert payload["jti"] == CREDENTIAL_ID
    assert payload["sub"] == subject_key.controller
    assert payload["nbf"] == int(datetime(2024, 9, 16, 8, 30, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2034, 9, 16, 8, 30, tzinfo=UTC).timestamp())
    assert {name: value for name, value in payload.items() if name not in CLAIMS} == credential()


def test_eddsa_round_trip_with_did_web():
    key = Ed25519Key.generate(controller=WEB_DID, key_id="#key-1")
    resolver = Resolver({WEB_DID: did_document(WEB_DID, [key])})
    result = verify_jwt(sign_jwt(credential(WEB_DID), key), resolver)
    assert result.ok, result.message
    assert result.key_id == f"{WEB_DID}#key-1"


@pytest.mark.parametrize("method_type", ["JsonWebKey", "JsonWebKey2020"])
def test_rs256_round_trip(rsa_key, method_type):
    token = sign_jwt(credential(WEB_DID), rsa_key)
    assert decode(token)[0]["alg"] == "RS256"
    result = verify_jwt(token, Resolver({WEB_DID: rsa_document(rsa_key, method_type=method_type)}))
    assert result.ok, result.message
    assert result.key_id == f"{WEB_DID}#rsa-1"
    assert result.credential == credential(WEB_DID)


def test_a_subject_without_id_gives_no_sub():
    document = credential()
    del document["credentialSubject"]["id"]
    token = sign_jwt(document, issuer_key)
    assert "sub" not in decode(token)[1]
    assert verify_jwt(token, Resolver()).ok


def test_fractional_seconds_survive_as_numeric_dates():
    token = sign_jwt(credential(validFrom="2024-09-16T08:30:00.250Z"), issuer_key)
    assert decode(token)[1]["nbf"] == datetime(2024, 9, 16, 8, 30, 0, 250000, tzinfo=UTC).timestamp()
    assert verify_jwt(token, Resolver()).ok


# ── signing refusals ─────────────────────────────────────────────────────────────────────────


def test_signing_refuses_a_credential_with_a_proof():
    with pytest.raises(ProofError, match="proof"):
        sign_jwt(credential(proof={"type": "DataIntegrityProof"}), issuer_key)


def test_signing_refuses_a_key_of_another_party():
    with pytest.raises(ProofError, match="issuer"):
        sign_jwt(credential(), other_key)


def test_signing_refuses_a_public_key_and_a_wrong_alg(rsa_key):
    with pytest.raises(ProofError, match="private"):
        sign_jwt(credential(), Ed25519Key(issuer_key.public_key))
    with pytest.raises(ProofError, match="EdDSA"):
        sign_jwt(credential(), issuer_key, alg="RS256")
    with pytest.raises(ProofError, match="RS256"):
        sign_jwt(credential(WEB_DID), rsa_key, alg="HS256")


def test_signing_needs_id_and_valid_from():
    document = credential()
    del document["id"]
    with pytest.raises(ProofError, match="jti"):
        sign_jwt(document, issuer_key)
    with pytest.raises(ProofError, match="validFrom"):
        sign_jwt(credential(validFrom="yesterday"), issuer_key)


# ── failed checks ────────────────────────────────────────────────────────────────────────────


def test_a_tampered_payload_fails_signature_and_still_shows_the_credential():
    header, payload, signature = sign_jwt(credential(), issuer_key).split(".")
    altered = json.loads(unb64(payload))
    altered["name"] = "Soudure TIG — niveau 3"
    result = verify_jwt(f"{header}.{b64(json.dumps(altered).encode())}.{signature}", Resolver())
    assert (result.ok, result.check) == (False, "signature")
    assert result.credential is not None and result.credential["name"] == "Soudure TIG — niveau 3"


def test_a_kid_of_another_issuer_fails_binding():
    token = forge(header_of(other_key), claims(credential()), other_key)
    result = verify_jwt(token, Resolver())
    assert (result.ok, result.check) == (False, "binding")
    assert other_key.controller in result.message


def test_a_key_not_listed_for_assertion_fails_binding():
    key = Ed25519Key.generate(controller=WEB_DID, key_id="#key-1")
    document = did_document(WEB_DID, [key])
    document["assertionMethod"] = []
    result = verify_jwt(sign_jwt(credential(WEB_DID), key), Resolver({WEB_DID: document}))
    assert (result.ok, result.check) == (False, "binding")
    assert "assertionMethod" in result.message


def test_a_key_of_an_unknown_did_web_fails_key():
    key = Ed25519Key.generate(controller=WEB_DID)
    result = verify_jwt(sign_jwt(credential(WEB_DID), key), Resolver())
    assert (result.ok, result.check) == (False, "key")


def test_an_rsa_kid_under_eddsa_fails_key(rsa_key):
    token = forge({**header_of(rsa_key), "alg": "EdDSA"}, claims(credential(WEB_DID)), issuer_key)
    result = verify_jwt(token, Resolver({WEB_DID: rsa_document(rsa_key)}))
    assert (result.ok, result.check) == (False, "key")


def test_a_short_rsa_key_in_a_did_document_fails_key(rsa_key):
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    numbers = small.public_key().public_numbers()
    document = rsa_document(rsa_key)
    document["verificationMethod"][0]["publicKeyJwk"] = {
        "kty": "RSA",
        "n": b64(numbers.n.to_bytes(128, "big")),
        "e": b64(numbers.e.to_bytes(3, "big")),
    }
    result = verify_jwt(sign_jwt(credential(WEB_DID), rsa_key), Resolver({WEB_DID: document}))
    assert (result.ok, result.check) == (False, "key")
    assert "2048" in result.message
    with pytest.raises(KeyFormatError, match="2048"):
        RsaKey(small.public_key(), controller=WEB_DID)


@pytest.mark.parametrize("alg", ["none", "None", "HS256", "HS512", "ES256", "PS256"])
def test_unsigned_hmac_and_unsupported_algorithms_are_refused(alg):
    payload = claims(credential())
    header = {"alg": alg, "kid": issuer_key.id, "typ": "JWT"}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    # The classic confusion attack: HMAC keyed with the issuer's public key.
    mac = hmac.new(issuer_key.public_key, signing_input.encode(), hashlib.sha256).digest()
    for token in (signing_input + ".", signing_input + "." + b64(mac)):
        result = verify_jwt(token, Resolver())
        assert (result.ok, result.check) == (False, "format")
        assert alg.lower() in result.message.lower()


def test_a_typ_other_than_jwt_and_crit_are_refused():
    payload = claims(credential())
    for header in ({**header_of(issuer_key), "typ": "JOSE"}, {**header_of(issuer_key), "crit": ["exp"]}):
        result = verify_jwt(forge(header, payload, issuer_key), Resolver())
        assert (result.ok, result.check) == (False, "format")


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("jti", "urn:uuid:00000000-0000-0000-0000-000000000000"),
        ("iss", "did:web:attacker.example"),
        ("sub", "did:example:someone-else"),
        ("nbf", 0),
        ("exp", 4102444800),
        ("nbf", "2024-09-16T08:30:00Z"),
    ],
)
def test_a_claim_that_disagrees_with_the_credential_fails_claims(claim, value):
    payload = {**claims(credential()), claim: value}
    result = verify_jwt(forge(header_of(issuer_key), payload, issuer_key), Resolver())
    assert (result.ok, result.check) == (False, "claims")
    assert claim in result.message


@pytest.mark.parametrize("claim", ["iss", "jti", "sub", "nbf", "exp"])
def test_a_missing_claim_fails_claims(claim):
    payload = claims(credential())
    del payload[claim]
    result = verify_jwt(forge(header_of(issuer_key), payload, issuer_key), Resolver())
    assert (result.ok, result.check) == (False, "claims")


def test_exp_without_valid_until_sets_valid_until():
    document = credential()
    del document["validUntil"]
    payload = {**claims(credential()), **document}
    payload = {name: value for name, value in payload.items() if name != "validUntil"}
    result = verify_jwt(forge(header_of(issuer_key), payload, issuer_key), Resolver())
    assert result.ok, result.message
    assert result.credential is not None and result.credential["validUntil"] == VALID_UNTIL


def test_the_vc_claim_form_is_accepted():
    document = credential()
    payload = {name: value for name, value in claims(document).items() if name in CLAIMS}
    payload["vc"] = document
    result = verify_jwt(forge(header_of(issuer_key), payload, issuer_key), Resolver())
    assert result.ok, result.message
    assert result.credential == document


def test_the_vc_claim_form_takes_missing_members_from_the_claims():
    document = credential()
    trimmed = {name: value for name, value in document.items() if name not in ("id", "validFrom")}
    payload = {name: value for name, value in claims(document).items() if name in CLAIMS}
    payload["vc"] = trimmed
    result = verify_jwt(forge(header_of(issuer_key), payload, issuer_key), Resolver())
    assert result.ok, result.message
    assert result.credential is not None
    assert result.credential["id"] == CREDENTIAL_ID and result.credential["validFrom"] == VALID_FROM


def test_a_jwk_only_header_binds_to_the_issuers_assertion_keys():
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(issuer_key.public_key)}
    payload = claims(credential())
    result = verify_jwt(forge({"alg": "EdDSA", "jwk": jwk}, payload, issuer_key), Resolver())
    assert result.ok, result.message
    assert result.key_id == issuer_key.id
    stranger = {"kty": "OKP", "crv": "Ed25519", "x": b64(other_key.public_key)}
    result = verify_jwt(forge({"alg": "EdDSA", "jwk": stranger}, payload, other_key), Resolver())
    assert (result.ok, result.check) == (False, "binding")


def test_a_jwk_that_disagrees_with_the_kid_fails_binding():
    stranger = {"kty": "OKP", "crv": "Ed25519", "x": b64(other_key.public_key)}
    header = {**header_of(issuer_key), "jwk": stranger}
    result = verify_jwt(forge(header, claims(credential()), issuer_key), Resolver())
    assert (result.ok, result.check) == (False, "binding")


def test_a_private_jwk_in_the_header_is_refused():
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(issuer_key.public_key), "d": b64(issuer_key.seed())}
    result = verify_jwt(forge({"alg": "EdDSA", "jwk": jwk}, claims(credential()), issuer_key), Resolver())
    assert (result.ok, result.check) == (False, "format")
    assert b64(issuer_key.seed()) not in result.message


def test_a_header_without_key_is_refused():
    result = verify_jwt(forge({"alg": "EdDSA"}, claims(credential()), issuer_key), Resolver())
    assert (result.ok, result.check) == (False, "format")


def test_the_result_is_frozen():
    result = verify_jwt("a.b.c", Resolver())
    assert isinstance(result, JwtResult) and not result.ok
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ok = True  # type: ignore[misc]


@pytest.mark.parametrize(
    "token",
    [
        "",
        "...",
        "a.b",
        "a.b.c.d",
        "e30.e30.e30",
        "eyJhbGciOiJFZERTQSJ9.W10.AA",
        "eyJhbGciOiJFZERTQSIsImtpZCI6MX0.e30.AA",
        "eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDprZXk6eiJ9.e30.AA",
        "x" * (3 * 1024 * 1024),
        b64(b"[" * 5000) + ".e30.AA",
    ],
)
def test_malformed_tokens_fail_without_raising(token):
    result = verify_jwt(token, Resolver())
    assert not result.ok and result.check in ("format", "key", "binding")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_garbage_strings_never_raise(text):
    result = verify_jwt(text, Resolver())
    assert not result.ok and result.check in {"format", "key", "binding", "signature", "claims"}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["alg", "kid", "jwk", "typ", "crit", "x"]), _json, max_size=5),
    st.dictionaries(
        st.sampled_from(["iss", "jti", "nbf", "exp", "sub", "vc", "issuer", "@context", "id"]), _json
    ),
)
def test_well_formed_tokens_with_garbage_content_never_raise(header, payload):
    for alg in ("EdDSA", header.get("alg")):
        token = forge({**header, "alg": alg}, payload, issuer_key)
        result = verify_jwt(token, Resolver())
        assert not result.ok


# ── interoperability ─────────────────────────────────────────────────────────────────────────


def _ed25519_private(key: Ed25519Key) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(key.seed())


def test_pyjwt_verifies_carnet_tokens(rsa_key):
    pyjwt = pytest.importorskip("jwt")
    decoded = pyjwt.decode(
        sign_jwt(credential(), issuer_key),
        _ed25519_private(issuer_key).public_key(),
        algorithms=["EdDSA"],
        issuer=issuer_key.controller,
    )
    assert decoded["jti"] == CREDENTIAL_ID and decoded["credentialSubject"]["id"] == subject_key.controller
    decoded = pyjwt.decode(sign_jwt(credential(WEB_DID), rsa_key), rsa_key.public_key(), algorithms=["RS256"])
    assert decoded["iss"] == WEB_DID


def test_carnet_verifies_pyjwt_tokens(rsa_key):
    pyjwt = pytest.importorskip("jwt")
    token = pyjwt.encode(
        claims(credential()), _ed25519_private(issuer_key), algorithm="EdDSA", headers={"kid": issuer_key.id}
    )
    result = verify_jwt(token, Resolver())
    assert result.ok, result.message
    token = pyjwt.encode(
        claims(credential(WEB_DID)), rsa_key.private_key(), algorithm="RS256", headers={"kid": rsa_key.id}
    )
    result = verify_jwt(token, Resolver({WEB_DID: rsa_document(rsa_key)}))
    assert result.ok, result.message


def test_openbadgeslib_verifies_carnet_tokens(rsa_key):
    ob3 = pytest.importorskip("openbadgeslib.ob3")
    from openbadgeslib.ob3.did import pem_for_kid

    verified = ob3.OB3Verifier.for_issuer_did(issuer_key.controller).verify(
        sign_jwt(credential(), issuer_key)
    )
    assert verified.id == CREDENTIAL_ID
    assert verified.issuer.id == issuer_key.controller
    assert verified.recipient_id == subject_key.controller
    pem = pem_for_kid(rsa_document(rsa_key), WEB_DID, rsa_key.id)
    verified = ob3.OB3Verifier(pem, issuer_did=WEB_DID).verify(sign_jwt(credential(WEB_DID), rsa_key))
    assert verified.issuer.id == WEB_DID


def _openbadgeslib_credential(ob3: Any, issuer: str) -> Any:
    return ob3.OpenBadgeCredential(
        issuer=ob3.Issuer(id=issuer, name="Université d’Exemple"),
        recipient_id=subject_key.controller,
        achievement=ob3.Achievement(
            id="https://badges.univ-exemple.fr/achievements/soudure-tig-niveau-2",
            name="Soudure TIG — niveau 2",
            description="Maîtrise du soudage TIG.",
            criteria_narrative="Épreuve pratique.",
        ),
        issuance_date=datetime(2024, 9, 16, 8, 30, tzinfo=UTC),
        expiration_date=datetime(2034, 9, 16, 8, 30, tzinfo=UTC),
    )


def test_carnet_verifies_openbadgeslib_tokens(rsa_key):
    ob3 = pytest.importorskip("openbadgeslib.ob3")
    from openbadgeslib.keys import public_jwk_from_pem
    from openbadgeslib.ob3.did import build_did_document

    token = ob3.OB3Signer(_ed25519_private(issuer_key), algorithm="EdDSA").sign(
        _openbadgeslib_credential(ob3, issuer_key.controller)
    )
    assert "jwk" in decode(token)[0] and "kid" not in decode(token)[0]
    result = verify_jwt(token, Resolver())
    assert result.ok, result.message
    assert result.key_id == issuer_key.id
    assert result.credential is not None and result.credential["validFrom"] == VALID_FROM

    # RS256 with a did:web document that openbadgeslib publishes (JsonWebKey2020 entries).
    document = build_did_document(WEB_DID, [("key-1", public_jwk_from_pem(rsa_key.public_pem()))])
    token = ob3.OB3Signer(rsa_key.private_key(), algorithm="RS256").sign(
        _openbadgeslib_credential(ob3, WEB_DID)
    )
    result = verify_jwt(token, Resolver({WEB_DID: document}))
    assert result.ok, result.message
    assert result.key_id == f"{WEB_DID}#key-1"

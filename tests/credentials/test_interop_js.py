"""Interoperability with the JavaScript reference implementation of Data Integrity eddsa-rdfc-2022
(Digital Bazaar: @digitalbazaar/vc 7, data-integrity 2, eddsa-rdfc-2022-cryptosuite 1, jsonld 9),
run as a peer process (``interop/js/peer.mjs``, fixture ``js_peer``).

The first group checks the peer itself (the reference signs and verifies, rejects tampering and
undefined terms, resolves did:key, supplied did:web documents and status lists offline). The second
group checks Carnet against it, in both directions; its tests skip until ``carnet.credentials``
provides ``sign``, ``verify`` and ``jsonld.canonical_nquads``.
"""

from __future__ import annotations

import base64
import copy
import gzip
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from jspeer import JsPeer
from samples import (
    ISSUER_SEED,
    OTHER_SEED,
    SUBJECT_SEED,
    VALID_FROM,
    VC_V2,
    sample_credential,
)

from carnet.credentials.did import Resolver, did_document, did_key_document
from carnet.credentials.keys import Ed25519Key

MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
CREATED = "2024-09-16T08:31:00Z"
WEB_DID = "did:web:badges.univ-exemple.fr"
STATUS_LIST_URL = "https://badges.univ-exemple.fr/status/3"
STATUS_LIST_BITS = 131_072  # 16 KiB, the minimum size of Bitstring Status List v1.0 §4.2
REVOKED_INDEX = 94_567


@pytest.fixture(scope="module")
def issuer_key() -> Ed25519Key:
    return Ed25519Key.from_seed(ISSUER_SEED)


@pytest.fixture(scope="module")
def subject_did() -> str:
    return Ed25519Key.from_seed(SUBJECT_SEED).controller


@pytest.fixture
def credential(issuer_key: Ed25519Key, subject_did: str) -> dict[str, Any]:
    return sample_credential(issuer_key.controller, subject_did)


@pytest.fixture(scope="module")
def js_signed(js_peer: JsPeer, issuer_key: Ed25519Key, subject_did: str) -> dict[str, Any]:
    """The sample credential signed by the reference (do not mutate: copy first)."""
    return js_peer.sign(sample_credential(issuer_key.controller, subject_did), issuer_key, created=CREATED)


def _set(document: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


# Changes that a verifier must notice: each one changes the signed RDF dataset (or the proof).
TAMPERINGS: dict[str, tuple[tuple[str | int, ...], Any]] = {
    "credential name": (("name",), "Soudure TIG — niveau 3 : Léa Dupré-Hélie"),
    "accents dropped": (
        ("credentialSubject", "achievement", "fieldOfStudy"),
        "Metallurgie et travail des metaux",
    ),
    "subject": (("credentialSubject", "id"), "did:example:mallory"),
    "validUntil": (("validUntil",), "2099-09-16T08:30:00Z"),
    "result value": (("credentialSubject", "result", 0, "value"), "B"),
    "credits (number)": (("credentialSubject", "creditsEarned"), 30),
    "a tag": (("credentialSubject", "achievement", "tag", 0), "soudage"),
    "evidence narrative": (("evidence", 1, "narrative"), "Dossier de 18 pages."),
    "proof created": (("proof", "created"), "2024-09-16T08:32:00Z"),
    "proof purpose": (("proof", "proofPurpose"), "authentication"),
}


# -- the reference peer on its own --------------------------------------------------------------


def test_reference_versions(js_peer: JsPeer) -> None:
    versions = js_peer.versions()
    assert versions["packages"]["@digitalbazaar/vc"] == "7.3.0"
    assert versions["packages"]["@digitalbazaar/eddsa-rdfc-2022-cryptosuite"] == "1.3.0"
    assert versions["packages"]["jsonld"] == "9.0.0"


def test_js_signs_and_verifies_sample(
    js_peer: JsPeer, js_signed: dict[str, Any], issuer_key: Ed25519Key, credential: dict[str, Any]
) -> None:
    proof = js_signed["proof"]
    assert proof == {
        "type": "DataIntegrityProof",
        "created": CREATED,
        "verificationMethod": issuer_key.id,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "proofValue": proof["proofValue"],
    }
    assert proof["proofValue"].startswith("z")
    unsigned = {name: value for name, value in js_signed.items() if name != "proof"}
    assert unsigned == credential  # the reference adds the proof and changes nothing else
    assert js_peer.verify(js_signed) == {"ok": True, "verified": True, "error": None}


def test_js_signature_is_deterministic(
    js_peer: JsPeer, js_signed: dict[str, Any], issuer_key: Ed25519Key, credential: dict[str, Any]
) -> None:
    # Ed25519 is deterministic: same key, document and proof options → same proofValue. This is what
    # lets the Carnet signer be compared with the reference byte for byte (see below).
    again = js_peer.sign(credential, issuer_key, created=CREATED)
    assert again["proof"]["proofValue"] == js_signed["proof"]["proofValue"]


def test_js_accepts_the_64_byte_secret_key_form(
    js_peer: JsPeer, js_signed: dict[str, Any], issuer_key: Ed25519Key, credential: dict[str, Any]
) -> None:
    # Carnet writes secretKeyMultibase as 0x8026 ‖ 32-byte seed; the reference itself exports
    # 0x8026 ‖ seed ‖ public key (64 bytes). Both sign identically.
    from carnet.credentials.keys import ED25519_PRIV_PREFIX, multibase_encode

    key = issuer_key.to_multikey(include_private=True)
    key["secretKeyMultibase"] = multibase_encode(
        ED25519_PRIV_PREFIX + issuer_key.seed() + issuer_key.public_key
    )
    again = js_peer.sign(credential, key, created=CREATED)
    assert again["proof"]["proofValue"] == js_signed["proof"]["proofValue"]


@pytest.mark.parametrize("name", TAMPERINGS)
def test_js_rejects_tampering(js_peer: JsPeer, js_signed: dict[str, Any], name: str) -> None:
    path, value = TAMPERINGS[name]
    result = js_peer.verify(_set(js_signed, path, value))
    assert result["verified"] is False
    assert result["error"]


def test_js_rejects_tampered_signature(js_peer: JsPeer, js_signed: dict[str, Any]) -> None:
    proof_value = js_signed["proof"]["proofValue"]
    flipped = proof_value[:-2] + ("1" if proof_value[-2] != "1" else "2") + proof_value[-1]
    result = js_peer.verify(_set(js_signed, ("proof", "proofValue"), flipped))
    assert result["verified"] is False
    assert "Invalid signature" in result["error"]


def test_js_ignores_tag_order_only_when_unordered(js_peer: JsPeer, js_signed: dict[str, Any]) -> None:
    # `tag` is an unordered JSON-LD set: reordering it leaves the RDF dataset, hence the signature,
    # unchanged. (`allowedValue` is an @list in the OB context: there order is signed.)
    tags = js_signed["credentialSubject"]["achievement"]["tag"]
    reordered = _set(js_signed, ("credentialSubject", "achievement", "tag"), list(reversed(tags)))
    assert js_peer.verify(reordered)["verified"] is True
    allowed = js_signed["credentialSubject"]["achievement"]["resultDescription"][0]["allowedValue"]
    path = ("credentialSubject", "achievement", "resultDescription", 0, "allowedValue")
    assert js_peer.verify(_set(js_signed, path, list(reversed(allowed))))["verified"] is False


def test_js_safe_mode_rejects_undefined_term(
    js_peer: JsPeer, js_signed: dict[str, Any], credential: dict[str, Any], issuer_key: Ed25519Key
) -> None:
    # A property no context defines would be silently dropped from the RDF dataset, hence unsigned.
    # The reference runs jsonld in safe mode: it refuses to sign, verify or canonize such documents
    # ("jsonld.ValidationError: Safe mode validation error", event code "invalid property").
    credential["credentialSubject"]["achievement"]["foo"] = "bar"
    refused = js_peer.request("sign", credential=credential, key=issuer_key.to_multikey(include_private=True))
    assert refused["ok"] is False
    assert "Safe mode validation error" in refused["error"]
    assert "invalid property" in refused["error"] and '"property":"foo"' in refused["error"]

    result = js_peer.verify(_set(js_signed, ("credentialSubject", "achievement", "foo"), "bar"))
    assert result["verified"] is False
    assert "Safe mode validation error" in result["error"]

    refused = js_peer.request("canonize", document=credential)
    assert refused["ok"] is False and "Safe mode validation error" in refused["error"]
    # without safe mode, the property is dropped: same N-Quads as without it
    del credential["credentialSubject"]["achievement"]["foo"]
    assert js_peer.canonize({**credential, "foo": "bar"}, safe=False) == js_peer.canonize(credential)


def test_js_safe_mode_rejects_relative_type(js_peer: JsPeer, js_signed: dict[str, Any]) -> None:
    result = js_peer.verify(_set(js_signed, ("credentialSubject", "type"), ["AchievementSubject", "Foo"]))
    assert result["verified"] is False
    assert "Safe mode validation error" in result["error"]


def test_js_requires_issuer_to_control_the_key(
    js_peer: JsPeer, issuer_key: Ed25519Key, subject_did: str
) -> None:
    other = Ed25519Key.from_seed(OTHER_SEED)
    signed = js_peer.sign(sample_credential(other.controller, subject_did), issuer_key)
    result = js_peer.verify(signed)
    assert result["verified"] is False
    assert "issuer must match the verification method controller" in result["error"]


def test_js_checks_validity_period(js_peer: JsPeer, js_signed: dict[str, Any]) -> None:
    assert js_peer.verify(js_signed, now=VALID_FROM)["verified"] is True
    late = js_peer.verify(js_signed, now="2040-01-01T00:00:00Z")
    assert late["verified"] is False and "validUntil" in late["error"]
    early = js_peer.verify(js_signed, now="2024-01-01T00:00:00Z")
    assert early["verified"] is False and "validFrom" in early["error"]


def test_js_never_fetches(js_peer: JsPeer, credential: dict[str, Any]) -> None:
    credential["@context"].append("https://example.org/unknown-context.jsonld")
    refused = js_peer.request("canonize", document=credential)
    assert refused["ok"] is False
    assert "refuses to load" in refused["error"] and "unknown-context" in refused["error"]


def test_js_verifies_did_web_issuer_from_supplied_document(js_peer: JsPeer, subject_did: str) -> None:
    key = Ed25519Key.from_seed(ISSUER_SEED, controller=WEB_DID, key_id="#key-1")
    documents = {WEB_DID: did_document(WEB_DID, [key])}  # Carnet's DID document, read by the reference
    signed = js_peer.sign(sample_credential(WEB_DID, subject_did), key)
    assert signed["proof"]["verificationMethod"] == WEB_DID + "#key-1"
    assert js_peer.verify(signed, documents=documents) == {"ok": True, "verified": True, "error": None}
    unresolved = js_peer.verify(signed)
    assert unresolved["verified"] is False and "refuses to load" in unresolved["error"]


def test_js_refuses_method_not_authorised_for_assertion(js_peer: JsPeer, subject_did: str) -> None:
    key = Ed25519Key.from_seed(ISSUER_SEED, controller=WEB_DID, key_id="#key-1")
    document = did_document(WEB_DID, [key])
    document["assertionMethod"] = []
    signed = js_peer.sign(sample_credential(WEB_DID, subject_did), key)
    result = js_peer.verify(signed, documents={WEB_DID: document})
    assert result["verified"] is False
    assert "not authorized by controller" in result["error"]


def test_js_loader_resolves_like_carnet(js_peer: JsPeer, issuer_key: Ed25519Key) -> None:
    # the peer's offline did:key document is Carnet's; a verification method is found by its DID URL
    assert js_peer.load(issuer_key.controller) == did_key_document(issuer_key.controller)
    method = js_peer.load(issuer_key.id)
    assert method == {"@context": MULTIKEY_V1, **issuer_key.verification_method()}
    key = Ed25519Key.from_seed(ISSUER_SEED, controller=WEB_DID, key_id="#key-1")
    documents = {WEB_DID: did_document(WEB_DID, [key])}
    assert js_peer.load(WEB_DID + "#key-1", documents=documents)["publicKeyMultibase"] == (
        key.public_key_multibase
    )
    assert js_peer.load(VC_V2)["@context"]["@protected"] is True
    refused = js_peer.request("load", url="https://www.w3.org/ns/credentials/examples/v2")
    assert refused["ok"] is False and "refuses to load" in refused["error"]


def encode_status_list(revoked: set[int], size: int = STATUS_LIST_BITS) -> str:
    """Bitstring Status List v1.0 §4.3: multibase base64url (no padding) of the GZIP-compressed
    bitstring, index 0 being the left-most (most significant) bit of the first byte."""
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode("ascii").rstrip("=")


def status_list_credential(issuer_did: str, revoked: set[int]) -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "id": STATUS_LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": VALID_FROM,
        "credentialSubject": {
            "id": STATUS_LIST_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked),
        },
    }


def status_entry(index: int) -> dict[str, Any]:
    return {
        "id": f"{STATUS_LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": STATUS_LIST_URL,
    }


@pytest.mark.parametrize("index", [REVOKED_INDEX, REVOKED_INDEX + 1, 0])
def test_js_reads_bitstring_status_list(
    js_peer: JsPeer, issuer_key: Ed25519Key, subject_did: str, index: int
) -> None:
    status_list = js_peer.sign(status_list_credential(issuer_key.controller, {REVOKED_INDEX}), issuer_key)
    credential = sample_credential(issuer_key.controller, subject_did)
    credential["credentialStatus"] = status_entry(index)
    signed = js_peer.sign(credential, issuer_key)
    result = js_peer.verify(signed, documents={STATUS_LIST_URL: status_list})
    # the reference reports the bit and leaves `verified` true: revocation is the verifier's call
    assert result["verified"] is True, result["error"]
    assert result["statuses"] == [
        {
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": STATUS_LIST_URL,
            "status": index == REVOKED_INDEX,
        }
    ]
    missing = js_peer.verify(signed)
    assert missing["verified"] is False and "Could not load" in missing["error"]
    assert js_peer.verify(signed, check_status=False)["verified"] is True


def test_js_status_list_must_be_signed_by_the_issuer(
    js_peer: JsPeer, issuer_key: Ed25519Key, subject_did: str
) -> None:
    other = Ed25519Key.from_seed(OTHER_SEED)
    status_list = js_peer.sign(status_list_credential(other.controller, set()), other)
    credential = sample_credential(issuer_key.controller, subject_did)
    credential["credentialStatus"] = status_entry(1)
    signed = js_peer.sign(credential, issuer_key)
    result = js_peer.verify(signed, documents={STATUS_LIST_URL: status_list})
    assert result["verified"] is False and "Issuers" in result["error"]


def test_js_canonize_sample(js_peer: JsPeer, credential: dict[str, Any]) -> None:
    nquads = js_peer.canonize(credential)
    lines = nquads.splitlines()
    assert nquads.endswith("\n") and len(lines) == len(set(lines)) == 83
    assert lines == sorted(lines)  # RDFC-1.0 output is sorted in code point order
    assert '<https://schema.org/name> "Soudure TIG — niveau 2 : Léa Dupré-Hélie" .' in nquads
    # a JSON number without fractional part stays an integer lexical form, even typed xsd:float
    assert '#creditsEarned> "3"^^<https://www.w3.org/2001/XMLSchema#float> .' in nquads


def test_peer_survives_bad_requests(js_peer: JsPeer, js_signed: dict[str, Any]) -> None:
    assert js_peer.request("nope")["ok"] is False
    assert js_peer.request("verify", credential=None)["ok"] is False
    assert js_peer.request("sign", credential={}, key={"type": "Multikey"})["ok"] is False
    assert js_peer.request("canonize", document={"@context": {"@version": 99}})["ok"] is False
    assert js_peer.request("verify", credential={"proof": {}})["verified"] is False
    assert js_peer.verify(js_signed)["verified"] is True


# -- Carnet against the reference (they run once carnet.credentials provides the API) -----------


def _carnet(module_name: str, attribute: str) -> Callable[..., Any]:
    """``module_name.attribute`` from Carnet, or skip while the lead has not landed it."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        pytest.skip(f"{module_name} does not exist yet")
    value = getattr(module, attribute, None)
    if value is None:
        pytest.skip(f"{module_name}.{attribute} does not exist yet")
    assert callable(value)
    return value  # type: ignore[no-any-return]


def test_python_signed_verifies_in_js(
    js_peer: JsPeer, issuer_key: Ed25519Key, credential: dict[str, Any]
) -> None:
    sign = _carnet("carnet.credentials", "sign")
    signed = sign(credential, issuer_key)
    assert signed["proof"]["type"] == "DataIntegrityProof"
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert js_peer.verify(signed) == {"ok": True, "verified": True, "error": None}
    tampered = _set(signed, ("credentialSubject", "achievement", "name"), "Soudure TIG — niveau 3")
    assert js_peer.verify(tampered)["verified"] is False


def test_python_signature_equals_js_signature(
    js_peer: JsPeer, issuer_key: Ed25519Key, credential: dict[str, Any]
) -> None:
    # Same key, document and proof options: Ed25519 being deterministic, the proofs must be identical
    # byte for byte, which checks canonicalisation, hashing and encoding end to end.
    sign = _carnet("carnet.credentials", "sign")
    signed = sign(copy.deepcopy(credential), issuer_key)
    created = signed["proof"].get("created")
    if created is None:
        pytest.skip("Carnet's proof has no `created`; the reference always sets one")
    js = js_peer.sign(credential, issuer_key, created=created)
    assert signed["proof"] == js["proof"]


def test_python_signed_did_web_verifies_in_js(js_peer: JsPeer, subject_did: str) -> None:
    sign = _carnet("carnet.credentials", "sign")
    key = Ed25519Key.from_seed(ISSUER_SEED, controller=WEB_DID, key_id="#key-1")
    signed = sign(sample_credential(WEB_DID, subject_did), key)
    result = js_peer.verify(signed, documents={WEB_DID: did_document(WEB_DID, [key])})
    assert result == {"ok": True, "verified": True, "error": None}


def test_js_signed_verifies_in_python(js_signed: dict[str, Any]) -> None:
    verify = _carnet("carnet.credentials", "verify")
    report = verify(copy.deepcopy(js_signed), resolver=Resolver())
    assert report.valid, report


@pytest.mark.parametrize("name", TAMPERINGS)
def test_python_rejects_what_js_rejects(js_peer: JsPeer, js_signed: dict[str, Any], name: str) -> None:
    verify = _carnet("carnet.credentials", "verify")
    path, value = TAMPERINGS[name]
    tampered = _set(js_signed, path, value)
    assert js_peer.verify(tampered)["verified"] is False
    assert not verify(tampered, resolver=Resolver()).valid


def test_js_signed_did_web_verifies_in_python(js_peer: JsPeer, subject_did: str) -> None:
    verify = _carnet("carnet.credentials", "verify")
    key = Ed25519Key.from_seed(ISSUER_SEED, controller=WEB_DID, key_id="#key-1")
    signed = js_peer.sign(sample_credential(WEB_DID, subject_did), key)
    resolver = Resolver({WEB_DID: did_document(WEB_DID, [key])})
    assert verify(signed, resolver=resolver).valid


def test_python_rejects_undefined_term_like_js(js_signed: dict[str, Any]) -> None:
    verify = _carnet("carnet.credentials", "verify")
    tampered = _set(js_signed, ("credentialSubject", "achievement", "foo"), "bar")
    assert not verify(tampered, resolver=Resolver()).valid


def _documents_to_canonize(issuer_key: Ed25519Key, subject_did: str) -> dict[str, dict[str, Any]]:
    signed_proof_options = {
        "@context": [VC_V2],
        "type": "DataIntegrityProof",
        "created": CREATED,
        "verificationMethod": issuer_key.id,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
    }
    return {
        "sample credential": sample_credential(issuer_key.controller, subject_did),
        "did:key document": did_key_document(issuer_key.controller),
        "status list credential": status_list_credential(issuer_key.controller, {REVOKED_INDEX}),
        "proof options": signed_proof_options,
    }


@pytest.mark.parametrize(
    "name", ["sample credential", "did:key document", "status list credential", "proof options"]
)
def test_canonical_nquads_equal_js(
    js_peer: JsPeer, issuer_key: Ed25519Key, subject_did: str, name: str
) -> None:
    canonical_nquads = _carnet("carnet.credentials.jsonld", "canonical_nquads")
    document = _documents_to_canonize(issuer_key, subject_did)[name]
    assert canonical_nquads(copy.deepcopy(document)) == js_peer.canonize(document)

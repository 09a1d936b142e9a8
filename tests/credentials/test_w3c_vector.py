"""The W3C Data Integrity EdDSA test vector (eddsa-rdfc-2022), reproduced byte for byte:
canonical forms, hashes and signature (vectors copied in tests/credentials/vectors/vc-di-eddsa)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carnet.credentials import dataintegrity, jsonld, rdfc
from carnet.credentials.did import Resolver
from carnet.credentials.keys import Ed25519Key, decode_public_key, decode_secret_key

VECTORS = Path(__file__).parent / "vectors"
EDDSA = VECTORS / "vc-di-eddsa"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"


@pytest.fixture(autouse=True)
def examples_context(monkeypatch):
    """The W3C examples context is known to these tests only, never to the product."""
    examples = json.loads((VECTORS / "credentials-examples-v2.jsonld").read_text())
    original = jsonld.context_document
    monkeypatch.setattr(jsonld, "CONTEXTS", {**jsonld.CONTEXTS, EXAMPLES_CONTEXT: None})
    monkeypatch.setattr(
        jsonld, "context_document", lambda url: examples if url == EXAMPLES_CONTEXT else original(url)
    )


def read(name: str) -> str:
    return (EDDSA / name).read_text()


def unsigned() -> dict:
    return json.loads((EDDSA / "unsigned.json").read_text())


def key() -> Ed25519Key:
    pair = json.loads((EDDSA / "keyPair.json").read_text())
    return Ed25519Key(
        decode_public_key(pair["publicKeyMultibase"]), seed=decode_secret_key(pair["privateKeyMultibase"])
    )


def test_canonical_document():
    assert jsonld.canonical_nquads(unsigned()) == read("canonDocDataInt.txt")


def test_canonical_proof_configuration():
    config = json.loads(read("proofConfigDataInt.json"))
    assert jsonld.canonical_nquads(config) == read("proofCanonDataInt.txt")


def test_hashes():
    doc_hash = hashlib.sha256(read("canonDocDataInt.txt").encode()).hexdigest()
    proof_hash = hashlib.sha256(read("proofCanonDataInt.txt").encode()).hexdigest()
    assert doc_hash == read("docHashDataInt.txt").strip()
    assert proof_hash == read("proofHashDataInt.txt").strip()
    assert proof_hash + doc_hash == read("combinedHashDataInt.txt").strip()


def test_signature_is_reproduced_byte_for_byte():
    signed = dataintegrity.add_proof(unsigned(), key(), created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC))
    assert signed == json.loads(read("signedDataInt.json"))
    assert signed["proof"]["proofValue"] == read("sigBTC58DataInt.txt").strip()


def test_the_signed_vector_verifies():
    results = dataintegrity.verify_proofs(json.loads(read("signedDataInt.json")), Resolver(), controller=None)
    assert [r.ok for r in results] == [True]


def test_rdfc_is_used_for_the_document_hash():
    assert dataintegrity.document_hash(unsigned()).hex() == read("docHashDataInt.txt").strip()
    assert rdfc.canonicalize(jsonld.to_rdf(unsigned())) == read("canonDocDataInt.txt")

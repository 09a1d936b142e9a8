"""Interoperability with openbadgeslib, an independent Python implementation of Open Badges 3.0
(PyPI; its own JSON-LD handling on pyld, its own eddsa-rdfc-2022 code and trust checks)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from samples import ISSUER_SEED, SUBJECT_SEED, sample_credential

from carnet.credentials import Ed25519Key, sign, verify

ldp = pytest.importorskip("openbadgeslib.ob3.ldp")

CREATED = datetime(2024, 9, 16, 8, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 22, tzinfo=UTC)
issuer = Ed25519Key.from_seed(ISSUER_SEED)
subject = Ed25519Key.from_seed(SUBJECT_SEED)


def private_pem(key: Ed25519Key) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(key.seed()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_a_carnet_credential_verifies_in_openbadgeslib():
    signed = sign(sample_credential(issuer.controller, subject.controller), issuer, created=CREATED)
    ldp.OB3LdpVerifier.for_issuer_did(issuer.controller).verify(copy.deepcopy(signed))


def test_a_tampered_carnet_credential_fails_in_openbadgeslib():
    signed = sign(sample_credential(issuer.controller, subject.controller), issuer, created=CREATED)
    signed["credentialSubject"]["achievement"]["name"] = "Autre chose"
    with pytest.raises(Exception, match=r"(?i)signature|verif"):
        ldp.OB3LdpVerifier.for_issuer_did(issuer.controller).verify(signed)


def test_an_openbadgeslib_credential_verifies_in_carnet():
    document = sample_credential(issuer.controller, subject.controller)
    theirs = ldp.add_data_integrity_proof(document, private_pem(issuer), issuer.id, created=CREATED)
    report = verify(theirs, now=NOW)
    assert report.valid, report.to_text("en")


def test_both_produce_the_same_proof():
    document = sample_credential(issuer.controller, subject.controller)
    theirs = ldp.add_data_integrity_proof(document, private_pem(issuer), issuer.id, created=CREATED)
    ours = sign(document, issuer, created=CREATED)
    assert ours["proof"] == theirs["proof"]

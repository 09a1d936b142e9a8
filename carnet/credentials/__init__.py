"""carnet.credentials: issue and verify Open Badges 3.0 / W3C Verifiable Credentials 2.0.

A framework-free library: keys and documents in, documents and reports out. It never fetches from
the network on its own (contexts are bundled; DID documents and status lists come from the
:class:`~carnet.credentials.did.Resolver` the caller passes).

    key = Ed25519Key.generate()
    signed = sign(credential, key)           # eddsa-rdfc-2022 Data Integrity proof
    token = sign_jwt(credential, key)        # or a VC-JWT (Open Badges 3.0 §8.2)
    report = verify(signed)                  # or a JWT, a baked PNG/SVG, bytes or text
    report.valid, report.to_dict("fr")
    vp = sign_presentation(presentation([signed], holder=did), key, challenge="…", domain="…")
    verify_presentation(vp, challenge="…", domain="…").valid
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carnet.credentials import dataintegrity, schema
from carnet.credentials.did import Resolver
from carnet.credentials.errors import (
    BakingError,
    CredentialError,
    JsonLdError,
    KeyFormatError,
    ProofError,
    ResolutionError,
    SchemaError,
    StatusListError,
)
from carnet.credentials.jwt import sign_jwt
from carnet.credentials.keys import Ed25519Key
from carnet.credentials.presentation import PresentationReport, sign_presentation, verify_presentation
from carnet.credentials.report import Check, Status, VerificationReport
from carnet.credentials.verify import verify

__all__ = [
    "BakingError",
    "Check",
    "CredentialError",
    "Ed25519Key",
    "JsonLdError",
    "KeyFormatError",
    "PresentationReport",
    "ProofError",
    "ResolutionError",
    "Resolver",
    "SchemaError",
    "Status",
    "StatusListError",
    "VerificationReport",
    "sign",
    "sign_jwt",
    "sign_presentation",
    "verify",
    "verify_presentation",
]


def sign(
    document: dict[str, Any],
    key: Ed25519Key,
    *,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    validate: bool = True,
) -> dict[str, Any]:
    """``document`` with an ``eddsa-rdfc-2022`` proof added (a proof set if it already had one).

    An Open Badges 3.0 or CLR 2.0 document is checked against its official JSON Schema first
    (:class:`SchemaError` lists each problem with its JSON path); every document must be safe
    JSON-LD (:class:`JsonLdError`).
    """
    if not isinstance(document, dict) or "@context" not in document or "type" not in document:
        raise ProofError("only a JSON-LD document with @context and type can be signed")
    if validate and schema.has_schema(document):
        schema.check(document)
    return dataintegrity.add_proof(document, key, created=created, proof_purpose=proof_purpose)

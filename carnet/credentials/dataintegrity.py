"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C Data Integrity EdDSA
Cryptosuites v1.0 §3.3: Create Proof, Transformation, Hashing, Proof Configuration, Serialization,
Verify Proof; W3C VC Data Integrity 1.0 §2.1.2 proof sets).

hashData = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document without proof);
the signature is pure Ed25519 over hashData and ``proofValue`` is ``z`` + base58btc(signature).
Several proofs on one document form a proof set: each signs the document without any proof.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from carnet.credentials import rdfc
from carnet.credentials.contexts import DATA_INTEGRITY_V2, VC_V2
from carnet.credentials.did import Resolver, resolve_verification_method
from carnet.credentials.errors import JsonLdError, KeyFormatError, ProofError, ResolutionError
from carnet.credentials.jsonld import to_rdf
from carnet.credentials.keys import Ed25519Key, multibase_decode, multibase_encode
from carnet.credentials.memo import Memo, digest, json_text

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


def xsd_datetime(moment: datetime) -> str:
    """An aware datetime as an XML Schema dateTime in UTC, to the second: ``2026-11-22T10:00:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("datetimes written into credentials must be timezone-aware")
    # isoformat, not strftime: a third of the time, and four digits of year whatever the platform
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_xsd_datetime(value: Any) -> datetime | None:
    """Parse an XML Schema dateTime with a time zone; ``None`` when it is not one."""
    if not isinstance(value, str) or len(value) > 64 or "T" not in value:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment


def _without_proof(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


def _proof_configuration(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    config["@context"] = document.get("@context")
    return config


def _hash_data(document_hash: bytes, proof_config: dict[str, Any]) -> bytes:
    return canonical_hash(proof_config) + document_hash


def document_hash(document: dict[str, Any]) -> bytes:
    """SHA-256 of the canonical N-Quads of ``document`` without its proofs."""
    return canonical_hash(_without_proof(document))


_CANONICAL_HASHES = Memo(4096)


def canonical_hash(document: dict[str, Any]) -> bytes:
    """SHA-256 of the RDFC-1.0 canonical N-Quads of a JSON-LD document: a function of its JSON
    text, memoised by that text (:mod:`carnet.credentials.memo`). Raises :class:`JsonLdError` (and
    :class:`~carnet.credentials.rdfc.CanonicalizationLimitError`), never memoised."""
    text = json_text(document)
    if text is None:  # not JSON (e.g. a datetime inside): computed as given, not kept
        return _canonical_hash(document)
    key = digest("rdfc-1.0", text)
    found: bytes | None = _CANONICAL_HASHES.get(key)
    if found is None:
        found = _canonical_hash(json.loads(text))
        _CANONICAL_HASHES.put(key, found)
    return found


def _canonical_hash(document: dict[str, Any]) -> bytes:
    return hashlib.sha256(rdfc.canonicalize(to_rdf(document)).encode("utf-8")).digest()


def _with_suite_context(document: dict[str, Any]) -> dict[str, Any]:
    """VC 1.1 documents do not define DataIntegrityProof: add its context, as Data Integrity
    §2.1 ("Add Proof", step on @context) and the JavaScript reference do."""
    contexts = document.get("@context")
    context_list = contexts if isinstance(contexts, list) else [contexts]
    if VC_V2 in context_list or DATA_INTEGRITY_V2 in context_list:
        return document
    return {**document, "@context": [*context_list, DATA_INTEGRITY_V2]}


def proof_options(
    verification_method: str,
    *,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """A new proof's configuration, without its value (§3.3.1 "Create Proof", step 1)."""
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created or datetime.now(UTC)),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    return proof


def signing_input(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    """The hashData a key signs to add ``proof`` (its configuration, :func:`proof_options`) to
    ``document`` (§3.3.1 steps 2–4: transformation, proof configuration, hashing): the costly part
    of signing, which needs no key, so that it can run in another process
    (:mod:`carnet.credentials.pool`)."""
    document = _with_suite_context(document)
    # A document being signed is new: hashed as it is, not kept (the memo is for verifying again)
    return _hash_data(_canonical_hash(_without_proof(document)), _proof_configuration(document, proof))


def attach_proof(document: dict[str, Any], proof: dict[str, Any], signature: bytes) -> dict[str, Any]:
    """A copy of ``document`` with ``proof`` completed by ``signature`` (of its
    :func:`signing_input`): one more proof, a proof set if it had one."""
    document = _with_suite_context(document)
    proof = {**proof, "proofValue": multibase_encode(signature)}
    signed = dict(document)
    existing = document.get("proof")
    if existing is None:
        signed["proof"] = proof
    else:
        signed["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return signed


def add_proof(
    document: dict[str, Any],
    key: Ed25519Key,
    *,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with one more ``eddsa-rdfc-2022`` proof (a proof set if it had one)."""
    if not key.has_private_key:
        raise ProofError("this key has no private part: it can verify but not sign")
    proof = proof_options(
        key.id, created=created, proof_purpose=proof_purpose, challenge=challenge, domain=domain
    )
    return attach_proof(document, proof, key.sign(signing_input(document, proof)))


@dataclass(frozen=True, slots=True)
class ProofResult:
    """The outcome for one proof. ``check`` names what failed: proof, binding or signature."""

    ok: bool
    check: str
    message: str
    verification_method: str | None = None
    created: str | None = None


def proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def verify_proofs(
    document: dict[str, Any],
    resolver: Resolver,
    *,
    controller: str | None,
    proof_purpose: str = "assertionMethod",
    now: datetime | None = None,
    doc_hash: bytes | None = None,
) -> list[ProofResult]:
    """Verify every Data Integrity proof of ``document``.

    ``controller`` is who must control each verification method (the credential's issuer).
    ``doc_hash`` may be given when the caller already canonicalised the document.
    Never raises on hostile input: problems come back as failed results.
    """
    proofs = proofs_of(document)
    if not proofs:
        return [ProofResult(False, "proof", "the document has no proof")]
    if doc_hash is None:
        try:
            doc_hash = document_hash(document)
        except JsonLdError as exc:
            return [ProofResult(False, "jsonld", str(exc))]
    results = []
    for proof in proofs:
        results.append(_verify_one(document, proof, doc_hash, resolver, controller, proof_purpose, now))
    return results


def _verify_one(
    document: dict[str, Any],
    proof: Any,
    doc_hash: bytes,
    resolver: Resolver,
    controller: str | None,
    proof_purpose: str,
    now: datetime | None,
) -> ProofResult:
    if not isinstance(proof, dict):
        return ProofResult(False, "proof", "a proof must be a JSON object")
    method_id = proof.get("verificationMethod")
    method = method_id if isinstance(method_id, str) else None
    created = proof.get("created") if isinstance(proof.get("created"), str) else None

    def fail(check: str, message: str) -> ProofResult:
        return ProofResult(False, check, message, method, created)

    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return fail("proof", f"unsupported proof type {proof.get('type')!r} / {proof.get('cryptosuite')!r}")
    if proof.get("proofPurpose") != proof_purpose:
        return fail(
            "proof", f"the proof purpose is {proof.get('proofPurpose')!r}, expected {proof_purpose!r}"
        )
    if method is None:
        return fail("proof", "the proof has no verificationMethod")
    if "created" in proof and parse_xsd_datetime(proof["created"]) is None:
        return fail("proof", "the proof's creation date is not a valid date-time")
    if "expires" in proof:
        expires = parse_xsd_datetime(proof["expires"])
        if expires is None:
            return fail("proof", "the proof's expiry date is not a valid date-time")
        if expires < (now or datetime.now(UTC)):
            return fail("proof", "the proof has expired")
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        return fail("proof", "the proof has no proofValue")
    try:
        signature = multibase_decode(proof_value)
    except KeyFormatError:
        return fail("proof", "the proofValue is not base58btc multibase")
    if len(signature) != 64:
        return fail("signature", "the proofValue is not an Ed25519 signature")
    try:
        key = resolve_verification_method(resolver, method, purpose=proof_purpose)
    except ResolutionError as exc:
        return fail("binding", str(exc))
    if controller is not None and key.controller != controller:
        return fail("binding", f"the signing key belongs to {key.controller}, not to the issuer {controller}")
    try:
        hash_data = _hash_data(doc_hash, _proof_configuration(document, proof))
    except JsonLdError as exc:
        return fail("proof", f"the proof options are not valid JSON-LD: {exc}")
    if not key.verify(signature, hash_data):
        return fail("signature", "the signature does not match the document: it was changed after signing")
    return ProofResult(True, "signature", "the signature is valid", method, created)

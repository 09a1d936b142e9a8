"""Verifiable presentations: a holder's signed envelope around credentials (W3C VC Data Model 2.0
§4.13 "Verifiable Presentations", §4.13.1 "Enveloped Verifiable Credentials"; W3C VC Data Integrity
1.0 §2.1 "Proofs" (``challenge``, ``domain``), §2.2 "Proof Purposes" (``authentication``), §4.5
"Verify Proof" (the challenge and the domain the verifier expects must be those of the proof)).

:func:`sign_presentation` adds an ``eddsa-rdfc-2022`` proof with purpose ``authentication`` through
:func:`carnet.credentials.dataintegrity.add_proof`; :func:`verify_presentation` checks it through
:func:`carnet.credentials.dataintegrity.verify_proofs` (the one Data Integrity path: same
canonicalisation, same signature check), then verifies each embedded credential with
:func:`carnet.credentials.verify` (or the caller's wrapper of it). A credential may be embedded as
a JSON-LD document with its own proof, or enveloped as a VC-JWT (``EnvelopedVerifiableCredential``
with a ``data:application/vc+jwt,…`` id). Enveloped presentations (VP-JWT) are refused clearly.

Like :func:`~carnet.credentials.verify`, verification never raises on hostile input and never
fetches on its own: keys come from the :class:`~carnet.credentials.did.Resolver` given.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from carnet.credentials import dataintegrity, jsonsafe
from carnet.credentials.contexts import VC_V1, VC_V2
from carnet.credentials.did import Resolver
from carnet.credentials.errors import ProofError
from carnet.credentials.keys import Ed25519Key
from carnet.credentials.report import Check, Status, VerificationReport
from carnet.credentials.verify import MAX_DEPTH, MAX_INPUT_BYTES, check_contexts, depth_ok, verify

PRESENTATION_TYPE = "VerifiablePresentation"
ENVELOPED_PRESENTATION = "EnvelopedVerifiablePresentation"
ENVELOPED_CREDENTIAL = "EnvelopedVerifiableCredential"
PROOF_PURPOSE = "authentication"
MAX_CREDENTIALS = 20
# The media types of a VC-JWT inside an enveloped credential's data: URL.
JWT_MEDIA_TYPES = (
    "application/vc+jwt",
    "application/vc-ld+jwt",
    "application/vc+ld+json+jwt",
    "application/jwt",
)


def presentation(
    credentials: list[Any], *, holder: str | None = None, presentation_id: str | None = None
) -> dict[str, Any]:
    """An unsigned VerifiablePresentation (VC Data Model 2.0 §4.13) of ``credentials``."""
    document: dict[str, Any] = {"@context": [VC_V2], "type": [PRESENTATION_TYPE]}
    if presentation_id is not None:
        document["id"] = presentation_id
    if holder is not None:
        document["holder"] = holder
    if credentials:
        document["verifiableCredential"] = list(credentials)
    return document


def sign_presentation(
    document: dict[str, Any],
    key: Ed25519Key,
    *,
    challenge: str | None = None,
    domain: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """``document`` (a VerifiablePresentation) with an ``eddsa-rdfc-2022`` proof for
    ``authentication``, carrying the verifier's ``challenge`` and ``domain`` when given."""
    if not isinstance(document, dict) or PRESENTATION_TYPE not in _types(document):
        raise ProofError("only a JSON-LD document of type VerifiablePresentation can be signed as one")
    return dataintegrity.add_proof(
        document, key, created=created, proof_purpose=PROOF_PURPOSE, challenge=challenge, domain=domain
    )


@dataclass(slots=True)
class PresentationReport:
    """What :func:`verify_presentation` found: the presentation's own checks (format, contexts,
    proof, holder, challenge, domain, credentials) and the report of each credential inside."""

    checks: list[Check] = field(default_factory=list)
    presentation: dict[str, Any] | None = None
    credential_reports: list[VerificationReport] = field(default_factory=list)

    @property
    def presentation_valid(self) -> bool:
        """Whether the presentation itself (not counting its credentials) passed."""
        return bool(self.checks) and all(
            check.status != Status.FAILED for check in self.checks if check.name != "credentials"
        )

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(check.status != Status.FAILED for check in self.checks)

    def check(self, name: str) -> Check | None:
        for check in self.checks:
            if check.name == name:
                return check
        return None

    def failed(self) -> list[str]:
        return [check.name for check in self.checks if check.status == Status.FAILED]

    @property
    def holder_id(self) -> str | None:
        return _holder_id(self.presentation or {})

    def to_dict(self, language: str = "fr") -> dict[str, Any]:
        return {
            "valid": self.valid,
            "holder": self.holder_id,
            "checks": [check.to_dict(language) for check in self.checks],
            "credentials": [report.to_dict(language) for report in self.credential_reports],
        }


def _types(document: dict[str, Any]) -> list[Any]:
    kinds = document.get("type")
    return kinds if isinstance(kinds, list) else [kinds]


def _holder_id(document: dict[str, Any]) -> str | None:
    holder = document.get("holder")
    if isinstance(holder, dict):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def _read(data: Any) -> dict[str, Any] | None:
    if isinstance(data, dict):
        return data
    if isinstance(data, bytes | str):
        try:
            parsed = jsonsafe.loads(data, max_bytes=MAX_INPUT_BYTES, max_depth=MAX_DEPTH)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def enveloped_token(item: Any) -> str | None:
    """The VC-JWT inside an ``EnvelopedVerifiableCredential`` (VC Data Model 2.0 §4.13.1), if
    ``item`` is one with a ``data:`` URL of a JWT media type; None otherwise."""
    if not isinstance(item, dict) or ENVELOPED_CREDENTIAL not in _types(item):
        return None
    url = item.get("id")
    if not isinstance(url, str) or not url.startswith("data:") or "," not in url:
        return None
    media_type, _comma, token = url[len("data:") :].partition(",")
    if media_type.split(";", 1)[0].strip().lower() not in JWT_MEDIA_TYPES:
        return None
    return token


def verify_presentation(
    data: Any,
    *,
    resolver: Resolver | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    now: datetime | None = None,
    verify_credential: Callable[[Any], VerificationReport] | None = None,
) -> PresentationReport:
    """Verify a presentation and each credential in it. Never raises on bad input.

    ``challenge`` and ``domain``: what the verifier asked the holder to sign; when given, every
    proof must carry exactly them (a proof without them fails). ``verify_credential`` verifies one
    embedded credential (a JSON object or a VC-JWT); by default :func:`carnet.credentials.verify`
    with the same resolver and time.
    """
    resolver = resolver or Resolver()
    now = now or datetime.now(UTC)
    if verify_credential is None:

        def verify_credential(item: Any) -> VerificationReport:
            return verify(item, resolver=resolver, now=now)

    report = PresentationReport()
    try:
        _verify_into(report, data, resolver, challenge, domain, now, verify_credential)
    except Exception as exc:  # a verifier must answer, whatever it is given
        report.checks.append(
            Check(
                "format",
                Status.FAILED,
                "format.unreadable",
                {"reason": "unexpected content"},
                repr(exc)[:300],
            )
        )
    return report


def _verify_into(
    report: PresentationReport,
    data: Any,
    resolver: Resolver,
    challenge: str | None,
    domain: str | None,
    now: datetime,
    verify_credential: Callable[[Any], VerificationReport],
) -> None:
    checks = report.checks
    document = _read(data)
    if document is None or not depth_ok(document):
        checks.append(Check("format", Status.FAILED, "format.unreadable", {"reason": "not a JSON object"}))
        return
    if ENVELOPED_PRESENTATION in _types(document):
        checks.append(Check("format", Status.FAILED, "presentation.enveloped"))
        return
    contexts = document.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first not in (VC_V2, VC_V1) or PRESENTATION_TYPE not in _types(document):
        checks.append(Check("format", Status.FAILED, "presentation.not_presentation"))
        return
    report.presentation = document
    checks.append(Check("format", Status.PASSED, "presentation.ok"))
    document_hash = check_contexts(checks, document, is_jwt=False)
    _check_proofs(checks, document, resolver, document_hash, now)
    proofs = [proof for proof in dataintegrity.proofs_of(document) if isinstance(proof, dict)]
    _check_option(checks, "challenge", challenge, proofs)
    _check_option(checks, "domain", domain, proofs)
    _check_credentials(report, document, verify_credential)


def _check_proofs(
    checks: list[Check],
    document: dict[str, Any],
    resolver: Resolver,
    document_hash: bytes | None,
    now: datetime,
) -> None:
    holder = _holder_id(document)
    if not dataintegrity.proofs_of(document):
        checks.append(Check("proof", Status.FAILED, "presentation.unsigned"))
        checks.append(Check("holder", Status.SKIPPED, "holder.skipped"))
        return
    if document_hash is None:
        checks.append(Check("proof", Status.SKIPPED, "skipped.previous"))
        checks.append(Check("holder", Status.SKIPPED, "skipped.previous"))
        return
    results = dataintegrity.verify_proofs(
        document, resolver, controller=holder, proof_purpose=PROOF_PURPOSE, now=now, doc_hash=document_hash
    )
    failed_proof = [r for r in results if not r.ok and r.check != "binding"]
    failed_binding = [r for r in results if not r.ok and r.check == "binding"]
    if failed_proof:
        reason = failed_proof[0].message
        checks.append(Check("proof", Status.FAILED, "presentation.proof_failed", {"reason": reason}, reason))
        checks.append(Check("holder", Status.SKIPPED, "holder.skipped"))
        return
    if failed_binding:
        reason = failed_binding[0].message
        checks.append(Check("proof", Status.SKIPPED, "skipped.previous", {}, reason))
        checks.append(Check("holder", Status.FAILED, "holder.failed", {"reason": reason}, reason))
        return
    methods = ", ".join(r.verification_method or "" for r in results)
    checks.append(Check("proof", Status.PASSED, "presentation.proof_ok", {}, methods))
    if holder is None:
        checks.append(Check("holder", Status.WARNING, "holder.none", {}, methods))
    else:
        checks.append(Check("holder", Status.PASSED, "holder.ok", {"holder": holder}))


def _carries(value: Any, expected: str, name: str) -> bool:
    # Data Integrity §2.1: a domain may be one string or a set of strings; a challenge is one string.
    if name == "domain" and isinstance(value, list):
        return expected in value
    return isinstance(value, str) and value == expected


def _check_option(checks: list[Check], name: str, expected: str | None, proofs: list[dict[str, Any]]) -> None:
    if expected is None:
        outcome = Status.WARNING if name == "challenge" else Status.SKIPPED
        checks.append(Check(name, outcome, f"{name}.not_asked"))
        return
    missing = [proof.get(name) for proof in proofs if not _carries(proof.get(name), expected, name)]
    if not proofs or missing:
        found = json.dumps(missing[0] if missing else None)[:200]
        details = f"expected {json.dumps(expected)[:200]}, the proof has {found}"
        checks.append(Check(name, Status.FAILED, f"{name}.failed", {}, details))
    else:
        checks.append(Check(name, Status.PASSED, f"{name}.ok"))


def _check_credentials(
    report: PresentationReport,
    document: dict[str, Any],
    verify_credential: Callable[[Any], VerificationReport],
) -> None:
    value = document.get("verifiableCredential")
    items = [] if value is None else value if isinstance(value, list) else [value]
    if not items:
        report.checks.append(Check("credentials", Status.PASSED, "credentials.none"))
        return
    if len(items) > MAX_CREDENTIALS:
        params = {"count": len(items), "limit": MAX_CREDENTIALS}
        report.checks.append(Check("credentials", Status.FAILED, "credentials.too_many", params))
        return
    for item in items:
        token = enveloped_token(item)
        report.credential_reports.append(verify_credential(token if token is not None else item))
    failed = sum(1 for sub_report in report.credential_reports if not sub_report.valid)
    params = {"count": len(items), "failed": failed}
    if failed:
        report.checks.append(Check("credentials", Status.FAILED, "credentials.failed", params))
    else:
        report.checks.append(Check("credentials", Status.PASSED, "credentials.ok", params))

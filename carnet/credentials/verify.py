"""The one verification entry point (Open Badges 3.0 §9 "Verification and Validation"; VC Data
Model 2.0 §7 "Verification"; Bitstring Status List v1.0 §3.2 "Validate Algorithm").

:func:`verify` takes whatever a person may hand over — a JSON credential (text, bytes or parsed),
a VC-JWT, or a PNG or SVG image with a baked credential — and returns a
:class:`~carnet.credentials.report.VerificationReport`. It never raises on hostile input.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from carnet.credentials import baking, jsonsafe, rdfc, schema, status
from carnet.credentials import jwt as vcjwt
from carnet.credentials.contexts import CONTEXTS, VC_V1, VC_V2
from carnet.credentials.dataintegrity import canonical_hash, parse_xsd_datetime, proofs_of, verify_proofs
from carnet.credentials.did import Resolver
from carnet.credentials.errors import BakingError, CredentialError, JsonLdError, StatusListError
from carnet.credentials.report import Check, Status, VerificationReport

MAX_INPUT_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 48
MAX_ENDORSEMENTS = 50
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


class _Unreadable(Exception):
    def __init__(self, reason: str, code: str = "format.unreadable", **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.params = {"reason": reason, **params}


def _read(data: Any) -> tuple[dict[str, Any] | None, str | None, str, dict[str, Any]]:
    """(credential, jwt, format, params) from the raw input."""
    if isinstance(data, dict):
        return data, None, "json", {}
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        stripped = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        is_image = raw.startswith(b"\x89PNG") or stripped.startswith(b"<")
        limit = baking.MAX_IMAGE_BYTES if is_image else MAX_INPUT_BYTES
        if len(raw) > limit:
            raise _Unreadable("too large", "format.too_large", size=len(raw), limit=limit)
        if is_image:
            try:
                baked = baking.unbake(raw)
            except BakingError as exc:
                raise _Unreadable(str(exc)) from None
            if baked.version != "3.0":
                raise _Unreadable("Open Badges 2.0", "format.ob2")
            params = {"image_format": baked.format.upper()}
            if isinstance(baked.payload, str):
                return None, baked.payload, "baked-" + baked.format, params
            return baked.payload, None, "baked-" + baked.format, params
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Unreadable("not UTF-8 text, nor a PNG or SVG image") from None
    elif isinstance(data, str):
        text = data
    else:
        raise _Unreadable("unsupported input type")
    if len(text) > MAX_INPUT_BYTES:
        raise _Unreadable("too large", "format.too_large", size=len(text), limit=MAX_INPUT_BYTES)
    text = text.strip().lstrip("\ufeff")
    if text.startswith("{"):
        try:
            parsed = jsonsafe.loads(text, max_bytes=MAX_INPUT_BYTES, max_depth=MAX_DEPTH)
        except ValueError as exc:
            raise _Unreadable(f"invalid JSON ({exc})") from None
        if not isinstance(parsed, dict):
            raise _Unreadable("the JSON is not an object")
        return parsed, None, "json", {}
    if _JWS.match(text):
        return None, text, "jwt", {}
    raise _Unreadable("neither JSON, a VC-JWT, nor an image")


def depth_ok(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether containers nest at most ``limit`` deep (without recursion)."""
    level = [value]
    for _ in range(limit + 1):
        children: list[Any] = []
        for item in level:
            if type(item) is dict:
                children.extend(v for v in item.values() if type(v) is dict or type(v) is list)
            elif type(item) is list:
                children.extend(v for v in item if type(v) is dict or type(v) is list)
        if not children:
            return True
        level = children
    return False


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def verify(
    data: Any,
    *,
    resolver: Resolver | None = None,
    now: datetime | None = None,
    check_status: bool = True,
    _depth: int = 0,
) -> VerificationReport:
    """Verify a credential and report on each check. Never raises on bad input.

    ``resolver`` answers DIDs and status list URLs (did:key is resolved offline without one).
    ``now`` is the moment of verification (default: the current time).
    """
    report = VerificationReport()
    resolver = resolver or Resolver()
    now = now or datetime.now(UTC)
    try:
        _verify_into(report, data, resolver, now, check_status, _depth)
    except RecursionError:
        report.checks.append(
            Check("format", Status.FAILED, "format.unreadable", {"reason": "nested too deeply"})
        )
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
    report: VerificationReport,
    data: Any,
    resolver: Resolver,
    now: datetime,
    check_status: bool,
    depth: int,
) -> None:
    checks = report.checks
    try:
        credential, token, source_format, params = _read(data)
    except _Unreadable as exc:
        checks.append(Check("format", Status.FAILED, exc.code, exc.params, exc.reason))
        return
    report.source_format = source_format

    jwt_result = None
    if token is not None:
        jwt_result = vcjwt.verify_jwt(token, resolver)
        credential = jwt_result.credential
        if credential is None:
            checks.append(
                Check(
                    "format",
                    Status.FAILED,
                    "format.unreadable",
                    {"reason": jwt_result.message},
                    jwt_result.message,
                )
            )
            return
    assert credential is not None
    if not depth_ok(credential):
        checks.append(Check("format", Status.FAILED, "format.unreadable", {"reason": "nested too deeply"}))
        return
    if (
        not isinstance(credential.get("@context"), list | str)
        or "type" not in credential
        or "issuer" not in credential
    ):
        checks.append(Check("format", Status.FAILED, "format.not_credential"))
        return
    report.credential = credential
    code = "format.baked" if source_format.startswith("baked") else ("format.jwt" if token else "format.json")
    checks.append(Check("format", Status.PASSED, code, params))

    _check_schema(report, credential)
    document_hash = check_contexts(report.checks, credential, is_jwt=token is not None)
    issuer = _issuer_id(credential)
    if jwt_result is not None:
        _report_jwt_proof(report, jwt_result, issuer)
    else:
        _check_proofs(report, credential, resolver, issuer, document_hash, now)
    if check_status:
        _check_status(report, credential, resolver, issuer, now, depth)
    _check_validity(report, credential, now)
    _check_endorsements(report, credential, resolver, now, depth)


def _check_schema(report: VerificationReport, credential: dict[str, Any]) -> None:
    if not schema.has_schema(credential):
        types = credential.get("type")
        report.checks.append(Check("schema", Status.SKIPPED, "schema.none", {"types": json.dumps(types)}))
        return
    problems = schema.validate(credential)
    if not problems:
        name = schema.schema_name(credential)
        report.checks.append(Check("schema", Status.PASSED, "schema.ok", {"schema": name}))
        return
    listed = "; ".join(f"{p.path} : {p.message}" for p in problems[:8])
    report.checks.append(
        Check(
            "schema",
            Status.FAILED,
            "schema.failed",
            {"count": len(problems), "problems": listed},
            "\n".join(f"{p.path}: {p.message}" for p in problems),
        )
    )


def check_contexts(checks: list[Check], credential: dict[str, Any], *, is_jwt: bool) -> bytes | None:
    """Append the ``contexts`` check of a credential or presentation (every context bundled, the
    document safe JSON-LD) to ``checks``; the SHA-256 of its canonical form without proof, if any."""
    contexts = credential.get("@context")
    context_list = contexts if isinstance(contexts, list) else [contexts]
    problem = None
    if not context_list or context_list[0] not in (VC_V2, VC_V1):
        problem = f"the first context must be {VC_V2} (or {VC_V1} for VC 1.1 credentials)"
    else:
        for context in context_list:
            if not isinstance(context, str) or context not in CONTEXTS:
                problem = f"unknown context {str(context)[:200]!r}"
                break
    document_hash = None
    if problem is None:
        unsecured = {key: value for key, value in credential.items() if key != "proof"}
        try:
            document_hash = canonical_hash(unsecured)
        except (JsonLdError, rdfc.CanonicalizationLimitError) as exc:
            problem = str(exc)
    if problem is None:
        checks.append(Check("contexts", Status.PASSED, "contexts.ok"))
    else:
        # A VC-JWT signs the JSON bytes themselves: nothing unsigned can ride along.
        outcome = Status.WARNING if is_jwt else Status.FAILED
        checks.append(Check("contexts", outcome, "contexts.failed", {"reason": problem}, problem))
    return document_hash


def _report_jwt_proof(report: VerificationReport, result: vcjwt.JwtResult, issuer: str | None) -> None:
    checks = report.checks
    if result.ok:
        checks.append(Check("proof", Status.PASSED, "proof.ok", {}, f"VC-JWT signed by {result.key_id}"))
        checks.append(Check("binding", Status.PASSED, "binding.ok", {"issuer": issuer or "?"}))
    elif result.check == "binding":
        checks.append(Check("proof", Status.SKIPPED, "skipped.previous", {}, result.message))
        checks.append(
            Check("binding", Status.FAILED, "binding.failed", {"reason": result.message}, result.message)
        )
    else:
        checks.append(Check("proof", Status.FAILED, "proof.failed", {}, f"{result.check}: {result.message}"))
        checks.append(Check("binding", Status.SKIPPED, "binding.skipped"))


def _check_proofs(
    report: VerificationReport,
    credential: dict[str, Any],
    resolver: Resolver,
    issuer: str | None,
    document_hash: bytes | None,
    now: datetime,
) -> None:
    checks = report.checks
    if not proofs_of(credential):
        checks.append(Check("proof", Status.FAILED, "proof.missing"))
        checks.append(Check("binding", Status.SKIPPED, "binding.skipped"))
        return
    if document_hash is None:
        checks.append(Check("proof", Status.SKIPPED, "skipped.previous"))
        checks.append(Check("binding", Status.SKIPPED, "skipped.previous"))
        return
    results = verify_proofs(credential, resolver, controller=issuer, now=now, doc_hash=document_hash)
    failed_proof = [r for r in results if not r.ok and r.check in ("proof", "signature", "jsonld")]
    failed_binding = [r for r in results if not r.ok and r.check == "binding"]
    if failed_proof:
        first = failed_proof[0]
        code = "proof.unsupported" if first.check == "proof" else "proof.failed"
        checks.append(Check("proof", Status.FAILED, code, {"reason": first.message}, first.message))
    elif failed_binding:
        checks.append(Check("proof", Status.SKIPPED, "binding.skipped"))
    else:
        details = ", ".join(r.verification_method or "" for r in results)
        checks.append(Check("proof", Status.PASSED, "proof.ok", {}, details))
    if failed_binding:
        reason = failed_binding[0].message
        checks.append(Check("binding", Status.FAILED, "binding.failed", {"reason": reason}, reason))
    elif failed_proof:
        checks.append(Check("binding", Status.SKIPPED, "binding.skipped"))
    else:
        checks.append(Check("binding", Status.PASSED, "binding.ok", {"issuer": issuer or "?"}))


def _status_entries(credential: dict[str, Any]) -> list[Any]:
    entries = credential.get("credentialStatus")
    if entries is None:
        return []
    return entries if isinstance(entries, list) else [entries]


def _check_status(
    report: VerificationReport,
    credential: dict[str, Any],
    resolver: Resolver,
    issuer: str | None,
    now: datetime,
    depth: int,
) -> None:
    checks = report.checks
    entries = _status_entries(credential)
    if not entries:
        checks.append(Check("status", Status.PASSED, "status.none"))
        return
    for entry in entries[:8]:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            kind = entry.get("type") if isinstance(entry, dict) else type(entry).__name__
            reason = f"unsupported status type {kind!r}"
            checks.append(Check("status", Status.WARNING, "status.unavailable", {"reason": reason}, reason))
            return
        url = entry.get("statusListCredential")
        try:
            list_credential = resolver.resolve(url) if isinstance(url, str) else None
        except CredentialError as exc:
            checks.append(
                Check("status", Status.WARNING, "status.unavailable", {"reason": str(exc)}, str(exc))
            )
            return
        if not isinstance(list_credential, dict | str | bytes):
            reason = "no status list credential"
            checks.append(Check("status", Status.WARNING, "status.unavailable", {"reason": reason}, reason))
            return
        if depth < 2:
            list_report = verify(
                list_credential, resolver=resolver, now=now, check_status=False, _depth=depth + 1
            )
        else:
            list_report = VerificationReport()
        if not list_report.valid or list_report.credential is None:
            reason = "its signature or dates do not verify (" + ", ".join(list_report.failed()) + ")"
            checks.append(Check("status", Status.FAILED, "status.invalid", {"reason": reason}, reason))
            return
        if list_report.issuer_id != issuer:
            reason = "it was not published by the credential's issuer"
            checks.append(Check("status", Status.FAILED, "status.invalid", {"reason": reason}, reason))
            return
        try:
            flagged = status.read_status(list_report.credential, entry)
        except StatusListError as exc:
            checks.append(Check("status", Status.FAILED, "status.invalid", {"reason": str(exc)}, str(exc)))
            return
        if flagged and entry.get("statusPurpose") == "message":
            continue  # a status message is information for the holder, not a revocation
        if flagged:
            purpose = entry.get("statusPurpose")
            code = "status.suspended" if purpose == "suspension" else "status.revoked"
            checks.append(
                Check(
                    "status", Status.FAILED, code, {}, f"{purpose} bit set at {entry.get('statusListIndex')}"
                )
            )
            return
    checks.append(Check("status", Status.PASSED, "status.ok"))


def _format_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _check_validity(report: VerificationReport, credential: dict[str, Any], now: datetime) -> None:
    # VC Data Model 1.1 credentials (Open Badges 3.0.0 / 3.0.1 era) name them issuanceDate / expirationDate.
    legacy = (
        credential.get("@context", [None])[0] == VC_V1
        if isinstance(credential.get("@context"), list)
        else False
    )
    valid_from = parse_xsd_datetime(credential.get("issuanceDate" if legacy else "validFrom"))
    until_value = credential.get("expirationDate" if legacy else "validUntil")
    valid_until = parse_xsd_datetime(until_value) if until_value is not None else None
    if valid_from is None or (until_value is not None and valid_until is None):
        report.checks.append(Check("validity", Status.FAILED, "validity.invalid"))
        return
    if valid_until is not None and valid_until < valid_from:
        report.checks.append(
            Check("validity", Status.FAILED, "validity.invalid", {}, "validUntil < validFrom")
        )
        return
    if now < valid_from:
        report.checks.append(
            Check("validity", Status.FAILED, "validity.not_yet", {"valid_from": _format_date(valid_from)})
        )
        return
    if valid_until is not None and now > valid_until:
        report.checks.append(
            Check("validity", Status.FAILED, "validity.expired", {"valid_until": _format_date(valid_until)})
        )
        return
    until = ""
    if valid_until is not None:
        until = f" → {_format_date(valid_until)}"
    report.checks.append(
        Check(
            "validity", Status.PASSED, "validity.ok", {"valid_from": _format_date(valid_from), "until": until}
        )
    )


def _embedded_endorsements(credential: dict[str, Any]) -> list[tuple[Any, set[Any]]]:
    """Each endorsement the credential carries, with the ids of what it may be about (OB 3.0
    §B.1.1, §B.1.2, §B.1.25): one carried by the credential may be about the credential, its
    achievement or the profiles in it; one carried by the achievement or by the issuer, about it."""

    def ids(*objects: Any) -> set[Any]:
        return {obj.get("id") for obj in objects if isinstance(obj, dict) and obj.get("id") is not None}

    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    issuer = credential.get("issuer")
    creator = achievement.get("creator") if isinstance(achievement, dict) else None
    holders = [
        (
            credential,
            ids(credential, achievement, issuer, creator) | ({issuer} if isinstance(issuer, str) else set()),
        ),
        (achievement, ids(achievement)),
        (issuer, ids(issuer)),
    ]
    found: list[tuple[Any, set[Any]]] = []
    for holder, about in holders:
        if not isinstance(holder, dict):
            continue
        for key in ("endorsement", "endorsementJwt"):
            value = holder.get(key)
            if value is not None:
                found.extend((item, about) for item in (value if isinstance(value, list) else [value]))
    return found


def _endorsed_id(report: VerificationReport) -> Any:
    subject = (report.credential or {}).get("credentialSubject")
    return subject.get("id") if isinstance(subject, dict) else None


def _check_endorsements(
    report: VerificationReport, credential: dict[str, Any], resolver: Resolver, now: datetime, depth: int
) -> None:
    endorsements = _embedded_endorsements(credential)
    if not endorsements:
        report.checks.append(Check("endorsements", Status.PASSED, "endorsements.none"))
        return
    if depth >= 2 or len(endorsements) > MAX_ENDORSEMENTS:
        reason = "too many or too deeply nested endorsements"
        report.checks.append(
            Check(
                "endorsements",
                Status.WARNING,
                "endorsements.failed",
                {"failed": len(endorsements), "count": len(endorsements)},
                reason,
            )
        )
        return
    failed = 0
    for endorsement, about in endorsements:
        sub_report = verify(endorsement, resolver=resolver, now=now, _depth=depth + 1)
        endorsed = _endorsed_id(sub_report)
        if sub_report.valid and endorsed not in about:
            # A genuine endorsement of something else, copied in: it says nothing of this one
            sub_report.checks.append(
                Check(
                    "endorsement-subject", Status.FAILED, "endorsement.elsewhere", {"subject": str(endorsed)}
                )
            )
        report.endorsement_reports.append(sub_report)
        if not sub_report.valid:
            failed += 1
    params = {"count": len(endorsements), "failed": failed}
    if failed:
        report.checks.append(Check("endorsements", Status.WARNING, "endorsements.failed", params))
    else:
        report.checks.append(Check("endorsements", Status.PASSED, "endorsements.ok", params))

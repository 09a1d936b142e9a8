"""Carnet's verification reports as the W3C VC API's ``VerificationResult``.

A result reads ``{"verified", "checks", "warnings", "errors"}``: ``checks`` names the checks that
passed (``proof``, ``status``, ``validity``…), ``warnings`` and ``errors`` are problem details (RFC
9457 members ``type``, ``title``, ``detail``, plus Carnet's ``check``, ``code`` and the technical
``details``), typed with the error names of VC Data Model 2.0 §7.1 and Data Integrity §2.2.1 where
one fits, and ``report`` is Carnet's own report in full (what the verification page shows). A
presentation's result adds ``presentationResult`` (the presentation's own checks) and
``credentialResults`` (one result per credential, in order). Each credential's result carries
``issuerRecognition``, as ``POST /api/verification`` does (:mod:`carnet.trust.recognition`): null
until the report proved the signing key to be the issuer's.
"""

from __future__ import annotations

from typing import Any

from carnet.credentials.presentation import PresentationReport
from carnet.credentials.report import Check, Status, VerificationReport
from carnet.trust.recognition import Standing
from carnet.verification.verifier import proven_standing

VC = "https://www.w3.org/TR/vc-data-model#"
SECURITY = "https://w3id.org/security#"
PROBLEM_TYPES = {
    "format": VC + "PARSING_ERROR",
    "contexts": VC + "PARSING_ERROR",
    "schema": VC + "MALFORMED_VALUE_ERROR",
    "proof": SECURITY + "PROOF_VERIFICATION_ERROR",
    "binding": SECURITY + "PROOF_VERIFICATION_ERROR",
    "holder": SECURITY + "PROOF_VERIFICATION_ERROR",
    "challenge": SECURITY + "INVALID_CHALLENGE_ERROR",
    "domain": SECURITY + "INVALID_DOMAIN_ERROR",
    "validity": VC + "RANGE_ERROR",
}


def _problem(check: Check, language: str) -> dict[str, Any]:
    return {
        "type": PROBLEM_TYPES.get(check.name, "about:blank"),
        "title": check.title(language),
        "detail": check.message(language),
        "check": check.name,
        "code": check.code,
        "details": check.details[:2000],
    }


def _summary(checks: list[Check], language: str) -> dict[str, Any]:
    return {
        "checks": [check.name for check in checks if check.status == Status.PASSED],
        "warnings": [_problem(check, language) for check in checks if check.status == Status.WARNING],
        "errors": [_problem(check, language) for check in checks if check.status == Status.FAILED],
    }


def credential_result(
    report: VerificationReport, language: str, *, standing: Standing | None = None
) -> dict[str, Any]:
    """The VerificationResult of one credential; ``standing`` when the caller already has it (an
    :class:`~carnet.verification.verifier.Outcome`'s), else the report's proven one."""
    if standing is None:
        standing = proven_standing(report)
    return {
        "verified": report.valid,
        **_summary(report.checks, language),
        "issuerRecognition": standing.to_dict() if standing is not None else None,
        "report": report.to_dict(language),
    }


def presentation_result(report: PresentationReport, language: str) -> dict[str, Any]:
    """The VerificationResult of a presentation and of each credential in it."""
    own = [check for check in report.checks if check.name != "credentials"]
    return {
        "verified": report.valid,
        **_summary(report.checks, language),
        "presentationResult": {"verified": report.presentation_valid, **_summary(own, language)},
        "credentialResults": [credential_result(item, language) for item in report.credential_reports],
    }

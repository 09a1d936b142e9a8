"""Reading a badge that a learner earned elsewhere and adds to their carnet: what they handed over
(a JSON file, a VC-JWT, a baked PNG or SVG image, or an https address), verified by the platform's
one verifier (:mod:`carnet.verification.verifier`), and what of it the carnet keeps. No writes here:
:func:`carnet.portfolio.services.import_badge` saves.

Everything handed over is hostile until checked: 2 MiB at most, its kind told by content, an
address fetched only through the guarded fetcher, an image never shown but re-encoded from its
pixels (a baked PNG) or replaced by a neutral picture (an SVG, an address an issuer names).

What the carnet accepts is a badge (Open Badges 3.0 or 2.0) awarded to a person, whatever its
state: valid, valid with reservations, expired, not yet in force, suspended, revoked, not confirmed
for now, or an Open Badges 2.0 badge that nothing signs. It refuses what is not a badge, what was
altered, what nobody signed, what does not follow the standard, and — in the service — a badge
already in the carnet.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from carnet.credentials import model as ob
from carnet.verification import verifier
from carnet.verification.claims import text

MAX_BYTES = verifier.MAX_INPUT_BYTES

# Verdicts of carnet.verification.verifier that a carnet keeps, the state shown with the badge.
ACCEPTED = frozenset(
    {"valid", "valid_warnings", "expired", "not_yet", "revoked", "suspended", "ob2", "unconfirmed_issuer",
     "unconfirmed_status", "unsupported_proof"}
)  # fmt: skip
# A valid credential's verdicts: the ones that turn "expired" when the end date passes.
VALID = frozenset({"valid", "valid_warnings"})
# The verdicts reached only once the signature was checked and its key bound to the issuer named
# (carnet.verification.verifier.verdict_of: "proof" and "binding" passed): what is said about the
# badge afterwards (status, dates) does not change that the issuer signed these very words.
SIGNED = frozenset(
    {"valid", "valid_warnings", "expired", "not_yet", "revoked", "suspended", "unconfirmed_status"}
)  # fmt: skip


class ImportRefused(ValueError):
    """A badge the carnet does not take: ``message`` is for the learner (nothing was saved),
    ``details`` says why in English, ``code`` for programs and tests."""

    def __init__(self, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def _nothing_added(reason: str) -> str:
    return f"{reason} " + _("Rien n'a été ajouté à votre carnet.")


def refusal(outcome: verifier.Outcome) -> ImportRefused | None:
    """Why ``outcome`` cannot go in a carnet; None when it can."""
    verdict = outcome.verdict
    if not outcome.is_credential:
        details = outcome.report.checks[0].details if outcome.report.checks else ""
        return ImportRefused(verdict, _nothing_added(outcome.error_message()), details)
    if verdict == "ob2":
        badge = outcome.old_badge
        if badge is not None and badge.is_assertion:
            return None
        return ImportRefused(
            "not_awarded",
            _nothing_added(
                _(
                    "Ce document décrit un badge ou un émetteur : ce n'est pas un badge décerné à une personne."
                )
            ),
        )
    if verdict in ACCEPTED:
        return None
    if verdict == "valid_other":
        return ImportRefused(
            verdict,
            _nothing_added(
                _(
                    "Ce document est un justificatif numérique authentique, mais ce n'est pas un badge : "
                    "votre carnet ne reçoit que des badges Open Badges."
                )
            ),
        )
    details = next((check.details for check in outcome.report.checks if check.details), "")
    if verdict == "unsigned":
        reason = _(
            "Ce document n'est pas signé : rien ne prouve qui l'a émis ni qu'il est intact. Votre carnet ne "
            "reçoit que des badges signés par leur émetteur."
        )
    else:  # altered, nonconforming, invalid_dates
        reason = outcome.verdict_message()
    return ImportRefused(verdict, _nothing_added(reason), details)


@dataclass
class Handed:
    """A badge handed over and verified: the original as given (its form: json, jwt, png, svg), the
    address given and the one the credential was read from, and the verification's outcome."""

    original: bytes
    source: str
    outcome: verifier.Outcome
    source_url: str = ""
    fetched_from: str = ""


def source_of(data: bytes) -> str:
    """The form of what was handed over, by content: png, svg, json or jwt."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"<"):
        return "svg"
    if head.startswith(b"{"):
        return "json"
    return "jwt"


def hand_over(*, data: bytes | str | None = None, url: str | None = None) -> Handed:
    """Verify what the learner handed over: ``data`` (a file's bytes or a pasted text) or ``url``.
    Raises :class:`ImportRefused` with the reason when the carnet cannot take it."""
    if url is not None:
        try:
            retrieved = verifier.retrieve(url)
        except verifier.AddressError as exc:
            raise ImportRefused(f"url.{exc.code}", _nothing_added(exc.message()), exc.details) from None
        outcome = verifier.verify_retrieved(retrieved)
        handed = Handed(retrieved.data, source_of(retrieved.data), outcome, url.strip(), retrieved.url)
    else:
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data or b"")
        outcome = verifier.verify_data(raw)
        handed = Handed(raw, source_of(raw), outcome)
    problem = refusal(outcome)
    if problem is not None:
        raise problem
    return handed


def verify_again(original: bytes) -> verifier.Outcome:
    """The kept original verified now: its signature, its issuer's status list and its dates (for
    an Open Badges 2.0 badge, its hosted check at its address). The address it came from is not
    fetched again: what was verified stays what is kept."""
    return verifier.verify_data(original)


# -- what the carnet keeps -------------------------------------------------------------------------


def _subject(document: dict[str, Any]) -> dict[str, Any]:
    subject = document.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    return subject if isinstance(subject, dict) else {}


def credential_key(outcome: verifier.Outcome, original: bytes) -> str:
    """What tells one badge from another in a carnet: the credential's ``id`` (an Open Badges 2.0
    assertion's ``id``); for a document without one, a hash of the original."""
    identifier: str | None = None
    if outcome.old_badge is not None:
        identifier = outcome.old_badge.assertion_id
    elif outcome.report.credential is not None:
        identifier = text(outcome.report.credential.get("id"), 500)
    return identifier or "sha256:" + hashlib.sha256(original).hexdigest()


def document_of(handed: Handed) -> dict[str, Any]:
    """The credential as a JSON object: the document itself, a VC-JWT's payload, or an Open Badges
    2.0 assertion (only its address, for a baked hosted badge)."""
    outcome = handed.outcome
    if outcome.report.credential is not None:
        return outcome.report.credential
    badge = outcome.old_badge
    if badge is not None:
        from carnet.verification import ob2

        found = ob2.detect(handed.original)
        if found is not None and isinstance(found[0], dict):
            return found[0]
        return {"id": badge.assertion_id} if badge.assertion_id else {}
    return {}


def alignments_of(outcome: verifier.Outcome) -> list[dict[str, str]]:
    """The achievement's alignments (targetName, targetUrl, targetCode, targetFramework), as texts."""
    if outcome.old_badge is not None:
        return list(outcome.old_badge.alignments)
    achievement = _subject(outcome.report.credential or {}).get("achievement")
    alignments = achievement.get("alignment") if isinstance(achievement, dict) else None
    found = []
    for alignment in (alignments if isinstance(alignments, list) else [alignments])[:20]:
        if isinstance(alignment, dict):
            read = {
                name: text(alignment.get(name), 500)
                for name in ("targetName", "targetUrl", "targetCode", "targetFramework")
            }
            if any(read.values()):
                found.append({name: value for name, value in read.items() if value})
    return found


@dataclass
class Summary:
    """What the carnet's lists show of an imported badge (the page reads the document itself)."""

    issuer_id: str = ""
    issuer_name: str = ""
    name: str = ""
    description: str = ""
    criteria: str = ""
    criteria_url: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None


def summary_of(outcome: verifier.Outcome) -> Summary:
    badge, claims = outcome.old_badge, outcome.claims
    if badge is not None:
        return Summary(
            issuer_id=(badge.issuer_url or "")[:500], issuer_name=(badge.issuer_name or "")[:300],
            name=(badge.badge_name or "")[:300], description=badge.badge_description or "",
            criteria=badge.criteria or "", criteria_url=(badge.criteria_url or "")[:500],
            valid_from=badge.issued_on, valid_until=badge.expires,
        )  # fmt: skip
    if claims is None:
        return Summary()
    return Summary(
        issuer_id=claims.issuer_id or "", issuer_name=claims.issuer_name or "",
        name=claims.achievement_name or claims.title or "", description=claims.description or "",
        criteria=claims.criteria or "", criteria_url=claims.criteria_url or "",
        valid_from=claims.valid_from, valid_until=claims.valid_until,
    )  # fmt: skip


# -- the recipient ---------------------------------------------------------------------------------


def emails_of(user: Any) -> list[str]:
    """The learner's email addresses: their account's, and every other one they confirmed."""
    from allauth.account.models import EmailAddress

    emails = {user.email.strip().lower()}
    emails.update(
        address.strip().lower()
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    return sorted(emails)


def _matches(identity: dict[str, Any], emails: list[str]) -> bool:
    if identity.get("hashed") is not True:
        value = identity.get("identityHash")
        return isinstance(value, str) and value.strip().lower() in emails
    return any(ob.identity_matches(identity, email) for email in emails)


def recipient_of(outcome: verifier.Outcome, document: dict[str, Any], emails: list[str]) -> str:
    """Whether the badge was awarded to one of ``emails``: ``you``; to an email that is none of
    them: ``other``; to someone the carnet cannot check (a DID, a student number, nobody): ``unknown``."""
    identities: list[dict[str, Any]] = []
    badge = outcome.old_badge
    if badge is not None:
        if badge.recipient_type in ("email", None) and badge.recipient_identity:
            identities.append(
                {"identityType": "emailAddress", "hashed": badge.recipient_hashed,
                 "identityHash": badge.recipient_identity, "salt": badge.recipient_salt or ""}
            )  # fmt: skip
    else:
        subject = _subject(document)
        given = subject.get("identifier")
        for identity in (given if isinstance(given, list) else [given])[:20]:
            if isinstance(identity, dict) and identity.get("identityType") == "emailAddress":
                identities.append(identity)
        subject_id = subject.get("id")
        if isinstance(subject_id, str) and subject_id.lower().startswith("mailto:"):
            address = urllib.parse.unquote(subject_id[7:])
            identities.append({"identityType": "emailAddress", "hashed": False, "identityHash": address})
    if not identities:
        return "unknown"
    return "you" if any(_matches(identity, emails) for identity in identities) else "other"


# -- the image -------------------------------------------------------------------------------------

_DATA_PNG = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=\s]+)$")
MAX_EMBEDDED_IMAGE = 1024 * 1024


def image_of(handed: Handed) -> bytes | None:
    """The badge's picture, re-encoded by Pillow from its pixels alone (metadata, text chunks and
    the baked credential dropped): from a baked PNG, or from a PNG written into the credential
    itself (a ``data:`` URI). Never an SVG, never an address the credential names: None then."""
    if handed.source == "png":
        return verifier.reencoded_png(handed.original)
    achievement = _subject(handed.outcome.report.credential or {}).get("achievement")
    image = achievement.get("image") if isinstance(achievement, dict) else None
    image_id = image.get("id") if isinstance(image, dict) else image
    if not isinstance(image_id, str) or len(image_id) > MAX_EMBEDDED_IMAGE * 4 // 3 + 64:
        return None
    match = _DATA_PNG.match(image_id)
    if match is None:
        return None
    try:
        data = base64.b64decode(match.group(1), validate=False)
    except (binascii.Error, ValueError):
        return None
    return verifier.reencoded_png(data)


# -- where the badge goes in the carnet ------------------------------------------------------------


def competency_index() -> dict[str, Any]:
    """Every way an alignment may name a competency the platform knows, in a published framework:
    the address Carnet's own credentials write (``<site>/referentiels/<slug>/#<code>``, with or
    without a language prefix), its CASE identifier (``urn:uuid:<uuid>``, or the UUID as a code),
    and the public framework it corresponds to (``aligned_url``). Keys are normalised with
    :func:`_key`."""
    from carnet.frameworks.models import Competency
    from carnet.issuing.identity import absolute

    index: dict[str, Any] = {}
    competencies = (
        Competency.objects.filter(framework__status="published")
        .select_related("framework")
        .order_by("-framework__created_at", "order", "code")
    )
    for competency in competencies:
        framework_url = absolute(competency.framework.get_absolute_url())
        keys = [
            f"{framework_url}#{competency.code}",
            f"urn:uuid:{competency.uuid}",
            str(competency.uuid),
        ]
        if competency.aligned_url:
            keys.append(competency.aligned_url)
        for key in keys:
            index.setdefault(_key(key), competency)  # the newest framework version first
    return index


_UUID = re.compile(r"^(?:urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _key(value: str) -> str:
    """An address compared without its case in scheme and host, its language prefix, and a trailing
    slash before the fragment; a UUID compared in lower case."""
    value = value.strip()
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return value
    if parts.scheme.lower() not in ("http", "https"):
        return value.lower() if _UUID.match(value) else value
    path = re.sub(r"^/(?:en|fr)/", "/", parts.path or "/")
    return f"{parts.netloc.lower()}{path.rstrip('/')}#{parts.fragment}"


def competencies_of(alignments: list[dict[str, str]], index: dict[str, Any]) -> list[Any]:
    """The platform's competencies that ``alignments`` target (by targetUrl, or by a targetCode that
    is a CASE identifier), each once, in the alignments' order."""
    found: list[Any] = []
    for alignment in alignments:
        for value in (alignment.get("targetUrl"), alignment.get("targetCode")):
            competency = index.get(_key(value)) if value else None
            if competency is not None and competency not in found:
                found.append(competency)
                break
    return found

"""Open Badges 2.0 assertions, read and explained (Open Badges Specification v2.0, "Assertion",
"BadgeClass", "Profile", "IdentityObject", "VerificationObject"; "Badge Verification", hosted
verification; Baking Specification v2.0).

An Open Badges 2.0 badge is not a Verifiable Credential: most are *hosted*, which means that the
assertion lives at its ``id`` URL on the issuer's site, and checking it means fetching that URL
and finding the same assertion, not revoked. Carnet reads what the assertion says, does that hosted
check through the guarded fetcher when the address is a public https one, and says plainly that it
does not vouch for the content: no signature ties it to the issuer named. *Signed* 2.0 badges
(a JWS) are read without checking their signature.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.utils.translation import gettext as _

from carnet.credentials import baking, jsonsafe
from carnet.credentials.errors import BakingError, CredentialError, FetchError
from carnet.verification.claims import Evidence, text
from carnet.verification.fetching import MAX_CREDENTIAL_BYTES, Refused

OB2_CONTEXTS = ("https://w3id.org/openbadges/v2", "https://w3id.org/openbadges/v1")
MAX_BYTES = 2 * 1024 * 1024
ALIGNMENT_FIELDS = ("targetName", "targetUrl", "targetCode", "targetFramework")
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$")


def is_ob2(document: Any) -> bool:
    """Whether ``document`` is an Open Badges 2.0 (or 1.1) object, by its ``@context``."""
    if not isinstance(document, dict):
        return False
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    return any(isinstance(c, str) and c.rstrip("/") in OB2_CONTEXTS for c in contexts)


def _jws_payload(token: str) -> dict[str, Any] | None:
    match = _JWS.match(token.strip())
    if match is None:
        return None
    part = match.group(1)
    try:
        payload = jsonsafe.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)), max_bytes=MAX_BYTES)
    except (ValueError, CredentialError):
        return None
    return payload if isinstance(payload, dict) else None


def detect(data: bytes | str) -> tuple[dict[str, Any] | str, str] | None:
    """(payload, source) when ``data`` holds an Open Badges 2.0 badge, else None. ``payload`` is the
    assertion, or the URL of a hosted one (from a baked image); ``source``: json, jws, baked-png,
    baked-svg."""
    if isinstance(data, bytes):
        head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if data.startswith(b"\x89PNG") or head.startswith(b"<"):
            try:
                baked = baking.unbake(data)
            except BakingError:
                return None
            if baked.version != "2.0":
                return None
            payload = baked.payload
            if isinstance(payload, str) and _JWS.match(payload):
                payload = _jws_payload(payload) or payload
            return payload, f"baked-{baked.format}"
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    stripped = data.strip().lstrip("\ufeff")
    if stripped.startswith("{"):
        try:
            document = jsonsafe.loads(stripped, max_bytes=MAX_BYTES)
        except ValueError:
            return None
        return (document, "json") if is_ob2(document) else None
    payload = _jws_payload(stripped)
    if payload is not None and is_ob2(payload):
        return payload, "jws"
    return None


def _moment(value: Any) -> datetime | None:
    """An Open Badges 2.0 DateTime (ISO 8601, with or without a time zone) or a 1.x Unix time."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if 0 < value < 32503680000:  # before the year 3000
            return datetime.fromtimestamp(value, UTC)
        return None
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            day = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _host(url: Any) -> str | None:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


@dataclass
class HostedCheck:
    """The hosted verification: ``code`` is served, revoked, different, unavailable, refused,
    signed (a JWS badge: not checked) or none (the badge says no way to check it)."""

    code: str
    url: str = ""
    details: str = ""

    def message(self) -> str:
        return {
            "served": _(
                "L'adresse du badge, chez son émetteur, répond toujours avec ce même badge : "
                "l'émetteur ne l'a pas retiré."
            ),
            "revoked": _("L'émetteur a retiré ce badge : son adresse indique qu'il est révoqué."),
            "different": _(
                "L'adresse du badge répond avec un autre contenu que celui fourni : "
                "ne vous fiez pas à ce document."
            ),
            "unavailable": _(
                "L'adresse du badge n'a pas pu être consultée : impossible de dire s'il est toujours en place."
            ),
            "refused": _(
                "L'adresse du badge n'a pas été consultée : Carnet ne consulte que des adresses https "
                "publiques. Cette vérification n'a donc pas été faite."
            ),
            "signed": _(
                "Ce badge est signé à la manière d'Open Badges 2.0 : Carnet ne vérifie pas ce type de "
                "signature. Cette vérification n'a donc pas été faite."
            ),
            "none": _(
                "Ce badge n'indique aucune adresse où le vérifier : aucune vérification n'a été faite."
            ),
        }[self.code]


@dataclass
class Ob2Badge:
    """What an Open Badges 2.0 assertion says, and what its hosted check found."""

    source: str
    kind: str = ""
    assertion_id: str | None = None
    badge_id: str | None = None
    badge_name: str | None = None
    badge_description: str | None = None
    criteria: str | None = None
    criteria_url: str | None = None
    issuer_name: str | None = None
    issuer_url: str | None = None
    issued_on: datetime | None = None
    expires: datetime | None = None
    recipient_type: str | None = None
    recipient_hashed: bool = False
    recipient_identity: str | None = None
    recipient_salt: str | None = None  # not shown: for the holder's own check of a hashed identity
    narrative: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    verification_type: str | None = None
    revoked: bool = False
    hosted: HostedCheck = field(default_factory=lambda: HostedCheck("none"))
    alignments: list[dict[str, str]] = field(default_factory=list)  # the badge class's, as texts

    @property
    def is_assertion(self) -> bool:
        return self.kind == "Assertion"

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires < datetime.now(UTC)

    @property
    def on_issuer_site(self) -> bool | None:
        """Whether the assertion's address is on the issuer's site (None: not known)."""
        ours, theirs = _host(self.assertion_id), _host(self.issuer_url)
        if ours is None or theirs is None:
            return None
        return ours == theirs or ours.endswith("." + theirs)

    def to_record(self) -> dict[str, Any]:
        """Everything read, as JSON data to keep (:meth:`from_record` gives it back)."""
        record = asdict(self)
        record["issued_on"] = self.issued_on.isoformat() if self.issued_on else None
        record["expires"] = self.expires.isoformat() if self.expires else None
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Ob2Badge:
        fields = {name: value for name, value in record.items() if name in cls.__dataclass_fields__}
        fields["issued_on"] = _moment(record.get("issued_on"))
        fields["expires"] = _moment(record.get("expires"))
        fields["evidence"] = [Evidence(**item) for item in record.get("evidence") or []]
        fields["hosted"] = HostedCheck(**(record.get("hosted") or {"code": "none"}))
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "version": "2.0",
            "source": self.source,
            "type": self.kind,
            "id": self.assertion_id,
            "badge": {
                "id": self.badge_id,
                "name": self.badge_name,
                "description": self.badge_description,
                "criteria": self.criteria,
                "criteriaUrl": self.criteria_url,
            },
            "issuer": {"name": self.issuer_name, "url": self.issuer_url},
            "issuedOn": iso(self.issued_on),
            "expires": iso(self.expires),
            "expired": self.expired,
            "recipient": {
                "type": self.recipient_type,
                "hashed": self.recipient_hashed,
                "identity": None if self.recipient_hashed else self.recipient_identity,
            },
            "verificationType": self.verification_type,
            "revoked": self.revoked,
            "onIssuerSite": self.on_issuer_site,
            "hostedCheck": {
                "code": self.hosted.code,
                "message": self.hosted.message(),
                "url": self.hosted.url or None,
                "details": self.hosted.details,
            },
        }


def _types(document: dict[str, Any]) -> list[str]:
    kind = document.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [k for k in kinds if isinstance(k, str)]


def _fetch(fetcher: Any, url: Any) -> dict[str, Any] | None:
    """The document at ``url`` if it can be fetched safely; None otherwise (never raises)."""
    if not isinstance(url, str):
        return None
    try:
        document = fetcher.get_json(url)
    except (CredentialError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _evidence(value: Any) -> list[Evidence]:
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items[:20]:
        if isinstance(item, str):
            found.append(Evidence(url=text(item, 500)))
        elif isinstance(item, dict):
            found.append(
                Evidence(
                    name=text(item.get("name"), 300),
                    description=text(item.get("description")),
                    narrative=text(item.get("narrative")),
                    url=text(item.get("id"), 500),
                )
            )
    return [item for item in found if any((item.name, item.description, item.narrative, item.url))]


def _same_assertion(given: dict[str, Any], served: dict[str, Any]) -> bool:
    """Whether the hosted copy says what the given one says (recipient, badge, date)."""

    def badge_of(document: dict[str, Any]) -> Any:
        badge = document.get("badge")
        return badge.get("id") if isinstance(badge, dict) else badge

    def identity_of(document: dict[str, Any]) -> Any:
        recipient = document.get("recipient")
        return recipient.get("identity") if isinstance(recipient, dict) else recipient

    return (
        given.get("id") == served.get("id")
        and identity_of(given) == identity_of(served)
        and badge_of(given) == badge_of(served)
        and _moment(given.get("issuedOn")) == _moment(served.get("issuedOn"))
    )


def _hosted_check(badge: Ob2Badge, assertion: dict[str, Any], fetcher: Any) -> HostedCheck:
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    badge.verification_type = text(kind, 40)
    if kind in ("signed", "SignedBadge") or badge.source == "jws":
        return HostedCheck("signed")
    url = assertion.get("id")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return HostedCheck("none")
    try:
        served = fetcher.get_json(url, max_bytes=MAX_CREDENTIAL_BYTES)
    except Refused as exc:
        return HostedCheck("refused", url, str(exc))
    except FetchError as exc:
        code = "revoked" if "HTTP 410" in str(exc) else "unavailable"
        return HostedCheck(code, url, str(exc))
    if not isinstance(served, dict):
        return HostedCheck("different", url, "the address does not serve a JSON object")
    if served.get("revoked") is True:
        return HostedCheck("revoked", url, text(served.get("revocationReason"), 300) or "")
    if not _same_assertion(assertion, served):
        return HostedCheck("different", url, "the assertion served differs (id, recipient, badge or date)")
    return HostedCheck("served", url)


def explain(
    payload: dict[str, Any] | str, source: str, fetcher: Any, *, fetched_from: str | None = None
) -> Ob2Badge:
    """What the Open Badges 2.0 ``payload`` says, with its badge class and issuer fetched through
    ``fetcher`` when they are given by URL, and its hosted check. ``fetched_from``: the URL the
    assertion was just fetched from (then that fetch was the hosted check)."""
    badge = Ob2Badge(source=source)
    if isinstance(payload, str) and not payload.startswith(("https://", "http://")):
        badge.hosted = HostedCheck("signed")  # a signed badge whose payload could not be read
        return badge
    if isinstance(payload, str):  # a baked hosted badge carries the assertion's URL
        badge.assertion_id = text(payload, 2048)
        try:
            fetched = fetcher.get_json(payload, max_bytes=MAX_CREDENTIAL_BYTES)
        except Refused as exc:
            badge.hosted = HostedCheck("refused", payload, str(exc))
            return badge
        except FetchError as exc:
            code = "revoked" if "HTTP 410" in str(exc) else "unavailable"
            badge.hosted = HostedCheck(code, payload, str(exc))
            return badge
        if not isinstance(fetched, dict):
            badge.hosted = HostedCheck("different", payload, "the address does not serve a JSON object")
            return badge
        payload, fetched_from = fetched, payload
    assertion = payload
    kinds = _types(assertion)
    badge.kind = "Assertion" if "Assertion" in kinds or "assertion" in kinds else (kinds[0] if kinds else "")
    if not kinds and "badge" in assertion and "recipient" in assertion:
        badge.kind = "Assertion"  # Open Badges 1.1 assertions may leave their type out
    if not badge.is_assertion:
        _read_badge_class(badge, assertion, fetcher)
        return badge
    badge.assertion_id = text(assertion.get("id"), 2048)
    badge.issued_on = _moment(assertion.get("issuedOn"))
    badge.expires = _moment(assertion.get("expires"))
    badge.narrative = text(assertion.get("narrative"))
    badge.evidence = _evidence(assertion.get("evidence"))
    badge.revoked = assertion.get("revoked") is True
    recipient = assertion.get("recipient")
    if isinstance(recipient, dict):
        badge.recipient_type = text(recipient.get("type"), 40)
        badge.recipient_hashed = recipient.get("hashed") is True
        badge.recipient_identity = text(recipient.get("identity"), 300)
        badge.recipient_salt = text(recipient.get("salt"), 300)
    badge_class = assertion.get("badge")
    if isinstance(badge_class, str):
        badge.badge_id = text(badge_class, 2048)
        badge_class = _fetch(fetcher, badge_class)
    if isinstance(badge_class, dict):
        _read_badge_class(badge, badge_class, fetcher)
    if badge.revoked:
        badge.hosted = HostedCheck("revoked", badge.assertion_id or "")
    elif fetched_from is not None:
        served = badge.assertion_id == fetched_from
        badge.hosted = HostedCheck(
            "served" if served else "different",
            fetched_from,
            "" if served else "the assertion's id is not the address it was fetched from",
        )
        verification = assertion.get("verification")
        badge.verification_type = (
            text(verification.get("type"), 40) if isinstance(verification, dict) else None
        )
    else:
        badge.hosted = _hosted_check(badge, assertion, fetcher)
    return badge


def _read_badge_class(badge: Ob2Badge, badge_class: dict[str, Any], fetcher: Any) -> None:
    badge.badge_id = badge.badge_id or text(badge_class.get("id"), 2048)
    badge.badge_name = text(badge_class.get("name"), 300)
    badge.badge_description = text(badge_class.get("description"))
    alignments = badge_class.get("alignment")
    for alignment in alignments if isinstance(alignments, list) else [alignments]:
        if isinstance(alignment, dict):
            read = {name: text(alignment.get(name), 500) for name in ALIGNMENT_FIELDS}
            if any(read.values()):
                badge.alignments.append({name: value for name, value in read.items() if value})
        if len(badge.alignments) >= 20:
            break
    criteria = badge_class.get("criteria")
    if isinstance(criteria, str):
        badge.criteria_url = text(criteria, 2048)
    elif isinstance(criteria, dict):
        badge.criteria = text(criteria.get("narrative"))
        badge.criteria_url = text(criteria.get("id"), 2048)
    issuer = badge_class.get("issuer")
    if isinstance(issuer, str):
        badge.issuer_url = text(issuer, 2048)
        issuer = _fetch(fetcher, issuer)
    if isinstance(issuer, dict):
        badge.issuer_name = text(issuer.get("name"), 300)
        badge.issuer_url = text(issuer.get("url"), 2048) or text(issuer.get("id"), 2048) or badge.issuer_url

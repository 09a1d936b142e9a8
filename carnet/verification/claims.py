"""What an Open Badges 3.0 credential says, read for a person (Open Badges 3.0 §B.1.1
"AchievementCredential", §B.1.2 "AchievementSubject", §B.1.3 "Achievement", §B.1.8 "Criteria",
§B.1.12 "EndorsementCredential", §B.1.17 "Evidence", §B.1.20 "IdentityObject", §B.1.25 "Profile",
§B.1.27 "Result").

Every value comes from a document anyone could have written: each is taken only if it has the
expected JSON type, and texts are cut to a length a page can show. Nothing here is ever marked safe:
the templates escape it all. Reading does not mean believing: the verification report says whether
the issuer really signed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from carnet.credentials.dataintegrity import parse_xsd_datetime
from carnet.credentials.report import VerificationReport

MAX_TEXT = 4000
MAX_ITEMS = 20


def text(value: Any, limit: int = MAX_TEXT) -> str | None:
    """``value`` if it is a non-blank string, cut to ``limit`` characters; None otherwise."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value:
        return None
    return value if len(value) <= limit else value[:limit] + "…"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else ([] if value is None else [value])
    return items[:MAX_ITEMS]


def _types(document: dict[str, Any]) -> list[str]:
    return [kind for kind in _list(document.get("type")) if isinstance(kind, str)]


@dataclass
class Evidence:
    name: str | None = None
    description: str | None = None
    narrative: str | None = None
    url: str | None = None


@dataclass
class Competency:
    name: str
    code: str | None = None
    framework: str | None = None


@dataclass
class Endorsement:
    """An endorsement embedded in the credential, and whether it verified on its own."""

    issuer_name: str | None
    name: str | None
    comment: str | None
    valid: bool


@dataclass
class Claims:
    kinds: list[str] = field(default_factory=list)
    credential_id: str | None = None
    title: str | None = None
    achievement_name: str | None = None
    achievement_type: str | None = None
    description: str | None = None
    criteria: str | None = None
    criteria_url: str | None = None
    competencies: list[Competency] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    issuer_id: str | None = None
    issuer_name: str | None = None
    issuer_url: str | None = None
    recipient_name: str | None = None
    recipient_id: str | None = None
    recipient_hashed: bool = False
    recipient_identifiers: list[tuple[str, str]] = field(default_factory=list)  # (type, value) in clear
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    awarded: datetime | None = None
    evidence: list[Evidence] = field(default_factory=list)
    endorsements: list[Endorsement] = field(default_factory=list)

    @property
    def is_badge(self) -> bool:
        return bool({"OpenBadgeCredential", "AchievementCredential"} & set(self.kinds))

    @property
    def expired(self) -> bool:
        """Past ``validUntil`` now (a report kept in cache may be older than its credential's end)."""
        return self.valid_until is not None and self.valid_until < datetime.now(UTC)


def _levels(subject: dict[str, Any], achievement: dict[str, Any]) -> list[str]:
    """The levels the results say were reached, named from the achievement's rubrics."""
    names: dict[str, str] = {}
    for description in _list(achievement.get("resultDescription")):
        described = _dict(description)
        competency = text(described.get("name"), 200)
        for level in _list(described.get("rubricCriterionLevel")):
            level = _dict(level)
            name, level_id = text(level.get("name"), 200), level.get("id")
            if name and isinstance(level_id, str):
                names[level_id] = f"{competency} — {name}" if competency else name
    found = []
    for result in _list(subject.get("result")):
        result = _dict(result)
        achieved = result.get("achievedLevel")
        if isinstance(achieved, str) and achieved in names:
            found.append(names[achieved])
        elif value := text(result.get("value"), 200):
            found.append(value)
    return found


def _evidence(credential: dict[str, Any]) -> list[Evidence]:
    found = []
    for item in _list(credential.get("evidence")):
        item = _dict(item)
        evidence = Evidence(
            name=text(item.get("name"), 300),
            description=text(item.get("description")),
            narrative=text(item.get("narrative")),
            url=text(item.get("id"), 500),
        )
        if any((evidence.name, evidence.description, evidence.narrative, evidence.url)):
            found.append(evidence)
    return found


def _endorsements(report: VerificationReport) -> list[Endorsement]:
    found = []
    for endorsement_report in report.endorsement_reports[:MAX_ITEMS]:
        document = endorsement_report.credential or {}
        issuer = _dict(document.get("issuer"))
        subject = _dict(document.get("credentialSubject"))
        found.append(
            Endorsement(
                issuer_name=text(issuer.get("name"), 300) or text(document.get("issuer"), 300),
                name=text(document.get("name"), 300),
                comment=text(subject.get("endorsementComment")),
                valid=endorsement_report.valid,
            )
        )
    return found


def read(credential: dict[str, Any], report: VerificationReport) -> Claims:
    """What ``credential`` (checked by ``report``) says."""
    subject = _dict(credential.get("credentialSubject"))
    if isinstance(credential.get("credentialSubject"), list):
        subject = _dict(credential["credentialSubject"][0] if credential["credentialSubject"] else None)
    achievement = _dict(subject.get("achievement"))
    criteria = _dict(achievement.get("criteria"))
    issuer = credential.get("issuer")
    issuer_profile = _dict(issuer)
    legacy = "issuanceDate" in credential and "validFrom" not in credential  # VC 1.1 names
    claims = Claims(
        kinds=_types(credential),
        credential_id=text(credential.get("id"), 500),
        title=text(credential.get("name"), 300),
        achievement_name=text(achievement.get("name"), 300),
        achievement_type=text(achievement.get("achievementType"), 100),
        description=text(achievement.get("description")) or text(credential.get("description")),
        criteria=text(criteria.get("narrative")),
        criteria_url=text(criteria.get("id"), 500),
        issuer_id=text(issuer_profile.get("id"), 500) or text(issuer, 500),
        issuer_name=text(issuer_profile.get("name"), 300),
        issuer_url=text(issuer_profile.get("url"), 500),
        recipient_name=text(subject.get("name"), 300),
        recipient_id=text(subject.get("id"), 500),
        valid_from=parse_xsd_datetime(credential.get("issuanceDate" if legacy else "validFrom")),
        valid_until=parse_xsd_datetime(credential.get("expirationDate" if legacy else "validUntil")),
        awarded=parse_xsd_datetime(credential.get("awardedDate")),
        evidence=_evidence(credential),
        endorsements=_endorsements(report),
        levels=_levels(subject, achievement),
    )
    for alignment in _list(achievement.get("alignment")):
        alignment = _dict(alignment)
        if name := text(alignment.get("targetName"), 300):
            claims.competencies.append(
                Competency(
                    name, text(alignment.get("targetCode"), 100), text(alignment.get("targetFramework"), 300)
                )
            )
    for identifier in _list(subject.get("identifier")):
        identifier = _dict(identifier)
        kind, value = text(identifier.get("identityType"), 60), text(identifier.get("identityHash"), 300)
        if identifier.get("hashed") is True:
            claims.recipient_hashed = True
        elif kind and value:
            if kind == "name" and not claims.recipient_name:
                claims.recipient_name = value
            else:
                claims.recipient_identifiers.append((kind, value))
    return claims

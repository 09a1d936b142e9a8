"""Open Badges 3.0 and CLR 2.0 documents (Open Badges Specification v3.0 §B.1 "Credentials":
OpenBadgeCredential/AchievementCredential, Achievement, AchievementSubject, Alignment, Criteria,
Evidence, IdentityObject, Image, Profile, ResultDescription, EndorsementCredential; Comprehensive
Learner Record v2.0 §B.1: ClrCredential, ClrSubject, Association).

Plain functions that return JSON-ready dictionaries, leaving out what is not given. They write
what the specifications require and validate nothing themselves: :func:`carnet.credentials.sign`
checks every document against the official JSON Schema before signing it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from carnet.credentials.contexts import CLR_V2P0, OB_V3P0, VC_V2
from carnet.credentials.dataintegrity import xsd_datetime

OB_CONTEXT = [VC_V2, OB_V3P0]
CLR_CONTEXT = [VC_V2, CLR_V2P0, OB_V3P0]

ACHIEVEMENT_TYPES = frozenset(
    {
        "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree",
        "Award", "Badge", "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification",
        "CommunityService", "Competency", "Course", "CoCurricular", "Degree", "Diploma",
        "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment", "JourneymanCertificate",
        "LearningProgram", "License", "Membership", "ProfessionalDoctorate", "QualityAssuranceCredential",
        "MasterCertificate", "MasterDegree", "MicroCredential", "ResearchDoctorate", "SecondarySchoolDiploma",
    }
)  # fmt: skip


def new_id() -> str:
    """A fresh ``urn:uuid:`` identifier."""
    return f"urn:uuid:{uuid.uuid4()}"


def _clean(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value not in (None, [], "")}


def image(url: str, *, caption: str | None = None) -> dict[str, Any]:
    return _clean({"id": url, "type": "Image", "caption": caption})


def profile(
    profile_id: str,
    name: str,
    *,
    url: str | None = None,
    email: str | None = None,
    description: str | None = None,
    image_url: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An issuer or creator ``Profile``."""
    return _clean(
        {
            "id": profile_id,
            "type": ["Profile"],
            "name": name,
            "url": url,
            "email": email,
            "description": description,
            "image": image(image_url) if image_url else None,
            **(extra or {}),
        }
    )


def identity_object(
    identity: str, *, identity_type: str = "emailAddress", salt: str | None = None
) -> dict[str, Any]:
    """A salted-hash ``IdentityObject``: ``sha256$`` + hex(SHA-256(identity ‖ salt)).

    An email is lower-cased and stripped first so that the holder can prove it later.
    """
    if identity_type == "emailAddress":
        identity = identity.strip().lower()
    salt = salt if salt is not None else secrets.token_hex(16)
    digest = hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": identity_type,
        "hashed": True,
        "salt": salt,
    }


def identity_matches(identity_obj: Mapping[str, Any], identity: str) -> bool:
    """Whether ``identity`` is the one an ``IdentityObject`` stands for."""
    if identity_obj.get("identityType") == "emailAddress":
        identity = identity.strip().lower()
    expected = identity_obj.get("identityHash")
    if not identity_obj.get("hashed"):
        return expected == identity
    salt = identity_obj.get("salt") or ""
    if not isinstance(expected, str) or not isinstance(salt, str):
        return False
    algorithm, _, value = expected.partition("$")
    if algorithm == "sha256":
        return secrets.compare_digest(hashlib.sha256((identity + salt).encode()).hexdigest(), value)
    if algorithm == "md5":  # allowed by the specification for older systems
        return secrets.compare_digest(
            hashlib.md5((identity + salt).encode(), usedforsecurity=False).hexdigest(), value
        )
    return False


def criteria(narrative: str | None = None, *, criteria_id: str | None = None) -> dict[str, Any]:
    if not narrative and not criteria_id:
        raise ValueError("criteria need a narrative or an id")
    return _clean({"id": criteria_id, "narrative": narrative})


def alignment(
    target_name: str,
    target_url: str,
    *,
    target_code: str | None = None,
    target_description: str | None = None,
    target_framework: str | None = None,
    target_type: str | None = None,
) -> dict[str, Any]:
    """An ``Alignment`` to a competency of a framework (``targetType`` e.g. ``ceasn:Competency``)."""
    return _clean(
        {
            "type": ["Alignment"],
            "targetName": target_name,
            "targetUrl": target_url,
            "targetCode": target_code,
            "targetDescription": target_description,
            "targetFramework": target_framework,
            "targetType": target_type,
        }
    )


def rubric_level(level_id: str, name: str, *, description: str | None = None) -> dict[str, Any]:
    return _clean(
        {"id": level_id, "type": ["RubricCriterionLevel"], "name": name, "description": description}
    )


def result_description(
    description_id: str,
    name: str,
    *,
    result_type: str = "RubricCriterionLevel",
    levels: Sequence[Mapping[str, Any]] = (),
    required_level: str | None = None,
    allowed_values: Sequence[str] = (),
) -> dict[str, Any]:
    """A ``ResultDescription``: how a result is expressed, for example a scale of proficiency levels."""
    return _clean(
        {
            "id": description_id,
            "type": ["ResultDescription"],
            "name": name,
            "resultType": result_type,
            "rubricCriterionLevel": list(levels),
            "requiredLevel": required_level,
            "allowedValue": list(allowed_values),
        }
    )


def result(
    result_description_id: str, *, achieved_level: str | None = None, value: str | None = None
) -> dict[str, Any]:
    return _clean(
        {
            "type": ["Result"],
            "resultDescription": result_description_id,
            "achievedLevel": achieved_level,
            "value": value,
        }
    )


def achievement(
    achievement_id: str,
    name: str,
    description: str,
    criteria_: Mapping[str, Any],
    *,
    achievement_type: str | None = None,
    alignments: Iterable[Mapping[str, Any]] = (),
    image_url: str | None = None,
    tags: Iterable[str] = (),
    creator: Mapping[str, Any] | None = None,
    result_descriptions: Iterable[Mapping[str, Any]] = (),
    human_code: str | None = None,
    version: str | None = None,
    in_language: str | None = None,
    field_of_study: str | None = None,
    credits_available: float | None = None,
    endorsements: Iterable[Mapping[str, Any]] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An ``Achievement``: what a micro-credential recognises, with its criteria (§B.1.1;
    ``creditsAvailable`` is a Float: the credits a holder earns)."""
    if (
        achievement_type is not None
        and achievement_type not in ACHIEVEMENT_TYPES
        and not achievement_type.startswith("ext:")
    ):
        raise ValueError(f"unknown achievementType {achievement_type!r} (extensions start with 'ext:')")
    return _clean(
        {
            "id": achievement_id,
            "type": ["Achievement"],
            "achievementType": achievement_type,
            "name": name,
            "description": description,
            "criteria": dict(criteria_),
            "alignment": [dict(a) for a in alignments],
            "image": image(image_url) if image_url else None,
            "tag": list(tags),
            "creator": dict(creator) if creator else None,
            "resultDescription": [dict(r) for r in result_descriptions],
            "humanCode": human_code,
            "version": version,
            "inLanguage": in_language,
            "fieldOfStudy": field_of_study,
            "creditsAvailable": credits_available,
            "endorsement": [dict(e) for e in endorsements],
            **(extra or {}),
        }
    )


def achievement_subject(
    achievement_: Mapping[str, Any],
    *,
    subject_id: str | None = None,
    identifiers: Iterable[Mapping[str, Any]] = (),
    results: Iterable[Mapping[str, Any]] = (),
    activity_start: datetime | None = None,
    activity_end: datetime | None = None,
) -> dict[str, Any]:
    """The ``AchievementSubject``: who holds the achievement (a DID or URL, or hashed identities)."""
    identifier_list = [dict(i) for i in identifiers]
    if not subject_id and not identifier_list:
        raise ValueError("a subject needs an id (DID or URL) or at least one IdentityObject")
    return _clean(
        {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": identifier_list,
            "achievement": dict(achievement_),
            "result": [dict(r) for r in results],
            "activityStartDate": xsd_datetime(activity_start) if activity_start else None,
            "activityEndDate": xsd_datetime(activity_end) if activity_end else None,
        }
    )


def evidence(
    *,
    narrative: str | None = None,
    evidence_id: str | None = None,
    name: str | None = None,
    description: str | None = None,
    genre: str | None = None,
    audience: str | None = None,
) -> dict[str, Any]:
    """``Evidence`` of what the person did: a URL, a narrative, or both."""
    if not narrative and not evidence_id:
        raise ValueError("evidence needs a narrative or an id (URL)")
    return _clean(
        {
            "id": evidence_id,
            "type": ["Evidence"],
            "narrative": narrative,
            "name": name,
            "description": description,
            "genre": genre,
            "audience": audience,
        }
    )


def open_badge_credential(
    *,
    issuer: Mapping[str, Any],
    subject: Mapping[str, Any],
    valid_from: datetime,
    name: str,
    credential_id: str | None = None,
    valid_until: datetime | None = None,
    description: str | None = None,
    evidence_: Iterable[Mapping[str, Any]] = (),
    credential_status: Mapping[str, Any] | None = None,
    endorsements: Iterable[Mapping[str, Any]] = (),
    image_url: str | None = None,
    awarded_date: datetime | None = None,
) -> dict[str, Any]:
    """An unsigned ``OpenBadgeCredential`` (Open Badges 3.0 allows one ``credentialStatus``)."""
    status = dict(credential_status) if credential_status is not None else None
    return _clean(
        {
            "@context": list(OB_CONTEXT),
            "id": credential_id or new_id(),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": name,
            "description": description,
            "image": image(image_url) if image_url else None,
            "issuer": dict(issuer),
            "validFrom": xsd_datetime(valid_from),
            "validUntil": xsd_datetime(valid_until) if valid_until else None,
            "awardedDate": xsd_datetime(awarded_date) if awarded_date else None,
            "credentialSubject": dict(subject),
            "evidence": [dict(e) for e in evidence_],
            "credentialStatus": status,
            "endorsement": [dict(e) for e in endorsements],
        }
    )


def endorsement_credential(
    *,
    issuer: Mapping[str, Any],
    endorsed_id: str,
    valid_from: datetime,
    name: str,
    comment: str | None = None,
    credential_id: str | None = None,
    valid_until: datetime | None = None,
    credential_status: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An unsigned ``EndorsementCredential`` about ``endorsed_id`` (an achievement, a credential
    or a profile). Endorsements of a learner's skill by people who saw the work are these."""
    return _clean(
        {
            "@context": list(OB_CONTEXT),
            "id": credential_id or new_id(),
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": name,
            "issuer": dict(issuer),
            "validFrom": xsd_datetime(valid_from),
            "validUntil": xsd_datetime(valid_until) if valid_until else None,
            "credentialSubject": _clean(
                {"id": endorsed_id, "type": ["EndorsementSubject"], "endorsementComment": comment}
            ),
            "credentialStatus": dict(credential_status) if credential_status else None,
        }
    )


def association(association_type: str, source_id: str, target_id: str) -> dict[str, Any]:
    """A CLR ``Association`` between two achievements (e.g. ``isPartOf`` for a stack)."""
    return {
        "type": "Association",
        "associationType": association_type,
        "sourceId": source_id,
        "targetId": target_id,
    }


def clr_credential(
    *,
    issuer: Mapping[str, Any],
    subject_id: str | None,
    credentials: Iterable[Mapping[str, Any]],
    valid_from: datetime,
    name: str,
    credential_id: str | None = None,
    identifiers: Iterable[Mapping[str, Any]] = (),
    achievements: Iterable[Mapping[str, Any]] = (),
    associations: Iterable[Mapping[str, Any]] = (),
    valid_until: datetime | None = None,
    description: str | None = None,
    partial: bool = False,
    credential_status: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An unsigned CLR 2.0 ``ClrCredential`` bundling signed micro-credentials into a certificate."""
    credential_list = [dict(c) for c in credentials]
    if not credential_list:
        raise ValueError("a CLR bundles at least one credential")
    return _clean(
        {
            "@context": list(CLR_CONTEXT),
            "id": credential_id or new_id(),
            "type": ["VerifiableCredential", "ClrCredential"],
            "name": name,
            "description": description,
            "partial": partial,
            "issuer": dict(issuer),
            "validFrom": xsd_datetime(valid_from),
            "validUntil": xsd_datetime(valid_until) if valid_until else None,
            "credentialSubject": _clean(
                {
                    "id": subject_id,
                    "type": ["ClrSubject"],
                    "identifier": [dict(i) for i in identifiers],
                    "verifiableCredential": credential_list,
                    "achievement": [dict(a) for a in achievements],
                    "association": [dict(a) for a in associations],
                }
            ),
            "credentialStatus": dict(credential_status) if credential_status else None,
        }
    )

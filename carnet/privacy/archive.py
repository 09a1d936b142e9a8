"""The "download all my data" archive: a zip with a JSON of everything Carnet holds about a person,
their evidence files, the credentials issued to them (signed JSON, and the badge images with the
credential baked in when the badge has an image), and a README in French and English.

Evidence files are added until the archive would pass ``max_bytes``; those left out are listed in
the JSON and the README (the person downloads them from their request's page). The zip is written
to a temporary file, evidence copied in by chunks: an archive near the cap never sits in memory."""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

README = "LISEZMOI-README.txt"
DATA = "donnees-data.json"


@dataclass
class Built:
    size: int
    omitted: list[dict[str, Any]] = field(default_factory=list)


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _rows(queryset: Any, *fields: str) -> list[dict[str, Any]]:
    rows = []
    for row in queryset.values(*fields):
        rows.append({k: (_when(v) if isinstance(v, (datetime, date)) else v) for k, v in row.items()})
    return rows


def _credential_name(credential: Any) -> str:
    return f"microattestations-credentials/{credential.uuid}"


def collect(user: Any) -> dict[str, Any]:
    """Everything about ``user``, as plain JSON values (what ``donnees-data.json`` holds)."""
    from allauth.account.models import EmailAddress

    from carnet.audit.models import AuditEvent
    from carnet.employers.models import Contact
    from carnet.inbox.models import Notification
    from carnet.organisations.models import Membership
    from carnet.portfolio.models import CredentialSharing, ImportedBadge, PublicProfile, ShareLink
    from carnet.privacy.models import ConsentRecord
    from carnet.privacy.services import endorsements_given_by, verified_emails
    from carnet.recognition.models import (
        Endorsement,
        EndorsementInvitation,
        Evidence,
        LearningPlace,
        Message,
        RecognitionRequest,
        Situation,
        SkillClaim,
    )
    from carnet.stacking.models import IssuedCertificate

    requests = RecognitionRequest.objects.filter(learner=user)
    credentials = user.issued_credentials.select_related("micro_credential_version__micro_credential")
    profile = PublicProfile.objects.filter(user=user).first()
    return {
        "exported_at": _when(timezone.now()),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "preferred_language": user.preferred_language,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "email_addresses": _rows(EmailAddress.objects.filter(user=user), "email", "verified", "primary"),
            "memberships": _rows(
                Membership.objects.filter(user=user),
                "organisation__name",
                "organisation__slug",
                "role",
                "created_at",
            ),
        },
        "consents": _rows(
            ConsentRecord.objects.filter(user=user),
            "purpose",
            "given",
            "text_version",
            "source",
            "detail",
            "created_at",
        ),
        "self_assessment": [
            {
                "competency": claim.competency.code,
                "competency_name": str(claim.competency),
                "level": claim.level.rank if claim.level else None,
                "learning_contexts": claim.learning_contexts,
                "situations": _rows(
                    Situation.objects.filter(claim=claim), "learning_context", "context", "action", "result"
                ),
            }
            for claim in SkillClaim.objects.filter(learner=user).select_related("competency", "level")
        ],
        "recognition_requests": [
            {
                "id": str(request.uuid),
                "micro_credential": request.version.name(),
                "organisation": request.organisation.name,
                "status": request.status,
                "narrative": request.narrative,
                "created_at": _when(request.created_at),
                "submitted_at": _when(request.submitted_at),
                "decided_at": _when(request.decided_at),
                "places": _rows(
                    LearningPlace.objects.filter(request=request),
                    "learning_context",
                    "name",
                    "role",
                    "start_date",
                    "end_date",
                ),
                "evidence": _rows(
                    Evidence.objects.filter(request=request),
                    "id",
                    "kind",
                    "title",
                    "description",
                    "original_name",
                    "content_type",
                    "size",
                    "url",
                    "created_at",
                ),
                "messages": [
                    {"from_you": m.author_id == user.pk, "body": m.body, "created_at": _when(m.created_at)}
                    for m in Message.objects.filter(request=request)
                ],
                "decisions": _rows(request.decisions.all(), "kind", "reasons", "created_at"),
                "endorsement_invitations": _rows(
                    EndorsementInvitation.objects.filter(request=request),
                    "name",
                    "email",
                    "relationship",
                    "status",
                    "created_at",
                    "answered_at",
                ),
            }
            for request in requests.select_related("version", "organisation")
        ],
        "endorsements_received": _rows(
            Endorsement.objects.filter(invitation__request__learner=user),
            "invitation__request__uuid",
            "endorser_name",
            "endorser_organisation",
            "relationship",
            "context",
            "period_start",
            "period_end",
            "observations",
            "comment",
            "consent_to_be_named",
            "created_at",
        ),
        "endorsements_given": _rows(
            Endorsement.objects.filter(endorsements_given_by(user, verified_emails(user))),
            "endorser_name",
            "endorser_email",
            "endorser_organisation",
            "relationship",
            "verification",
            "period_start",
            "period_end",
            "context",
            "observations",
            "comment",
            "consent_to_be_named",
            "created_at",
        ),
        "credentials": [
            {
                "id": credential.credential_id,
                "name": credential.micro_credential_version.name(),
                "organisation": credential.organisation.name,
                "issued_at": _when(credential.issued_at),
                "valid_until": _when(credential.valid_until),
                "status": credential.status,
                "visibility": CredentialSharing.objects.filter(credential=credential)
                .values_list("visibility", flat=True)
                .first()
                or "private",
                "file": f"{_credential_name(credential)}.json",
            }
            for credential in credentials.select_related("organisation")
        ],
        "certificates": [
            {
                "id": issued.credential_id,
                "name": issued.certificate.name(),
                "issued_at": _when(issued.issued_at),
                "status": issued.status,
                "file": f"certificats-certificates/{issued.uuid}.json",
            }
            for issued in IssuedCertificate.objects.filter(recipient=user).select_related("certificate")
        ],
        "share_links": _rows(
            ShareLink.objects.filter(credential__recipient=user),
            "credential__uuid",
            "label",
            "created_at",
            "expires_at",
            "withdrawn_at",
        ),
        "public_profile": (
            {"slug": profile.slug, "enabled": profile.enabled, "headline": profile.headline}
            if profile
            else None
        ),
        "imported_badges": _rows(
            ImportedBadge.objects.filter(holder=user),
            "uuid",
            "kind",
            "source",
            "source_url",
            "name",
            "issuer_name",
            "verdict",
            "visibility",
            "imported_at",
            "document",
        ),
        "employer_contacts": _rows(
            Contact.objects.filter(learner=user),
            "organisation__name",
            "job__title",
            "message",
            "created_at",
            "answer",
            "answered_at",
            "declined_at",
        ),
        "notifications": _rows(
            Notification.objects.filter(user=user), "kind", "data", "created_at", "read_at"
        ),
        "audit_events": _rows(
            AuditEvent.objects.filter(actor=user), "verb", "organisation__name", "target_type", "created_at"
        ),
    }


def build(user: Any, out: IO[bytes], *, max_bytes: int) -> Built:
    """Write the archive of ``user``'s data to ``out`` (a temporary file: the archive is never held
    in memory), its evidence files within ``max_bytes``; ``out`` is left at its end."""
    from carnet.recognition.models import Evidence
    from carnet.stacking.models import IssuedCertificate

    data = collect(user)
    omitted: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for credential in user.issued_credentials.select_related("micro_credential_version"):
            name = _credential_name(credential)
            archive.writestr(f"{name}.json", json.dumps(credential.document, ensure_ascii=False, indent=2))
            for kind, image in _baked_images(credential):
                archive.writestr(f"{name}.{kind}", image)
        for issued in IssuedCertificate.objects.filter(recipient=user):
            folder = "certificats-certificates"
            archive.writestr(
                f"{folder}/{issued.uuid}.json", json.dumps(issued.document, ensure_ascii=False, indent=2)
            )
            archive.writestr(
                f"{folder}/{issued.uuid}-clr.json", json.dumps(issued.clr, ensure_ascii=False, indent=2)
            )
        files = Evidence.objects.filter(request__learner=user).exclude(file="").select_related("request")
        for evidence in files:
            path = f"preuves-evidence/{evidence.request.uuid}/{evidence.pk}-{_safe(evidence.original_name)}"
            if out.tell() + evidence.size > max_bytes:
                omitted.append({"request": str(evidence.request.uuid), "evidence": evidence.pk,
                                "title": evidence.title, "size": evidence.size})  # fmt: skip
                continue
            try:
                with evidence.file.open("rb") as stored, archive.open(path, "w") as copy:
                    shutil.copyfileobj(stored, copy)
            except OSError:
                omitted.append({"request": str(evidence.request.uuid), "evidence": evidence.pk,
                                "title": evidence.title, "size": evidence.size, "missing": True})  # fmt: skip
        data["evidence_left_out"] = omitted
        archive.writestr(DATA, json.dumps(data, ensure_ascii=False, indent=2, default=str))
        archive.writestr(README, _readme(data))
    return Built(out.tell(), omitted)


def _safe(name: str) -> str:
    kept = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return kept.strip("._")[:80] or "fichier"


def _baked_images(credential: Any) -> list[tuple[str, bytes]]:
    """The badge's images with the credential baked in (Open Badges 3.0 §5.3), when it has images
    that can carry it; none otherwise (the JSON has the same value)."""
    from carnet.credentials.baking import MAX_IMAGE_BYTES, BakingError, bake_png, bake_svg
    from carnet.issuing.downloads import badge_image

    images = []
    for kind, bake in (("png", bake_png), ("svg", bake_svg)):
        image = badge_image(credential, kind)
        if image is None:
            continue
        try:
            with image.open("rb") as stored:
                images.append((kind, bake(stored.read(MAX_IMAGE_BYTES + 1), credential.document)))
        except (BakingError, OSError):
            continue
    return images


def _readme(data: dict[str, Any]) -> str:
    parts = []
    for language in ("fr", "en"):
        with translation.override(language):
            parts.append(render_to_string("privacy/archive_readme.txt", {"data": data, "DATA": DATA}))
    return "\n\n==========\n\n".join(part.strip() for part in parts) + "\n"

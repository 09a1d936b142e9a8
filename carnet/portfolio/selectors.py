"""What the public badge page shows: the credential's state now, and what it proves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from carnet.credentials import verify
from carnet.issuing import identity
from carnet.issuing.models import IssuedCredential


@dataclass(frozen=True)
class LiveState:
    """``code``: valid, expired, suspended, revoked, altered (the document no longer matches its
    signature) or unconfirmed (the issuer's key or status list could not be read just now)."""

    code: str
    authentic: bool


def live_state(credential: IssuedCredential) -> LiveState:
    """Verified now, from the signed document (signature, dates, status list), as any verifier would;
    the platform's own identifiers are answered from the database."""
    report = verify(credential.document, resolver=identity.resolver())
    failed = {check.name for check in report.checks if check.status.value == "failed"}
    if failed & {"format", "schema", "contexts", "proof"}:
        return LiveState("altered", False)
    if credential.status == IssuedCredential.Status.REVOKED:
        return LiveState("revoked", True)
    if credential.status == IssuedCredential.Status.SUSPENDED:
        return LiveState("suspended", True)
    if credential.valid_until is not None and credential.valid_until < timezone.now():
        return LiveState("expired", True)
    if not report.valid or "binding" in failed:
        return LiveState("unconfirmed", False)
    return LiveState("valid", True)


def endorsements_of(credential: IssuedCredential) -> list[Any]:
    """The endorsements gathered for the request the credential came from, oldest first (none for a
    credential issued in bulk or by the API)."""
    from carnet.recognition.models import Endorsement

    return list(
        Endorsement.objects.filter(invitation__request__credential=credential)
        .select_related("level_observed")
        .order_by("created_at")
    )


def partner_endorsements_of(credential: IssuedCredential) -> list[Any]:
    """The partners' endorsements of the credential's micro-credential still shown, each marked
    ``embedded`` when the signed credential carries it (it was verified with the credential) or not
    (given later, or of another version: the catalogue shows it, the credential does not carry it);
    and those withdrawn since that the credential carries (its signed copy cannot be taken back)."""
    from carnet.catalogue.models import PartnerEndorsement
    from carnet.catalogue.selectors import partner_endorsements

    achievement = (credential.document.get("credentialSubject") or {}).get("achievement") or {}
    carried = {e.get("id") for e in achievement.get("endorsement") or [] if isinstance(e, dict)}
    found = partner_endorsements(credential.micro_credential_version.micro_credential_id, withdrawn=True)
    for endorsement in found:
        endorsement.embedded = endorsement.document.get("id") in carried
    # A withdrawn one stays signed inside the credentials that carry it: their page says so
    return [e for e in found if e.embedded or e.status == PartnerEndorsement.Status.ENDORSED]


def share_links_of(credential: IssuedCredential) -> list[Any]:
    """The credential's share links, newest first, each with how often and when it was last opened."""
    from django.db.models import Count, Max

    return list(
        credential.share_links.annotate(opened=Count("openings"), last_opened=Max("openings__opened_at"))
    )


@dataclass
class SkillRow:
    """One competency in the learner's skills picture: the level their credentials attest (verified)
    and the level they claim themselves, out of the competency's number of levels."""

    competency: Any
    attested: Any = None  # a Level, from a valid credential
    claimed: Any = None  # a Level, from the self-assessment
    top_rank: int = 0
    credentials: list[Any] | None = None


@dataclass
class BadgeGroup:
    """The badges of one competency in the carnet: those Carnet issued, and those imported whose
    alignments target it."""

    competency: Any
    credentials: list[Any] = field(default_factory=list)
    imported: list[Any] = field(default_factory=list)


@dataclass
class Carnet:
    credentials: list[Any]
    skills: list[SkillRow]
    certificates: list[tuple[Any, Any]]  # (certificate, progress)
    groups: list[BadgeGroup] = field(default_factory=list)
    other_imported: list[Any] = field(default_factory=list)  # imported, aligned to nothing Carnet knows


def imported_badges_of(user: Any) -> list[Any]:
    """The badges ``user`` imported, newest first, without their originals (``has_image`` says
    whether a re-encoded picture was kept)."""
    from django.db.models import BooleanField, ExpressionWrapper, Q

    from carnet.portfolio.models import ImportedBadge

    return list(
        ImportedBadge.objects.filter(holder=user)
        .defer("original", "document", "report", "image_png")
        .annotate(has_image=ExpressionWrapper(Q(image_png__isnull=False), output_field=BooleanField()))
    )


def _groups(skills: list[SkillRow], imported: list[Any]) -> tuple[list[BadgeGroup], list[Any]]:
    """The badge groups of the carnet, in the order of the skills picture, then the competencies
    only imported badges target; and the imported badges aligned to none Carnet knows."""
    from carnet.portfolio import importing

    groups = {
        row.competency.pk: BadgeGroup(row.competency, credentials=list(row.credentials or []))
        for row in skills
        if row.credentials
    }
    others = []
    index = importing.competency_index() if imported else {}
    extra: dict[int, BadgeGroup] = {}
    for badge in imported:
        competencies = importing.competencies_of(badge.alignments, index)
        if not competencies:
            others.append(badge)
        for competency in competencies:
            group = groups.get(competency.pk) or extra.setdefault(competency.pk, BadgeGroup(competency))
            group.imported.append(badge)
    ordered = list(groups.values()) + sorted(extra.values(), key=lambda group: group.competency.code)
    return ordered, others


def _counts(credential: IssuedCredential, now: Any) -> bool:
    """Whether the credential counts today: active and not expired."""
    if credential.status != IssuedCredential.Status.ACTIVE:
        return False
    return credential.valid_until is None or credential.valid_until > now


# What a list of credentials never shows: the signed document and its JWT (big, parsed per row on
# SQLite) and the design of the badge's image.
UNSHOWN = ("document", "jwt", "micro_credential_version__design")


def _held_by(user: Any) -> Any:
    """The credentials issued to ``user``, newest first, with what their pages show."""
    from django.db.models import Prefetch

    from carnet.catalogue.models import Alignment

    return (
        IssuedCredential.objects.filter(recipient=user)
        .select_related("organisation", "micro_credential_version__micro_credential")
        .prefetch_related(
            Prefetch(
                "micro_credential_version__alignments",
                queryset=Alignment.objects.select_related("competency", "level"),
            )
        )
        .order_by("-issued_at")
    )


def _skill_rows(credentials: list[Any], now: Any) -> dict[int, SkillRow]:
    """A row per competency the credentials are aligned to, with the highest level a credential
    that counts today attests (the level the assessor recognised, when a request set one), by
    competency id. Each credential is marked with ``counts``."""
    from carnet.frameworks.models import Level
    from carnet.recognition.models import RecognitionRequest

    recognised = dict(
        RecognitionRequest.objects.filter(credential__in=credentials, recognised_level__isnull=False)
        .select_related("recognised_level")
        .values_list("credential_id", "recognised_level")
    )
    levels = Level.objects.in_bulk(set(recognised.values()))
    rows: dict[int, SkillRow] = {}
    for credential in credentials:
        credential.counts = _counts(credential, now)
        recognised_level = levels.get(recognised.get(credential.pk))
        for alignment in credential.micro_credential_version.alignments.all():
            row = rows.setdefault(alignment.competency_id, SkillRow(alignment.competency, credentials=[]))
            assert row.credentials is not None
            row.credentials.append(credential)
            if not credential.counts:
                continue
            level = alignment.level
            if recognised_level is not None and recognised_level.competency_id == alignment.competency_id:
                level = recognised_level
            if level is not None and (row.attested is None or level.rank > row.attested.rank):
                row.attested = level
    return rows


def _sorted_skills(rows: dict[int, SkillRow]) -> list[SkillRow]:
    """The rows with their competency's number of levels, proven ones first, by competency code."""
    from django.db.models import Max

    from carnet.frameworks.models import Competency

    tops = dict(
        Competency.objects.filter(pk__in=rows).annotate(top=Max("levels__rank")).values_list("pk", "top")
    )
    for competency_id, row in rows.items():
        row.top_rank = tops.get(competency_id) or 0
    return sorted(rows.values(), key=lambda r: (r.attested is None, r.competency.code))


def carnet_of(user: Any) -> Carnet:
    """Everything the carnet page shows, in a handful of queries: the credentials held, the skills
    they attest (with the self-assessed ones beside them), and the certificates under way."""
    from django.db.models import Prefetch, Q

    from carnet.catalogue.models import Certificate, MicroCredential
    from carnet.catalogue.models import Status as CatalogueStatus
    from carnet.recognition.models import SkillClaim
    from carnet.stacking.selectors import standings

    now = timezone.now()
    # The signed documents (tens of kilobytes of JSON each) are not shown here: not read nor parsed.
    credentials = list(_held_by(user).defer(*UNSHOWN))
    rows = _skill_rows(credentials, now)
    for claim in SkillClaim.objects.filter(learner=user).select_related("competency", "level"):
        row = rows.setdefault(claim.competency_id, SkillRow(claim.competency, credentials=[]))
        row.claimed = claim.level
    skills = _sorted_skills(rows)

    held = {c.micro_credential_version.micro_credential_id for c in credentials if c.counts}  # type: ignore[attr-defined]
    # A requirement tree is at most MAX_DEPTH (3) levels deep: the certificates counting one of
    # them, found as the catalogue finds them, with their trees read in a fixed number of queries
    # (each micro-credential with its organisation and versions: the missing ones are named and linked).
    counting = (
        Q(root__micro_credentials__in=held)
        | Q(root__groups__micro_credentials__in=held)
        | Q(root__groups__groups__micro_credentials__in=held)
    )
    tree = [
        "root__micro_credentials",
        "root__groups__micro_credentials",
        "root__groups__groups__micro_credentials",
    ]
    certificates = [
        (certificate, certificate.progress(held))
        for certificate in Certificate.objects.filter(
            (counting & Q(status=CatalogueStatus.PUBLISHED)) | Q(issued_certificates__recipient=user)
        )
        .distinct()
        .select_related("organisation", "root")
        .prefetch_related(
            "root__groups__groups__groups",
            *(
                Prefetch(path, queryset=MicroCredential.objects.select_related("organisation"))
                for path in tree
            ),
            *(f"{path}__versions" for path in tree),
        )
        .order_by("name_fr")
    ]
    # Issued, waiting for an assessor's confirmation, or declined (carnet.stacking).
    standing = standings(user, [certificate.pk for certificate, _progress in certificates])
    for certificate, _progress in certificates:
        certificate.standing = standing.get(certificate.pk)  # type: ignore[attr-defined]
    # Badges earned elsewhere stand beside them, but prove no level of the skills picture: their
    # issuers' levels are not the platform's (and the holder alone sees them for now).
    groups, other_imported = _groups(skills, imported_badges_of(user))
    return Carnet(
        credentials=credentials, skills=skills, certificates=certificates, groups=groups,
        other_imported=other_imported,
    )  # fmt: skip


def public_credentials_of(user: Any) -> list[IssuedCredential]:
    """The credentials ``user`` made public, newest first, each marked with whether it counts today."""
    now = timezone.now()
    credentials = list(
        IssuedCredential.objects.filter(recipient=user, sharing__visibility="public")
        .select_related("organisation", "micro_credential_version__micro_credential")
        .order_by("-issued_at")
    )
    for credential in credentials:
        credential.counts = _counts(credential, now)  # type: ignore[attr-defined]
    return credentials


# -- the PDF of the carnet ---------------------------------------------------------------------------


def state_of(credential: IssuedCredential, now: Any = None) -> str:
    """The credential's state from the database: valid, expired, suspended or revoked (the badge
    page verifies the signed document as well: :func:`live_state`)."""
    if credential.status != IssuedCredential.Status.ACTIVE:
        return str(credential.status)
    if credential.valid_until is not None and credential.valid_until <= (now or timezone.now()):
        return "expired"
    return "valid"


@dataclass
class CvChoices:
    """What the holder may put in the PDF of their carnet: every credential they hold (each with
    ``state`` and ``visibility``) and every certificate issued to them (each with ``state``)."""

    credentials: list[Any]
    certificates: list[Any]


def cv_choices(user: Any) -> CvChoices:
    from carnet.stacking.models import IssuedCertificate

    now = timezone.now()
    credentials = list(_held_by(user).select_related("sharing"))
    for credential in credentials:
        credential.state = state_of(credential, now)
        sharing = getattr(credential, "sharing", None)  # no row: never changed, so private
        credential.visibility = sharing.visibility if sharing is not None else "private"
    certificates = list(
        IssuedCertificate.objects.filter(recipient=user)
        .select_related("certificate", "organisation")
        .order_by("-issued_at")
    )
    for issued in certificates:
        issued.state = "valid" if issued.status == IssuedCertificate.Status.ACTIVE else "revoked"
    return CvChoices(credentials=credentials, certificates=certificates)


def cv_skills(credentials: list[Any]) -> list[SkillRow]:
    """The skills the chosen credentials prove today: each competency with the highest level one
    that counts attests (none from a suspended, revoked or expired one)."""
    rows = _skill_rows(credentials, timezone.now())
    return _sorted_skills({pk: row for pk, row in rows.items() if row.attested is not None})

"""Reads of the learner's side: their skills profile against a published framework, and the
micro-credentials of the catalogue that match what they recognise in themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from carnet.accounts.models import User
from carnet.catalogue.models import Alignment, MicroCredential, MicroCredentialVersion
from carnet.catalogue.selectors import current_versions
from carnet.frameworks.models import Competency, Framework, Level
from carnet.frameworks.services import default_framework_data
from carnet.organisations.models import Organisation
from carnet.recognition.access import REVIEW_ROLES
from carnet.recognition.models import Decision, Endorsement, Evidence, RecognitionRequest, SkillClaim

Status = RecognitionRequest.Status

# A request in one of these states means the learner is already on their way to (or holds) it.
TAKEN = (*RecognitionRequest.EDITABLE, *RecognitionRequest.IN_REVIEW, Status.APPROVED)


@cache
def default_framework_slug() -> str:
    return str(default_framework_data()["slug"])


def published_frameworks() -> list[Framework]:
    """One framework per slug (its newest published version), the default framework first."""
    newest: dict[str, Framework] = {}
    for framework in Framework.objects.filter(status=Framework.Status.PUBLISHED).order_by("-created_at"):
        newest.setdefault(framework.slug, framework)
    return sorted(newest.values(), key=lambda f: (f.slug != default_framework_slug(), f.name_fr.lower()))


@dataclass
class ProfileRow:
    competency: Competency
    claim: SkillClaim | None

    @property
    def levels(self) -> list[Level]:
        return list(self.competency.levels.all())

    @property
    def rank(self) -> int:
        return self.claim.level.rank if self.claim and self.claim.level else 0

    @property
    def steps(self) -> list[bool]:
        """One step per level of the competency, reached or not: what the level bar draws."""
        return [level.rank <= self.rank for level in self.levels]


def skills_profile(learner: Any, framework: Framework) -> list[ProfileRow]:
    """Each competency of ``framework`` with the learner's claim on it, if any."""
    competencies = framework.competencies.prefetch_related("indicators", "levels").order_by("order", "code")
    claims = {
        claim.competency_id: claim
        for claim in SkillClaim.objects.filter(learner=learner, competency__framework=framework)
        .select_related("level")
        .prefetch_related("situations")
    }
    return [ProfileRow(competency, claims.get(competency.pk)) for competency in competencies]


def claims_elsewhere(learner: Any) -> list[SkillClaim]:
    """The learner's claims on competencies no published framework holds any more (an older version
    of a framework): they stay theirs, shown apart, and can be removed."""
    return list(
        SkillClaim.objects.filter(learner=learner)
        .exclude(competency__framework__status=Framework.Status.PUBLISHED)
        .select_related("competency__framework", "level")
    )


@dataclass
class Match:
    """A competency the learner claims that a micro-credential attests, at a level they reach."""

    alignment: Alignment
    claim: SkillClaim

    def label(self) -> str:
        name = self.alignment.competency.name()
        if self.alignment.level is None:
            return name
        return _("%(competency)s (niveau %(level)s)") % {
            "competency": name,
            "level": self.alignment.level.name(),
        }


@dataclass
class Suggestion:
    version: MicroCredentialVersion
    matches: list[Match] = field(default_factory=list)

    @property
    def micro_credential(self) -> MicroCredential:
        return self.version.micro_credential

    def reason(self) -> str:
        return _("correspond à : %(competencies)s") % {
            "competencies": ", ".join(match.label() for match in self.matches)
        }


def _reached(alignment: Alignment, claim: SkillClaim) -> bool:
    """The micro-credential asks for no level, or for one the learner says they reach."""
    if alignment.level is None:
        return True
    return claim.level is not None and alignment.level.rank <= claim.level.rank


def suggest_micro_credentials(learner: Any) -> list[Suggestion]:
    """Published micro-credentials (their current published version) aligned to competencies the
    learner claims at a level they reach, those matching the most claims first. Those the learner
    already asked for (an open or approved request) are left out."""
    claims = {
        claim.competency_id: claim
        for claim in SkillClaim.objects.filter(learner=learner).select_related("level")
    }
    if not claims:
        return []
    taken = RecognitionRequest.objects.filter(learner=learner, status__in=TAKEN).values("micro_credential")
    versions = (
        current_versions()
        .filter(alignments__competency__in=list(claims))
        .exclude(micro_credential__in=taken)
        .distinct()
        .select_related("micro_credential__organisation")
        .prefetch_related("alignments__competency", "alignments__level")
    )
    suggestions = []
    for version in versions:
        matches = [
            Match(alignment, claims[alignment.competency_id])
            for alignment in version.alignments.all()
            if alignment.competency_id in claims and _reached(alignment, claims[alignment.competency_id])
        ]
        if matches:
            matches.sort(
                key=lambda match: (match.alignment.competency.order, match.alignment.competency.code)
            )
            suggestions.append(Suggestion(version, matches))
    suggestions.sort(key=lambda s: (-len(s.matches), s.version.name().lower(), s.version.pk))
    return suggestions


# --- review (assessors) ------------------------------------------------------------------------------

PENDING = "pending"  # the queue's default filter: what awaits a decision
EVERY_STATUS = "all"
ASSIGNED_TO_ME, UNASSIGNED = "me", "none"


def reviewable_requests(organisation: Organisation, *, user: Any = None) -> QuerySet[RecognitionRequest]:
    """The requests of ``organisation`` its assessors may see: submitted at least once (never a
    draft, nor a draft withdrawn before submission), and never the viewer's own."""
    requests = RecognitionRequest.objects.filter(organisation=organisation, submitted_at__isnull=False)
    requests = requests.exclude(status=Status.DRAFT)
    if user is not None and user.is_authenticated:
        requests = requests.exclude(learner=user)
    return requests


def review_queue(
    organisation: Organisation,
    *,
    user: Any,
    status: str = PENDING,
    micro_credential: Any = None,
    assignee: str = "",
) -> QuerySet[RecognitionRequest]:
    """The queue as an assessor filters it, oldest submission first, with the endorsements received."""
    requests = reviewable_requests(organisation, user=user)
    if status == PENDING:
        requests = requests.filter(status__in=RecognitionRequest.IN_REVIEW)
    elif status != EVERY_STATUS:
        requests = requests.filter(status=status)
    if micro_credential is not None:
        requests = requests.filter(micro_credential=micro_credential)
    if assignee == ASSIGNED_TO_ME:
        requests = requests.filter(assigned_to=user)
    elif assignee == UNASSIGNED:
        requests = requests.filter(assigned_to__isnull=True)
    return (
        requests.select_related("learner", "version", "assigned_to")
        .annotate(received=Count("invitations__endorsement", distinct=True))
        .order_by("submitted_at", "pk")
    )


def status_counts(organisation: Organisation, *, user: Any) -> dict[str, int]:
    """How many requests the assessor may see in each status, and ``pending`` for those awaiting a
    decision."""
    rows = reviewable_requests(organisation, user=user).values_list("status").annotate(n=Count("pk"))
    counts = {status: n for status, n in rows}
    counts[PENDING] = sum(counts.get(status, 0) for status in RecognitionRequest.IN_REVIEW)
    counts[EVERY_STATUS] = sum(n for status, n in rows)
    return counts


def pending_count(organisation: Organisation) -> int:
    """The number of requests of ``organisation`` awaiting a decision (for "Demandes à examiner (N)")."""
    return reviewable_requests(organisation).filter(status__in=RecognitionRequest.IN_REVIEW).count()


def review_queues_for(user: Any) -> list[tuple[Organisation, int]]:
    """The organisations ``user`` reviews for, each with its number of requests awaiting a decision
    (what a navigation link "Demandes à examiner (N)" needs), in one query."""
    if not user.is_authenticated:
        return []
    organisations = (
        Organisation.objects.filter(memberships__user=user, memberships__role__in=REVIEW_ROLES)
        .annotate(
            pending=Count(
                "recognition_requests",
                filter=Q(
                    recognition_requests__status__in=RecognitionRequest.IN_REVIEW,
                    recognition_requests__submitted_at__isnull=False,
                )
                & ~Q(recognition_requests__learner=user),  # nobody reviews their own request
            )
        )
        .order_by("name")
    )
    return [(organisation, organisation.pending) for organisation in organisations]


def assessors_of(organisation: Organisation, *, excluding: Any = None) -> QuerySet[User]:
    """The people who may review for ``organisation`` (admins and assessors), but ``excluding``."""
    people = User.objects.filter(
        memberships__organisation=organisation, memberships__role__in=REVIEW_ROLES
    ).order_by("display_name", "email")
    if excluding is not None:
        people = people.exclude(pk=excluding.pk)
    return people


def first_approval(request: RecognitionRequest) -> Decision | None:
    """The approval that a second review confirms (only while the request awaits it)."""
    if request.status != Status.AWAITING_SECOND_REVIEW:
        return None
    return (
        request.decisions.filter(kind=Decision.Kind.APPROVED)
        .select_related("assessor", "level")
        .order_by("-created_at", "-pk")
        .first()
    )


def safe_link(evidence: Evidence) -> str:
    """The address of a link evidence if it is a web address (never ``javascript:`` or the like)."""
    url = evidence.url.strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def criteria_coverage(criteria: list[str], endorsements: list[Endorsement]) -> list[tuple[str, int]]:
    """For each criterion, how many endorsers said what they observed about it."""
    observed: dict[str, int] = dict.fromkeys(criteria, 0)
    for endorsement in endorsements:
        seen = {
            str(o.get("criterion", ""))
            for o in endorsement.observations
            if isinstance(o, dict) and str(o.get("observed", "")).strip()
        }
        for criterion in seen & observed.keys():
            observed[criterion] += 1
    return list(observed.items())

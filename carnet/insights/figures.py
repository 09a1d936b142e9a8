"""The figures of an organisation (or of the whole platform, ``organisation=None``) over a period:
series counted per week or month, the time to decision, the recognition funnel, and the employer
survey. Everything is counted by the database (one grouped query per series); Python only lays the
counts out in the period's weeks or months.

Small counts: a figure about people (a step of the funnel, the answers to the survey) between 1 and
4 is shown as "< 5" (:func:`shown`), so that none points at one person."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.catalogue.models import Alignment
from carnet.insights.models import EmployerSearch, Verification
from carnet.issuing.models import IssuedCredential
from carnet.portfolio.models import CredentialSharing, ShareLink, ShareLinkOpening
from carnet.recognition.models import Decision, Endorsement, RecognitionRequest, SkillClaim

SMALL = 5  # counts of people from 1 to SMALL - 1 are not shown as such


@dataclass(frozen=True)
class Period:
    start: date  # the first day counted
    end: date  # the last day counted
    granularity: str  # "week" or "month"

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:  # excluded: the start of the day after the last
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def buckets(self) -> list[date]:
        """The first day of each week (Monday) or month the period touches."""
        if self.granularity == "week":
            first = self.start - timedelta(days=self.start.weekday())
            return [first + timedelta(weeks=n) for n in range((self.end - first).days // 7 + 1)]
        months, day = [], self.start.replace(day=1)
        while day <= self.end:
            months.append(day)
            day = (day + timedelta(days=32)).replace(day=1)
        return months


@dataclass
class Series:
    key: str
    label: Any
    help: Any
    points: list[tuple[date, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(value for _day, value in self.points)


def _competencies_of(organisation: Any) -> QuerySet[Any]:
    """The competencies that the organisation's micro-credentials attest."""
    return Alignment.objects.filter(version__micro_credential__organisation=organisation).values(
        "competency_id"
    )


def _within(queryset: QuerySet[Any], field_name: str, period: Period) -> QuerySet[Any]:
    return queryset.filter(**{f"{field_name}__gte": period.start_at, f"{field_name}__lt": period.end_at})


# Each series: its key, label, what it counts, and (organisation or None) -> (rows, date field).
Source = Callable[[Any], tuple[QuerySet[Any], str]]


def _scoped(queryset: QuerySet[Any], organisation: Any, path: str) -> QuerySet[Any]:
    return queryset if organisation is None else queryset.filter(**{path: organisation})


def _decisions(kind: str) -> Source:
    return lambda org: (
        _scoped(Decision.objects.filter(kind=kind), org, "request__organisation"),
        "created_at",
    )


def _searches(org: Any) -> tuple[QuerySet[Any], str]:
    searches = EmployerSearch.objects.all()
    if org is not None:
        searches = searches.filter(competencies__in=Subquery(_competencies_of(org)))
    return searches, "created_at"


SERIES: list[tuple[str, Any, Any, Source]] = [
    ("requests", _("Demandes soumises"), _("Demandes de reconnaissance soumises pour la première fois."),
     lambda org: (_scoped(RecognitionRequest.objects.all(), org, "organisation"), "submitted_at")),
    ("endorsements", _("Endossements reçus"), _("Témoignages reçus de personnes qui ont vu la personne à l'œuvre."),
     lambda org: (_scoped(Endorsement.objects.all(), org, "invitation__request__organisation"), "created_at")),
    ("approved", _("Demandes approuvées"), _("Décisions d'approbation (la microattestation est délivrée)."),
     _decisions(Decision.Kind.APPROVED)),
    ("declined", _("Demandes refusées"), _("Décisions de refus."), _decisions(Decision.Kind.DECLINED)),
    ("changes", _("Modifications demandées"), _("Décisions qui demandent à la personne de compléter sa demande."),
     _decisions(Decision.Kind.CHANGES_REQUESTED)),
    ("issued", _("Microattestations délivrées"),
     _("Toutes les microattestations délivrées : après une demande, en lot (fichier CSV) ou par l'API."),
     lambda org: (_scoped(IssuedCredential.objects.all(), org, "organisation"), "issued_at")),
    ("revoked", _("Microattestations révoquées"), _("Révocations, à la date où elles ont été faites."),
     lambda org: (_scoped(IssuedCredential.objects.filter(status=IssuedCredential.Status.REVOKED), org,
                          "organisation"), "status_changed_at")),
    ("shares", _("Liens de partage ouverts"), _("Ouvertures des liens que les personnes donnent, à un employeur par exemple."),
     lambda org: (_scoped(ShareLinkOpening.objects.all(), org, "link__credential__organisation"), "opened_at")),
    ("verifications", _("Vérifications par des tiers"),
     _("Pages de badge vues par une autre personne que sa titulaire (employeur, visiteur) et vérifications sur la page de vérification."),
     lambda org: (_scoped(Verification.objects.all(), org, "organisation"), "created_at")),
    ("searches", _("Recherches d'employeurs"),
     _("Recherches de candidat·es faites par des employeurs pour un poste demandant au moins une compétence de vos microattestations."),
     _searches),
]  # fmt: skip


def series(organisation: Any, period: Period) -> list[Series]:
    """Each series counted per week or month of the period, one grouped query each. The week or month
    of each row is found by comparing its date with the buckets' starts (local midnights, computed
    here): plain comparisons that every database makes natively, where truncating a date in the
    site's time zone is a Python function called per row on SQLite (40 times slower)."""
    buckets = period.buckets()
    starts = [timezone.make_aware(datetime.combine(day, time.min)) for day in buckets[1:]]
    result = []
    for key, label, help_text, source in SERIES:
        rows, date_field = source(organisation)
        bucket = Case(
            *[When(**{f"{date_field}__lt": start}, then=Value(n)) for n, start in enumerate(starts)],
            default=Value(len(starts)),
            output_field=IntegerField(),
        )
        counted = (
            _within(rows, date_field, period)
            .annotate(bucket=bucket)
            .values("bucket")
            .annotate(n=Count("pk", distinct=key == "searches"))
            .order_by()
        )
        found = {row["bucket"]: row["n"] for row in counted}
        points = [(day, found.get(n, 0)) for n, day in enumerate(buckets)]
        result.append(Series(key, label, help_text, points))
    return result


@dataclass
class DecisionTimes:
    count: int
    median: timedelta | None
    p90: timedelta | None


def decision_times(organisation: Any, period: Period) -> DecisionTimes:
    """From the first submission to the final decision (approval or refusal), of the requests
    decided in the period: the median and the 90th percentile (nearest rank), found by the database."""
    decided = _scoped(
        RecognitionRequest.objects.filter(
            status__in=(RecognitionRequest.Status.APPROVED, RecognitionRequest.Status.DECLINED),
            submitted_at__isnull=False,
        ),
        organisation,
        "organisation",
    )
    decided = _within(decided, "decided_at", period).annotate(
        wait=ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    )
    count = decided.count()
    if not count:
        return DecisionTimes(0, None, None)
    ordered = decided.order_by("wait", "pk").values_list("wait", flat=True)

    def rank(share: float) -> timedelta:
        return ordered[max(math.ceil(share * count) - 1, 0)]  # type: ignore[no-any-return]

    return DecisionTimes(count, rank(0.5), rank(0.9))


@dataclass
class Step:
    key: str
    label: Any
    count: int


def funnel(organisation: Any, period: Period) -> list[Step]:
    """People at each step of the journey. The first step: people who, in the period, updated their
    skills profile (on a competency of the organisation's micro-credentials) or opened or submitted
    a request to it; the next ones follow the people who submitted a request in the period."""
    requests = _scoped(RecognitionRequest.objects.all(), organisation, "organisation")
    claims = SkillClaim.objects.all()
    if organisation is not None:
        claims = claims.filter(competency__in=Subquery(_competencies_of(organisation)))
    started = (
        _within(claims, "updated_at", period).values("learner")
        .union(_within(requests, "created_at", period).values("learner"))
        .union(_within(requests, "submitted_at", period).values("learner"))
    )  # fmt: skip
    credential = OuterRef("credential")
    endorsed = Exists(Endorsement.objects.filter(invitation__request=OuterRef("pk")))
    shared = Exists(ShareLink.objects.filter(credential=credential)) | Exists(
        CredentialSharing.objects.filter(
            credential=credential,
            visibility__in=(CredentialSharing.Visibility.LINK, CredentialSharing.Visibility.PUBLIC),
        )
    )
    verified = Exists(Verification.objects.filter(credential=credential))
    decided = Q(status__in=(RecognitionRequest.Status.APPROVED, RecognitionRequest.Status.DECLINED))
    issued = Q(credential__isnull=False)

    def people(condition: Q) -> Count:
        return Count("learner", distinct=True, filter=condition)

    # The conditions inside the counts, not as annotations: PostgreSQL could not name those.
    counts = _within(requests, "submitted_at", period).aggregate(
        submitted=Count("learner", distinct=True),
        endorsed=people(Q(endorsed)),
        decided=people(decided),
        issued=people(issued),
        shared=people(issued & Q(shared)),
        verified=people(issued & Q(verified)),
    )
    return [
        Step("self_assessment", _("Autoévaluation faite"), started.count()),
        Step("submitted", _("Demande soumise"), counts["submitted"]),
        Step("endorsed", _("Endossée par au moins une personne"), counts["endorsed"]),
        Step("decided", _("Décidée (approuvée ou refusée)"), counts["decided"]),
        Step("issued", _("Microattestation délivrée"), counts["issued"]),
        Step("shared", _("Partagée (lien ou page visible)"), counts["shared"]),
        Step("verified", _("Vérifiée par un employeur ou un visiteur"), counts["verified"]),
    ]


@dataclass
class SurveyResults:
    offered: int  # verifications in the period (each offered the survey, unless declined before)
    answered: int
    dismissed: int
    useful: list[tuple[Any, int]]
    interview: list[tuple[Any, int]]


def survey(organisation: Any, period: Period) -> SurveyResults:
    verifications = _within(
        _scoped(Verification.objects.all(), organisation, "organisation"), "created_at", period
    )
    states = dict(verifications.values_list("survey").annotate(n=Count("pk")).order_by())
    answers = verifications.filter(survey=Verification.Survey.ANSWERED)
    useful = dict(answers.values_list("useful").annotate(n=Count("pk")).order_by())
    interview = dict(answers.values_list("interview").annotate(n=Count("pk")).order_by())
    return SurveyResults(
        offered=sum(states.values()),
        answered=states.get(Verification.Survey.ANSWERED, 0),
        dismissed=states.get(Verification.Survey.DISMISSED, 0),
        useful=[(name, useful.get(value, 0)) for value, name in Verification.Useful.choices],
        interview=[(name, interview.get(value, 0)) for value, name in Verification.Interview.choices],
    )


def shown(count: int) -> str:
    """A count of people as it may be shown: "< 5" from 1 to 4."""
    return "< 5" if 0 < count < SMALL else str(count)


def rate(part: int, whole: int) -> str:
    """``part`` of ``whole`` in percent, unless either is too small to be shown."""
    if whole == 0 or 0 < part < SMALL or whole < SMALL:
        return "—"
    return f"{round(100 * part / whole)} %"

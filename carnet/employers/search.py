"""Finding learners for a job: only those who consent to employers' searches (their latest consent
record), ranked by how well their valid credentials match the job's requirements, each match with
its reason.

The ranking is computed by the database from the search index (:class:`carnet.issuing.models.
ProvenLevel`: the levels each learner's active credentials prove, kept with the credentials'
status and the learner's consent), reading only the rows of consenting learners for the job's
competencies; the reasons are then read (:class:`~carnet.issuing.models.AttestedLevel`) for the
people shown only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from carnet.accounts.models import User
from carnet.employers.models import Job
from carnet.issuing.models import AttestedLevel, IssuedCredential
from carnet.portfolio.models import SearchConsent


@dataclass
class Evidence:
    competency: Any
    rank: int  # the level attested
    credential: IssuedCredential


@dataclass
class Candidate:
    learner: User
    met: list[tuple[Any, Evidence]] = field(default_factory=list)  # (requirement, best evidence)
    short: list[tuple[Any, Evidence]] = field(default_factory=list)  # attested, but below the level
    missing: list[Any] = field(default_factory=list)

    @property
    def score(self) -> tuple[int, int, int]:
        return (len(self.met), len(self.short), sum(e.rank for _r, e in self.met + self.short))

    @property
    def public_name(self) -> str:
        """What an employer sees of the person: their chosen name, never their email."""
        return self.learner.display_name or f"Candidat·e {self.learner.pk}"


def consenting_learners() -> Any:
    latest = (
        SearchConsent.objects.filter(user=OuterRef("pk")).order_by("-created_at", "-pk").values("given")[:1]
    )
    return User.objects.annotate(consent=Subquery(latest)).filter(consent=True)


# Per learner, over the ProvenLevel rows of the job's competencies still valid now: the best level of
# each competency (NULL when none), and when the latest of these credentials was issued (the order
# between equal scores). The score is then counted from the levels: requirements met, requirements
# attested below the level asked, sum of the levels.
_RANKING = """
SELECT learner_id FROM (
    SELECT learner_id, {levels}, MAX(issued_at) AS latest
    FROM issuing_provenlevel
    WHERE searchable AND competency_id IN ({wanted}) AND (valid_until IS NULL OR valid_until >= %s)
    GROUP BY learner_id
) best
ORDER BY {met} DESC, {short} DESC, {ranks} DESC, latest DESC, learner_id DESC
LIMIT %s
"""


def _ranking(requirements: list[Any], now: Any, limit: int) -> tuple[str, list[Any]]:
    """The ranking query and its parameters (only numbers and a date are interpolated, as
    parameters; the column names are made from the requirements' positions)."""
    levels, met, short, ranks, params = [], [], [], [], []
    for number, requirement in enumerate(requirements):
        levels.append(f"MAX(CASE WHEN competency_id = %s THEN rank END) AS level{number}")
        params.append(requirement.competency_id)
        minimum = int(requirement.minimum_rank)
        met.append(f"CASE WHEN level{number} >= {minimum} THEN 1 ELSE 0 END")
        short.append(f"CASE WHEN level{number} < {minimum} THEN 1 ELSE 0 END")
        ranks.append(f"COALESCE(level{number}, 0)")
    sql = _RANKING.format(
        levels=", ".join(levels), wanted=", ".join("%s" for _ in requirements),
        met=" + ".join(met), short=" + ".join(short), ranks=" + ".join(ranks),
    )  # fmt: skip
    return sql, [*params, *(r.competency_id for r in requirements), now, limit]


def search(job: Job, *, limit: int = 50) -> list[Candidate]:
    """The consenting learners with at least one valid credential attesting a required competency,
    best first: most requirements met, then most attested below the level asked, then higher levels,
    then the most recently issued credential among those."""
    requirements = list(job.requirements.select_related("competency"))
    if not requirements:
        return []
    wanted = {r.competency_id: r for r in requirements}
    now = timezone.now()
    sql, params = _ranking(list(wanted.values()), now, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        order = [row[0] for row in cursor.fetchall()]
    if not order:
        return []
    # The reasons, for the people shown: their rows, newest credential first; of equal levels, the
    # newest credential is the one named.
    rows = (
        AttestedLevel.objects.filter(learner_id__in=order, competency_id__in=wanted, active=True)
        .exclude(valid_until__lt=now)
        .select_related(
            "credential__recipient", "credential__organisation", "credential__micro_credential_version"
        )
        .order_by("-issued_at", "-credential_id")
    )
    best: dict[int, dict[int, Evidence]] = {learner_id: {} for learner_id in order}
    learners: dict[int, User] = {}
    for row in rows:
        credential = row.credential
        learners[row.learner_id] = credential.recipient  # type: ignore[assignment]
        current = best[row.learner_id].get(row.competency_id)
        if current is None or row.rank > current.rank:
            best[row.learner_id][row.competency_id] = Evidence(
                wanted[row.competency_id].competency, row.rank, credential
            )
    candidates = []
    for learner_id in order:
        candidate = Candidate(learners[learner_id])
        for requirement in requirements:
            evidence = best[learner_id].get(requirement.competency_id)
            if evidence is None:
                candidate.missing.append(requirement)
            elif evidence.rank >= requirement.minimum_rank:
                candidate.met.append((requirement, evidence))
            else:
                candidate.short.append((requirement, evidence))
        candidates.append(candidate)
    return candidates

"""Finding learners for a job: only those who consent to employers' searches (their latest consent
record), ranked by how well their valid credentials match the job's requirements, each match with
its reason.

The ranking is computed by the database from the search index kept by issuing with the credentials'
status and the learner's consent: one row per consenting learner with their best levels
(:class:`carnet.issuing.models.SearchProfile`), or, for the learners one of whose credentials
expired since it was made, the levels their active credentials prove
(:class:`~carnet.issuing.models.ProvenLevel`). The reasons are then read
(:class:`~carnet.issuing.models.AttestedLevel`) for the people shown only."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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
        return self.learner.public_name or f"Candidat·e {self.learner.pk}"


def consenting_learners() -> Any:
    latest = (
        SearchConsent.objects.filter(user=OuterRef("pk")).order_by("-created_at", "-pk").values("given")[:1]
    )
    return User.objects.annotate(consent=Subquery(latest)).filter(consent=True)


# The ranking: per learner, the best level of each of the job's competencies still valid now (NULL
# when none), and when the latest of these credentials was issued; then the score counted from the
# levels (requirements met, attested below the level asked, sum of the levels) and that moment.
# From each learner's SearchProfile while it holds (``refresh_at`` not passed), from their
# ProvenLevel rows otherwise; the two rankings are merged. On PostgreSQL, OFFSET 0 keeps the inner
# query apart, so that each level is read out of the JSON once per row, not once per use (the outer
# query names each four times): the ranking of 35,000 profiles in 49 ms instead of 64.
_FROM_PROFILES = """
SELECT learner_id, {met}, {short}, {ranks}, {latest} FROM (
    SELECT learner_id, {columns}
    FROM issuing_searchprofile
    WHERE searchable AND (refresh_at IS NULL OR refresh_at >= %s) {fence}
) profile
WHERE {attested}
ORDER BY 2 DESC, 3 DESC, 4 DESC, 5 DESC, learner_id DESC
LIMIT %s
"""
_FROM_ROWS = """
SELECT learner_id, {met}, {short}, {ranks}, latest FROM (
    SELECT learner_id, {columns}, MAX(issued_at) AS latest
    FROM issuing_provenlevel
    WHERE searchable AND competency_id IN ({wanted}) AND (valid_until IS NULL OR valid_until >= %s)
      AND learner_id IN (
          SELECT learner_id FROM issuing_searchprofile WHERE searchable AND refresh_at < %s
      )
    GROUP BY learner_id
) best
ORDER BY 2 DESC, 3 DESC, 4 DESC, 5 DESC, learner_id DESC
LIMIT %s
"""


def _score(requirements: list[Any]) -> dict[str, str]:
    """The score's expressions over the columns level0, level1... (the minimums are integers)."""
    met, short, ranks = [], [], []
    for number, requirement in enumerate(requirements):
        minimum = int(requirement.minimum_rank)
        met.append(f"CASE WHEN level{number} >= {minimum} THEN 1 ELSE 0 END")
        short.append(f"CASE WHEN level{number} < {minimum} THEN 1 ELSE 0 END")
        ranks.append(f"COALESCE(level{number}, 0)")
    return {"met": " + ".join(met), "short": " + ".join(short), "ranks": " + ".join(ranks)}


def _from_profiles(requirements: list[Any], now: Any, limit: int) -> tuple[str, list[Any]]:
    postgres = connection.vendor == "postgresql"
    columns, latest, params = [], [], []
    for number, requirement in enumerate(requirements):
        key = str(requirement.competency_id)
        if postgres:
            columns.append(
                f"(ranks ->> %s)::integer AS level{number}, (latest ->> %s)::bigint AS latest{number}"
            )
            params += [key, key]
        else:
            columns.append(
                f"json_extract(ranks, %s) AS level{number}, json_extract(latest, %s) AS latest{number}"
            )
            params += [f'$."{key}"', f'$."{key}"']
        latest.append(f"COALESCE(latest{number}, 0)")
    greatest = "GREATEST" if postgres else "MAX"
    sql = _FROM_PROFILES.format(
        **_score(requirements),
        columns=", ".join(columns),
        latest=f"{greatest}({', '.join(latest)})" if len(latest) > 1 else latest[0],
        attested=" OR ".join(f"level{number} IS NOT NULL" for number in range(len(requirements))),
        fence="OFFSET 0" if postgres else "",
    )
    return sql, [*params, now, limit]


def _from_rows(requirements: list[Any], now: Any, limit: int) -> tuple[str, list[Any]]:
    columns = [
        f"MAX(CASE WHEN competency_id = %s THEN rank END) AS level{n}" for n in range(len(requirements))
    ]
    sql = _FROM_ROWS.format(
        **_score(requirements), columns=", ".join(columns), wanted=", ".join("%s" for _ in requirements)
    )
    ids = [r.competency_id for r in requirements]
    return sql, [*ids, *ids, now, now, limit]


def _micros(moment: Any) -> int:
    """A moment as whole microseconds since 1970, as SearchProfile keeps it (SQLite answers raw
    queries with the text it stores, in UTC)."""
    if isinstance(moment, int):
        return moment
    if isinstance(moment, str):
        moment = parse_datetime(moment).replace(tzinfo=UTC)  # type: ignore[union-attr]
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# The ranking reads every consenting learner's profile: PostgreSQL's default costs keep a scan of a
# table of this size (tens of MB) to one process, and the level extraction is CPU. Priced lower for
# this transaction only, the scan is shared with the parallel workers the server allows
# (max_parallel_workers_per_gather, 2 by default): 48 → 38 ms to rank 35,000 profiles on two cores.
PARALLEL_RANKING = (
    "SET LOCAL parallel_setup_cost = 10; SET LOCAL parallel_tuple_cost = 0.001; "
    "SET LOCAL min_parallel_table_scan_size = 0"
)


def _ranking(requirements: list[Any], now: Any, limit: int) -> list[int]:
    """The learners to show, best first."""
    ranked = []
    postgres = connection.vendor == "postgresql"
    # A transaction on PostgreSQL only, for SET LOCAL: on SQLite it would take the write lock
    # (transaction_mode IMMEDIATE) for a search that writes nothing.
    with transaction.atomic() if postgres else nullcontext(), connection.cursor() as cursor:
        if postgres:
            cursor.execute(PARALLEL_RANKING)
        for sql, params in (_from_profiles(requirements, now, limit), _from_rows(requirements, now, limit)):
            cursor.execute(sql, params)
            ranked += [
                (met, short, ranks, _micros(latest), learner) for learner, met, short, ranks, latest in cursor
            ]
    ranked.sort(reverse=True)
    return [learner for *_score, learner in ranked[:limit]]


def shown_credential(job: Job, uuid: Any) -> IssuedCredential | None:
    """The credential ``uuid`` if the search for ``job`` may show it: valid now, held by a learner
    who consents to be found, attesting a competency the job asks for; None otherwise."""
    try:
        return (
            IssuedCredential.objects.filter(
                uuid=uuid,
                recipient__in=consenting_learners(),
                status=IssuedCredential.Status.ACTIVE,
                micro_credential_version__alignments__competency__in=job.requirements.values("competency"),
            )
            .exclude(valid_until__lt=timezone.now())
            .select_related("organisation", "recipient", "micro_credential_version__micro_credential")
            .distinct()
            .get()
        )
    except (IssuedCredential.DoesNotExist, ValueError, ValidationError):
        return None


def search(job: Job, *, limit: int = 50) -> list[Candidate]:
    """The consenting learners with at least one valid credential attesting a required competency,
    best first: most requirements met, then most attested below the level asked, then higher levels,
    then the most recently issued credential among those."""
    requirements = list(job.requirements.select_related("competency"))
    if not requirements:
        return []
    wanted = {r.competency_id: r for r in requirements}
    now = timezone.now()
    order = _ranking(list(wanted.values()), now, limit)
    if not order:
        return []
    # The reasons, for the people shown: of each competency, the credential of the best level (of
    # equal levels, the newest), from their rows, then those credentials only.
    rows = (
        AttestedLevel.objects.filter(learner_id__in=order, competency_id__in=wanted, active=True)
        .exclude(valid_until__lt=now)
        .order_by("-issued_at", "-credential_id")
        .values_list("learner_id", "competency_id", "rank", "credential_id")
    )
    chosen: dict[int, dict[int, tuple[int, int]]] = {learner_id: {} for learner_id in order}
    for learner_id, competency_id, rank, credential_id in rows:
        current = chosen[learner_id].get(competency_id)
        if current is None or rank > current[0]:
            chosen[learner_id][competency_id] = (rank, credential_id)
    credentials = (
        IssuedCredential.objects.select_related("recipient", "organisation", "micro_credential_version")
        .only(  # what the job page shows of them (not the signed documents: large)
            "uuid",
            "recipient__display_name",
            "organisation__name",
            "micro_credential_version__name_fr",
            "micro_credential_version__name_en",
        )
        .in_bulk([credential_id for found in chosen.values() for _rank, credential_id in found.values()])
    )
    best = {
        learner_id: {
            competency_id: Evidence(wanted[competency_id].competency, rank, credentials[credential_id])
            for competency_id, (rank, credential_id) in found.items()
        }
        for learner_id, found in chosen.items()
    }
    learners = {
        learner_id: next(iter(found.values())).credential.recipient
        for learner_id, found in best.items()
        if found
    }
    candidates = []
    for learner_id in order:
        if learner_id not in learners:  # revoked or withdrawn between the two queries
            continue
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

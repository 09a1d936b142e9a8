"""The employers' search as it was before the search index (carnet.issuing.AttestedLevel): it reads
the credentials themselves. Kept as the oracle the tests compare the search with (not a test module)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from carnet.catalogue.models import Alignment
from carnet.employers.models import Job
from carnet.employers.search import Candidate, Evidence, consenting_learners
from carnet.issuing.models import IssuedCredential
from carnet.recognition.models import RecognitionRequest

__all__ = ["reference_search"]


def reference_search(job: Job, *, limit: int = 50) -> list[Candidate]:
    """The consenting learners with at least one valid credential attesting a required competency,
    best first: most requirements met, then most attested below the level asked, then higher levels."""
    requirements = list(job.requirements.select_related("competency"))
    if not requirements:
        return []
    wanted = {r.competency_id: r for r in requirements}
    now = timezone.now()
    credentials = (
        IssuedCredential.objects.filter(
            recipient__in=consenting_learners(),
            status=IssuedCredential.Status.ACTIVE,
            micro_credential_version__alignments__competency__in=wanted,
        )
        .exclude(valid_until__lt=now)
        .select_related("recipient", "organisation", "micro_credential_version")
        .distinct()
    )
    credentials = list(credentials[:5000])
    alignments: dict[int, list[Alignment]] = defaultdict(list)
    for alignment in Alignment.objects.filter(
        version__in={c.micro_credential_version_id for c in credentials}, competency__in=wanted
    ).select_related("level"):
        alignments[alignment.version_id].append(alignment)
    recognised = {
        credential_id: (competency_id, rank)
        for credential_id, competency_id, rank in RecognitionRequest.objects.filter(
            credential__in=credentials, recognised_level__isnull=False
        ).values_list("credential_id", "recognised_level__competency_id", "recognised_level__rank")
    }
    best: dict[int, dict[int, Evidence]] = defaultdict(dict)
    learners: dict[int, Any] = {}
    for credential in credentials:
        learners[credential.recipient_id] = credential.recipient  # type: ignore[assignment]
        for alignment in alignments[credential.micro_credential_version_id]:
            rank = alignment.level.rank if alignment.level else 0
            level = recognised.get(credential.pk)
            if level is not None and level[0] == alignment.competency_id:
                rank = level[1]  # the level the assessor recognised
            current = best[credential.recipient_id].get(alignment.competency_id)
            if current is None or rank > current.rank:
                best[credential.recipient_id][alignment.competency_id] = Evidence(
                    wanted[alignment.competency_id].competency, rank, credential
                )
    candidates = []
    for learner_id, found in best.items():
        candidate = Candidate(learners[learner_id])
        for requirement in requirements:
            evidence = found.get(requirement.competency_id)
            if evidence is None:
                candidate.missing.append(requirement)
            elif evidence.rank >= requirement.minimum_rank:
                candidate.met.append((requirement, evidence))
            else:
                candidate.short.append((requirement, evidence))
        candidates.append(candidate)
    candidates.sort(key=lambda c: c.score, reverse=True)
    return candidates[:limit]

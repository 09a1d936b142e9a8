"""Recording what the figures count and nothing else does: verifications (with their survey) and
employers' searches. Each is one small insert made while the page is drawn; a failure to record
never stops the page (the figure is then one short, the visitor sees their result)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from carnet.insights.models import EmployerSearch, Verification
from carnet.site.tokens import new_token, token_hash

logger = logging.getLogger(__name__)

# How long after a verification its survey may still be answered.
SURVEY_HOURS = 24


def record_verification(
    *, credential_id: int, organisation_id: int, channel: str, employer: Any = None
) -> str | None:
    """Record that credential ``credential_id`` (issued by ``organisation_id``) was verified through
    ``channel``; the secret of its survey, or None when it could not be recorded."""
    token, hashed = new_token()
    try:
        with transaction.atomic():
            Verification.objects.create(
                credential_id=credential_id, organisation_id=organisation_id, channel=channel,
                employer=employer, token_hash=hashed,
            )  # fmt: skip
    except DatabaseError:
        logger.exception("Could not record a verification of credential %s", credential_id)
        return None
    return token


def record_search(*, employer: Any, job: Any, competency_ids: Iterable[int]) -> None:
    """Record that ``employer`` looked for candidates for ``job`` (asking for ``competency_ids``)."""
    try:
        with transaction.atomic():
            search = EmployerSearch.objects.create(employer=employer, job=job)
            search.competencies.add(*set(competency_ids))
    except DatabaseError:
        logger.exception("Could not record a search of employer %s", getattr(employer, "pk", None))


def answer_survey(*, token: str, useful: str, interview: str) -> bool:
    """Keep the answers to the survey of the verification of ``token``: once, while it is fresh.
    Unknown choices are kept as no answer. False when there is nothing (any more) to answer."""
    useful = useful if useful in Verification.Useful.values else ""
    interview = interview if interview in Verification.Interview.values else ""
    if not (useful or interview):
        return dismiss_survey(token=token)
    return _close(token, survey=Verification.Survey.ANSWERED, useful=useful, interview=interview)


def dismiss_survey(*, token: str) -> bool:
    """The verifier said no thanks: the survey is closed without answers."""
    return _close(token, survey=Verification.Survey.DISMISSED)


def _close(token: str, **changes: Any) -> bool:
    now = timezone.now()
    # One conditional update: of two answers sent at once, only the first counts.
    updated = Verification.objects.filter(
        token_hash=token_hash(token), survey=Verification.Survey.OFFERED,
        created_at__gte=now - timedelta(hours=SURVEY_HOURS),
    ).update(answered_at=now, **changes)  # fmt: skip
    return bool(updated)

"""Shared pieces of the insights tests: a published micro-credential, a way to issue it, and
recognition requests placed in time (the figures count what happened when)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carnet.catalogue import services as catalogue
from carnet.issuing import services as issuing
from carnet.recognition.models import Decision, RecognitionRequest


@pytest.fixture
def version(organisation, competency):
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient ses engagements.",
            "criteria_fr": "Présent et ponctuel pendant six mois.", "learning_contexts": ["volunteering"],
            "assessment_method": "observation", "endorsements_required": 0, "validity_months": 24,
        },
        alignments=[(competency, competency.levels.get(rank=3))],
    )  # fmt: skip
    return catalogue.publish_micro_credential(micro_credential=item)


@pytest.fixture
def issue(organisation, version):
    def issue(recipient, key="k-1", source="bulk"):
        return issuing.issue_credential(
            organisation=organisation, version=version, recipient=recipient,
            recipient_email=recipient.email, idempotency_key=key, source=source,
        )  # fmt: skip

    return issue


@pytest.fixture
def make_user(django_user_model):
    """As the project's, without a password: hashing one is most of a test's time here, and these
    tests sign in with ``force_login``."""
    return lambda email, **fields: django_user_model.objects.create(email=email, **fields)


@pytest.fixture
def person(django_user_model):
    """A learner without a password (quick to make: no hashing)."""
    return lambda email: django_user_model.objects.create(email=email)


@pytest.fixture
def place_request(organisation, version):
    """A request of ``learner`` submitted ``days_ago``, decided ``kind`` after ``hours``."""

    def place(learner, *, days_ago=3, hours=None, kind=Decision.Kind.APPROVED):
        submitted = timezone.now() - timedelta(days=days_ago)
        status = RecognitionRequest.Status.SUBMITTED
        if hours is not None:
            status = {"approved": "approved", "declined": "declined", "changes": "changes_requested"}[kind]
        request = RecognitionRequest.objects.create(
            learner=learner, micro_credential=version.micro_credential, version=version,
            organisation=organisation, status=status, submitted_at=submitted,
            decided_at=submitted + timedelta(hours=hours) if hours is not None else None,
        )  # fmt: skip
        if hours is not None:
            Decision.objects.create(request=request, kind=kind)
        return request

    return place

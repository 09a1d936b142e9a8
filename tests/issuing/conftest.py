"""Shared pieces of the issuing tests: a published micro-credential and a way to issue it."""

from __future__ import annotations

import pytest

from carnet.catalogue import services as catalogue
from carnet.issuing import services

SITE = "http://127.0.0.1:8000"


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
def issue(organisation, version, learner):
    """Issue ``version`` to the learner with idempotency key ``key``."""

    def issue(key="k-1", **extra):
        fields = {
            "organisation": organisation, "version": version, "recipient": learner,
            "recipient_email": learner.email, "idempotency_key": key, "source": "bulk", **extra,
        }  # fmt: skip
        return services.issue_credential(**fields)

    return issue


def path_of(url: str) -> str:
    assert url.startswith(SITE), url
    return url.removeprefix(SITE)

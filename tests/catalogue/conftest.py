from __future__ import annotations

import pytest


@pytest.fixture
def levels(db):
    """A level of each of two competencies of the default framework (installed by migration)."""
    from carnet.frameworks.models import Competency

    competencies = list(Competency.objects.filter(framework__status="published").order_by("code")[:2])
    assert len(competencies) == 2, "the default framework should be installed by its migration"
    return [competency.levels.order_by("rank")[1] for competency in competencies]


@pytest.fixture
def form_data(levels):
    return {
        "name_fr": "Travail d'équipe",
        "name_en": "Teamwork",
        "description_fr": "Contribue à l'atteinte d'objectifs communs.",
        "description_en": "Contributes to shared goals.",
        "criteria_fr": "Deux situations réelles, confirmées par deux personnes.",
        "criteria_en": "Two real situations, confirmed by two people.",
        "evidence_fr": "",
        "evidence_en": "",
        "learning_contexts": ["sport", "volunteering"],
        "assessment_method": "endorsements",
        "endorsements_required": "2",
        "validity_months": "",
        "levels": [level.pk for level in levels],
    }

"""The default framework of generic competencies, installed on every fresh database."""

from __future__ import annotations

import pytest

from carnet.frameworks.models import Framework
from carnet.frameworks.services import install_default_framework

pytestmark = pytest.mark.django_db


def test_it_is_installed_and_published(default_framework):
    assert default_framework.status == Framework.Status.PUBLISHED
    assert default_framework.name("fr") == "Compétences génériques"
    assert default_framework.name("en") == "Generic competencies"


def test_it_has_at_least_eight_bilingual_competencies_with_four_levels(default_framework):
    competencies = list(default_framework.competencies.all())
    assert len(competencies) >= 8
    assert len({c.code for c in competencies}) == len(competencies)
    for competency in competencies:
        assert (
            competency.name_fr
            and competency.name_en
            and competency.description_fr
            and competency.description_en
        )
        indicators = list(competency.indicators.all())
        assert 3 <= len(indicators) <= 4
        assert all(i.text_fr and i.text_en for i in indicators)
        levels = list(competency.levels.all())
        assert [level.rank for level in levels] == [1, 2, 3, 4]
        assert all(lv.name_fr and lv.name_en and lv.descriptor_fr and lv.descriptor_en for lv in levels)


def test_it_is_aligned_to_skills_for_success_where_it_applies(default_framework):
    aligned = {c.code for c in default_framework.competencies.exclude(aligned_url="")}
    assert aligned == {"CG-COM", "CG-EQU", "CG-ADA", "CG-RES", "CG-CRE"}
    # The Government of Canada's page describing the nine skills, their components and levels (the
    # address as published there, "competence-reussir" in the singular).
    urls = set(default_framework.competencies.exclude(aligned_url="").values_list("aligned_url", flat=True))
    assert urls == {
        "https://www.canada.ca/fr/services/emplois/formation/initiatives/competence-reussir/comprendre-individus.html"
    }


def test_installing_again_changes_nothing(default_framework):
    assert install_default_framework() == default_framework
    assert Framework.objects.filter(slug="competences-generiques").count() == 1


def test_its_identifiers_are_the_same_everywhere(default_framework):
    from carnet.frameworks.services import default_framework_data

    data = default_framework_data()
    assert str(default_framework.uuid) == data["uuid"]
    competency = default_framework.competencies.get(code="CG-COM")
    assert str(competency.uuid) == data["competencies"][0]["uuid"]


def test_names_fall_back_to_french(draft):
    competency = draft.competencies.get(code="T-2")
    assert competency.name("en") == "Rigueur"
    level = draft.competencies.get(code="T-1").levels.get(rank=2)
    assert level.name("en") == "Autonome"
    assert level.descriptor("en").startswith("Seul")

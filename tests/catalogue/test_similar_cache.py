"""Similar definitions without re-reading the catalogue on every visit of the publish page: each
published version is tokenised once per process, every published definition is compared (not only the
newest ones), and a definition published meanwhile is found at once."""

from __future__ import annotations

import pytest

from carnet.catalogue import selectors, services

pytestmark = pytest.mark.django_db

TEAMWORK = {
    "name_fr": "Travail d'équipe en milieu communautaire",
    "description_fr": "Contribue à l'atteinte d'objectifs communs avec une équipe de bénévoles.",
    "criteria_fr": "Deux situations réelles de travail en équipe, confirmées par deux personnes.",
    "learning_contexts": ["volunteering"], "assessment_method": "observation", "endorsements_required": 0,
}  # fmt: skip
WELDING = {
    **TEAMWORK, "name_fr": "Soudure TIG sur aluminium", "description_fr": "Souder des pièces minces.",
    "criteria_fr": "Trois soudures inspectées.",
}  # fmt: skip


def make(organisation, levels, fields, publish=True, level=0):
    item = services.create_micro_credential(
        organisation=organisation, fields=fields, alignments=[(levels[level].competency, levels[level])]
    )
    if publish:
        services.publish_micro_credential(micro_credential=item)
    return item


@pytest.fixture
def counted(monkeypatch):
    """How many versions were tokenised."""
    calls = []
    real = selectors._terms
    monkeypatch.setattr(selectors, "_terms", lambda version: calls.append(version.pk) or real(version))
    return calls


def test_a_second_visit_tokenises_only_the_draft(organisation, levels, counted):
    for number in range(3):
        make(organisation, levels, {**WELDING, "name_fr": f"Soudure {number}"}, level=1)
    existing = make(organisation, levels, TEAMWORK)
    draft = make(organisation, levels, TEAMWORK, publish=False).current_version()
    assert [s.version.micro_credential_id for s in selectors.similar_definitions(draft)] == [existing.pk]
    counted.clear()
    assert [s.version.micro_credential_id for s in selectors.similar_definitions(draft)] == [existing.pk]
    assert counted == [draft.pk]


def test_a_definition_published_meanwhile_is_found(organisation, levels):
    draft = make(organisation, levels, TEAMWORK, publish=False).current_version()
    assert selectors.similar_definitions(draft) == []
    existing = make(organisation, levels, TEAMWORK)
    assert [s.version.micro_credential_id for s in selectors.similar_definitions(draft)] == [existing.pk]


def test_the_oldest_published_definitions_are_compared_too(organisation, levels, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_COMPARED", 1, raising=False)  # the former cap, made tiny
    oldest = make(organisation, levels, TEAMWORK)
    make(organisation, levels, WELDING, level=1)
    draft = make(organisation, levels, TEAMWORK, publish=False).current_version()
    assert [s.version.micro_credential_id for s in selectors.similar_definitions(draft)] == [oldest.pk]

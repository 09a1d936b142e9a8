"""The public catalogue: filters by words, competency, level, learning context and organisation,
certificates beside micro-credentials, only what is published, in pages, in a few queries."""

from __future__ import annotations

import pytest

from carnet.catalogue import services
from carnet.catalogue.models import Certificate, RequirementGroup, Status

pytestmark = pytest.mark.django_db


def make_published(organisation, name, alignments, contexts=("work",)):
    item = services.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": name,
            "description_fr": f"Description de {name}.",
            "criteria_fr": "Deux situations réelles.",
            "learning_contexts": list(contexts),
            "assessment_method": "observation",
            "endorsements_required": 0,
        },
        alignments=alignments,
    )
    services.publish_micro_credential(micro_credential=item)
    return item


def make_certificate(organisation, name, micro_credentials, status=Status.PUBLISHED):
    root = RequirementGroup.objects.create(rule=RequirementGroup.Rule.ALL)
    nested = RequirementGroup.objects.create(parent=root, rule=RequirementGroup.Rule.N_OF, minimum=1)
    nested.micro_credentials.set(micro_credentials)
    return Certificate.objects.create(
        organisation=organisation, slug=name.lower().replace(" ", "-"), name_fr=name,
        description_fr="Un parcours.", status=status, root=root,
    )  # fmt: skip


@pytest.fixture
def competency_levels(levels):
    """All the levels of the first competency of the default framework, by rank."""
    return {level.rank: level for level in levels[0].competency.levels.all()}


def names(response):
    return {version.name_fr for version in response.context["page"]}


def test_it_filters_by_level(client, organisation, competency_levels):
    competency = competency_levels[1].competency
    make_published(organisation, "Écoute", [(competency, competency_levels[1])])
    make_published(organisation, "Animation", [(competency, competency_levels[3])])
    assert names(client.get("/catalogue/?niveau=3")) == {"Animation"}
    assert names(client.get(f"/catalogue/?niveau=1&competence={competency.code}")) == {"Écoute"}
    assert names(client.get("/catalogue/?niveau=4")) == set()


def test_it_offers_each_level_rank_with_its_names(client, organisation, competency_levels):
    page = client.get("/catalogue/").content.decode()
    assert "1 — Émergent" in page and "4 — Expert" in page
    assert "1 — Emerging" in client.get("/en/catalogue/").content.decode()


def test_it_only_matches_what_the_current_version_says(client, organisation, levels):
    first, second = levels[0].competency, levels[1].competency
    item = make_published(organisation, "Ancien nom", [(first, levels[0])])
    services.update_micro_credential(
        micro_credential=item,
        fields={**item.current_version().__dict__, "name_fr": "Nouveau nom", "description_fr": "Autre."},
        alignments=[(second, levels[1])],
    )
    services.publish_micro_credential(micro_credential=item)
    assert names(client.get("/catalogue/?q=Ancien")) == set()
    assert names(client.get("/catalogue/?q=Nouveau")) == {"Nouveau nom"}
    assert names(client.get(f"/catalogue/?competence={first.code}")) == set()
    assert names(client.get(f"/catalogue/?competence={second.code}")) == {"Nouveau nom"}


def test_it_lists_published_certificates_that_count_what_was_found(client, organisation, levels):
    competency = levels[0].competency
    listening = make_published(organisation, "Écoute", [(competency, levels[0])], contexts=["sport"])
    other = make_published(organisation, "Soudure", [(levels[1].competency, levels[1])])
    make_certificate(organisation, "Parcours relation", [listening])
    make_certificate(organisation, "Parcours atelier", [other])
    make_certificate(organisation, "Parcours brouillon", [listening], status=Status.DRAFT)
    response = client.get(f"/catalogue/?competence={competency.code}")
    assert [c.name_fr for c in response.context["results"].certificates] == ["Parcours relation"]
    assert [c.name_fr for c in client.get("/catalogue/?contexte=work").context["results"].certificates] == [
        "Parcours atelier"
    ]
    everything = client.get("/catalogue/").content.decode()
    assert "Parcours relation" in everything and "Parcours brouillon" not in everything


def test_nonsense_parameters_are_ignored(client, organisation, levels):
    make_published(organisation, "Écoute", [(levels[0].competency, levels[0])])
    for query in ("niveau=abc", "niveau=-1", "contexte=<script>", "page=999", "page=x"):
        response = client.get(f"/catalogue/?{query}")
        assert response.status_code == 200 and names(response) == {"Écoute"}


def test_it_pages_long_results_and_keeps_the_filters(client, organisation, levels):
    for number in range(30):
        make_published(organisation, f"Atelier {number:02}", [(levels[0].competency, levels[0])])
    first = client.get("/catalogue/?contexte=work")
    assert len(first.context["page"]) == 24 and first.context["page"].paginator.count == 30
    assert "?contexte=work&amp;page=2" in first.content.decode()
    assert len(client.get("/catalogue/?contexte=work&page=2").context["page"]) == 6


def test_the_number_of_queries_does_not_grow_with_the_results(
    client, organisation, levels, django_assert_max_num_queries
):
    for number in range(20):
        make_published(organisation, f"Atelier {number:02}", [(levels[0].competency, levels[0])])
    with django_assert_max_num_queries(12):
        client.get("/catalogue/")

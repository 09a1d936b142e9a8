"""The web editor of competencies: platform staff add, edit and delete a competency with its
indicators and levels; a published framework is never changed in place."""

from __future__ import annotations

import pytest

from carnet.audit.models import AuditEvent
from carnet.catalogue.services import create_micro_credential
from carnet.frameworks import services
from carnet.frameworks.models import Competency, Framework, framework_data

pytestmark = pytest.mark.django_db

NOT_STAFF = ["outsider", "learner", "org_admin", "assessor", "employer"]


def base(framework: Framework) -> str:
    return f"/referentiels/gestion/{framework.uuid}/competences/"


def rows(prefix: str, items: list[dict], initial: int = 0) -> dict[str, str]:
    """POST data of a formset of ``items`` (each a dict of field → value)."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(items)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "30",
    }
    for index, item in enumerate(items):
        data.update({f"{prefix}-{index}-{name}": str(value) for name, value in item.items()})
    return data


def competency_post(
    code: str = "T-3",
    name_fr: str = "Créativité",
    indicators: list[dict] | None = None,
    levels: list[dict] | None = None,
    initial_indicators: int = 0,
    initial_levels: int = 0,
    **fields: str,
) -> dict[str, str]:
    data = {
        "code": code,
        "name_fr": name_fr,
        "name_en": "Creativity",
        "description_fr": "Imaginer des solutions.",
        "description_en": "",
        "aligned_to": "",
        "aligned_url": "",
        "order": "",
        **fields,
    }
    if indicators is None:
        indicators = [
            {"text_fr": "Propose des idées", "text_en": "Offers ideas"},
            {"text_fr": "", "text_en": ""},
        ]
    if levels is None:
        levels = [
            {"rank": 1, "name_fr": "Débutant", "descriptor_fr": "Commence"},
            {"rank": 2, "name_fr": "Avancé", "descriptor_fr": "Maîtrise"},
            {"rank": "", "name_fr": ""},
        ]
    data.update(rows("indicateurs", indicators, initial_indicators))
    data.update(rows("niveaux", levels, initial_levels))
    return data


def edit_post(competency: Competency, **changes) -> dict[str, str]:
    """What the edit page posts back for ``competency`` unchanged, with ``changes``."""
    indicators = [
        {"id": row.pk, "text_fr": row.text_fr, "text_en": row.text_en} for row in competency.indicators.all()
    ]
    levels = [
        {"id": row.pk, "rank": row.rank, "name_fr": row.name_fr, "name_en": row.name_en,
         "descriptor_fr": row.descriptor_fr, "descriptor_en": row.descriptor_en}
        for row in competency.levels.all()
    ]  # fmt: skip
    fields = {
        "code": competency.code,
        "name_fr": competency.name_fr,
        "name_en": competency.name_en,
        "description_fr": competency.description_fr,
        "description_en": competency.description_en,
        "aligned_to": competency.aligned_to,
        "aligned_url": competency.aligned_url,
        "order": str(competency.order),
    }
    indicators = changes.pop("indicators", indicators)
    levels = changes.pop("levels", levels)
    return competency_post(
        indicators=indicators,
        levels=levels,
        initial_indicators=competency.indicators.count(),
        initial_levels=competency.levels.count(),
        **{**fields, **changes},
    )


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def listening(draft) -> Competency:
    return draft.competencies.get(code="T-1")


def new_urls(framework: Framework, competency: Competency) -> list[str]:
    return [
        base(framework) + "ajouter/",
        base(framework) + f"{competency.uuid}/",
        base(framework) + f"{competency.uuid}/supprimer/",
    ]


# Who may use the editor


@pytest.mark.parametrize("role", NOT_STAFF)
def test_it_refuses_everyone_but_staff(client, request, role, draft, listening):
    client.force_login(request.getfixturevalue(role))
    for url in new_urls(draft, listening):
        assert client.get(url).status_code == 404, url
        assert client.post(url, competency_post()).status_code == 404, url
    assert draft.competencies.count() == 2
    assert not AuditEvent.objects.filter(verb__startswith="framework.competency").exists()


def test_it_refuses_visitors(client, draft, listening):
    for url in new_urls(draft, listening):
        assert client.get(url).status_code == 404, url
        assert client.post(url, competency_post()).status_code == 404, url
    assert draft.competencies.count() == 2


def test_it_answers_only_get_and_post(staff_client, draft, listening):
    for url in new_urls(draft, listening):
        assert staff_client.put(url).status_code == 405, url
        assert staff_client.delete(url).status_code == 405, url


def test_it_does_not_find_a_competency_of_another_framework(staff_client, draft, default_framework):
    other = default_framework.competencies.first()
    assert staff_client.get(base(draft) + f"{other.uuid}/").status_code == 404
    assert staff_client.post(base(draft) + f"{other.uuid}/supprimer/").status_code == 404
    assert Competency.objects.filter(pk=other.pk).exists()


# The framework page


def test_the_framework_page_lists_the_competencies_with_links(staff_client, draft, listening):
    page = staff_client.get(f"/referentiels/gestion/{draft.uuid}/").text
    assert "Ajouter une compétence" in page
    assert base(draft) + "ajouter/" in page
    assert base(draft) + f"{listening.uuid}/" in page
    assert "Rigueur" in page


def test_an_archived_framework_has_no_editor(staff_client, draft, listening):
    services.archive_framework(framework=draft)
    page = staff_client.get(f"/referentiels/gestion/{draft.uuid}/").text
    assert "Ajouter une compétence" not in page
    response = staff_client.post(base(draft) + "ajouter/", competency_post())
    assert response.status_code == 302
    assert draft.competencies.count() == 2
    response = staff_client.post(base(draft) + f"{listening.uuid}/supprimer/")
    assert response.status_code == 302
    assert draft.competencies.count() == 2


# Adding


def test_staff_add_a_competency_with_its_indicators_and_levels(staff_client, staff, draft):
    page = staff_client.get(base(draft) + "ajouter/")
    assert page.status_code == 200
    assert 'for="id_indicateurs-0-text_fr"' in page.text
    response = staff_client.post(base(draft) + "ajouter/", competency_post())
    assert response.status_code == 302
    assert response["Location"] == f"/referentiels/gestion/{draft.uuid}/"
    added = draft.competencies.get(code="T-3")
    assert added.name_fr == "Créativité"
    assert added.order == 2  # after the others
    assert [i.text_fr for i in added.indicators.all()] == ["Propose des idées"]
    assert [(lv.rank, lv.name_fr) for lv in added.levels.all()] == [(1, "Débutant"), (2, "Avancé")]
    event = AuditEvent.objects.get(verb="framework.competency_added")
    assert event.actor == staff
    assert event.target_id == str(added.pk)


def test_the_add_row_buttons_keep_what_was_typed_and_save_nothing(staff_client, draft):
    data = competency_post()
    data["add_niveaux"] = "1"
    response = staff_client.post(base(draft) + "ajouter/", data)
    assert response.status_code == 200
    assert 'name="niveaux-3-rank"' in response.text  # one more blank level
    assert 'value="Créativité"' in response.text
    assert 'role="alert"' not in response.text
    assert not draft.competencies.filter(code="T-3").exists()


# Editing


def test_staff_edit_a_competency_its_indicators_and_levels(staff_client, staff, draft, listening):
    indicator = listening.indicators.get()
    first, second = listening.levels.all()
    page = staff_client.get(base(draft) + f"{listening.uuid}/")
    assert page.status_code == 200
    assert "Reformule" in page.text
    data = edit_post(
        listening,
        name_fr="Écoute active",
        aligned_url="https://example.org/ecoute",
        indicators=[
            {"id": indicator.pk, "text_fr": "Reformule ce qu'il entend", "text_en": ""},
            {"text_fr": "Pose des questions", "text_en": "Asks questions"},
        ],
        levels=[
            # The two levels swap their ranks; a third is added.
            {"id": first.pk, "rank": 2, "name_fr": "Émergent", "descriptor_fr": ""},
            {"id": second.pk, "rank": 1, "name_fr": "Autonome", "descriptor_fr": ""},
            {"rank": 3, "name_fr": "Expert", "descriptor_fr": "Enseigne"},
        ],
    )
    data["indicateurs-INITIAL_FORMS"] = "1"
    data["niveaux-INITIAL_FORMS"] = "2"
    response = staff_client.post(base(draft) + f"{listening.uuid}/", data)
    assert response.status_code == 302
    listening.refresh_from_db()
    assert listening.name_fr == "Écoute active"
    assert listening.aligned_url == "https://example.org/ecoute"
    indicators = list(listening.indicators.all())
    assert [i.text_fr for i in indicators] == ["Reformule ce qu'il entend", "Pose des questions"]
    assert indicators[0].uuid == indicator.uuid  # its identifier stays
    levels = {lv.name_fr: lv for lv in listening.levels.all()}
    assert (levels["Autonome"].rank, levels["Émergent"].rank, levels["Expert"].rank) == (1, 2, 3)
    assert levels["Émergent"].uuid == first.uuid
    assert AuditEvent.objects.filter(verb="framework.competency_changed", actor=staff).count() == 1


def test_staff_remove_indicators_and_levels(staff_client, draft, listening):
    data = edit_post(listening)
    data["indicateurs-0-DELETE"] = "on"
    data["niveaux-1-DELETE"] = "on"
    response = staff_client.post(base(draft) + f"{listening.uuid}/", data)
    assert response.status_code == 302
    assert listening.indicators.count() == 0
    assert [lv.name_fr for lv in listening.levels.all()] == ["Émergent"]


def test_save_and_stay_comes_back_to_the_competency(staff_client, draft, listening):
    data = edit_post(listening)
    data["stay"] = "1"
    response = staff_client.post(base(draft) + f"{listening.uuid}/", data)
    assert response["Location"] == base(draft) + f"{listening.uuid}/"


# Validation


def test_a_code_already_used_is_refused_next_to_the_field(staff_client, draft):
    response = staff_client.post(base(draft) + "ajouter/", competency_post(code="T-2", name_fr="Doublon"))
    assert response.status_code == 200
    assert "déjà celui d&#x27;une autre compétence" in response.text
    assert 'value="Doublon"' in response.text  # what was typed is kept
    assert draft.competencies.count() == 2
    assert not AuditEvent.objects.exists()


def test_keeping_its_own_code_is_fine(staff_client, draft, listening):
    response = staff_client.post(base(draft) + f"{listening.uuid}/", edit_post(listening))
    assert response.status_code == 302


def test_a_french_name_is_required(staff_client, draft):
    response = staff_client.post(base(draft) + "ajouter/", competency_post(name_fr=""))
    assert response.status_code == 200
    name = response.text.split('id="id_name_fr"')[1].split("</div>")[0]
    assert "Ce champ est obligatoire" in name  # beside the field
    assert "Propose des idées" in response.text
    assert not draft.competencies.filter(code="T-3").exists()


@pytest.mark.parametrize(
    ("ranks", "message"),
    [((1, 3), "leurs rangs vont de 1 à 2"), ((1, 1), "Un autre niveau a déjà ce rang"), ((2, 3), "de 1 à 2")],
)
def test_level_ranks_run_from_1_to_n(staff_client, draft, ranks, message):
    levels = [{"rank": rank, "name_fr": f"Niveau {rank}-{i}"} for i, rank in enumerate(ranks)]
    response = staff_client.post(base(draft) + "ajouter/", competency_post(levels=levels))
    assert response.status_code == 200
    assert message in response.text
    assert 'value="Niveau' in response.text
    assert not draft.competencies.filter(code="T-3").exists()


def test_a_bad_level_on_edit_saves_nothing_at_all(staff_client, draft, listening):
    before = framework_data(draft, with_uuids=True)
    data = edit_post(listening, name_fr="Changé")
    data["niveaux-1-rank"] = "5"
    response = staff_client.post(base(draft) + f"{listening.uuid}/", data)
    assert response.status_code == 200
    assert framework_data(draft, with_uuids=True) == before
    assert 'value="Changé"' in response.text


def test_the_service_checks_the_rules_again(draft, listening):
    with pytest.raises(services.FrameworkError) as refused:
        services.save_competency(
            framework=draft, fields={"code": "T-1", "name_fr": "X"}, indicators=[], levels=[]
        )
    assert refused.value.field == "code"
    with pytest.raises(services.FrameworkError):
        services.save_competency(
            framework=draft,
            fields={"code": "X", "name_fr": "X"},
            indicators=[],
            levels=[{"rank": 2, "name_fr": "Deux"}],
        )
    assert draft.competencies.count() == 2


# Deleting


def test_staff_delete_a_competency(staff_client, staff, draft, listening):
    page = staff_client.get(base(draft) + f"{listening.uuid}/supprimer/")
    assert page.status_code == 200
    assert "T-1" in page.text
    response = staff_client.post(base(draft) + f"{listening.uuid}/supprimer/")
    assert response.status_code == 302
    assert list(draft.competencies.values_list("code", flat=True)) == ["T-2"]
    event = AuditEvent.objects.get(verb="framework.competency_removed")
    assert event.actor == staff
    assert event.data["code"] == "T-1"


def test_a_competency_a_micro_credential_aligns_to_is_not_deleted(
    staff_client, organisation, draft, listening
):
    level = listening.levels.first()
    create_micro_credential(
        organisation=organisation, fields={"name_fr": "Écoute au travail"}, alignments=[(listening, level)]
    )
    response = staff_client.post(base(draft) + f"{listening.uuid}/supprimer/", follow=True)
    assert response.status_code == 200
    assert "ne peut pas être supprimée" in response.text
    assert "Écoute au travail" in response.text
    assert draft.competencies.filter(pk=listening.pk).exists()
    assert listening.levels.count() == 2
    assert not AuditEvent.objects.filter(verb="framework.competency_removed").exists()


def test_a_level_a_micro_credential_aligns_to_is_kept(staff_client, organisation, draft, listening):
    level = listening.levels.get(rank=2)
    create_micro_credential(
        organisation=organisation, fields={"name_fr": "Écoute au travail"}, alignments=[(listening, level)]
    )
    data = edit_post(listening, name_fr="Changé")
    data["niveaux-1-DELETE"] = "on"
    response = staff_client.post(base(draft) + f"{listening.uuid}/", data)
    assert response.status_code == 200
    assert "Écoute au travail" in response.text
    listening.refresh_from_db()
    assert listening.name_fr == "Écoute"
    assert listening.levels.count() == 2


# Published frameworks are never changed in place


@pytest.fixture
def published(draft) -> Framework:
    return services.publish_framework(framework=draft)


def test_editing_a_published_competency_goes_to_a_new_draft(staff_client, published):
    listening = published.competencies.get(code="T-1")
    before = framework_data(published, with_uuids=True)
    first = listening.levels.get(rank=1)
    data = edit_post(listening, name_fr="Écoute active")
    data["niveaux-0-name_fr"] = "Débutant"
    data["indicateurs-0-DELETE"] = "on"
    response = staff_client.post(base(published) + f"{listening.uuid}/", data, follow=True)
    new = Framework.objects.get(previous=published)
    assert new.status == Framework.Status.DRAFT
    assert new.version == "1.1"
    assert response.redirect_chain[-1][0] == f"/referentiels/gestion/{new.uuid}/"
    assert "version 1.1, un brouillon" in response.text
    assert framework_data(published, with_uuids=True) == before
    copy = new.competencies.get(code="T-1")
    assert copy.name_fr == "Écoute active"
    assert copy.indicators.count() == 0
    assert [lv.name_fr for lv in copy.levels.all()] == ["Débutant", "Autonome"]
    assert copy.levels.get(rank=1).uuid != first.uuid
    assert new.competencies.count() == 2


def test_the_draft_in_progress_is_reused(staff_client, published):
    in_progress = services.update_framework(framework=published, fields={"name_fr": "Révisé"})
    response = staff_client.post(base(published) + "ajouter/", competency_post())
    assert response["Location"] == f"/referentiels/gestion/{in_progress.uuid}/"
    assert Framework.objects.filter(slug=published.slug).count() == 2
    assert in_progress.competencies.filter(code="T-3").exists()
    assert not published.competencies.filter(code="T-3").exists()
    rigour = published.competencies.get(code="T-2")
    staff_client.post(base(published) + f"{rigour.uuid}/supprimer/")
    assert list(in_progress.competencies.values_list("code", flat=True)) == ["T-1", "T-3"]
    assert published.competencies.count() == 2
    assert Framework.objects.filter(slug=published.slug).count() == 2


def test_deleting_a_published_competency_makes_a_draft_without_it(staff_client, organisation, published):
    listening = published.competencies.get(code="T-1")
    create_micro_credential(
        organisation=organisation,
        fields={"name_fr": "Écoute au travail"},
        alignments=[(listening, listening.levels.first())],
    )
    response = staff_client.post(base(published) + f"{listening.uuid}/supprimer/")
    new = Framework.objects.get(previous=published)
    assert response["Location"] == f"/referentiels/gestion/{new.uuid}/"
    assert list(new.competencies.values_list("code", flat=True)) == ["T-2"]
    assert published.competencies.filter(pk=listening.pk).exists()


def test_a_refusal_found_in_the_draft_in_progress_is_shown_next_to_the_code(staff_client, published):
    # The published framework's form accepts the code, but the draft in progress already has it.
    in_progress = services.update_framework(framework=published, fields={})
    services.save_competency(
        framework=in_progress, fields={"code": "T-9", "name_fr": "Neuf"}, indicators=[], levels=[]
    )
    response = staff_client.post(base(published) + "ajouter/", competency_post(code="T-9"))
    assert response.status_code == 200
    assert "déjà celui d&#x27;une autre compétence" in response.text
    assert in_progress.competencies.count() == 3


def test_a_refused_change_of_a_published_framework_leaves_no_draft(published):
    listening = published.competencies.get(code="T-1")
    with pytest.raises(services.FrameworkError):
        services.save_competency(
            framework=published,
            competency=listening,
            fields={"code": "T-1", "name_fr": "Écoute"},
            indicators=[],
            levels=[{"rank": 1, "name_fr": "Un"}, {"rank": 1, "name_fr": "Un encore"}],
        )
    assert not Framework.objects.filter(previous=published).exists()

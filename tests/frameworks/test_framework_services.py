"""Writes about frameworks: create, update (new version when published), publish, archive."""

from __future__ import annotations

import pytest

from carnet.frameworks import services
from carnet.frameworks.models import Framework, framework_data

pytestmark = pytest.mark.django_db


def test_it_creates_a_draft(draft):
    assert draft.status == Framework.Status.DRAFT
    assert draft.competencies.count() == 2
    assert list(draft.competencies.values_list("code", flat=True)) == ["T-1", "T-2"]


def test_it_refuses_a_second_framework_with_the_same_slug_and_version(draft):
    with pytest.raises(services.FrameworkError):
        services.create_framework(fields={"slug": "essai", "version": "1.0", "name_fr": "Autre"})


def test_it_updates_a_draft_in_place(draft):
    edited = services.update_framework(framework=draft, fields={"name_fr": "Nouveau nom"})
    assert edited.pk == draft.pk
    draft.refresh_from_db()
    assert draft.name_fr == "Nouveau nom"


def test_editing_a_published_framework_makes_a_new_version(draft):
    services.publish_framework(framework=draft)
    before = framework_data(draft)
    edited = services.update_framework(framework=draft, fields={"name_fr": "Nom révisé", "version": "1.0"})
    assert edited.pk != draft.pk
    assert edited.previous == draft
    assert edited.version == "1.1"
    assert edited.status == Framework.Status.DRAFT
    assert edited.name_fr == "Nom révisé"
    draft.refresh_from_db()
    assert framework_data(draft) == before
    assert framework_data(edited)["competencies"] == before["competencies"]
    assert not set(edited.competencies.values_list("uuid", flat=True)) & set(
        draft.competencies.values_list("uuid", flat=True)
    )


def test_editing_a_published_framework_twice_edits_the_same_draft(draft):
    services.publish_framework(framework=draft)
    first = services.update_framework(framework=draft, fields={"name_fr": "A"})
    second = services.update_framework(framework=draft, fields={"name_fr": "B"})
    assert first.pk == second.pk
    assert Framework.objects.filter(slug="essai").count() == 2


def test_publishing_a_new_version_archives_the_old_one(draft):
    services.publish_framework(framework=draft)
    new = services.update_framework(framework=draft, fields={})
    services.publish_framework(framework=new)
    draft.refresh_from_db()
    assert draft.status == Framework.Status.ARCHIVED
    assert new.status == Framework.Status.PUBLISHED


def test_it_replaces_the_content_of_a_draft(draft):
    services.update_framework(framework=draft, fields={}, competencies=[{"code": "X", "name_fr": "X"}])
    assert list(draft.competencies.values_list("code", flat=True)) == ["X"]


def test_it_refuses_to_publish_twice_or_empty(draft):
    services.publish_framework(framework=draft)
    with pytest.raises(services.FrameworkError):
        services.publish_framework(framework=draft)
    empty = services.create_framework(fields={"slug": "vide", "name_fr": "Vide"})
    with pytest.raises(services.FrameworkError):
        services.publish_framework(framework=empty)


def test_an_archived_framework_cannot_be_edited(draft):
    services.archive_framework(framework=draft)
    assert draft.status == Framework.Status.ARCHIVED
    with pytest.raises(services.FrameworkError):
        services.update_framework(framework=draft, fields={"name_fr": "Non"})


@pytest.mark.parametrize(
    ("before", "after"), [("1.0", "1.1"), ("2", "3"), ("1.9", "1.10"), ("2024-a", "2024-a.1")]
)
def test_next_version(before, after):
    assert services.next_version(before) == after

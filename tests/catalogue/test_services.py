"""Catalogue services: drafts, publication, versions that never change once published."""

from __future__ import annotations

import pytest

from carnet.catalogue import services
from carnet.catalogue.models import MicroCredential, Status
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db

FIELDS = {
    "name_fr": "Fiabilité",
    "name_en": "Reliability",
    "description_fr": "Tient ses engagements.",
    "criteria_fr": "Trois mois d'engagement bénévole régulier.",
    "learning_contexts": ["volunteering"],
    "assessment_method": "endorsements",
    "endorsements_required": 2,
}


def make(organisation, levels) -> MicroCredential:
    return services.create_micro_credential(
        organisation=organisation, fields=FIELDS, alignments=[(level.competency, level) for level in levels]
    )


def test_a_new_micro_credential_is_a_draft_version_1(organisation, levels):
    item = make(organisation, levels)
    assert item.status == Status.DRAFT
    assert [v.number for v in item.versions.all()] == [1]
    assert item.versions.get().alignments.count() == 2


def test_publishing_then_editing_makes_a_new_version_and_keeps_the_old(organisation, levels):
    item = make(organisation, levels)
    first = services.publish_micro_credential(micro_credential=item)
    second = services.update_micro_credential(
        micro_credential=item, fields={"name_fr": "Fiabilité (révisée)"}
    )
    assert second.number == 2 and second.published_at is None
    first.refresh_from_db()
    assert first.name_fr == "Fiabilité" and first.published_at is not None
    assert second.alignments.count() == 2  # carried over
    assert item.current_version() == first  # the catalogue still shows the published one
    services.publish_micro_credential(micro_credential=item)
    assert item.current_version().name_fr == "Fiabilité (révisée)"


def test_editing_a_draft_changes_it_in_place(organisation, levels):
    item = make(organisation, levels)
    services.update_micro_credential(micro_credential=item, fields={"name_fr": "Autre"})
    assert item.versions.count() == 1 and item.versions.get().name_fr == "Autre"


def test_publication_needs_an_alignment(organisation):
    item = services.create_micro_credential(organisation=organisation, fields=FIELDS)
    with pytest.raises(services.CatalogueError, match="compétence"):
        services.publish_micro_credential(micro_credential=item)


def test_an_archived_micro_credential_cannot_change(organisation, levels):
    item = make(organisation, levels)
    services.archive_micro_credential(micro_credential=item)
    with pytest.raises(services.CatalogueError, match="archivée"):
        services.update_micro_credential(micro_credential=item, fields={"name_fr": "x"})


def test_employers_do_not_define_micro_credentials(employer, levels):
    employer_org = Organisation.objects.get(slug="employer-test")
    with pytest.raises(services.CatalogueError):
        make(employer_org, levels)


def test_slugs_are_unique_per_organisation(organisation, levels, make_user):
    assert make(organisation, levels).slug == "fiabilite"
    assert make(organisation, levels).slug == "fiabilite-2"
    other = create_organisation(name="Autre", kind="college", admin=make_user("x@y.test"), slug="autre")
    assert make(other, levels).slug == "fiabilite"

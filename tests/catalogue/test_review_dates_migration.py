"""Migration catalogue 0005: definitions published before the yearly review existed get a review date,
a year after their latest publication, or 30 days from the migration when that year is nearly or
already over; drafts and dates already set are left alone."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from carnet.catalogue import services
from carnet.catalogue.models import MicroCredential

pytestmark = pytest.mark.django_db

migration = importlib.import_module("carnet.catalogue.migrations.0005_review_dates_of_published_definitions")


def definition(organisation, levels, name, published_days_ago=None):
    item = services.create_micro_credential(
        organisation=organisation,
        fields={"name_fr": name, "description_fr": "Décrit.", "criteria_fr": "Démontré.",
                "learning_contexts": ["volunteering"], "assessment_method": "observation",
                "endorsements_required": 0},
        alignments=[(levels[0].competency, levels[0])],
    )  # fmt: skip
    if published_days_ago is not None:
        services.publish_micro_credential(micro_credential=item)
        item.versions.update(published_at=timezone.now() - datetime.timedelta(days=published_days_ago))
        MicroCredential.objects.filter(pk=item.pk).update(review_due=None)  # as before migration 0004
    return item


def review_due(item):
    item.refresh_from_db()
    return item.review_due


def test_old_definitions_get_a_review_date_without_a_flood_of_overdue_flags(organisation, levels):
    today = timezone.localdate()
    recent = definition(organisation, levels, "Récente", published_days_ago=90)
    old = definition(organisation, levels, "Ancienne", published_days_ago=500)
    draft = definition(organisation, levels, "Brouillon")
    kept = definition(organisation, levels, "Déjà datée", published_days_ago=10)
    MicroCredential.objects.filter(pk=kept.pk).update(review_due=today + datetime.timedelta(days=200))
    migration.set_review_dates(apps, None)
    published = timezone.localtime(recent.versions.get().published_at).date()
    assert review_due(recent) == published + datetime.timedelta(days=365)
    assert review_due(old) == today + datetime.timedelta(days=30)
    assert review_due(draft) is None
    assert review_due(kept) == today + datetime.timedelta(days=200)

"""The organisation's settings page: its admins choose whether approvals need a second assessor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carnet.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_admin_requires_a_second_review(client, organisation, org_admin):
    client.force_login(org_admin)
    url = reverse("organisations:settings", args=[organisation.slug])
    assert "deuxième évaluation" in client.get(url).content.decode()
    response = client.post(url, {"requires_second_review": "on"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.requires_second_review
    event = AuditEvent.objects.get(verb="organisation.settings_changed")
    assert event.actor == org_admin and event.data == {"requires_second_review": True}
    client.post(url, {})
    organisation.refresh_from_db()
    assert not organisation.requires_second_review


def test_saving_without_a_change_records_nothing(client, organisation, org_admin):
    client.force_login(org_admin)
    client.post(reverse("organisations:settings", args=[organisation.slug]), {})
    assert not AuditEvent.objects.filter(verb="organisation.settings_changed").exists()


@pytest.mark.parametrize("who", ["assessor", "learner", "outsider", "employer"])
def test_others_cannot_change_them(client, organisation, request, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("organisations:settings", args=[organisation.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"requires_second_review": "on"}).status_code == 404
    organisation.refresh_from_db()
    assert not organisation.requires_second_review

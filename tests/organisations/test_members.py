"""Organisation admins manage members; nobody else can."""

from __future__ import annotations

import pytest

from carnet.organisations.models import Membership

pytestmark = pytest.mark.django_db
URL = "/organisations/cje-test/membres/"


def test_an_admin_adds_an_assessor_by_email(client, org_admin, organisation, learner):
    client.force_login(org_admin)
    response = client.post(URL, {"email": "LEARNER@example.test", "role": "assessor"})
    assert response.status_code == 302
    assert Membership.objects.get(organisation=organisation, user=learner).role == "assessor"


def test_the_last_admin_cannot_leave_or_be_demoted(client, org_admin, organisation):
    client.force_login(org_admin)
    membership = Membership.objects.get(user=org_admin)
    client.post(f"{URL}{membership.pk}/", {"action": "remove"})
    client.post(f"{URL}{membership.pk}/", {"role": "assessor"})
    assert Membership.objects.get(pk=membership.pk).role == "admin"


def test_an_admin_changes_a_role_and_removes_a_member(client, org_admin, organisation, assessor):
    client.force_login(org_admin)
    membership = Membership.objects.get(user=assessor)
    client.post(f"{URL}{membership.pk}/", {"role": "admin"})
    assert Membership.objects.get(pk=membership.pk).role == "admin"
    client.post(f"{URL}{membership.pk}/", {"action": "remove"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("who", ["assessor", "learner", "outsider", "employer"])
def test_others_cannot_manage_members(client, request, who, organisation, learner):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"email": learner.email, "role": "admin"}).status_code == 404
    admin_membership = Membership.objects.get(organisation=organisation, role="admin")
    assert client.post(f"{URL}{admin_membership.pk}/", {"action": "remove"}).status_code == 404
    assert not Membership.objects.filter(organisation=organisation, user=learner).exists()

"""The access helper: members with the right role get the organisation, everyone else a 404."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from carnet.organisations.access import access_organisation
from carnet.organisations.models import Membership, Organisation
from carnet.organisations.services import add_member, create_organisation

pytestmark = pytest.mark.django_db


def test_it_gives_the_organisation_to_its_admin(org_admin, organisation):
    assert access_organisation(org_admin, "cje-test") == organisation


def test_it_refuses_an_assessor_where_admins_are_needed(assessor, organisation):
    with pytest.raises(Http404):
        access_organisation(assessor, "cje-test")
    assert access_organisation(assessor, "cje-test", roles=("admin", "assessor")) == organisation


def test_it_refuses_outsiders_and_visitors(outsider, organisation):
    with pytest.raises(Http404):
        access_organisation(outsider, "cje-test", roles=("admin", "assessor"))
    with pytest.raises(Http404):
        access_organisation(AnonymousUser(), "cje-test")


def test_an_assessor_of_one_organisation_cannot_touch_another(assessor, make_user):
    other = create_organisation(
        name="Other", kind=Organisation.Kind.COLLEGE, admin=make_user("o@x.test"), slug="other"
    )
    with pytest.raises(Http404):
        access_organisation(assessor, other.slug, roles=("admin", "assessor"))


def test_creating_an_organisation_makes_its_creator_admin(org_admin, organisation):
    assert Membership.objects.get(organisation=organisation).user == org_admin


def test_adding_a_member_twice_changes_the_role(organisation, learner):
    add_member(organisation=organisation, user=learner, role=Membership.Role.ASSESSOR)
    add_member(organisation=organisation, user=learner, role=Membership.Role.ADMIN)
    assert Membership.objects.get(organisation=organisation, user=learner).role == "admin"

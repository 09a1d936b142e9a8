"""Fixtures of the platform tests: one person per role, and an outsider."""

from __future__ import annotations

import pytest

from carnet.organisations.models import Membership, Organisation
from carnet.organisations.services import add_member, create_organisation


@pytest.fixture
def make_user(django_user_model):
    def make(email: str, **fields):
        return django_user_model.objects.create_user(email, "a long test password", **fields)

    return make


@pytest.fixture
def org_admin(make_user):
    return make_user("admin@org.test", display_name="Org Admin")


@pytest.fixture
def organisation(org_admin) -> Organisation:
    return create_organisation(
        name="CJE Test", kind=Organisation.Kind.COMMUNITY, admin=org_admin, slug="cje-test"
    )


@pytest.fixture
def assessor(make_user, organisation):
    user = make_user("assessor@org.test")
    add_member(organisation=organisation, user=user, role=Membership.Role.ASSESSOR)
    return user


@pytest.fixture
def employer(make_user):
    user = make_user("hr@employer.test")
    create_organisation(
        name="Employer Test", kind=Organisation.Kind.EMPLOYER, admin=user, slug="employer-test"
    )
    return user


@pytest.fixture
def learner(make_user):
    return make_user("learner@example.test")


@pytest.fixture
def outsider(make_user):
    """Someone with an account and no role anywhere."""
    return make_user("outsider@example.test")


@pytest.fixture
def staff(make_user):
    return make_user("staff@carnet.test", is_staff=True, is_superuser=True)

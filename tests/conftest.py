"""Fixtures of the platform tests: one person per role, and an outsider."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

sys.path.insert(0, str(Path(__file__).parent / "credentials"))
from jspeer import JsPeer, JsPeerUnavailable

from carnet.organisations.models import Membership, Organisation
from carnet.organisations.services import add_member, create_organisation


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in French: a request to an /en/ page leaves English active in the thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


@pytest.fixture(scope="session")
def js_peer() -> Iterator[JsPeer]:
    """The JavaScript reference peer (Digital Bazaar stack), one node process per session.

    Missing node or ``interop/js/node_modules`` fails the test, unless CARNET_ALLOW_SKIP_INTEROP=1,
    which turns it into a skip.
    """
    peer = JsPeer()
    try:
        peer.start()
    except JsPeerUnavailable as exc:
        if os.environ.get("CARNET_ALLOW_SKIP_INTEROP") == "1":
            pytest.skip(f"interoperability with the JavaScript reference not tested: {exc}")
        pytest.fail(
            f"{exc}. Run ./scripts/test, which installs them (npm ci in interop/js); "
            "or set CARNET_ALLOW_SKIP_INTEROP=1 to skip the interoperability tests.",
            pytrace=False,
        )
    with peer:
        yield peer

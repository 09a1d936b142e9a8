"""The demo data: one account per role, verified emails, idempotent."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from carnet.accounts.models import User
from carnet.organisations.models import Membership
from carnet.site.management.commands.load_demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_it_creates_every_role_and_can_run_twice(client):
    call_command("load_demo")
    call_command("load_demo")
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    assert EmailAddress.objects.filter(verified=True).count() == len(DEMO_ACCOUNTS)
    assert Membership.objects.filter(role="assessor", organisation__slug="cje-outaouais").count() == 1
    assert User.objects.get(email="equipe@carnet.localhost").is_staff


def test_a_demo_login_works(client):
    call_command("load_demo")
    response = client.post("/comptes/login/", {"login": "admin@cje.localhost", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "Administration de Carrefour" in client.get("/").content.decode()

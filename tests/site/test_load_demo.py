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


def test_the_demo_has_a_catalogue_to_browse_and_ask_from(client):
    from carnet.catalogue.models import Certificate, MicroCredential

    call_command("load_demo")
    call_command("load_demo")
    items = MicroCredential.objects.filter(organisation__slug="cje-outaouais", status="published")
    assert items.count() == 3 and all(item.current_version().image_png for item in items)
    assert (
        Certificate.objects.get(status="published").progress(set(items.values_list("pk", flat=True))).complete
    )
    page = client.get("/catalogue/").content.decode()
    assert "Travail d&#x27;équipe" in page and "Prêt·e pour l&#x27;emploi" in page


def test_the_demo_has_a_learner_whose_carnet_makes_a_pdf(client):
    from carnet.issuing.models import IssuedCredential

    call_command("load_demo")
    call_command("load_demo")
    samira = User.objects.get(email="samira@exemple.localhost")
    assert IssuedCredential.objects.filter(recipient=samira).count() == 2
    client.force_login(samira)
    form = client.get("/mon-carnet/cv-pdf/").context["form"]
    response = client.post("/mon-carnet/cv-pdf/", {k: v for k, v in form.initial.items() if v is not None})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")

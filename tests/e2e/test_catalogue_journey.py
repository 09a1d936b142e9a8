"""An organisation admin designs a badge image, creates and publishes a micro-credential aligned to
two competencies, and a visitor finds it in the catalogue in both languages."""

from __future__ import annotations

import pytest

from carnet.catalogue.models import MicroCredential
from carnet.organisations.models import Organisation
from carnet.organisations.services import create_organisation

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long test password"


@pytest.fixture
def admin(django_user_model):
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user("admin@cje.test", PASSWORD, display_name="Nadia")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    create_organisation(name="CJE Test", kind=Organisation.Kind.COMMUNITY, admin=user, slug="cje-test")
    return user


def test_admin_publishes_and_visitor_finds_it_in_both_languages(browser, live_server, admin, tmp_path):
    base = live_server.url
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(base + "/comptes/login/")
    page.fill("input[name=login]", "admin@cje.test")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.goto(base + "/organisations/cje-test/catalogue/nouvelle/")
    page.fill("#id_name_fr", "Travail d'équipe")
    page.fill("#id_name_en", "Teamwork")
    page.fill("#id_description_fr", "Contribue à l'atteinte d'objectifs communs.")
    page.fill("#id_description_en", "Contributes to shared goals.")
    page.fill("#id_criteria_fr", "Deux situations réelles confirmées par deux personnes.")
    page.fill("#id_criteria_en", "Two real situations confirmed by two people.")
    page.check("input[name=learning_contexts][value=sport]")
    page.select_option("#id_assessment_method", "endorsements")
    page.fill("#id_endorsements_required", "2")
    levels = page.locator("input[name=levels]")
    levels.nth(1).check()  # a level of the first competency
    levels.nth(5).check()  # a level of the second
    with page.expect_navigation():
        page.click("text=Enregistrer le brouillon")

    with page.expect_navigation():
        page.click("text=Concevoir ou téléverser l'image du badge")
    page.select_option("#id_shape", "shield")
    page.select_option("#id_icon", "people")
    with page.expect_navigation():
        page.click("button[value=preview]")
    assert page.locator(".badge-preview svg").count() == 1
    with page.expect_navigation():
        page.click("button[value=design]")
    with page.expect_navigation():
        page.click("text=Publier cette version")
    with page.expect_navigation():  # the confirmation, with any similar definitions listed
        page.click("button:has-text('Publier cette version')")
    page.screenshot(path=str(tmp_path / "published.png"))

    item = MicroCredential.objects.get()
    assert item.status == "published"
    assert item.current_version().alignments.count() == 2

    visitor = browser.new_page(viewport={"width": 390, "height": 800})  # a phone
    visitor.goto(base + "/catalogue/?q=équipe")
    with visitor.expect_navigation():
        visitor.click(".card a")
    assert "Travail d'équipe" in visitor.inner_text("h1")
    assert visitor.locator("img.badge-preview").count() == 1
    visitor.goto(base + "/en/catalogue/")
    assert "Teamwork" in visitor.inner_text(".cards")
    with visitor.expect_navigation():
        visitor.click(".card a")
    assert "What it attests" in visitor.content()

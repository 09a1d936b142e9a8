"""The recognition journey in a real browser (CSRF, cookies and JavaScript included): a learner
writes a request (saved as typed), invites an endorser by a copied link, the endorser answers on a
phone without an account, the learner submits, an assessor approves, and the credential is issued."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from carnet.recognition.models import RecognitionRequest

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "carnet-demo-2026"  # the demo accounts'


def sign_in(page, base, email):
    page.goto(base + "/comptes/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(base + "/")


def test_from_request_to_signed_credential(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    call_command("load_demo")
    base = live_server.url
    learner = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    sign_in(learner, base, "alex@exemple.localhost")
    learner.goto(base + "/catalogue/")
    learner.click("h2 a:has-text('Travail d')")
    learner.click("text=Demander cette microattestation")
    learner.fill(
        "textarea[name=narrative]",
        "Pendant deux saisons, j'ai entraîné l'équipe de hockey novice de mon quartier : planifier, parler aux parents.",
    )
    learner.wait_for_function(
        "document.querySelector('[data-autosave-status]').textContent.includes('enregistré')"
    )
    item = RecognitionRequest.objects.get()
    assert item.narrative.startswith("Pendant deux saisons")  # saved as typed, without pressing a button
    learner.select_option("select[name=places-0-learning_context]", "sport")
    learner.fill("input[name=places-0-name]", "Hockey mineur Gatineau")
    learner.click("text=Enregistrer les lieux")
    learner.fill("input[name=name]", "Marie Tremblay")
    learner.click("button:has-text('Inviter')")
    link = learner.input_value("#new-link")
    assert link.startswith(base + "/endosser/")

    endorser = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    endorser.goto(link)
    endorser.select_option("select[name=relationship]", "coach")
    endorser.fill("textarea[name=context]", "Ligue de hockey novice, deux saisons")
    endorser.fill("textarea[name=criterion_0]", "Il organisait chaque pratique et répartissait les tâches.")
    endorser.check("input[name=consent_to_be_named]")
    endorser.check("input[name=confirm]")
    endorser.click("text=Envoyer mon témoignage")
    assert "Merci pour votre témoignage" in endorser.locator("h1").inner_text()

    learner.reload()
    learner.click("text=Soumettre ma demande")
    assert "Demande soumise" in learner.locator(".messages").inner_text()

    assessor = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    sign_in(assessor, base, "evaluation@cje.localhost")
    assessor.click("a:has-text('Demandes à examiner (1)')")
    assessor.locator("main table a").first.click()
    assert "Il organisait chaque pratique" in assessor.content()
    assessor.check("input[value=approve]")
    assessor.click("text=Enregistrer la décision")
    item.refresh_from_db()
    assert item.status == "approved" and item.credential is not None
    learner.reload()
    assert "Approuvée" in learner.locator(".status").first.inner_text()

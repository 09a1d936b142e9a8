"""The carnet and the employer of issue #5 in a real browser: a learner imports a badge earned
elsewhere (a JSON file signed by another issuer); completes a certificate, an assessor confirms it
and the learner receives it; the learner shares a badge by a link and agrees to
be found; an employer opens the link, verifies the badge (its baked image uploaded to the verifier),
searches by competency, finds the learner with the reason for the match and writes to them; the
learner answers; a withdrawn link and a withdrawn consent stop working at once.

With CARNET_SCREENSHOTS set to a folder, the key pages are saved there (docs/images uses them)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

sys.path.insert(0, str(Path(__file__).parent.parent / "portfolio"))
from portfolio_samples import signed_badge

from carnet.catalogue.models import MicroCredential
from carnet.credentials import Ed25519Key
from carnet.issuing import services as issuing
from carnet.issuing.models import IssuedCredential

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "carnet-demo-2026"  # the demo accounts'
LEARNER, ASSESSOR, EMPLOYER = (
    "alex@exemple.localhost",
    "evaluation@cje.localhost",
    "rh@quincaillerie.localhost",
)
DESKTOP, PHONE = {"width": 1100, "height": 900}, {"width": 390, "height": 844}
SHOTS = os.environ.get("CARNET_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


@pytest.fixture
def new_page(browser):
    """A page in a browser context of its own, closed after the test (an open one would keep a
    database session that PostgreSQL's teardown finds still in use)."""
    contexts = []

    def new(viewport=DESKTOP):
        contexts.append(browser.new_context(viewport=viewport, accept_downloads=True))
        return contexts[-1].new_page()

    yield new
    for context in contexts:
        context.close()


def sign_in(new_page, base, email, viewport=DESKTOP):
    page = new_page(viewport)
    page.goto(base + "/comptes/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(base + "/")
    return page


def issue(item, learner):
    """A micro-credential issued to the learner, as an assessor's approval would (the recognition
    journey itself is the browser test of issue #4)."""
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.get(email=learner)
    return issuing.issue_credential(
        organisation=item.organisation, version=item.current_version(), recipient=person,
        recipient_email=person.email, idempotency_key=f"e2e-{item.pk}", source="bulk",
    )  # fmt: skip


def test_the_carnet_journey(browser, live_server, settings, new_page, tmp_path):
    settings.SITE_URL = live_server.url
    call_command("load_demo")
    base = live_server.url
    teamwork, reliability, speaking = (
        MicroCredential.objects.get(organisation__slug="cje-outaouais", slug=slug)
        for slug in ("travail-dequipe", "fiabilite", "communication-orale")
    )

    # 1. The learner imports a badge earned elsewhere, verified on import.
    learner = sign_in(new_page, base, LEARNER, PHONE)
    elsewhere = tmp_path / "secourisme.json"
    elsewhere.write_text(json.dumps(signed_badge(Ed25519Key.generate(), email=LEARNER)))
    learner.goto(base + "/mon-carnet/")
    learner.click("text=Importer un badge obtenu ailleurs")
    learner.set_input_files("input[name=file]", str(elsewhere))
    learner.click("text=Importer le fichier")
    learner.wait_for_url("**/mon-carnet/importes/**")
    assert "Authentique et valide" in learner.locator("main").inner_text()
    assert "Décerné à vous" in learner.locator("main").inner_text()

    # 2. The learner holds two of the three micro-credentials of the demo certificate; the carnet
    #    says what is missing, and shows the imported badge.
    issue(teamwork, LEARNER)
    issue(reliability, LEARNER)
    learner.goto(base + "/mon-carnet/")
    carnet = learner.locator("main").inner_text()
    assert "Prêt·e pour l'emploi" in carnet and "Communication orale" in carnet  # what is missing
    assert "Secourisme en milieu de travail" in carnet and "Autres badges importés" in carnet

    # 3. The third one completes it: the certificate waits for an assessor, who confirms it.
    issue(speaking, LEARNER)
    learner.reload()
    assert "L'organisation confirme avant de délivrer le certificat" in learner.locator("main").inner_text()
    assessor = sign_in(new_page, base, ASSESSOR)
    assessor.click("a:has-text('Certificats à confirmer (1)')")
    assert "Alex Martin" in assessor.locator("main").inner_text()
    shot(assessor, "assessor-certificate-queue.png")
    assessor.click("text=Confirmer et délivrer le certificat")
    assert "Certificat confirmé et délivré" in assessor.locator(".messages").inner_text()

    # 4. The learner receives it, and lets those with the link see it.
    learner.reload()
    shot(learner, "learner-carnet-phone.png")
    learner.click("text=Voir et télécharger mon certificat")
    learner.check("input[name=visibility][value=link]")
    learner.click("form[action*='/partage/'] button[type=submit]")
    certificate_url = learner.locator("a", has_text="/certificats-obtenus/").inner_text()
    shot(learner, "learner-certificate.png")

    # 5. The learner shares the teamwork badge with the employer by a link, downloads its baked
    #    image, and agrees to be found by employers.
    credential = IssuedCredential.objects.get(micro_credential_version__micro_credential=teamwork)
    learner.goto(f"{base}/mes-microattestations/{credential.uuid}/")
    learner.fill("input[name=label]", "Quincaillerie Tremblay")
    learner.click("text=Créer un lien")
    share_link = learner.input_value("#new-share-link")
    with learner.expect_download() as download:
        learner.click("a[href$='/telecharger/png/']")
    baked = tmp_path / "badge.png"
    download.value.save_as(baked)
    learner.goto(base + "/mon-carnet/partage/")
    learner.check("input[name=search]")
    learner.click("text=Enregistrer mon choix")

    # 6. The employer opens the link: the badge page, verified now.
    employer = sign_in(new_page, base, EMPLOYER)
    employer.goto(share_link)
    page = employer.locator("main").inner_text()
    assert "Travail d'équipe" in page and "Authentique et valide" in page
    employer.goto(certificate_url)
    assert "Authentique et valide" in employer.locator("main").inner_text()

    # 7. ... and checks the badge image the learner sent, in the verifier.
    employer.goto(base + "/verifier/")
    employer.set_input_files("form:has(input[value=fichier]) input[type=file]", str(baked))
    employer.click("text=Vérifier le fichier")
    assert "authentique et valide" in employer.locator("main").inner_text()
    shot(employer, "employer-verification.png")

    # 8. The employer describes a job by competency and finds the learner, with the reason.
    employer.goto(base + "/")
    employer.click("text=Mes postes et la recherche de candidat·es")
    employer.fill("input[name=title]", "Commis de plancher")
    option = employer.locator("select[name=competency_0] option", has_text="Travail d'équipe").first
    employer.select_option("select[name=competency_0]", option.get_attribute("value"))
    employer.select_option("select[name=rank_0]", "2")
    employer.click("text=Créer le poste et chercher")
    match = employer.locator("article.candidate", has_text="Alex Martin")
    assert match.count() == 1
    assert "attesté par « Travail d'équipe »" in match.inner_text()
    shot(employer, "employer-search.png")
    job_url = employer.url
    match.locator("a", has_text="vérifier").click()  # the badge is private, but the learner consents
    assert "Authentique et valide" in employer.locator("main").inner_text()
    employer.goto(job_url)
    match = employer.locator("article.candidate", has_text="Alex Martin")

    # 9. ... and writes to them through Carnet; the learner answers, which reveals their email.
    match.locator("textarea[name=message]").fill("Bonjour Alex, un poste de commis vous intéresserait-il?")
    match.locator("button", has_text="Envoyer par Carnet").click()
    learner.goto(base + "/mes-contacts/")
    learner.locator("main a", has_text="Quincaillerie Tremblay").first.click()
    learner.fill("textarea[name=answer]", "Oui, avec plaisir.")
    learner.locator("main form button[type=submit]").first.click()
    employer.goto(job_url)
    assert LEARNER in employer.locator("main").inner_text()

    # 10. The learner withdraws the link and the consent: both stop at once.
    learner.goto(f"{base}/mes-microattestations/{credential.uuid}/")
    learner.click("text=Retirer ce lien")
    employer.goto(share_link)
    assert "Travail d'équipe" not in employer.locator("main").inner_text()
    learner.goto(base + "/mon-carnet/partage/")
    learner.uncheck("input[name=search]")
    learner.click("text=Enregistrer mon choix")
    employer.goto(job_url)
    assert employer.locator("article.candidate", has_text="Alex Martin").count() == 0

"""Issue #8 in a real browser: an organisation asks an employer to endorse a micro-credential
definition, the employer endorses it from the emailed link without an account (on a phone), the
endorsement appears on the catalogue page and inside the next credential issued, which still verifies
in the JavaScript reference."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command

from carnet.accounts.models import User
from carnet.catalogue.models import MicroCredential
from carnet.issuing import services as issuing

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "carnet-demo-2026"  # the demo accounts'


def test_an_employer_endorses_a_definition_without_an_account(browser, live_server, settings, js_peer, axe):
    settings.SITE_URL = live_server.url
    call_command("load_demo")
    base = live_server.url
    item = MicroCredential.objects.filter(organisation__slug="cje-outaouais", status="published").order_by(
        "pk"
    )[0]

    # 1. The organisation's admin asks the employer.
    admin = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    admin.goto(base + "/comptes/login/")
    admin.fill("input[name=login]", "admin@cje.localhost")
    admin.fill("input[name=password]", PASSWORD)
    admin.locator("main form button[type=submit]").last.click()
    admin.wait_for_url(base + "/")
    admin.goto(f"{base}/organisations/cje-outaouais/catalogue/{item.slug}/")
    admin.click("text=Endossements de partenaires")
    admin.fill("input[name=partner_name]", "Boulangerie Dupont")
    admin.select_option("select[name=partner_kind]", "employer")
    admin.fill("input[name=contact_name]", "Luc Dupont")
    admin.fill("input[name=contact_email]", "luc@boulangerie.test")
    admin.fill("textarea[name=message]", "Votre avis d'employeur nous aiderait.")
    admin.click("button:has-text('Envoyer la demande')")
    assert "Demande envoyée" in admin.locator(".messages").inner_text()
    link = re.search(r"https?://\S+/endossement-partenaire/\S+/", mail.outbox[-1].body).group(0)
    assert mail.outbox[-1].to == ["luc@boulangerie.test"]

    # 2. The employer, without an account, on a phone, reads the definition and endorses it.
    partner = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    partner.goto(link)
    assert "Votre avis d'employeur nous aiderait." in partner.content()
    assert axe(partner) == []
    partner.fill("input[name=endorser_name]", "Luc Dupont")
    partner.fill("input[name=endorser_role]", "Propriétaire")
    partner.fill("textarea[name=comment]", "C'est exactement ce que nous demandons à nos commis.")
    partner.click("button:has-text('Endosser cette microattestation')")
    assert "Merci de votre réponse" in partner.locator("h1").inner_text()
    partner.goto(link)  # the link worked once
    assert "plus valide" in partner.locator("h1").inner_text()

    # 3. The catalogue page shows it, with its signed JSON.
    visitor = browser.new_context().new_page()
    visitor.goto(f"{base}/catalogue/cje-outaouais/{item.slug}/")
    section = visitor.locator("section[aria-labelledby=endorsed]")
    assert "Boulangerie Dupont" in section.inner_text()
    assert "C'est exactement ce que nous demandons" in section.inner_text()
    # The demo's teamwork definition is endorsed by its employer too: read the bakery's, which
    # Carnet says it attests and signs.
    mine = section.get_by_role(
        "link", name=re.compile("Endossement de Boulangerie Dupont, attesté et signé par Carnet")
    )
    signed = visitor.request.get(base + mine.get_attribute("href")).json()
    assert (
        "lien à usage unique envoyé à une adresse de boulangerie.test"
        in (signed["credentialSubject"]["endorsementComment"])
    )
    assert signed["type"] == ["VerifiableCredential", "EndorsementCredential"]

    # 4. The next credential issued carries it inside its Achievement, and verifies in the reference.
    learner = User.objects.get(email="alex@exemple.localhost")
    credential = issuing.issue_credential(
        organisation=item.organisation, version=item.current_version(), recipient=learner,
        recipient_email=learner.email, idempotency_key="e2e-partner",
    )  # fmt: skip
    document = credential.document
    assert signed in document["credentialSubject"]["achievement"]["endorsement"]

    def served(url):
        response = visitor.request.get(url)
        assert response.ok, url
        return response.json()

    documents = {
        document["issuer"]["id"]: served(base + "/organisations/cje-outaouais/did.json"),
        document["credentialStatus"]["statusListCredential"]: served(
            document["credentialStatus"]["statusListCredential"]
        ),
    }
    result = js_peer.verify(document, documents=documents)
    assert result["verified"] is True, result
    platform = {signed["issuer"]["id"]: served(base + "/.well-known/did.json")}
    assert js_peer.verify(signed, documents=platform)["verified"] is True

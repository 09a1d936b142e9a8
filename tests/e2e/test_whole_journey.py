"""The whole recognition journey of issue #4 in a real browser: a learner recognises a skill, asks
for the micro-credential it suggests with a file as evidence, two endorsers answer from the links
they were emailed (no account, one on a phone), an assessor asks for a change then approves, the
learner finds the badge through a notification and downloads it, and the credential passes
`carnet verify` and the JavaScript reference verifier."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from PIL import Image

from carnet.recognition.models import RecognitionRequest

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "carnet-demo-2026"  # the demo accounts'
CARNET = str(Path(sys.executable).with_name("carnet"))
SHOTS = os.environ.get("CARNET_SCREENSHOTS")  # a folder: the journey's screenshots go there


def shot(page, name):
    if SHOTS:
        page.wait_for_load_state("networkidle")  # images (the QR code) drawn before the picture
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def sign_in(browser, base, email, viewport=None):
    page = browser.new_context(viewport=viewport or {"width": 1100, "height": 900}).new_page()
    page.goto(base + "/comptes/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(base + "/")
    return page


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), "#2a6f3a").save(out, format="PNG")
    return out.getvalue()


def link_sent_to(address):
    for message in reversed(mail.outbox):
        if address in message.to:
            found = re.search(r"https?://\S+/endosser/[\w-]+/", message.body)
            if found:
                return found.group(0)
    raise AssertionError(f"no invitation emailed to {address}")


def endorse(browser, link, *, phone, context):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1100, "height": 900}
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(link)
    page.select_option("select[name=relationship]", "coach" if phone else "supervisor")
    page.fill("textarea[name=context]", context)
    page.fill("textarea[name=criterion_0]", "Il organisait chaque pratique et répartissait les tâches.")
    page.check("input[name=consent_to_be_named]")
    page.check("input[name=confirm]")
    if phone:
        shot(page, "endorser-form-phone.png")
    page.click("text=Envoyer mon témoignage")
    assert "Merci pour votre témoignage" in page.locator("h1").inner_text()
    page.context.close()


def decide(assessor, decision, reasons=""):
    assessor.check(f"input[name=decision][value={decision}]")
    if reasons:
        assessor.fill("textarea[name=reasons]", reasons)
    if decision == "approve" and assessor.locator("select[name=level]").count():
        assessor.locator("select[name=level]").select_option(index=1)
    assessor.click("text=Enregistrer la décision")


def test_the_whole_journey(browser, live_server, settings, js_peer, tmp_path):
    settings.SITE_URL = live_server.url
    call_command("load_demo")
    base = live_server.url

    # 1. Self-recognition: the learner recognises teamwork, from coaching hockey.
    learner = sign_in(browser, base, "alex@exemple.localhost")
    learner.goto(base + "/competences/")
    learner.click("text=Je la reconnais — Travail d'équipe")
    learner.fill("textarea[name=situation-0-context]", "Entraîneur bénévole d'une équipe de hockey novice")
    learner.fill("textarea[name=situation-0-action]", "J'ai planifié les pratiques et réglé les conflits.")
    learner.fill("textarea[name=situation-0-result]", "L'équipe a fini la saison au complet.")
    learner.select_option("select[name=situation-0-learning_context]", "sport")
    learner.locator("input[name=level]").nth(1).check()
    learner.click("text=Ajouter à mon profil")
    suggestion = learner.locator("section.suggestions h3 a", has_text="Travail d'équipe")
    assert suggestion.count() == 1  # the catalogue's matching micro-credential is suggested
    shot(learner, "learner-skills.png")
    suggestion.click()
    learner.click("text=Demander cette microattestation")

    # 2. The request: story (saved as typed), place, a photo as evidence, two endorsers by email.
    learner.fill(
        "textarea[name=narrative]",
        "Pendant deux saisons, j'ai entraîné l'équipe de hockey novice de mon quartier : pratiques, parents, conflits.",
    )
    learner.wait_for_function(
        "document.querySelector('[data-autosave-status]').textContent.includes('enregistré')"
    )
    item = RecognitionRequest.objects.get()
    learner.select_option("select[name=places-0-learning_context]", "sport")
    learner.fill("input[name=places-0-name]", "Hockey mineur Gatineau")
    learner.click("text=Enregistrer les lieux")
    learner.set_input_files(
        "input[name=file]", {"name": "pratique.png", "mimeType": "image/png", "buffer": photo()}
    )
    learner.fill("form[enctype='multipart/form-data'] input[name=title]", "Plan de pratique")
    learner.click("text=Ajouter le fichier")
    assert item.evidence.filter(kind="file").count() == 1
    for name, email in (
        ("Marie Tremblay", "marie@exemple.localhost"),
        ("Luc Gagnon", "luc@exemple.localhost"),
    ):
        learner.fill("input[name=name]", name)
        learner.fill("input[name=email]", email)
        learner.click("button:has-text('Inviter')")
    shot(learner, "learner-request.png")

    # 3. Each endorser opens the link from their email, without an account.
    endorse(browser, link_sent_to("marie@exemple.localhost"), phone=True, context="Ligue de hockey novice")
    endorse(
        browser, link_sent_to("luc@exemple.localhost"), phone=False, context="Aréna municipal, deux saisons"
    )
    learner.reload()
    learner.click("text=Soumettre ma demande")
    assert "Demande soumise" in learner.locator(".messages").inner_text()

    # 4. The assessor asks for a change.
    assessor = sign_in(browser, base, "evaluation@cje.localhost")
    assessor.click("a:has-text('Demandes à examiner (1)')")
    assessor.locator("main table a").first.click()
    review = assessor.content()
    assert "Marie Tremblay" in review and "Luc Gagnon" in review and "Plan de pratique" in review
    shot(assessor, "assessor-review.png")
    decide(assessor, "changes", "Précisez combien de joueurs vous entraîniez.")
    item.refresh_from_db()
    assert item.status == "changes_requested"

    # 5. The learner is told in the app, completes the story and submits again.
    learner.goto(base + "/notifications/")
    learner.locator("ul.inbox a", has_text="modifications").click()
    learner.fill(
        "textarea[name=narrative]",
        "Pendant deux saisons, j'ai entraîné les 14 joueurs de l'équipe de hockey novice de mon quartier.",
    )
    learner.wait_for_function(
        "document.querySelector('[data-autosave-status]').textContent.includes('enregistré')"
    )
    learner.click("text=Soumettre ma demande")

    # 6. The assessor approves; the credential is issued.
    assessor.reload()
    decide(assessor, "approve")
    item.refresh_from_db()
    assert item.status == "approved" and item.credential is not None

    # 7. The learner finds the badge through the notification and downloads it.
    learner.goto(base + "/notifications/")
    learner.locator("ul.inbox a", has_text="est délivrée").click()
    assert "/mes-microattestations/" in learner.url
    shot(learner, "learner-credential.png")
    with learner.expect_download() as download:
        learner.click("text=Télécharger la microattestation signée")
    path = tmp_path / "credential.json"
    download.value.save_as(path)
    credential = json.loads(path.read_text())
    assert len(credential["endorsement"]) == 2

    # 8. Others verify it: `carnet verify`, and the JavaScript reference, with the documents the
    #    platform publishes (fetched from the running site, as a verifier would).
    def served(url):
        response = learner.request.get(url)
        assert response.ok, url
        return response.json()

    issuer = credential["issuer"]["id"]
    status_url = credential["credentialStatus"]["statusListCredential"]
    documents = {
        issuer: served(base + "/organisations/cje-outaouais/did.json"),
        status_url: served(status_url),
    }
    platform = credential["endorsement"][0]["issuer"]["id"]
    files = []
    for number, document in enumerate([*documents.values(), served(base + "/.well-known/did.json")]):
        files += ["--document", str(tmp_path / f"document-{number}.json")]
        (tmp_path / f"document-{number}.json").write_text(json.dumps(document))
    done = subprocess.run(
        [CARNET, "verify", str(path), "--json", *files], capture_output=True, timeout=120, check=False
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["valid"] is True, report
    assert platform.startswith("did:web:")
    result = js_peer.verify(credential, documents=documents)
    assert result["verified"] is True, result

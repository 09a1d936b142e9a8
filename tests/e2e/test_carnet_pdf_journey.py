"""The carnet's PDF in a real browser: the demo learner opens her carnet, follows the link to the
PDF, keeps the badges ticked for her, downloads the PDF, and every QR code in it, decoded from the
pages drawn as images, opens the badge's page for someone who is not signed in (her private badge
through the "CV PDF" share link made for it). With CARNET_SCREENSHOTS set, the page is pictured on a
desktop screen and on a phone, and the PDF's first page too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from carnet.portfolio.models import ShareLink

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "carnet-demo-2026"  # the demo accounts'
SHOTS = os.environ.get("CARNET_SCREENSHOTS")  # a folder: the screenshots go there


def sign_in(browser, base, email, viewport):
    page = browser.new_context(viewport=viewport, accept_downloads=True).new_page()
    page.goto(base + "/comptes/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(base + "/")
    return page


def test_the_learner_downloads_her_carnet_as_a_pdf_whose_qr_codes_work(browser, live_server, settings):
    import pypdfium2
    import zxingcpp

    settings.SITE_URL = live_server.url
    call_command("load_demo")
    base = live_server.url
    learner = sign_in(browser, base, "samira@exemple.localhost", {"width": 1100, "height": 900})
    learner.goto(base + "/mon-carnet/")
    learner.click("text=Mon carnet en PDF")
    learner.wait_for_url(base + "/mon-carnet/cv-pdf/")
    assert learner.locator("input[name=credentials]:checked").count() == 2
    learner.fill("input[name=headline]", "Commis d'entrepôt, bénévole à la banque alimentaire")
    if SHOTS:
        learner.screenshot(path=str(Path(SHOTS) / "learner-carnet-pdf.png"), full_page=True)
    with learner.expect_download() as downloading:
        learner.click("text=Télécharger le PDF")
    download = downloading.value
    assert download.suggested_filename == "carnet-samira-haddad.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")

    document = pypdfium2.PdfDocument(content)
    codes = []
    for number, page in enumerate(document):
        image = page.render(scale=3).to_pil()
        codes += [code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
        if SHOTS and number == 0:
            page.render(scale=1.5).to_pil().save(Path(SHOTS) / "learner-carnet-pdf-sample.png")
    document.close()
    assert len(codes) == 2 and sum("/partage/" in url for url in codes) == 1
    assert ShareLink.objects.get().label == "CV PDF"

    employer = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # not signed in
    for url in codes:
        assert url.startswith(base)
        response = employer.goto(url)
        assert response is not None and response.status == 200
        assert "Authentique et valide" in employer.locator("main").inner_text()
    employer.context.close()

    if SHOTS:
        phone = sign_in(browser, base, "samira@exemple.localhost", {"width": 390, "height": 844})
        phone.goto(base + "/mon-carnet/cv-pdf/")
        phone.screenshot(path=str(Path(SHOTS) / "learner-carnet-pdf-phone.png"), full_page=True)
        phone.context.close()
    learner.context.close()

"""In a real browser: a learner imports a badge earned elsewhere (a baked PNG from another issuer,
aligned to a competency of Carnet's default framework), reads its page, finds it in their carnet
under that competency, on a desktop screen and on a phone; axe-core finds nothing against WCAG 2.1
AA on the three pages. With CARNET_SCREENSHOTS set to a folder, the pages are photographed there."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

sys.path.insert(0, str(Path(__file__).parent.parent / "portfolio"))
sys.path.insert(0, str(Path(__file__).parent.parent / "verification"))
from portfolio_samples import signed_badge
from verification_samples import small_png

from carnet.catalogue import services as catalogue
from carnet.credentials import Ed25519Key, baking
from carnet.issuing import services as issuing
from carnet.issuing.identity import absolute
from carnet.portfolio.models import ImportedBadge
from carnet.portfolio.services import import_badge

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("CARNET_SCREENSHOTS")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def shot(page, name):
    if SHOTS:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def signed_in(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [{"name": c.key, "value": c.value, "url": live_server.url} for c in client.cookies.values()]
    )
    return context.new_page()


def carnet_badge(organisation, learner, competency):
    """A badge Carnet issued to the learner, aligned to ``competency``."""
    item = catalogue.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Fiabilité", "name_en": "Reliability", "description_fr": "Tient ses engagements.",
            "criteria_fr": "Présent et ponctuel pendant six mois.", "learning_contexts": ["volunteering"],
            "assessment_method": "observation", "endorsements_required": 0,
        },
        alignments=[(competency, competency.levels.order_by("rank")[1])],
    )  # fmt: skip
    version = catalogue.publish_micro_credential(micro_credential=item)
    issuing.issue_credential(
        organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
        idempotency_key="import-journey", source="bulk",
    )  # fmt: skip


def test_a_learner_imports_a_badge_and_finds_it_in_their_carnet(
    browser, live_server, settings, default_framework, organisation, learner, axe, tmp_path
):
    settings.SITE_URL = live_server.url
    competency = default_framework.competencies.order_by("code").first()
    carnet_badge(organisation, learner, competency)
    issuer = Ed25519Key.generate()
    old = signed_badge(
        issuer, name="Animation de groupe", valid_from=datetime(2021, 5, 1, tzinfo=UTC),
        valid_until=datetime(2023, 5, 1, tzinfo=UTC),
    )  # fmt: skip
    import_badge(holder=learner, data=json.dumps(old))  # aligned to nothing: under "Autres badges importés"
    target = absolute(competency.framework.get_absolute_url()) + f"#{competency.code}"
    alignment = {"type": ["Alignment"], "targetName": competency.name(), "targetUrl": target}
    image = tmp_path / "badge-secourisme.png"
    image.write_bytes(baking.bake(small_png("#c0392b"), signed_badge(issuer, alignments=[alignment])))

    page = signed_in(browser, live_server, learner, DESKTOP)
    page.goto(live_server.url + "/mon-carnet/")
    page.click("text=Importer un badge obtenu ailleurs")
    assert page.locator("h1").inner_text() == "Importer un badge obtenu ailleurs"
    assert axe(page) == []
    shot(page, "learner-import.png")
    page.set_input_files("input[name=file]", str(image))
    page.click("text=Importer le fichier")
    page.wait_for_url("**/mon-carnet/importes/**")
    assert page.locator("h1").inner_text() == "Secourisme en milieu de travail"
    assert "État : Authentique et valide" in page.locator("#etat").inner_text()
    assert "Décerné à vous" in page.locator("main").inner_text()
    assert (
        page.evaluate("document.querySelector('.imported-head img').naturalWidth") > 0
    )  # the re-encoded picture
    assert axe(page) == []
    shot(page, "learner-imported-badge.png")

    page.click("text=Mon carnet")
    badges = page.locator("section[aria-labelledby=badges]").inner_text()
    assert badges.index(competency.name()) < badges.index("Fiabilité") < badges.index("Secourisme en milieu")
    assert (
        badges.index("Secourisme en milieu")
        < badges.index("Autres badges importés")
        < badges.index("Animation")
    )
    assert "Expiré" in badges
    assert axe(page) == []
    shot(page, "learner-carnet-imported.png")
    page.context.close()

    phone = signed_in(browser, live_server, learner, PHONE)
    for path, name in (
        ("/mon-carnet/", "learner-carnet-imported-phone.png"),
        ("/mon-carnet/importer/", "learner-import-phone.png"),
        (
            f"/mon-carnet/importes/{ImportedBadge.objects.get(name__startswith='Secourisme').uuid}/",
            "learner-imported-badge-phone.png",
        ),
    ):
        phone.goto(live_server.url + path)
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            path
        )  # no sideways scroll
        assert axe(phone) == []
        shot(phone, name)
    phone.context.close()

"""The verification page in a browser: axe-core finds no WCAG 2.1 A or AA violation, on a desktop
screen and on a phone, empty, with a result, with an error, and with an Open Badges 2.0 badge; and
nothing is wider than a phone. (The browser and axe fixtures are in tests/conftest.py.)"""

from __future__ import annotations

import json

import pytest
from verification_samples import ASSERTION_URL, altered, ob2_assertion

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def open_(viewport: dict, lang: str = "fr"):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        response = page.goto(live_server.url + ("/en" if lang == "en" else "") + "/verifier/")
        assert response is not None and response.status == 200
        return page

    yield open_
    for context in contexts:
        context.close()


def paste(page, text: str) -> None:
    page.fill("#id_credential", text)
    with page.expect_navigation():
        page.click("#coller button[type=submit]")


def too_wide(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .filter(e => !e.closest(".skip"))
            .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""))"""
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_empty_page(open_page, axe, viewport, lang):
    page = open_page(viewport, lang)
    assert axe(page) == []
    assert too_wide(page) == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_result(open_page, axe, viewport, issued):
    page = open_page(viewport)
    paste(page, json.dumps(issued.document))
    assert page.locator(".verdict").inner_text() == "Cette microattestation est authentique et valide."
    assert axe(page) == []
    assert too_wide(page) == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_result_from_an_unknown_issuer(open_page, axe, viewport, other_signed):
    page = open_page(viewport)
    paste(page, json.dumps(other_signed))
    assert "Émetteur inconnu de cette plateforme" in page.locator(".issuer-standing").inner_text()
    page.click(".issuer-standing summary")  # the explanation, opened
    assert axe(page) == []
    assert too_wide(page) == []


def test_an_altered_credential(open_page, axe, issued):
    page = open_page(PHONE)
    paste(page, json.dumps(altered(issued.document)))
    assert "modifiée après sa signature" in page.locator(".verdict").inner_text()
    assert axe(page) == []
    assert too_wide(page) == []


def test_an_error(open_page, axe):
    page = open_page(PHONE)
    paste(page, "n'importe quoi")
    assert page.locator("[role=alert]").count() == 1
    assert page.locator("#id_credential").input_value() == "n'importe quoi"
    assert axe(page) == []


def test_an_open_badges_2_badge(open_page, axe, fetcher):
    fetcher.documents[ASSERTION_URL] = ob2_assertion()
    page = open_page(DESKTOP)
    paste(page, json.dumps(ob2_assertion()))
    assert "Open Badges 2.0" in page.locator(".verdict").inner_text()
    assert axe(page) == []

"""In a real browser: a wallet sends a learner to Carnet's consent page; they read who asks and what
for, allow it, and the wallet receives its code; later they find the wallet among their connected
applications and withdraw it. On a desktop screen and on a phone, in French and in English, axe-core
finds nothing against WCAG 2.1 AA on the two pages."""

from __future__ import annotations

import sys
import urllib.parse
from pathlib import Path

import pytest
from django.test import Client

sys.path.insert(0, str(Path(__file__).parent.parent / "api"))
from oauth2_provider.models import AccessToken, Grant
from ob_oauth import READ, REDIRECT, UPSERT, authorize_url, pkce, registered

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def signed_in(browser, live_server, user, viewport, language):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, locale="en-US" if language == "en" else "fr-CA")
    context.add_cookies(
        [{"name": c.key, "value": c.value, "url": live_server.url} for c in client.cookies.values()]
    )
    return context.new_page()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_learner_allows_a_wallet_then_withdraws_it(
    browser, axe, live_server, make_user, viewport, language
):
    learner = make_user("lea@example.test", display_name="Léa")
    client = registered(scope=f"{READ} {UPSERT}")
    page = signed_in(browser, live_server, learner, viewport, language)
    received: list[str] = []
    page.route(REDIRECT + "*", lambda route: (received.append(route.request.url), route.fulfill(body="ok")))

    page.goto(live_server.url + authorize_url(client["client_id"], (READ, UPSERT), pkce()[1]))
    assert page.locator("html").get_attribute("lang").startswith(language)
    assert page.get_by_role("heading", level=1).inner_text().count("Portefeuille Exemple") == 1
    assert page.locator("main li").count() >= 4
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("button[name=allow]").click()
    page.wait_for_url(REDIRECT + "*")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(received[0]).query)
    assert query["state"] == ["etat-42"] and Grant.objects.filter(code=query["code"][0]).exists()

    # The wallet exchanges its code; the learner finds it among their connected applications.
    AccessToken.objects.create(
        user=learner, application=Grant.objects.get().application, token="jeton-e2e", scope=READ,
        expires=Grant.objects.get().expires.replace(year=2100),
    )  # fmt: skip
    prefix = "/en" if language == "en" else ""
    page.goto(f"{live_server.url}{prefix}/mon-compte/applications/")
    assert page.get_by_role("heading", name="Portefeuille Exemple").is_visible()
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("form button.danger").click()
    page.wait_for_load_state()
    assert not AccessToken.objects.filter(user=learner).exists()
    page.context.close()

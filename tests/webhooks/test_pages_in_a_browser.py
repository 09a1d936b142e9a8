"""The webhooks pages in a browser: axe-core finds no WCAG 2.1 A/AA violation, in French and in
English, on a desktop screen and on a phone, and nothing is wider than the phone's screen."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from carnet.webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def webhook(organisation):
    """An endpoint with a long address and a delivery in each state (made directly: no receiver)."""
    endpoint = Endpoint.objects.create(
        organisation=organisation, url="https://hooks.example.org/" + "carnet/" * 20 + "events",
        events=["credential.issued", "endorsement.received"], secret="whsec_" + "A" * 44,
    )  # fmt: skip
    now = timezone.now()
    for state, status, error in (
        ("delivered", 200, ""),
        ("pending", 503, ""),
        ("failed", None, "no answer within 10 seconds"),
    ):
        Delivery.objects.create(
            endpoint=endpoint, event_type="credential.issued", payload={}, state=state, attempts=2,
            last_status=status, last_error=error, next_attempt_at=now if state == "pending" else None,
        )  # fmt: skip
    Delivery.objects.create(  # a long sentence said from a code
        endpoint=endpoint, event_type="credential.issued", payload={}, state="pending", attempts=1,
        last_status=302, last_error_code="redirect", next_attempt_at=now,
        last_error_details={"status": 302, "location": "https://elsewhere.example.org/" + "x" * 100},
    )  # fmt: skip
    return endpoint


@pytest.fixture
def open_as_admin(browser, live_server, org_admin):
    contexts = []

    def open_(path: str, lang: str, viewport: dict):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        client = Client()
        client.force_login(org_admin)
        context.add_cookies(
            [{"name": c.key, "value": c.value, "url": live_server.url} for c in client.cookies.values()]
        )
        page = context.new_page()
        response = page.goto(live_server.url + ("/en" if lang == "en" else "") + path)
        assert response is not None and response.status == 200
        return page

    yield open_
    for context in contexts:
        context.close()


def paths(webhook):
    slug = webhook.organisation.slug
    return [
        f"/organisations/{slug}/webhooks/",
        f"/organisations/{slug}/webhooks/{webhook.pk}/",
        f"/organisations/{slug}/webhooks/{webhook.pk}/retirer/",  # the confirmation of a removal
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_webhooks_pages_meet_wcag_21_aa(open_as_admin, axe, webhook, lang, viewport):
    for path in paths(webhook):
        page = open_as_admin(path, lang, viewport)
        if page.locator("summary").count():
            page.click("summary")  # the secret shown too
        violations = axe(page)
        assert not violations, f"{page.url}:\n" + "\n".join(violations)


def test_the_webhooks_pages_read_on_a_phone_without_scrolling_sideways(open_as_admin, webhook):
    for path in paths(webhook):
        page = open_as_admin(path, "fr", PHONE)
        if page.locator("summary").count():
            page.click("summary")
        too_wide = page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .filter(e => !e.closest(".skip"))
                .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""))"""
        )
        assert not too_wide, f"{page.url} is wider than the phone: " + ", ".join(too_wide)

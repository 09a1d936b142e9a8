"""The signed credential behind a badge page, for machines (a wallet app, a verifier): named in the
page by <link rel="alternate">, given by content negotiation on the page's own address, and at a
stable .json address; always with the page's visibility (private: only its holder)."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from carnet.credentials import verify
from carnet.issuing import identity, links
from carnet.portfolio.models import ShareLinkOpening
from carnet.portfolio.services import create_share_link, set_visibility, withdraw_share_link
from carnet.portfolio.views import negotiate

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def page(credential):
    return reverse("portfolio:badge", args=[credential.uuid])


def json_address(credential):
    return reverse("portfolio:badge_json", args=[credential.uuid])


def test_the_json_address_is_stable_and_without_a_language_prefix(issue):
    credential = issue()
    assert links.credential_json_url(credential) == f"{SITE}/badges/{credential.uuid}.json"


@pytest.mark.parametrize("visibility", ["link", "public"])
def test_a_shared_credential_is_read_at_its_json_address(client, issue, learner, visibility):
    credential = issue()
    set_visibility(credential=credential, visibility=visibility, actor=learner)
    response = client.get(json_address(credential))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+ld+json; charset=utf-8"
    assert json.loads(response.content) == credential.document
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert verify(json.loads(response.content), resolver=identity.resolver()).valid


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/vc+ld+json", "application/vc+ld+json"),
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/json"),
        ("application/json, */*;q=0.5", "application/json"),
        ("application/ld+json;q=0.9, text/html;q=0.5", "application/ld+json"),
    ],
)
def test_the_page_answers_the_credential_to_a_machine_that_asks(client, issue, learner, accept, media_type):
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    response = client.get(page(credential), HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == f"{media_type}; charset=utf-8"
    assert json.loads(response.content) == credential.document
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize("accept", [BROWSER, "", "*/*", "text/html", "application/json;q=0"])
def test_a_browser_gets_the_page_that_names_its_credential(client, issue, learner, accept):
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    response = client.get(page(credential), HTTP_ACCEPT=accept) if accept else client.get(page(credential))
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    content = response.content.decode()
    assert (
        f'<link rel="alternate" type="application/vc+ld+json" href="{SITE}/badges/{credential.uuid}.json">'
        in content
    )


def test_a_private_credential_is_its_holders_alone(client, issue, learner, outsider, org_admin, employer):
    credential = issue()
    for person in (None, outsider, org_admin, employer):
        client.logout()
        if person is not None:
            client.force_login(person)
        assert client.get(json_address(credential)).status_code == 404
        response = client.get(page(credential), HTTP_ACCEPT="application/vc+ld+json")
        assert response.status_code == 404
        assert credential.credential_id not in response.content.decode()
    client.force_login(learner)
    response = client.get(json_address(credential))
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response  # a private credential is read with its session only


def test_an_unknown_credential_is_not_found(client):
    assert client.get("/badges/00000000-0000-4000-8000-000000000000.json").status_code == 404


def test_a_share_link_gives_the_credential_while_it_works(client, issue, learner):
    credential = issue()  # private
    link, token = create_share_link(credential=credential, days=7, actor=learner)
    shared_page = client.get(f"/partage/{token}/")
    assert (
        f'<link rel="alternate" type="application/vc+ld+json" href="{SITE}/partage/{token}.json">'
        in shared_page.content.decode()
    )
    assert f"{credential.uuid}.json" not in shared_page.content.decode()  # that address stays closed
    for response in (
        client.get(f"/partage/{token}.json"),
        client.get(f"/partage/{token}/", HTTP_ACCEPT="application/vc+ld+json"),
    ):
        assert response.status_code == 200
        assert json.loads(response.content) == credential.document
        assert response["Referrer-Policy"] == "no-referrer"
    assert ShareLinkOpening.objects.filter(link=link).count() == 3
    withdraw_share_link(link=link, actor=learner)
    assert client.get(f"/partage/{token}.json").status_code == 410
    assert client.get(f"/partage/{token}/", HTTP_ACCEPT="application/json").status_code == 410


def test_the_credential_address_is_read_only(client, issue, learner):
    credential = issue()
    set_visibility(credential=credential, visibility="public", actor=learner)
    client.force_login(learner)
    response = client.post(json_address(credential), {})
    assert response.status_code in (403, 405)


def test_accept_headers_are_read_by_quality_then_precision():
    offers = ("text/html", "application/vc+ld+json", "application/json")
    assert negotiate("application/json", offers) == "application/json"
    assert negotiate("*/*", offers) == "text/html"  # a tie goes to the first offer
    assert negotiate("application/*", offers) == "application/vc+ld+json"
    assert negotiate("text/html;q=0.1, application/json", offers) == "application/json"
    assert negotiate("image/png", offers) is None
    assert negotiate("application/json;q=nonsense, text/html", offers) == "text/html"
    assert negotiate(", ;;, =", offers) is None
    assert re.fullmatch(r"text/html", negotiate("", offers) or "")

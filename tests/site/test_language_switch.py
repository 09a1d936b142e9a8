"""The language link of a page whose address carries no language (the OAuth consent page)."""

from __future__ import annotations

import urllib.parse

import pytest
from django.test import RequestFactory

from carnet.site.context import other_language

pytestmark = pytest.mark.django_db


def test_a_prefixed_page_links_to_its_address_in_the_other_language():
    request = RequestFactory().get("/mon-carnet/")
    assert other_language(request)["other_language_url"] == "/en/mon-carnet/"


def test_a_page_without_language_in_its_address_links_to_the_switch_and_back():
    request = RequestFactory().get("/oauth/authorize?client_id=abc&scope=x")
    url = other_language(request)["other_language_url"]
    path, _sep, query = url.partition("?")
    assert path == "/langue/en"
    assert urllib.parse.parse_qs(query)["next"] == ["/oauth/authorize?client_id=abc&scope=x"]


def test_the_switch_keeps_the_choice_in_the_cookie_and_goes_back(client, settings):
    response = client.get("/langue/en", {"next": "/oauth/authorize?client_id=abc"})
    assert response.status_code == 302 and response["Location"] == "/oauth/authorize?client_id=abc"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_the_switch_never_sends_anyone_elsewhere(client, next_url):
    response = client.get("/langue/fr", {"next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_unknown_language_is_not_found(client):
    assert client.get("/langue/de").status_code == 404
    assert client.post("/langue/en").status_code == 405

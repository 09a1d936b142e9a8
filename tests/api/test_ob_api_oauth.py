"""The OAuth 2.0 side of the Open Badges API: dynamic registration refuses hostile or unsupported
metadata with a clear message, PKCE is required with S256 only, a wrong verifier or a wrong client
gets no token, the consent page says who asks and what for, and a refusal gives the application
nothing."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, Application, Grant
from ob_fixtures import *  # noqa: F403 — the fixtures of these tests
from ob_oauth import (
    ALL,
    READ,
    REDIRECT,
    authorize_url,
    basic,
    code_of,
    consent,
    exchange,
    pkce,
    register,
    registered,
    token_request,
    tokens_for,
)  # fmt: skip

from carnet.api.models import ClientMetadata
from carnet.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


# -- registration ----------------------------------------------------------------------------------


def test_registration_answers_the_client_and_keeps_its_metadata():
    response = register()
    assert response.status_code == 201
    body = response.json()
    assert body["client_id"] and len(body["client_secret"]) >= 40
    assert body["client_secret_expires_at"] == 0 and isinstance(body["client_id_issued_at"], int)
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["grant_types"] == ["authorization_code", "refresh_token"] and body["response_types"] == [
        "code"
    ]
    assert set(body["scope"].split()) == set(ALL) and body["software_version"] == "1.0"
    application = Application.objects.get(client_id=body["client_id"])
    assert (
        application.client_type == "confidential"
        and application.authorization_grant_type == "authorization-code"
    )
    assert application.client_secret != body["client_secret"]  # only its hash is kept
    metadata = ClientMetadata.objects.get(application=application)
    assert metadata.client_uri == "https://wallet.example/" and metadata.contacts == ["dev@wallet.example"]
    assert AuditEvent.objects.filter(verb="oauth_app.registered", target_id=str(application.pk)).exists()


def test_http_redirects_are_allowed_on_loopback_only():
    assert register(redirect_uris=["http://127.0.0.1:8765/cb"]).status_code == 201
    assert register(redirect_uris=["http://localhost:3000/cb"]).status_code == 201
    response = register(redirect_uris=["http://wallet.example/callback"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"
    assert "loopback" in response.json()["error_description"]


HOSTILE = {
    "no redirect": ({"redirect_uris": []}, "invalid_redirect_uri", "redirect_uris"),
    "redirect not a list": (
        {"redirect_uris": "https://a.example/cb"},
        "invalid_redirect_uri",
        "redirect_uris",
    ),
    "javascript redirect": ({"redirect_uris": ["javascript:alert(1)"]}, "invalid_redirect_uri", "https"),
    "fragment": ({"redirect_uris": ["https://a.example/cb#x"]}, "invalid_redirect_uri", "fragment"),
    "user info": ({"redirect_uris": ["https://u:p@a.example/cb"]}, "invalid_redirect_uri", "user"),
    "too many redirects": (
        {"redirect_uris": [f"https://a.example/{n}" for n in range(11)]},
        "invalid_redirect_uri",
        "at most",
    ),
    "long redirect": (
        {"redirect_uris": ["https://a.example/" + "x" * 600]},
        "invalid_redirect_uri",
        "characters",
    ),
    "no name": ({"client_name": None}, "invalid_client_metadata", "client_name"),
    "long name": ({"client_name": "x" * 101}, "invalid_client_metadata", "client_name"),
    "name not text": ({"client_name": {"fr": "x"}}, "invalid_client_metadata", "client_name"),
    "control characters": ({"client_name": "Wallet\u0000"}, "invalid_client_metadata", "control"),
    "no client uri": ({"client_uri": None}, "invalid_client_metadata", "client_uri"),
    "http client uri": ({"client_uri": "http://wallet.example/"}, "invalid_client_metadata", "client_uri"),
    "data logo": (
        {"logo_uri": "data:image/svg+xml,<svg onload=alert(1)>"},
        "invalid_client_metadata",
        "logo_uri",
    ),
    "public client": (
        {"token_endpoint_auth_method": "none"},
        "invalid_client_metadata",
        "client_secret_basic",
    ),
    "implicit": ({"grant_types": ["implicit"]}, "invalid_client_metadata", "grant_types"),
    "password": ({"grant_types": ["authorization_code", "password"]}, "invalid_client_metadata", "password"),
    "token response": ({"response_types": ["token"]}, "invalid_client_metadata", "response_types"),
    "unknown scope": ({"scope": "openid admin"}, "invalid_client_metadata", "scope"),
    "no scope": ({"scope": None}, "invalid_client_metadata", "scope"),
    "bad contact": ({"contacts": ["<script>"]}, "invalid_client_metadata", "contact"),
    "many contacts": (
        {"contacts": [f"a{n}@b.example" for n in range(6)]},
        "invalid_client_metadata",
        "contacts",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_registrations_are_refused_with_a_clear_message(case):
    changes, error, words = HOSTILE[case]
    response = register(**changes)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == error
    assert words in response.json()["error_description"]
    assert not Application.objects.exists()


def test_a_registration_that_is_not_json_or_too_large_is_refused():
    client = Client()
    assert client.post("/oauth/register", {"client_name": "x"}).status_code == 415
    assert client.post("/oauth/register", "{", content_type="application/json").status_code == 400
    assert client.post("/oauth/register", "[]", content_type="application/json").status_code == 400
    big = json.dumps({"client_name": "x" * 20000})
    assert client.post("/oauth/register", big, content_type="application/json").status_code == 413
    assert client.get("/oauth/register").status_code == 405
    assert not Application.objects.exists()


def test_registrations_are_limited_per_address():
    for _ in range(10):
        assert register().status_code == 201
    response = register()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Application.objects.count() == 10


# -- authorization ---------------------------------------------------------------------------------


def test_the_consent_page_says_who_asks_and_what_for_in_plain_words(browser):
    client = registered(scope=READ)
    page = browser.get(authorize_url(client["client_id"], (READ,), pkce()[1]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Portefeuille Exemple" in text and "https://wallet.example/" in text
    assert "Lire vos microattestations" in text and "Ajouter des badges" not in text
    assert "wallet.example/logo.png" not in text  # its logo is never fetched nor shown
    assert "wallet.example" in text and "Autoriser" in text and "Refuser" in text
    assert page["X-Frame-Options"] == "DENY"


def test_the_consent_page_escapes_what_the_application_says_of_itself(browser):
    client = registered(client_name='<script>alert("x")</script>')
    page = browser.get(authorize_url(client["client_id"], challenge=pkce()[1]))
    assert page.status_code == 200
    assert b'<script>alert("x")</script>' not in page.content
    assert b"&lt;script&gt;" in page.content


def test_the_consent_page_follows_the_browsers_language(browser):
    client = registered()
    page = browser.get(authorize_url(client["client_id"], challenge=pkce()[1]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and b'<html lang="en">' in page.content


def test_a_visitor_is_sent_to_log_in_and_back(learner):
    client = registered()
    url = authorize_url(client["client_id"], challenge=pkce()[1])
    response = Client().get(url)
    assert response.status_code == 302
    login = urllib.parse.urlsplit(response["Location"])
    assert login.path.endswith("/login/")
    assert urllib.parse.parse_qs(login.query)["next"] == [url]


def test_a_refusal_gives_the_application_an_error_and_no_code(browser, learner):
    client = registered()
    response = consent(browser, authorize_url(client["client_id"], challenge=pkce()[1]), allow=False)
    assert response.status_code == 302
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(response["Location"]).query)
    assert query["error"] == ["access_denied"] and "code" not in query
    assert not Grant.objects.exists()
    assert not AuditEvent.objects.filter(verb="oauth_app.allowed").exists()


def test_the_consent_page_is_shown_even_when_the_application_asks_to_skip_it(browser):
    client = registered()
    tokens_for(browser, client, (READ,))  # allowed once: a live token covers the scope
    url = authorize_url(client["client_id"], (READ,), pkce()[1], approval_prompt="auto")
    page = browser.get(url)
    assert page.status_code == 200 and "form" in page.context  # the page, not a code
    assert code_of(consent(browser, url))


def test_a_changed_consent_form_for_an_unknown_application_is_refused(browser):
    client = registered()
    url = authorize_url(client["client_id"], challenge=pkce()[1])
    page = browser.get(url)
    data = {field.name: field.value() or "" for field in page.context["form"].hidden_fields()}
    data.update(allow="on", client_id="no-such-application")
    response = browser.post(url, data)
    assert response.status_code == 400 and not Grant.objects.exists()


def error_of(response) -> str:
    assert response.status_code == 302, response.status_code
    location = urllib.parse.urlsplit(response["Location"])
    assert location.geturl().startswith(REDIRECT)
    return urllib.parse.parse_qs(location.query)["error"][0]


def test_pkce_is_required(browser):
    client = registered()
    response = browser.get(authorize_url(client["client_id"], challenge=None, method=None))
    assert error_of(response) == "invalid_request"


@pytest.mark.parametrize("method", ["plain", None])
def test_pkce_plain_is_refused(browser, method):
    client = registered()
    verifier, _challenge = pkce()
    response = browser.get(authorize_url(client["client_id"], challenge=verifier, method=method))
    assert error_of(response) == "invalid_request"
    assert not Grant.objects.exists()


def test_a_wrong_verifier_gets_no_token(browser):
    client = registered()
    _verifier, challenge = pkce()
    code = code_of(consent(browser, authorize_url(client["client_id"], challenge=challenge)))
    response = exchange(client, code, pkce()[0])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_a_code_works_once_and_for_its_client_only(browser):
    client, intruder = registered(), registered()
    verifier, challenge = pkce()
    code = code_of(consent(browser, authorize_url(client["client_id"], challenge=challenge)))
    assert exchange(intruder, code, verifier).status_code == 400
    assert exchange(client, code, verifier).status_code == 200
    assert exchange(client, code, verifier).status_code == 400


def test_a_wrong_secret_gets_no_token(browser):
    client = registered()
    verifier, challenge = pkce()
    code = code_of(consent(browser, authorize_url(client["client_id"], challenge=challenge)))
    response = exchange({**client, "client_secret": "pas-le-bon"}, code, verifier)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_an_unregistered_redirect_or_scope_is_refused(browser):
    client = registered(scope=READ)
    challenge = pkce()[1]
    other = authorize_url(client["client_id"], challenge=challenge, redirect_uri="https://evil.example/cb")
    page = browser.get(
        other.replace(
            urllib.parse.quote(REDIRECT, safe=""), urllib.parse.quote("https://evil.example/cb", safe="")
        )
    )
    assert page.status_code == 400 and b"evil.example" not in page.get("Location", "").encode()
    response = browser.get(authorize_url(client["client_id"], ALL, challenge))
    assert error_of(response) == "invalid_scope"


def test_an_http_redirect_off_loopback_is_refused_even_when_the_application_holds_it(browser):
    client = registered()
    Application.objects.filter(client_id=client["client_id"]).update(
        redirect_uris="http://wallet.example/callback"
    )
    url = authorize_url(client["client_id"], challenge=pkce()[1]).replace(
        urllib.parse.quote(REDIRECT, safe=""), urllib.parse.quote("http://wallet.example/callback", safe="")
    )
    page = browser.get(url)
    assert page.status_code == 400 and "Location" not in page


def test_a_refresh_token_cannot_be_used_twice_and_revoking_it_ends_the_access(browser):
    client = registered()
    tokens = tokens_for(browser, client)
    response = Client().post(
        "/oauth/revoke",
        {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        HTTP_AUTHORIZATION=basic(client),
    )
    assert response.status_code == 200
    refreshed = token_request(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 400


def test_the_client_authenticates_with_http_basic_only(browser):
    client = registered()
    verifier, challenge = pkce()
    code = code_of(consent(browser, authorize_url(client["client_id"], challenge=challenge)))
    in_body = Client().post(
        "/oauth/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier,
         "client_id": client["client_id"], "client_secret": client["client_secret"]},
    )  # fmt: skip
    assert in_body.status_code == 401 and in_body.json()["error"] == "invalid_client"
    assert exchange(client, code, verifier).status_code == 200

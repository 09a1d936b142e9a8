"""The Open Badges 3.0 API end to end, as a wallet uses it: it registers dynamically, sends the
learner through the consent page with PKCE (S256), exchanges the code with client_secret_basic,
pulls the learner's credentials page by page, pushes one into their carnet, reads and changes their
profile, refreshes its token, and loses everything once the token is revoked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from ob_fixtures import *  # noqa: F403 — the fixtures of these tests
from ob_oauth import ALL, API, READ, REDIRECT, api, basic, registered, token_request, tokens_for
from openapi_spec_validator import validate
from portfolio_samples import badge_for, signed_badge

from carnet.audit.models import AuditEvent
from carnet.credentials import sign_jwt
from carnet.portfolio.models import ImportedBadge
from carnet.portfolio.services import import_badge

pytestmark = pytest.mark.django_db


def test_a_wallet_goes_through_the_whole_flow(browser, learner, issue, other_key):
    client = registered()
    assert client["client_secret_expires_at"] == 0 and client["redirect_uris"] == [REDIRECT]
    tokens = tokens_for(browser, client)
    assert tokens["token_type"] == "Bearer" and set(tokens["scope"].split()) == set(ALL)
    assert tokens["refresh_token"] and 0 < tokens["expires_in"] <= 3600
    access = tokens["access_token"]

    # Pull: what Carnet issued to the learner, and what they imported.
    issued = issue(learner)
    imported = import_badge(holder=learner, data=json.dumps(signed_badge(other_key)))
    response = api("GET", "/credentials", access)
    assert response.status_code == 200, response.content
    assert response["X-Total-Count"] == "2"
    ids = {document["id"] for document in response.json()["credential"]}
    assert ids == {issued.document["id"], imported.document["id"]}
    assert response.json()["compactJwsString"] == []

    # Push: a credential signed by another issuer's did:key, awarded to the learner's email.
    pushed = signed_badge(other_key, name="Conduite de chariot élévateur")
    response = api("POST", "/credentials", access, pushed)
    assert response.status_code == 201, response.content
    assert response.json() == pushed
    badge = ImportedBadge.objects.get(holder=learner, credential_id=pushed["id"])
    assert badge.name == "Conduite de chariot élévateur" and badge.verdict == "valid"
    assert api("GET", "/credentials", access)["X-Total-Count"] == "3"

    # Profile: read, then the name changed.
    profile = api("GET", "/profile", access).json()
    assert profile["email"] == learner.email and "Profile" in profile["type"]
    profile["name"] = "Léa Tremblay"
    response = api("PUT", "/profile", access, profile)
    assert response.status_code == 200, response.content
    learner.refresh_from_db()
    assert learner.display_name == "Léa Tremblay" and response.json()["name"] == "Léa Tremblay"

    # Refresh: a new access token, a new refresh token; the old refresh token is spent.
    response = token_request(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.status_code == 200, response.content
    fresh = response.json()
    assert fresh["access_token"] != access and fresh["refresh_token"] != tokens["refresh_token"]
    assert api("GET", "/credentials", fresh["access_token"]).status_code == 200
    spent = token_request(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert spent.status_code == 400

    # Revoke (RFC 7009): the token stops working at once.
    response = Client().post(
        "/oauth/revoke", {"token": fresh["access_token"]}, HTTP_AUTHORIZATION=basic(client)
    )
    assert response.status_code == 200
    response = api("GET", "/credentials", fresh["access_token"])
    assert response.status_code == 401 and "invalid_token" in response["WWW-Authenticate"]
    assert AuditEvent.objects.filter(verb="oauth_app.allowed", actor=learner).exists()


def test_the_credentials_come_in_pages_with_their_links(browser, learner, issue):
    for number in range(5):
        issue(learner, key=f"k-{number}")
    access = tokens_for(browser, scopes=(READ,))["access_token"]
    response = api("GET", "/credentials?limit=2&offset=2", access)
    assert response.status_code == 200
    assert response["X-Total-Count"] == "5" and len(response.json()["credential"]) == 2
    links = dict(
        (part.split(";")[1].strip(), part.split(";")[0].strip(" <>")) for part in response["Link"].split(",")
    )
    assert links['rel="next"'].endswith(f"{API}/credentials?limit=2&offset=4")
    assert links['rel="prev"'].endswith(f"{API}/credentials?limit=2&offset=0")
    assert links['rel="first"'].endswith("offset=0") and links['rel="last"'].endswith("offset=4")
    assert links['rel="next"'].startswith("http")
    first = api("GET", "/credentials?limit=2", access)
    assert 'rel="prev"' not in first["Link"] and 'rel="next"' in first["Link"]
    pages = [api("GET", f"/credentials?limit=2&offset={at}", access).json()["credential"] for at in (0, 2, 4)]
    ids = [document["id"] for page in pages for document in page]
    assert len(set(ids)) == 5


def test_since_keeps_only_the_credentials_added_after_it(browser, learner, issue):
    issue(learner)
    access = tokens_for(browser, scopes=(READ,))["access_token"]
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    earlier = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api("GET", f"/credentials?since={later}", access)["X-Total-Count"] == "0"
    assert api("GET", f"/credentials?since={earlier}", access)["X-Total-Count"] == "1"
    with_offset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat(
        timespec="seconds"
    )  # +00:00, unescaped
    assert api("GET", f"/credentials?since={with_offset}", access)["X-Total-Count"] == "0"
    for query in ("since=hier", "limit=0", "limit=-1", "offset=x", "limit=1e3"):
        response = api("GET", f"/credentials?{query}", access)
        assert response.status_code == 400, query
        assert response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
            "invalid_query_parameter"
        )


def test_a_badge_imported_as_a_vc_jwt_comes_back_as_its_compact_jws(browser, learner, other_key):
    token = sign_jwt(badge_for(other_key), other_key)
    import_badge(holder=learner, data=token)
    access = tokens_for(browser, scopes=(READ,))["access_token"]
    body = api("GET", "/credentials", access).json()
    assert body == {"credential": [], "compactJwsString": [token]}


def test_a_vc_jwt_is_pushed_as_text_and_answered_as_text(browser, learner, other_key):
    access = tokens_for(browser)["access_token"]
    token = sign_jwt(badge_for(other_key), other_key)
    response = api("POST", "/credentials", access, token, content_type="text/plain")
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("text/plain") and response.content.decode() == token
    assert ImportedBadge.objects.get(holder=learner).source == "jwt"


def test_a_newer_version_replaces_the_credential_an_older_one_changes_nothing(browser, learner, other_key):
    access = tokens_for(browser)["access_token"]
    first = signed_badge(other_key, name="Version 1")
    assert api("POST", "/credentials", access, first).status_code == 201
    badge = ImportedBadge.objects.get(holder=learner)
    newer = badge_for(other_key, name="Version 2", valid_from=datetime.now(UTC).replace(microsecond=0))
    newer["id"] = first["id"]
    from carnet.credentials import sign

    newer = sign(newer, other_key)
    response = api("POST", "/credentials", access, newer)
    assert response.status_code == 200, response.content
    badge.refresh_from_db()
    assert badge.name == "Version 2" and ImportedBadge.objects.filter(holder=learner).count() == 1
    assert api("POST", "/credentials", access, first).status_code == 304
    assert api("POST", "/credentials", access, newer).status_code == 304
    badge.refresh_from_db()
    assert badge.name == "Version 2"
    assert AuditEvent.objects.filter(verb="imported_badge.replaced", target_id=str(badge.pk)).count() == 1


def test_the_discovery_document_describes_the_api_with_absolute_addresses(settings):
    settings.SITE_URL = "https://carnet.example"
    response = Client().get(f"{API}/discovery")
    assert response.status_code == 200
    assert "Accept-Language" in response["Vary"]  # kept by caches once per language
    document = response.json()
    assert document["openapi"].startswith("3.0")
    assert (
        document["info"]["x-imssf-privacyPolicyUrl"] == "https://carnet.example/confidentialite/"
    )  # the privacy notice, unprefixed
    assert document["info"]["x-imssf-image"].startswith("https://carnet.example/")
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["x-imssf-registrationUrl"] == "https://carnet.example/oauth/register"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "https://carnet.example/oauth/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == "https://carnet.example/oauth/token"
    assert set(flow["scopes"]) == set(ALL)
    assert {"/credentials", "/profile", "/discovery"} <= set(document["paths"])
    assert document["paths"]["/credentials"]["get"]["operationId"] == "getCredentials"
    validate(document)  # a valid OpenAPI 3.0 document

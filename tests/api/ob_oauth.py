"""How the Open Badges API's tests act as an application (not a test module): register dynamically,
send the learner through the consent page with PKCE (S256), exchange the code at the token endpoint
with client_secret_basic, and call the API with the access token."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.parse
from typing import Any

from django.test import Client

SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
READ, UPSERT = SCOPE + "credential.readonly", SCOPE + "credential.upsert"
PROFILE_READ, PROFILE_UPDATE = SCOPE + "profile.readonly", SCOPE + "profile.update"
ALL = (READ, UPSERT, PROFILE_READ, PROFILE_UPDATE)
REDIRECT = "https://wallet.example/callback"
API = "/ims/ob/v3p0"


def registration(**changes: Any) -> dict[str, Any]:
    body = {
        "client_name": "Portefeuille Exemple",
        "client_uri": "https://wallet.example/",
        "logo_uri": "https://wallet.example/logo.png",
        "tos_uri": "https://wallet.example/tos",
        "policy_uri": "https://wallet.example/privacy",
        "software_id": "c9a5bd4c-33d5-4d4e-9f1a-0c0c0c0c0c0c",
        "software_version": "1.0",
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": " ".join(ALL),
        "contacts": ["dev@wallet.example"],
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}


def register(client: Client | None = None, **changes: Any) -> Any:
    return (client or Client()).post(
        "/oauth/register", json.dumps(registration(**changes)), content_type="application/json"
    )


def registered(**changes: Any) -> dict[str, Any]:
    response = register(**changes)
    assert response.status_code == 201, response.content
    return response.json()


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(
    client_id: str,
    scopes: tuple[str, ...] = ALL,
    challenge: str | None = "",
    method: str | None = "S256",
    **extra: str,
) -> str:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
             "scope": " ".join(scopes), "state": "etat-42", **extra}  # fmt: skip
    if challenge is not None:
        query["code_challenge"] = challenge
    if method is not None:
        query["code_challenge_method"] = method
    return "/oauth/authorize?" + urllib.parse.urlencode(query)


def consent(browser: Client, url: str, allow: bool = True) -> Any:
    """Open the consent page at ``url`` and answer it; the redirect the application receives."""
    page = browser.get(url)
    assert page.status_code == 200, page.content
    data = {field.name: field.value() or "" for field in page.context["form"].hidden_fields()}
    if allow:
        data["allow"] = "on"
    return browser.post(url, data)


def code_of(response: Any) -> str:
    assert response.status_code == 302, response.content
    location = urllib.parse.urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = urllib.parse.parse_qs(location.query)
    assert query["state"] == ["etat-42"]
    return query["code"][0]


def basic(client: dict[str, Any]) -> str:
    pair = f"{urllib.parse.quote(client['client_id'])}:{urllib.parse.quote(client['client_secret'])}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def token_request(client: dict[str, Any], **data: str) -> Any:
    return Client().post("/oauth/token", data, HTTP_AUTHORIZATION=basic(client))


def exchange(client: dict[str, Any], code: str, verifier: str) -> Any:
    return token_request(
        client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier
    )


def tokens_for(
    browser: Client, client: dict[str, Any] | None = None, scopes: tuple[str, ...] = ALL
) -> dict[str, Any]:
    """The tokens an application gets when the learner signed in to ``browser`` allows ``scopes``."""
    client = client or registered()
    verifier, challenge = pkce()
    code = code_of(consent(browser, authorize_url(client["client_id"], scopes, challenge)))
    response = exchange(client, code, verifier)
    assert response.status_code == 200, response.content
    return response.json()


def api(
    method: str,
    path: str,
    token: str | None,
    body: Any = None,
    content_type: str = "application/json",
    **headers: Any,
) -> Any:
    client = Client()
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if method == "GET":
        return client.get(API + path, **headers)
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    send = client.post if method == "POST" else client.put
    return send(API + path, body, content_type=content_type, **headers)

"""Shared pieces of the W3C VC API tests (not a test module)."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from django.test import Client

from carnet.api.keys import create_api_key

VC_V2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "6b1f0a2e-challenge-from-the-verifier"
DOMAIN = "verifier.example"


def post(client: Client, path: str, body: Any, *, token: str | None = None, **headers: Any):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(path, data=data, content_type="application/json", **headers)


def plain_credential(issuer: Any = None, **members: Any) -> dict[str, Any]:
    """An unsigned VC Data Model 2.0 credential (the VC 2.0 context only)."""
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": "urn:uuid:1d4a7c3e-5b6f-4a8d-9c0e-2f3a4b5c6d7e",
        "type": ["VerifiableCredential"],
        "name": "Attestation de participation",
        "validFrom": "2026-01-15T09:00:00Z",
        "credentialSubject": {"id": "did:example:learner-42", "name": "Léa Tremblay"},
        **members,
    }
    if issuer is not None:
        credential["issuer"] = issuer
    return credential


def issuing_token(organisation, actor, scopes=("credentials:issue",)) -> str:
    _key, token = create_api_key(organisation=organisation, name="LMS", scopes=list(scopes), actor=actor)
    return token


@pytest.fixture
def offline(monkeypatch) -> list[Any]:
    """No network: a name lookup fails the call (and is counted)."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture
def unlimited(settings) -> None:
    """The verification rate limit lifted (other tests' calls in the same minute do not count)."""
    settings.VERIFICATION_RATE_LIMITS = {"api": None}

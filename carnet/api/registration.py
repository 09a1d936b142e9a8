"""Reading a dynamic client registration request (RFC 7591 §2 and §3.1, as the Open Badges 3.0
specification's "Registration Request" uses it): every member checked, every size capped. No
address in it is ever fetched; they are shown to the learner as the application's own claims.

What Carnet accepts: a confidential client authenticating with ``client_secret_basic``, the
``authorization_code`` and ``refresh_token`` grants, the ``code`` response type, redirect URIs in
https (http only on a loopback address), and scopes among the four of the Open Badges API."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from carnet.api.oauth import SCOPES, redirect_uri_problem

MAX_BODY = 16 * 1024
MAX_REDIRECT_URIS = 10
MAX_CONTACTS = 5
MAX_URI = 500


class RegistrationError(ValueError):
    """A request refused: ``error`` is RFC 7591's code (invalid_redirect_uri or
    invalid_client_metadata), the message says which member and why (in English, for developers)."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


@dataclass
class Registration:
    client_name: str
    client_uri: str
    redirect_uris: list[str]
    scopes: list[str]
    logo_uri: str = ""
    tos_uri: str = ""
    policy_uri: str = ""
    software_id: str = ""
    software_version: str = ""
    contacts: list[str] = field(default_factory=list)


def _text(body: dict[str, Any], name: str, limit: int, required: bool = False) -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise RegistrationError("invalid_client_metadata", f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise RegistrationError("invalid_client_metadata", f"{name} must be a string")
    value = value.strip()
    if required and not value:
        raise RegistrationError("invalid_client_metadata", f"{name} must not be empty")
    if len(value) > limit:
        raise RegistrationError("invalid_client_metadata", f"{name} is longer than {limit} characters")
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise RegistrationError("invalid_client_metadata", f"{name} has control characters")
    return value


def _web_address(body: dict[str, Any], name: str, required: bool = False) -> str:
    value = _text(body, name, MAX_URI, required)
    if not value:
        return ""
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise RegistrationError("invalid_client_metadata", f"{name} must be an https URL")
    return value


def _only(body: dict[str, Any], name: str, allowed: set[str], default: list[str]) -> list[str]:
    value = body.get(name, default)
    if value is None:
        value = default
    if isinstance(value, str):
        value = [value]
    if (
        not isinstance(value, list)
        or not value
        or len(value) > 5
        or not all(isinstance(v, str) for v in value)
    ):
        raise RegistrationError("invalid_client_metadata", f"{name} must be a list of strings")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise RegistrationError(
            "invalid_client_metadata", f"{name} {unknown[0]!r} is not supported: only {sorted(allowed)}"
        )
    return value


def read_registration(body: Any) -> Registration:
    """The registration ``body`` (a parsed JSON object) asks for, or :class:`RegistrationError`."""
    if not isinstance(body, dict):
        raise RegistrationError("invalid_client_metadata", "the request body must be a JSON object")
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not uris:
        raise RegistrationError("invalid_redirect_uri", "redirect_uris must be a non-empty list of URLs")
    if len(uris) > MAX_REDIRECT_URIS:
        raise RegistrationError("invalid_redirect_uri", f"at most {MAX_REDIRECT_URIS} redirect_uris")
    for uri in uris:
        if not isinstance(uri, str) or len(uri) > MAX_URI:
            raise RegistrationError(
                "invalid_redirect_uri", f"each redirect URI is a string of at most {MAX_URI} characters"
            )
        problem = redirect_uri_problem(uri)
        if problem:
            raise RegistrationError("invalid_redirect_uri", f"redirect URI {uri!r}: {problem}")
    method = body.get("token_endpoint_auth_method", "client_secret_basic")
    if method != "client_secret_basic":
        raise RegistrationError(
            "invalid_client_metadata", "token_endpoint_auth_method must be client_secret_basic"
        )
    grants = _only(
        body, "grant_types", {"authorization_code", "refresh_token"}, ["authorization_code", "refresh_token"]
    )
    if "authorization_code" not in grants:
        raise RegistrationError("invalid_client_metadata", "grant_types must include authorization_code")
    _only(body, "response_types", {"code"}, ["code"])
    scope = _text(body, "scope", 1000, required=True)
    scopes = scope.split()
    unknown = [name for name in scopes if name not in SCOPES]
    if unknown:
        raise RegistrationError(
            "invalid_client_metadata", f"scope {unknown[0][:100]!r} is not an Open Badges API scope"
        )
    contacts = body.get("contacts", [])
    if not isinstance(contacts, list) or len(contacts) > MAX_CONTACTS:
        raise RegistrationError(
            "invalid_client_metadata", f"contacts must be a list of at most {MAX_CONTACTS} emails"
        )
    for contact in contacts:
        try:
            if not isinstance(contact, str) or len(contact) > 254:
                raise ValidationError("not a string")
            EmailValidator()(contact)
        except ValidationError:
            raise RegistrationError(
                "invalid_client_metadata", "each contact must be an email address"
            ) from None
    return Registration(
        client_name=_text(body, "client_name", 100, required=True),
        client_uri=_web_address(body, "client_uri", required=True),
        redirect_uris=list(dict.fromkeys(uris)),
        scopes=[name for name in SCOPES if name in scopes],
        logo_uri=_web_address(body, "logo_uri"),
        tos_uri=_web_address(body, "tos_uri"),
        policy_uri=_web_address(body, "policy_uri"),
        software_id=_text(body, "software_id", 200),
        software_version=_text(body, "software_version", 100),
        contacts=list(contacts),
    )

"""The Open Badges 3.0 API's OAuth 2.0, on django-oauth-toolkit (1EdTech Open Badges 3.0, §7 "Open
Badges API Security": authorization code grant with PKCE, the four scopes, dynamic client
registration, token revocation).

What Carnet adds to the toolkit: PKCE with S256 only (a request with ``plain`` or without a method
is refused), redirect URIs in https or http on a loopback address, checked at each authorization
too, and an application limited to the scopes it registered for. The scopes in plain words, for
the consent page and the learner's list of connected applications, are here too."""

from __future__ import annotations

import ipaddress
import urllib.parse
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes
from oauthlib.oauth2 import Server as OAuthLibServer
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256

SCOPE = settings.OB_SCOPE
CREDENTIAL_READ = SCOPE + "credential.readonly"
CREDENTIAL_UPSERT = SCOPE + "credential.upsert"
PROFILE_READ = SCOPE + "profile.readonly"
PROFILE_UPDATE = SCOPE + "profile.update"
SCOPES = (CREDENTIAL_READ, CREDENTIAL_UPSERT, PROFILE_READ, PROFILE_UPDATE)

# What each scope lets an application do, in the learner's words.
PLAIN_WORDS = {
    CREDENTIAL_READ: _(
        "Lire vos microattestations : celles que Carnet vous a délivrées et les badges importés dans "
        "votre carnet, même privés."
    ),
    CREDENTIAL_UPSERT: _(
        "Ajouter des badges à votre carnet, ou remplacer un badge qu'elle y a déjà mis par une version "
        "plus récente. Chaque badge est vérifié avant d'entrer et reste privé."
    ),
    PROFILE_READ: _("Lire votre profil : votre nom affiché et votre adresse courriel."),
    PROFILE_UPDATE: _("Changer votre nom affiché."),
}


def plain_words(scopes: Any) -> list[str]:
    """The plain words of ``scopes`` (a list or a space-separated string), in the usual order."""
    given = set(scopes.split() if isinstance(scopes, str) else scopes)
    return [str(PLAIN_WORDS[scope]) for scope in SCOPES if scope in given]


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_uri_problem(uri: str) -> str:
    """What is wrong with ``uri`` as a redirect URI ('' when nothing): https only, or http on a
    loopback address for development; absolute, no fragment, no user information (RFC 6749 §3.1.2,
    RFC 8252 §7.3)."""
    try:
        parts = urllib.parse.urlsplit(uri)
        parts.port  # noqa: B018 — raises ValueError for a port that is not a number
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "not an absolute https URL"
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return "http is allowed only on a loopback address (127.0.0.1, [::1], localhost); use https"
    if parts.fragment or "#" in uri:
        return "a redirect URI has no fragment"
    if parts.username or parts.password:
        return "a redirect URI has no user information"
    if any(character.isspace() for character in uri):
        return "a redirect URI has no spaces"
    return ""


class Server(OAuthLibServer):
    """oauthlib's server, with PKCE's S256 method only: ``plain`` (and a challenge without a method,
    which means plain) is refused at the authorization request, before the consent page."""

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        self.auth_grant._code_challenge_methods = {"S256": code_challenge_method_s256}  # type: ignore[attr-defined]


class Validator(OAuth2Validator):
    """The toolkit's validator, refusing a redirect URI in http off a loopback address even when an
    application holds one (made by hand in the admin, say), and authenticating clients with HTTP
    Basic only (``client_secret_basic``, the one method the specification and registration allow):
    a secret in the request body is not read."""

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        return bool(self._authenticate_basic_auth(request))

    def validate_redirect_uri(
        self, client_id: Any, redirect_uri: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if redirect_uri_problem(str(redirect_uri)):
            return False
        return bool(super().validate_redirect_uri(client_id, redirect_uri, request, *args, **kwargs))


def registered_scopes(application: Any) -> list[str]:
    """The scopes ``application`` registered for (all four for one made without metadata)."""
    metadata = getattr(application, "metadata", None) if application is not None else None
    if metadata is None or not metadata.scopes:
        return list(SCOPES)
    return [scope for scope in SCOPES if scope in metadata.scopes]


class RegisteredScopes(SettingsScopes):
    """The four scopes; an application may ask only for those it registered for, and gets them all
    when its request names none."""

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return registered_scopes(application)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return registered_scopes(application)

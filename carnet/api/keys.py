"""Making, checking and revoking the organisation API's keys.

A key reads ``carnet_<prefix>_<secret>`` (prefix: 12 hexadecimal digits; secret: 43 characters of
URL-safe base64, 256 bits). Programs send it as ``Authorization: Bearer <key>``. The database keeps
the prefix and the SHA-256 of the whole key: a random 256-bit secret needs no slow hash, and a stolen
database gives no usable key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from carnet.api.models import ApiKey
from carnet.audit.services import record_event
from carnet.organisations.models import Organisation

KEY_PREFIX = "carnet_"
LAST_USED_GRAIN = timedelta(minutes=1)  # last_used_at is written at most once a minute per key


class ApiKeyError(ValueError):
    """A key that cannot be made as asked (no scope, an unknown scope, an organisation that does not issue)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_key(
    *,
    organisation: Organisation,
    name: str,
    scopes: Iterable[str],
    actor: Any,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key of ``organisation`` with ``scopes``, and the key itself (shown once, never kept)."""
    scopes = sorted(set(scopes))
    known = set(ApiKey.Scope.values)
    if not scopes or not set(scopes) <= known:
        raise ApiKeyError(f"scopes must be among {sorted(known)}")
    if not organisation.recognises:
        raise ApiKeyError("only an organisation that recognises skills has an API")
    prefix = secrets.token_hex(6)
    token = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        organisation=organisation,
        name=name.strip()[:100],
        prefix=prefix,
        secret_hash=_digest(token),
        scopes=scopes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=expires_at,
    )
    record_event(
        verb="api_key.created", actor=actor, organisation=organisation, target=key, data={"scopes": scopes}
    )
    return key, token


@transaction.atomic
def revoke_api_key(*, key: ApiKey, actor: Any) -> ApiKey:
    """Stop ``key`` from working, at once and for good."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_event(verb="api_key.revoked", actor=actor, organisation=key.organisation, target=key)
    return key


def key_from_token(token: str) -> ApiKey | None:
    """The live key that ``token`` is (None: unknown, wrong secret, revoked, expired, or its
    organisation no longer issues)."""
    if not token.startswith(KEY_PREFIX) or len(token) > 100:
        return None
    prefix, _sep, secret = token[len(KEY_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    key = ApiKey.objects.select_related("organisation").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _digest(token)):
        return None
    now = timezone.now()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if not key.organisation.recognises:
        return None
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_GRAIN:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def bearer_token(request: HttpRequest) -> str:
    """The token of ``Authorization: Bearer <token>`` ('' when there is none)."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def key_of(request: HttpRequest) -> ApiKey | None:
    """The live API key a request carries, if any."""
    token = bearer_token(request)
    return key_from_token(token) if token else None

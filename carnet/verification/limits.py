"""How often one address may verify: a fixed window per client IP address in Django's cache.

Verifying costs a signature check, canonicalisation and perhaps a few fetches; the page and the API
are open to anyone, so each is limited per IP address (``REMOTE_ADDR``). The limits can be changed
with the ``VERIFICATION_RATE_LIMITS`` setting: ``{"page": (count, seconds), "api": (...)}``, where
``None`` lifts a scope's limit; an operator sets it through ``CARNET_VERIFICATION_RATE_LIMITS``
(read at startup, see docs/operations.md), never a client.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

DEFAULT_LIMITS = {
    "page": (30, 60),  # verifications per minute from one address, on the page
    "api": (60, 60),  # and through the API
    "register": (10, 3600),
    "survey": (
        20,
        3600,
    ),  # answers to the employer survey (carnet.insights)  # Open Badges API client registrations per hour (carnet.api.oauth_views)
}


def limit_of(scope: str) -> tuple[int, int] | None:
    limits: dict[str, tuple[int, int] | None] = {
        **DEFAULT_LIMITS,
        **getattr(settings, "VERIFICATION_RATE_LIMITS", {}),
    }
    return limits[scope]


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def allow(request: HttpRequest, scope: str) -> tuple[bool, int]:
    """Count one verification by the request's address; (allowed, seconds until the window ends)."""
    limit = limit_of(scope)
    if limit is None:  # lifted by the operator (CARNET_VERIFICATION_RATE_LIMITS=scope=off)
        return True, 0
    count, seconds = limit
    now = time.time()
    window = int(now // seconds)
    key = f"verification:{scope}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # the entry expired between the two calls
        cache.set(key, 1, timeout=seconds + 1)
        used = 1
    retry_after = max(1, int((window + 1) * seconds - now))
    return used <= count, retry_after

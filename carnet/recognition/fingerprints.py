"""What tells that two people may be one: an email address in a comparable form, and keyed hashes of
a network address and of a browser. Carnet never keeps the raw address nor the cookie's value: only
an HMAC under a key derived from the site's secret, so a copy of the database does not say where
anybody was, and the hashes mean nothing on another site. They are cleared after
``CARNET_RETAIN_COLLUSION_SIGNALS_DAYS`` (carnet.privacy.retention)."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

DEVICE_COOKIE = "carnet_device"
DEVICE_COOKIE_MAX_DAYS = 400  # browsers cap a cookie's life at 400 days


def device_cookie_max_age() -> int:
    """The cookie lives as long as the hashes it leads to are kept (0 keeps them: the browsers' cap)."""
    days = settings.PRIVACY_RETENTION.get("collusion_signals", 0)
    return min(days, DEVICE_COOKIE_MAX_DAYS) * 24 * 3600 if days > 0 else DEVICE_COOKIE_MAX_DAYS * 24 * 3600


# Addresses whose provider ignores dots in the local part.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def normalise_email(email: str) -> str:
    """``email`` in a form where variants of one mailbox compare equal: lower case, without a
    ``+tag``, and without the dots Gmail ignores (``Jean.Roy+x@GoogleMail.com`` → ``jeanroy@gmail.com``).
    Empty for an empty or malformed address."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return ""
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}" if local else ""


def keyed_hash(kind: str, value: str) -> str:
    """An HMAC-SHA256 of ``value`` under a key derived from the site's secret (empty for no value)."""
    if not value:
        return ""
    return salted_hmac(f"carnet.recognition.fingerprints.{kind}", value, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class Signals:
    """The keyed hashes of one visit: its network address and its browser's cookie (empty if none)."""

    ip_hash: str = ""
    device_hash: str = ""


def public_address(request: HttpRequest) -> str:
    """The visitor's network address when it is a public one (for IPv6, its /64 network). A loopback or private address is that
    of a proxy in front of Carnet or of a local network: it would make everybody look alike."""
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if not parsed.is_global:
        return ""
    if parsed.version == 6:  # one home or office gets a whole /64, and a device picks any address in it
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


def signals_of(request: HttpRequest) -> Signals:
    device = request.COOKIES.get(DEVICE_COOKIE, "")
    device = device if 20 <= len(device) <= 100 else ""  # a forged cookie of any size is ignored
    return Signals(
        ip_hash=keyed_hash("ip", public_address(request)),
        device_hash=keyed_hash("device", device),
    )


def marks_device(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give the browser a random cookie (once), so that the same browser can be recognised when a
    learner and an endorser use it. It says nothing of the person and is read only by Carnet. Only
    with the page itself (200): an expired link's page or an error gives no cookie."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if DEVICE_COOKIE not in request.COOKIES and response.status_code == 200:
            response.set_cookie(
                DEVICE_COOKIE,
                secrets.token_urlsafe(24),
                max_age=device_cookie_max_age(),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    return wrapped

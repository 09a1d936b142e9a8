"""How a webhook leaves Carnet: signed as the Standard Webhooks specification says, and posted only
to an address an organisation may make Carnet call.

Signature (Standard Webhooks, "Signature scheme"): the secret reads ``whsec_<base64>``; the signed
content is ``<webhook-id>.<webhook-timestamp>.<body>``; ``webhook-signature`` is ``v1,<base64 of
HMAC-SHA256(secret bytes, signed content)>``.

The guard is the one of :mod:`carnet.credentials.fetch` (an address is public when
:func:`~carnet.credentials.fetch.is_public_address` says so, and the connection goes to the very
address checked, through :class:`~carnet.credentials.fetch.PinnedHTTPSConnection`), applied to an
address an organisation typed rather than one a credential names:

* ``https://`` only, certificate and host name verified; ``http://`` only when the setting
  ``WEBHOOKS_ALLOW_HTTP`` is on (development);
* no user name or password in the address, no spaces or control characters, at most 2048 characters;
* the host (a name, or an IP written out) must lead to public addresses only: loopback, private,
  link-local, shared, multicast and reserved ones are refused unless ``WEBHOOKS_ALLOW_PRIVATE`` is on
  (development, tests). Any port is allowed;
* ``timeout`` seconds for connecting and for each read, and ``deadline`` seconds for the whole
  exchange once connected (a receiver sending its answer a byte at a time cannot hold a sender:
  the connection is cut); no redirect is followed (a 3xx is a failure); at most
  ``MAX_ANSWER_BYTES`` of the answer are read, then the connection is closed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import secrets
import socket
import ssl
import threading
import urllib.parse
from dataclasses import dataclass, field

from django.conf import settings

from carnet.credentials.fetch import PinnedHTTPSConnection, is_public_address

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of every secret, not a secret)
TIMEOUT = 10.0  # seconds
DEADLINE = 30.0  # seconds for a whole exchange once connected, however the receiver trickles bytes
MAX_ANSWER_BYTES = 4 * 1024
MAX_URL_LENGTH = 2048
USER_AGENT = "Carnet webhooks"


# -- signing ----------------------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header of ``body`` (``v1,<base64>``)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(signing_secrets: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of a message; with several secrets (during a rotation), one signature for each,
    separated by spaces (a receiver accepts the message if one of them verifies)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in signing_secrets
        ),
    }


# -- where Carnet may post ---------------------------------------------------------------------------


class Refused(Exception):
    """An address Carnet does not call. ``reason`` says why, in a word the pages translate: scheme,
    malformed, credentials, private, unresolved."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with its query


def allow_http() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_HTTP", False))


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def check_url(url: str) -> Target:
    """The parts of ``url`` if it is written as an address Carnet may call; :class:`Refused` if not.
    Where its host leads is checked by :func:`addresses`."""
    shown = url[:200]
    if not url or len(url) > MAX_URL_LENGTH:
        raise Refused("malformed", f"the address is empty or longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise Refused("malformed", f"{shown!r} contains spaces or control characters")
    try:
        parsed = urllib.parse.urlsplit(url)
        port = parsed.port
    except ValueError:
        raise Refused("malformed", f"{shown} is not a valid address") from None
    scheme = parsed.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_http()):
        raise Refused("scheme", f"{shown}: only https:// addresses are called")
    if parsed.username is not None or parsed.password is not None:
        raise Refused("credentials", f"{shown}: addresses with a user name or password are not called")
    host = (parsed.hostname or "").lower()
    if not host or not host.isascii():
        raise Refused("malformed", f"{shown}: write the host name in its ASCII (punycode) form")
    if parsed.fragment:
        raise Refused("malformed", f"{shown}: an address to call has no #fragment")
    path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def addresses(target: Target) -> list[str]:
    """The addresses of the target's host, all public (unless private ones are allowed)."""
    try:
        ipaddress.ip_address(target.host.strip("[]"))
        found = [target.host.strip("[]")]
    except ValueError:
        try:
            found = _resolve(target.host, target.port)
        except (OSError, UnicodeError) as exc:
            raise Refused("unresolved", f"cannot find the address of {target.host}: {exc}") from None
    if not found:
        raise Refused("unresolved", f"cannot find the address of {target.host}")
    if not allow_private():
        for address in found:
            if not is_public_address(address):
                raise Refused(
                    "private",
                    f"{target.host} leads to {address}, a loopback, private or reserved address",
                )
    return found


def check_address(url: str) -> None:
    """Refuses (:class:`Refused`) an address Carnet would not call: the check of the form."""
    addresses(check_url(url))


# -- posting ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """What came of one attempt: the HTTP status if the receiver answered, and what went wrong as a
    stable ``code`` with a few ``details`` (the page says it in the reader's language:
    :func:`carnet.webhooks.errors.describe`). The codes: ``http_status`` (status), ``redirect``
    (status, location), ``refused_address`` (reason: a word of :class:`Refused`), ``timeout``
    (seconds), ``too_slow`` (seconds: the deadline of the whole exchange), ``connection_refused``,
    ``connection_failed`` (reason), ``tls_failed`` (reason)."""

    status: int | None
    code: str = ""
    details: dict[str, str | int | float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """A plain HTTP connection to a checked address (development only)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def _cut(connection: http.client.HTTPConnection, cut: threading.Event) -> None:
    """Ends an exchange past its deadline: the blocked read fails at once."""
    cut.set()
    if connection.sock is not None:
        with contextlib.suppress(OSError):  # the plain socket's shutdown, also under TLS: it wakes the reader
            socket.socket.shutdown(connection.sock, socket.SHUT_RDWR)


def post(
    url: str,
    body: bytes,
    request_headers: dict[str, str],
    *,
    timeout: float = TIMEOUT,
    deadline: float = DEADLINE,
) -> Answer:
    """POST ``body`` to ``url``, under the guard of the module; never raises for a network failure."""
    try:
        target = check_url(url)
        found = addresses(target)
    except Refused as exc:
        return Answer(None, "refused_address", {"reason": exc.reason, "detail": str(exc)[:200]})
    last = Answer(None, "connection_failed", {"reason": "unreachable"})
    for address in found:
        connection: http.client.HTTPConnection
        if target.scheme == "https":
            context = ssl.create_default_context()
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            connection = PinnedHTTPSConnection(
                target.host, target.port, address=address, timeout=timeout, context=context
            )
        else:
            connection = _PinnedHTTPConnection(target.host, target.port, address=address, timeout=timeout)
        try:
            connection.connect()
        except (OSError, ssl.SSLError) as exc:
            connection.close()
            last = _describe(exc, timeout)
            continue
        cut = threading.Event()
        watchdog = threading.Timer(deadline, _cut, args=(connection, cut))
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.request(
                "POST", target.path, body=body, headers={**request_headers, "Connection": "close"}
            )
            response = connection.getresponse()
            response.read(MAX_ANSWER_BYTES)  # what the receiver says is not kept; a few KB at most
            if cut.is_set():  # the cut may end the answer as if the receiver had: it did not
                return Answer(None, "too_slow", {"seconds": deadline})
            if 300 <= response.status < 400:
                location = (response.getheader("Location") or "")[:150]
                return Answer(response.status, "redirect", {"status": response.status, "location": location})
            if not 200 <= response.status < 300:
                return Answer(response.status, "http_status", {"status": response.status})
            return Answer(response.status)
        except (OSError, ssl.SSLError, http.client.HTTPException, ValueError) as exc:
            if cut.is_set():
                return Answer(None, "too_slow", {"seconds": deadline})
            return _describe(exc, timeout)
        finally:
            watchdog.cancel()
            connection.close()
    return last


def _describe(exc: BaseException, timeout: float) -> Answer:
    """A failure without an answer, as a code and its details (technical words kept short)."""
    if isinstance(exc, TimeoutError):
        return Answer(None, "timeout", {"seconds": timeout})
    if isinstance(exc, ssl.SSLError):
        return Answer(None, "tls_failed", {"reason": str(exc.reason or type(exc).__name__)[:150]})
    if isinstance(exc, ConnectionRefusedError):
        return Answer(None, "connection_refused")
    if isinstance(exc, OSError) and exc.strerror:
        return Answer(None, "connection_failed", {"reason": exc.strerror[:150]})
    return Answer(None, "connection_failed", {"reason": type(exc).__name__})

"""The one guarded fetcher of Carnet, for did:web documents (did:web method specification §3.2
"Read (Resolve)": the document is fetched over HTTPS) and status list credentials (Bitstring Status
List v1.0 §3.2 "Validate Algorithm", step "dereference the statusListCredential URL").

Whatever a credential names, :class:`GuardedFetcher` fetches only what the operator allowed:

* ``https://`` only (TLS 1.2 or later, certificate and host name verified);
* the URL's host must be in the allow-list exactly, compared lower-cased. An entry ``host`` allows
  port 443 only; ``host:port`` allows that port only; IPv6 literals are written ``[::1]:8443``;
* no redirect is followed: a 3xx answer is an error naming where it pointed;
* a host name that resolves to a loopback, private, link-local, shared, multicast or reserved
  address is refused (a credential must not make Carnet probe the operator's own network), unless
  the allow-list names an IP literal or ``localhost`` itself. The connection is made to the very
  address that was checked, so a second DNS answer cannot swap it;
* ``timeout`` seconds for the whole exchange: connection, TLS handshake, request and answer (name
  resolution is the system's and is not covered);
* at most ``max_bytes`` of body are read: a larger ``Content-Length`` is refused before reading, and
  reading stops one byte past the limit; compressed answers are refused (``Accept-Encoding:
  identity``);
* :meth:`GuardedFetcher.get_json`: the media type must be JSON: ``application/json`` or any
  ``application/*+json`` (RFC 6839 §3.1), which covers ``application/did+json``,
  ``application/ld+json`` and ``application/vc+ld+json``. ``text/plain``, ``text/html`` and
  ``application/octet-stream`` are refused: a server that does not say it serves JSON is answering
  something else (an error page, a login form). A ``charset``, if given, must be UTF-8 (RFC 8259
  §8.1). The body is parsed by :func:`carnet.credentials.jsonsafe.loads` (UTF-8, no NaN/Infinity,
  no duplicate names, depth at most 64);
* :meth:`GuardedFetcher.get_bytes`: the body as bytes, with every guarantee above but the JSON
  parsing, and only when the media type is one the caller names (``image/png``, ``text/*``,
  ``application/*+json``...). It is for a person's "here is the address of my badge", which may
  serve a VC-JWT, a baked image or a web page: the caller decides what the bytes are, by content.

Every refusal raises :class:`~carnet.credentials.errors.FetchError` with a message that says what
was refused and why. Only the standard library is used.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from carnet.credentials import jsonsafe
from carnet.credentials.errors import FetchError

MAX_DEPTH = 64
MAX_URL_LENGTH = 2048
USER_AGENT = "Carnet credential verifier"
ACCEPT = "application/did+json, application/ld+json, application/json;q=0.9"
JSON_MEDIA_TYPES = ("application/json", "application/*+json")
_CHUNK = 64 * 1024


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` or ``application/<anything>+json``, parameters ignored."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def media_type_of(content_type: str | None) -> str:
    """The media type of a Content-Type, lower-cased, without its parameters ("" when none)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def media_type_matches(content_type: str | None, patterns: Iterable[str]) -> bool:
    """Whether the media type of ``content_type`` is one of ``patterns``: an exact ``type/subtype``,
    ``type/*``, or ``type/*+suffix`` (a structured syntax suffix, RFC 6838 §4.2.8)."""
    media_type = media_type_of(content_type)
    kind, _, subtype = media_type.partition("/")
    if not kind or not subtype:
        return False
    for pattern in patterns:
        pattern = pattern.strip().lower()
        pattern_kind, _, pattern_subtype = pattern.partition("/")
        if pattern_kind != kind:
            continue
        if pattern_subtype == subtype or pattern_subtype == "*":
            return True
        if pattern_subtype.startswith("*+") and subtype.endswith(pattern_subtype[1:]):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Fetched:
    """What :meth:`GuardedFetcher.get_bytes` read: the address, the media type the server declared
    (lower-cased, without parameters), its ``charset`` parameter if any (lower-cased), the body."""

    url: str
    media_type: str
    charset: str | None
    body: bytes


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _parse_entry(entry: str) -> tuple[str, int | None]:
    text = entry.strip().lower()
    if not text or any(c in text for c in "/@?#") or any(ord(c) <= 32 for c in text):
        raise ValueError(f"allow-list entries are host names or host:port, not {entry!r}")
    parsed = urllib.parse.urlsplit("//" + text)
    try:
        port = parsed.port
    except ValueError:
        raise ValueError(f"allow-list entry {entry!r} has an invalid port") from None
    host = parsed.hostname
    if not host:
        raise ValueError(f"allow-list entry {entry!r} has no host")
    return host, port


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_public_address(address: str) -> bool:
    """Whether an IP address is global unicast: not loopback, private, link-local, shared,
    multicast or reserved. An IPv6 address that carries an IPv4 address — IPv4-mapped, NAT64
    (64:ff9b::/96, RFC 6052) or 6to4 (2002::/16, RFC 3056) — is judged by that IPv4 address, which
    a gateway would reach."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
    return ip.is_global and not ip.is_multicast


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address, verifying the certificate for ``host``."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


class GuardedFetcher:
    """Fetches JSON over HTTPS from allow-listed hosts only. See the module documentation."""

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        timeout: float = 5.0,
        max_bytes: int = 256 * 1024,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if isinstance(allowed_hosts, str):
            allowed_hosts = [allowed_hosts]
        self.allowed: frozenset[tuple[str, int | None]] = frozenset(_parse_entry(h) for h in allowed_hosts)
        if timeout <= 0 or max_bytes <= 0:
            raise ValueError("timeout and max_bytes must be positive")
        self.timeout = timeout
        self.max_bytes = max_bytes
        if ssl_context is None:
            ssl_context = ssl.create_default_context()
            ssl_context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.ssl_context = ssl_context

    def __repr__(self) -> str:
        hosts = ", ".join(sorted(h if p is None else f"{h}:{p}" for h, p in self.allowed))
        return f"<GuardedFetcher [{hosts}] timeout={self.timeout}s max_bytes={self.max_bytes}>"

    def get_json(self, url: str) -> Any:
        """The JSON document at ``url``. Raises :class:`FetchError` on any refusal or failure."""
        fetched = self._fetch(url, JSON_MEDIA_TYPES, ACCEPT)
        try:
            return jsonsafe.loads(fetched.body, max_bytes=self.max_bytes, max_depth=MAX_DEPTH)
        except ValueError as exc:
            raise FetchError(f"{fetched.url[:200]} did not answer usable JSON: {exc}") from None

    def get_bytes(self, url: str, *, media_types: Iterable[str], accept: str | None = None) -> Fetched:
        """The body at ``url`` as bytes, if the server says it is one of ``media_types`` (patterns as
        in :func:`media_type_matches`; a JSON type must still be UTF-8). ``accept`` is the Accept
        header sent (by default, the patterns themselves). Raises :class:`FetchError` on any refusal
        or failure; nothing of the body is interpreted."""
        patterns = tuple(media_types) if not isinstance(media_types, str) else (media_types,)
        if not patterns:
            raise ValueError("name the media types that may be fetched")
        return self._fetch(url, patterns, accept or ", ".join(patterns))

    def _fetch(self, url: str, media_types: tuple[str, ...], accept: str) -> Fetched:
        host, port, target, shown = self._check_url(url)
        addresses = self._addresses(host, port)
        content_type, body = self._download(host, port, target, addresses, shown, media_types, accept)
        return Fetched(url, media_type_of(content_type), _charset(content_type), body)

    def _check_url(self, url: Any) -> tuple[str, int, str, str]:
        if not isinstance(url, str) or not url:
            raise FetchError("the address to fetch must be a non-empty text")
        shown = url if len(url) <= 200 else url[:200] + "…"
        if len(url) > MAX_URL_LENGTH:
            raise FetchError(f"the address {shown} is longer than {MAX_URL_LENGTH} characters")
        if any(ord(c) <= 32 or ord(c) == 127 for c in url):
            raise FetchError(f"the address {shown!r} contains spaces or control characters")
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme.lower() != "https":
            raise FetchError(f"refused {shown}: only https:// addresses are fetched")
        if parsed.username is not None or parsed.password is not None:
            raise FetchError(f"refused {shown}: addresses with a user name or password are not fetched")
        host = parsed.hostname
        if not host:
            raise FetchError(f"refused {shown}: the address has no host")
        if not host.isascii():
            raise FetchError(f"refused {shown}: write the host name in its ASCII (punycode) form")
        try:
            port = parsed.port or 443
        except ValueError:
            raise FetchError(f"refused {shown}: the port is not valid") from None
        if (host, port) not in self.allowed and not (port == 443 and (host, None) in self.allowed):
            where = host if port == 443 else f"{host}:{port}"
            raise FetchError(f"refused {shown}: {where} is not among the hosts Carnet may fetch from")
        target = parsed.path or "/"
        if parsed.query:
            target += "?" + parsed.query
        return host, port, target, shown

    def _resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` (a seam for tests)."""
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        return [str(info[4][0]) for info in infos]

    def _addresses(self, host: str, port: int) -> list[str]:
        if _is_ip_literal(host):
            return [host]  # allow-listed as an IP literal: the operator chose this address
        try:
            addresses = list(dict.fromkeys(self._resolve(host, port)))
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot find the address of {host}: {exc}") from None
        if not addresses:
            raise FetchError(f"cannot find the address of {host}")
        if host != "localhost":
            for address in addresses:
                if not is_public_address(address):
                    raise FetchError(
                        f"refused {host}: it resolves to {address}, a loopback, private or reserved "
                        "address (allow-list the IP address itself to fetch from it on purpose)"
                    )
        return addresses

    def _download(
        self,
        host: str,
        port: int,
        target: str,
        addresses: list[str],
        shown: str,
        media_types: tuple[str, ...],
        accept: str,
    ) -> tuple[str, bytes]:
        deadline = time.monotonic() + self.timeout
        last_error: OSError | None = None
        for address in addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            connection = PinnedHTTPSConnection(
                host, port, address=address, timeout=remaining, context=self.ssl_context
            )
            try:
                connection.connect()
            except ssl.SSLError as exc:
                connection.close()
                raise FetchError(f"the secure connection to {host} failed: {exc.reason or exc}") from None
            except TimeoutError:
                connection.close()
                last_error = TimeoutError()
                continue
            except OSError as exc:
                connection.close()
                last_error = exc
                continue
            try:
                return self._exchange(connection, host, target, deadline, shown, media_types, accept)
            finally:
                connection.close()
        if isinstance(last_error, TimeoutError) or time.monotonic() >= deadline:
            raise FetchError(f"{host} did not answer within {self.timeout:g} seconds")
        reason = last_error.strerror if last_error is not None and last_error.strerror else "unreachable"
        raise FetchError(f"cannot connect to {host}: {reason}")

    def _exchange(
        self,
        connection: PinnedHTTPSConnection,
        host: str,
        target: str,
        deadline: float,
        shown: str,
        media_types: tuple[str, ...],
        accept: str,
    ) -> tuple[str, bytes]:
        """(Content-Type, body) of the answer."""
        headers = {
            "Accept": accept,
            "Accept-Encoding": "identity",
            "User-Agent": USER_AGENT,
            "Connection": "close",
        }
        try:
            self._set_timeout(connection, deadline, host)
            connection.request("GET", target, headers=headers)
            self._set_timeout(connection, deadline, host)
            response = connection.getresponse()
            content_type = self._check_response(response, shown, media_types)
            chunks: list[bytes] = []
            size = 0
            while True:
                self._set_timeout(connection, deadline, host)
                chunk = response.read(min(_CHUNK, self.max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(f"{shown} answered more than {self.max_bytes} bytes: refused")
        except TimeoutError:
            raise FetchError(f"{host} did not answer within {self.timeout:g} seconds") from None
        except ssl.SSLError as exc:
            raise FetchError(f"the secure connection to {host} failed: {exc.reason or exc}") from None
        except (http.client.HTTPException, OSError) as exc:
            raise FetchError(f"{host} gave an unreadable answer ({type(exc).__name__})") from None
        return content_type, b"".join(chunks)

    def _set_timeout(self, connection: PinnedHTTPSConnection, deadline: float, host: str) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"{host} did not answer within {self.timeout:g} seconds")
        if connection.sock is not None:
            connection.sock.settimeout(remaining)

    def _check_response(
        self, response: http.client.HTTPResponse, shown: str, media_types: tuple[str, ...]
    ) -> str:
        """The answer's Content-Type, once the answer is known to be one to read."""
        status = response.status
        if 300 <= status < 400:
            location = (response.getheader("Location") or "").strip()
            where = f" to {location[:200]!r}" if location else ""
            raise FetchError(
                f"{shown} answered with a redirect (HTTP {status}){where}: redirects are not followed, "
                "the final address must be used"
            )
        if status != 200:
            raise FetchError(f"{shown} answered HTTP {status} {response.reason[:80]}".rstrip())
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise FetchError(f"{shown} answered a compressed body ({encoding[:40]}): refused")
        content_type = response.getheader("Content-Type") or ""
        if not media_type_matches(content_type, media_types):
            shown_type = content_type[:80] or "no Content-Type"
            if media_types == JSON_MEDIA_TYPES:
                raise FetchError(
                    f"{shown} answered {shown_type}, not JSON (application/json or application/*+json)"
                )
            raise FetchError(f"{shown} answered {shown_type}, not one of {', '.join(media_types)[:200]}")
        charset = _charset(content_type)
        if is_json_media_type(content_type) and charset not in (None, "utf-8", "utf8"):
            raise FetchError(f"{shown} answered JSON in {charset[:40]}, but JSON must be UTF-8")
        length = response.getheader("Content-Length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                raise FetchError(f"{shown} answered an invalid Content-Length") from None
            if declared > self.max_bytes:
                raise FetchError(
                    f"{shown} announces {declared} bytes, more than the {self.max_bytes} accepted"
                )
        return content_type

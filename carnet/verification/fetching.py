"""What the verifier may fetch, and how: only through :class:`carnet.credentials.fetch.GuardedFetcher`.

A credential from another issuer names its issuer's did:web and its status list by URL, and a person
may give the URL of a credential: to verify them the platform must read documents on hosts nobody
listed in advance. :class:`OpenFetcher` makes that safe enough for a public page:

* each URL is fetched by a ``GuardedFetcher`` whose allow-list is that URL's host alone, on port 443,
  so every guarantee of the guarded fetcher holds: https only, certificate checked, no redirects, no
  host that resolves to a loopback, private, link-local or reserved address (checked on the very
  address connected to), a timeout, a size cap, JSON only;
* before that, what the guarded fetcher lets an operator allow on purpose is refused here: hosts
  written as IP addresses, ``localhost``, and ports other than 443;
* one verification fetches at most :data:`MAX_FETCHES` documents within :data:`TIME_BUDGET` seconds,
  so a credential naming many documents cannot make the platform fetch without end.

The platform's own DIDs and status lists never go through it: :func:`carnet.issuing.identity.resolver`
answers them from the database.
"""

from __future__ import annotations

import ipaddress
import time
import urllib.parse
from typing import Any

from django.conf import settings

from carnet.credentials.errors import FetchError
from carnet.credentials.fetch import Fetched, GuardedFetcher

MAX_FETCHES = 8
TIME_BUDGET = 12.0  # seconds, for all the fetches of one verification
TIMEOUT = 5.0  # seconds, for one fetch
MAX_DOCUMENT_BYTES = 256 * 1024  # a DID document, a status list, an issuer profile
MAX_CREDENTIAL_BYTES = 2 * 1024 * 1024  # a credential fetched from the address a person gave


class Refused(FetchError):
    """The address is not one the verifier fetches from (not https, not public, wrong port)."""


def check_address(url: Any) -> tuple[str, str]:
    """(host, url) of an address the verifier may fetch; raises :class:`Refused` otherwise. Checks
    the address as written only: where the host name leads is checked by the guarded fetcher."""
    if not isinstance(url, str) or not url.strip():
        raise Refused("no address given")
    url = url.strip()
    if len(url) > 2048:
        raise Refused("the address is longer than 2048 characters")
    try:
        parsed = urllib.parse.urlsplit(url)
        port = parsed.port
    except ValueError:
        raise Refused("the address is malformed") from None
    if parsed.scheme.lower() != "https":
        raise Refused(f"refused {url[:200]}: only https:// addresses are fetched")
    if parsed.username is not None or parsed.password is not None:
        raise Refused(f"refused {url[:200]}: addresses with a user name or password are not fetched")
    if any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise Refused(f"refused {url[:200]!r}: the address contains spaces or control characters")
    host = parsed.hostname or ""
    if not host:
        raise Refused(f"refused {url[:200]}: the address has no host")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    else:
        raise Refused(f"refused {url[:200]}: addresses written as IP numbers are not fetched")
    if host == "localhost" or host.endswith(".localhost") or "." not in host.strip("."):
        raise Refused(f"refused {url[:200]}: {host} is not a public host name")
    if port not in (None, 443):
        raise Refused(f"refused {url[:200]}: only the standard https port (443) is used")
    return host, url


class OpenFetcher:
    """Fetches JSON from any public https host, each through a :class:`GuardedFetcher` limited to that
    host; at most ``max_fetches`` documents within ``budget`` seconds in all. One per verification."""

    def __init__(
        self,
        *,
        max_bytes: int = MAX_DOCUMENT_BYTES,
        timeout: float = TIMEOUT,
        max_fetches: int = MAX_FETCHES,
        budget: float = TIME_BUDGET,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_fetches = max_fetches
        self.deadline = time.monotonic() + budget
        self.fetched: list[str] = []

    def get_json(self, url: str, *, max_bytes: int | None = None) -> Any:
        guarded, url = self._guarded(url, max_bytes)
        return guarded.get_json(url)

    def get_bytes(
        self,
        url: str,
        *,
        media_types: tuple[str, ...],
        max_bytes: int | None = None,
        accept: str | None = None,
    ) -> Fetched:
        """The body at ``url`` if it is one of ``media_types`` (see
        :meth:`~carnet.credentials.fetch.GuardedFetcher.get_bytes`); counted in the same budget."""
        guarded, url = self._guarded(url, max_bytes)
        return guarded.get_bytes(url, media_types=media_types, accept=accept)

    def _guarded(self, url: str, max_bytes: int | None) -> tuple[GuardedFetcher, str]:
        host, url = check_address(url)
        if len(self.fetched) >= self.max_fetches:
            raise Refused(f"refused {url[:200]}: at most {self.max_fetches} documents are fetched per check")
        remaining = self.deadline - time.monotonic()
        if remaining <= 0.5:
            raise FetchError(f"{host} was not asked: the time allowed for this check is spent")
        self.fetched.append(url)
        try:
            guarded = GuardedFetcher(
                [host], timeout=min(self.timeout, remaining), max_bytes=max_bytes or self.max_bytes
            )
        except ValueError as exc:
            raise Refused(f"refused {url[:200]}: {exc}") from None
        return guarded, url


class NoFetcher:
    """What verifies when the operator turned fetching off: every address is refused."""

    def get_json(self, url: str, *, max_bytes: int | None = None) -> Any:
        raise Refused("this platform does not fetch documents from other sites")

    def get_bytes(self, url: str, **options: Any) -> Fetched:
        raise Refused("this platform does not fetch documents from other sites")


def open_fetcher() -> OpenFetcher | NoFetcher:
    """A fresh fetcher for one verification (``VERIFICATION_FETCH = False`` in the settings turns
    fetching off: only did:key and the platform's own credentials then verify fully)."""
    if not getattr(settings, "VERIFICATION_FETCH", True):
        return NoFetcher()
    return OpenFetcher()

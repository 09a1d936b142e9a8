"""Who issues: the did:web of each organisation and of the platform, their DID documents and issuer
Profiles, the public URLs of what they publish, and a resolver that answers all of it from the
database, so that verifying what Carnet issued needs no network.

did:web (did:web Method Specification §3.2 "Read (Resolve)"): the DID's method-specific id is the
host, a port written ``%3A<port>``, then the path segments joined by ``:``; the document is at
``https://<host>[:<port>]/<segments>/did.json``, or ``/.well-known/did.json`` without a path. So::

    https://host[:port]/organisations/<slug>/did.json ↔ did:web:host[%3Aport]:organisations:<slug>
    https://host[:port]/.well-known/did.json          ↔ did:web:host[%3Aport]   (the platform)

The mapping itself is :func:`carnet.credentials.did.did_web_from_url`; ``SITE_URL`` gives the host.
did:web is defined over HTTPS only: outside verifiers can resolve these identifiers when Carnet is
served over HTTPS at ``SITE_URL``.
"""

from __future__ import annotations

import functools
import urllib.parse
from typing import Any

from django.conf import settings
from django.http import Http404
from django.urls import Resolver404, get_urlconf, reverse
from django.urls import resolve as resolve_path
from django.utils.translation import get_language

from carnet.credentials import Ed25519Key, ResolutionError, Resolver
from carnet.credentials import model as ob
from carnet.credentials.did import Fetcher, did_document, did_web_from_url, did_web_url
from carnet.issuing.models import SigningKey, StatusList
from carnet.organisations.models import Organisation


def site_url() -> str:
    """``SITE_URL`` as an origin: scheme, host and port (Carnet is served at the root of its host)."""
    parsed = urllib.parse.urlsplit(settings.SITE_URL)
    return f"{parsed.scheme}://{parsed.netloc}"


def absolute(path: str) -> str:
    return site_url() + path


def _did_for_path(path: str) -> str:
    # did:web is always https, whatever the scheme of a development SITE_URL.
    return did_web_from_url("https://" + urllib.parse.urlsplit(site_url()).netloc + path)


def organisation_did(organisation: Organisation) -> str:
    return _did_for_path(reverse("issuing:did", args=[organisation.slug]))


def platform_did() -> str:
    return _did_for_path("/")


def key_id(controller: str, stored: SigningKey) -> str:
    return f"{controller}#{stored.fragment}"


def controller_of(organisation: Organisation | None) -> str:
    return organisation_did(organisation) if organisation is not None else platform_did()


def issuer_profile(organisation: Organisation) -> dict[str, Any]:
    """The organisation's Open Badges issuer ``Profile`` (its id is its DID)."""
    return ob.profile(
        organisation_did(organisation),
        organisation.name,
        url=organisation.website or absolute(reverse("issuing:profile", args=[organisation.slug])),
        description=organisation.description_fr or None,
    )


def platform_profile() -> dict[str, Any]:
    return ob.profile(platform_did(), "Carnet", url=site_url())


def public_profile(organisation: Organisation) -> dict[str, Any]:
    """The issuer Profile as a JSON-LD document of its own (what ``profil.json`` serves)."""
    return {"@context": list(ob.OB_CONTEXT), **issuer_profile(organisation)}


def did_document_of(
    organisation: Organisation | None, stored: list[SigningKey] | None = None
) -> dict[str, Any]:
    """Every key of ``organisation`` (None: the platform), current and retired, as Multikey
    verification methods for ``assertionMethod`` (``stored``: its keys, when already read)."""
    controller = controller_of(organisation)
    if stored is None:
        stored = list(SigningKey.objects.filter(organisation=organisation).order_by("created_at", "pk"))
    keys = [
        Ed25519Key.from_multikey(
            {
                "id": key_id(controller, k),
                "controller": controller,
                "publicKeyMultibase": k.public_key_multibase,
            }
        )
        for k in stored
    ]
    return did_document(controller, keys)


def recognising_organisation(slug: str) -> Organisation:
    """The organisation ``slug`` if it may issue (employers do not); Http404 otherwise."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or not organisation.recognises:
        raise Http404
    return organisation


class PlatformResolver(Resolver):
    """A :class:`~carnet.credentials.Resolver` that answers the platform's own DIDs and public
    documents (DID documents, profiles, achievements, status lists) from the database, without
    HTTP. Anything else goes to the documents it was given, did:key, or the fetcher if any."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The platform's documents read once per resolver: a verification (a credential, its status
        # list, its endorsements) names the same issuer several times, and sees one state of it.
        self._own: dict[str, Any] = {}

    def resolve(self, identifier: str) -> Any:
        if isinstance(identifier, str) and identifier:
            path = self._own_path(identifier.split("#", 1)[0])
            if path is not None:
                if path not in self._own:
                    self._own[path] = self._own_document(path)
                return self._own[path]
        return super().resolve(identifier)

    @staticmethod
    def _own_path(base: str) -> str | None:
        here = urllib.parse.urlsplit(site_url())
        if base.startswith("did:web:"):
            try:
                url = urllib.parse.urlsplit(did_web_url(base))
            except ResolutionError:
                return None
            return url.path if url.netloc == here.netloc else None
        url = urllib.parse.urlsplit(base)
        if url.scheme in ("http", "https") and url.netloc == here.netloc and not url.query:
            return url.path
        return None

    @staticmethod
    def _own_document(path: str) -> Any:
        from carnet.issuing import views  # the views build the public documents

        match = _route(path, get_language(), get_urlconf() or settings.ROOT_URLCONF)
        builder = views.PUBLIC_DOCUMENTS.get(match[0]) if match is not None else None
        if builder is None or match is None:
            raise ResolutionError(f"{absolute(path)} is not a document this platform publishes")
        try:
            return builder(**match[1])
        except Http404:
            raise ResolutionError(f"{absolute(path)} does not exist on this platform") from None


@functools.lru_cache(maxsize=1024)
def _route(path: str, language: str | None, urlconf: Any) -> tuple[str, dict[str, Any]] | None:
    """The view name and arguments of ``path`` (None: no page), memoised: the URL patterns do not
    change while the process runs (the language and urlconf in force are part of the key)."""
    try:
        match = resolve_path(path, urlconf)
    except Resolver404:
        return None
    return match.view_name, dict(match.kwargs)


def resolver(*, fetcher: Fetcher | None = None) -> Resolver:
    """The resolver to verify with inside Carnet: the platform's own identifiers from the database;
    others only through ``fetcher`` (a :class:`carnet.credentials.fetch.GuardedFetcher`) if given."""
    return PlatformResolver(fetcher=fetcher)


def status_list_url(status_list: StatusList) -> str:
    return absolute(
        reverse(
            "issuing:status_list",
            args=[status_list.organisation.slug, status_list.purpose, status_list.number],
        )
    )

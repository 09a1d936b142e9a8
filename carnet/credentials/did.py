"""DID documents and resolution: did:key (W3C CCG did:key v0.9, offline) and did:web (did:web method
specification §3.2: ``did:web:host:a:b`` → ``https://host/a/b/did.json``).

Carnet never fetches on its own. A :class:`Resolver` is passed in by the caller: it answers DIDs
and URLs (issuer profiles, status list credentials) from an in-memory map, resolves did:key offline,
and, only when the caller gives it a :class:`~carnet.credentials.fetch.GuardedFetcher`, fetches
did:web documents and HTTPS documents from allow-listed hosts, with a timeout and a size cap.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any, Protocol

from carnet.credentials.contexts import DID_V1, MULTIKEY_V1
from carnet.credentials.errors import KeyFormatError, ResolutionError
from carnet.credentials.keys import Ed25519Key, decode_public_key

VERIFICATION_RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityDelegation",
    "capabilityInvocation",
)


class Fetcher(Protocol):
    def get_json(self, url: str) -> Any: ...


class Resolver:
    """Resolves DIDs and document URLs for the verifier, without ever reaching out on its own.

    ``documents`` maps a DID or a URL to its document (for tests, and for the platform, which knows
    its own issuers and status lists). did:key is resolved offline. Anything else goes to
    ``fetcher`` when one is given (did:web and https URLs only), and fails otherwise.
    """

    def __init__(self, documents: Mapping[str, Any] | None = None, *, fetcher: Fetcher | None = None) -> None:
        self.documents: dict[str, Any] = dict(documents or {})
        self.fetcher = fetcher

    def add(self, identifier: str, document: Any) -> None:
        self.documents[identifier] = document

    def resolve(self, identifier: str) -> Any:
        """The document of a DID (its DID document) or of a URL. Raises :class:`ResolutionError`."""
        if not isinstance(identifier, str) or not identifier:
            raise ResolutionError("an identifier to resolve must be a non-empty string")
        base = identifier.split("#", 1)[0]
        if base in self.documents:
            return self.documents[base]
        if base.startswith("did:key:"):
            return did_key_document(base)
        if self.fetcher is not None:
            if base.startswith("did:web:"):
                return self.fetcher.get_json(did_web_url(base))
            if base.startswith("https://"):
                return self.fetcher.get_json(base)
        raise ResolutionError(f"cannot resolve {base!r}: it is not known here and nothing may be fetched")


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key (Ed25519 only), built offline."""
    multibase = did.removeprefix("did:key:")
    if not multibase.startswith("z6Mk") or ":" in multibase or "/" in multibase:
        raise ResolutionError("only Ed25519 did:key identifiers (did:key:z6Mk…) are supported")
    try:
        public_key = decode_public_key(multibase)
    except KeyFormatError as exc:
        raise ResolutionError(f"malformed did:key: {exc}") from exc
    key = Ed25519Key(public_key, controller=did)
    return did_document(did, [key])


def did_document(
    did: str, keys: list[Ed25519Key], *, also_known_as: list[str] | None = None
) -> dict[str, Any]:
    """A DID document listing ``keys`` as Multikey verification methods.

    Every key is listed for assertionMethod, current and retired alike: a retired key no longer
    signs, but credentials it signed must keep verifying.
    """
    methods = [key.verification_method() for key in keys]
    ids = [method["id"] for method in methods]
    document: dict[str, Any] = {"@context": [DID_V1, MULTIKEY_V1], "id": did, "verificationMethod": methods}
    if also_known_as:
        document["alsoKnownAs"] = also_known_as
    for relationship in VERIFICATION_RELATIONSHIPS:
        document[relationship] = list(ids)
    return document


def did_web_from_url(url: str) -> str:
    """``https://example.org/orgs/a`` → ``did:web:example.org:orgs:a`` (port as ``%3A``)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise ValueError("a did:web is made from an https:// URL with a host name")
    host = parsed.hostname
    if parsed.port:
        host += "%3A" + str(parsed.port)
    path = [urllib.parse.quote(part, safe="") for part in parsed.path.strip("/").split("/") if part]
    if path and path[-1] == "did.json":
        path.pop()
    return ":".join(["did:web", host, *path])


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web's document."""
    parts = did.removeprefix("did:web:").split(":")
    if not parts or not parts[0]:
        raise ResolutionError("malformed did:web")
    host = urllib.parse.unquote(parts[0])
    if "/" in host or "@" in host or "?" in host or "#" in host:
        raise ResolutionError("malformed did:web host")
    path = [urllib.parse.unquote(part) for part in parts[1:]]
    if any(not part or "/" in part or part in (".", "..") for part in path):
        raise ResolutionError("malformed did:web path")
    if path:
        return f"https://{host}/{'/'.join(urllib.parse.quote(p, safe='') for p in path)}/did.json"
    return f"https://{host}/.well-known/did.json"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def find_verification_method(
    resolver: Resolver, method_id: str, *, purpose: str = "assertionMethod"
) -> dict[str, Any]:
    """The verification method ``method_id`` (a JSON object, any key type), after checking that
    its controller's document is about that controller, lists the method, authorises it for
    ``purpose`` and does not say someone else controls it (Controlled Identifiers v1.0, algorithm
    "Retrieve Verification Method"). ``id`` is made absolute and ``controller`` filled in.
    Raises :class:`ResolutionError` when the binding does not hold."""
    if not isinstance(method_id, str) or ("#" not in method_id and not method_id.startswith("did:")):
        raise ResolutionError("the verification method must be a DID URL or a URL with a fragment")
    controller_id = method_id.split("#", 1)[0]
    document = resolver.resolve(controller_id)
    if not isinstance(document, dict):
        raise ResolutionError("the controller document is not a JSON object")
    if document.get("id") != controller_id:
        raise ResolutionError(f"the controller document's id is not {controller_id!r}")

    def absolute(ref: Any) -> Any:
        if isinstance(ref, str) and ref.startswith("#"):
            return controller_id + ref
        return ref

    method: dict[str, Any] | None = None
    for candidate in _as_list(document.get("verificationMethod")):
        if isinstance(candidate, dict) and absolute(candidate.get("id")) == method_id:
            method = candidate
    authorised = False
    for entry in _as_list(document.get(purpose)):
        if isinstance(entry, dict):
            if absolute(entry.get("id")) == method_id:
                authorised, method = True, entry
        elif absolute(entry) == method_id:
            authorised = True
    if method is None:
        raise ResolutionError(f"{method_id} is not a verification method of {controller_id}")
    if not authorised:
        raise ResolutionError(f"{method_id} is not authorised for {purpose} by {controller_id}")
    if method.get("controller") not in (None, controller_id):
        raise ResolutionError(f"{method_id} is controlled by another party than {controller_id}")
    return {**method, "id": method_id, "controller": controller_id}


def resolve_verification_method(
    resolver: Resolver, method_id: str, *, purpose: str = "assertionMethod"
) -> Ed25519Key:
    """The public key of ``method_id``, after checking that its controller's document lists it
    for ``purpose``. Raises :class:`ResolutionError` when the binding does not hold."""
    method = find_verification_method(resolver, method_id, purpose=purpose)
    if method.get("type") not in ("Multikey", "Ed25519VerificationKey2020"):
        raise ResolutionError(f"{method_id} has an unsupported key type {method.get('type')!r}")
    try:
        public_key = decode_public_key(method.get("publicKeyMultibase", ""))
    except KeyFormatError as exc:
        raise ResolutionError(f"{method_id}: {exc}") from exc
    return Ed25519Key(public_key, controller=method["controller"], key_id=method_id)

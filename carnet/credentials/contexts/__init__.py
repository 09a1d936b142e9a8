"""Bundled JSON-LD contexts (JSON-LD 1.1 §9 "Remote context" handling, done offline).

Every context a credential may name is shipped inside the package, byte for byte as published,
and pinned by SHA-256. A context URL that is not in :data:`CONTEXTS` is refused: Carnet never
fetches a context from the network. Provenance of each file: ``PROVENANCE.md`` beside this module.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from carnet.credentials.pinned import PinnedFile, read_pinned

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"  # VC Data Model 1.1: Open Badges 3.0.0 and 3.0.1 era
OB_V3P0_3_0_0 = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"
OB_V3P0_3_0_1 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"
OB_V3P0_3_0_2 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
OB_V3P0_3_0_3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V3P0 = OB_V3P0_3_0_3
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"


BundledContext = PinnedFile


_BUNDLED: tuple[BundledContext, ...] = (
    BundledContext(
        VC_V1,
        "credentials-v1.jsonld",
        "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8",
    ),
    BundledContext(
        VC_V2,
        "credentials-v2.jsonld",
        "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
    ),
    BundledContext(
        OB_V3P0_3_0_0,
        "ob-v3p0-context-3.0.0.json",
        "9f1c8f9f361ba2994b9b50701f41149919542c50c7b7455b2846d87959295d72",
    ),
    BundledContext(
        OB_V3P0_3_0_1,
        "ob-v3p0-context-3.0.1.json",
        "5f3d9dd6288ef437ff8286cf95ffbff609c748a66f24a1e9450c45ca64be1571",
    ),
    BundledContext(
        OB_V3P0_3_0_2,
        "ob-v3p0-context-3.0.2.json",
        "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53",
    ),
    BundledContext(
        OB_V3P0_3_0_3,
        "ob-v3p0-context-3.0.3.json",
        "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84",
    ),
    BundledContext(
        OB_EXTENSIONS,
        "ob-v3p0-extensions.json",
        "87c06c81bc2317663bf288d740d94fddd2818c4342b186270ff6371dfaa63f93",
    ),
    BundledContext(
        CLR_V2P0,
        "clr-v2p0-context-2.0.1.json",
        "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6",
    ),
    BundledContext(
        DATA_INTEGRITY_V2,
        "data-integrity-v2.jsonld",
        "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363",
    ),
    BundledContext(
        MULTIKEY_V1,
        "multikey-v1.jsonld",
        "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6",
    ),
    BundledContext(
        DID_V1,
        "did-v1.jsonld",
        "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f",
    ),
)

CONTEXTS: dict[str, BundledContext] = {c.url: c for c in _BUNDLED}


class UnknownContextError(LookupError):
    """A document names a context that Carnet does not bundle (it is never fetched)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@cache
def context_bytes(url: str) -> bytes:
    """The published bytes of the context at ``url``, checked against its pinned SHA-256."""
    try:
        bundled = CONTEXTS[url]
    except (KeyError, TypeError):
        raise UnknownContextError(str(url)) from None
    return read_pinned(__name__, bundled)


@cache
def context_document(url: str) -> dict[str, Any]:
    """The parsed context document at ``url`` (do not mutate: it is shared)."""
    document = json.loads(context_bytes(url))
    assert isinstance(document, dict)
    return document

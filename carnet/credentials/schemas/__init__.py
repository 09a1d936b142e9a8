"""Bundled 1EdTech JSON Schemas (Open Badges 3.0), used offline.

Every schema is shipped inside the package, byte for byte as published, and pinned by SHA-256.
A schema URL that is not in :data:`SCHEMAS` is refused: Carnet never fetches a schema from the
network. Provenance of each file: ``PROVENANCE.md`` beside this module.

Only the schemas that a public package registry ships in their published form are bundled. No
registry package ships the official standalone EndorsementCredential schema
(``ob_v3p0_endorsementcredential_schema.json``) nor the CLR 2.0 ClrCredential schema
(``clr_v2p0_clrcredential_schema.json``), so neither is here; see ``PROVENANCE.md`` and
:mod:`carnet.credentials.schema` for what is checked instead.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from carnet.credentials.pinned import PinnedFile, read_pinned

OB_V3P0_SCHEMA_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
OB_ACHIEVEMENT_CREDENTIAL = OB_V3P0_SCHEMA_BASE + "ob_v3p0_achievementcredential_schema.json"
OB_PROFILE = OB_V3P0_SCHEMA_BASE + "ob_v3p0_profile_schema.json"


BundledSchema = PinnedFile


_BUNDLED: tuple[BundledSchema, ...] = (
    BundledSchema(
        OB_ACHIEVEMENT_CREDENTIAL,
        "ob_v3p0_achievementcredential_schema.json",
        "b7358e895f492e74055dc6bfc7ffc420d0e497f90c4579fb83d9519b86d393ea",
    ),
    BundledSchema(
        OB_PROFILE,
        "ob_v3p0_profile_schema.json",
        "6b268f2caa591bf657e2a290e195713c41dc2db4e1c797723cfd00a1a83f8f13",
    ),
)

SCHEMAS: dict[str, BundledSchema] = {s.url: s for s in _BUNDLED}


class UnknownSchemaError(LookupError):
    """A schema URL that Carnet does not bundle (it is never fetched)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@cache
def schema_bytes(url: str) -> bytes:
    """The published bytes of the schema at ``url``, checked against its pinned SHA-256."""
    try:
        bundled = SCHEMAS[url]
    except (KeyError, TypeError):
        raise UnknownSchemaError(str(url)) from None
    return read_pinned(__name__, bundled)


@cache
def schema_document(url: str) -> dict[str, Any]:
    """The parsed schema document at ``url`` (do not mutate: it is shared)."""
    document = json.loads(schema_bytes(url))
    assert isinstance(document, dict)
    if document.get("$id") != url:
        raise RuntimeError(f"bundled schema {SCHEMAS[url].filename} declares $id {document.get('$id')!r}")
    return document

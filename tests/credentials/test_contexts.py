"""Bundled contexts: byte-exact, pinned by SHA-256, never fetched."""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest

from carnet.credentials import contexts
from carnet.credentials.contexts import CONTEXTS, UnknownContextError, context_bytes, context_document


def test_every_bundled_context_matches_its_pinned_hash():
    for url, bundled in CONTEXTS.items():
        data = resources.files(contexts).joinpath(bundled.filename).read_bytes()
        assert hashlib.sha256(data).hexdigest() == bundled.sha256, url
        assert context_bytes(url) == data
        assert "@context" in context_document(url)


def test_the_required_contexts_are_bundled():
    assert {
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://www.w3.org/ns/did/v1",
    } <= set(CONTEXTS)


@pytest.mark.parametrize("url", ["https://example.org/ctx", "http://www.w3.org/ns/credentials/v2", "", None])
def test_an_unknown_context_is_refused(url):
    with pytest.raises(UnknownContextError):
        context_bytes(url)


def test_every_context_is_described_in_the_provenance_file():
    provenance = resources.files(contexts).joinpath("PROVENANCE.md").read_text()
    for url, bundled in CONTEXTS.items():
        assert bundled.filename in provenance and bundled.sha256 in provenance, url

"""Exceptions raised by :mod:`carnet.credentials` for callers that build, sign or resolve.

Verification never raises on bad input: :func:`carnet.credentials.verify.verify` turns every one
of these into a failed check of its report.
"""

from __future__ import annotations


class CredentialError(Exception):
    """Base class of the errors of this package."""


class KeyFormatError(CredentialError, ValueError):
    """A key is malformed, of the wrong type, or lacks the private part needed."""


class ResolutionError(CredentialError):
    """A DID or a verification method could not be resolved."""


class FetchError(ResolutionError):
    """The guarded fetcher refused a URL or the remote answer."""


class JsonLdError(CredentialError, ValueError):
    """A document cannot be turned into RDF safely (unknown context, undefined term, bad value)."""


class SchemaError(CredentialError, ValueError):
    """A document does not conform to its Open Badges 3.0 / CLR 2.0 JSON Schema."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        listed = "; ".join(f"{path}: {message}" for path, message in problems[:10])
        super().__init__(f"the document does not conform to its JSON Schema: {listed}")

    def __reduce__(self) -> tuple[type, tuple[list[tuple[str, str]]]]:
        return (type(self), (self.problems,))  # from a signing process (carnet.credentials.pool)


class ProofError(CredentialError, ValueError):
    """A proof cannot be created (for example, no private key)."""


class BakingError(CredentialError, ValueError):
    """An image cannot be baked or unbaked (too large, malformed, or no credential inside)."""


class StatusListError(CredentialError, ValueError):
    """A status list is malformed or an index is out of range."""

"""Data files shipped inside the package, byte for byte as published, pinned by SHA-256
(the bundled JSON-LD contexts and JSON Schemas): one loader that refuses a damaged install."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class PinnedFile:
    url: str
    filename: str
    sha256: str


def read_pinned(package: str, pinned: PinnedFile) -> bytes:
    """The bytes of ``pinned`` in ``package``; RuntimeError if they are not the pinned ones."""
    data = resources.files(package).joinpath(pinned.filename).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != pinned.sha256:  # a damaged install must never sign, verify or validate
        raise RuntimeError(f"bundled file {pinned.filename} has sha256 {digest}, expected {pinned.sha256}")
    return data

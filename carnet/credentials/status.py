"""Bitstring Status List v1.0 (W3C Recommendation): §2.1 BitstringStatusListEntry, §2.2
BitstringStatusListCredential, §3.1 Generate Algorithm, §3.2 Validate Algorithm, §3.3 Bitstring
Generation/Expansion, §6.5 "Herd privacy" (random index allocation).

A list is a bitstring of at least 131,072 entries (16 KB), GZIP-compressed and written as
``u`` + base64url without padding. Index 0 is the most significant bit of the first byte.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import secrets
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from carnet.credentials.contexts import VC_V2
from carnet.credentials.dataintegrity import xsd_datetime
from carnet.credentials.errors import StatusListError

MIN_SIZE = 131_072  # entries: 16 KB, the minimum the specification sets for herd privacy
MAX_DECODED_BYTES = 16 * 1024 * 1024  # a decoded list larger than this is refused (gzip bombs)
MAX_ENCODED_CHARS = 4 * 1024 * 1024
PURPOSES = ("revocation", "suspension", "message")


class StatusList:
    """A mutable bitstring of status entries (one bit each)."""

    __slots__ = ("_bits",)

    def __init__(self, size: int = MIN_SIZE) -> None:
        if size <= 0 or size % 8:
            raise StatusListError("a status list size must be a positive multiple of 8")
        self._bits = bytearray(size // 8)

    @property
    def size(self) -> int:
        return len(self._bits) * 8

    def _locate(self, index: int) -> tuple[int, int]:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < self.size:
            raise StatusListError(f"status index {index!r} is outside the list (0 to {self.size - 1})")
        return index // 8, 7 - index % 8

    def get(self, index: int) -> bool:
        byte, bit = self._locate(index)
        return bool(self._bits[byte] >> bit & 1)

    def set(self, index: int, value: bool) -> None:
        byte, bit = self._locate(index)
        if value:
            self._bits[byte] |= 1 << bit
        else:
            self._bits[byte] &= ~(1 << bit) & 0xFF

    def encode(self) -> str:
        """``u`` + base64url-no-padding(GZIP(bitstring)). The GZIP header carries no timestamp."""
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: Any, *, max_bytes: int = MAX_DECODED_BYTES) -> StatusList:
        """Read an ``encodedList``. Lists shorter than 16 KB are read (others may publish them)
        but never written by Carnet; anything malformed or oversized raises StatusListError."""
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise StatusListError("encodedList must be a base64url multibase string starting with 'u'")
        if len(encoded) > MAX_ENCODED_CHARS:
            raise StatusListError("encodedList is too large")
        body = encoded[1:]
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise StatusListError("encodedList is not valid base64url") from None
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            raw = decompressor.decompress(compressed, max_bytes)
        except zlib.error:
            raise StatusListError("encodedList is not GZIP data") from None
        if decompressor.unconsumed_tail or (not decompressor.eof and len(raw) >= max_bytes):
            raise StatusListError(f"the status list expands to more than {max_bytes} bytes")
        if not decompressor.eof:
            raise StatusListError("encodedList is truncated GZIP data")
        if not raw:
            raise StatusListError("the status list is empty")
        status_list = cls(8)
        status_list._bits = bytearray(raw)
        return status_list


class IndexAllocator:
    """Random, collision-free allocation of indexes in a list of ``size`` entries.

    ``used`` are indexes already given out (the platform keeps them); random allocation keeps
    neighbours in the list unrelated (herd privacy, §6.5).
    """

    def __init__(self, size: int = MIN_SIZE, used: Iterable[int] = ()) -> None:
        self.size = size
        self.used = set(used)

    def allocate(self) -> int:
        if len(self.used) >= self.size:
            raise StatusListError("this status list is full: start a new one")
        # Random probes while the list is sparse; an exhaustive pick when it is nearly full.
        if len(self.used) < self.size * 0.9:
            while True:
                index = secrets.randbelow(self.size)
                if index not in self.used:
                    break
        else:
            free = [i for i in range(self.size) if i not in self.used]
            index = free[secrets.randbelow(len(free))]
        self.used.add(index)
        return index


def status_entry(list_url: str, index: int, purpose: str) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` pointing at bit ``index`` of the list credential at ``list_url``."""
    if purpose not in PURPOSES:
        raise StatusListError(f"unknown status purpose {purpose!r}")
    if index < 0:
        raise StatusListError("a status index cannot be negative")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    list_url: str,
    issuer: str | dict[str, Any],
    status_list: StatusList,
    purpose: str,
    *,
    valid_from: datetime,
    valid_until: datetime | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` publishing ``status_list`` (sign it)."""
    if purpose not in PURPOSES:
        raise StatusListError(f"unknown status purpose {purpose!r}")
    document: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": xsd_datetime(valid_from),
    }
    if name:
        document["name"] = name
    if valid_until is not None:
        document["validUntil"] = xsd_datetime(valid_until)
    document["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": status_list.encode(),
    }
    return document


def read_status(list_credential: dict[str, Any], entry: dict[str, Any]) -> bool:
    """The bit an entry points at, after the checks of the Validate Algorithm (§3.2): the list
    credential is the one named, its purpose matches the entry's, the index is in range."""
    types = list_credential.get("type")
    if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
        raise StatusListError("the status list is not a BitstringStatusListCredential")
    if list_credential.get("id") != entry.get("statusListCredential"):
        raise StatusListError("the status list is not the one the credential names")
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise StatusListError("the status list has no credentialSubject")
    purposes = subject.get("statusPurpose")
    purpose_list = purposes if isinstance(purposes, list) else [purposes]
    if entry.get("statusPurpose") not in purpose_list:
        raise StatusListError(
            f"the status purpose {entry.get('statusPurpose')!r} does not match the list's {purposes!r}"
        )
    size = entry.get("statusSize", 1)
    if size not in (1, "1"):
        raise StatusListError("only status entries of one bit are supported")
    index_text = entry.get("statusListIndex")
    if (
        not isinstance(index_text, str)
        or not index_text.isascii()
        or not index_text.isdigit()
        or len(index_text) > 12
    ):
        raise StatusListError("statusListIndex must be a base-10 integer in a string")
    return StatusList.decode(subject.get("encodedList")).get(int(index_text))

"""Bitstring Status List v1.0 (W3C Recommendation, 15 May 2025).

Implements §2.1 BitstringStatusListEntry (:func:`status_entry`), §2.2 BitstringStatusListCredential
(:func:`status_list_credential`, unsigned: the caller signs it), §3.2 Validate Algorithm
(:func:`read_status`, from the point where the list credential has been fetched and its proof
verified), §3.3 Bitstring Generation Algorithm (:meth:`StatusList.encode`), §3.4 Bitstring Expansion
Algorithm (:meth:`StatusList.decode`), §7.1 Bitstring Encoding (index 0 is the most significant bit
of the first byte), and the random index assignment §2.1 asks for (:class:`IndexAllocator`).

A list is written as ``u`` + base64url without padding of the GZIP-compressed bitstring. Carnet
writes lists of at least 131,072 entries (16 KB, §2.2). :meth:`StatusList.decode` reads lists of
any length, because expansion (§3.4) has no minimum; :func:`read_status` then refuses a list
shorter than the minimum, as step 9 of §3.2 requires (STATUS_LIST_LENGTH_ERROR), unless the caller
lowers ``min_entries`` for an ecosystem that sets another bound.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import secrets
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from carnet.credentials.contexts import VC_V2
from carnet.credentials.dataintegrity import xsd_datetime
from carnet.credentials.errors import StatusListError
from carnet.credentials.memo import Memo, digest

MIN_SIZE = 131_072  # entries (16 KB): the minimum of §2.2, for herd privacy (§6.1)
MAX_DECODED_BYTES = 16 * 1024 * 1024  # a list expanding beyond this is refused (GZIP bombs)
MAX_STATUS_SIZE = 32  # bits per entry read by read_status (2**32 messages is already absurd)
PURPOSES = ("revocation", "suspension", "message")  # the purposes Carnet writes

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_INDEX = re.compile(r"[0-9]{1,15}")  # §2.1: a base-10 integer in a string; 15 digits bound the work


class StatusList:
    """A mutable bitstring of ``size`` one-bit entries, all 0 (unset) at first."""

    __slots__ = ("_bits",)

    def __init__(self, size: int = MIN_SIZE) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0 or size % 8:
            raise StatusListError(f"a status list size must be a positive multiple of 8, not {size!r}")
        if size > MAX_DECODED_BYTES * 8:
            raise StatusListError(f"a status list cannot hold more than {MAX_DECODED_BYTES * 8} entries")
        self._bits = bytearray(size // 8)

    @property
    def size(self) -> int:
        """The number of entries (bits)."""
        return len(self._bits) * 8

    def _locate(self, index: int) -> tuple[int, int]:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.size:
            raise StatusListError(f"status index {index!r} is outside the list (0 to {self.size - 1})")
        return index // 8, 7 - index % 8

    def get(self, index: int) -> bool:
        """Whether the entry at ``index`` is set."""
        byte, shift = self._locate(index)
        return bool(self._bits[byte] >> shift & 1)

    def set(self, index: int, value: bool) -> None:
        """Set (``True``) or clear (``False``) the entry at ``index``."""
        byte, shift = self._locate(index)
        if value:
            self._bits[byte] |= 1 << shift
        else:
            self._bits[byte] &= ~(1 << shift) & 0xFF

    def value(self, position: int, width: int) -> int:
        """The ``width`` bits starting at bit ``position``, read as an unsigned integer, most
        significant bit first (an entry of ``statusSize`` > 1)."""
        if width < 1 or position < 0 or position + width > self.size:
            raise StatusListError(
                f"status bits {position} to {position + width - 1} are outside the list "
                f"(0 to {self.size - 1})"
            )
        result = 0
        for bit in range(position, position + width):
            result = result << 1 | (self._bits[bit // 8] >> (7 - bit % 8) & 1)
        return result

    def encode(self) -> str:
        """§3.3: ``u`` + base64url-no-padding(GZIP(bitstring)); no timestamp in the GZIP header, so
        the same bits always give the same text."""
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: object, *, max_bytes: int = MAX_DECODED_BYTES) -> StatusList:
        """§3.4: read an ``encodedList``. Any length is read (see the module note); anything
        malformed, or expanding to more than ``max_bytes``, raises :class:`StatusListError`."""
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise StatusListError(
                "the status list is not readable: encodedList must be a base64url text starting with 'u'"
            )
        body = encoded[1:]
        stripped = body.rstrip("=")  # padding is not written (§2.2) but is unambiguous: tolerated
        if len(body) - len(stripped) > 2 or not _BASE64URL.fullmatch(stripped):
            raise StatusListError("the status list is not readable: encodedList is not valid base64url")
        if len(stripped) > (max_bytes + max_bytes // 100 + 1024) * 4 // 3:
            raise StatusListError(f"the status list is larger than the {max_bytes} bytes accepted")
        try:
            compressed = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
        except (binascii.Error, ValueError):
            raise StatusListError(
                "the status list is not readable: encodedList is not valid base64url"
            ) from None
        if not compressed:
            raise StatusListError("the status list is empty")
        status_list = cls(8)
        status_list._bits = bytearray(_gunzip(compressed, max_bytes))
        return status_list


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """GZIP (RFC 1952, one or more members) expanded to at most ``max_bytes``."""
    out = bytearray()
    remaining = data
    while True:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out += decompressor.decompress(remaining, max_bytes + 1 - len(out))
        except zlib.error:
            raise StatusListError("the status list is not readable: encodedList is not GZIP data") from None
        if len(out) > max_bytes:
            raise StatusListError(f"the status list expands to more than the {max_bytes} bytes accepted")
        if not decompressor.eof:
            raise StatusListError("the status list is not readable: its GZIP data is cut short")
        remaining = decompressor.unused_data
        if not remaining:
            break
    if not out:
        raise StatusListError("the status list is empty")
    return bytes(out)


class IndexAllocator:
    """Random, collision-free indexes in a list of ``size`` entries (§2.1: "Implementations SHOULD
    assign indexes randomly", so that an index tells nothing about when it was given or how many
    were given before it).

    ``used`` holds the indexes already given out; the caller persists them (and each index returned
    by :meth:`allocate`, which is added to ``used``). Two processes sharing a list must also rely on
    a uniqueness constraint where the indexes are stored.
    """

    def __init__(self, size: int = MIN_SIZE, used: Iterable[int] = ()) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise StatusListError(f"a status list size must be a positive integer, not {size!r}")
        self.size = size
        self.used = set(used)
        outside = [i for i in self.used if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < size]
        if outside:
            raise StatusListError(
                f"the indexes recorded as used include {sorted(map(repr, outside))[:5]}, "
                f"outside a list of {size} entries: the stored indexes belong to another list"
            )

    def allocate(self) -> int:
        """A random index not used yet. Raises :class:`StatusListError` when the list is full."""
        free_count = self.size - len(self.used)
        if free_count <= 0:
            raise StatusListError("this status list is full: start a new status list for new credentials")
        if free_count * 4 >= self.size:  # at least a quarter free: a few random draws suffice
            while True:
                index = secrets.randbelow(self.size)
                if index not in self.used:
                    break
        else:  # nearly full: draw uniformly among the free indexes
            free = [i for i in range(self.size) if i not in self.used]
            index = free[secrets.randbelow(len(free))]
        self.used.add(index)
        return index


def _check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise StatusListError(f"unknown status purpose {purpose!r}: use one of {', '.join(PURPOSES)}")
    return purpose


def status_entry(list_url: str, index: int, purpose: str) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` (§2.1) for bit ``index`` of the list credential at ``list_url``."""
    if not isinstance(list_url, str) or not list_url:
        raise StatusListError("a status entry needs the URL of its status list credential")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise StatusListError(f"a status index must be a non-negative integer, not {index!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": _check_purpose(purpose),
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def _xsd(moment: datetime, name: str) -> str:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise StatusListError(f"{name} must be a timezone-aware datetime (for example with tzinfo=UTC)")
    return xsd_datetime(moment)


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
    """The unsigned ``BitstringStatusListCredential`` (§2.2) publishing ``status_list`` at
    ``list_url``: sign it, then serve it at that URL."""
    if not isinstance(list_url, str) or not list_url:
        raise StatusListError("a status list credential needs the URL it is published at")
    if status_list.size < MIN_SIZE:
        raise StatusListError(
            f"a published status list must hold at least {MIN_SIZE} entries (16 KB), "
            f"this one holds {status_list.size}"
        )
    document: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": _xsd(valid_from, "valid_from"),
    }
    if valid_until is not None:
        document["validUntil"] = _xsd(valid_until, "valid_until")
        if valid_until <= valid_from:
            raise StatusListError("valid_until must come after valid_from")
    if name:
        document["name"] = name
    document["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": _check_purpose(purpose),
        "encodedList": status_list.encode(),
    }
    return document


def read_status(
    list_credential: dict[str, Any], entry: dict[str, Any], *, min_entries: int = MIN_SIZE
) -> bool | int:
    """The status an entry points at, by §3.2 steps 5 to 10: the list credential (already fetched,
    its proof verified) must be a ``BitstringStatusListCredential`` for the entry's purpose, hold
    at least ``min_entries`` entries, and the index must fall inside it.

    Returns a ``bool`` for one-bit entries (``True``: the bit is set, i.e. revoked or suspended),
    an ``int`` for entries of ``statusSize`` > 1 (a ``message`` status value).
    Raises :class:`StatusListError`, with a reason a person can read, for anything else.
    """
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise StatusListError("the credential's status entry is not a BitstringStatusListEntry")
    if not isinstance(list_credential, dict):
        raise StatusListError("the status list is not a JSON object")
    types = list_credential.get("type")
    if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
        raise StatusListError("the document at the status list URL is not a BitstringStatusListCredential")
    list_id = list_credential.get("id")
    if list_id is not None and list_id != entry.get("statusListCredential"):
        # §2.2 lets a list omit its id; one that names another list is the wrong document
        raise StatusListError(
            f"the status list is {list_id!r}, not the list the credential names "
            f"({entry.get('statusListCredential')!r})"
        )
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise StatusListError("the status list credential has no BitstringStatusList subject")
    purpose = entry.get("statusPurpose")
    list_purposes = subject.get("statusPurpose")
    listed = list_purposes if isinstance(list_purposes, list) else [list_purposes]
    if not isinstance(purpose, str) or purpose not in listed:
        raise StatusListError(
            f"the credential's status purpose {purpose!r} is not a purpose of the status list ({list_purposes!r})"
        )
    width = entry.get("statusSize", 1)
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise StatusListError(f"statusSize must be an integer greater than zero, not {width!r}")
    if width > MAX_STATUS_SIZE:
        raise StatusListError(f"status entries of more than {MAX_STATUS_SIZE} bits are not supported")
    index_text = entry.get("statusListIndex")
    if not isinstance(index_text, str) or not _INDEX.fullmatch(index_text):
        raise StatusListError(
            f"statusListIndex must be a non-negative base-10 integer written as a string, not {index_text!r}"
        )
    status_list = _expanded(subject.get("encodedList"))
    if status_list.size // width < min_entries:
        raise StatusListError(
            f"the status list holds {status_list.size // width} entries, fewer than the {min_entries} "
            "required to protect the privacy of its holders"
        )
    index = int(index_text)
    if (index + 1) * width > status_list.size:
        raise StatusListError(
            f"status index {index} is outside the status list ({status_list.size // width} entries)"
        )
    if width == 1:
        return status_list.get(index)
    return status_list.value(index * width, width)


_EXPANDED_LISTS = Memo(256)  # at most 256 × 16 KB for lists of the minimum size


def _expanded(encoded: object) -> StatusList:
    """:meth:`StatusList.decode`, memoised by the text of the list (read only by read_status)."""
    if not isinstance(encoded, str):
        return StatusList.decode(encoded)
    key = digest("bitstring-status-list", encoded)
    found: StatusList | None = _EXPANDED_LISTS.get(key)
    if found is None:
        found = StatusList.decode(encoded)
        _EXPANDED_LISTS.put(key, found)
    return found

"""Bounded memos of pure computations, keyed by the whole content they read.

Verifying the same credential again (its badge page, the verification API) redoes work whose result
depends on the bytes of the document alone: its canonical form and hash, the signature check of a
key over a message, the expansion of a status list. These memos keep such results, keyed by a
SHA-256 of everything the computation reads, so that a changed document, key, signature or list is
a different key and is computed afresh: nothing here can be stale. What depends on the moment or on
the outside (dates, the current status list, the issuer's keys) is never memoised here: it is read
and checked at each verification.

Each memo holds at most ``size`` entries (least recently used first out) and is safe to use from
several threads.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any


class Memo:
    """A bounded, thread-safe least-recently-used mapping of digests to results."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> Any:
        """The result kept for ``key``, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: bytes, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def json_text(value: Any) -> str | None:
    """The JSON text of ``value`` with sorted names (ASCII, so any string is kept exactly), or None
    when ``value`` is not JSON (then nothing is memoised)."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None


def digest(*parts: bytes | str) -> bytes:
    """SHA-256 of the parts, each preceded by its length (no two lists of parts share a digest)."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hashed.update(len(data).to_bytes(8, "big"))
        hashed.update(data)
    return hashed.digest()

"""Safe parsing of untrusted JSON (RFC 8259 §2 "JSON Grammar", §6 "Numbers", §8.1 "Character
Encoding"; RFC 7493 "I-JSON" §2.3 "Object Constraints" for duplicate names).

:func:`loads` is what Carnet uses for every JSON text it did not write itself: fetched DID
documents and status lists, pasted credentials, JWT headers and payloads. On top of :mod:`json`
it refuses, with a message meant for the person who supplied the text:

* a text larger than ``max_bytes`` (checked before parsing);
* text that is not UTF-8 (RFC 8259 §8.1: JSON exchanged between systems MUST be UTF-8);
* nesting deeper than ``max_depth`` (checked before parsing, so the parser never recurses deeply);
* ``NaN``, ``Infinity`` and numbers too large for a double (RFC 8259 §6 allows neither);
* a name repeated in one object (RFC 7493 §2.3: parsers disagree on which value wins);
* unpaired UTF-16 surrogates (``"\\ud800"``), which are not Unicode text (RFC 7493 §2.1).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from carnet.credentials.errors import CredentialError

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_DEPTH = 64

# A JSON string (skipped) or a bracket (counted). The string pattern is the "unrolled loop" form,
# linear on long strings.
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnsafeJsonError(CredentialError, ValueError):
    """A JSON text is invalid, too large, too deep, or uses a construct refused for safety."""


def loads(
    data: bytes | bytearray | memoryview | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """Parse ``data`` (UTF-8 bytes or text). Raises :class:`UnsafeJsonError` (a ``ValueError``)."""
    if isinstance(data, str):
        if len(data) > max_bytes or len(data.encode("utf-8", "surrogatepass")) > max_bytes:
            raise UnsafeJsonError(f"the JSON is larger than the {_size(max_bytes)} accepted")
        text = data
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if len(raw) > max_bytes:
            raise UnsafeJsonError(f"the JSON is larger than the {_size(max_bytes)} accepted")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeJsonError("the JSON is not valid UTF-8 text") from None
    else:
        raise UnsafeJsonError("JSON must be given as text or bytes")
    text = text.removeprefix("\ufeff")  # RFC 8259 §8.1: a parser MAY ignore a byte order mark
    _check_depth(text, max_depth)
    try:
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_object,
        )
    except UnsafeJsonError:
        raise
    except json.JSONDecodeError as exc:
        raise UnsafeJsonError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4300 digits
        raise UnsafeJsonError(f"not valid JSON: {_first_line(str(exc))}") from None
    _check_text(value)
    return value


def _size(count: int) -> str:
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count} bytes"


def _first_line(message: str) -> str:
    return message.splitlines()[0][:200] if message else "unreadable value"


def _check_depth(text: str, max_depth: int) -> None:
    depth = 0
    for match in _STRUCTURE.finditer(text):
        found = match.group()
        if found in "[{":
            depth += 1
            if depth > max_depth:
                raise UnsafeJsonError(f"the JSON is nested more than {max_depth} levels deep")
        elif found in "]}":
            depth -= 1


def _refuse_constant(name: str) -> Any:
    raise UnsafeJsonError(f"{name} is not a JSON number (RFC 8259 allows neither NaN nor Infinity)")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise UnsafeJsonError(f"the number {literal[:40]} is too large")
    return value


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            shown = name if len(name) <= 60 else name[:60] + "…"
            raise UnsafeJsonError(f"the name {shown!r} appears twice in one JSON object")
        result[name] = value
    return result


def _check_text(value: Any) -> None:
    """Refuse unpaired surrogates anywhere (keys and strings), without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise UnsafeJsonError("the JSON contains an unpaired UTF-16 surrogate (\\ud800–\\udfff)")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)

"""Open Badges 3.0 baking (Open Badges Specification v3.0 §5.3 "Baking": §5.3.1 PNG, §5.3.2 SVG),
and reading of Open Badges 2.0 baked images (Open Badges 2.0 "Baking Specification").

PNG: one ``iTXt`` chunk, keyword ``openbadgecredential``, uncompressed, whose text is the credential
JSON or a compact JWS. SVG: an ``<openbadges:credential>`` element, namespace
``https://purl.imsglobal.org/ob/v3p0``, first child of ``<svg>``: a VC-JWT in its ``verify``
attribute, an embedded-proof credential as JSON in CDATA. Images are parsed without decoding
pixels, without DTDs or entities, and nothing is ever fetched.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Literal
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from carnet.credentials.errors import BakingError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
PNG_KEYWORD_V2 = b"openbadges"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB2_NAMESPACE = "http://openbadges.org"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


@dataclass(frozen=True, slots=True)
class BakedCredential:
    """What an image carried: the parsed JSON (dict) or a JWT (str), its Open Badges version
    ("3.0" or "2.0"; a 2.0 payload may also be a URL string) and the image format."""

    payload: dict[str, Any] | str
    version: Literal["3.0", "2.0"]
    format: Literal["png", "svg"]


def _payload_text(credential: dict[str, Any] | str) -> str:
    if isinstance(credential, dict):
        text = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
    elif isinstance(credential, str) and credential.count(".") == 2 and "{" not in credential:
        text = credential.strip()
    else:
        raise BakingError("only a credential (JSON object) or a VC-JWT can be baked into an image")
    if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise BakingError(f"the credential is too large to bake (more than {MAX_CREDENTIAL_BYTES} bytes)")
    return text


def _check_size(image: bytes) -> None:
    if not isinstance(image, bytes | bytearray):
        raise BakingError("an image must be given as bytes")
    if len(image) > MAX_IMAGE_BYTES:
        raise BakingError(
            f"the image is too large ({len(image)} bytes; at most {MAX_IMAGE_BYTES}): use a smaller badge image"
        )
    if not image:
        raise BakingError("the image is empty")


def _parse_payload(text: str, version: Literal["3.0", "2.0"]) -> dict[str, Any] | str:
    text = text.strip()
    if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise BakingError("the credential inside the image is too large")
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            raise BakingError("the credential inside the image is not valid JSON") from None
        if not isinstance(value, dict):
            raise BakingError("the credential inside the image is not a JSON object")
        return value
    if version == "3.0" and not re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*", text):
        raise BakingError("the image carries something that is neither a JSON credential nor a VC-JWT")
    return text


# --- PNG ------------------------------------------------------------------------------------


def _png_chunks(image: bytes) -> list[tuple[bytes, bytes]]:
    if not image.startswith(PNG_SIGNATURE):
        raise BakingError("this is not a PNG image (its signature is wrong)")
    chunks = []
    position = len(PNG_SIGNATURE)
    while position < len(image):
        if position + 8 > len(image):
            raise BakingError("the PNG image is truncated")
        length, kind = struct.unpack(">I4s", image[position : position + 8])
        end = position + 12 + length
        if length > len(image) or end > len(image):
            raise BakingError("the PNG image is truncated or declares a chunk larger than the file")
        data = image[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", image[end - 4 : end])
        if zlib.crc32(kind + data) != crc:
            raise BakingError("the PNG image is damaged (a chunk checksum is wrong)")
        chunks.append((kind, data))
        position = end
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise BakingError("the PNG image is incomplete (no IHDR or IEND chunk)")
    return chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _itxt_keyword(data: bytes) -> bytes:
    return data.split(b"\x00", 1)[0]


def bake_png(image: bytes, credential: dict[str, Any] | str) -> bytes:
    _check_size(image)
    text = _payload_text(credential)
    chunks = [
        c for c in _png_chunks(bytes(image)) if not (c[0] == b"iTXt" and _itxt_keyword(c[1]) == PNG_KEYWORD)
    ]
    itxt = PNG_KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    out = [PNG_SIGNATURE]
    inserted = False
    for kind, data in chunks:
        if not inserted and kind in (b"IDAT", b"IEND"):
            out.append(_chunk(b"iTXt", itxt))
            inserted = True
        out.append(_chunk(kind, data))
    return b"".join(out)


def _read_itxt(data: bytes) -> str:
    parts = data.split(b"\x00", 1)
    if len(parts) != 2 or len(parts[1]) < 2:
        raise BakingError("the badge chunk of the PNG image is malformed")
    rest = parts[1]
    compressed, method, rest = rest[0], rest[1], rest[2:]
    fields = rest.split(b"\x00", 2)
    if len(fields) != 3:
        raise BakingError("the badge chunk of the PNG image is malformed")
    text = fields[2]
    if compressed:
        if method != 0:
            raise BakingError("the badge chunk of the PNG image uses an unknown compression")
        decompressor = zlib.decompressobj()
        try:
            text = decompressor.decompress(text, MAX_CREDENTIAL_BYTES + 1)
        except zlib.error:
            raise BakingError("the badge chunk of the PNG image is damaged") from None
        if len(text) > MAX_CREDENTIAL_BYTES:
            raise BakingError("the credential inside the image is too large")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        raise BakingError("the badge chunk of the PNG image is not UTF-8 text") from None


def unbake_png(image: bytes) -> BakedCredential:
    _check_size(image)
    found: list[tuple[Literal["3.0", "2.0"], str]] = []
    for kind, data in _png_chunks(bytes(image)):
        if kind == b"iTXt":
            keyword = _itxt_keyword(data)
            if keyword == PNG_KEYWORD:
                found.append(("3.0", _read_itxt(data)))
            elif keyword == PNG_KEYWORD_V2:
                found.append(("2.0", _read_itxt(data)))
    ob3 = [text for version, text in found if version == "3.0"]
    if len(ob3) > 1:
        raise BakingError("the PNG image carries more than one credential")
    if ob3:
        return BakedCredential(_parse_payload(ob3[0], "3.0"), "3.0", "png")
    if found:
        return BakedCredential(_parse_payload(found[0][1], "2.0"), "2.0", "png")
    raise BakingError("this PNG image carries no badge")


# --- SVG ------------------------------------------------------------------------------------

_SVG_START = re.compile(r"""<svg(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_OLD_CREDENTIAL = re.compile(
    r"<openbadges:credential\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(?:/>|>.*?</openbadges:credential\s*>)\s*", re.S
)


def _parse_svg(text: str) -> Element:
    try:
        root: Element = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BakingError(f"this SVG image cannot be read safely ({type(exc).__name__})") from None
    if root.tag not in (f"{{{SVG_NAMESPACE}}}svg", "svg"):
        raise BakingError("this is not an SVG image (its root element is not <svg>)")
    return root


def _svg_text(image: bytes) -> str:
    try:
        return bytes(image).decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise BakingError("this SVG image is not UTF-8 text") from None


def bake_svg(image: bytes, credential: dict[str, Any] | str) -> bytes:
    _check_size(image)
    text = _svg_text(image)
    _parse_svg(text)
    text = _OLD_CREDENTIAL.sub("", text)
    root = _parse_svg(text)
    if root.find(f".//{{{OB3_NAMESPACE}}}credential") is not None:
        raise BakingError("this SVG image already carries a credential that cannot be replaced safely")
    match = _SVG_START.search(text)
    if match is None:
        raise BakingError("the <svg> start tag of this image cannot be found")
    start_tag = match.group(0)
    self_closing = bool(match.group(1))
    if self_closing:
        start_tag = start_tag[:-2].rstrip() + ">"
    if "xmlns:openbadges=" not in start_tag:
        start_tag = start_tag[:-1].rstrip() + f' xmlns:openbadges="{OB3_NAMESPACE}">'
    payload = _payload_text(credential)
    if isinstance(credential, dict):
        body = payload.replace("]]>", "]]]]><![CDATA[>")
        element = f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>"
    else:
        element = f'<openbadges:credential verify="{payload}"></openbadges:credential>'
    baked = (
        text[: match.start()] + start_tag + element + ("</svg>" if self_closing else "") + text[match.end() :]
    )
    _parse_svg(baked)
    return baked.encode("utf-8")


def unbake_svg(image: bytes) -> BakedCredential:
    _check_size(image)
    root = _parse_svg(_svg_text(image))
    elements = list(root.iter(f"{{{OB3_NAMESPACE}}}credential"))
    if len(elements) > 1:
        raise BakingError("the SVG image carries more than one credential")
    version: Literal["3.0", "2.0"] = "3.0"
    if not elements:
        elements = list(root.iter(f"{{{OB2_NAMESPACE}}}assertion"))
        version = "2.0"
    if not elements:
        raise BakingError("this SVG image carries no badge")
    element = elements[0]
    verify = element.get("verify")
    text = verify if verify else (element.text or "")
    if not text.strip():
        raise BakingError("the badge element of this SVG image is empty")
    return BakedCredential(_parse_payload(text, version), version, "svg")


# --- either ---------------------------------------------------------------------------------


def _is_svg(image: bytes) -> bool:
    head = bytes(image[:2048]).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def bake(image: bytes, credential: dict[str, Any] | str) -> bytes:
    """Bake ``credential`` (a JSON object or a VC-JWT) into a PNG or SVG image (detected by content)."""
    _check_size(image)
    if bytes(image[:8]) == PNG_SIGNATURE:
        return bake_png(image, credential)
    if _is_svg(image):
        return bake_svg(image, credential)
    raise BakingError("only PNG and SVG images can carry a badge")


def unbake(image: bytes) -> BakedCredential:
    """The credential baked into a PNG or SVG image. Raises :class:`BakingError` for a person."""
    _check_size(image)
    if bytes(image[:8]) == PNG_SIGNATURE:
        return unbake_png(image)
    if _is_svg(image):
        return unbake_svg(image)
    raise BakingError("only PNG and SVG images can carry a badge")

"""Baked badges: Open Badges Specification v3.0 §5.3 "Baked Badge" (§5.3.1 PNG, §5.3.2 SVG), and
reading of images baked under the Open Badges 2.0 Baking Specification ("Technical Details").

PNG (§5.3.1.1): one uncompressed ``iTXt`` chunk, keyword ``openbadgecredential``, empty language
tag and translated keyword, whose text is the credential as compact JSON (UTF-8) or a VC-JWT
(compact JWS). It goes before the first ``IDAT``; baking again replaces it.

SVG (§5.3.2.1): ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` on the root ``<svg>``
and an ``<openbadges:credential>`` element as its first child: a VC-JWT in the ``verify``
attribute, an embedded-proof credential as JSON in CDATA (written with ``\\u`` escapes for
non-ASCII, so it survives any ASCII-compatible encoding of the file). The rest of the file is kept
byte for byte; baking again replaces the element.

Extraction (§5.3.1.2, §5.3.2.2) takes the first credential found, as the specification says. Every
PNG chunk checksum is checked. An SVG may carry a ``<!DOCTYPE>`` naming an external DTD (as
exported by common editors) but no internal subset, entity, or external reference; nothing is ever
fetched or executed. :func:`unbake` returns a :class:`BakedCredential` that tells an Open Badges 3.0
credential from an Open Badges 2.0 assertion (PNG keyword ``openbadges``, SVG
``<openbadges:assertion>`` in namespace ``http://openbadges.org``).
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from carnet.credentials import jsonsafe
from carnet.credentials.errors import BakingError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
PNG_KEYWORD_V2 = b"openbadges"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB2_NAMESPACE = "http://openbadges.org"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"

Version = Literal["3.0", "2.0"]
ImageFormat = Literal["png", "svg"]

_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_URL = re.compile(r"https?://[^\s\"'<>]{1,2000}")


@dataclass(frozen=True, slots=True)
class BakedCredential:
    """What an image carried.

    ``payload``: the credential as a parsed JSON object, or a string: a VC-JWT (compact JWS) for
    Open Badges 3.0; for Open Badges 2.0, a signed assertion (compact JWS) or the URL of a hosted
    assertion. ``version``: ``"3.0"`` or ``"2.0"``. ``format``: ``"png"`` or ``"svg"``.
    """

    payload: dict[str, Any] | str
    version: Version
    format: ImageFormat


# --- shared ---------------------------------------------------------------------------------


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB".replace(".0 MiB", " MiB")


def _image_bytes(image: object) -> bytes:
    if not isinstance(image, bytes | bytearray | memoryview):
        raise BakingError("an image must be given as bytes")
    size = memoryview(image).nbytes
    if size > MAX_IMAGE_BYTES:
        raise BakingError(
            f"the image is too large ({_mib(size)}; at most {_mib(MAX_IMAGE_BYTES)} are accepted): "
            "use a smaller badge image"
        )
    if not size:
        raise BakingError("the image is empty")
    return bytes(image)


def _credential_text(credential: object, *, ascii_only: bool) -> str:
    """The text to bake: compact JSON for a credential object, the token for a VC-JWT."""
    if isinstance(credential, str):
        text = credential.strip()
        if not _COMPACT_JWS.fullmatch(text):
            raise BakingError(
                "only a credential (a JSON object) or a VC-JWT (three base64url parts joined by dots) "
                "can be baked into an image"
            )
    elif isinstance(credential, dict):
        try:
            text = json.dumps(credential, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            text.encode("utf-8")
        except (TypeError, ValueError, RecursionError) as exc:
            raise BakingError(f"the credential cannot be written as JSON ({exc})") from None
        if ascii_only:
            text = json.dumps(credential, separators=(",", ":"))
    else:
        raise BakingError("only a credential (a JSON object) or a VC-JWT can be baked into an image")
    size = len(text.encode("utf-8"))
    if size > MAX_CREDENTIAL_BYTES:
        raise BakingError(
            f"the credential is too large to bake ({_mib(size)}; at most {_mib(MAX_CREDENTIAL_BYTES)})"
        )
    return text


def _payload(text: str, version: Version) -> dict[str, Any] | str:
    """The credential an image carries, from the text of its chunk or element."""
    text = text.strip()
    if not text:
        raise BakingError("the badge data in this image is empty")
    if len(text) > MAX_CREDENTIAL_BYTES:
        raise BakingError(
            f"the credential in this image is larger than the {_mib(MAX_CREDENTIAL_BYTES)} accepted"
        )
    if text.startswith("{"):
        try:
            value = jsonsafe.loads(text, max_bytes=MAX_CREDENTIAL_BYTES)
        except jsonsafe.UnsafeJsonError as exc:
            raise BakingError(f"the credential in this image cannot be read: {exc}") from None
        if not isinstance(value, dict):
            raise BakingError("the credential in this image is not a JSON object")
        return value
    if _COMPACT_JWS.fullmatch(text) or (version == "2.0" and _URL.fullmatch(text)):
        return text
    what = "a JSON credential nor a VC-JWT" if version == "3.0" else "a JSON assertion, a JWS, nor a URL"
    raise BakingError(f"this image carries badge data that is neither {what}")


def _read_back(baked: bytes, text: str, image_format: ImageFormat) -> bytes:
    """Check that ``baked`` gives back what was baked, and return it."""
    if len(baked) > MAX_IMAGE_BYTES:
        raise BakingError(
            f"the baked image would be larger than the {_mib(MAX_IMAGE_BYTES)} accepted: "
            "use a smaller badge image"
        )
    try:
        found = unbake_png(baked) if image_format == "png" else unbake_svg(baked)
    except BakingError as exc:
        raise BakingError(f"the baked image cannot be read back ({exc})") from None
    expected: Any = json.loads(text) if text.startswith("{") else text
    if found.version != "3.0" or found.payload != expected:
        raise BakingError("the baked image does not give back the credential baked into it")
    return baked


# --- PNG (§5.3.1) ---------------------------------------------------------------------------


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks of a PNG datastream up to IEND, as (type, data); every CRC is checked."""
    if not data.startswith(PNG_SIGNATURE):
        raise BakingError(
            "this is not a PNG image, or its first bytes are damaged (the PNG signature is wrong)"
        )
    chunks: list[tuple[bytes, bytes]] = []
    position = len(PNG_SIGNATURE)
    while True:
        if position + 12 > len(data):
            raise BakingError(
                "the PNG image is truncated (it ends before its IEND chunk): use a complete copy"
            )
        length, kind = struct.unpack_from(">I4s", data, position)
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise BakingError(
                "the PNG image is truncated or damaged (a chunk is longer than the rest of the file)"
            )
        if not kind.isalpha():
            raise BakingError("the PNG image is damaged (a chunk type is not four letters)")
        body = data[position + 8 : end - 4]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(body, zlib.crc32(kind)) != crc:
            raise BakingError(f"the PNG image is damaged (the checksum of a {kind.decode()} chunk is wrong)")
        if not chunks and kind != b"IHDR":
            raise BakingError("the PNG image is damaged (it does not start with an IHDR chunk)")
        chunks.append((kind, body))
        position = end
        if kind == b"IEND":
            return chunks


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))


def _itxt_keyword(body: bytes) -> bytes:
    return body.split(b"\x00", 1)[0]


def _itxt_text(body: bytes) -> str:
    """The text of an iTXt chunk (PNG §11.3.4.5): keyword, 0, flag, method, language, 0,
    translated keyword, 0, text. A compressed text is read too, within the size limit."""
    malformed = BakingError("the badge chunk of this PNG image is malformed")
    _keyword, _, rest = body.partition(b"\x00")
    if len(rest) < 2:
        raise malformed
    compressed, method = rest[0], rest[1]
    _language, found_language, rest = rest[2:].partition(b"\x00")
    _translated, found_translated, text = rest.partition(b"\x00")
    if not (found_language and found_translated) or compressed not in (0, 1) or method != 0:
        raise malformed
    if compressed:
        decompressor = zlib.decompressobj()
        try:
            text = decompressor.decompress(text, MAX_CREDENTIAL_BYTES + 1)
        except zlib.error:
            raise BakingError("the badge chunk of this PNG image is damaged") from None
        if len(text) > MAX_CREDENTIAL_BYTES:
            raise BakingError(
                f"the credential in this image is larger than the {_mib(MAX_CREDENTIAL_BYTES)} accepted"
            )
        if not decompressor.eof:
            raise BakingError("the badge chunk of this PNG image is damaged")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        raise BakingError("the badge chunk of this PNG image is not UTF-8 text") from None


def bake_png(image: bytes, credential: dict[str, Any] | str) -> bytes:
    """``image`` with ``credential`` (a JSON object or a VC-JWT) in an ``openbadgecredential``
    iTXt chunk before the first IDAT, replacing any there was."""
    data = _image_bytes(image)
    text = _credential_text(credential, ascii_only=False)
    chunks = [
        (kind, body)
        for kind, body in _png_chunks(data)
        if not (kind == b"iTXt" and _itxt_keyword(body) == PNG_KEYWORD)
    ]
    # keyword, 0, compression flag 0, method 0, empty language tag, 0, empty translated keyword, 0
    badge = _chunk(b"iTXt", PNG_KEYWORD + b"\x00\x00\x00\x00\x00" + text.encode("utf-8"))
    out = [PNG_SIGNATURE]
    for kind, body in chunks:
        if badge and kind in (b"IDAT", b"IEND"):
            out.append(badge)
            badge = b""
        out.append(_chunk(kind, body))
    return _read_back(b"".join(out), text, "png")


def unbake_png(image: bytes) -> BakedCredential:
    """The credential in the first ``openbadgecredential`` iTXt chunk, else the assertion in the
    first Open Badges 2.0 ``openbadges`` iTXt chunk."""
    older: bytes | None = None
    for kind, body in _png_chunks(_image_bytes(image)):
        if kind != b"iTXt":
            continue
        keyword = _itxt_keyword(body)
        if keyword == PNG_KEYWORD:
            return BakedCredential(_payload(_itxt_text(body), "3.0"), "3.0", "png")
        if keyword == PNG_KEYWORD_V2 and older is None:
            older = body
    if older is not None:
        return BakedCredential(_payload(_itxt_text(older), "2.0"), "2.0", "png")
    raise BakingError("this PNG image carries no badge credential")


# --- SVG (§5.3.2) ---------------------------------------------------------------------------

_OB3_CREDENTIAL = f"{OB3_NAMESPACE} credential"  # expat's "namespace local-name"
_SVG_ROOTS = (f"{SVG_NAMESPACE} svg", "svg")
_TAG_END = re.compile(rb"""(?:[^"'>]|"[^"]*"|'[^']*')*>""")  # from a start tag's "<" to its ">"
_TAG_NAME = re.compile(rb"<([^\s/>]+)")


@dataclass
class _SvgLayout:
    """Where things are in an SVG file, in bytes."""

    root_start: int = -1
    root_end: int = -1  # just after the ">" of the root start tag
    root_prefixes: dict[str, str] = field(default_factory=dict)
    credentials: list[tuple[int, int]] = field(default_factory=list)  # spans of OB 3.0 elements


def _refuse_dtd_subset(
    name: str | None, system_id: str | None, public_id: str | None, internal: bool
) -> None:
    if internal:
        raise BakingError(
            "this SVG image has a <!DOCTYPE> with declarations, which is refused for safety: "
            "export the image again without them"
        )


def _refuse_entities(*_args: object) -> None:
    raise BakingError("this SVG image declares or references entities, which is refused for safety")


def _refuse_external(*_args: object) -> int:
    raise BakingError("this SVG image refers to an external resource, which is never fetched")


def _scan_svg(data: bytes) -> _SvgLayout:
    """Check that ``data`` is a well-formed SVG document without DTD declarations or entities,
    and find its root start tag and its ``openbadges:credential`` elements."""
    layout = _SvgLayout()
    open_credentials: list[int] = []  # start offsets; -1 for an empty-element tag
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def namespace(prefix: str | None, uri: str) -> None:
        if layout.root_start < 0:
            layout.root_prefixes[prefix or ""] = uri

    def start(name: str, _attributes: object) -> None:
        index = parser.CurrentByteIndex
        match = _TAG_END.match(data, index)
        if match is None or data[index : index + 1] != b"<":
            raise BakingError("this SVG image cannot be baked (an element could not be located)")
        if layout.root_start < 0:
            if name not in _SVG_ROOTS:
                raise BakingError("this is not an SVG image (its root element is not <svg>)")
            layout.root_start, layout.root_end = index, match.end()
        if name == _OB3_CREDENTIAL:
            if data[match.end() - 2 : match.end()] == b"/>":
                if not open_credentials:
                    layout.credentials.append((index, match.end()))
                index = -1
            open_credentials.append(index)

    def end(name: str) -> None:
        if name != _OB3_CREDENTIAL:
            return
        begin = open_credentials.pop()
        if begin < 0 or open_credentials:
            return
        index = parser.CurrentByteIndex
        close = data.find(b">", index)
        if data[index : index + 2] != b"</" or close < 0:
            raise BakingError("this SVG image cannot be baked (an element could not be located)")
        layout.credentials.append((begin, close + 1))

    parser.StartDoctypeDeclHandler = _refuse_dtd_subset
    parser.EntityDeclHandler = _refuse_entities
    parser.UnparsedEntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartNamespaceDeclHandler = namespace
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except BakingError:
        raise
    except expat.ExpatError as exc:
        raise BakingError(f"this SVG image is not well-formed XML ({exc})") from None
    except (ValueError, LookupError):
        raise BakingError("this SVG image is not well-formed XML") from None
    return layout


def _svg_root(data: bytes) -> Element:
    """The parsed SVG document, after :func:`_scan_svg` has checked it."""
    _scan_svg(data)
    try:
        root: Element = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BakingError(
            "this SVG image declares or references entities, which is refused for safety"
        ) from None
    except ParseError as exc:
        raise BakingError(f"this SVG image is not well-formed XML ({exc})") from None
    except (ValueError, LookupError):
        raise BakingError("this SVG image is not well-formed XML") from None
    return root


def bake_svg(image: bytes, credential: dict[str, Any] | str) -> bytes:
    """``image`` with ``credential`` (a JSON object or a VC-JWT) in an ``<openbadges:credential>``
    element, first child of ``<svg>``, replacing any there was."""
    data = _image_bytes(image)
    if b"\x00" in data:
        raise BakingError("this SVG image is not UTF-8 text: save it as UTF-8 and try again")
    text = _credential_text(credential, ascii_only=True)
    layout = _scan_svg(data)
    bound = layout.root_prefixes.get("openbadges")
    if bound not in (None, OB3_NAMESPACE):
        raise BakingError(
            f"this SVG image already uses the prefix 'openbadges' for {bound} (an Open Badges 2.0 badge?): "
            "bake the credential into the original image"
        )
    tag = data[layout.root_start : layout.root_end]
    self_closing = tag.endswith(b"/>")
    tag = tag[:-2] if self_closing else tag[:-1]
    if bound is None:
        tag += f' xmlns:openbadges="{OB3_NAMESPACE}"'.encode()
    if isinstance(credential, str):
        element = f'<openbadges:credential verify="{text}"></openbadges:credential>'
    else:
        cdata = text.replace("]]>", "]]]]><![CDATA[>")
        element = f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>"
    parts = [data[: layout.root_start], tag, b">", element.encode("ascii")]
    if self_closing:
        name = _TAG_NAME.match(data, layout.root_start)
        assert name is not None
        parts.append(b"</" + name.group(1) + b">")
    position = layout.root_end
    for begin, end in layout.credentials:  # in document order, all inside the root element
        parts.append(data[position:begin])
        position = end
    parts.append(data[position:])
    return _read_back(b"".join(parts), text, "svg")


def _element_payload(element: Element, version: Version) -> dict[str, Any] | str:
    if len(element):
        raise BakingError("the badge element of this SVG image is malformed (it has child elements)")
    body = (element.text or "").strip()
    verify = (element.get("verify") or "").strip()
    # 3.0 (§5.3.2.1): a VC-JWT in verify, else JSON in the body. 2.0: JSON in the body if there is
    # one (verify may then hold the assertion's URL), else a JWS or URL in verify.
    if version == "3.0":
        return _payload(verify or body, version)
    return _payload(body or verify, version)


def unbake_svg(image: bytes) -> BakedCredential:
    """The credential in the first ``<openbadges:credential>`` element, else the assertion in the
    first Open Badges 2.0 ``<openbadges:assertion>`` element."""
    root = _svg_root(_image_bytes(image))
    element = next(root.iter(f"{{{OB3_NAMESPACE}}}credential"), None)
    if element is not None:
        return BakedCredential(_element_payload(element, "3.0"), "3.0", "svg")
    element = next(root.iter(f"{{{OB2_NAMESPACE}}}assertion"), None)
    if element is not None:
        return BakedCredential(_element_payload(element, "2.0"), "2.0", "svg")
    raise BakingError("this SVG image carries no badge credential")


# --- either ---------------------------------------------------------------------------------


def _kind(data: bytes) -> ImageFormat:
    if data.startswith(PNG_SIGNATURE[:4]):
        return "png"
    if data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "svg"
    raise BakingError("only PNG and SVG images can carry a badge, and this image is neither")


def bake(image: bytes, credential: dict[str, Any] | str) -> bytes:
    """Bake ``credential`` (a JSON object, or a VC-JWT string) into a PNG or SVG image, told apart
    by content. Raises :class:`BakingError` with a message for the person who gave the image."""
    data = _image_bytes(image)
    return bake_png(data, credential) if _kind(data) == "png" else bake_svg(data, credential)


def unbake(image: bytes) -> BakedCredential:
    """The credential baked into a PNG or SVG image (told apart by content), with its Open Badges
    version and the image format. Raises :class:`BakingError` with a message for a person."""
    data = _image_bytes(image)
    return unbake_png(data) if _kind(data) == "png" else unbake_svg(data)

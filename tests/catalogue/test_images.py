"""Badge images: designs drawn by the platform, and the checks of uploaded SVG and PNG files."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib
from xml.etree.ElementTree import fromstring as unsafe_fromstring

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from carnet.catalogue.images import (
    ICONS,
    MAX_SVG_BYTES,
    MAX_SVG_ELEMENTS,
    SHAPES,
    BadgeDesign,
    BadgeImageError,
    contrast_ratio,
    render_png,
    render_svg,
    sanitise_svg,
    suggest_text_colour,
    validate_png,
)

SVG = "{http://www.w3.org/2000/svg}"


def design(**changes: str) -> BadgeDesign:
    fields = {
        "shape": "circle",
        "background": "#FDF6E3",
        "border": "#1f4e79",
        "text_colour": "#1f4e79",
        "icon": "people",
        "title": "Travail d'équipe",
        "subtitle": "Niveau 2",
    }
    fields.update(changes)
    return BadgeDesign(**fields)  # type: ignore[arg-type]


def parse_svg(data: bytes):
    return unsafe_fromstring(data)  # our own output, or already sanitised


# --- designs ----------------------------------------------------------------------------------


def test_design_normalises_colours_and_text():
    badge = design(title="  Résolution   de problèmes ", border="#ABCDEF")
    assert badge.background == "#fdf6e3" and badge.border == "#abcdef"
    assert badge.title == "Résolution de problèmes"
    assert badge.title_lines == ("Résolution de", "problèmes")
    assert badge.label == "Résolution de problèmes — Niveau 2"


def test_explicit_line_break_is_kept():
    assert design(title="Esprit\nd'équipe").title_lines == ("Esprit", "d'équipe")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"shape": "triangle"}, "shape"),
        ({"icon": "skull"}, "icon"),
        ({"background": "red"}, "#rrggbb"),
        ({"text_colour": "#12345"}, "#rrggbb"),
        ({"title": ""}, "required"),
        ({"title": "   "}, "required"),
        ({"title": "x" * 41}, "too long"),
        ({"title": "aaaaaaaaaaaaaaa bbbbbbbbbbbbbbb ccccccc"}, "two lines"),
        ({"title": "a\nb\nc"}, "two lines"),
        ({"subtitle": "y" * 41}, "too long"),
        ({"title": "Bell\x07"}, "not allowed"),
        ({"title": "abc\u202edef"}, "not allowed"),
        ({"subtitle": "two\nlines"}, "not allowed"),
    ],
)
def test_invalid_designs_are_refused_in_both_languages(changes, fragment):
    with pytest.raises(BadgeImageError) as caught:
        design(**changes)
    error = caught.value
    assert fragment in error.en
    assert error.fr and error.fr != error.en
    assert error.message("fr") == error.fr and error.message("en-ca") == error.en
    assert error.fr in str(error) and error.en in str(error)
    assert isinstance(error, ValueError)


def test_contrast_ratio_matches_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_low_contrast_is_refused_with_a_suggestion():
    with pytest.raises(BadgeImageError) as caught:
        design(background="#ffffff", text_colour="#999999")
    error = caught.value
    assert "4.5:1" in error.en and "4.5:1" in error.fr and "contrast" in error.en.lower()
    suggestion = suggest_text_colour("#999999", "#ffffff")
    assert suggestion in error.en and suggestion in error.fr
    assert contrast_ratio(suggestion, "#ffffff") >= 4.5
    design(background="#ffffff", text_colour=suggestion)  # the suggestion is accepted


@pytest.mark.parametrize("background", ["#777777", "#ff0000", "#00ff00", "#808080", "#0000ff"])
def test_suggestion_always_reaches_the_minimum(background):
    for text in ("#7a7a7a", "#ff8080", background):
        assert contrast_ratio(suggest_text_colour(text, background), background) >= 4.5


# --- rendering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("icon", ICONS)
def test_every_shape_and_icon_renders(shape, icon):
    badge = design(shape=shape, icon=icon)
    root = parse_svg(render_svg(badge))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 512 512" and root.get("role") == "img"
    assert root[0].tag == f"{SVG}title" and root[0].text == badge.label
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Travail d'équipe", "Niveau 2"]
    assert all(t.get("font-family") == "sans-serif" for t in root.iter(f"{SVG}g") if t.get("font-family"))


@pytest.mark.parametrize("shape", SHAPES)
def test_png_is_valid_and_sized(shape):
    badge = design(shape=shape, title="Résolution de problèmes")
    data = render_png(badge, size=128)
    assert validate_png(data) == (128, 128)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGBA"
        rgb = image.convert("RGB")
        # the centre is inside the badge: not transparent, mostly background colour
        assert image.getpixel((64, 64))[3] == 255  # type: ignore[index]
        assert image.getpixel((1, 127))[3] == 0 or shape == "square"  # type: ignore[index]
        colours = {rgb.getpixel((x, y)) for x in range(0, 128, 4) for y in range(0, 128, 4)}
        assert len(colours) > 3


def test_png_default_size_and_bounds():
    assert validate_png(render_png(design())) == (512, 512)
    for size in (0, 15, 4096, True, 12.5):
        with pytest.raises(BadgeImageError):
            render_png(design(), size=size)  # type: ignore[arg-type]


def test_png_without_system_font_still_draws_accents(monkeypatch):
    from carnet.catalogue import images

    monkeypatch.setattr(images, "_FONT_CACHE", {True: None, False: None})
    data = render_png(design(title="Ça a été très « beau »", subtitle="Œuvre — Noël"), size=64)
    assert validate_png(data) == (64, 64)


@pytest.mark.parametrize(
    "title",
    ['<script>alert("x")</script>', 'a & b " c', "]]><x/>", "</text><script>x</script>"],
)
def test_text_is_escaped(title):
    badge = design(title=title, subtitle="<b>&amp;</b>")
    data = render_svg(badge)
    assert b"<script" not in data and b"<b>" not in data and b"<x/>" not in data
    root = parse_svg(data)
    assert "".join(t.text or "" for t in root.iter(f"{SVG}text")).startswith(" ".join(title.split())[:5])
    assert root[0].text == badge.label
    assert [child.tag for child in root.iter() if not child.tag.startswith(SVG)] == []
    assert validate_png(render_png(badge, size=64)) == (64, 64)


# --- uploaded SVG ------------------------------------------------------------------------------

HARMLESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
  <title>Badge</title>
  <defs>
    <linearGradient id="g"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#000"/></linearGradient>
    <symbol id="dot"><circle cx="5" cy="5" r="5"/></symbol>
  </defs>
  <g transform="translate(10 10)" fill="url(#g)">
    <rect x="0" y="0" width="80" height="80" rx="8" style="stroke: #123456; stroke-width: 2"/>
    <path d="M0 0 L10 10Z"/>
    <polygon points="1,2 3,4 5,6"/>
    <use xlink:href="#dot" x="40" y="40"/>
    <text x="50" y="50" font-family="sans-serif">Hello <tspan>world</tspan> &amp; more</text>
  </g>
</svg>"""


def sanitised(data: bytes | str):
    if isinstance(data, str):
        data = data.encode()
    out = sanitise_svg(data)
    out.decode("utf-8")
    return out, parse_svg(out)


def test_harmless_svg_keeps_its_shapes():
    out, root = sanitised(HARMLESS)
    tags = [element.tag.removeprefix(SVG) for element in root.iter()]
    assert tags == [
        "svg", "title", "defs", "linearGradient", "stop", "stop", "symbol", "circle",
        "g", "rect", "path", "polygon", "use", "text", "tspan",
    ]  # fmt: skip
    assert root.get("viewBox") == "0 0 100 100"
    rect = root.find(f"{SVG}g/{SVG}rect")
    assert rect is not None and rect.get("style") == "stroke:#123456;stroke-width:2"
    assert root.find(f"{SVG}g").get("fill") == "url(#g)"  # type: ignore[union-attr]
    use = root.find(f"{SVG}g/{SVG}use")
    assert use is not None and use.get("{http://www.w3.org/1999/xlink}href") == "#dot"
    text = root.find(f"{SVG}g/{SVG}text")
    assert "".join(text.itertext()) == "Hello world & more"  # type: ignore[union-attr]
    assert sanitise_svg(out) == out  # idempotent


def test_script_handlers_and_foreign_content_are_removed():
    out, root = sanitised(
        """<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)" viewBox="0 0 10 10">
        <script>alert(1)</script>
        <script xlink:href="https://evil.test/x.js" xmlns:xlink="http://www.w3.org/1999/xlink"/>
        <foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.test"/></body></foreignObject>
        <style>@import url(https://evil.test/x.css); rect { fill: url(https://evil.test/t) }</style>
        <circle r="4" onclick="steal()" onmouseover="x()" fill="red"/>
        <image href="https://evil.test/track.png"/>
        <a href="javascript:alert(1)"><rect width="5" height="5"/></a>
        <animate attributeName="href" to="javascript:alert(1)"/>
        <set attributeName="onload" to="alert(1)"/>
        <iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.test"/>
        </svg>"""
    )
    lowered = out.lower()
    for bad in (b"script", b"onload", b"onclick", b"onmouseover", b"foreignobject", b"iframe", b"evil",
                b"style", b"import", b"javascript", b"image", b"animate", b"<set", b"<a"):  # fmt: skip
        assert bad not in lowered, bad
    circle = root.find(f"{SVG}circle")
    assert circle is not None and circle.get("fill") == "red" and circle.get("r") == "4"


@pytest.mark.parametrize(
    "href",
    [
        "https://evil.test/sprite.svg#x",
        "//evil.test/x",
        "javascript:alert(1)",
        " java\tscript:alert(1)",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "file:///etc/passwd",
        "#ok onload=x",
    ],
)
def test_use_needs_a_local_href(href):
    for attribute in ("href", "xlink:href"):
        _, root = sanitised(
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            f'<linearGradient id="a" {attribute}="{href}"/><use {attribute}="{href}"/></svg>'
        )
        assert root.find(f"{SVG}use") is None
        gradient = root.find(f"{SVG}linearGradient")
        assert gradient is not None and gradient.attrib == {"id": "a"}


@pytest.mark.parametrize(
    ("style", "kept"),
    [
        ("fill: url(https://evil.test/a)", None),
        ("fill: url( 'https://evil.test/a' )", None),
        ("fill: url(#local)", "fill:url(#local)"),
        ("background-image: url(x)", None),
        ("fill: red; behavior: url(x.htc)", "fill:red"),
        ("width: expression(alert(1))", None),
        ("fill: u\\72l(https://evil.test)", None),
        ("@import 'https://evil.test/x.css'", None),
        ("fill: red; stroke: javascript:alert(1)", "fill:red"),
        ("fill:#fff;stroke-width:2px;opacity:.5", "fill:#fff;stroke-width:2px;opacity:.5"),
    ],
)
def test_style_attributes_are_filtered(style, kept):
    _, root = sanitised(f'<svg xmlns="http://www.w3.org/2000/svg"><rect style="{style}"/></svg>')
    rect = root.find(f"{SVG}rect")
    assert rect is not None and rect.get("style") == kept


def test_presentation_urls_must_be_local():
    _, root = sanitised(
        '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.test/p)" '
        'clip-path="url(#c)" mask="url(data:x)" stroke="#000"/></svg>'
    )
    rect = root.find(f"{SVG}rect")
    assert rect is not None and rect.attrib == {"clip-path": "url(#c)", "stroke": "#000"}


def test_baked_credential_is_removed():
    out, root = sanitised(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        '<openbadges:credential verify="eyJ.eyJ.sig"></openbadges:credential>'
        '<openbadges:credential><![CDATA[{"id": "urn:x"}]]></openbadges:credential><circle r="1"/></svg>'
    )
    assert b"openbadges" not in out and b"eyJ" not in out and b"urn:x" not in out
    assert [child.tag for child in root] == [f"{SVG}circle"]


def test_svg_without_namespace_is_given_one():
    _, root = sanitised('<svg viewBox="0 0 1 1"><circle r="1"/></svg>')
    assert root.tag == f"{SVG}svg" and root[0].tag == f"{SVG}circle"


@pytest.mark.parametrize(
    "document",
    [
        # billion laughs
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&lol2;</text></svg>',
        # external entity
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
        # a DTD alone
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        '<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_dtds_and_entities_are_refused(document):
    with pytest.raises(BadgeImageError) as caught:
        sanitise_svg(document.encode())
    assert "DTD" in caught.value.en and "DTD" in caught.value.fr


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"   ",
        b"not xml at all",
        b"<svg",
        b'<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>',
        b'<x:svg xmlns:x="urn:other"/>',
        b"<?xml version='1.0' encoding='klingon'?><svg/>",
    ],
)
def test_what_is_not_an_svg_is_refused(document):
    with pytest.raises(BadgeImageError):
        sanitise_svg(document)


def test_root_must_be_svg():
    with pytest.raises(BadgeImageError) as caught:
        sanitise_svg(b'<html xmlns="http://www.w3.org/1999/xhtml"/>')
    assert "<svg>" in caught.value.en and "<svg>" in caught.value.fr


def test_huge_files_and_drawings_are_refused():
    padding = b"<!--" + b"x" * MAX_SVG_BYTES + b"-->"
    with pytest.raises(BadgeImageError, match="too large"):
        sanitise_svg(b'<svg xmlns="http://www.w3.org/2000/svg">' + padding + b"</svg>")
    many = b"<g/>" * (MAX_SVG_ELEMENTS + 1)
    with pytest.raises(BadgeImageError, match="elements"):
        sanitise_svg(b'<svg xmlns="http://www.w3.org/2000/svg">' + many + b"</svg>")
    deep = b"<g>" * 500 + b"</g>" * 500
    with pytest.raises(BadgeImageError, match="nested"):
        sanitise_svg(b'<svg xmlns="http://www.w3.org/2000/svg">' + deep + b"</svg>")


def test_our_own_badges_survive_the_sanitiser():
    for shape in SHAPES:
        original = render_svg(design(shape=shape, title="A & <b>"))
        _, root = sanitised(original)
        assert [e.tag for e in root.iter()] == [e.tag for e in parse_svg(original).iter()]


def _mutations(seed: bytes) -> st.SearchStrategy[bytes]:
    """``seed`` with a few bytes overwritten, or cut short."""
    edits = st.lists(st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255)), max_size=8)

    def apply(changes: list[tuple[int, int]], cut: int) -> bytes:
        data = bytearray(seed)
        for index, value in changes:
            data[index] = value
        return bytes(data[:cut])

    return st.builds(apply, edits, st.integers(0, len(seed)))


_SMALL_PNG = render_png(design(), size=16)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=2048),
        st.binary(max_size=512).map(lambda tail: b"\x89PNG\r\n\x1a\n" + tail),
        _mutations(_SMALL_PNG),
        _mutations(HARMLESS),
    )
)
def test_random_bytes_only_raise_our_error(data):
    for check in (sanitise_svg, validate_png):
        with contextlib.suppress(BadgeImageError):
            check(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_svg_text_only_raises_our_error(text):
    try:
        out = sanitise_svg(f'<svg xmlns="http://www.w3.org/2000/svg"><text>{text}</text></svg>'.encode())
    except BadgeImageError:
        return
    parse_svg(out)


# --- uploaded PNG ------------------------------------------------------------------------------


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bytes(width: int, height: int, rows: bytes | None = None) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    raw = rows if rows is not None else b"\x00" * ((width + 1) * height)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(raw, 9))
        + png_chunk(b"IEND", b"")
    )


def test_valid_png_gives_its_size():
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "#123456").save(out, format="PNG")
    assert validate_png(out.getvalue()) == (300, 200)
    assert validate_png(png_bytes(3, 2)) == (3, 2)


def test_png_bomb_is_refused_before_decoding():
    # 20000 x 20000 pixels of zeros compress to a few hundred kilobytes; the header alone refuses it
    bomb = png_bytes(20000, 20000, rows=b"")
    with pytest.raises(BadgeImageError) as caught:
        validate_png(bomb)
    assert "4096" in caught.value.en and "4096" in caught.value.fr
    with pytest.raises(BadgeImageError):
        validate_png(png_bytes(4097, 4096, rows=b""))


def test_real_png_bomb_is_refused():
    # 5000 x 5000 pixels that deflate to about 25 kB
    bomb = png_bytes(5000, 5000, rows=b"\x00" * (5001 * 5000))
    assert len(bomb) < 100_000
    with pytest.raises(BadgeImageError, match="pixels"):
        validate_png(bomb)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a" + b"\x00" * 20,
        b"\x89PNG\r\n\x1a\n",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        png_bytes(10, 10)[:-20],  # truncated
        png_bytes(10, 10, rows=b"\x00" * 5),  # too little pixel data
        png_bytes(10, 10).replace(b"IDAT", b"IDAX"),  # bad CRC
    ],
)
def test_broken_pngs_are_refused(data):
    with pytest.raises(BadgeImageError):
        validate_png(data)


def test_other_formats_with_a_png_name_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="JPEG")
    with pytest.raises(BadgeImageError, match="not a PNG"):
        validate_png(out.getvalue())


def test_large_png_file_is_refused():
    with pytest.raises(BadgeImageError, match="too large"):
        validate_png(b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024))

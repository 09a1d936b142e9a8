"""Badge images of micro-credentials, framework-free: designs drawn by the platform (SVG and PNG),
and checks of images organisations upload.

- :class:`BadgeDesign` is a validated design: shape, colours, icon, title and subtitle. A design
  whose text does not reach the WCAG 2 contrast ratio of 4.5:1 against its background is refused.
- :func:`render_svg` and :func:`render_png` draw the same badge (512 x 512 SVG view box; PNG of the
  size asked, drawn with Pillow from the same geometry).
- :func:`sanitise_svg` keeps an allow-list of SVG elements and attributes of an uploaded SVG,
  parsed without DTDs, entities or external references; :func:`validate_png` checks an uploaded
  PNG, decoding it under a pixel cap.

Every refusal raises :class:`BadgeImageError`, which carries its message in French and English.
"""

from __future__ import annotations

import io
import math
import re
import struct
import textwrap
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final, Literal, get_args
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "ICONS",
    "ICON_LABELS",
    "MAX_PNG_BYTES",
    "MAX_PNG_PIXELS",
    "MAX_SVG_BYTES",
    "MAX_SVG_ELEMENTS",
    "MIN_CONTRAST",
    "SHAPES",
    "BadgeDesign",
    "BadgeImageError",
    "Icon",
    "Shape",
    "contrast_ratio",
    "render_png",
    "render_svg",
    "sanitise_svg",
    "suggest_text_colour",
    "validate_png",
]

Shape = Literal["circle", "hexagon", "shield", "square", "ribbon"]
Icon = Literal["people", "speech", "puzzle", "clock", "lightbulb", "book", "star", "check"]
SHAPES: Final[tuple[Shape, ...]] = get_args(Shape)
ICONS: Final[tuple[Icon, ...]] = get_args(Icon)
ICON_LABELS: Final[dict[Icon, tuple[str, str]]] = {
    "people": ("Travail d'équipe", "Teamwork"),
    "speech": ("Communication", "Communication"),
    "puzzle": ("Résolution de problèmes", "Problem solving"),
    "clock": ("Fiabilité", "Reliability"),
    "lightbulb": ("Créativité", "Creativity"),
    "book": ("Apprentissage", "Learning"),
    "star": ("Étoile", "Star"),
    "check": ("Validé", "Check"),
}

MIN_CONTRAST: Final = 4.5
MAX_TITLE_CHARS: Final = 40
MAX_LINE_CHARS: Final = 22
MAX_SUBTITLE_CHARS: Final = 40
MAX_SVG_BYTES: Final = 512 * 1024
MAX_SVG_ELEMENTS: Final = 5000
MAX_SVG_DEPTH: Final = 64
MAX_PNG_BYTES: Final = 2 * 1024 * 1024
MAX_PNG_PIXELS: Final = 4096 * 4096
MIN_PNG_SIZE: Final = 16
MAX_RENDER_SIZE: Final = 2048
PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
SVG_NS: Final = "http://www.w3.org/2000/svg"
XLINK_NS: Final = "http://www.w3.org/1999/xlink"
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
VIEW: Final = 512.0
FONT_FAMILY: Final = "sans-serif"


class BadgeImageError(ValueError):
    """A badge design or an uploaded image is refused; the message is given in both languages."""

    def __init__(self, fr: str, en: str) -> None:
        super().__init__(f"{fr} / {en}")
        self.fr = fr
        self.en = en

    def message(self, language: str | None = "fr") -> str:
        """The message in ``language`` ("fr", "en", "en-gb"…; French unless English)."""
        return self.en if (language or "fr")[:2].lower() == "en" else self.fr


# --- colours --------------------------------------------------------------------------------

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def _luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1.0 to 21.0."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def suggest_text_colour(text: str, background: str, minimum: float = MIN_CONTRAST) -> str:
    """The colour closest to ``text`` (mixed towards black or white) that reaches ``minimum``
    against ``background``."""
    start = _rgb(text)
    for step in range(1, 21):
        t = step / 20
        for target in ((0, 0, 0), (255, 255, 255)):
            candidate = _hex(tuple(s + (e - s) * t for s, e in zip(start, target, strict=True)))  # type: ignore[arg-type]
            if contrast_ratio(candidate, background) >= minimum + 0.05:
                return candidate
    return (
        "#000000"
        if contrast_ratio("#000000", background) >= contrast_ratio("#ffffff", background)
        else "#ffffff"
    )


# --- the design -----------------------------------------------------------------------------

_BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _clean_text(value: object, what_fr: str, what_en: str, *, allow_newline: bool) -> str:
    if not isinstance(value, str):
        raise BadgeImageError(f"{what_fr} doit être un texte.", f"The {what_en} must be text.")
    for char in value:
        if (char == "\n" and allow_newline) or char in " \t":
            continue
        if unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"} or char in _BIDI_CONTROLS:
            raise BadgeImageError(
                f"{what_fr} contient un caractère non permis (U+{ord(char):04X}).",
                f"The {what_en} contains a character that is not allowed (U+{ord(char):04X}).",
            )
    lines = [" ".join(line.split()) for line in value.split("\n")]
    return "\n".join(line for line in lines if line)


def _wrap_title(title: str) -> tuple[str, ...]:
    if "\n" in title:
        lines = tuple(title.split("\n"))
        if len(lines) > 2 or any(len(line) > MAX_LINE_CHARS + 4 for line in lines):
            raise BadgeImageError(
                f"Le titre doit tenir sur deux lignes d'au plus {MAX_LINE_CHARS + 4} caractères.",
                f"The title must fit on two lines of at most {MAX_LINE_CHARS + 4} characters.",
            )
        return lines
    if len(title) <= MAX_LINE_CHARS:
        return (title,)
    lines = tuple(textwrap.wrap(title, MAX_LINE_CHARS, break_on_hyphens=True))
    if len(lines) > 2:
        raise BadgeImageError(
            "Le titre ne tient pas sur deux lignes : raccourcissez-le ou coupez-le vous-même en deux lignes.",
            "The title does not fit on two lines: shorten it or split it into two lines yourself.",
        )
    return lines


@dataclass(frozen=True, slots=True)
class BadgeDesign:
    """A badge drawn by the platform. Colours are ``#rrggbb``; ``title`` has 1 to 40 characters,
    wrapped onto at most two lines (a newline in it chooses the break); ``subtitle`` (a level, an
    organisation) is optional. Invalid designs raise :class:`BadgeImageError`."""

    shape: Shape
    background: str
    border: str
    text_colour: str
    icon: Icon
    title: str
    subtitle: str = ""
    title_lines: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise BadgeImageError(
                f"Forme inconnue : {self.shape!r} (formes possibles : {', '.join(SHAPES)}).",
                f"Unknown shape: {self.shape!r} (possible shapes: {', '.join(SHAPES)}).",
            )
        if self.icon not in ICONS:
            raise BadgeImageError(
                f"Icône inconnue : {self.icon!r} (icônes possibles : {', '.join(ICONS)}).",
                f"Unknown icon: {self.icon!r} (possible icons: {', '.join(ICONS)}).",
            )
        names = {
            "background": ("la couleur de fond", "background colour"),
            "border": ("la couleur de bordure", "border colour"),
            "text_colour": ("la couleur du texte", "text colour"),
        }
        for name, (fr, en) in names.items():
            value = getattr(self, name)
            if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
                raise BadgeImageError(
                    f"{fr.capitalize()} doit être de la forme #rrggbb (reçu : {value!r}).",
                    f"The {en} must be of the form #rrggbb (got: {value!r}).",
                )
            object.__setattr__(self, name, value.lower())
        title = _clean_text(self.title, "Le titre", "title", allow_newline=True)
        if not title:
            raise BadgeImageError("Le titre est obligatoire.", "The title is required.")
        if len(title.replace("\n", " ")) > MAX_TITLE_CHARS:
            raise BadgeImageError(
                f"Le titre est trop long ({len(title)} caractères ; au plus {MAX_TITLE_CHARS}).",
                f"The title is too long ({len(title)} characters; at most {MAX_TITLE_CHARS}).",
            )
        subtitle = _clean_text(self.subtitle, "Le sous-titre", "subtitle", allow_newline=False)
        if len(subtitle) > MAX_SUBTITLE_CHARS:
            raise BadgeImageError(
                f"Le sous-titre est trop long ({len(subtitle)} caractères ; au plus {MAX_SUBTITLE_CHARS}).",
                f"The subtitle is too long ({len(subtitle)} characters; at most {MAX_SUBTITLE_CHARS}).",
            )
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "subtitle", subtitle)
        object.__setattr__(self, "title_lines", _wrap_title(title))
        ratio = contrast_ratio(self.text_colour, self.background)
        if ratio < MIN_CONTRAST:
            better = suggest_text_colour(self.text_colour, self.background)
            raise BadgeImageError(
                f"Le contraste entre le texte ({self.text_colour}) et le fond ({self.background}) est de "
                f"{ratio:.2f}:1, sous le minimum de {MIN_CONTRAST}:1 exigé pour l'accessibilité (WCAG 2). "
                f"Essayez la couleur de texte {better}.",
                f"The contrast between the text ({self.text_colour}) and the background ({self.background}) is "
                f"{ratio:.2f}:1, below the {MIN_CONTRAST}:1 minimum required for accessibility (WCAG 2). "
                f"Try the text colour {better}.",
            )

    @property
    def label(self) -> str:
        """The text of the badge on one line (its accessible name)."""
        title = " ".join(self.title_lines)
        return f"{title} — {self.subtitle}" if self.subtitle else title


# --- geometry shared by both renderers (512 x 512 units) ----------------------------------

Point = tuple[float, float]
Ink = Literal["fg", "bg"]


@dataclass(frozen=True, slots=True)
class _Circle:
    cx: float
    cy: float
    r: float
    fill: Ink | None = None
    stroke: Ink | None = None
    width: float = 7


@dataclass(frozen=True, slots=True)
class _Poly:
    points: tuple[Point, ...]
    closed: bool = False
    fill: Ink | None = None
    stroke: Ink | None = None
    width: float = 7


@dataclass(frozen=True, slots=True)
class _Arc:
    """Clockwise (y down) from ``start`` to ``end`` degrees, 0 at three o'clock."""

    cx: float
    cy: float
    r: float
    start: float
    end: float
    stroke: Ink = "fg"
    width: float = 7


@dataclass(frozen=True, slots=True)
class _RoundRect:
    x: float
    y: float
    w: float
    h: float
    r: float
    fill: Ink | None = None
    stroke: Ink | None = None
    width: float = 7


@dataclass(frozen=True, slots=True)
class _Dome:
    """The upper half of a disc whose centre is (cx, cy)."""

    cx: float
    cy: float
    r: float
    fill: Ink | None = None
    stroke: Ink | None = None
    width: float = 7


_Primitive = _Circle | _Poly | _Arc | _RoundRect | _Dome


def _star(cx: float, cy: float, outer: float, inner: float) -> tuple[Point, ...]:
    points = []
    for k in range(10):
        radius = outer if k % 2 == 0 else inner
        angle = math.radians(-90 + 36 * k)
        points.append((round(cx + radius * math.cos(angle), 2), round(cy + radius * math.sin(angle), 2)))
    return tuple(points)


def _page_lines(x0: float, x1: float, slope: float) -> list[_Primitive]:
    return [_Poly(((x0, y), (x1, y + slope)), stroke="fg", width=4) for y in (38.0, 50.0, 62.0)]


# Icons in a 100 x 100 box, drawn in the text colour ("fg"), cut-outs in the background colour ("bg").
_ICONS: Final[dict[Icon, tuple[_Primitive, ...]]] = {
    "people": (
        _Circle(22, 38, 10, fill="fg"),
        _Dome(22, 74, 17, fill="fg"),
        _Circle(78, 38, 10, fill="fg"),
        _Dome(78, 74, 17, fill="fg"),
        _Circle(50, 32, 14, fill="fg", stroke="bg", width=5),
        _Dome(50, 84, 26, fill="fg", stroke="bg", width=5),
    ),
    "speech": (
        _RoundRect(8, 14, 84, 56, 16, fill="fg"),
        _Poly(((24, 62), (18, 90), (48, 64)), closed=True, fill="fg"),
        _Circle(30, 42, 6.5, fill="bg"),
        _Circle(50, 42, 6.5, fill="bg"),
        _Circle(70, 42, 6.5, fill="bg"),
    ),
    "puzzle": (
        _RoundRect(18, 30, 56, 56, 5, fill="fg"),
        _Circle(46, 26, 12, fill="fg"),
        _Circle(78, 58, 12, fill="fg"),
        _Circle(18, 58, 10, fill="bg"),
        _Circle(46, 86, 10, fill="bg"),
    ),
    "clock": (
        _Circle(50, 50, 40, stroke="fg", width=8),
        _Poly(((50, 24), (50, 50), (68, 62)), stroke="fg", width=8),
    ),
    "lightbulb": (
        _Arc(50, 38, 27, 135, 405, width=7),
        _Poly(((30.9, 57.1), (39, 68), (61, 68), (69.1, 57.1)), stroke="fg", width=7),
        _Poly(((39, 68), (39, 78)), stroke="fg", width=7),
        _Poly(((61, 68), (61, 78)), stroke="fg", width=7),
        _Poly(((39, 78), (61, 78)), stroke="fg", width=7),
        _Poly(((43, 89), (57, 89)), stroke="fg", width=7),
        _Arc(50, 38, 15, 190, 250, width=5),
    ),
    "book": (
        _Poly(((50, 26), (10, 18), (10, 76), (50, 84)), closed=True, stroke="fg", width=6),
        _Poly(((50, 26), (90, 18), (90, 76), (50, 84)), closed=True, stroke="fg", width=6),
        *_page_lines(19, 41, 3),
        *_page_lines(59, 81, -3),
    ),
    "star": (_Poly(_star(50, 54, 46, 19), closed=True, fill="fg", stroke="fg", width=4),),
    "check": (_Poly(((18, 52), (40, 74), (82, 30)), stroke="fg", width=13),),
}


@dataclass(frozen=True, slots=True)
class _Layout:
    icon_cy: float
    icon_size: float
    title_cy: float  # centre of the title block
    title_font: float
    title_width: float
    subtitle_cy: float
    subtitle_font: float
    subtitle_width: float


_LAYOUTS: Final[dict[Shape, _Layout]] = {
    "circle": _Layout(170, 140, 324, 40, 350, 410, 26, 270),
    "square": _Layout(170, 140, 324, 40, 390, 410, 26, 360),
    "hexagon": _Layout(172, 140, 326, 40, 330, 410, 26, 240),
    "shield": _Layout(150, 130, 290, 38, 330, 370, 24, 240),
    "ribbon": _Layout(134, 110, 252, 32, 290, 322, 22, 220),
}

_BORDER = 22.0  # thickness of the border band
_RING = 34.0  # inset of the thin decorative ring
_HEX_R = 252.0
_SHIELD_CENTRE: Final[Point] = (256.0, 256.0)
_SHIELD: Final[tuple[Point, ...]] = ((44, 24), (468, 24), (468, 240))  # then two Béziers to (256, 500)
_SHIELD_CURVES: Final[tuple[tuple[Point, Point, Point], ...]] = (
    ((468, 372), (372, 452), (256, 500)),
    ((140, 452), (44, 372), (44, 240)),
)
_RIBBON_MEDAL: Final = (256.0, 212.0, 200.0)
_RIBBON_TAILS: Final[tuple[tuple[Point, ...], ...]] = (
    ((176, 330), (104, 500), (158, 478), (186, 510), (250, 372)),
    ((336, 330), (408, 500), (354, 478), (326, 510), (262, 372)),
)


def _scale(point: Point, factor: float, centre: Point) -> Point:
    return centre[0] + (point[0] - centre[0]) * factor, centre[1] + (point[1] - centre[1]) * factor


def _hexagon(inset: float) -> tuple[Point, ...]:
    radius = _HEX_R - inset / math.cos(math.radians(30))
    return tuple(
        (
            256 + radius * math.cos(math.radians(-90 + 60 * k)),
            256 + radius * math.sin(math.radians(-90 + 60 * k)),
        )
        for k in range(6)
    )


def _shield_factor(inset: float) -> float:
    return (468 - 256 - inset) / (468 - 256)


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, steps: int = 24) -> Iterator[Point]:
    for i in range(1, steps + 1):
        t = i / steps
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        yield a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]


def _shield_points(inset: float) -> tuple[Point, ...]:
    points = list(_SHIELD)
    current = points[-1]
    for p1, p2, p3 in _SHIELD_CURVES:
        points.extend(_bezier(current, p1, p2, p3))
        current = p3
    factor = _shield_factor(inset)
    return tuple(_scale(p, factor, _SHIELD_CENTRE) for p in points)


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _pts(points: tuple[Point, ...]) -> str:
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)


# --- SVG ------------------------------------------------------------------------------------


def _svg_shape(shape: Shape, inset: float, attrs: str) -> str:
    if shape == "circle":
        return f'<circle cx="256" cy="256" r="{_fmt(248 - inset)}" {attrs}/>'
    if shape == "square":
        size = 488 - 2 * inset
        return (
            f'<rect x="{_fmt(12 + inset)}" y="{_fmt(12 + inset)}" width="{_fmt(size)}" height="{_fmt(size)}" '
            f'rx="{_fmt(max(4.0, 64 - inset))}" {attrs}/>'
        )
    if shape == "hexagon":
        return f'<polygon points="{_pts(_hexagon(inset))}" stroke-linejoin="round" {attrs}/>'
    if shape == "shield":
        factor = _shield_factor(inset)

        def p(point: Point) -> str:
            x, y = _scale(point, factor, _SHIELD_CENTRE)
            return f"{_fmt(x)} {_fmt(y)}"

        (a, b, c), (d, e, f) = _SHIELD_CURVES
        path = (
            f"M{p(_SHIELD[0])} L{p(_SHIELD[1])} L{p(_SHIELD[2])} C{p(a)} {p(b)} {p(c)} C{p(d)} {p(e)} {p(f)}Z"
        )
        return f'<path d="{path}" {attrs}/>'
    cx, cy, r = _RIBBON_MEDAL
    return f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(r - inset)}" {attrs}/>'


def _svg_primitive(item: _Primitive, colours: dict[Ink, str]) -> str:
    paint = []
    fill = getattr(item, "fill", None)
    paint.append(f'fill="{colours[fill]}"' if fill else 'fill="none"')
    if item.stroke:
        paint.append(
            f'stroke="{colours[item.stroke]}" stroke-width="{_fmt(item.width)}" '
            'stroke-linecap="round" stroke-linejoin="round"'
        )
    style = " ".join(paint)
    if isinstance(item, _Circle):
        return f'<circle cx="{_fmt(item.cx)}" cy="{_fmt(item.cy)}" r="{_fmt(item.r)}" {style}/>'
    if isinstance(item, _Poly):
        tag = "polygon" if item.closed else "polyline"
        return f'<{tag} points="{_pts(item.points)}" {style}/>'
    if isinstance(item, _RoundRect):
        return (
            f'<rect x="{_fmt(item.x)}" y="{_fmt(item.y)}" width="{_fmt(item.w)}" height="{_fmt(item.h)}" '
            f'rx="{_fmt(item.r)}" {style}/>'
        )
    if isinstance(item, _Dome):
        left, right = _fmt(item.cx - item.r), _fmt(item.cx + item.r)
        r = _fmt(item.r)
        return f'<path d="M{left} {_fmt(item.cy)} A{r} {r} 0 0 1 {right} {_fmt(item.cy)}Z" {style}/>'
    start, end = math.radians(item.start), math.radians(item.end)
    x0, y0 = item.cx + item.r * math.cos(start), item.cy + item.r * math.sin(start)
    x1, y1 = item.cx + item.r * math.cos(end), item.cy + item.r * math.sin(end)
    large = 1 if (item.end - item.start) % 360 > 180 else 0
    r = _fmt(item.r)
    return f'<path d="M{_fmt(x0)} {_fmt(y0)} A{r} {r} 0 {large} 1 {_fmt(x1)} {_fmt(y1)}" {style}/>'


def _svg_font_size(text: str, base: float, width: float) -> float:
    """An estimate (bold sans-serif averages about 0.6 em per character) that keeps ``text`` in
    ``width``; the SVG also carries ``textLength`` limits so renderers never overflow."""
    return max(10.0, min(base, width / (0.6 * max(len(text), 1))))


def _text_rows(design: BadgeDesign) -> list[tuple[str, float, float, float, bool]]:
    """(text, baseline centre y, font size, max width, bold) of each line of text."""
    layout = _LAYOUTS[design.shape]
    lines = design.title_lines
    size = min(_svg_font_size(line, layout.title_font, layout.title_width) for line in lines)
    gap = size * 1.15
    centre = layout.title_cy
    if not design.subtitle:
        centre += (layout.subtitle_cy - layout.title_cy) / 3
    first = centre - gap * (len(lines) - 1) / 2
    rows = [(line, first + i * gap, size, layout.title_width, True) for i, line in enumerate(lines)]
    if design.subtitle:
        sub = _svg_font_size(design.subtitle, layout.subtitle_font, layout.subtitle_width)
        rows.append((design.subtitle, layout.subtitle_cy, sub, layout.subtitle_width, False))
    return rows


def render_svg(design: BadgeDesign) -> bytes:
    """The badge as a standalone, accessible SVG document (UTF-8)."""
    layout = _LAYOUTS[design.shape]
    colours: dict[Ink, str] = {"fg": design.text_colour, "bg": design.background}
    parts = [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 512 512" width="512" height="512" role="img" '
        'aria-labelledby="badge-title">',
        f'<title id="badge-title">{escape(design.label)}</title>',
    ]
    if design.shape == "ribbon":
        parts.extend(
            f'<polygon points="{_pts(tail)}" fill="{design.border}" stroke="{design.border}" '
            'stroke-width="6" stroke-linejoin="round"/>'
            for tail in _RIBBON_TAILS
        )
    parts.append(_svg_shape(design.shape, 0, f'fill="{design.border}"'))
    parts.append(_svg_shape(design.shape, _BORDER, f'fill="{design.background}"'))
    parts.append(
        _svg_shape(
            design.shape, _RING, f'fill="none" stroke="{design.border}" stroke-width="3" opacity="0.6"'
        )
    )
    scale = layout.icon_size / 100
    top = layout.icon_cy - layout.icon_size / 2
    left = 256 - layout.icon_size / 2
    parts.append(
        f'<g transform="translate({_fmt(left)} {_fmt(top)}) scale({_fmt(scale)})" aria-hidden="true">'
    )
    parts.extend(_svg_primitive(item, colours) for item in _ICONS[design.icon])
    parts.append("</g>")
    parts.append(
        f'<g fill="{design.text_colour}" font-family="{FONT_FAMILY}" text-anchor="middle" aria-hidden="true">'
    )
    for text, cy, size, width, bold in _text_rows(design):
        baseline = cy + size * 0.35
        weight = ' font-weight="bold"' if bold else ""
        fit = ""
        if 0.62 * size * len(text) > width:
            fit = f' textLength="{_fmt(width)}" lengthAdjust="spacingAndGlyphs"'
        parts.append(
            f'<text x="256" y="{_fmt(baseline)}" font-size="{_fmt(size)}"{weight}{fit}>{escape(text)}</text>'
        )
    parts.append("</g>")
    parts.append("</svg>")
    return ("\n".join(parts) + "\n").encode("utf-8")


# --- PNG ------------------------------------------------------------------------------------


def _rgba(colour: str) -> tuple[int, int, int, int]:
    return (*_rgb(colour), 255)


class _Canvas:
    """Draws in 512-unit coordinates onto a supersampled Pillow image."""

    def __init__(self, pixels: int) -> None:
        self.image = Image.new("RGBA", (pixels, pixels), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)
        self.k = pixels / VIEW

    def p(self, point: Point) -> tuple[float, float]:
        return point[0] * self.k, point[1] * self.k

    def disc(self, centre: Point, r: float, fill: tuple[int, int, int, int]) -> None:
        x, y = self.p(centre)
        rk = r * self.k
        self.draw.ellipse((x - rk, y - rk, x + rk, y + rk), fill=fill)

    def polyline(
        self, points: tuple[Point, ...], width: float, ink: tuple[int, int, int, int], closed: bool
    ) -> None:
        """A stroked line with round joins and caps (discs on the vertices)."""
        pts = [self.p(pt) for pt in points]
        if closed:
            pts.append(pts[0])
        self.draw.line(pts, fill=ink, width=max(1, round(width * self.k)))
        for pt in points:
            self.disc(pt, width / 2, ink)

    def shape(self, shape: Shape, inset: float, fill: tuple[int, int, int, int]) -> None:
        k = self.k
        if shape in ("circle", "ribbon"):
            cx, cy, r = (256.0, 256.0, 248.0) if shape == "circle" else _RIBBON_MEDAL
            self.disc((cx, cy), r - inset, fill)
        elif shape == "square":
            a, b = (12 + inset) * k, (500 - inset) * k
            self.draw.rounded_rectangle((a, a, b, b), radius=max(4.0, 64 - inset) * k, fill=fill)
        else:
            points = _hexagon(inset) if shape == "hexagon" else _shield_points(inset)
            self.draw.polygon([self.p(pt) for pt in points], fill=fill)

    def ring(self, shape: Shape, inset: float, width: float, ink: tuple[int, int, int, int]) -> None:
        k = self.k
        w = max(1, round(width * k))
        if shape in ("circle", "ribbon"):
            cx, cy, r = (256.0, 256.0, 248.0) if shape == "circle" else _RIBBON_MEDAL
            r = (r - inset + width / 2) * k
            x, y = cx * k, cy * k
            self.draw.ellipse((x - r, y - r, x + r, y + r), outline=ink, width=w)
        elif shape == "square":
            a, b = (12 + inset - width / 2) * k, (500 - inset + width / 2) * k
            self.draw.rounded_rectangle((a, a, b, b), radius=(64 - inset) * k, outline=ink, width=w)
        else:
            points = _hexagon(inset) if shape == "hexagon" else _shield_points(inset)
            self.polyline(points, width, ink, closed=True)


def _draw_icon(canvas: _Canvas, design: BadgeDesign) -> None:
    layout = _LAYOUTS[design.shape]
    s = layout.icon_size / 100
    ox, oy = 256 - layout.icon_size / 2, layout.icon_cy - layout.icon_size / 2
    inks: dict[Ink, tuple[int, int, int, int]] = {
        "fg": _rgba(design.text_colour),
        "bg": _rgba(design.background),
    }

    def at(x: float, y: float) -> Point:
        return ox + x * s, oy + y * s

    def box(cx: float, cy: float, r: float) -> tuple[float, float, float, float]:
        x, y = canvas.p(at(cx, cy))
        rk = r * s * canvas.k
        return x - rk, y - rk, x + rk, y + rk

    def stroke_width(item: _Primitive) -> int:
        return max(1, round(item.width * s * canvas.k))

    for item in _ICONS[design.icon]:
        if isinstance(item, _Circle):
            if item.stroke:
                w = item.width / 2
                canvas.draw.ellipse(box(item.cx, item.cy, item.r + w), fill=inks[item.stroke])
                inner = inks[item.fill] if item.fill else inks["bg"]
                canvas.draw.ellipse(box(item.cx, item.cy, item.r - w), fill=inner)
            elif item.fill:
                canvas.draw.ellipse(box(item.cx, item.cy, item.r), fill=inks[item.fill])
        elif isinstance(item, _Poly):
            points = tuple(at(x, y) for x, y in item.points)
            if item.fill:
                canvas.draw.polygon([canvas.p(pt) for pt in points], fill=inks[item.fill])
            if item.stroke:
                canvas.polyline(points, item.width * s, inks[item.stroke], item.closed)
        elif isinstance(item, _RoundRect):
            x0, y0 = canvas.p(at(item.x, item.y))
            x1, y1 = canvas.p(at(item.x + item.w, item.y + item.h))
            radius = item.r * s * canvas.k
            if item.fill:
                canvas.draw.rounded_rectangle((x0, y0, x1, y1), radius=radius, fill=inks[item.fill])
            if item.stroke:
                half = item.width * s * canvas.k / 2
                canvas.draw.rounded_rectangle(
                    (x0 - half, y0 - half, x1 + half, y1 + half),
                    radius=radius + half,
                    outline=inks[item.stroke],
                    width=stroke_width(item),
                )
        elif isinstance(item, _Dome):
            if item.stroke:
                half = item.width / 2
                canvas.draw.chord(box(item.cx, item.cy, item.r + half), 180, 360, fill=inks[item.stroke])
                cx, cy = canvas.p(at(item.cx, item.cy))
                rk = (item.r + half) * s * canvas.k
                canvas.draw.rectangle(
                    (cx - rk, cy, cx + rk, cy + half * s * canvas.k), fill=inks[item.stroke]
                )
            if item.fill:
                canvas.draw.chord(box(item.cx, item.cy, item.r), 180, 360, fill=inks[item.fill])
        else:
            half = item.width / 2
            canvas.draw.arc(
                box(item.cx, item.cy, item.r + half),
                item.start,
                item.end,
                fill=inks[item.stroke],
                width=stroke_width(item),
            )
            for angle in (item.start, item.end):
                a = math.radians(angle)
                end = at(item.cx + item.r * math.cos(a), item.cy + item.r * math.sin(a))
                canvas.disc(end, half * s, inks[item.stroke])


# Pillow's own font (``load_default``) only has ASCII glyphs: a system sans-serif is preferred
# (Debian: fonts-dejavu-core); without one, accents of Latin letters are drawn by hand.
_FONT_FILES: Final[dict[bool, tuple[str, ...]]] = {
    True: (
        "DejaVuSans-Bold.ttf",
        "LiberationSans-Bold.ttf",
        "NotoSans-Bold.ttf",
        "Arial Bold.ttf",
        "arialbd.ttf",
    ),
    False: ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf", "arial.ttf"),
}
_FONT_CACHE: dict[bool, str | None] = {}
_ASCII_FALLBACK: Final = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
                          "\u2013": "-", "\u2014": "-", "\u00b7": "-", "\u2022": "-", "\u00a0": " ",
                          "\u0153": "oe", "\u0152": "OE", "\u00e6": "ae", "\u00c6": "AE", "\u00df": "ss"}  # fmt: skip
_MARKS: Final = frozenset("\u0300\u0301\u0302\u0308\u0327")  # grave, acute, circumflex, diaeresis, cedilla


def _font_file(bold: bool) -> str | None:
    if bold not in _FONT_CACHE:
        _FONT_CACHE[bold] = None
        for name in _FONT_FILES[bold]:
            try:
                ImageFont.truetype(name, 12)
            except OSError:
                continue
            _FONT_CACHE[bold] = name
            break
    return _FONT_CACHE[bold]


def _font(size: float, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = _font_file(bold)
    if name is not None:
        return ImageFont.truetype(name, max(1, round(size)))
    return ImageFont.load_default(size=max(1.0, size))


def _ascii_text(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``text`` in ASCII for Pillow's own font, with the accents to draw: (index, combining mark)."""
    out: list[str] = []
    marks: list[tuple[int, str]] = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        if char in _ASCII_FALLBACK:
            out.append(_ASCII_FALLBACK[char])
            continue
        decomposed = unicodedata.normalize("NFD", char)
        base, combining = decomposed[0], decomposed[1:]
        if not base.isascii():
            out.append("?")
            continue
        marks.extend((len(out), mark) for mark in combining if mark in _MARKS)
        out.append(base)
    return "".join(out), marks


def _draw_marks(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    text: str,
    marks: list[tuple[int, str]],
    origin: tuple[float, float],
    size: float,
    ink: tuple[int, int, int, int],
) -> None:
    x0 = origin[0] - font.getlength(text) / 2
    baseline = origin[1]
    line = max(1, round(size * 0.075))
    for index, mark in marks:
        left = x0 + font.getlength(text[:index])
        cx = left + font.getlength(text[index]) / 2
        top = baseline + font.getbbox(text[index], anchor="ls")[1] - size * 0.07
        h = size * 0.15
        if mark == "\u0301":
            draw.line([(cx - size * 0.05, top), (cx + size * 0.07, top - h)], fill=ink, width=line)
        elif mark == "\u0300":
            draw.line([(cx + size * 0.05, top), (cx - size * 0.07, top - h)], fill=ink, width=line)
        elif mark == "\u0302":
            points = [(cx - size * 0.1, top), (cx, top - h), (cx + size * 0.1, top)]
            draw.line(points, fill=ink, width=line, joint="curve")
        elif mark == "\u0308":
            r = size * 0.05
            for dx in (-size * 0.1, size * 0.1):
                draw.ellipse((cx + dx - r, top - h / 2 - r, cx + dx + r, top - h / 2 + r), fill=ink)
        else:  # cedilla
            points = [
                (cx, baseline),
                (cx + size * 0.05, baseline + size * 0.12),
                (cx - size * 0.06, baseline + size * 0.2),
            ]
            draw.line(points, fill=ink, width=line, joint="curve")


def _draw_text(canvas: _Canvas, design: BadgeDesign) -> None:
    ink = _rgba(design.text_colour)
    fallback = _font_file(True) is None
    rows = [
        (*row[:4], row[4], _ascii_text(row[0]) if fallback else (row[0], [])) for row in _text_rows(design)
    ]
    # one size for all title lines: the largest that lets every line fit
    title_size = rows[0][2] * canvas.k * 1.05
    for _text, _cy, _size, width, bold, (shown, _marks) in rows:
        length = _font(title_size, True).getlength(shown)
        if bold and length > width * canvas.k:
            title_size *= width * canvas.k / length
    for _text, cy, size, width, bold, (shown, marks) in rows:
        pixels = title_size if bold else size * canvas.k * 1.05
        font = _font(pixels, bold)
        if not bold and font.getlength(shown) > width * canvas.k:
            pixels *= width * canvas.k / font.getlength(shown)
            font = _font(pixels, bold)
        x, y = canvas.p((256, cy + size * 0.35))
        heavy = bold and fallback  # Pillow's own font has no bold: thicken it
        stroke = pixels / 28 if heavy else 0
        canvas.draw.text(
            (x, y), shown, font=font, fill=ink, anchor="ms", stroke_width=stroke, stroke_fill=ink
        )
        if marks:
            _draw_marks(canvas.draw, font, shown, marks, (x, y), pixels, ink)


def render_png(design: BadgeDesign, size: int = 512) -> bytes:
    """The badge as a ``size`` x ``size`` PNG (RGBA, transparent outside the shape)."""
    if isinstance(size, bool) or not isinstance(size, int) or not MIN_PNG_SIZE <= size <= MAX_RENDER_SIZE:
        raise BadgeImageError(
            f"La taille doit être un entier de {MIN_PNG_SIZE} à {MAX_RENDER_SIZE} pixels.",
            f"The size must be a whole number of pixels from {MIN_PNG_SIZE} to {MAX_RENDER_SIZE}.",
        )
    factor = 4 if size <= 1024 else 2
    canvas = _Canvas(size * factor)
    border, background = _rgba(design.border), _rgba(design.background)
    if design.shape == "ribbon":
        for tail in _RIBBON_TAILS:
            canvas.draw.polygon([canvas.p(pt) for pt in tail], fill=border)
            canvas.polyline(tail, 6, border, closed=True)
    canvas.shape(design.shape, 0, border)
    canvas.shape(design.shape, _BORDER, background)
    ring = (*_rgb(design.border), 255)
    ring_colour = tuple(round(b * 0.4 + r * 0.6) for b, r in zip(background[:3], ring[:3], strict=True))
    canvas.ring(design.shape, _RING + 1.5, 3, (*ring_colour, 255))  # type: ignore[arg-type]
    _draw_icon(canvas, design)
    _draw_text(canvas, design)
    image = canvas.image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- uploaded SVG ---------------------------------------------------------------------------

_ELEMENTS: Final = frozenset(
    {
        "svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon", "text", "tspan",
        "title", "desc", "defs", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "use",
        "symbol",
    }
)  # fmt: skip
_TEXT_ELEMENTS: Final = frozenset({"text", "tspan", "title", "desc"})
_PRESENTATION: Final = frozenset(
    {
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
        "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color",
        "display", "visibility", "clip-path", "clip-rule", "mask", "font-family", "font-size", "font-weight",
        "font-style", "font-variant", "font-stretch", "text-anchor", "dominant-baseline", "alignment-baseline",
        "baseline-shift", "letter-spacing", "word-spacing", "text-decoration", "writing-mode", "direction",
        "unicode-bidi", "stop-color", "stop-opacity", "vector-effect", "paint-order", "shape-rendering",
        "text-rendering", "color-interpolation", "overflow", "transform", "transform-origin", "mix-blend-mode",
        "isolation",
    }
)  # fmt: skip
_ATTRIBUTES: Final = _PRESENTATION | frozenset(
    {
        "id", "class", "lang", "version", "baseProfile", "viewBox", "preserveAspectRatio", "width", "height",
        "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr", "d", "points",
        "pathLength", "dx", "dy", "rotate", "textLength", "lengthAdjust", "offset", "gradientUnits",
        "gradientTransform", "spreadMethod", "clipPathUnits", "maskUnits", "maskContentUnits", "role",
        "aria-label", "aria-labelledby", "aria-describedby", "aria-hidden", "focusable", "href", "style",
    }
)  # fmt: skip
_NAMESPACED: Final = {
    f"{{{XLINK_NS}}}href": "xlink:href",
    f"{{{XML_NS}}}lang": "xml:lang",
    f"{{{XML_NS}}}space": "xml:space",
}
_URL = re.compile(r"url\s*\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_LOCAL_REF = re.compile(r"#[A-Za-z_][\w.:-]*")
_SCHEMES = re.compile(r"(?:java|vb)script\s*:|data\s*:", re.I)
_SAFE_STYLE_VALUE = re.compile(r"[\w\s#%.,()+\-/'\"]*")


def _squash(value: str) -> str:
    """The value with whitespace and control characters removed, as URL parsers do."""
    return "".join(ch for ch in value if ch > " " and unicodedata.category(ch) not in {"Cc", "Cf"})


def _safe_value(value: str) -> bool:
    squashed = _squash(value)
    if _SCHEMES.search(squashed) or "\\" in value or "expression(" in squashed.lower():
        return False
    return all(_LOCAL_REF.fullmatch(m.group(2).strip()) for m in _URL.finditer(value))


def _safe_style(style: str) -> str | None:
    kept = []
    for declaration in style.split(";"):
        if not declaration.strip():
            continue
        name, sep, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if not sep or name not in _PRESENTATION or not _SAFE_STYLE_VALUE.fullmatch(value):
            continue
        if "@" in value or not _safe_value(value) or ("url" in value.lower() and not _URL.search(value)):
            continue
        kept.append(f"{name}:{value}")
    return ";".join(kept) or None


def _local_name(tag: object) -> str | None:
    """The SVG element name of ``tag`` (SVG namespace or none), or None for anything else."""
    if not isinstance(tag, str):
        return None  # comments, processing instructions
    if tag.startswith(f"{{{SVG_NS}}}"):
        return tag[len(SVG_NS) + 2 :]
    return None if tag.startswith("{") else tag


def _clean_attributes(name: str, element: Element) -> dict[str, str] | None:
    """The attributes kept, or None when the element must go (a ``use`` without a local link)."""
    kept: dict[str, str] = {}
    for key, value in element.attrib.items():
        out = _NAMESPACED.get(key, key)
        if out not in _ATTRIBUTES and out not in _NAMESPACED.values():
            continue  # on*, unknown or foreign-namespace attributes
        if out in ("href", "xlink:href"):
            if not _LOCAL_REF.fullmatch(value.strip()):
                continue
            value = value.strip()
        elif out == "style":
            style = _safe_style(value)
            if style is None:
                continue
            value = style
        elif not _safe_value(value):
            continue
        kept[out] = value
    if name == "use" and not ({"href", "xlink:href"} & kept.keys()):
        return None
    return kept


def _refuse_svg(fr: str, en: str) -> BadgeImageError:
    return BadgeImageError(f"Image SVG refusée : {fr}", f"SVG image refused: {en}")


def sanitise_svg(data: bytes) -> bytes:
    """An uploaded SVG reduced to an allow-list of elements and attributes (no scripts, event
    handlers, styles that load anything, foreign content, external references nor baked credential),
    serialised as UTF-8. Raises :class:`BadgeImageError` for what cannot be an SVG badge."""
    if not isinstance(data, bytes | bytearray):
        raise _refuse_svg("le fichier doit être donné en octets.", "the file must be given as bytes.")
    if len(data) > MAX_SVG_BYTES:
        raise _refuse_svg(
            f"le fichier est trop lourd ({len(data)} octets ; au plus {MAX_SVG_BYTES}).",
            f"the file is too large ({len(data)} bytes; at most {MAX_SVG_BYTES}).",
        )
    if not data.strip():
        raise _refuse_svg("le fichier est vide.", "the file is empty.")
    try:
        root = fromstring(bytes(data), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _refuse_svg(
            "les DTD, entités et références externes ne sont pas acceptées.",
            "DTDs, entities and external references are not accepted.",
        ) from None
    except (ParseError, ValueError, LookupError, UnicodeError, RecursionError, MemoryError):
        raise _refuse_svg(
            "ce n'est pas un document XML valide.", "this is not a valid XML document."
        ) from None
    if not isinstance(root, Element) or _local_name(root.tag) != "svg":
        raise _refuse_svg("l'élément racine doit être <svg>.", "the root element must be <svg>.")
    for count, _ in enumerate(root.iter(), start=1):
        if count > MAX_SVG_ELEMENTS:
            raise _refuse_svg(
                f"le dessin compte plus de {MAX_SVG_ELEMENTS} éléments.",
                f"the drawing has more than {MAX_SVG_ELEMENTS} elements.",
            )

    out: list[str] = []
    uses_xlink = False

    def text(value: str | None) -> None:
        if value:
            out.append(escape(value))

    # iterative walk: (element, depth) to open, or a closing tag to write
    stack: list[tuple[Element, int] | str] = [(root, 0)]
    while stack:
        entry = stack.pop()
        if isinstance(entry, str):
            out.append(entry)
            continue
        element, depth = entry
        name = _local_name(element.tag)
        if name not in _ELEMENTS or depth > MAX_SVG_DEPTH:
            if depth > MAX_SVG_DEPTH:
                raise _refuse_svg("le dessin est trop imbriqué.", "the drawing is nested too deeply.")
            continue
        attributes = _clean_attributes(name, element)
        if attributes is None:
            continue
        uses_xlink = uses_xlink or "xlink:href" in attributes
        rendered = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
        out.append(f"<{name}{rendered}>")
        keeps_text = name in _TEXT_ELEMENTS
        if keeps_text:
            text(element.text)
        stack.append(f"</{name}>")
        children = list(element)
        for child in reversed(children):
            if keeps_text and _local_name(child.tag) in _ELEMENTS:
                stack.append(escape(child.tail) if child.tail else "")
            stack.append((child, depth + 1))
    # the root's own namespace declarations come first
    declarations = f' xmlns="{SVG_NS}"' + (f' xmlns:xlink="{XLINK_NS}"' if uses_xlink else "")
    out[0] = out[0].replace("<svg", "<svg" + declarations, 1)
    return "".join(out).encode("utf-8")


# --- uploaded PNG ---------------------------------------------------------------------------


def _refuse_png(fr: str, en: str) -> BadgeImageError:
    return BadgeImageError(f"Image PNG refusée : {fr}", f"PNG image refused: {en}")


def validate_png(data: bytes) -> tuple[int, int]:
    """(width, height) of an uploaded PNG once fully decoded; raises :class:`BadgeImageError` for
    anything else, files over 2 MB and images over 4096 x 4096 pixels (before decoding them)."""
    if not isinstance(data, bytes | bytearray):
        raise _refuse_png("le fichier doit être donné en octets.", "the file must be given as bytes.")
    if len(data) > MAX_PNG_BYTES:
        raise _refuse_png(
            f"le fichier est trop lourd ({len(data)} octets ; au plus {MAX_PNG_BYTES}).",
            f"the file is too large ({len(data)} bytes; at most {MAX_PNG_BYTES}).",
        )
    if not bytes(data[:8]) == PNG_SIGNATURE:
        raise _refuse_png("ce n'est pas un fichier PNG.", "this is not a PNG file.")

    def too_large(width: int, height: int) -> BadgeImageError:
        return _refuse_png(
            f"l'image fait {width} x {height} pixels ; au plus {MAX_PNG_PIXELS} pixels (4096 x 4096).",
            f"the image is {width} x {height} pixels; at most {MAX_PNG_PIXELS} pixels (4096 x 4096).",
        )

    # the size in the header, read before Pillow sees the file
    if len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        if width * height > MAX_PNG_PIXELS:
            raise too_large(width, height)

    def opened() -> Image.Image:
        return Image.open(io.BytesIO(bytes(data)), formats=["PNG"])

    def attempt[T](action: Callable[[], T]) -> T:
        try:
            return action()
        except BadgeImageError:
            raise
        except Exception:  # Pillow raises many kinds of errors on corrupt files: all mean "refused"
            raise _refuse_png(
                "le fichier est endommagé ou n'est pas un PNG lisible.",
                "the file is damaged or is not a readable PNG.",
            ) from None

    def check_header() -> tuple[int, int]:
        with opened() as image:
            width, height = image.size
            if width < 1 or height < 1 or width * height > MAX_PNG_PIXELS:
                raise too_large(width, height)
            image.verify()
        return width, height

    def decode() -> None:
        with opened() as image:
            image.load()
            for frame in range(1, min(getattr(image, "n_frames", 1), 64)):
                image.seek(frame)
                image.load()

    size = attempt(check_header)
    attempt(decode)
    return size

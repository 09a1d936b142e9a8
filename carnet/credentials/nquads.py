"""RDF terms and quads as pre-serialised canonical N-Quads strings.

Implements the canonical n-quads form in which RDF Dataset Canonicalization serialises quads
(RDFC-1.0, W3C Recommendation, https://www.w3.org/TR/rdf-canon/ §5 "Serialization"; N-Quads
grammar of https://www.w3.org/TR/n-quads/ §5), escaping exactly as the JavaScript reference
``rdf-canonize`` (lib/NQuads.js) does, which is what signatures made by that stack hash:

* IRIs: U+0000–U+0020 and ``<>"{}|^`\\`` become ``\\uXXXX`` (uppercase hex);
* string literals: ``\\b \\t \\n \\f \\r \\" \\\\`` as ECHAR, the other U+0000–U+001F and U+007F as
  ``\\u00XX`` (uppercase hex), everything else raw (non-ASCII and U+2028 included);
* ``xsd:string`` literals are written without a datatype, language-tagged ones without ``^^``.

(RDF 1.2's canonical N-Triples, which pyoxigraph follows, differs: it also escapes U+FFFE and
U+FFFF and lowercases language tags.)

A term is a ``str`` already in that form (``<iri>``, ``_:label``, ``"lexical"``,
``"lexical"@lang``, ``"lexical"^^<datatype>``); a quad is a tuple of four terms whose graph is
``""`` for the default graph. Documents are split on ``"\\n"`` only: ``str.splitlines()`` would
also split on U+2028, which literals carry raw.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "RDF_LANGSTRING",
    "XSD_STRING",
    "Quad",
    "bnode",
    "escape_string",
    "iri",
    "line",
    "literal",
    "parse",
    "serialize",
]

Quad = tuple[str, str, str, str]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_IRI_SPECIAL = re.compile('[\x00-\x20<>"{}|^`\\\\]')
_IRI_TABLE = {c: f"\\u{c:04X}" for c in [*range(0x21), *b'<>"{}|^`\\']}

_STRING_SPECIAL = re.compile('[\x00-\x1f\x7f"\\\\]')
_STRING_TABLE = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}


def iri(value: str) -> str:
    """The N-Quads term of the IRI ``value``: ``<value>``, escaped as rdf-canonize does."""
    if _IRI_SPECIAL.search(value) is None:
        return f"<{value}>"
    return f"<{value.translate(_IRI_TABLE)}>"


def escape_string(value: str) -> str:
    """``value`` escaped for the inside of a canonical N-Quads string literal."""
    if _STRING_SPECIAL.search(value) is None:
        return value
    return value.translate(_STRING_TABLE)


def literal(value: str, datatype: str | None = None, language: str | None = None) -> str:
    """The N-Quads term of a literal; ``datatype`` is an IRI (not a term), ``language`` a tag.

    As in rdf-canonize, a language tag wins over the datatype, an ``xsd:string`` (or missing)
    datatype is omitted, and so is ``rdf:langString`` when there is no tag. The language tag is
    written as given (rdf-canonize keeps its case; some other processors lowercase it).
    """
    text = value if _STRING_SPECIAL.search(value) is None else value.translate(_STRING_TABLE)
    if language:
        return f'"{text}"@{language}'
    if datatype is None or datatype in (XSD_STRING, RDF_LANGSTRING):
        return f'"{text}"'
    return f'"{text}"^^{iri(datatype)}'


def bnode(label: str) -> str:
    """The N-Quads term of the blank node labelled ``label`` (without ``_:``)."""
    return f"_:{label}"


def line(quad: Quad) -> str:
    """One N-Quads statement, ending with ``" .\\n"``; the graph is left out when ``""``."""
    s, p, o, g = quad
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def serialize(quads: Iterable[Quad]) -> str:
    """An N-Quads document with one statement per quad, in the order given."""
    return "".join([f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in quads])


# --- parsing (N-Quads grammar, https://www.w3.org/TR/n-quads/#sec-grammar) ---

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_IRIREF = rf'<((?:[^\x00-\x20<>"{{}}|^`\\]|{_UCHAR})*)>'
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_:"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_BLANK = rf"(_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)"
_STRING = rf'"((?:[^"\\\n\r]|\\[tbnrf"\'\\]|{_UCHAR})*)"'
_LANGTAG = r"@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
_WS = "[ \t]"
_QUAD = re.compile(
    rf"{_WS}*(?:{_IRIREF}|{_BLANK}){_WS}*"  # subject: groups 1, 2
    rf"{_IRIREF}{_WS}*"  # predicate: group 3
    rf"(?:{_IRIREF}|{_BLANK}|{_STRING}(?:\^\^{_IRIREF}|{_LANGTAG})?){_WS}*"  # object: groups 4-8
    rf"(?:(?:{_IRIREF}|{_BLANK}){_WS}*)?"  # graph: groups 9, 10
    rf"\.{_WS}*"
)
_UNESCAPE = re.compile(rf"\\([tbnrf\"'\\])|{_UCHAR}")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape_match(match: re.Match[str]) -> str:
    echar = match.group(1)
    if echar is not None:
        return _ECHARS[echar]
    return chr(int(match.group(0)[2:], 16))


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(_unescape_match, text) if "\\" in text else text


def _iri_term(escaped: str) -> str:
    return iri(_unescape(escaped))


def parse(text: str) -> list[Quad]:
    """The quads of an N-Quads document, each term re-serialised in canonical form.

    Strict: every non-blank line must be one statement (no comments); raises ``ValueError``
    with the line number otherwise. Lines are split on ``"\\n"`` only.
    """
    quads: list[Quad] = []
    for number, text_line in enumerate(text.split("\n"), 1):
        match = _QUAD.fullmatch(text_line)
        if match is None:
            if text_line.strip(" \t"):
                raise ValueError(f"N-Quads syntax error on line {number}: {text_line!r}")
            continue
        (s_iri, s_blank, p_iri, o_iri, o_blank, o_string, o_datatype, o_language, g_iri, g_blank) = (
            match.groups()
        )
        subject = _iri_term(s_iri) if s_iri is not None else s_blank
        if o_iri is not None:
            obj = _iri_term(o_iri)
        elif o_blank is not None:
            obj = o_blank
        else:
            datatype = _unescape(o_datatype) if o_datatype is not None else None
            obj = literal(_unescape(o_string), datatype, o_language)
        graph = _iri_term(g_iri) if g_iri is not None else (g_blank or "")
        quads.append((subject, _iri_term(p_iri), obj, graph))
    return quads

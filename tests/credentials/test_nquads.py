"""Canonical N-Quads terms (carnet.credentials.nquads): escaping exactly as rdf-canonize does,
serialisation, and the strict parser."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carnet.credentials.nquads import (
    RDF_LANGSTRING,
    XSD_STRING,
    Quad,
    bnode,
    escape_string,
    iri,
    line,
    literal,
    parse,
    serialize,
)

# rdf-canonize lib/NQuads.js: ECHAR for these, \uXXXX (uppercase hex) for the other C0 controls and DEL.
ECHAR = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
IRI_ESCAPED = {*range(0x21), *map(ord, '<>"{}|^`\\')}


@pytest.mark.parametrize("code", [*range(0x20), 0x7F])
def test_every_control_character_in_a_literal(code: int) -> None:
    expected = ECHAR.get(code, f"\\u{code:04X}")
    assert literal(f"a{chr(code)}b") == f'"a{expected}b"'
    assert escape_string(chr(code)) == expected


def test_quote_and_backslash_in_a_literal() -> None:
    assert literal('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'


@pytest.mark.parametrize(
    "char",
    [" ", "~", "'", "<", "\x80", "\xa0", "é", "€", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "😀"],
)
def test_other_characters_stay_raw_in_a_literal(char: str) -> None:
    # Raw as in rdf-canonize, U+2028 and U+FFFE/U+FFFF included (pyoxigraph escapes U+FFFE/U+FFFF).
    assert literal(f"a{char}b") == f'"a{char}b"'


def test_every_ascii_character_in_a_literal() -> None:
    for code in range(0x80):
        expected = ECHAR.get(code) or (f"\\u{code:04X}" if code < 0x20 or code == 0x7F else chr(code))
        assert literal(chr(code)) == f'"{expected}"', hex(code)


def test_every_ascii_character_in_an_iri() -> None:
    for code in range(0x80):
        expected = f"\\u{code:04X}" if code in IRI_ESCAPED else chr(code)
        assert iri(f"http://e/{chr(code)}") == f"<http://e/{expected}>", hex(code)


def test_iri_keeps_non_ascii_and_del_raw() -> None:
    assert iri("http://e/é\u2028\x7f") == "<http://e/é\u2028\x7f>"
    assert iri("http://example.org/a b") == "<http://example.org/a\\u0020b>"


def test_literal_datatypes_and_languages() -> None:
    assert literal("x") == '"x"'
    assert literal("x", XSD_STRING) == '"x"'
    assert literal("1", "http://www.w3.org/2001/XMLSchema#integer") == (
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    )
    assert literal("x", None, "en-US") == '"x"@en-US'  # case kept, as rdf-canonize does
    assert literal("x", RDF_LANGSTRING, "fr") == '"x"@fr'
    assert literal("x", "http://e/dt", "fr") == '"x"@fr'
    assert literal("x", "http://e/a b") == '"x"^^<http://e/a\\u0020b>'


def test_bnode_line_and_serialize() -> None:
    assert bnode("b0") == "_:b0"
    default: Quad = ("_:b0", "<http://e/p>", '"x"', "")
    named: Quad = ("<http://e/s>", "<http://e/p>", "_:b0", "_:g")
    assert line(default) == '_:b0 <http://e/p> "x" .\n'
    assert line(named) == "<http://e/s> <http://e/p> _:b0 _:g .\n"
    assert serialize([default, named]) == line(default) + line(named)
    assert serialize([]) == ""


def test_parse_splits_on_newline_only() -> None:
    text = '_:b0 <http://e/p> "a\u2028b\x85c\x0bd\x1ce" .\n<http://e/s> <http://e/p> _:b0 <http://e/g> .\n'
    # U+2028, U+0085, U+000B and U+001C may appear raw in N-Quads strings and are no line breaks;
    # the control characters come back escaped.
    assert parse(text) == [
        ("_:b0", "<http://e/p>", '"a\u2028b\x85c\\u000Bd\\u001Ce"', ""),
        ("<http://e/s>", "<http://e/p>", "_:b0", "<http://e/g>"),
    ]


def test_parse_normalises_to_canonical_terms() -> None:
    text = (
        '<http://e/\\u0073>\t<http://e/p>  "\\u0041\\U0001F600\\\'\\t"'
        "^^<http://www.w3.org/2001/XMLSchema#string> .\n"
        '<http://e/s> <http://e/p> "x"@en-GB _:g.\n'
        "\n  \n"
        '<http://e/s> <http://e/p> "\\u00E9\\u007f"^^<http://e/d\\u0020t> .'
    )
    assert parse(text) == [
        ("<http://e/s>", "<http://e/p>", '"A😀\'\\t"', ""),
        ("<http://e/s>", "<http://e/p>", '"x"@en-GB', "_:g"),
        ("<http://e/s>", "<http://e/p>", '"é\\u007F"^^<http://e/d\\u0020t>', ""),
    ]


@pytest.mark.parametrize(
    "bad",
    [
        "<http://e/s> <http://e/p> <http://e/o>",  # no dot
        '"lit" <http://e/p> <http://e/o> .',  # literal subject
        "<http://e/s> _:p <http://e/o> .",  # blank predicate
        '<http://e/s> <http://e/p> <http://e/o> "g" .',  # literal graph
        "<http://e/s> <http://e/p> <http://e/a b> .",  # raw space in IRI
        '<http://e/s> <http://e/p> "a\\qb" .',  # bad escape
        '<http://e/s> <http://e/p> "a"b" .',  # raw quote
        "<http://e/s> <http://e/p> <http://e/o> .\r",  # CR line end
        "# a comment",
        "_:a. <http://e/p> <http://e/o> .",  # label ending with a dot
    ],
)
def test_parse_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse("<http://e/s> <http://e/p> <http://e/o> .\n" + bad + "\n")


# Text without surrogates (not encodable) and without U+FFFE/U+FFFF (which pyoxigraph escapes and
# rdf-canonize does not), rich in the characters that need escaping.
TEXT = st.text(
    st.one_of(
        st.sampled_from('\x00\x01\x07\x08\t\n\x0b\x0c\r\x0e\x1f\x7f"\\\u2028\u2029\x85é€😀 a<>'),
        st.characters(exclude_categories=("Cs",), exclude_characters="\ufffe\uffff"),
    ),
    max_size=12,
)


@given(TEXT)
def test_literal_escaping_matches_pyoxigraph(text: str) -> None:
    assert literal(text) == str(ox.Literal(text))
    assert literal(text, None, "en") == str(ox.Literal(text, language="en"))
    datatype = "http://www.w3.org/2001/XMLSchema#date"
    assert literal(text, datatype) == str(ox.Literal(text, datatype=ox.NamedNode(datatype)))


IRIS = st.builds(
    lambda tail: iri("http://example.org/" + tail),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
)
BNODES = st.from_regex(r"_:[A-Za-z0-9_][A-Za-z0-9_.\-]{0,5}[A-Za-z0-9_]", fullmatch=True)
LITERALS = st.one_of(
    st.builds(literal, TEXT),
    st.builds(literal, TEXT, st.just("http://e/dt")),
    st.builds(
        lambda text, lang: literal(text, None, lang),
        TEXT,
        st.from_regex(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})?", fullmatch=True),
    ),
)
QUADS = st.lists(
    st.tuples(
        st.one_of(IRIS, BNODES),
        IRIS,
        st.one_of(IRIS, BNODES, LITERALS),
        st.one_of(st.just(""), IRIS, BNODES),
    ),
    max_size=8,
)


@given(QUADS)
def test_parse_serialize_round_trip(quads: list[Quad]) -> None:
    assert parse(serialize(quads)) == quads

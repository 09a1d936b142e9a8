"""JSON-LD to RDF: the fast path gives the general processor's output, and safe mode refuses what
the JavaScript reference refuses."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld as pyld_jsonld
from samples import sample_credential

from carnet.credentials import Ed25519Key, jsonld, rdfc, sign
from carnet.credentials import model as ob
from carnet.credentials.errors import JsonLdError

ISSUER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
SUBJECT = "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"


def general(document: dict[str, Any]) -> str:
    return rdfc.canonicalize(jsonld._general_to_rdf(document))


def pyld_normalize(document: dict[str, Any]) -> str:
    """pyld's own JSON-LD → RDF → RDFC-1.0, with the bundled contexts."""
    result = pyld_jsonld.normalize(
        copy.deepcopy(document),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": jsonld.document_loader,
        },
    )
    assert isinstance(result, str)
    return result


def test_fast_path_covers_the_sample_credential(monkeypatch):
    def refuse(document):
        raise AssertionError("the general processor was used")

    monkeypatch.setattr(jsonld, "_general_to_rdf", refuse)
    assert len(jsonld.to_rdf(sample_credential(ISSUER, SUBJECT))) > 60


def endorsed(document: dict[str, Any], *comments: str) -> dict[str, Any]:
    """``document`` with signed EndorsementCredentials embedded, each with its own ``@context``."""
    from datetime import UTC, datetime

    key = Ed25519Key.from_seed(bytes(range(96, 128)))
    document["endorsement"] = [
        sign(
            ob.endorsement_credential(
                issuer={"id": key.controller, "type": ["Profile"], "name": "Marie Tremblay"},
                endorsed_id=document["id"], valid_from=datetime(2024, 9, 1, tzinfo=UTC),
                name="Endossement", comment=comment, credential_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            ),
            key, created=datetime(2024, 9, 1, tzinfo=UTC),
        )
        for n, comment in enumerate(comments)
    ]  # fmt: skip
    return document


def test_fast_path_covers_embedded_endorsements(monkeypatch):
    document = endorsed(sample_credential(ISSUER, SUBJECT), "Vue à l’œuvre", "Ponctuelle")
    expected = pyld_normalize(document)
    assert expected == general(document)

    def refuse(document):
        raise AssertionError("the general processor was used")

    monkeypatch.setattr(jsonld, "_general_to_rdf", refuse)
    assert jsonld.canonical_nquads(document) == expected


def test_embedded_endorsements_canonicalise_as_the_javascript_reference(js_peer):
    document = endorsed(sample_credential(ISSUER, SUBJECT), "Vue à l’œuvre", "Ponctuelle")
    assert jsonld.canonical_nquads(document) == js_peer.canonize(document)


@pytest.mark.parametrize(
    "embedded",
    [
        None,  # a reset: the general processor
        {"@vocab": "https://example.org/"},  # inline: the general processor, which refuses it in safe mode
        ["https://example.org/unknown-context.json"],
    ],
)
def test_an_embedded_context_that_is_not_bundled_is_never_trusted(embedded):
    document = endorsed(sample_credential(ISSUER, SUBJECT), "x")
    document["endorsement"][0]["@context"] = embedded
    try:
        fast = jsonld.canonical_nquads(document)
    except JsonLdError:
        with pytest.raises(JsonLdError):
            general(document)
    else:
        assert fast == general(document)


def test_the_memo_of_contexts_is_bounded(monkeypatch):
    document = endorsed(sample_credential(ISSUER, SUBJECT), "x")
    expected = general(document)
    monkeypatch.setattr(jsonld, "_document_contexts", {})
    monkeypatch.setattr(jsonld._Context, "created", jsonld.MAX_CONTEXTS)  # as if it were full
    fresh = jsonld._Context(jsonld._INITIAL.active)  # nothing memoised below it
    monkeypatch.setattr(jsonld, "_INITIAL", fresh)
    used = []
    original = jsonld._general_to_rdf
    monkeypatch.setattr(jsonld, "_general_to_rdf", lambda doc: used.append(1) or original(doc))
    assert jsonld.canonical_nquads(document) == expected
    assert used and jsonld._Context.created == jsonld.MAX_CONTEXTS and not fresh._children


def test_it_gives_pyld_output_for_the_sample_credential():
    document = sample_credential(ISSUER, SUBJECT)
    assert jsonld.canonical_nquads(document) == pyld_normalize(document)


def test_fast_and_general_paths_agree_on_the_sample_credential():
    document = sample_credential(ISSUER, SUBJECT)
    assert jsonld.canonical_nquads(document) == general(document)


def test_it_refuses_an_undefined_property():
    document = sample_credential(ISSUER, SUBJECT)
    document["credentialSubject"]["achievement"]["foo"] = "bar"
    with pytest.raises(JsonLdError, match="foo"):
        jsonld.to_rdf(document)


def test_general_path_refuses_an_undefined_property_too():
    document = sample_credential(ISSUER, SUBJECT)
    document["credentialSubject"]["achievement"]["foo"] = "bar"
    with pytest.raises(JsonLdError):
        jsonld._general_to_rdf(document)


def test_it_refuses_an_undefined_type():
    document = sample_credential(ISSUER, SUBJECT)
    document["type"].append("NotAType")
    with pytest.raises(JsonLdError, match="NotAType"):
        jsonld.to_rdf(document)


def test_it_refuses_a_relative_id():
    document = sample_credential(ISSUER, SUBJECT)
    document["credentialSubject"]["achievement"]["id"] = "achievements/1"
    with pytest.raises(JsonLdError, match="absolute"):
        jsonld.to_rdf(document)


def test_it_refuses_an_unknown_context_without_fetching():
    document = sample_credential(ISSUER, SUBJECT)
    document["@context"].append("https://attacker.example/context.json")
    with pytest.raises(JsonLdError, match="not one Carnet knows"):
        jsonld.to_rdf(document)


def test_an_inline_context_goes_to_the_general_processor_in_safe_mode():
    document = sample_credential(ISSUER, SUBJECT)
    document["@context"].append({"extra": "https://example.org/extra"})
    document["extra"] = "allowed, because defined"
    assert "<https://example.org/extra>" in jsonld.canonical_nquads(document)
    document["undefined"] = 1
    with pytest.raises(JsonLdError):
        jsonld.to_rdf(document)


def test_it_refuses_an_empty_proof_graph_object():
    document = sample_credential(ISSUER, SUBJECT)
    document["proof"] = {}
    with pytest.raises(JsonLdError, match="dropped"):
        jsonld.to_rdf(document)


def test_integral_floats_are_integers_as_in_javascript():
    document = sample_credential(ISSUER, SUBJECT)
    document["credentialSubject"]["creditsEarned"] = 3.0
    quads = jsonld.canonical_nquads(document)
    assert '"3"^^<https://www.w3.org/2001/XMLSchema#float>' in quads  # the OB context says https
    assert quads == general(document)


def test_doubles_round_ties_as_javascript_does():
    # 2**-23 = 1.1920928955078125e-07 is a tie at 16 digits: JavaScript rounds it up, Python to even.
    assert jsonld.canonical_double(2**-23) == "1.192092895507813E-7"


def test_doubles_use_the_canonical_form():
    assert jsonld.canonical_double(1.1) == "1.1E0"
    assert jsonld.canonical_double(1e-7) == "1.0E-7"
    assert jsonld.canonical_double(-12345.678) == "-1.2345678E4"


# --- generated credentials ------------------------------------------------------------------

# Text for comparisons with pyld: without the control characters that pyld does not escape (FACTS:
# it writes them raw), and within the BMP, since pyld sorts lines by code point where the reference
# sorts by UTF-16 code units (see rdfc._utf16). The comparison with the reference uses any text.
safe_text = st.text(
    alphabet=st.characters(
        max_codepoint=0xFFFF,
        blacklist_categories=("Cs",),
        blacklist_characters=[*map(chr, range(32)), "\x7f"],
    ),
    max_size=40,
)
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
iri_tail = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=1, max_size=12)
urls = iri_tail.map(lambda tail: f"https://example.org/{tail}")


@st.composite
def credentials(draw: st.DrawFn, text: st.SearchStrategy[str] = safe_text) -> dict[str, Any]:
    document = sample_credential(ISSUER, SUBJECT)
    achievement = document["credentialSubject"]["achievement"]
    document["name"] = draw(text)
    achievement["name"] = draw(text)
    achievement["description"] = draw(text)
    achievement["criteria"] = {"narrative": draw(text)}
    achievement["tag"] = draw(st.lists(text, max_size=4))
    achievement["alignment"] = [
        {"type": ["Alignment"], "targetName": draw(text), "targetUrl": draw(urls)}
        for _ in range(draw(st.integers(0, 3)))
    ]
    document["evidence"] = [
        {"type": ["Evidence"], "narrative": draw(text), **({"id": draw(urls)} if draw(st.booleans()) else {})}
        for _ in range(draw(st.integers(0, 3)))
    ]
    if draw(st.booleans()):
        document["credentialSubject"].pop("id", None)
        document["credentialSubject"]["identifier"] = [
            {
                "type": "IdentityObject",
                "hashed": draw(st.booleans()),
                "identityHash": draw(text),
                "identityType": "emailAddress",
            }
        ]
    document["credentialSubject"]["creditsEarned"] = draw(
        st.one_of(st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False, width=32))
    )
    if draw(st.booleans()):
        document["issuer"] = ISSUER
    comments = draw(st.lists(text, max_size=2))
    if comments:
        endorsed(document, *comments)
    return document


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
def test_generated_credentials_canonicalise_as_pyld_does(document):
    assert jsonld.canonical_nquads(document) == pyld_normalize(document)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials(any_text))
def test_generated_credentials_agree_between_fast_and_general_paths(document):
    assert jsonld.canonical_nquads(document) == general(document)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials(any_text))
def test_generated_credentials_canonicalise_as_the_javascript_reference(js_peer, document):
    assert jsonld.canonical_nquads(document) == js_peer.canonize(document)


def test_lines_sort_as_the_javascript_reference_sorts_them(js_peer):
    document = sample_credential(ISSUER, SUBJECT)
    document["credentialSubject"]["achievement"]["tag"] = ["\U00010000", "\ue000", "a"]
    assert jsonld.canonical_nquads(document) == js_peer.canonize(document)


@pytest.mark.parametrize("document", [{}, {"@context": []}, {"@context": {"x": "https://e.x/"}}])
def test_an_empty_document_is_refused(document):
    with pytest.raises(JsonLdError):
        jsonld.to_rdf(document)


# -- named nodes walked once (bulk issuance's achievement and issuer) ----------------------------------


def _walked_afresh(document: dict[str, Any]) -> list[Any]:
    jsonld._NAMED_NODES.clear()
    return jsonld.to_rdf(document)


def test_a_named_node_walked_again_gives_the_same_quads_with_the_blank_nodes_numbered_afresh():
    first = sample_credential("did:example:issuer", "did:example:subject")
    expected_first = _walked_afresh(first)
    # The same achievement and issuer after blank nodes of its own (evidence first): kept quads
    # replayed with the numbers this walk gives, exactly the quads of a walk without the memo.
    second = {"evidence": [{"type": ["Evidence"], "name": "Dossier"}], **copy.deepcopy(first)}
    second["credentialSubject"].pop("id")
    expected_second = _walked_afresh(second)
    jsonld._NAMED_NODES.clear()
    assert jsonld.to_rdf(first) == expected_first
    assert len(jsonld._NAMED_NODES) >= 1  # the achievement and issuer kept
    assert jsonld.to_rdf(second) == expected_second
    assert jsonld.to_rdf(first) == expected_first
    assert rdfc.canonicalize(jsonld.to_rdf(second)) == rdfc.canonicalize(expected_second)


def test_a_changed_named_node_is_walked_again():
    document = sample_credential("did:example:issuer", "did:example:subject")
    jsonld.to_rdf(document)
    changed = copy.deepcopy(document)
    changed["credentialSubject"]["achievement"]["name"] = "Soudure TIG — niveau 3"
    quads = jsonld.to_rdf(changed)
    assert quads == _walked_afresh(changed)
    assert any("niveau 3" in quad[2] for quad in quads)


def test_a_named_node_naming_a_blank_node_of_the_document_is_not_kept():
    document = sample_credential("did:example:issuer", "did:example:subject")
    document["credentialSubject"]["achievement"]["creator"] = {
        "id": "_:someone",
        "type": ["Profile"],
        "name": "X",
    }
    document["issuer"]["otherIdentifier"] = []
    jsonld._NAMED_NODES.clear()
    first = jsonld.to_rdf(document)
    assert jsonld.to_rdf(document) == first == _walked_afresh(document)

"""JSON-LD 1.1 to RDF, offline and in safe mode (JSON-LD 1.1 API §4.3 Expansion, §7.1 Deserialize
JSON-LD to RDF; the "safe mode" of the JavaScript reference, jsonld.js ``safe: true``).

Two paths give the same RDF dataset:

* a fast path for what credentials are made of: documents whose ``@context`` is a list of bundled
  context URLs, with node objects, strings, numbers and booleans, ``@set`` and ``@graph``
  containers, type-scoped and property-scoped contexts, and embedded documents (endorsements) with
  a ``@context`` of bundled URLs of their own. Context processing is delegated to pyld and
  memoised per (active context, local context), so the expansion walk only looks up terms; the
  memo is bounded (:data:`MAX_CONTEXTS`), beyond which documents go to the general processor;
* the general processor (pyld) for everything else, with the safe-mode checks added.

Both refuse, as the reference does in safe mode, a property that does not expand to an absolute
IRI, a relative ``@type`` or ``@id``, and empty or id-only objects where they would be dropped:
otherwise data outside the signature could ride along in a signed document. A context URL that
is not bundled is refused, never fetched.
"""

from __future__ import annotations

import copy
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NoReturn

from pyld import jsonld as pyld_jsonld

from carnet.credentials import rdfc
from carnet.credentials.contexts import CONTEXTS, UnknownContextError, context_document
from carnet.credentials.errors import JsonLdError
from carnet.credentials.memo import Memo, digest, json_text
from carnet.credentials.nquads import Quad, bnode, iri, literal

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDF_FIRST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>"
RDF_REST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>"
RDF_NIL = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"

# jsonld.js `_isAbsoluteIri`
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_MAX_DEPTH = 64


def is_absolute_iri(value: str) -> bool:
    return _ABSOLUTE_IRI.match(value) is not None


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld document loader serving only the bundled contexts."""
    try:
        document = context_document(url)
    except UnknownContextError:
        raise pyld_jsonld.JsonLdError(
            f"unknown context {url}", "jsonld.LoadDocumentError", code="loading document failed"
        ) from None
    return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


_PYLD_OPTIONS: dict[str, Any] = {
    "documentLoader": document_loader,
    "processingMode": "json-ld-1.1",
    "base": "",
}


class _Fallback(Exception):
    """The fast path does not cover this document: use the general processor."""


def _unsafe(message: str) -> NoReturn:
    raise JsonLdError(message)


class _Term:
    __slots__ = ("coerce", "graph", "iri", "is_list", "key", "predicate", "scoped")

    def __init__(
        self, key: str, iri_: str, coerce: str | None, graph: bool, scoped: Any, is_list: bool
    ) -> None:
        self.key = key
        self.iri = iri_
        self.coerce = coerce
        self.graph = graph
        self.scoped = scoped
        self.is_list = is_list
        self.predicate = iri(iri_) if not iri_.startswith("@") else iri_


# Active contexts memoised in one process, at most: each holds a copy of pyld's term definitions,
# and the contexts a document names are the sender's choice. Credentials need a few dozen.
MAX_CONTEXTS = 256


class _Context:
    """A pyld active context, with memoised term look-ups and context transitions."""

    __slots__ = ("_children", "_terms", "_types", "active", "id_aliases", "previous", "type_aliases")

    _processor = pyld_jsonld.JsonLdProcessor()
    created = 0  # memoised contexts made so far (see MAX_CONTEXTS)

    def __init__(self, active: dict[str, Any]) -> None:
        self.active = active
        previous = active.get("previousContext")
        self.previous = _Context(previous) if previous is not None else None
        self._terms: dict[str, _Term] = {}
        self._children: dict[tuple[int, bool, bool], _Context] = {}
        self._types: dict[str, str] = {}
        mappings = active["mappings"]
        self.type_aliases = frozenset(
            [
                "@type",
                *(key for key, mapping in mappings.items() if mapping and mapping.get("@id") == "@type"),
            ]
        )
        self.id_aliases = frozenset(
            ["@id", *(key for key, mapping in mappings.items() if mapping and mapping.get("@id") == "@id")]
        )
        if "@language" in active or "@direction" in active:
            raise _Fallback

    def with_local(self, local: Any, *, propagate: bool = True, override_protected: bool = False) -> _Context:
        # `local` is a bundled context URL or a scoped context object taken from a bundled
        # context document: both live as long as the process, so id() is a stable key.
        key = (id(local), propagate, override_protected)
        child = self._children.get(key)
        if child is None:
            if _Context.created >= MAX_CONTEXTS:
                raise _Fallback  # the memo is full: the general processor, which keeps nothing
            try:
                active = self._processor._process_context(
                    self.active,
                    local,
                    {**_PYLD_OPTIONS, "contextResolver": _context_resolver()},
                    override_protected=override_protected,
                    propagate=propagate,
                )
            except pyld_jsonld.JsonLdError as exc:
                raise JsonLdError(f"invalid JSON-LD context: {_pyld_message(exc)}") from None
            child = _Context(active)
            self._children[key] = child
            _Context.created += 1
        return child

    def term(self, key: str) -> _Term:
        term = self._terms.get(key)
        if term is not None:
            return term
        mapping = self.active["mappings"].get(key)
        expanded = self._processor._expand_iri(self.active, key, vocab=True)
        if expanded is None or not (expanded.startswith("@") or is_absolute_iri(expanded)):
            _unsafe(f"the property {key!r} is not defined by the document's contexts")
        if expanded.startswith("@") and expanded not in ("@id", "@type", "@context"):
            raise _Fallback
        coerce = None
        graph = False
        is_list = False
        scoped = None
        if mapping:
            if mapping.get("reverse") or "@language" in mapping or "@direction" in mapping:
                raise _Fallback
            if "@index" in mapping or "@nest" in mapping:
                raise _Fallback
            coerce = mapping.get("@type")
            if coerce in ("@json", "@none"):
                raise _Fallback
            containers = mapping.get("@container") or []
            for container in containers:
                if container == "@graph":
                    graph = True
                elif container == "@list":
                    is_list = True
                elif container != "@set":
                    raise _Fallback
            if len([c for c in containers if c != "@set"]) > 1:
                raise _Fallback
            if "@context" in mapping:
                scoped = mapping["@context"]
        term = _Term(key, expanded, coerce, graph, scoped, is_list)
        self._terms[key] = term
        return term

    def type_scoped(self, type_name: str) -> Any:
        mapping = self.active["mappings"].get(type_name)
        if mapping and "@context" in mapping:
            return mapping["@context"]
        return None

    def expand_iri(self, value: str, *, vocab: bool) -> str:
        if not vocab:
            # IRI Expansion (JSON-LD API §4.2.2) of an id, inlined for the usual absolute IRI.
            prefix, colon, suffix = value.partition(":")
            if colon and prefix:
                if prefix == "_" or suffix.startswith("//"):
                    return value
                mapping = self.active["mappings"].get(prefix)
                if mapping and mapping["_prefix"]:
                    return str(mapping["@id"]) + suffix
                if is_absolute_iri(value):
                    return value
        expanded = self._processor._expand_iri(self.active, value, base=None, vocab=vocab)
        return expanded if isinstance(expanded, str) else ""

    def type_iri(self, type_name: str) -> str:
        """The serialised IRI of a type, memoised (bounded: types come from the document)."""
        serialised = self._types.get(type_name)
        if serialised is None:
            expanded = self.expand_iri(type_name, vocab=True)
            if not is_absolute_iri(expanded):
                _unsafe(f"the type {type_name!r} is not defined by the document's contexts")
            serialised = iri(expanded)
            if len(self._types) < 1024:
                self._types[type_name] = serialised
        return serialised


def _context_resolver() -> Any:
    return pyld_jsonld.ContextResolver(pyld_jsonld._resolved_context_cache, document_loader)


def _pyld_message(exc: BaseException) -> str:
    parts = []
    while exc is not None:
        parts.append(str(getattr(exc, "message", None) or exc).split("\n")[0])
        exc = exc.__cause__  # type: ignore[assignment]
    return " / ".join(parts)


_INITIAL = _Context(pyld_jsonld.JsonLdProcessor()._get_initial_context({"processingMode": "json-ld-1.1"}))
_document_contexts: dict[tuple[str, ...], _Context] = {}


def _document_context(local: Any) -> _Context:
    urls = tuple(local) if isinstance(local, list) else (local,)
    if not all(isinstance(url, str) for url in urls):
        raise _Fallback  # inline contexts: the general processor, without memoising them
    context = _document_contexts.get(urls)
    if context is not None:
        return context
    context = _applied(_INITIAL, urls)
    _document_contexts[urls] = context
    return context


def _embedded_context(context: _Context, local: Any) -> _Context:
    """Expansion §4.3.2 step 9: the active context once a node's own ``@context`` (an embedded
    credential's, say) is processed, when it names bundled contexts only."""
    urls = tuple(local) if isinstance(local, list) else (local,)
    if not urls or not all(isinstance(url, str) for url in urls):
        raise _Fallback  # null (a reset) and inline contexts: the general processor
    return _applied(context, urls)


def _applied(context: _Context, urls: tuple[str, ...]) -> _Context:
    for url in urls:
        if url not in CONTEXTS:
            _unsafe(f"the context {url!r} is not one Carnet knows; contexts are never fetched")
    for url in urls:
        context = context.with_local(_interned_url(url))
    return context


_urls: dict[str, str] = {}


def _interned_url(url: str) -> str:
    # The same string object for the same URL, so that memoisation by id() holds.
    return _urls.setdefault(url, url)


def _number_literal(value: int | float, datatype: str | None) -> str:
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            _unsafe("numbers must be finite")
        if value.is_integer() and abs(value) < 1e21 and datatype != XSD_DOUBLE:
            return literal(str(int(value)), datatype or XSD_INTEGER)
        return literal(canonical_double(value), datatype or XSD_DOUBLE)
    if abs(value) >= 10**21 or datatype == XSD_DOUBLE:
        return literal(canonical_double(float(value)), datatype or XSD_DOUBLE)
    if abs(value) > 2**53:
        raise _Fallback  # the reference's numbers are doubles: leave such cases to one place
    return literal(str(value), datatype or XSD_INTEGER)


def canonical_double(value: float) -> str:
    """xsd:double canonical form as the JSON-LD algorithms write it (``1.1E0``), rounded as
    JavaScript's ``toExponential(15)`` rounds (ties away from zero, on the exact binary value),
    which the reference uses; Python's own formatting rounds ties to even and differs on them."""
    if value == 0:
        return "0.0E0"
    exact = Decimal(value)
    exponent = exact.adjusted()
    mantissa = exact.scaleb(-exponent).quantize(_SIXTEEN_DIGITS, rounding=ROUND_HALF_UP)
    if abs(mantissa) >= 10:
        mantissa, exponent = (mantissa / 10).quantize(_SIXTEEN_DIGITS, rounding=ROUND_HALF_UP), exponent + 1
    digits = format(mantissa, "f").rstrip("0")
    if digits.endswith("."):
        digits += "0"
    return f"{digits}E{exponent}"


_SIXTEEN_DIGITS = Decimal("1.000000000000000")
# The general processor (pyld) writes doubles with Python's rounding: use the reference's instead.
pyld_jsonld._canonicalize_double = canonical_double


# Named nodes that come back from one document to the next (the achievement and the issuer of a
# bulk issuance's credentials), as the quads their walk wrote: a function of the node's JSON text,
# of the active context and of where it stands, so a changed node is walked afresh. Small nodes are
# walked each time (their JSON text costs about as much as walking them).
_NAMED_NODES = Memo(128)
_NAMED_NODE_MIN_TEXT = 300

# A quad of a kept walk: a blank node the walk made is its number among them (an int).
_Template = tuple[Any, str, Any, Any]


class _Walker:
    """Expansion and RDF generation in one walk over the compact document (fast path)."""

    __slots__ = ("_blank", "_labels", "quads")

    def __init__(self) -> None:
        self.quads: list[Quad] = []
        self._blank = 0
        self._labels: dict[str, str] = {}

    def fresh(self) -> str:
        self._blank += 1
        return bnode(f"b{self._blank}")

    def _id_term(self, context: _Context, value: Any) -> str:
        if not isinstance(value, str):
            _unsafe("an id must be a string")
        if value.startswith("_:"):
            label = self._labels.get(value)
            if label is None:
                label = self._labels[value] = self.fresh()
            return label
        expanded = context.expand_iri(value, vocab=False)
        if not is_absolute_iri(expanded):
            _unsafe(f"the id {value!r} is not an absolute IRI")
        return iri(expanded)

    def node(
        self,
        context: _Context,
        element: dict[str, Any],
        graph: str,
        property_scoped: Any,
        depth: int,
        *,
        top: bool = False,
    ) -> str:
        if depth > _MAX_DEPTH:
            _unsafe("the document is nested too deeply")
        # Expansion §4.3.2 step 7: type-scoped contexts do not propagate into nested nodes.
        if context.previous is not None and not (
            len(element) == 1 and next(iter(element)) in context.id_aliases
        ):
            context = context.previous
        if property_scoped is not None:  # step 8
            context = context.with_local(property_scoped, propagate=True, override_protected=True)
        if "@context" in element and not top:  # step 9
            context = _embedded_context(context, element["@context"])
        # step 11: type-scoped contexts, types in lexicographic order
        type_context = context
        aliases = context.type_aliases
        type_keys = sorted(key for key in element if key in aliases)
        type_values: list[str] = []
        for key in type_keys:
            value = element[key]
            values = value if isinstance(value, list) else [value]
            for type_name in values:
                if not isinstance(type_name, str):
                    _unsafe("a type must be a string")
                type_values.append(type_name)
            for type_name in sorted(values):
                scoped = type_context.type_scoped(type_name)
                if scoped is not None:
                    context = context.with_local(scoped, propagate=False)

        subject: str | None = None
        count = 0
        properties: list[tuple[_Term, Any]] = []
        for key, value in element.items():
            if key == "@context":
                continue
            term = context.term(key)
            count += 1
            if term.iri == "@id":
                subject = self._id_term(context, value)
            elif term.iri != "@type":
                properties.append((term, value))
        if (top or graph) and (count == 0 or (count == 1 and subject is not None)):
            _unsafe("an empty object, or one with only an id, would be dropped from the signed data")
        if subject is None:
            subject = self.fresh()
        quads = self.quads
        for type_name in type_values:
            quads.append((subject, RDF_TYPE, type_context.type_iri(type_name), graph))
        for term, value in properties:
            predicate = term.predicate
            if term.is_list:
                if value is not None:
                    quads.append(
                        (subject, predicate, self.rdf_list(context, term, value, graph, depth), graph)
                    )
                continue
            for item in value if isinstance(value, list) else (value,):
                obj = self.value(context, term, item, graph, depth)
                if obj is not None:
                    quads.append((subject, predicate, obj, graph))
        return subject

    def named_node(
        self, context: _Context, element: dict[str, Any], graph: str, scoped: Any, depth: int
    ) -> str:
        """:meth:`node` for a node with an id, replayed from :data:`_NAMED_NODES` when the same
        node was walked in the same place before: the same quads, with the blank nodes numbered
        as this walk would have numbered them."""
        text = json_text(element)
        if text is None or len(text) < _NAMED_NODE_MIN_TEXT:
            return self.node(context, element, graph, scoped, depth)
        # contexts and scoped contexts live as long as the process (see _Context.with_local)
        key = digest(f"{id(context)} {id(scoped)} {depth}", graph, text)
        kept = _NAMED_NODES.get(key)
        if kept is not None:
            subject, template, made = kept
            labels = [self.fresh() for _ in range(made)]
            self.quads.extend(
                (
                    labels[s] if s.__class__ is int else s,
                    p,
                    labels[o] if o.__class__ is int else o,
                    labels[g] if g.__class__ is int else g,
                )
                for s, p, o, g in template
            )
            return labels[subject] if subject.__class__ is int else subject
        first, start, labelled = self._blank, len(self.quads), len(self._labels)
        subject = self.node(context, element, graph, scoped, depth)
        if len(self._labels) == labelled:  # no "_:" id of the document's own inside
            kept = _template(first, self._blank, subject, self.quads[start:])
            if kept is not None:
                _NAMED_NODES.put(key, kept)
        return subject

    def rdf_list(self, context: _Context, term: _Term, value: Any, graph: str, depth: int) -> str:
        """An RDF collection (rdf:first / rdf:rest) for a ``@list`` container (JSON-LD API §7.2)."""
        items = value if isinstance(value, list) else [value]
        objects = []
        for item in items:
            if isinstance(item, list | dict):
                raise _Fallback  # lists of lists and list objects: the general processor
            obj = self.value(context, term, item, graph, depth)
            if obj is not None:
                objects.append(obj)
        head = RDF_NIL
        for obj in reversed(objects):
            node = self.fresh()
            self.quads.append((node, RDF_FIRST, obj, graph))
            self.quads.append((node, RDF_REST, head, graph))
            head = node
        return head

    def value(self, context: _Context, term: _Term, item: Any, graph: str, depth: int) -> str | None:
        if item is None:
            return None
        if isinstance(item, str):
            coerce = term.coerce
            if coerce is None:
                return literal(item)
            if coerce == "@id" or coerce == "@vocab":
                if coerce == "@id" and item.startswith("_:"):
                    return self._id_term(context, item)
                if term.scoped is not None:  # values expand with the property-scoped context too
                    context = context.with_local(term.scoped, propagate=True, override_protected=True)
                expanded = context.expand_iri(item, vocab=coerce == "@vocab")
                if not is_absolute_iri(expanded) or expanded.startswith("_:"):
                    _unsafe(f"the value {item!r} of {term.key!r} is not an absolute IRI")
                return iri(expanded)
            return literal(item, coerce)
        if isinstance(item, dict):
            if term.graph:
                name = self.fresh()
                self.node(context, item, name, term.scoped, depth + 1)
                return name
            if context.id_aliases.isdisjoint(item):
                return self.node(context, item, graph, term.scoped, depth + 1)
            return self.named_node(context, item, graph, term.scoped, depth + 1)
        datatype = term.coerce if term.coerce not in (None, "@id", "@vocab") else None
        if isinstance(item, bool):
            return literal("true" if item else "false", datatype or XSD_BOOLEAN)
        if isinstance(item, int | float):
            return _number_literal(item, datatype)
        raise _Fallback  # nested arrays and anything else


def _template(
    first: int, last: int, subject: str, quads: list[Quad]
) -> tuple[Any, list[_Template], int] | None:
    """The quads a walk wrote with the blank nodes it made (``_:b<first + 1>`` to ``_:b<last>``)
    as their numbers from 0; None when they name another blank node (one made outside the walk)."""

    def local(term: str) -> Any:
        if not term.startswith("_:"):
            return term
        number = int(term[3:]) if term.startswith("_:b") and term[3:].isdigit() else -1
        if not first < number <= last:
            raise LookupError(term)
        return number - first - 1

    try:
        return local(subject), [(local(s), p, local(o), local(g)) for s, p, o, g in quads], last - first
    except LookupError:
        return None


def to_rdf(document: dict[str, Any]) -> list[Quad]:
    """The RDF dataset of a JSON-LD document, as pre-serialised quads. Raises :class:`JsonLdError`."""
    if not isinstance(document, dict):
        _unsafe("a JSON-LD document must be a JSON object")
    try:
        context = _document_context(document.get("@context"))
        walker = _Walker()
        walker.node(context, document, "", None, 0, top=True)
        return walker.quads
    except _Fallback:
        return _general_to_rdf(document)
    except RecursionError:
        _unsafe("the document is nested too deeply")


def canonical_nquads(document: dict[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    return rdfc.canonicalize(to_rdf(document))


# --- the general processor ------------------------------------------------------------------


def _integral_floats_as_ints(value: Any, depth: int = 0) -> Any:
    # JSON has one number type: 5.0 is the integer 5 for the reference (JavaScript), not a double.
    if depth > _MAX_DEPTH:
        _unsafe("the document is nested too deeply")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(v, depth + 1) for v in value]
    return value


def _dropped(property_name: str) -> None:
    _unsafe(f"the property {property_name!r} is not defined by the document's contexts")


def _check_expanded(value: Any, *, top: bool, depth: int = 0) -> None:
    """Safe-mode checks on expanded JSON-LD (what pyld drops silently and the reference refuses)."""
    if depth > _MAX_DEPTH:
        _unsafe("the document is nested too deeply")
    if isinstance(value, list):
        for item in value:
            _check_expanded(item, top=top, depth=depth + 1)
        return
    if not isinstance(value, dict):
        return
    if "@value" in value:
        if top:
            _unsafe("a value outside any property would be dropped from the signed data")
        return
    if top and (not value or (len(value) == 1 and "@id" in value)):
        _unsafe("an empty object, or one with only an id, would be dropped from the signed data")
    for key, item in value.items():
        if key == "@id":
            if not isinstance(item, str) or not is_absolute_iri(item):
                _unsafe(f"the id {item!r} is not an absolute IRI")
        elif key == "@type":
            for type_name in item if isinstance(item, list) else [item]:
                if not isinstance(type_name, str) or not is_absolute_iri(type_name):
                    _unsafe(f"the type {type_name!r} is not defined by the document's contexts")
        elif key == "@graph":
            _check_expanded(item, top=True, depth=depth + 1)
        elif key.startswith("@"):
            _check_expanded(item, top=False, depth=depth + 1)
        else:
            if not is_absolute_iri(key):
                _dropped(key)
            _check_expanded(item, top=False, depth=depth + 1)


def _term(term: dict[str, Any]) -> str:
    if term["type"] == "blank node":
        return str(term["value"])
    if term["type"] == "IRI":
        return iri(term["value"])
    datatype = term.get("datatype")
    language = term.get("language")
    if language:
        return literal(term["value"], None, language)
    return literal(term["value"], datatype)


def _general_to_rdf(document: dict[str, Any]) -> list[Quad]:
    processor = pyld_jsonld.JsonLdProcessor(on_property_dropped=_dropped)
    options = {**_PYLD_OPTIONS, "contextResolver": _context_resolver()}
    try:
        expanded = processor.expand(_integral_floats_as_ints(copy.deepcopy(document)), options)
        if not expanded:
            _unsafe("the document holds no data once expanded (an empty object would be dropped)")
        _check_expanded(expanded, top=True)
        dataset = processor.to_rdf(
            expanded, {**options, "produceGeneralizedRdf": False, "rdfDirection": "i18n-datatype"}
        )
    except pyld_jsonld.JsonLdError as exc:
        message = _pyld_message(exc)
        if "unknown context" in message:
            _unsafe("the document names a context Carnet does not know; contexts are never fetched")
        raise JsonLdError(f"the document is not valid JSON-LD: {message}") from None
    quads: list[Quad] = []
    for graph_name, triples in dataset.items():
        graph = (
            ""
            if graph_name == "@default"
            else (graph_name if graph_name.startswith("_:") else iri(graph_name))
        )
        for triple in triples:
            quads.append(
                (_term(triple["subject"]), _term(triple["predicate"]), _term(triple["object"]), graph)
            )
    return quads

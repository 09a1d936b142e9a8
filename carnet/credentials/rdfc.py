"""RDF Dataset Canonicalization RDFC-1.0 (W3C Recommendation, https://www.w3.org/TR/rdf-canon/).

Implements §4.4 (canonicalization algorithm) with its state (§4.2, §4.3), §4.5 (issue
identifier), §4.6 (hash first degree quads), §4.7 (hash related blank node) and §4.8 (hash
N-degree quads) with SHA-256, canonical issuer ``c14n`` and temporary issuers ``b``, and the
serialisation of §5 (canonical n-quads lines in code point order). Quads are tuples of
pre-serialised canonical N-Quads terms (see :mod:`carnet.credentials.nquads`), so the algorithm
compares and concatenates strings and never re-serialises a term.

Details that match the JavaScript reference (rdf-canonize): a quad counts once for a blank node
that it mentions several times; the first-degree hash always uses ``_:a``/``_:z``; the related
hash uses the predicate's unescaped IRI; the related blank nodes of one related hash form a list,
so a node related twice the same way is permuted and written in paths twice (pyoxigraph keeps a
set there and then labels differently); a permutation is abandoned as soon as its path is greater
than the chosen path (the spec's extra length test cannot change the result). Duplicate input
quads are dropped (a dataset is a set).

§7.1 (dataset poisoning) expects implementations to abort problematic inputs by default: the
N-degree step is exponential, so its work (quads visited by Hash N-Degree Quads plus permutations
tried) is bounded by ``max_work``, and :class:`CanonicalizationLimitError` is raised when that is
exceeded.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator

from carnet.credentials.nquads import Quad

__all__ = [
    "DEFAULT_MAX_WORK",
    "CanonicalizationLimitError",
    "canonical_labels",
    "canonical_quads",
    "canonicalize",
]

DEFAULT_MAX_WORK = 100_000
"""Default bound on N-degree work, counted as quads visited by Hash N-Degree Quads (each call
counts one more) plus permutations tried: reached in well under a second."""

_sha256 = hashlib.sha256
_UCHAR = re.compile(r"\\u([0-9A-F]{4})|\\U([0-9A-F]{8})")


class CanonicalizationLimitError(ValueError):
    """The dataset needs more N-degree work than allowed (a poison dataset, RDFC-1.0 §7.1)."""


def _raw_predicate(term: str) -> str:
    """``<iri>`` with the IRI unescaped, as §4.7 step 2 hashes it (rdf-canonize: ``<value>``)."""
    if "\\" not in term:
        return term
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), term)


def _permutations(items: list[str]) -> Iterator[tuple[str, ...]]:
    """Every distinct ordering of ``items``, once each even when items repeat."""
    if len(items) == 1 or len(set(items)) == len(items):
        yield from itertools.permutations(items)
        return
    # Repeated items: next lexicographic permutation of the sorted list (distinct orderings only).
    order = sorted(items)
    last = len(order) - 1
    while True:
        yield tuple(order)
        i = last - 1
        while i >= 0 and order[i] >= order[i + 1]:
            i -= 1
        if i < 0:
            return
        j = last
        while order[j] <= order[i]:
            j -= 1
        order[i], order[j] = order[j], order[i]
        order[i + 1 :] = order[:i:-1]


class _State:
    """Canonicalization state (§4.2): blank node to quads map, hashes and canonical issuer.

    Identifier issuers (§4.3) are dicts, blank node term → issued term, in issuing order.
    """

    __slots__ = ("canonical", "first_degree", "mentions", "predicates", "work_left")

    def __init__(self, mentions: dict[str, list[Quad]], max_work: int) -> None:
        self.mentions = mentions
        self.first_degree: dict[str, str] = {}
        self.canonical: dict[str, str] = {}
        self.predicates: dict[str, str] = {}
        self.work_left = max_work

    def spend(self, amount: int) -> None:
        self.work_left -= amount
        if self.work_left < 0:
            raise CanonicalizationLimitError(
                "RDFC-1.0: the dataset needs too much N-degree work to canonicalise "
                "(too many indistinguishable blank nodes)"
            )

    def related_hash(self, related: str, quad: Quad, issuer: dict[str, str], position: str) -> str:
        """§4.7 Hash Related Blank Node."""
        identifier = self.canonical.get(related) or issuer.get(related) or self.first_degree[related]
        if position == "g":
            data = "g" + identifier
        else:
            predicate = quad[1]
            raw = self.predicates.get(predicate)
            if raw is None:
                raw = self.predicates[predicate] = _raw_predicate(predicate)
            data = position + raw + identifier
        return _sha256(data.encode()).hexdigest()

    def hash_n_degree(self, node: str, issuer: dict[str, str]) -> tuple[str, dict[str, str]]:
        """§4.8 Hash N-Degree Quads: the hash for ``node`` and the issuer that goes with it."""
        quads = self.mentions[node]
        self.spend(1 + len(quads))
        canonical = self.canonical
        related_nodes: dict[str, list[str]] = {}
        for quad in quads:
            s, _, o, g = quad
            if s[0] == "_" and s != node:
                related_nodes.setdefault(self.related_hash(s, quad, issuer, "s"), []).append(s)
            if o[0] == "_" and o != node:
                related_nodes.setdefault(self.related_hash(o, quad, issuer, "o"), []).append(o)
            if g and g[0] == "_" and g != node:
                related_nodes.setdefault(self.related_hash(g, quad, issuer, "g"), []).append(g)
        data: list[str] = []
        for related_hash in sorted(related_nodes):
            data.append(related_hash)
            chosen_path = ""
            chosen_issuer = issuer
            for permutation in _permutations(related_nodes[related_hash]):
                self.spend(1)
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                for related in permutation:
                    label = canonical.get(related)
                    if label is None:
                        label = issuer_copy.get(related)
                        if label is None:
                            recursion.append(related)
                            label = issuer_copy[related] = f"_:b{len(issuer_copy)}"
                    path += label
                    if chosen_path and path > chosen_path:
                        break
                else:
                    for related in recursion:
                        result_hash, issuer_copy = self.hash_n_degree(related, issuer_copy)
                        label = issuer_copy.get(related)
                        if label is None:
                            label = issuer_copy[related] = f"_:b{len(issuer_copy)}"
                        path += f"{label}<{result_hash}>"
                        if chosen_path and path > chosen_path:
                            break
                    else:
                        if not chosen_path or path < chosen_path:
                            chosen_path = path
                            chosen_issuer = issuer_copy
            data.append(chosen_path)
            issuer = chosen_issuer
        return _sha256("".join(data).encode()).hexdigest(), issuer


def _canonicalize(quads: Iterable[Quad], max_work: int) -> tuple[list[str], list[Quad], dict[str, str], bool]:
    """Lines of the distinct quads without blank nodes, the distinct quads with blank nodes, and
    the canonical term (``_:c14nN``) of every blank node term."""
    plain: list[str] = []
    linked: list[Quad] = []
    mentions: dict[str, list[Quad]] = {}
    for quad in dict.fromkeys(quads):
        s, p, o, g = quad
        blank = False
        if s[0] == "_":
            blank = True
            node_quads = mentions.get(s)
            if node_quads is None:
                mentions[s] = [quad]
            else:
                node_quads.append(quad)
        if o[0] == "_":
            blank = True
            if o != s:
                node_quads = mentions.get(o)
                if node_quads is None:
                    mentions[o] = [quad]
                else:
                    node_quads.append(quad)
        if g and g[0] == "_":
            blank = True
            if g != s and g != o:
                node_quads = mentions.get(g)
                if node_quads is None:
                    mentions[g] = [quad]
                else:
                    node_quads.append(quad)
        if blank:
            linked.append(quad)
        else:
            plain.append(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n")
    # Beyond the BMP, the reference's line order differs from a plain sort (see _utf16).
    text = "".join(plain) + "".join(["".join(quad) for quad in linked])
    # A character above U+FFFF takes two UTF-16 code units: a fast exact test in C.
    astral = len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)
    if not mentions:
        return plain, linked, {}, astral

    # §4.4 steps 3 and 4: first-degree hashes; unique ones get canonical identifiers in hash order.
    state = _State(mentions, max_work)
    first_degree = state.first_degree
    by_hash: dict[str, list[str]] = {}
    for node, node_quads in mentions.items():
        lines = []
        for s, p, o, g in node_quads:
            if s[0] == "_":
                s = "_:a" if s == node else "_:z"
            if o[0] == "_":
                o = "_:a" if o == node else "_:z"
            if g:
                if g[0] == "_":
                    g = "_:a" if g == node else "_:z"
                lines.append(f"{s} {p} {o} {g} .\n")
            else:
                lines.append(f"{s} {p} {o} .\n")
        lines.sort(key=_utf16 if astral else None)
        digest = _sha256("".join(lines).encode()).hexdigest()
        first_degree[node] = digest
        nodes = by_hash.get(digest)
        if nodes is None:
            by_hash[digest] = [node]
        else:
            nodes.append(node)

    canonical = state.canonical
    shared: list[list[str]] = []
    for digest in sorted(by_hash):
        nodes = by_hash[digest]
        if len(nodes) == 1:
            canonical[nodes[0]] = f"_:c14n{len(canonical)}"
        else:
            shared.append(nodes)

    # §4.4 step 5: blank nodes sharing a first-degree hash, through Hash N-Degree Quads.
    for nodes in shared:
        results: list[tuple[str, dict[str, str]]] = []
        for node in nodes:
            if node in canonical:
                continue
            results.append(state.hash_n_degree(node, {node: "_:b0"}))
        results.sort(key=lambda result: result[0])
        for _, issuer in results:
            for node in issuer:
                if node not in canonical:
                    canonical[node] = f"_:c14n{len(canonical)}"
    return plain, linked, canonical, astral


def _utf16(line: str) -> bytes:
    """Sort key of the JavaScript reference (rdf-canonize): UTF-16 code units.

    RDFC-1.0 §4.4 says "code point order"; the two orders differ only when a character above
    U+FFFF meets one in U+E000-U+FFFF at the same position. Signatures must match the reference's,
    so Carnet follows it there (pyld and pyoxigraph sort by code point).
    """
    return line.encode("utf-16-be", "surrogatepass")


def canonical_quads(quads: Iterable[Quad], *, max_work: int = DEFAULT_MAX_WORK) -> list[str]:
    """The sorted lines (each ending ``" .\\n"``) of the RDFC-1.0 canonical form of ``quads``.

    Raises :class:`CanonicalizationLimitError` when the N-degree work exceeds ``max_work``.
    """
    lines, linked, canonical, astral = _canonicalize(quads, max_work)
    get = canonical.get
    lines += [
        f"{get(s, s)} {p} {get(o, o)} {get(g, g)} .\n" if g else f"{get(s, s)} {p} {get(o, o)} .\n"
        for s, p, o, g in linked
    ]
    lines.sort(key=_utf16 if astral else None)
    return lines


def canonicalize(quads: Iterable[Quad], *, max_work: int = DEFAULT_MAX_WORK) -> str:
    """The RDFC-1.0 canonical N-Quads document of ``quads`` (blank nodes ``_:c14n0``...).

    Raises :class:`CanonicalizationLimitError` when the N-degree work exceeds ``max_work``.
    """
    return "".join(canonical_quads(quads, max_work=max_work))


def canonical_labels(quads: Iterable[Quad], *, max_work: int = DEFAULT_MAX_WORK) -> dict[str, str]:
    """The canonical label of every blank node: input label → ``c14nN`` (both without ``_:``)."""
    _, _, canonical, _ = _canonicalize(quads, max_work)
    return {node[2:]: label[2:] for node, label in canonical.items()}

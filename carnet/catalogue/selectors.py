"""Reads of the public catalogue: what a visitor finds for a search and its filters."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import get_language

from carnet.catalogue.models import (
    Certificate,
    LearningContext,
    MicroCredential,
    MicroCredentialVersion,
    PartnerEndorsement,
    Status,
)
from carnet.frameworks.models import Level


@dataclass
class CatalogueSearch:
    """A visitor's search; blank fields do not filter."""

    query: str = ""
    competency: str = ""  # a competency code
    level: int | None = None  # a level rank (1 = the first level)
    context: str = ""  # a LearningContext value
    organisation: str = ""  # an organisation slug

    @classmethod
    def from_params(cls, params: Any) -> CatalogueSearch:
        """Read the search from query parameters; values that make no sense are ignored."""
        rank = params.get("niveau", "")
        context = params.get("contexte", "")
        return cls(
            query=params.get("q", "").strip()[:100],
            competency=params.get("competence", "").strip()[:40],
            level=int(rank) if rank.isdigit() and 0 < int(rank) < 100 else None,
            context=context if context in LearningContext.values else "",
            organisation=params.get("organisation", "").strip()[:50],
        )

    @property
    def filters_micro_credentials(self) -> bool:
        return bool(self.competency or self.level or self.context)


@dataclass
class CatalogueResults:
    versions: list[MicroCredentialVersion] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)


def current_versions() -> QuerySet[MicroCredentialVersion]:
    """The version shown for each published micro-credential: its newest published version."""
    newest = (
        MicroCredentialVersion.objects.filter(micro_credential=OuterRef("micro_credential"))
        .exclude(published_at=None)
        .order_by("-number")
        .values("number")[:1]
    )
    return MicroCredentialVersion.objects.filter(
        micro_credential__status=Status.PUBLISHED, number=Subquery(newest)
    ).exclude(published_at=None)


def search_catalogue(search: CatalogueSearch) -> CatalogueResults:
    versions = (
        current_versions()
        .select_related("micro_credential__organisation")
        .prefetch_related("alignments__competency", "alignments__level")
        .defer("design")  # the badge's design (JSON): its image is drawn already
    )
    if search.query:
        words = Q()
        for name in ("name_fr", "name_en", "description_fr", "description_en", "criteria_fr", "criteria_en"):
            words |= Q(**{f"{name}__icontains": search.query})
        versions = versions.filter(words)
    if search.competency or search.level:
        aligned = Q()
        if search.competency:
            aligned &= Q(alignments__competency__code=search.competency)
        if search.level:
            aligned &= Q(alignments__level__rank=search.level)
        versions = versions.filter(aligned)
    if search.organisation:
        versions = versions.filter(micro_credential__organisation__slug=search.organisation)
    found = list(versions.distinct().order_by("name_fr", "pk"))
    if search.context:  # a JSON list, filtered here: the same on SQLite and PostgreSQL
        found = [version for version in found if search.context in version.learning_contexts]
    return CatalogueResults(versions=found, certificates=_certificates(search, found))


def _certificates(search: CatalogueSearch, versions: list[MicroCredentialVersion]) -> list[Certificate]:
    """Published certificates matching the words and organisation; with competency, level or context
    filters, those that count at least one of the micro-credentials found."""
    certificates = Certificate.objects.filter(status=Status.PUBLISHED).select_related("organisation")
    if search.query:
        certificates = certificates.filter(
            Q(name_fr__icontains=search.query)
            | Q(name_en__icontains=search.query)
            | Q(description_fr__icontains=search.query)
            | Q(description_en__icontains=search.query)
        )
    if search.organisation:
        certificates = certificates.filter(organisation__slug=search.organisation)
    if search.filters_micro_credentials:
        found = [version.micro_credential_id for version in versions]
        certificates = certificates.filter(
            Q(root__micro_credentials__in=found)
            | Q(root__groups__micro_credentials__in=found)
            | Q(root__groups__groups__micro_credentials__in=found)
        )
    return list(certificates.distinct().order_by("name_fr", "pk"))


def level_choices() -> list[tuple[int, str]]:
    """The level ranks used by published frameworks, each with its names (``2 — Fonctionnel``)."""
    english = (get_language() or "fr")[:2] == "en"
    levels = (
        Level.objects.filter(competency__framework__status="published")
        .order_by("rank", "name_fr")
        .values_list("rank", "name_fr", "name_en")
        .distinct()
    )
    choices = []
    for rank, group in groupby(levels, key=lambda level: level[0]):
        names = dict.fromkeys((name_en if english and name_en else name_fr) for _, name_fr, name_en in group)
        choices.append((rank, f"{rank} — {' / '.join(list(names)[:3])}"))
    return choices


# Similar definitions, shown to the author before publishing (a near-duplicate is usually better
# reused or stacked than published twice). TF-IDF cosine over the words of the texts, accents and
# case removed, with each aligned competency counted as a word: small, pure Python, good enough for
# a catalogue of a few thousand definitions.

STOP_WORDS = frozenset(
    [
        "les",
        "des",
        "une",
        "dans",
        "pour",
        "par",
        "sur",
        "avec",
        "est",
        "son",
        "ses",
        "aux",
        "qui",
        "que",
        "dont",
        "ont",
        "etre",
        "elle",
        "il",
        "ils",
        "leur",
        "leurs",
        "cette",
        "ces",
        "pas",
        "plus",
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "are",
        "its",
        "their",
        "can",
        "who",
        "has",
        "have",
        "will",
        "into",
        "of",
        "to",
        "in",
        "on",
        "an",
        "or",
        "by",
        "as",
        "at",
        "be",
    ]
)
# Term vectors of published versions kept in this process (published versions never change); past
# this many, the least recently used are dropped and read again when needed.
MAX_REMEMBERED = 50_000


@dataclass
class Similar:
    version: MicroCredentialVersion
    score: float  # 0 to 1

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return [word for word in re.findall(r"[a-z0-9]+", plain) if len(word) > 2 and word not in STOP_WORDS]


def _terms(version: MicroCredentialVersion) -> Counter[str]:
    texts = [version.name_fr, version.name_en] * 2 + [
        version.description_fr, version.description_en, version.criteria_fr, version.criteria_en,
        version.purpose_fr, version.purpose_en, *version.outcomes_fr, *version.outcomes_en,
    ]  # fmt: skip
    terms = Counter(word for text in texts for word in _words(text or ""))
    for alignment in version.alignments.all():
        terms[f"#competency:{alignment.competency_id}"] += 3
    return terms


@dataclass(frozen=True)
class _Corpus:
    """What the comparison needs of the published definitions, built once for a given set of them:
    each term's weight (idf) and, for each term, the definitions holding it with their normalised
    weight (an inverted index: a draft is compared only with those sharing a term with it)."""

    key: tuple[tuple[int, Any], ...]
    count: int
    idf: dict[str, float]
    postings: dict[str, list[tuple[int, float]]]


_remembered: OrderedDict[tuple[int, Any], Counter[str]] = OrderedDict()
_corpus: _Corpus | None = None
_lock = threading.Lock()


def _published_terms(keys: list[tuple[int, Any]]) -> dict[tuple[int, Any], Counter[str]]:
    """The term vector of each published version (pk, published_at): from memory, the others read
    and tokenised once (by chunks, so 10,000 of them never sit in memory as model instances)."""
    found: dict[tuple[int, Any], Counter[str]] = {}
    missing = []
    with _lock:
        for key in keys:
            terms = _remembered.get(key)
            if terms is None:
                missing.append(key[0])
            else:
                _remembered.move_to_end(key)
                found[key] = terms
    for start in range(0, len(missing), 500):
        chunk = (
            MicroCredentialVersion.objects.filter(pk__in=missing[start : start + 500])
            .prefetch_related("alignments")
            .defer("design", "image", "image_png")
        )
        read = {(version.pk, version.published_at): _terms(version) for version in chunk}
        found.update(read)
        with _lock:
            _remembered.update(read)
            while len(_remembered) > MAX_REMEMBERED:
                _remembered.popitem(last=False)
    return found


def _corpus_of(keys: list[tuple[int, Any]]) -> _Corpus:
    """The corpus of these published versions: the one kept while the set is the same (nothing
    published, changed or withdrawn since), else built again from the remembered term vectors."""
    global _corpus
    key = tuple(keys)
    corpus = _corpus
    if corpus is not None and corpus.key == key:
        return corpus
    documents = _published_terms(keys)
    count = len(documents)
    frequency: Counter[str] = Counter(term for terms in documents.values() for term in terms)
    idf = {term: 1 + math.log((1 + count) / (1 + n)) for term, n in frequency.items()}
    postings: dict[str, list[tuple[int, float]]] = {}
    for (pk, _published), terms in documents.items():
        weights = {term: n * idf[term] for term, n in terms.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for term, weight in weights.items():
            postings.setdefault(term, []).append((pk, weight / norm))
    corpus = _Corpus(key, count, idf, postings)
    _corpus = corpus
    return corpus


def similar_definitions(version: MicroCredentialVersion, *, limit: int = 5) -> list[Similar]:
    """The published definitions (of any organisation) that most resemble ``version``, at least
    ``CATALOGUE_SIMILARITY_PERCENT`` similar, the closest first; its own micro-credential excluded.

    Every published definition is compared (tf-idf, cosine). The weights come from the published
    ones, kept between requests (:class:`_Corpus`) until one is published or withdrawn; the draft is
    weighed with them, as a search query would be. See bench/similar_definitions.py for the cost."""
    from django.conf import settings

    rows = list(current_versions().order_by("pk").values_list("pk", "published_at", "micro_credential_id"))
    own = {pk for pk, _published, micro_credential in rows if micro_credential == version.micro_credential_id}
    corpus = _corpus_of([(pk, published) for pk, published, _micro_credential in rows])
    unseen = 1 + math.log(1 + corpus.count)  # a term no published definition uses
    weights = {term: n * corpus.idf.get(term, unseen) for term, n in _terms(version).items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    scores: Counter[int] = Counter()
    for term, weight in weights.items():
        for pk, theirs in corpus.postings.get(term, ()):
            scores[pk] += weight / norm * theirs
    threshold = settings.CATALOGUE_SIMILARITY_PERCENT / 100
    best = sorted(
        ((score, pk) for pk, score in scores.items() if score >= threshold and pk not in own), reverse=True
    )[:limit]
    shown = (
        MicroCredentialVersion.objects.filter(pk__in=[pk for _score, pk in best])
        .select_related("micro_credential__organisation")
        .defer("design")
        .in_bulk()
    )
    return [Similar(shown[pk], min(score, 1.0)) for score, pk in best if pk in shown]


def partner_endorsements(item: MicroCredential | int, *, withdrawn: bool = False) -> list[PartnerEndorsement]:
    """The partners' endorsements of ``item`` (or its id) shown on its pages (catalogue, badge pages), of every
    version, newest version first and newest first; ``withdrawn``: with those withdrawn since."""
    statuses = [PartnerEndorsement.Status.ENDORSED]
    if withdrawn:
        statuses.append(PartnerEndorsement.Status.WITHDRAWN)
    return list(
        PartnerEndorsement.objects.filter(version__micro_credential=item, status__in=statuses)
        .select_related("version")
        .order_by("-version__number", "-answered_at")
    )

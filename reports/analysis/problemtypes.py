"""Problem types: the curated taxonomy (reports/analysis/problem_types.json) and a keyword classifier over it.

A problem gets one or two types. Each type's keywords come from its definition in the taxonomy.
A keyword in the problem's own statement counts fully, and more (Settings.headline_weight) in its
first sentence: feedback reports open a finding with its summary and follow with particulars.
The parent heading is context (its keywords at half weight): short statements such as
关于团结引导用力不足方面 lean on it, but when the statement names subjects of its own, the first
type is one of those and a type only the heading names can only come second: a long heading full
of 整改 words must not outvote the finding under it. The category title is consulted only when
neither says anything: a category spans many types. A keyword inside a longer matched keyword
(主体责任 in 整改主体责任) does not count. Among the types with keywords, the one whose
description (name, definition, examples, keywords) the statement resembles more gains
(Settings.similarity_weight x similarity, IDF-weighted character bigrams plus half the unigrams):
keywords find candidates, the description ranks them. A statement without any keyword gets the
type whose description it resembles most, so every problem sharing any character with the
taxonomy is typed (weakly, and the similarity says so); text sharing none stays untyped rather
than guessed. The evidence (which keywords, where, the similarity) is kept with every assignment.
Settings were chosen on outside labels and cross-validated (python -m bench.eval_types --cv); see
docs/decisions.md "Problem types" and "Concreteness and types on outside labels (issue 22, item 4)".
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from reports.grammar import HAN
from reports.shared.datafiles import DataFileError, read_data_json

__all__ = ["CLASSIFIER_VERSION", "DEFAULT", "ProblemType", "Settings", "Taxonomy", "TypeMatch", "classify",
           "classify_report", "classify_rows", "most_similar_type", "taxonomy", "types_from_json", "types_json", "types_version"]

TAXONOMY_PATH = Path(__file__).with_name("problem_types.json")
CONTEXT_WEIGHT = 0.5   # a keyword seen only in the parent heading / category title
SECOND_RATIO = 0.75    # a second type needs this share of the first type's score
MAX_TYPES = 2
MAX_TEXT = 4000        # characters of statement (and of each context string) looked at
_HEAD_END = re.compile(r"[。；;!！?？]")
_HAN_RUN = re.compile(f"[{HAN}]+")
_DERIVED: dict[tuple[int, str], tuple] = {}
UNIGRAM_WEIGHT = 0.5   # unigram cosine's share in description similarity (flat between 0.25 and 1 on both label sets)
SIMILARITY_MIN = 0.10  # a keyword-less statement typed below this cosine is typed on thin evidence
# Bump when a change to this module changes what `classify` returns: the store keeps every problem's
# types computed at ingest, stamped with `types_version()`, and a new stamp makes them stale (readers
# classify stale rows afresh, `xuncha doctor --repair` rewrites them). tests/test_problemtypes_version.py
# fails when the corpus's types change under an unchanged version.
CLASSIFIER_VERSION = 1


@dataclass(frozen=True)
class Settings:
    """The classifier's two tuned weights (bench/eval_types.py --cv chooses them per held-out report)."""

    headline_weight: float = 3.0     # a keyword in the statement's first sentence counts this many times
    similarity_weight: float = 8.0   # added per unit of description similarity to each type with keywords


DEFAULT = Settings()


@dataclass(frozen=True)
class ProblemType:
    """One type: a stable id, its Chinese name, group, one-line definition, examples, keywords."""

    id: str
    name: str
    group: str
    definition: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    version: int
    groups: dict[str, str]  # group id -> Chinese name
    types: tuple[ProblemType, ...]
    sources: tuple[str, ...]

    def by_id(self) -> dict[str, ProblemType]:
        return {t.id: t for t in self.types}

    def resolve(self, name: str) -> ProblemType | None:
        """A type by id or Chinese name (exact, else the one type whose name contains `name`)."""
        name = name.strip()
        for t in self.types:
            if name in (t.id, t.name):
                return t
        found = [t for t in self.types if name and name in t.name]
        return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class TypeMatch:
    """One assigned type and why: the keywords found in the statement and in its context."""

    type_id: str
    name: str
    score: float
    keywords: tuple[str, ...] = ()
    context_keywords: tuple[str, ...] = field(default=())
    similarity: float | None = None  # set when no keyword matched and the description decided

    def to_json(self) -> dict:
        d = asdict(self)
        d["keywords"], d["context_keywords"] = list(self.keywords), list(self.context_keywords)
        return d

    @classmethod
    def from_json(cls, d: dict) -> TypeMatch:
        return cls(d["type_id"], d["name"], d["score"], tuple(d.get("keywords") or ()),
                   tuple(d.get("context_keywords") or ()), d.get("similarity"))


@lru_cache(maxsize=1)
def taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """The taxonomy file, validated (unique ids, known groups, a definition and keywords each)."""
    data = read_data_json(path, "taxonomy")
    groups = {g["id"]: g["name"] for g in data["groups"]}
    types = tuple(ProblemType(t["id"], t["name"], t["group"], t["definition"], tuple(t["examples"]),
                              tuple(t["keywords"])) for t in data["types"])
    ids = [t.id for t in types]
    bad = [t.id for t in types if t.group not in groups or not t.keywords or not t.definition]
    if len(set(ids)) != len(ids) or bad:
        raise DataFileError(path, "taxonomy", f"duplicate type ids or types without group/definition/keywords: {bad}")
    return Taxonomy(int(data["version"]), groups, types, tuple(data.get("sources", ())))


def _weight(keyword: str) -> float:
    """Longer phrases are more specific (三会一课 says more than 学习), up to a cap."""
    return min(2.0, 1.0 + 0.25 * max(0, len(keyword) - 2))


def _found(keywords: Iterable[str], text: str) -> set[str]:
    """Keywords in `text`, without those that only occur inside a longer found keyword."""
    hits = {k for k in keywords if k in text}
    return {k for k in hits if not any(k != o and k in o and _inside(k, text, o) for o in hits)}


def _inside(k: str, text: str, longer: str) -> bool:
    """Every occurrence of `k` in `text` lies within an occurrence of `longer`."""
    spans = [(i, i + len(longer)) for i in _positions(longer, text)]
    return all(any(s <= i and i + len(k) <= e for s, e in spans) for i in _positions(k, text))


def _positions(k: str, text: str) -> list[int]:
    out, i = [], text.find(k)
    while i >= 0:
        out.append(i)
        i = text.find(k, i + 1)
    return out


def _vocabulary(types: tuple[ProblemType, ...]) -> frozenset[str]:
    """Every keyword of the taxonomy (computed once per taxonomy object)."""
    return _per_taxonomy(types, "vocabulary", lambda: frozenset(k for t in types for k in t.keywords))


def _per_taxonomy(types: tuple[ProblemType, ...], what: str, build):
    """A value derived from a taxonomy's types, cached by the tuple's identity: hashing 27 frozen
    dataclasses on every call cost more than the lookups they guard."""
    key = (id(types), what)
    hit = _DERIVED.get(key)
    if hit is None or hit[0] is not types:
        hit = _DERIVED[key] = (types, build())
    return hit[1]


def _headline(text: str) -> str:
    """The statement's first sentence: feedback reports open a finding with its summary (落实意识形态
    工作责任不到位。) and follow with the particulars."""
    m = _HEAD_END.search(text)
    return text[:m.start()] if m else text


def _scores(tax: Taxonomy, text: str, ctx: str, settings: Settings = DEFAULT) -> list[TypeMatch]:
    vocabulary = _vocabulary(tax.types)
    own_all, ctx_all = _found(vocabulary, text), _found(vocabulary, ctx)
    head_all = _found(own_all, _headline(text))
    candidates = []
    for t in tax.types:
        own = tuple(k for k in t.keywords if k in own_all)
        near = tuple(k for k in t.keywords if k in ctx_all and k not in own)
        score = (sum(_weight(k) * (settings.headline_weight if k in head_all else 1.0) for k in own)
                 + CONTEXT_WEIGHT * sum(_weight(k) for k in near))
        if score > 0:
            candidates.append((t, score, own, near))
    # the description ranks candidates; a single candidate needs no ranking (and costs nothing)
    sims = _similarities(text, tax) if text and settings.similarity_weight and len(candidates) > 1 else {}
    scored = [TypeMatch(t.id, t.name, round(score + settings.similarity_weight * sims.get(t.id, 0.0), 3), own, near)
              for t, score, own, near in candidates]
    # A statement that names subjects of its own is typed first by one of them; a type only its
    # heading names may still come second.
    scored.sort(key=lambda m: (not m.keywords and bool(own_all), -m.score, -len(m.keywords)))
    return scored


def _grams(text: str, n: int) -> Counter:
    """Character n-grams within runs of Han characters (none across punctuation or a joined list)."""
    out: Counter = Counter()
    for run in _HAN_RUN.findall(text):
        out.update(run[i:i + n] for i in range(len(run) - n + 1))
    return out


def _description_vectors(types: tuple[ProblemType, ...]) -> dict[int, tuple[dict[str, float], dict[str, list]]]:
    """n -> (IDF, gram -> [(type id, weight in that type's unit TF-IDF vector)]) of each type's name,
    definition, examples and keywords, in character bigrams and unigrams. Inverted, so a statement's
    similarity costs one lookup per gram it has, not one per gram of every description."""
    return _per_taxonomy(types, "vectors", lambda: _build_vectors(types))


def _build_vectors(types: tuple[ProblemType, ...]) -> dict[int, tuple[dict[str, float], dict[str, list]]]:
    out = {}
    for n in (1, 2):
        docs = {t.id: _grams("；".join([t.name, t.definition, *t.examples, *t.keywords]), n) for t in types}
        df = Counter(g for d in docs.values() for g in d)
        idf = {g: math.log((len(docs) + 1) / (c + 1)) for g, c in df.items()}
        index: dict[str, list] = {}
        for k, d in docs.items():
            for g, w in _unit({g: v * idf[g] for g, v in d.items()}).items():
                index.setdefault(g, []).append((k, w))
        out[n] = (idf, index)
    return out


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {g: v / norm for g, v in vec.items()} if norm else {}


def _similarities(text: str, tax: Taxonomy) -> dict[str, float]:
    """Type id -> bigram cosine + UNIGRAM_WEIGHT x unigram cosine of `text` with the type's
    description (IDF-weighted); unigrams let a statement whose wording the descriptions never use
    (对外宣传报道数量偏少) still find its nearest type. {} when nothing is shared."""
    sims: dict[str, float] = {}
    for n, weight in ((2, 1.0), (1, UNIGRAM_WEIGHT)):
        idf, index = _description_vectors(tax.types)[n]
        q = _unit({g: v * idf.get(g, 0.0) for g, v in _grams(text[:MAX_TEXT], n).items()})
        for g, qw in q.items():
            for k, w in index.get(g, ()):
                sims[k] = sims.get(k, 0.0) + weight * qw * w
    return sims if any(v > 0 for v in sims.values()) else {}


def most_similar_type(text: str, tax: Taxonomy | None = None) -> TypeMatch | None:
    """The type whose description is most similar to `text` (IDF-weighted character bigrams, and
    unigrams at UNIGRAM_WEIGHT): the fallback for statements that use none of the keywords; None
    only when `text` shares no character with any description."""
    tax = tax or taxonomy()
    sims = _similarities(text, tax)
    if not sims:
        return None
    best = max(sims, key=lambda k: (sims[k], k))
    names = tax.by_id()
    return TypeMatch(best, names[best].name, round(sims[best], 3), similarity=round(sims[best], 3))


def classify(text: str, context: Iterable[str] = (), tax: Taxonomy | None = None,
             fallback: Iterable[str] = (), settings: Settings = DEFAULT) -> list[TypeMatch]:
    """One or two types for a problem statement, from the statement and its `context` (parent
    heading), else from `fallback` (category title), else the type whose description is most similar
    to the statement and its context; [] only when the text shares no wording with any type."""
    tax = tax or taxonomy()
    text = (text or "")[:MAX_TEXT]
    scored = _scores(tax, text, "；".join(c[:MAX_TEXT] for c in context if c), settings)
    if not scored:
        scored = _scores(tax, "", "；".join(c[:MAX_TEXT] for c in fallback if c), settings)
    if not scored:
        similar = (most_similar_type("；".join([text, *context]), tax)
                   or most_similar_type("；".join([text, *context, *fallback]), tax))
        return [similar] if similar else []
    top = scored[0]
    return [top] + [m for m in scored[1:MAX_TYPES] if m.score >= SECOND_RATIO * top.score]


def classify_rows(rows: Sequence[dict], settings: Settings = DEFAULT) -> dict[tuple[str, str], list[TypeMatch]]:
    """Types for store problem rows (report_id, id, parent_id, text, category), keyed by
    (report_id, problem_id); each problem's parent statement and category title are its context."""
    text = {(r["report_id"], str(r["id"])): r.get("text") or "" for r in rows}
    out = {}
    for r in rows:
        key = (r["report_id"], str(r["id"]))
        parent = text.get((r["report_id"], str(r["parent_id"]))) if r.get("parent_id") else None
        out[key] = classify(text[key], [parent] if parent else [], fallback=[r.get("category") or ""],
                            settings=settings)
    return out


def classify_report(report) -> dict[str, list[TypeMatch]]:
    """Problem id -> types for every problem of a parsed ``reports.model.Report``: exactly what
    ``classify_rows`` gives for its stored rows (the same statement, parent and category title)."""
    titles = {c.ordinal: c.title for c in report.categories}
    rows = [{"report_id": report.id, "id": p.id, "parent_id": p.parent_id, "text": p.text,
             "category": titles.get(p.category_ordinal)} for p in report.problems()]
    return {pid: matches for (_, pid), matches in classify_rows(rows).items()}


def types_json(matches: Sequence[TypeMatch]) -> str:
    """How the store keeps a problem's types (one JSON list of ``TypeMatch.to_json``)."""
    return json.dumps([m.to_json() for m in matches], ensure_ascii=False, separators=(",", ":"))


def types_from_json(text: str | None) -> list[dict]:
    """The stored form back as ``TypeMatch.to_json`` dicts (what readers show and filter on)."""
    return json.loads(text) if text else []


@lru_cache(maxsize=1)
def types_version(path: Path = TAXONOMY_PATH) -> str:
    """The stamp stored with every problem's types: the classifier's code version, the tuned weights
    and a digest of the taxonomy file as shipped, so an edited taxonomy (even without a new
    ``version`` inside it) or new weights make the stored types stale rather than silently mixed."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(repr((DEFAULT, CONTEXT_WEIGHT, SECOND_RATIO, MAX_TYPES, MAX_TEXT, UNIGRAM_WEIGHT)).encode())
    return f"{CLASSIFIER_VERSION}-{taxonomy(path).version}-{digest.hexdigest()[:16]}"

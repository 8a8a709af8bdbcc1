"""Problem types: the curated taxonomy (reports/problem_types.json) and a keyword classifier over it.

A problem gets one or two types. Each type's keywords come from its definition in the taxonomy;
a keyword found in the problem's own statement counts fully, one found only in its parent heading
counts half (short statements such as 关于团结引导用力不足方面 lean on their heading), and the
category title is consulted only when neither says anything: a category spans many types.
A keyword inside a longer matched keyword (主体责任 in 整改主体责任) does not count.
A statement that uses no keyword at all gets the type whose description (name, definition,
examples, keywords) it resembles most in IDF-weighted character bigrams, if the cosine reaches
SIMILARITY_MIN. The evidence (which keywords, where, or the similarity) is kept with every assignment. See docs/decisions.md
"Problem types" for the sources and the measured precision.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from reports.datafiles import read_data_json

__all__ = ["ProblemType", "Taxonomy", "TypeMatch", "classify", "classify_rows", "most_similar_type", "taxonomy"]

TAXONOMY_PATH = Path(__file__).with_name("problem_types.json")
CONTEXT_WEIGHT = 0.5   # a keyword seen only in the parent heading / category title
SECOND_RATIO = 0.75    # a second type needs this share of the first type's score
MAX_TYPES = 2
MAX_TEXT = 4000        # characters of statement (and of each context string) looked at
SIMILARITY_MIN = 0.10  # bigram cosine a keyword-less problem needs (precision 0.90 on the tuning half)


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
        raise ValueError(f"{path}: duplicate type ids or types without group/definition/keywords: {bad}")
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


def _scores(tax: Taxonomy, text: str, ctx: str) -> list[TypeMatch]:
    vocabulary = {k for t in tax.types for k in t.keywords}
    own_all, ctx_all = _found(vocabulary, text), _found(vocabulary, ctx)
    scored = []
    for t in tax.types:
        own = tuple(k for k in t.keywords if k in own_all)
        near = tuple(k for k in t.keywords if k in ctx_all and k not in own)
        score = sum(_weight(k) for k in own) + CONTEXT_WEIGHT * sum(_weight(k) for k in near)
        if score > 0:
            scored.append(TypeMatch(t.id, t.name, round(score, 3), own, near))
    scored.sort(key=lambda m: (-m.score, -len(m.keywords)))
    return scored


def _bigrams(text: str) -> Counter:
    han = "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
    return Counter(han[i:i + 2] for i in range(len(han) - 1))


@lru_cache(maxsize=4)
def _description_vectors(types: tuple[ProblemType, ...]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """TF-IDF character-bigram vectors of each type's name, definition, examples and keywords."""
    docs = {t.id: _bigrams(t.name + t.definition + "".join(t.examples) + "".join(t.keywords)) for t in types}
    df = Counter(g for d in docs.values() for g in d)
    idf = {g: math.log((len(docs) + 1) / (n + 1)) for g, n in df.items()}
    return idf, {k: _unit({g: v * idf[g] for g, v in d.items()}) for k, d in docs.items()}


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {g: v / norm for g, v in vec.items()} if norm else {}


def most_similar_type(text: str, tax: Taxonomy | None = None) -> TypeMatch | None:
    """The type whose description shares the most (IDF-weighted) character bigrams with `text`:
    the fallback for statements that use none of the keywords."""
    tax = tax or taxonomy()
    idf, vectors = _description_vectors(tax.types)
    q = _unit({g: v * idf.get(g, 0.0) for g, v in _bigrams(text[:MAX_TEXT]).items()})
    if not q:
        return None
    sims = {k: sum(w * vec.get(g, 0.0) for g, w in q.items()) for k, vec in vectors.items()}
    best = max(sims, key=lambda k: (sims[k], k))
    names = tax.by_id()
    return TypeMatch(best, names[best].name, round(sims[best], 3), similarity=round(sims[best], 3))


def classify(text: str, context: Iterable[str] = (), tax: Taxonomy | None = None,
             fallback: Iterable[str] = ()) -> list[TypeMatch]:
    """One or two types for a problem statement, from the statement and its `context` (parent
    heading), else from `fallback` (category title), else by similarity to the type descriptions;
    [] when nothing is similar enough."""
    tax = tax or taxonomy()
    text = (text or "")[:MAX_TEXT]
    scored = _scores(tax, text, "；".join(c[:MAX_TEXT] for c in context if c))
    if not scored:
        scored = _scores(tax, "", "；".join(c[:MAX_TEXT] for c in fallback if c))
    if not scored:
        similar = most_similar_type("；".join([text, *context]), tax)
        return [similar] if similar and similar.similarity >= SIMILARITY_MIN else []
    top = scored[0]
    return [top] + [m for m in scored[1:MAX_TYPES] if m.score >= SECOND_RATIO * top.score]


def classify_rows(rows: Sequence[dict]) -> dict[tuple[str, str], list[TypeMatch]]:
    """Types for store problem rows (report_id, id, parent_id, text, category), keyed by
    (report_id, problem_id); each problem's parent statement and category title are its context."""
    text = {(r["report_id"], str(r["id"])): r.get("text") or "" for r in rows}
    out = {}
    for r in rows:
        key = (r["report_id"], str(r["id"]))
        parent = text.get((r["report_id"], str(r["parent_id"]))) if r.get("parent_id") else None
        out[key] = classify(text[key], [parent] if parent else [], fallback=[r.get("category") or ""])
    return out

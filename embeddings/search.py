"""Hybrid search over problems: dense (FAISS) and lexical (BM25) candidates ranked by a calibrated probability
of relevance, heading-only parents never hits. Why and measured: docs/decisions.md (Search; Search quality)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

import numpy as np

from reports.model import content_text
from reports.shared.notices import XunchaError

from .calibration import Background, Calibration
from .index import VectorIndex, problem_uid
from .lexical import LexicalIndex

__all__ = [
    "ALPHA",
    "CANDIDATES",
    "DENSE_WEIGHT",
    "DOC_RECIPES",
    "FUSION",
    "FUSIONS",
    "HIT_CONTRACT",
    "LEXICAL_WEIGHT",
    "MODES",
    "RRF_K",
    "Candidates",
    "Filters",
    "Hit",
    "ProblemTable",
    "QueryError",
    "Searcher",
    "rrf_fuse",
    "score_fuse",
    "word_cover",
]

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
FUSIONS: tuple[str, ...] = ("calibrated", "rrf", "score")
FUSION = "calibrated"  # measured on both labelled sets, leave-one-report-out (bench/RESULTS.md)
RRF_K = 60            # the usual constant; see bench/RESULTS.md for the sweep
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0
ALPHA = 0.6           # dense share in score fusion; picked leave-one-report-out, see bench/RESULTS.md
CANDIDATES = 100      # depth of each list that goes into fusion (at least k)

# What text of a problem is embedded/tokenised. "parent+text" prefixes a sub-problem with its
# parent's statement (省作协's "关于团结引导用力不足方面" means little without it).
# "parent+text+measures" adds the problem's rectification measures, which say concretely what a
# terse problem (关于团结引导用力不足方面) was about; it is what BM25 indexes (bench/RESULTS.md).
DOC_RECIPES: tuple[str, ...] = ("text", "parent+text", "category+text", "category+parent+text", "text+measures",
                                "parent+text+measures")

# Columns of the table that filters and results use, in the order problem_rows() names them.
# The CLI contract's keys of a hit, in order (docs/cli.md); the rest follow.
HIT_CONTRACT = ("rank", "score", "tier", "report_id", "unit", "unit_short", "problem_id", "category", "text",
                "measures", "types")
_CATEGORICAL = ("report_id", "unit", "unit_short", "level", "region", "kind", "category", "status", "item_kind")


class QueryError(XunchaError, ValueError):
    """A search request that cannot be run as asked: an empty query, a bad k, an unknown filter
    (still a ValueError for callers of the library; the CLI and UI catch it as a XunchaError)."""


@dataclass(frozen=True)
class Filters:
    """Restrictions on which problems may be returned. Empty fields do not restrict.

    unit: substring of the full or short unit name (中共益阳市文化旅游广电体育局党组 / 市文旅广体局);
    level: 省/市/县 (a trailing 级 is ignored); region: substring (张家界, 湖南省);
    year: the inspection's year; category: substring of the category title;
    kind: 巡视 or 巡察; exclude_report: report ids whose problems are left out;
    type: a problem type, by id or Chinese name (理论学习, three_major; reports/analysis/problem_types.json).
    item_kind: problem (feedback problems only) or rectification_item (headings of a narrative report).
    """

    unit: str | None = None
    level: str | None = None
    region: str | None = None
    year: int | None = None
    category: str | None = None
    kind: str | None = None
    exclude_report: tuple[str, ...] = ()
    type: str | None = None
    item_kind: str | None = None

    @classmethod
    def of(cls, value: Filters | dict | None) -> Filters:
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        unknown = set(value) - set(cls.__dataclass_fields__)
        if unknown:
            raise QueryError("unknown_filter", names=sorted(unknown))
        data = {k: v for k, v in value.items() if v not in (None, "", ())}
        exclude = data.get("exclude_report", ())
        if isinstance(exclude, str):
            data["exclude_report"] = (exclude,)
        else:
            data["exclude_report"] = tuple(exclude)
        if "year" in data:
            try:
                data["year"] = int(data["year"])
            except (TypeError, ValueError):
                raise QueryError("bad_year", year=data["year"]) from None
        return cls(**data)

    def is_empty(self) -> bool:
        return self == Filters()

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if v not in (None, ())}


@dataclass
class Hit:
    """One result. ``to_json`` gives the CLI contract fields first, then the extras."""

    rank: int
    score: float
    report_id: str
    unit: str | None
    problem_id: str
    category: str | None
    text: str
    measures: list[str]
    unit_short: str | None = None
    level: str | None = None
    region: str | None = None
    year: int | None = None
    kind: str | None = None
    status: str | None = None
    parent_id: str | None = None
    parent_text: str | None = None
    calibrated: bool = False          # score is an estimated probability of relevance (else a fused value)
    dense_rank: int | None = None
    dense_score: float | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None
    matched_terms: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    tier: str | None = None           # high | possible (高度相关 / 可能相关); None when scores are uncalibrated

    def to_json(self) -> dict[str, Any]:
        # fields are scalars and lists of strings: a shallow copy is asdict's result without its
        # recursive deepcopy (2 ms of a query's ten hits)
        data = {f.name: _copied(getattr(self, f.name)) for f in fields(self)}
        return {key: data.pop(key) for key in HIT_CONTRACT} | data


def _copied(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


class ProblemTable:
    """Problems as columns, row i <-> ``uids[i]``; categorical columns are factorised so that a
    filter is evaluated once per distinct value, not once per problem (this matters at 1M rows)."""

    def __init__(self, rows: Sequence[dict]) -> None:
        self.size = len(rows)
        self.report_id = [r["report_id"] for r in rows]
        self.problem_id = [str(r["id"]) for r in rows]
        self.uids = np.fromiter((problem_uid(r, p) for r, p in zip(self.report_id, self.problem_id, strict=True)),
                                dtype=np.int64, count=self.size)
        self.text = [r.get("text") or "" for r in rows]
        self.measures = [list(r.get("measures") or []) for r in rows]
        self.parent_id = [r.get("parent_id") for r in rows]
        self.types = [list(r.get("types") or []) for r in rows]
        self.type_ids = [frozenset(r.get("type_ids") or ()) for r in rows]
        self.year = np.array([r.get("year") or 0 for r in rows], dtype=np.int32)
        self._codes: dict[str, np.ndarray] = {}
        self._values: dict[str, list] = {}
        for col in _CATEGORICAL:
            values, codes = _factorize([r.get(col) for r in rows])
            self._values[col], self._codes[col] = values, codes
        self.pos = {int(u): i for i, u in enumerate(self.uids)}
        if len(self.pos) != self.size:
            raise ValueError("two problems share an id (duplicate report_id/problem_id or a hash collision)")
        parents = {(r, p) for r, p in zip(self.report_id, self.parent_id, strict=True) if p}
        # a parent with sub-problems and no measures of its own is a heading, never a hit
        self.heading_only = np.fromiter(((r, p) in parents and not m for r, p, m in
                                         zip(self.report_id, self.problem_id, self.measures, strict=True)),
                                        dtype=bool, count=self.size)
        self.retrievable = ~self.heading_only
        self._content_keys: np.ndarray | None = None

    def parent_pos(self, i: int) -> int | None:
        parent = self.parent_id[i]
        return self.pos.get(problem_uid(self.report_id[i], parent)) if parent else None

    def doc_text(self, i: int, recipe: str = "text") -> str:
        """The text of row ``i`` that gets embedded and tokenised, per ``recipe`` (see DOC_RECIPES)."""
        text = self.text[i]
        if recipe == "text":
            return text
        if recipe in ("parent+text", "category+parent+text", "parent+text+measures"):
            ppos = self.parent_pos(i)
            text = f"{self.text[ppos]}；{text}" if ppos is not None else text
            if recipe == "parent+text":
                return text
            if recipe == "parent+text+measures":
                return "；".join([text, *self.measures[i]])
        if recipe in ("category+text", "category+parent+text"):
            category = self.value("category", i)
            return f"{category}：{text}" if category else text
        if recipe == "text+measures":
            return "；".join([text, *self.measures[i]])
        raise ValueError(f"unknown document recipe {recipe!r}; known: {', '.join(DOC_RECIPES)}")

    def copies_of(self, i: int) -> np.ndarray:
        """Rows whose text is row ``i``'s own, letters and characters only: the same problem stored
        again (a copy of its report), never offered as similar to itself."""
        if self._content_keys is None:  # once per table: a similar query must not redo every row
            contents = (content_text(t) for t in self.text)
            self._content_keys = np.fromiter((hash(c) if c else i for i, c in enumerate(contents)),
                                             dtype=np.int64, count=self.size)
        return self._content_keys == self._content_keys[i]

    def value(self, col: str, i: int) -> Any:
        return self._values[col][self._codes[col][i]]

    def where(self, col: str, pred) -> np.ndarray:
        """Boolean mask of rows whose ``col`` value satisfies ``pred`` (called once per distinct value)."""
        ok = np.array([bool(v is not None and pred(v)) for v in self._values[col]], dtype=bool)
        return ok[self._codes[col]] if len(ok) else np.zeros(self.size, dtype=bool)

    def mask(self, filters: Filters) -> np.ndarray | None:
        """Rows allowed by ``filters``; None when nothing is filtered."""
        if filters.is_empty():
            return None
        m = np.ones(self.size, dtype=bool)
        if filters.unit:
            needle = filters.unit.strip()
            m &= self.where("unit", lambda v: needle in v) | self.where("unit_short", lambda v: needle in v)
        if filters.level:
            level = filters.level.strip().removesuffix("级")
            m &= self.where("level", lambda v: v.removesuffix("级") == level)
        if filters.region:
            m &= self.where("region", lambda v: filters.region.strip() in v)
        if filters.year:
            m &= self.year == int(filters.year)
        if filters.category:
            m &= self.where("category", lambda v: filters.category.strip() in v)
        if filters.kind:
            m &= self.where("kind", lambda v: v == filters.kind.strip())
        if filters.item_kind:
            m &= self.where("item_kind", lambda v: v == filters.item_kind.strip())
        if filters.exclude_report:
            excluded = set(filters.exclude_report)
            m &= ~self.where("report_id", lambda v: v in excluded)
        if filters.type:
            wanted = _type_id(filters.type)
            m &= np.fromiter((wanted in ids for ids in self.type_ids), dtype=bool, count=self.size)
        return m

    def hit(self, i: int, rank: int, score: float) -> Hit:
        year = int(self.year[i]) or None
        ppos = self.parent_pos(i)
        return Hit(rank=rank, score=float(score), report_id=self.report_id[i], unit=self.value("unit", i),
                   problem_id=self.problem_id[i], category=self.value("category", i), text=self.text[i],
                   measures=list(self.measures[i]), unit_short=self.value("unit_short", i),
                   level=self.value("level", i), region=self.value("region", i), year=year,
                   kind=self.value("kind", i), status=self.value("status", i), parent_id=self.parent_id[i],
                   parent_text=self.text[ppos] if ppos is not None else None,
                   types=list(self.types[i]))


def _type_id(name: str) -> str:
    """A type filter's id; an unknown type is a QueryError naming the known ones."""
    from reports.analysis.problemtypes import taxonomy

    found = taxonomy().resolve(name)
    if found is None:
        raise QueryError("unknown_problem_type", type=name, known=[t.name for t in taxonomy().types])
    return found.id


def _factorize(values: list) -> tuple[list, np.ndarray]:
    index: dict[Any, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int32, count=len(values))
    return list(index), codes


def rrf_fuse(ranked: Sequence[np.ndarray], weights: Sequence[float], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal-rank fusion of ranked lists of row positions: {position: fused score}."""
    fused: dict[int, float] = {}
    for rows, w in zip(ranked, weights, strict=True):
        for r, pos in enumerate(rows.tolist(), start=1):
            fused[pos] = fused.get(pos, 0.0) + w / (k + r)
    return fused


def score_fuse(lists: Sequence[tuple[np.ndarray, np.ndarray]], weights: Sequence[float]) -> dict[int, float]:
    """Weighted sum of min-max normalised scores; each list is normalised over its own candidates,
    so the best dense and the best lexical candidate both get 1 and a missing one contributes 0."""
    fused: dict[int, float] = {}
    for (rows, scores), w in zip(lists, weights, strict=True):
        if not len(scores):
            continue
        lo, hi = float(np.min(scores)), float(np.max(scores))
        norm = (scores - lo) / (hi - lo) if hi > lo else np.ones(len(scores))
        for pos, value in zip(rows.tolist(), norm.tolist(), strict=True):
            fused[pos] = fused.get(pos, 0.0) + w * value
    return fused


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` highest scores, best first (ties broken by position)."""
    n = min(n, len(scores))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


@dataclass
class Candidates:
    """One query's candidates (row positions) with the features the calibration reads."""

    pos: np.ndarray
    cos: np.ndarray       # cosine to the query (nan where there is no query vector)
    bm25: np.ndarray      # BM25 of the row for the query tokens (0 where none is shared)
    dense_info: dict[int, tuple[int, float]]
    lexical_info: dict[int, tuple[int, float]]


COVER_TOP = 3   # candidates read for the answer decision's word cover (top 1: less held-out utility; top 5: no more)


def word_cover(tokens: Sequence[str], text: str, measures: Sequence[str] = ()) -> float:
    """Share of a query's words found in a problem's text or measures. Words, not tokens: lexicon
    concept tokens (#...) are left out, and so is a search-mode sub-word inside a longer query word
    (jieba gives 乱收费 and also 乱收, 收费), so each word of the query counts once.

    >>> word_cover(["医保", "基金", "违规", "使用"], "超标购买文件袋,违规购买会议纪念品。")
    0.25
    """
    words = [t for t in dict.fromkeys(tokens) if not t.startswith("#")]
    words = [w for w in words if not any(w != v and w in v for v in words)]
    if not words:
        return 0.0
    where = "\n".join([text, *measures])
    return sum(1 for w in words if w in where) / len(words)


@dataclass
class Searcher:
    """Dense, lexical and hybrid retrieval over one table; the pieces stay swappable for tests.

    ``calibration``/``background`` turn candidates into probabilities (fusion ``calibrated``); without
    them (or with fusion ``score``/``rrf``) scores are the uncalibrated fused values.
    """

    table: ProblemTable
    vectors: VectorIndex
    lexical: LexicalIndex
    rrf_k: int = RRF_K
    dense_weight: float = DENSE_WEIGHT
    lexical_weight: float = LEXICAL_WEIGHT
    candidates: int = CANDIDATES
    fusion: str = FUSION
    alpha: float = ALPHA
    calibration: Calibration | None = None
    background: Background | None = None
    _retrievable_ids: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def dense_ranking(self, qvec: np.ndarray, n: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(positions, cosine scores), best first, at most ``n``."""
        allowed = None if mask is None or mask.all() else self._allowed_ids(mask)
        if allowed is not None and not len(allowed):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores, ids = self.vectors.search(qvec[None, :], n, allowed=allowed)
        keep = ids[0] >= 0
        pos = np.fromiter((self.table.pos.get(int(u), -1) for u in ids[0][keep]), dtype=np.int64)
        sc = scores[0][keep]
        ok = pos >= 0  # an id the table does not know (index ahead of the store) is skipped
        return pos[ok], sc[ok]

    def _allowed_ids(self, mask: np.ndarray) -> np.ndarray:
        """The ids under ``mask``; the unfiltered case (retrievable rows) is built once, so the vector
        index can reuse its selector for it instead of rebuilding one per query."""
        if not np.array_equal(mask, self.table.retrievable):
            return self.table.uids[mask]
        if self._retrievable_ids is None:
            self._retrievable_ids = self.table.uids[self.table.retrievable]
        return self._retrievable_ids

    def lexical_scores(self, tokens: Sequence[str], mask: np.ndarray | None) -> np.ndarray:
        """BM25 of every row (0 outside ``mask``)."""
        if not tokens or not self.table.size:
            return np.zeros(self.table.size, np.float32)
        scores = self.lexical.scores(tokens)
        return np.where(mask, scores, 0.0) if mask is not None else scores

    def lexical_ranking(self, tokens: Sequence[str], n: int, mask: np.ndarray | None,
                        scores: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(positions, BM25 scores), best first, only documents sharing a term with the query."""
        if not tokens or not self.table.size:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores = self.lexical_scores(tokens, mask) if scores is None else scores
        pos = _top(scores, n)
        pos = pos[scores[pos] > 0]
        return pos, scores[pos]

    def mask_for(self, filters: Filters | None, extra_mask: np.ndarray | None) -> np.ndarray:
        """Rows that may be hits: retrievable (not heading-only), allowed by the filters and ``extra_mask``."""
        mask = self.table.retrievable.copy()
        fmask = self.table.mask(filters or Filters())
        if fmask is not None:
            mask &= fmask
        if extra_mask is not None:
            mask &= extra_mask
        return mask

    def gather(self, qvec: np.ndarray | None, tokens: Sequence[str], mask: np.ndarray, mode: str,
               depth: int) -> Candidates:
        """The union of the top-``depth`` dense and lexical candidates, with cosine and BM25 for each."""
        d_pos = d_sc = l_pos = l_sc = np.zeros(0)
        bm_all = None
        if mode in ("dense", "hybrid") and qvec is not None:
            d_pos, d_sc = self.dense_ranking(np.asarray(qvec, dtype=np.float32), depth, mask)
        if mode in ("lexical", "hybrid") or self.fusion == "calibrated":
            bm_all = self.lexical_scores(tokens, mask)
        if mode in ("lexical", "hybrid"):
            l_pos, l_sc = self.lexical_ranking(tokens, depth, mask, bm_all)
        d_info = {int(p): (r, float(s)) for r, (p, s) in enumerate(zip(d_pos, d_sc, strict=True), start=1)}
        l_info = {int(p): (r, float(s)) for r, (p, s) in enumerate(zip(l_pos, l_sc, strict=True), start=1)}
        pos = np.array(list(dict.fromkeys([*d_info, *l_info])), dtype=np.int64)
        cos = np.full(len(pos), np.nan)
        if qvec is not None and len(pos):
            known = np.array([p in d_info for p in pos.tolist()], dtype=bool)
            cos[known] = [d_info[p][1] for p in pos[known].tolist()]
            if (~known).any():  # lexical-only candidates: their cosine from the stored vectors
                vecs = self.vectors.vectors(self.table.uids[pos[~known]])
                cos[~known] = vecs @ np.asarray(qvec, dtype=np.float32)
        bm25 = bm_all[pos].astype(np.float64) if bm_all is not None and len(pos) else np.zeros(len(pos))
        return Candidates(pos, cos, bm25, d_info, l_info)

    def features(self, qvec: np.ndarray | None, cand: Candidates) -> dict[str, np.ndarray]:
        """The calibration's features of each candidate (see embeddings/calibration.py)."""
        bm = np.maximum(cand.bm25, 0.0)
        feats = {"bm25": np.log1p(bm), "bm25_rel": bm / bm.max() if len(bm) and bm.max() > 0 else np.zeros(len(bm))}
        if qvec is not None and self.background is not None:
            z = self.background.z(qvec, np.nan_to_num(cand.cos, nan=-1.0))
            feats["z"], feats["z_rel"] = z, (z - z.max() if len(z) else z)
        return feats

    def probabilities(self, qvec: np.ndarray | None, cand: Candidates, mode: str, purpose: str) -> np.ndarray | None:
        """Calibrated probability per candidate, or None when no model fits this (purpose, mode)."""
        if self.calibration is None or self.fusion != "calibrated":
            return None
        model = self.calibration.model(purpose, mode)
        feats = self.features(qvec, cand)
        if model is None or any(f not in feats for f in model.weights):
            return None
        return model.probability(feats)

    def search(self, qvec: np.ndarray | None, tokens: Sequence[str], k: int = 10,
               filters: Filters | None = None, mode: str = "hybrid",
               extra_mask: np.ndarray | None = None, *, min_score: float | None = None,
               purpose: str = "search") -> list[Hit]:
        """Top-``k`` hits, or [] when the query has no answer among the allowed problems.

        ``mode`` picks the candidates and their order (hybrid: by probability; dense: by cosine;
        lexical: by BM25); the ``score`` of a hit is the same in every mode: the calibrated hybrid
        probability when both a vector and tokens are given. Whether the query has any answer is
        decided once per query (``Calibration.answers`` on its best candidate); nothing else is cut
        unless ``min_score`` is given. ``qvec`` may be None in lexical mode, ``tokens`` empty in dense.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, not {self.fusion!r}")
        mask = self.mask_for(filters, extra_mask)
        cand = self.gather(qvec, tokens, mask, mode, max(k, self.candidates))
        probs = self.scores(qvec, tokens, cand, mode, purpose)
        if probs is None:
            ranked = self._uncalibrated(cand, mode)
        else:
            if not len(probs) or not self.calibration.answers(purpose, self.answer_features(tokens, probs, cand)):
                return []
            ranked = self._ranked(cand, probs, mode)
        if min_score is not None:
            ranked = [(p, sc) for p, sc in ranked if sc >= min_score]
        return [self._hit(pos, rank, score, cand, tokens, probs is not None)
                for rank, (pos, score) in enumerate(ranked[:k], start=1)]

    def answer_features(self, tokens: Sequence[str], probs: np.ndarray, cand: Candidates) -> dict[str, float]:
        """The query-level features of the answer decision (embeddings/calibration.ANSWER_FEATURES): the
        best candidate's probability, and the largest share of the query's words that one of the
        COVER_TOP best candidates contains, read as a person reads it (its text with its parent heading,
        measures and category). A hard negative (医保基金违规使用 in a corpus without medical insurance)
        is matched on its generic words only: no candidate has the words that name its topic."""
        if not len(probs):
            return {"best": 0.0, "cover": 0.0}
        top = np.argsort(-probs, kind="stable")[:COVER_TOP]
        cover = max(word_cover(tokens, self.table.doc_text(p, "parent+text+measures"), [self.table.value("category", p) or ""])
                    for p in (int(cand.pos[j]) for j in top))
        return {"best": float(probs[top[0]]), "cover": cover}

    def scores(self, qvec: np.ndarray | None, tokens: Sequence[str], cand: Candidates, mode: str,
               purpose: str) -> np.ndarray | None:
        """Each candidate's calibrated probability: the hybrid model whenever the query has both a
        vector and tokens (so a hit reads the same in every mode), else the model of what there is."""
        if qvec is not None and tokens:
            return self.probabilities(qvec, cand, "hybrid", purpose)
        return self.probabilities(qvec, cand, "dense" if qvec is not None else "lexical", purpose)

    @staticmethod
    def _ranked(cand: Candidates, probs: np.ndarray, mode: str) -> list[tuple[int, float]]:
        """(position, probability), ordered as ``mode`` ranks: by probability, cosine or BM25."""
        key = {"hybrid": probs, "dense": np.nan_to_num(cand.cos, nan=-2.0), "lexical": cand.bm25}[mode]
        keep = np.ones(len(cand.pos), dtype=bool)
        if mode == "dense":
            keep = np.array([p in cand.dense_info for p in cand.pos.tolist()], dtype=bool)
        elif mode == "lexical":
            keep = np.array([p in cand.lexical_info for p in cand.pos.tolist()], dtype=bool)
        order = sorted(np.flatnonzero(keep).tolist(), key=lambda j: (-key[j], int(cand.pos[j])))
        return [(int(cand.pos[j]), float(probs[j])) for j in order]

    def _hit(self, pos: int, rank: int, score: float, cand: Candidates, tokens: Sequence[str],
             calibrated: bool) -> Hit:
        hit = self.table.hit(pos, rank, score)
        hit.calibrated = calibrated
        hit.tier = self.calibration.tier(score) if calibrated else None
        hit.dense_rank, hit.dense_score = cand.dense_info.get(pos, (None, None))
        hit.lexical_rank, hit.lexical_score = cand.lexical_info.get(pos, (None, None))
        hit.matched_terms = matched_terms(tokens, hit.text)
        return hit

    def _uncalibrated(self, cand: Candidates, mode: str) -> list[tuple[int, float]]:
        """Ranking without a calibration: raw cosine, raw BM25, or the rrf/score fusion."""
        by_rank = lambda info: sorted(((p, s) for p, (_, s) in info.items()), key=lambda kv: (-kv[1], kv[0]))  # noqa: E731
        if mode == "dense":
            return by_rank(cand.dense_info)
        if mode == "lexical":
            return by_rank(cand.lexical_info)
        d = sorted(cand.dense_info.items(), key=lambda kv: kv[1][0])
        lx = sorted(cand.lexical_info.items(), key=lambda kv: kv[1][0])
        d_pos = np.array([p for p, _ in d], dtype=np.int64)
        d_sc = np.array([s for _, (_, s) in d])
        l_pos = np.array([p for p, _ in lx], dtype=np.int64)
        l_sc = np.array([s for _, (_, s) in lx])
        if self.fusion == "rrf":
            fused = rrf_fuse([d_pos, l_pos], [self.dense_weight, self.lexical_weight], self.rrf_k)
        else:  # "score", or "calibrated" without a model for this mode
            fused = score_fuse([(d_pos, d_sc), (l_pos, l_sc)], [self.alpha, 1.0 - self.alpha])
        return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def matched_terms(tokens: Iterable[str], text: str) -> list[str]:
    """Query terms that occur in ``text`` (for highlighting), longest first, no term inside another."""
    lowered = text.lower()
    found = sorted({t for t in tokens if t and t in lowered}, key=lambda t: (-len(t), t))
    out: list[str] = []
    for t in found:
        if not any(t in longer for longer in out):
            out.append(t)
    return out

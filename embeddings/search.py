"""Hybrid search over problems: dense (FAISS) and lexical (BM25) candidates ranked by a calibrated probability
of relevance, heading-only parents never hits. Why and measured: docs/decisions.md (Search; Search quality)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .calibration import Background, Calibration
from .index import VectorIndex
from .lexical import LexicalIndex
from .table import Filters, Hit, ProblemTable
from .thesaurus import Thesaurus

__all__ = [
    "ALPHA",
    "CANDIDATES",
    "DENSE_WEIGHT",
    "EXPANSION_WEIGHT",
    "FUSION",
    "FUSIONS",
    "LEXICAL_WEIGHT",
    "MODES",
    "RRF_K",
    "Candidates",
    "Searcher",
    "query_words",
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
EXPANSION_WEIGHT = 0.5  # BM25 weight of a 词林 synonym against the query's own words (bench/RESULTS.md)

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


def query_words(tokens: Sequence[str]) -> list[str]:
    """The words of a query its cover counts. Words, not tokens: lexicon concept tokens (#...) are left
    out, and so is a search-mode sub-word inside a longer query word (jieba gives 乱收费 and also 乱收,
    收费), so each word of the query counts once."""
    words = [t for t in dict.fromkeys(tokens) if not t.startswith("#")]
    return [w for w in words if not any(w != v and w in v for v in words)]


def word_cover(tokens: Sequence[str], text: str, measures: Sequence[str] = (), *,
               words: Sequence[str] | None = None) -> float:
    """Share of a query's words (query_words) found in a problem's text or measures; ``words`` when the
    caller already derived them (the answer decision reads several candidates per query).

    >>> word_cover(["医保", "基金", "违规", "使用"], "超标购买文件袋,违规购买会议纪念品。")
    0.25
    """
    words = query_words(tokens) if words is None else words
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
    thesaurus: Thesaurus | None = None   # synonyms for query words the corpus never uses (embeddings/thesaurus.py)
    expansion_weight: float = EXPANSION_WEIGHT
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

    def expansion(self, tokens: Sequence[str]) -> list[str]:
        """The thesaurus's synonyms, used by the corpus, of the query words it never uses ([] without a
        thesaurus). Concept tokens (#...) are not words."""
        if self.thesaurus is None or not tokens:
            return []
        return self.thesaurus.expand((t for t in tokens if not t.startswith("#")), self.lexical.known)

    def lexical_scores(self, tokens: Sequence[str], mask: np.ndarray | None) -> np.ndarray:
        """BM25 of every row (0 outside ``mask``), plus ``expansion_weight`` times the BM25 of the
        synonyms standing in for query words the corpus never uses."""
        if not tokens or not self.table.size:
            return np.zeros(self.table.size, np.float32)
        scores = self.lexical.scores(tokens)
        extra = self.expansion(tokens)
        if extra:
            scores = scores + np.float32(self.expansion_weight) * self.lexical.scores(extra)
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
            features = self.answer_features(tokens, probs, cand)
            if not len(probs) or not self.calibration.answers(purpose, features, tokenless=not tokens):
                return []
            ranked = self._ranked(cand, probs, mode)
        if min_score is not None:
            ranked = [(p, sc) for p, sc in ranked if sc >= min_score]
        terms = [*tokens, *self.expansion(tokens)]   # once per query, not once per hit
        return [self._hit(pos, rank, score, cand, terms, probs is not None)
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
        words = query_words(tokens)
        cover = max(word_cover(tokens, self.table.doc_text(p, "parent+text+measures"), [self.table.value("category", p) or ""],
                               words=words) for p in (int(cand.pos[j]) for j in top))
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

    def _hit(self, pos: int, rank: int, score: float, cand: Candidates, terms: Sequence[str],
             calibrated: bool) -> Hit:
        """One hit; ``terms`` are the query's tokens and their synonyms, for its matched terms."""
        hit = self.table.hit(pos, rank, score)
        hit.calibrated = calibrated
        hit.tier = self.calibration.tier(score) if calibrated else None
        hit.dense_rank, hit.dense_score = cand.dense_info.get(pos, (None, None))
        hit.lexical_rank, hit.lexical_score = cand.lexical_info.get(pos, (None, None))
        hit.matched_terms = matched_terms(terms, hit.text)
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

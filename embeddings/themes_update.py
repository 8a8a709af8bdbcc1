"""Themes kept up to date in proportion to what changed (issue 23): pure computation, no I/O.

A full clustering (embeddings.themes.compute_themes) fixes a *base*: the feature transform (the dense
mean it centres on, the TF-IDF vocabulary and idf) and the themes. Between clusterings:

- every problem keeps its top ``similar_top`` cross-unit neighbours under the frozen transform, so
  SIMILAR_TO pairs follow from the lists: a new problem gets its list, old problems take the new ones
  into their lists, and only the problems whose list named a removed problem are recomputed;
- a problem added since the base joins the theme that holds most of the similarity of its
  ``neighbors`` nearest base problems, when its nearest one reaches ``similar_min`` (the SIMILAR_TO
  threshold); otherwise it stays unthemed. Joins look at base problems only. Theme ids and labels
  stay those of the base;
- what "nearest" searches depends on the store's size. Below ``CANDIDATE_MIN`` stored problems
  (embeddings/themes_candidates.py) the exact scan: every problem compared with every stored one
  (cost: added x stored). Then the result equals recomputing every list and join with the same
  transform (``full_update``), whatever order reports arrive or leave in (tested). From
  ``CANDIDATE_MIN`` on (the caller passes ``Candidates``) only each problem's nearest by a dense
  index are scored (exactly, with this similarity): cost ~added x sqrt(stored). Lists, pairs and
  joins then agree with the exact scan to the measured share (bench/RESULTS.md "themes-candidates",
  docs/decisions.md), not always, and may depend slightly on the order of arrival;
- drift = (problems added since the base that joined no theme + base problems removed) / problems
  now. Past DRIFT_THRESHOLD the caller clusters afresh (a new base), as it does on demand.
Docs: docs/decisions.md, "Scale to a province (issue 23)".
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .theme_similarity import normalize
from .themes import ThemeConfig
from .themes_candidates import (
    CandidateIndex,
    CandidateParams,
    best_of_each,
    best_per,
    index_vectors,
    merge_per,
    pair_scores,
    pair_similarity,
    query_blocks,
    top_rows,
)

__all__ = ["DRIFT_THRESHOLD", "INCREMENTAL_MIN", "Candidates", "ThemeState", "Transform", "index_rows", "join_themes",
           "update_neighbours"]

DRIFT_THRESHOLD = 0.2     # share of problems the base clustering no longer describes: re-cluster past it
INCREMENTAL_MIN = 2000    # below this many problems clustering afresh costs ~1 s: always do it (exact)
COLUMN_BLOCK = 1024       # stored problems compared at once (1024 x added float32)


@dataclass
class Transform:
    """The feature transform of the base clustering (embeddings.themes.features, frozen)."""

    mean: np.ndarray          # (dim,) float32: the dense mean subtracted before normalising (zeros: none)
    vocab: list[str]          # term of each lexical column; terms first seen after the base are appended
    idf: np.ndarray           # (len(vocab),) float32
    base_size: int            # problems the idf was computed over
    weight: float             # dense share of the similarity

    @classmethod
    def fit(cls, vectors: np.ndarray, tokens: Sequence[Sequence[str]], config: ThemeConfig) -> Transform:
        """The transform embeddings.themes.features applies to these problems."""
        x = np.asarray(vectors, dtype=np.float32)
        mean = x.mean(axis=0) if config.center and len(x) > 1 else np.zeros(x.shape[1], np.float32)
        counts = [Counter(t) for t in tokens]
        vocab = sorted({t for c in counts for t in c})
        index = {t: n for n, t in enumerate(vocab)}
        df = np.zeros(len(vocab), dtype=np.int64)
        for c in counts:
            for t in c:
                df[index[t]] += 1
        idf = (np.log((1 + len(counts)) / (1 + df)) + 1).astype(np.float32)
        return cls(mean.astype(np.float32), vocab, idf, len(counts), config.dense_weight)

    def dense(self, vectors: np.ndarray) -> np.ndarray:
        return normalize(np.asarray(vectors, dtype=np.float32) - self.mean[None, :])

    def lexical(self, tokens: Sequence[Sequence[str]]):
        """Sublinear TF-IDF rows (CSR, L2-normalised) in the frozen vocabulary; a term the base never
        saw gets a column of its own (appended) and the idf of a term in no base problem."""
        from scipy import sparse

        index = {t: n for n, t in enumerate(self.vocab)}
        unseen = float(np.log(1 + self.base_size) + 1)
        rows, cols, vals = [], [], []
        for r, toks in enumerate(tokens):
            for t, k in Counter(toks).items():
                if t not in index:
                    index[t] = len(self.vocab)
                    self.vocab.append(t)
                    self.idf = np.append(self.idf, np.float32(unseen))
                rows.append(r)
                cols.append(index[t])
                vals.append((1.0 + math.log(k)) * float(self.idf[index[t]]))
        m = sparse.csr_matrix((np.asarray(vals, np.float32), (rows, cols)),
                              shape=(len(tokens), max(len(self.vocab), 1)), dtype=np.float32)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        return (sparse.diags((1 / np.maximum(norms, 1e-12)).astype(np.float32)) @ m).tocsr()


@dataclass
class ThemeState:
    """Per problem (row-aligned, stored order): uid, unit code, whether it was in the base, its theme
    (index into the theme list, -1 none), its lexical row, and its top cross-unit neighbours."""

    uids: np.ndarray          # int64
    units: list[str]
    in_base: np.ndarray       # bool
    theme: np.ndarray         # int32
    lexical: object           # scipy CSR, one row per problem
    nbr: np.ndarray           # (n, k) int64 uids, -1 none
    nbr_sim: np.ndarray       # (n, k) float32, -inf none
    weight: float = 0.2       # dense share of the similarity (ThemeConfig.dense_weight)

    def __len__(self) -> int:
        return len(self.uids)


def _resize(m, cols: int):
    """CSR ``m`` with ``cols`` columns (the vocabulary grew since it was made)."""
    m = m.tocsr()
    if m.shape[1] == cols:
        return m
    m = m.copy()
    m.resize((m.shape[0], cols))
    return m


def similarity(rows_dense: np.ndarray, rows_lex, cols_dense: np.ndarray, cols_lex, weight: float) -> np.ndarray:
    """The themes similarity (embeddings.themes.Features.block) between two sets of problems."""
    s = np.zeros((rows_dense.shape[0], cols_dense.shape[0]), dtype=np.float32)
    if weight > 0:
        s += weight * (rows_dense @ cols_dense.T)
    if weight < 1:
        cols = max(rows_lex.shape[1], cols_lex.shape[1])
        s += (1 - weight) * (_resize(rows_lex, cols) @ _resize(cols_lex, cols).T).toarray()
    return s


def _merge_top(idx: np.ndarray, sim: np.ndarray, cand_ids: np.ndarray, cand_sim: np.ndarray, k: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the k best of the current list (idx, sim) and of the candidates: ``cand_sim`` is
    rows x candidates, ``cand_ids`` (candidates,) their ids. Ties by id; -1/-inf padding."""
    if cand_sim.shape[1] > k:   # only each row's k best candidates can enter its list
        part = np.argpartition(-cand_sim, k - 1, axis=1)[:, :k]
        top_sim = np.take_along_axis(cand_sim, part, axis=1)
        # a tie at the k-th place must keep the smallest id, as a full sort would
        kth = top_sim.min(axis=1, keepdims=True)
        tied = np.isfinite(kth[:, 0]) & ((cand_sim == kth).sum(axis=1) > (top_sim == kth).sum(axis=1))
        top_ids = cand_ids[part]
        for r in np.flatnonzero(tied):
            order = np.lexsort((cand_ids, -cand_sim[r]))[:k]
            top_ids[r], top_sim[r] = cand_ids[order], cand_sim[r, order]
    else:
        top_ids = np.broadcast_to(cand_ids[None, :], cand_sim.shape)
        top_sim = cand_sim
    return top_rows(idx, sim, top_ids, top_sim, k)


def update_neighbours(state: ThemeState, dense_of, rows: np.ndarray, k: int,
                      full: np.ndarray, candidates: Candidates | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` cross-unit neighbours, updated for the problems at positions ``rows`` (new ones):

    - positions in ``full`` (new problems and those whose list lost a neighbour) get their list
      from every stored problem;
    - every other position merges the ``rows`` problems into its list.
    ``dense_of(positions)`` gives the transformed dense vectors of stored positions (read in column
    blocks, so the writer never holds every vector twice). Returns the new (nbr, nbr_sim).
    ``candidates``: search those instead of every stored problem (``candidate_neighbours``)."""
    if candidates is not None:
        return candidate_neighbours(state, dense_of, rows, k, full, candidates)
    n = len(state)
    units = np.unique(np.asarray(state.units, dtype=object), return_inverse=True)[1]
    nbr, nbr_sim = state.nbr.copy(), state.nbr_sim.copy()
    full = np.asarray(sorted(set(full.tolist())), dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    if len(full):
        nbr[full], nbr_sim[full] = -1, -np.inf
    full_dense = dense_of(full) if len(full) else None
    full_lex = state.lexical[full] if len(full) else None
    in_full = np.zeros(n, dtype=bool)
    in_full[full] = True
    new_dense, new_lex = (dense_of(rows), state.lexical[rows]) if len(rows) else (None, None)
    for lo in range(0, n, COLUMN_BLOCK):
        cols = np.arange(lo, min(n, lo + COLUMN_BLOCK))
        col_dense, col_lex = dense_of(cols), state.lexical[cols]
        if len(full):
            s = similarity(full_dense, full_lex, col_dense, col_lex, state.weight)
            s[units[full][:, None] == units[cols][None, :]] = -np.inf
            nbr[full], nbr_sim[full] = _merge_top(nbr[full], nbr_sim[full], state.uids[cols], s, k)
        old = cols[~in_full[cols]]   # this block's problems not recomputed in full take the new ones in
        if len(old) and len(rows):
            s = similarity(col_dense[~in_full[cols]], state.lexical[old], new_dense, new_lex, state.weight)
            s[units[old][:, None] == units[rows][None, :]] = -np.inf
            nbr[old], nbr_sim[old] = _merge_top(nbr[old], nbr_sim[old], state.uids[rows], s, k)
    return nbr, nbr_sim


def join_themes(state: ThemeState, dense_of, rows: np.ndarray, config: ThemeConfig,
                candidates: Candidates | None = None) -> np.ndarray:
    """Theme index for each problem at ``rows`` (not in the base): the theme holding most of the
    similarity of its ``config.neighbors`` nearest base problems, if the nearest reaches
    ``config.similar_min``; else -1. Depends on the base problems only (order independent).
    ``candidates``: the nearest among the base problems those give (``candidate_base``)."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.full(len(rows), -1, dtype=np.int32)
    base = np.flatnonzero(state.in_base)
    if not len(rows) or not len(base):
        return out
    k = max(1, min(config.neighbors, len(base)))
    if candidates is not None:
        best_idx, best_sim = candidate_base(state, dense_of, rows, k, candidates)
    else:
        best_idx = np.full((len(rows), k), -1, np.int64)
        best_sim = np.full((len(rows), k), -np.inf, np.float32)
        row_dense, row_lex = dense_of(rows), state.lexical[rows]
        for lo in range(0, len(base), COLUMN_BLOCK):
            cols = base[lo:lo + COLUMN_BLOCK]
            s = similarity(row_dense, row_lex, dense_of(cols), state.lexical[cols], config.dense_weight)
            best_idx, best_sim = _merge_top(best_idx, best_sim, cols.astype(np.int64), s, k)
    for r in range(len(rows)):
        if not np.isfinite(best_sim[r, 0]) or best_sim[r, 0] < config.similar_min:
            continue
        weight: dict[int, float] = {}
        for j, s in zip(best_idx[r].tolist(), best_sim[r].tolist(), strict=True):
            t = int(state.theme[j]) if j >= 0 else -1
            if t >= 0 and s > 0:
                weight[t] = weight.get(t, 0.0) + s
        if weight:
            out[r] = min(weight, key=lambda t: (-weight[t], t))
    return out


# -- above CANDIDATE_MIN: candidates from an index (embeddings/themes_candidates.py) -------------------

@dataclass
class Candidates:
    """The candidate index over every stored problem (its uids: ``state.uids``) and how to search it."""

    index: CandidateIndex
    params: CandidateParams


def index_rows(state: ThemeState, dense_of, params: CandidateParams):
    """Positions -> the candidate index's vectors of those stored problems (themes_candidates.index_vectors)."""
    return lambda pos: index_vectors(dense_of(pos), state.lexical[np.asarray(pos, dtype=np.int64)], state.weight,
                                     params.buckets)


def _positions(state: ThemeState, uids: np.ndarray) -> np.ndarray:
    """Stored positions of ``uids`` (-1 for -1 or a uid not stored)."""
    order = np.argsort(state.uids)
    at = np.clip(np.searchsorted(state.uids, uids, sorter=order), 0, max(len(order) - 1, 0))
    pos = order[at] if len(order) else np.full(np.shape(uids), -1)
    return np.where((uids >= 0) & (state.uids[pos] == uids), pos, -1).astype(np.int64)


def candidate_neighbours(state: ThemeState, dense_of, rows: np.ndarray, k: int, full: np.ndarray,
                         candidates: Candidates) -> tuple[np.ndarray, np.ndarray]:
    """``update_neighbours`` over candidates, every pair scored exactly:

    - a ``rows`` (new) problem's list: the best ``k`` cross-unit problems among its ``params.m``
      nearest in the inverted lists the index searches (``nprobe`` of them);
    - any other position in ``full`` (its list named a removed problem): the same among its ``m``
      nearest by the index;
    - an old problem takes a new one in when it is among the new one's candidates, or lies in the
      lists searched for it with its k-th score below the new one's lowest candidate score plus
      ``params.slack`` (a problem outside the ``m`` nearest scores no more than them, as far as the
      index ranks like the similarity); of those, each old problem's ``params.back`` nearest new
      ones by the index are scored. Lists only gain: the k-th scores are those before the update."""
    units = np.unique(np.asarray(state.units, dtype=object), return_inverse=True)[1]
    nbr, nbr_sim = state.nbr.copy(), state.nbr_sim.copy()
    rows, full = np.asarray(rows, dtype=np.int64), np.asarray(full, dtype=np.int64)
    in_full = np.zeros(len(state), dtype=bool)
    in_full[full] = True
    kth = nbr_sim[:, k - 1].copy()   # before this update: a list's bar only rises as new problems enter
    if len(full):
        nbr[full], nbr_sim[full] = -1, -np.inf
    p, index = candidates.params, candidates.index
    rows_of = index_rows(state, dense_of, p)
    for _, q in query_blocks(np.setdiff1d(full, rows), p.m):   # lists that named a removed problem
        cand = _positions(state, index.search(rows_of(q), p.m, p.nprobe))
        r, c = np.nonzero(cand >= 0)
        owner, cand, s = _scored(state, dense_of, units, q[r], cand[r, c])
        nbr, nbr_sim = merge_per(nbr, nbr_sim, owner, state.uids[cand], s, k)
    back: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []   # (old problem, new problem, index score)
    for _, q in query_blocks(rows, p.m):
        lims, near, ids = index.near(rows_of(q), p.nprobe)
        a, o = np.repeat(q, np.diff(lims)), _positions(state, ids)
        ok = o >= 0
        ok[ok] = units[o[ok]] != units[a[ok]]
        top = best_of_each(lims, near, ok, p.m)
        _, _, s = _scored(state, dense_of, units, a[top], o[top])
        nbr, nbr_sim = merge_per(nbr, nbr_sim, a[top], state.uids[o[top]], s, k)
        old = ~in_full[o[top]]   # the same pairs, seen from the old side
        nbr, nbr_sim = merge_per(nbr, nbr_sim, o[top][old], state.uids[a[top][old]], s[old], k)
        floor = np.full(len(state), np.inf, np.float32)   # a new problem's lowest candidate score
        np.minimum.at(floor, a[top], s)
        ok[top] = False
        rest = np.flatnonzero(ok)
        rest = rest[~in_full[o[rest]]]
        rest = rest[kth[o[rest]] < floor[a[rest]] + p.slack]
        keep = rest[best_per(o[rest], near[rest], a[rest], p.back)]
        back.append((o[keep], a[keep], near[keep]))
    if back:
        o, a, near = (np.concatenate(x) for x in zip(*back, strict=True))
        keep = best_per(o, near, a, p.back)
        _, _, s = _scored(state, dense_of, units, o[keep], a[keep])
        nbr, nbr_sim = merge_per(nbr, nbr_sim, o[keep], state.uids[a[keep]], s, k)
    return nbr, nbr_sim


def _scored(state: ThemeState, dense_of, units: np.ndarray, x: np.ndarray, y: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, exact similarity of each pair; -inf for a pair in one unit)."""
    s = pair_scores(state.lexical, state.weight, dense_of, x, y)
    s[units[x] == units[y]] = -np.inf
    return x, y, s


def candidate_base(state: ThemeState, dense_of, rows: np.ndarray, k: int, candidates: Candidates
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(positions, similarities) of each ``rows`` problem's ``k`` nearest base problems among its
    ``params.join_m`` nearest base problems by the index, scored exactly; ties by position."""
    p = candidates.params
    base_uids = state.uids[state.in_base]
    best_idx = np.full((len(rows), k), -1, np.int64)
    best_sim = np.full((len(rows), k), -np.inf, np.float32)
    rows_of = index_rows(state, dense_of, p)
    for lo, q in query_blocks(rows, max(p.join_m, k)):
        q_dense = dense_of(q)
        cand = _positions(state, candidates.index.search(rows_of(q), max(p.join_m, k), p.nprobe, base_uids))
        s = pair_similarity(state.lexical, state.weight, dense_of, q, q_dense, cand)
        best_idx[lo:lo + len(q)], best_sim[lo:lo + len(q)] = top_rows(best_idx[lo:lo + len(q)],
                                                                      best_sim[lo:lo + len(q)], cand, s, k)
    return best_idx, best_sim

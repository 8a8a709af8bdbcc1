"""Candidate neighbours for the themes update of a large store (issue 23): pure computation, no I/O.

Below ``CANDIDATE_MIN`` stored problems embeddings.themes_update compares every added problem with
every stored one (exact, cheap there). Above it that scan costs ~40 ms per added problem at 300k stored
(added x stored dense + sparse lexical products), so instead:

- an inverted-file index (faiss IVF, inner product, 8-bit scalar codes, ~sqrt(n) lists) over the
  *transformed* dense vectors (Transform.dense: centred, unit length) of every stored problem, keyed by
  uid; the caller keeps it beside themes-state.npz, adds the new problems and drops the removed ones;
- a new problem's list: the best k cross-unit problems among its ``m`` nearest (by the index) in the
  ``nprobe`` lists searched, every one scored exactly with the full similarity (dense + lexical);
- a list that named a removed problem: the same among its ``m`` nearest by the index;
- old problems taking new ones in. The exact rule: old problem o takes new problem a when
  s(o, a) beats o's k-th score. The reverse of a nearest-neighbour relation is not one (o may hold a in
  its top k while a ranks o far down: o's own neighbours are far), so a's ``m`` candidates are not
  enough. The bound used: an o outside a's ``m`` candidates scores no more than a's lowest candidate
  (as far as the index ranks like the similarity; ``slack`` covers the 8-bit codes' error), so o can
  take a only if o's k-th score is below that + ``slack``. Every stored problem in a's searched lists
  meeting that is eligible; each eligible o scores its ``back`` nearest new ones exactly;
- a joining problem's ``neighbors`` nearest base problems: the best of its ``join_m`` nearest base
  problems by the index (a uid selector keeps the search to the base).
Every pair that decides a list or a join is scored exactly: the index only chooses which pairs. What is
given up: a problem the index ranks outside those sets. Cost per added problem: the searched lists
(nprobe x ~sqrt(n) codes) plus ``m`` + ``back`` exact pair scores, not n. The index is trained afresh
when the store has grown 4x since. The parameters were chosen by measured agreement with the exact scan
(bench/bench_themes_candidates.py; docs/decisions.md, "Scale to a province (issue 23)", "The themes
update by candidates").
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["CANDIDATE_MIN", "CandidateIndex", "CandidateParams", "best_of_each", "best_per", "index_vectors", "lists_for", "merge_per", "pair_scores",
           "pair_similarity", "query_blocks", "top_rows"]

CANDIDATE_MIN = 50_000    # stored problems from which the update uses candidates (below: the exact scan)
PAIR_BLOCK = 16_384       # candidate pairs scored at once (their dense rows: 25 MB at 384 dimensions)
TRAIN_PER_LIST = 40       # k-means training points per inverted list (faiss wants >= 39)

DenseOf = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class CandidateParams:
    """How many candidates are scored exactly and how much of the index is searched."""

    m: int = 128              # candidates per problem whose list is (re)computed
    back: int = 4             # new problems scored per old problem that might take them in
    slack: float = 0.1        # ... when its k-th score is below a new one's lowest candidate score + this
    join_m: int = 64          # base candidates per joining problem
    nprobe: int = 8           # inverted lists searched per problem
    spec: str = "SQ8"         # how the lists store vectors (faiss factory suffix)
    buckets: int = 384        # hashed lexical columns in the index's vectors (0: dense only)


class CandidateIndex:
    """The faiss IVF index over stored problems' transformed dense vectors, keyed by uid."""

    def __init__(self, index) -> None:
        self.index = index

    @classmethod
    def build(cls, uids: np.ndarray, vectors_of: DenseOf, params: CandidateParams, dim: int) -> CandidateIndex:
        """The index over ``uids`` (positions 0..n-1; ``vectors_of(positions)``: their index vectors,
        dimension ``dim``), trained on a fixed sample of ``TRAIN_PER_LIST`` points per list (about
        sqrt(n) lists) and filled in blocks: the vectors are read a block at a time, never all at once."""
        import faiss

        n = len(uids)
        nlist = lists_for(n)
        index = faiss.index_factory(dim, f"IVF{nlist},{params.spec}", faiss.METRIC_INNER_PRODUCT)
        ivf = faiss.extract_index_ivf(index)
        ivf.cp.niter = 10
        rng = np.random.default_rng(0)
        sample = np.sort(rng.choice(n, size=min(n, TRAIN_PER_LIST * nlist), replace=False)) if n else np.zeros(0, int)
        index.train(_blocks(vectors_of, sample) if len(sample) else np.zeros((1, dim), np.float32))
        out = cls(index)
        step = 2048
        for lo in range(0, n, step):
            pos = np.arange(lo, min(n, lo + step))
            out.add(uids[pos], vectors_of(pos))
        return out

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def worn(self) -> bool:
        """Whether a build now would train more than twice as many lists (the store grew over 4x since):
        the lists get long and a search costs more; the caller then builds the index afresh."""
        import faiss

        return lists_for(len(self)) > 2 * faiss.extract_index_ivf(self.index).nlist

    def ids(self) -> np.ndarray:
        """Every uid held, sorted (to check the index against the state it is meant to follow)."""
        import faiss

        ivf = faiss.extract_index_ivf(self.index)
        inv = ivf.invlists
        parts = [faiss.rev_swig_ptr(inv.get_ids(lst), inv.list_size(lst)).copy()
                 for lst in range(ivf.nlist) if inv.list_size(lst)]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def add(self, uids: np.ndarray, dense: np.ndarray) -> None:
        if len(uids):
            self.index.add_with_ids(np.ascontiguousarray(dense, dtype=np.float32), np.asarray(uids, dtype=np.int64))

    def remove(self, uids: np.ndarray) -> None:
        if len(uids):
            self.index.remove_ids(np.asarray(uids, dtype=np.int64))

    def near(self, dense: np.ndarray, nprobe: int, radius: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every stored problem in the ``nprobe`` lists searched for each row whose index score (about
        the dense cosine) exceeds ``radius``: (row offsets, scores, uids), faiss's range-search layout."""
        import faiss

        params = faiss.SearchParametersIVF(nprobe=nprobe)
        lims, scores, ids = self.index.range_search(np.ascontiguousarray(dense, dtype=np.float32), radius, params=params)
        return lims.astype(np.int64), scores, ids

    def search(self, dense: np.ndarray, m: int, nprobe: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """The uids of the ``m`` nearest stored problems by inner product (-1: fewer), per row;
        ``allowed``: uids the results must come from (None: all)."""
        import faiss

        keep = None if allowed is None else np.ascontiguousarray(allowed, dtype=np.int64)
        params = faiss.SearchParametersIVF(nprobe=nprobe, sel=None if keep is None else faiss.IDSelectorBatch(keep))
        _, ids = self.index.search(np.ascontiguousarray(dense, dtype=np.float32), m, params=params)
        return ids


def lists_for(n: int) -> int:
    """Inverted lists for ``n`` problems: about sqrt(n) (a search scans nprobe of them, ~sqrt(n) codes
    each), fewer when there are not TRAIN_PER_LIST training points per list."""
    return max(1, min(round(math.sqrt(n)), n // TRAIN_PER_LIST))


def query_blocks(positions: np.ndarray, m: int):
    """``positions`` in blocks of at most PAIR_BLOCK // m (at least one) problems."""
    step = max(1, PAIR_BLOCK // max(m, 1))
    for lo in range(0, len(positions), step):
        yield lo, positions[lo:lo + step]


def index_vectors(dense: np.ndarray, lexical, weight: float, buckets: int) -> np.ndarray:
    """The index's vector of each problem: [sqrt(w) dense, sqrt(1 - w) hashed lexical], so that an inner
    product approximates the similarity w dense + (1 - w) lexical. Feature hashing: lexical column j
    adds its value, with a sign, to bucket h(j) mod ``buckets`` (h fixed by the column number, so
    columns appended later hash the same everywhere); error ~1/sqrt(buckets) on a lexical cosine."""
    from scipy import sparse

    dense = np.asarray(dense, dtype=np.float32)
    if buckets <= 0:
        return dense
    lex = lexical.tocsr()
    h = (lex.indices.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(2 ** 32)
    signs = np.where((h >> np.uint64(20)) & np.uint64(1), 1.0, -1.0).astype(np.float32)
    hashed = sparse.csr_matrix((lex.data.astype(np.float32) * signs, (h % np.uint64(buckets)).astype(np.int64),
                                lex.indptr), shape=(lex.shape[0], buckets)).toarray()
    return np.hstack([math.sqrt(weight) * dense, math.sqrt(1 - weight) * hashed]).astype(np.float32)


def _blocks(vectors_of: DenseOf, positions: np.ndarray) -> np.ndarray:
    step = 2048
    return np.concatenate([vectors_of(positions[lo:lo + step]) for lo in range(0, len(positions), step)])


def pair_similarity(lexical, weight: float, dense_of: DenseOf, q_pos: np.ndarray, q_dense: np.ndarray,
                    cand: np.ndarray) -> np.ndarray:
    """The themes similarity (themes_update.similarity) of problem ``q_pos[i]`` (dense row
    ``q_dense[i]``) with each stored position ``cand[i, j]``; -inf where ``cand`` is -1. Scores
    only these pairs: dense by gathered dot products, lexical by row-aligned sparse products."""
    b, m = cand.shape
    valid = cand >= 0
    flat = np.where(valid, cand, 0).ravel()
    s = np.zeros((b, m), dtype=np.float32)
    if weight > 0:
        uniq, inv = np.unique(flat, return_inverse=True)
        d = dense_of(uniq)[inv].reshape(b, m, -1)
        s += weight * np.einsum("bd,bmd->bm", q_dense.astype(np.float32), d)
    if weight < 1:
        a, c = lexical[np.repeat(q_pos, m)], lexical[flat]
        s += (1 - weight) * np.asarray(a.multiply(c).sum(axis=1), dtype=np.float32).reshape(b, m)
    s[~valid] = -np.inf
    return s


def top_rows(idx: np.ndarray, sim: np.ndarray, cand_idx: np.ndarray, cand_sim: np.ndarray, k: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the k best of the current list (idx, sim) and that row's own candidates (``cand_idx``
    rows x c, -1 none): ties by id, -1/-inf padding, as themes_update._merge_top orders them."""
    all_idx = np.concatenate([idx, cand_idx], axis=1)
    all_sim = np.concatenate([sim, cand_sim], axis=1).astype(np.float32)
    all_sim = np.where(all_idx < 0, -np.inf, all_sim)
    order = np.lexsort((all_idx, -all_sim), axis=1)[:, :k]
    out_idx = np.take_along_axis(all_idx, order, axis=1)
    out_sim = np.take_along_axis(all_sim, order, axis=1)
    out_idx[~np.isfinite(out_sim)] = -1
    return out_idx, out_sim.astype(np.float32)


def best_of_each(lims: np.ndarray, score: np.ndarray, ok: np.ndarray, m: int) -> np.ndarray:
    """Indices of each query's ``m`` best ``ok`` results by ``score`` in a range-search layout (query i's
    results at lims[i]:lims[i + 1]); which of equal scores at the m-th place is kept is arbitrary."""
    out = [np.zeros(0, dtype=np.int64)]
    for lo, hi in zip(lims[:-1].tolist(), lims[1:].tolist(), strict=True):
        idx = lo + np.flatnonzero(ok[lo:hi])
        if len(idx) > m:
            idx = idx[np.argpartition(-score[idx], m - 1)[:m]]
        out.append(idx)
    return np.concatenate(out)


def best_per(group: np.ndarray, score: np.ndarray, other: np.ndarray, m: int) -> np.ndarray:
    """Indices of each ``group`` value's ``m`` best entries by ``score`` (ties: smaller ``other``)."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((other, -score, group))
    g = group[order]
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(g)) - np.repeat(first, np.diff(np.r_[first, len(g)]))
    return order[rank < m]


def merge_per(nbr: np.ndarray, nbr_sim: np.ndarray, owner: np.ndarray, cand_uid: np.ndarray, sim: np.ndarray,
              k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each ``owner`` position's list merged with its candidates (uid, score; -inf scores ignored)."""
    ok = np.isfinite(sim)
    owner, cand_uid, sim = owner[ok], cand_uid[ok], sim[ok]
    if not len(owner):
        return nbr, nbr_sim
    top = best_per(owner, sim, cand_uid, k)   # only an owner's k best can enter its list; grouped by owner
    owner, cand_uid, sim = owner[top], cand_uid[top], sim[top]
    owners, first, counts = np.unique(owner, return_index=True, return_counts=True)
    at = np.repeat(np.arange(len(owners)), counts)
    slot = np.arange(len(owner)) - np.repeat(first, counts)
    idx = np.full((len(owners), k), -1, np.int64)
    val = np.full((len(owners), k), -np.inf, np.float32)
    idx[at, slot], val[at, slot] = cand_uid, sim
    nbr[owners], nbr_sim[owners] = top_rows(nbr[owners], nbr_sim[owners], idx, val, k)
    return nbr, nbr_sim


def pair_scores(lexical, weight: float, dense_of: DenseOf, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The similarity of each pair (x[i], y[i]) of stored positions, PAIR_BLOCK pairs at a time."""
    out = np.empty(len(x), dtype=np.float32)
    for lo in range(0, len(x), PAIR_BLOCK):
        xs, ys = x[lo:lo + PAIR_BLOCK], y[lo:lo + PAIR_BLOCK]
        out[lo:lo + PAIR_BLOCK] = pair_similarity(lexical, weight, dense_of, xs, dense_of(xs), ys[:, None])[:, 0]
    return out

"""The similarity themes are clustered by: unit-length dense vectors plus sublinear TF-IDF rows,
weighted (``Features``), and every problem's exact nearest neighbours in row blocks. Apart from
embeddings/themes.py (clustering, labels) so that the incremental update (themes_update.py) uses the
same similarity without the clustering. Why this similarity: docs/decisions.md (Themes)."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["BLOCK_ROWS", "Features", "dense_part", "lexical_part", "neighbours", "normalize", "top_k"]

BLOCK_ROWS = 512          # similarity rows computed at once: 512 x n float32 (20 MB at n = 10k)


# -- similarity --------------------------------------------------------------------------------

def normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def dense_part(vectors: np.ndarray, center: bool) -> np.ndarray:
    """Unit-length dense vectors, centred on the corpus mean when asked (see the module doc)."""
    x = np.asarray(vectors, dtype=np.float32)
    if center and len(x) > 1:
        x = x - x.mean(axis=0, keepdims=True)
    return normalize(x)


def lexical_part(tokens: Sequence[Sequence[str]]):
    """Sublinear TF-IDF rows (scipy CSR, L2-normalised) over the given token lists.

    The weighting is scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``: tf = 1 + ln(count) and
    idf = ln((1 + n) / (1 + df)) + 1. It is written out here because importing scikit-learn costs
    a second, on every recompute in a fresh process. Terms are numbered in sorted order, so the
    matrix does not depend on the order in which problems arrive."""
    from scipy import sparse

    counts = [Counter(t) for t in tokens]
    vocab = {t: n for n, t in enumerate(sorted({t for c in counts for t in c}))}
    rows, cols, vals = [], [], []
    for r, c in enumerate(counts):
        for t, k in c.items():
            rows.append(r)
            cols.append(vocab[t])
            vals.append(1.0 + math.log(k))
    shape = (len(counts), max(len(vocab), 1))
    m = sparse.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=shape, dtype=np.float32)
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=shape[1])
    idf = (np.log((1 + shape[0]) / (1 + df)) + 1).astype(np.float32)
    m = (m @ sparse.diags(idf)).tocsr()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    return (sparse.diags((1 / np.maximum(norms, 1e-12)).astype(np.float32)) @ m).tocsr()


@dataclass
class Features:
    """The two halves of the similarity. ``block`` gives rows ``lo:hi`` of the n x n matrix."""

    dense: np.ndarray
    lexical: Any
    weight: float

    def __post_init__(self) -> None:
        self._lexical_t = self.lexical.T.tocsr()  # transposed once, not once per block

    def block(self, lo: int, hi: int) -> np.ndarray:
        s = np.zeros((hi - lo, self.dense.shape[0]), dtype=np.float32)
        if self.weight > 0:
            s += self.weight * (self.dense[lo:hi] @ self.dense.T)
        if self.weight < 1:
            s += (1 - self.weight) * (self.lexical[lo:hi] @ self._lexical_t).toarray()
        return s

    def centrality(self, rows: Sequence[int]) -> np.ndarray:
        """Each row's summed similarity to all of ``rows``, in linear time: the similarity is a
        dot product, so the sum over j of s(i, j) is x_i dotted with the sum of the x_j."""
        rows = np.asarray(rows)
        out = np.zeros(len(rows), dtype=np.float64)
        if self.weight > 0:
            d = self.dense[rows]
            out += self.weight * (d @ d.sum(axis=0))
        if self.weight < 1:
            lx = self.lexical[rows]
            out += (1 - self.weight) * np.asarray(lx @ np.asarray(lx.sum(axis=0)).ravel()).ravel()
        return out

    def stacked(self) -> np.ndarray:
        """One dense matrix whose dot products are the similarity (for k-means and
        agglomerative clustering, which want points, not a similarity function)."""
        parts = []
        if self.weight > 0:
            parts.append(math.sqrt(self.weight) * self.dense)
        if self.weight < 1:
            parts.append(math.sqrt(1 - self.weight) * self.lexical.toarray())
        return normalize(np.hstack(parts))


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of the k largest entries per row, best first (ties by index)."""
    k = min(k, scores.shape[1])
    if k <= 0:
        return np.zeros((len(scores), 0), np.int64), np.zeros((len(scores), 0), np.float32)
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    idx = np.take_along_axis(part, order, axis=1)
    return idx, np.take_along_axis(scores, idx, axis=1)


def neighbours(feats: Features, units: Sequence[str], k: int, cross_k: int) -> tuple[np.ndarray, ...]:
    """Exact top-``k`` neighbours of every problem (itself excluded), and its top-``cross_k``
    neighbours among other units' problems, in one pass of row blocks.

    Returns (idx, sim, cross_idx, cross_sim); missing entries are -1 / -inf."""
    n = feats.dense.shape[0]
    unit_codes = np.unique(np.asarray(units, dtype=object), return_inverse=True)[1]
    out = [np.full((n, k), -1, np.int64), np.full((n, k), -np.inf, np.float32),
           np.full((n, cross_k), -1, np.int64), np.full((n, cross_k), -np.inf, np.float32)]
    for lo in range(0, n, BLOCK_ROWS):
        hi = min(n, lo + BLOCK_ROWS)
        s = feats.block(lo, hi)
        s[np.arange(hi - lo), np.arange(lo, hi)] = -np.inf
        idx, sim = top_k(s, k)
        out[0][lo:hi, :idx.shape[1]], out[1][lo:hi, :idx.shape[1]] = idx, sim
        s[unit_codes[lo:hi, None] == unit_codes[None, :]] = -np.inf
        idx, sim = top_k(s, cross_k)
        out[2][lo:hi, :idx.shape[1]], out[3][lo:hi, :idx.shape[1]] = idx, sim
    for idx, sim in ((out[0], out[1]), (out[2], out[3])):
        idx[~np.isfinite(sim)] = -1
    return tuple(out)

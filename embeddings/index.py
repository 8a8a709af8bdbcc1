"""FAISS vector index over problems: inner product on L2-normalised vectors, stable int64 ids.
Index kinds, filtered search, atomic saves: docs/decisions.md, "Search"."""
from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable, Sequence
from contextlib import nullcontext

import numpy as np

from reports.shared.atomic import atomic_path

from .openmp import one_thread

__all__ = [
    "EXACT_FILTER_MAX", "FLAT_MAX", "KINDS", "VectorIndex", "choose_kind", "problem_uid", "problem_uids",
]

FLAT_MAX = 100_000          # exact search stays within the latency target up to here (measured)
EXACT_FILTER_MAX = 20_000   # filtered IVF searches over at most this many vectors are exact
EXACT_FILTER_MAX_FLAT = 2_000
KINDS = ("flat", "ivf")
DEFAULT_NPROBE = 32         # recall@10 >= 0.95 against exact search at 1M (bench/RESULTS.md)
_MASK63 = (1 << 63) - 1


def problem_uid(report_id: str, problem_id: str) -> int:
    """Stable non-negative int64 id for a problem (faiss reserves -1 for "no result")."""
    digest = hashlib.sha256(f"{report_id}\x1f{problem_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & _MASK63


def problem_uids(keys: Iterable[tuple[str, str]]) -> np.ndarray:
    return np.fromiter((problem_uid(r, p) for r, p in keys), dtype=np.int64)


def choose_kind(n: int) -> str:
    return "flat" if n <= FLAT_MAX else "ivf"


def _faiss():
    import faiss
    return faiss


def _as_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"expected vectors of dimension {dim}, got shape {x.shape}")
    return x


def _as_ids(ids: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


class VectorIndex:
    """A faiss index plus the bookkeeping that makes add/remove/filter/save uniform across kinds."""

    def __init__(self, dim: int, kind: str = "flat", *, nlist: int | None = None,
                 nprobe: int = DEFAULT_NPROBE, _index=None) -> None:
        if kind not in KINDS:
            raise ValueError(f"index kind must be one of {KINDS}, not {kind!r}")
        self.dim = int(dim)
        self.kind = kind
        self.nprobe = int(nprobe)
        self._index = _index if _index is not None else self._empty(kind, nlist)
        self._refresh_ids()

    # -- construction --------------------------------------------------------------------
    def _empty(self, kind: str, nlist: int | None):
        faiss = _faiss()
        if kind == "flat":
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        quantizer = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFFlat(quantizer, self.dim, int(nlist or 1024), faiss.METRIC_INNER_PRODUCT)
        index.own_fields = True
        quantizer.this.disown()  # the IVF index owns its quantizer from here on
        return index

    @classmethod
    def build(cls, ids: Sequence[int] | np.ndarray, vectors: np.ndarray, *, kind: str | None = None,
              nprobe: int = DEFAULT_NPROBE, seed: int = 1234) -> VectorIndex:
        """An index of the right kind for ``len(ids)`` vectors (IVF is trained on a sample of them)."""
        x = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = _as_ids(ids)
        kind = kind or choose_kind(len(ids))
        if kind == "flat":
            out = cls(x.shape[1], "flat")
        else:
            out = cls(x.shape[1], "ivf", nlist=ivf_nlist(len(ids)), nprobe=nprobe)
            out._train(x, seed)
        out.add(ids, x)
        return out

    def _train(self, x: np.ndarray, seed: int) -> None:
        # 40 points per centroid and 10 k-means rounds: faiss's minimum advice, and it keeps training
        # at 1M under a minute on 2 cores; recall is measured, not assumed (bench/RESULTS.md)
        nlist = self._index.nlist
        sample = min(len(x), max(nlist * 40, 50_000))
        rng = np.random.default_rng(seed)
        pick = np.sort(rng.choice(len(x), size=sample, replace=False)) if sample < len(x) else slice(None)
        self._index.cp.seed = seed
        self._index.cp.niter = 10
        self._index.train(np.ascontiguousarray(x[pick]))
        self._index.set_direct_map_type(_faiss().DirectMap.Hashtable)

    # -- ids -------------------------------------------------------------------------------
    def _refresh_ids(self) -> None:
        self._ids_cache: np.ndarray | None = None

    def ids(self) -> np.ndarray:
        """Every id in the index (int64, unordered for IVF)."""
        if self._ids_cache is None:
            faiss = _faiss()
            if self.kind == "flat":
                self._ids_cache = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            else:
                invlists = self._index.invlists
                parts = [faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
                         for i in range(self._index.nlist) if invlists.list_size(i)]
                self._ids_cache = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
        return self._ids_cache

    def __len__(self) -> int:
        return int(self._index.ntotal)

    # -- changes -----------------------------------------------------------------------------
    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ``ids``; an id already present is replaced, not duplicated."""
        ids = _as_ids(ids)
        x = _as_matrix(vectors, self.dim)
        if len(ids) != len(x):
            raise ValueError(f"{len(ids)} ids for {len(x)} vectors")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("duplicate ids in one add() call")
        if not len(ids):
            return
        self.remove(ids)
        self._index.add_with_ids(x, ids)
        self._refresh_ids()

    def remove(self, ids: Sequence[int] | np.ndarray) -> int:
        """Remove ``ids`` (absent ones are ignored); returns how many were removed."""
        ids = _as_ids(ids)
        if not len(ids) or not len(self):
            return 0
        present = ids[np.isin(ids, self.ids())]
        if not len(present):
            return 0
        faiss = _faiss()
        # IVF's hashtable direct map only accepts IDSelectorArray; the flat map takes either
        removed = int(self._index.remove_ids(faiss.IDSelectorArray(len(present), faiss.swig_ptr(present))))
        self._refresh_ids()
        return removed

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Stored vectors for ``ids`` (KeyError-like RuntimeError from faiss if one is absent)."""
        ids = _as_ids(ids)
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_batch(ids), dtype=np.float32).reshape(len(ids), self.dim)

    # -- search --------------------------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, ids) per query; ids are -1 where fewer than ``k`` vectors qualify.

        ``allowed``: ids the results must come from (a filter), or None for all. One query vector is
        scanned on one OpenMP thread (a few ms of work; two threads stall on busy cores:
        embeddings/openmp.py); a batch of queries keeps faiss's threads.
        """
        q = _as_matrix(queries, self.dim)
        k = int(k)
        key = allowed  # the caller's array: what the selector cache recognises
        if allowed is not None:
            allowed = _as_ids(allowed)
            # small subsets: gather and score with numpy (exact, and cheaper than a filtered scan);
            # flat is exact anyway, so only tiny subsets are worth gathering there
            limit = EXACT_FILTER_MAX if self.kind == "ivf" else EXACT_FILTER_MAX_FLAT
            if len(allowed) <= limit:
                return self._exact_subset(q, k, allowed)
        if not len(self) or k <= 0:
            return _empty_result(len(q), max(k, 0))
        params = self._cached_params(key, allowed)
        with one_thread() if len(q) == 1 else nullcontext():
            scores, ids = self._index.search(q, min(k, len(self)), params=params)
        return _pad(scores, ids, k)

    def _cached_params(self, key: object, allowed: np.ndarray | None):
        """Search parameters, reused while the same ``allowed`` array comes back (the unfiltered
        search's retrievable rows): building a selector over 100k ids costs ~7 ms per query."""
        if allowed is None:
            return self._params(None)
        cached = getattr(self, "_params_cache", None)
        if cached is not None and cached[0] is key:
            return cached[1]
        params = self._params(allowed)
        self._params_cache = (key, params)
        return params

    def _params(self, allowed: np.ndarray | None):
        faiss = _faiss()
        sel = faiss.IDSelectorBatch(len(allowed), faiss.swig_ptr(allowed)) if allowed is not None else None
        if self.kind == "ivf":
            nprobe = self.nprobe
            if allowed is not None and len(self):  # a filter leaves fewer candidates per list: probe more
                nprobe = min(self._index.nlist, math.ceil(nprobe * len(self) / max(len(allowed), 1)))
            params = faiss.SearchParametersIVF(nprobe=nprobe)
            if sel is not None:
                params.sel = sel
            params._sel_ref = sel  # keep the selector alive as long as the params
            return params
        if sel is None:
            return None
        params = faiss.SearchParameters(sel=sel)
        params._sel_ref = sel
        return params

    def _exact_subset(self, q: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        allowed = allowed[np.isin(allowed, self.ids())]
        if not len(allowed) or k <= 0:
            return _empty_result(len(q), max(k, 0))
        sims = q @ self.vectors(allowed).T
        top = min(k, len(allowed))
        part = np.argpartition(-sims, top - 1, axis=1)[:, :top]
        order = np.take_along_axis(sims, part, axis=1).argsort(axis=1)[:, ::-1]
        cols = np.take_along_axis(part, order, axis=1)
        scores = np.take_along_axis(sims, cols, axis=1).astype(np.float32)
        return _pad(scores, allowed[cols], k)

    # -- persistence -----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write atomically (reports/shared/atomic.py): ``faiss.write_index`` fills a temp file that replaces `path`."""
        with atomic_path(path) as tmp:
            _faiss().write_index(self._index, str(tmp))

    @classmethod
    def load(cls, path: str | os.PathLike, *, nprobe: int = DEFAULT_NPROBE, mmap: bool = False) -> VectorIndex:
        """The index in ``path``. ``mmap``: for a reader only (an IVF index's lists are then mapped from
        the file, read-only: adding or removing raises): 0.05 instead of 0.2 s at 143k problems."""
        faiss = _faiss()
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP if mmap else 0)
        if isinstance(index, faiss.IndexIDMap2):
            return cls(index.d, "flat", _index=index)
        # read_index already returns the concrete class; downcasting again would hand out a second
        # wrapper that does not own the object while the first one frees it
        if not isinstance(index, faiss.IndexIVFFlat):
            raise ValueError(f"{path}: not an index written by xuncha ({type(index).__name__})")
        ivf = index
        if ivf.direct_map.type != faiss.DirectMap.Hashtable:
            ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        return cls(ivf.d, "ivf", nprobe=nprobe, _index=ivf)

    def memory_bytes(self) -> int:
        """Vectors plus ids (the IVF centroids included); what the index holds in RAM."""
        per = self.dim * 4 + 8
        extra = self._index.nlist * self.dim * 4 if self.kind == "ivf" else 0
        # direct map / id map overhead is ~8-16 bytes per vector either way
        return len(self) * (per + 16) + extra

    def describe(self) -> dict:
        out = {"kind": self.kind, "count": len(self), "dim": self.dim}
        if self.kind == "ivf":
            out.update(nlist=int(self._index.nlist), nprobe=self.nprobe)
        return out


def ivf_nlist(n: int) -> int:
    """~4*sqrt(n) lists, a power of two, at least 64: each list holds a few hundred vectors."""
    return max(64, 1 << round(math.log2(max(4 * math.sqrt(max(n, 1)), 1))))


def _pad(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exactly ``k`` columns; missing results are id -1 with score -inf (faiss uses -FLT_MAX)."""
    scores = np.where(ids < 0, -np.inf, scores).astype(np.float32)
    n, have = ids.shape
    if have >= k:
        return scores[:, :k].astype(np.float32), ids[:, :k].astype(np.int64)
    s = np.full((n, k), -np.inf, dtype=np.float32)
    i = np.full((n, k), -1, dtype=np.int64)
    s[:, :have], i[:, :have] = scores, ids
    return s, i


def _empty_result(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, k), -np.inf, dtype=np.float32), np.full((n, k), -1, dtype=np.int64)


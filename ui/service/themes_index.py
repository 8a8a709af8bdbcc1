"""themes-index-<mean>.faiss: the candidate index the themes update searches above CANDIDATE_MIN stored
problems (embeddings/themes_candidates.py), kept beside themes-state.npz. It is extended by the problems
each update adds and loses the removed ones, written atomically after the update; named by the
transform's dense mean, so a clustering afresh (a new transform) never reads the old one. It is built
afresh, never trusted, when it is missing, unreadable, holds other problems than the state it should
follow (a crash between the two writes), or the store has grown 4x since its lists were trained."""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from embeddings.themes_candidates import CANDIDATE_MIN, CandidateIndex, CandidateParams
from embeddings.themes_update import Candidates, ThemeState, Transform, index_rows
from reports.shared.atomic import atomic_path

__all__ = ["INDEX_GLOB", "index_path", "open_candidates", "save_candidates"]

log = logging.getLogger("xuncha.themes")
INDEX_GLOB = "themes-index-*.faiss"


def index_path(root: Path, transform: Transform) -> Path:
    return root / f"themes-index-{hashlib.sha1(transform.mean.tobytes()).hexdigest()[:12]}.faiss"


def open_candidates(root: Path, transform: Transform, state: ThemeState, held: np.ndarray, gone: np.ndarray,
                    added: np.ndarray, dense_of, minimum: int = CANDIDATE_MIN,
                    params: CandidateParams | None = None) -> Candidates | None:
    """The candidate index over ``state``'s problems (None below ``minimum`` of them: the exact scan).
    ``held``: the uids the stored index should hold (the state before this update), ``gone``: uids
    removed since, ``added``: positions added since (``dense_of`` gives their transformed vectors)."""
    import faiss

    if len(state) < minimum:
        return None
    params = params or CandidateParams()
    path = index_path(root, transform)
    rows_of = index_rows(state, dense_of, params)
    dim = int(transform.mean.shape[0]) + max(params.buckets, 0)
    index = None
    if path.exists():
        try:
            index = CandidateIndex(faiss.read_index(str(path)))
            if index.index.d != dim:
                raise ValueError(f"{index.index.d} dimensions, not {dim}")
            if not np.array_equal(index.ids(), np.sort(held)):
                raise ValueError("it holds other problems than themes-state.npz")
            index.remove(gone)
            index.add(state.uids[added], rows_of(added))
            if index.worn():
                log.info("themes candidate index trained for a smaller store; building it afresh")
                index = None
        except (RuntimeError, ValueError) as exc:
            log.warning("%s unusable (%s); rebuilding the themes candidate index", path, exc)
            index = None
    if index is None:
        index = CandidateIndex.build(state.uids, rows_of, params, dim)
    return Candidates(index, params)


def save_candidates(root: Path, transform: Transform, candidates: Candidates | None) -> None:
    """Write the index the update used (atomically) and drop any other: one left behind by another
    transform, or one no update keeps in step any more (the store fell below the minimum)."""
    import faiss

    path = index_path(root, transform)
    if candidates is not None:
        with atomic_path(path) as tmp:
            faiss.write_index(candidates.index.index, str(tmp))
    for other in root.glob(INDEX_GLOB):
        if other != path or candidates is None:
            other.unlink(missing_ok=True)

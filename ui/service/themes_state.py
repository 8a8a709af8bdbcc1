"""themes-state.npz: what an incremental themes update needs between processes (the frozen transform
and the per-problem state of embeddings.themes_update), as plain numpy arrays (never pickle)."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from embeddings.themes_update import ThemeState, Transform
from reports.atomic import atomic_path

__all__ = ["STATE_FILE", "read_state", "write_state"]

log = logging.getLogger("xuncha.themes")
STATE_FILE = "themes-state.npz"


def write_state(path: Path, transform: Transform, state: ThemeState, base_total: int) -> None:
    lex = state.lexical.tocsr()
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, mean=transform.mean, vocab=np.asarray(transform.vocab, dtype=str), idf=transform.idf,
                 base_size=np.int64(transform.base_size), weight=np.float32(transform.weight),
                 base_total=np.int64(base_total), uids=state.uids, units=np.asarray(state.units, dtype=str),
                 in_base=state.in_base, theme=state.theme, nbr=state.nbr, nbr_sim=state.nbr_sim,
                 lex_data=lex.data, lex_indices=lex.indices, lex_indptr=lex.indptr,
                 lex_shape=np.asarray(lex.shape, dtype=np.int64))


def read_state(path: Path) -> tuple[Transform, ThemeState, int] | None:
    """(transform, state, problems at the base) or None when the file is missing or unreadable."""
    from scipy import sparse

    try:
        with np.load(path, allow_pickle=False) as z:
            transform = Transform(z["mean"].astype(np.float32), z["vocab"].tolist(), z["idf"].astype(np.float32),
                                  int(z["base_size"]), float(z["weight"]))
            lexical = sparse.csr_matrix((z["lex_data"], z["lex_indices"], z["lex_indptr"]),
                                        shape=tuple(int(x) for x in z["lex_shape"]))
            state = ThemeState(z["uids"].astype(np.int64), z["units"].tolist(), z["in_base"].astype(bool),
                               z["theme"].astype(np.int32), lexical, z["nbr"].astype(np.int64),
                               z["nbr_sim"].astype(np.float32), float(z["weight"]))
            base_total = int(z["base_total"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as exc:
        log.warning("%s unreadable (%s); clustering themes afresh", path, exc)
        return None
    return transform, state, base_total

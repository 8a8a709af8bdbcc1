"""themes-state.npz: what an incremental themes update needs between processes (the frozen transform
and the per-problem state of embeddings.themes_update), as plain numpy arrays (never pickle); and the
operations on that state the theme service applies (made after clustering, rows dropped and added,
the SIMILAR_TO pairs it implies)."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from embeddings.index import problem_uids
from embeddings.themes import ProblemSet, ThemeConfig, ThemeResult
from embeddings.themes_update import ThemeState, Transform
from reports.shared.atomic import atomic_path

__all__ = ["STATE_FILE", "append_rows", "base_state", "read_state", "state_pairs", "take_rows", "write_state"]

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


def base_state(ps: ProblemSet, result: ThemeResult, transform: Transform, config: ThemeConfig) -> ThemeState:
    """The incremental state right after clustering ``ps`` into ``result``."""
    uids = problem_uids(ps.keys)
    index = {(m["report_id"], m["problem_id"]): n for n, t in enumerate(result.themes) for m in t["members"]}
    theme = np.asarray([index.get(k, -1) for k in ps.keys], dtype=np.int32)
    cross_idx, cross_sim = result.neighbours if result.neighbours is not None else (
        np.full((len(ps), config.similar_top), -1), np.full((len(ps), config.similar_top), -np.inf))
    nbr = np.where(cross_idx >= 0, uids[np.maximum(cross_idx, 0)], -1).astype(np.int64)
    return ThemeState(uids, list(ps.units), np.ones(len(ps), dtype=bool), theme, transform.lexical(ps.tokens),
                      nbr, np.asarray(cross_sim, dtype=np.float32), config.dense_weight)


def take_rows(state: ThemeState, keep: np.ndarray) -> ThemeState:
    return ThemeState(state.uids[keep], [u for u, k in zip(state.units, keep.tolist(), strict=True) if k],
                      state.in_base[keep], state.theme[keep], state.lexical[np.flatnonzero(keep)], state.nbr[keep],
                      state.nbr_sim[keep], state.weight)


def append_rows(state: ThemeState, uids: np.ndarray, units: list[str], lexical) -> ThemeState:
    from scipy import sparse

    k = state.nbr.shape[1]
    cols = max(state.lexical.shape[1], lexical.shape[1])
    lex = sparse.vstack([_widen(state.lexical, cols), _widen(lexical, cols)]).tocsr()
    return ThemeState(np.concatenate([state.uids, uids]), [*state.units, *units],
                      np.concatenate([state.in_base, np.zeros(len(uids), dtype=bool)]),
                      np.concatenate([state.theme, np.full(len(uids), -1, dtype=np.int32)]), lex,
                      np.concatenate([state.nbr, np.full((len(uids), k), -1, dtype=np.int64)]),
                      np.concatenate([state.nbr_sim, np.full((len(uids), k), -np.inf, dtype=np.float32)]), state.weight)


def _widen(m, cols: int):
    m = m.tocsr().copy()
    m.resize((m.shape[0], cols))
    return m


def state_pairs(state: ThemeState, keys: list[tuple[str, str]], rank: dict, config: ThemeConfig) -> list[tuple]:
    """SIMILAR_TO pairs from the neighbour lists, as embeddings.themes._pairs makes them."""
    pos = {int(u): i for i, u in enumerate(state.uids.tolist())}
    best: dict[tuple[int, int], float] = {}
    for i in range(len(state)):
        for u, sim in zip(state.nbr[i, :config.similar_top].tolist(), state.nbr_sim[i, :config.similar_top].tolist(),
                          strict=True):
            if u >= 0 and sim >= config.similar_min and u in pos:
                a, b = sorted((rank[keys[i]], rank[keys[pos[u]]]))
                best[(a, b)] = max(best.get((a, b), -1.0), float(sim))
    by_rank = {r: k for k, r in rank.items()}
    return [(*by_rank[a], *by_rank[b], round(s, 6)) for (a, b), s in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))]

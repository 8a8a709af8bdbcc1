"""themes-state.npz: what an incremental themes update needs between processes (the frozen transform
and the per-problem state of embeddings.themes_update), as plain numpy arrays (never pickle); and the
operations on that state the theme service applies (made after clustering, rows dropped and added,
the SIMILAR_TO pairs it implies)."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from embeddings.index import problem_uids
from embeddings.themes import ProblemSet, ThemeConfig, ThemeResult, _natural
from embeddings.themes_update import ThemeState, Transform
from reports.shared.atomic import atomic_path

__all__ = ["STATE_FILE", "append_rows", "base_state", "pair_changes", "read_state", "state_pairs", "stored_pairs", "take_rows",
           "write_state"]

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


def stored_pairs(path: Path, leaf_keys: list[tuple[str, str]], config: ThemeConfig) -> list[tuple] | None:
    """The pairs the state file at ``path`` implies for the store's problems (``leaf_keys``), None
    without a state file."""
    loaded = read_state(path)
    if loaded is None:
        return None
    by_uid = dict(zip(problem_uids(leaf_keys).tolist(), leaf_keys, strict=True))
    state = take_rows(loaded[1], np.isin(loaded[1].uids, np.fromiter(by_uid, dtype=np.int64, count=len(by_uid))))
    ordered = [by_uid[int(u)] for u in state.uids.tolist()]
    rank = {k: n for n, k in enumerate(sorted(ordered, key=lambda k: (k[0], _natural(k[1]))))}
    return state_pairs(state, ordered, rank, config)


def state_pairs(state: ThemeState, keys: list[tuple[str, str]], rank: dict, config: ThemeConfig) -> list[tuple]:
    """SIMILAR_TO pairs from the neighbour lists, as embeddings.themes._pairs makes them: the lower-ranked
    problem first, strongest first."""
    pos = {int(u): i for i, u in enumerate(state.uids.tolist())}
    best = _best(state.nbr, state.nbr_sim, range(len(state)), pos, keys, rank, config)
    ordered = sorted(best.items(), key=lambda kv: (-kv[1], rank[keys[kv[0][0]]], rank[keys[kv[0][1]]]))
    return [(*keys[a], *keys[b], round(s, 6)) for (a, b), s in ordered]


def pair_changes(state: ThemeState, prev_nbr: np.ndarray, prev_sim: np.ndarray, keys: list[tuple[str, str]],
                 rank: dict, config: ThemeConfig) -> tuple[list[tuple], list[tuple], int]:
    """What became of the SIMILAR_TO pairs when the neighbour lists went from ``prev_*`` to ``state``'s
    (rows added since, with empty previous lists; none removed): (pairs gone as 4 keys, pairs new or
    rescored as links, change in their number). A pair depends on its two problems' lists only, so
    only pairs of a problem whose list changed are looked at: cost proportional to the change, not to
    the ~2 pairs per stored problem (tested equal to diffing ``state_pairs`` before and after)."""
    k = config.similar_top
    changed = (state.nbr[:, :k] != prev_nbr[:, :k]).any(axis=1) | (state.nbr_sim[:, :k] != prev_sim[:, :k]).any(axis=1)
    moved = state.uids[changed]
    pos = {int(u): i for i, u in enumerate(state.uids.tolist())}

    def touching(nbr: np.ndarray, sim: np.ndarray) -> dict[tuple[int, int], float]:
        rows = np.flatnonzero(changed | np.isin(nbr[:, :k], moved).any(axis=1)).tolist()
        best = _best(nbr, sim, rows, pos, keys, rank, config)
        return {p: round(s, 6) for p, s in best.items() if changed[p[0]] or changed[p[1]]}

    before, after = touching(prev_nbr, prev_sim), touching(state.nbr, state.nbr_sim)
    gone = [(*keys[a], *keys[b]) for a, b in before if (a, b) not in after]
    fresh = [(*keys[a], *keys[b], s) for (a, b), s in after.items() if before.get((a, b)) != s]
    return gone, fresh, len(after) - len(before)


def _best(nbr: np.ndarray, sim: np.ndarray, rows, pos: dict[int, int], keys: list[tuple[str, str]], rank: dict,
          config: ThemeConfig) -> dict[tuple[int, int], float]:
    """(row, row) -> the pair's score over the lists of ``rows``: the lower-ranked row first, the larger
    similarity of the two directions, neighbours at or above ``similar_min`` still stored."""
    k = config.similar_top
    best: dict[tuple[int, int], float] = {}
    for i in rows:
        for u, s in zip(nbr[i, :k].tolist(), sim[i, :k].tolist(), strict=True):
            if u >= 0 and s >= config.similar_min and u in pos:
                j = pos[u]
                pair = (i, j) if rank[keys[i]] < rank[keys[j]] else (j, i)
                best[pair] = max(best.get(pair, -1.0), float(s))
    return best

"""The themes update by candidates (embeddings/themes_candidates.py) on small synthetic states where the
answer is known: problems in well-separated groups (a group's problems share most terms, and pairs of
them share a unit, so the cross-unit rule matters), so every top-k neighbour and every join lies in a
problem's own group, which the candidates cover. The candidate path must then give exactly what the
exact scan gives: after additions, after removals (lists that named a removed problem recomputed),
and the joins. The index kept beside themes-state.npz is rebuilt when missing, damaged or out of step."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from embeddings.themes import ThemeConfig
from embeddings.themes_candidates import CandidateIndex, CandidateParams
from embeddings.themes_update import (
    Candidates,
    ThemeState,
    Transform,
    index_rows,
    join_themes,
    update_neighbours,
)
from reports.shared.messages import LOG_FORMATS
from ui.service.themes_index import INDEX_GLOB, index_path, open_candidates, save_candidates
from ui.service.themes_state import append_rows, take_rows

CONFIG = ThemeConfig()
K = CONFIG.similar_top
GROUP = 8          # problems per group
DIM = 24


def _problems(groups: int, start: int, seed: int):
    """(vectors, tokens, units, group of each) for ``groups`` groups of GROUP problems, uids from ``start``."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((groups, DIM)).astype(np.float32)
    vectors, tokens, units, group = [], [], [], []
    for g in range(groups):
        words = [f"g{start}-{g}-w{j}" for j in range(6)]
        for i in range(GROUP):
            vectors.append(centres[g] + 0.2 * rng.standard_normal(DIM).astype(np.float32))
            kept = [w for w in words if rng.random() > 0.2] or words[:1]
            tokens.append([*kept, f"common{int(rng.integers(5))}"])
            units.append(f"u{start}-{g}-{i // 2}")   # pairs inside a group share a unit
            group.append(g)
    return np.asarray(vectors), tokens, units, np.asarray(group)


def _exact_state(groups: int = 40, weight: float = CONFIG.dense_weight):
    """A base state of ``groups`` groups with exact neighbour lists, its transform and raw vectors."""
    vectors, tokens, units, group = _problems(groups, 0, seed=1)
    transform = Transform.fit(vectors, tokens, CONFIG)
    n = len(vectors)
    state = ThemeState(np.arange(1000, 1000 + n, dtype=np.int64), units, np.ones(n, bool), group.astype(np.int32),
                       transform.lexical(tokens), np.full((n, K), -1, np.int64), np.full((n, K), -np.inf, np.float32),
                       weight)
    raw = {"v": vectors}
    state.nbr, state.nbr_sim = update_neighbours(state, _dense(transform, raw), np.zeros(0, np.int64), K,
                                                 np.arange(n, dtype=np.int64))
    return state, transform, raw


def _dense(transform: Transform, raw: dict):
    return lambda pos: transform.dense(raw["v"][np.asarray(pos, dtype=np.int64)])


def _add(state: ThemeState, transform: Transform, raw: dict, groups: int, seed: int):
    """``state`` with new problems: copies (noised) of the first ``groups`` base groups, in new units."""
    base_v, base_t, _, _ = _problems(groups, 0, seed=1)
    rng = np.random.default_rng(seed)
    vectors = base_v + 0.2 * rng.standard_normal(base_v.shape).astype(np.float32)
    units = [f"new{seed}-{i}" for i in range(len(vectors))]
    uids = np.arange(5000 + 100 * seed, 5000 + 100 * seed + len(vectors), dtype=np.int64)
    start = len(state)
    state = append_rows(state, uids, units, transform.lexical(base_t))
    raw["v"] = np.concatenate([raw["v"], vectors])
    return state, np.arange(start, len(state), dtype=np.int64)


def _candidates(state: ThemeState, dense_of, params: CandidateParams | None = None):
    params = params or CandidateParams(m=24, join_m=24)
    return Candidates(CandidateIndex.build(state.uids, index_rows(state, dense_of, params), params,
                                           DIM + params.buckets), params)


def _same(a: tuple, b: tuple) -> None:
    """Equal lists and scores; where two problems score the same to float precision (the two paths sum
    a pair's products in another order) either may come first, or hold the last place."""
    assert np.allclose(np.nan_to_num(a[1], neginf=-9), np.nan_to_num(b[1], neginf=-9), atol=1e-6)
    for ia, sa, ib in zip(a[0], a[1], b[0], strict=True):
        for j in np.flatnonzero(ia != ib):
            where = np.flatnonzero(ia == ib[j])
            assert abs((sa[where[0]] if len(where) else sa[-1]) - sa[j]) <= 1e-6, (ia, ib, sa)


def test_additions_by_candidates_equal_the_exact_scan():
    state, transform, raw = _exact_state()
    state, added = _add(state, transform, raw, groups=6, seed=1)
    dense_of = _dense(transform, raw)
    exact = update_neighbours(state, dense_of, added, K, added)
    cands = _candidates(state, dense_of)
    by_candidates = update_neighbours(state, dense_of, added, K, added, cands)
    _same(exact, by_candidates)
    changed_old = (exact[0][:added[0]] != state.nbr[:added[0]]).any(axis=1)
    assert changed_old.any()          # old problems did take new ones in (the reverse direction is exercised)
    joins = join_themes(state, dense_of, added, CONFIG)
    assert (joins >= 0).all() and np.array_equal(joins, join_themes(state, dense_of, added, CONFIG, cands))
    assert np.array_equal(joins, np.arange(len(added)) // GROUP)   # each joins its group's theme


def test_removals_recompute_the_lists_that_named_a_removed_problem():
    state, transform, raw = _exact_state()
    state, added = _add(state, transform, raw, groups=4, seed=2)
    dense_of = _dense(transform, raw)
    state.nbr, state.nbr_sim = update_neighbours(state, dense_of, added, K, added)
    gone = np.zeros(len(state), bool)
    gone[[3, 4, 17, 40, 41, 42, int(added[2])]] = True
    removed = set(state.uids[gone].tolist())
    dirty_uids = [int(u) for u, row in zip(state.uids.tolist(), state.nbr.tolist(), strict=True)
                  if u not in removed and removed & set(row)]
    keep_v = raw["v"][~gone]
    state = take_rows(state, ~gone)
    raw["v"] = keep_v
    dense_of = _dense(transform, raw)
    state, more = _add(state, transform, raw, groups=2, seed=3)
    dense_of = _dense(transform, raw)
    full = np.union1d(np.flatnonzero(np.isin(state.uids, dirty_uids)), more)
    assert len(full) > len(more)
    exact = update_neighbours(state, dense_of, more, K, full)
    _same(exact, update_neighbours(state, dense_of, more, K, full, _candidates(state, dense_of)))
    # and what recomputing every list afresh gives
    _same(exact, update_neighbours(state, dense_of, np.zeros(0, np.int64), K, np.arange(len(state))))


def test_few_candidates_leave_far_problems_out():
    """The candidate path scores only the index's nearest: with one candidate per new problem its list
    holds one neighbour, where the exact scan finds three."""
    state, transform, raw = _exact_state(groups=10)
    state, added = _add(state, transform, raw, groups=2, seed=4)
    dense_of = _dense(transform, raw)
    one = _candidates(state, dense_of, CandidateParams(m=1, join_m=1))
    nbr, _ = update_neighbours(state, dense_of, added, K, added, one)
    assert (nbr[added][:, 0] >= 0).all() and (nbr[added][:, 1:] == -1).all()
    assert (update_neighbours(state, dense_of, added, K, added)[0][added] >= 0).all()


def test_the_index_beside_the_state_is_kept_or_rebuilt(tmp_path, caplog, monkeypatch):
    state, transform, raw = _exact_state(groups=10)
    dense_of = _dense(transform, raw)
    none = np.zeros(0, np.int64)
    assert open_candidates(tmp_path, transform, state, state.uids, none, none, dense_of, minimum=len(state) + 1) is None
    built = []
    real_build = CandidateIndex.build.__func__
    monkeypatch.setattr(CandidateIndex, "build", classmethod(lambda cls, *a: built.append(1) or real_build(cls, *a)))
    cands = open_candidates(tmp_path, transform, state, state.uids, none, none, dense_of, minimum=0)   # missing
    assert len(built) == 1 and np.array_equal(cands.index.ids(), state.uids)
    save_candidates(tmp_path, transform, cands)
    path = index_path(tmp_path, transform)
    assert path.exists()
    # the next update: kept, extended by the added problems, the removed one dropped
    after_raw = dict(raw)
    grown, added = _add(state, transform, after_raw, groups=1, seed=5)
    keep = grown.uids != state.uids[0]
    grown, after_raw["v"], added = take_rows(grown, keep), after_raw["v"][keep], added - 1
    kept = open_candidates(tmp_path, transform, grown, state.uids, state.uids[:1], added,
                           _dense(transform, after_raw), minimum=0)
    assert len(built) == 1 and np.array_equal(kept.index.ids(), np.sort(grown.uids))
    # out of step (the state moved on without it) or damaged: a coded warning, rebuilt, never a crash
    for damage in ("other problems", "garbage"):
        if damage == "garbage":
            path.write_bytes(b"not a faiss index" * 10)
        with caplog.at_level(logging.WARNING, logger="xuncha.themes"):
            caplog.clear()
            again = open_candidates(tmp_path, transform, state, state.uids[1:] if damage == "other problems"
                                    else state.uids, none, none, dense_of, minimum=0)
        assert np.array_equal(again.index.ids(), state.uids)
        [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert LOG_FORMATS[record.msg][0] == "themes_index_redo" and str(path) in record.getMessage()
    assert len(built) == 3
    # below the minimum no update keeps it in step: it goes
    save_candidates(tmp_path, transform, None)
    assert not list(tmp_path.glob(INDEX_GLOB))


def test_an_index_trained_for_a_much_smaller_store_is_built_afresh():
    state, transform, raw = _exact_state(groups=40)
    dense_of = _dense(transform, raw)
    small = CandidateIndex.build(state.uids[:80], dense_of, CandidateParams(), DIM)
    small.add(state.uids[80:160], dense_of(np.arange(80, 160)))
    assert not small.worn()          # 2x: still fine
    small.add(state.uids[160:], dense_of(np.arange(160, len(state))))
    assert small.worn()              # 4x: 8 lists would be trained now, not 2


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_pure_dense_or_pure_lexical_similarity(weight):
    state, transform, raw = _exact_state(groups=12, weight=weight)
    state, added = _add(state, transform, raw, groups=2, seed=6)
    dense_of = _dense(transform, raw)
    _same(update_neighbours(state, dense_of, added, K, added),
          update_neighbours(state, dense_of, added, K, added, _candidates(state, dense_of)))

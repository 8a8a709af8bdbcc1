"""The themes update by candidates (embeddings/themes_candidates.py) against the exact scan, on a real
workspace's vectors grown by noised copies: agreement (top-k lists, SIMILAR_TO pairs, theme joins) and
CPU seconds for adding problems to a store of N.

    HF_HUB_OFFLINE=1 nice -n 10 python -m bench.bench_themes_candidates WS --stored 30000 300000 \\
        [--added 1590] [--m 32 64] [--nprobe 8 16] [--token-drop 0.0]

WS: a workspace (e.g. data/reports ingested); read only. Its leaf problems (vectors from the index,
tokens as the themes read them) are the sources. The store of N: copy c of every source (c = 0: the
source itself) gets the source's vector plus isotropic noise of norm 0.05, renormalised (as
bench/grown_workspace.py grows a workspace), the source's tokens (less a random share ``--token-drop``
of them, at least one kept) and a unit of its own (``<unit>~c``). Themes of the base: the sources
clustered (compute_themes), every copy in its source's theme. Stored neighbour lists: each problem's
exact top-k cross-unit among the copies of its own source (the nearest by construction; a list that
missed a closer problem of another source has a lower k-th score, which makes the reverse merge harder
for the candidate path, not easier). The added problems: further copies, in units of their own.
Truth: embeddings.themes_update's exact scan on the same state; CPU: process time (all threads).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

NOISE = 0.05


def sources(ws_path: Path):
    """(ProblemSet, ThemeConfig) of the workspace's leaf problems."""
    from ui.service.workspace import Workspace

    ws = Workspace(ws_path)
    try:
        problems, _ = ws.themes._problem_set()
        return problems, ws.themes.config
    finally:
        ws.close()


def grown(problems, config, n: int, added: int, drop: float, seed: int = 0):
    """(state, raw vectors, transform, positions added) for a store of ``n`` copies plus ``added`` more."""
    from embeddings.themes import compute_themes
    from embeddings.themes_update import ThemeState, Transform

    rng = np.random.default_rng(seed)
    n0 = len(problems)
    result = compute_themes(problems, config)
    index = {(m["report_id"], m["problem_id"]): t for t, th in enumerate(result.themes) for m in th["members"]}
    src_theme = np.asarray([index.get(k, -1) for k in problems.keys], dtype=np.int32)
    transform = Transform.fit(problems.vectors, problems.tokens, config)
    total = n + added
    src = np.arange(total) % n0
    copy = np.arange(total) // n0
    vecs = np.asarray(problems.vectors, dtype=np.float32)[src]
    noise = rng.standard_normal(vecs.shape).astype(np.float32) * (NOISE / np.sqrt(vecs.shape[1]))
    vecs[copy > 0] += noise[copy > 0]
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    if drop > 0:
        tokens = []
        for s, c in zip(src.tolist(), copy.tolist(), strict=True):
            toks = problems.tokens[s]
            keep = rng.random(len(toks)) >= drop if c else np.ones(len(toks), bool)
            tokens.append([t for t, k in zip(toks, keep.tolist(), strict=True) if k] or list(toks[:1]))
        lexical = transform.lexical(tokens)
    else:
        lexical = transform.lexical(problems.tokens)[src]
    units = [f"{problems.units[s]}~{c}" for s, c in zip(src.tolist(), copy.tolist(), strict=True)]
    k = config.similar_top
    state = ThemeState(np.arange(total, dtype=np.int64), units, np.arange(total) < n, src_theme[src].copy(),
                       lexical.tocsr(), np.full((total, k), -1, np.int64), np.full((total, k), -np.inf, np.float32),
                       config.dense_weight)
    state.theme[n:] = -1
    _own_copies(state, transform, vecs, src, n, k)
    return state, vecs, transform, np.arange(n, total, dtype=np.int64)


def _own_copies(state, transform, vecs: np.ndarray, src: np.ndarray, n: int, k: int) -> None:
    """Stored lists: exact top-k cross-unit among the stored copies of the same source."""
    from embeddings.themes_update import _merge_top, similarity

    units = np.unique(np.asarray(state.units, dtype=object), return_inverse=True)[1]
    for s in np.unique(src[:n]):
        g = np.flatnonzero(src[:n] == s)
        d = transform.dense(vecs[g])
        for lo in range(0, len(g), 1024):
            r = g[lo:lo + 1024]
            sim = similarity(d[lo:lo + 1024], state.lexical[r], d, state.lexical[g], state.weight)
            sim[units[r][:, None] == units[g][None, :]] = -np.inf
            state.nbr[r], state.nbr_sim[r] = _merge_top(state.nbr[r], state.nbr_sim[r], g.astype(np.int64), sim, k)


def pairs(nbr: np.ndarray, sim: np.ndarray, uids: np.ndarray, rows: np.ndarray, floor: float) -> set:
    """SIMILAR_TO pairs from the lists of ``rows`` (uid pairs, smaller first, at or above ``floor``)."""
    out = set()
    for i in rows.tolist():
        for u, s in zip(nbr[i].tolist(), sim[i].tolist(), strict=True):
            if u >= 0 and s >= floor:
                out.add((min(int(uids[i]), u), max(int(uids[i]), u)))
    return out


def compare(truth: tuple, got: tuple, before: tuple, state, added: np.ndarray, config) -> dict:
    """Agreement of ``got`` (nbr, nbr_sim, joins) with ``truth``; ``before``: the lists before the update."""
    t_nbr, t_sim, t_join = truth
    g_nbr, g_sim, g_join = got
    changed = np.flatnonzero((t_nbr != before[0]).any(axis=1) | (g_nbr != before[0]).any(axis=1))
    old_changed = np.setdiff1d(changed, added)

    def recall(rows: np.ndarray, tie: float = 0.0) -> float:
        """Share of the true lists' entries found; with ``tie``, an entry missed for another problem
        scoring within ``tie`` of it (float summation order) counts as found."""
        hit = tot = 0
        for i in rows.tolist():
            want = dict(zip(t_nbr[i].tolist(), t_sim[i].tolist(), strict=True))
            want.pop(-1, None)
            got = set(g_nbr[i].tolist())
            hit += sum(u in got or (tie > 0 and np.isfinite(g_sim[i][-1]) and abs(s - g_sim[i][-1]) <= tie)
                       for u, s in want.items())
            tot += len(want)
        return hit / max(tot, 1)

    touched = np.union1d(changed, added)
    tp = pairs(t_nbr, t_sim, state.uids, touched, config.similar_min)
    gp = pairs(g_nbr, g_sim, state.uids, touched, config.similar_min)
    every = np.arange(len(state))
    return {"recall_all": round(recall(every), 5), "recall_added": round(recall(added), 5),
            "recall_old_changed": round(recall(old_changed), 5), "old_lists_changed": len(old_changed),
            "recall_touched_tie1e-5": round(recall(np.union1d(old_changed, added), 1e-5), 5),
            "pairs_touched_equal": round(len(tp & gp) / max(len(tp | gp), 1), 5), "pairs_touched": len(tp),
            "joins_equal": round(float((t_join == g_join).mean()), 5),
            "themed_added": int((t_join >= 0).sum()),
            "list_sim_max_diff": float(np.nanmax(np.abs(np.where(np.isfinite(t_sim) & (t_nbr == g_nbr),
                                                                 t_sim - g_sim, 0.0))))}


def run(problems, config, n: int, added_n: int, drop: float, ms: list[int], nprobes: list[int], backs: list[int],
        slacks: list[float], bucket_list: list[int]) -> list[dict]:
    import faiss

    from embeddings.themes_candidates import CandidateIndex, CandidateParams
    from embeddings.themes_update import Candidates, index_rows, join_themes, update_neighbours

    state, vecs, transform, added = grown(problems, config, n, added_n, drop)
    before = (state.nbr.copy(), state.nbr_sim.copy())
    stored = np.arange(n, dtype=np.int64)

    def dense_of(pos: np.ndarray) -> np.ndarray:
        return transform.dense(vecs[np.asarray(pos, dtype=np.int64)])

    k = config.similar_top
    t0 = time.process_time()
    nbr, sim = update_neighbours(state, dense_of, added, k, added)
    joins = join_themes(state, dense_of, added, config)
    exact_cpu = time.process_time() - t0
    truth = (nbr, sim, joins)
    out = [{"stored": n, "added": added_n, "token_drop": drop, "path": "exact", "cpu_s": round(exact_cpu, 2),
            "cpu_ms_per_added": round(1000 * exact_cpu / added_n, 2)}]
    print(json.dumps(out[-1]), flush=True)
    for buckets in bucket_list:
        spec = "SQ8"
        params = CandidateParams(spec=spec, buckets=buckets)
        t0 = time.process_time()
        rows_of = index_rows(state, dense_of, params)
        base_index = CandidateIndex.build(state.uids[stored], lambda p, f=rows_of: f(stored[p]), params,
                                          vecs.shape[1] + max(params.buckets, 0))
        build_cpu = time.process_time() - t0
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "i.faiss")
            t0 = time.perf_counter()
            faiss.write_index(base_index.index, path)
            write_s = time.perf_counter() - t0
            size_mb = Path(path).stat().st_size / 1e6
            t0 = time.process_time()
            again = faiss.read_index(path)
            assert np.array_equal(CandidateIndex(again).ids(), state.uids[stored])   # the check an update makes
            read_cpu = time.process_time() - t0
        for m, nprobe, back, slack in ((m, p, b, x) for m in ms for p in nprobes for b in backs for x in slacks):
            params = CandidateParams(m=m, nprobe=nprobe, back=back, slack=slack, spec=spec, buckets=buckets)
            index = CandidateIndex(faiss.clone_index(again))
            t0 = time.process_time()
            index.add(state.uids[added], rows_of(added))
            cands = Candidates(index, params)
            g_nbr, g_sim = update_neighbours(state, dense_of, added, k, added, cands)
            g_join = join_themes(state, dense_of, added, config, cands)
            cpu = time.process_time() - t0
            row = {"stored": n, "added": added_n, "token_drop": drop, "path": f"candidates {spec}", "m": m,
                   "nprobe": nprobe, "back": back, "slack": slack, "buckets": buckets, "cpu_s": round(cpu, 2),
                   "cpu_ms_per_added": round(1000 * cpu / added_n, 2),
                   "index_build_cpu_s": round(build_cpu, 2), "index_mb": round(size_mb, 1),
                   "index_write_s": round(write_s, 2), "index_read_cpu_s": round(read_cpu, 2),
                   **compare(truth, (g_nbr, g_sim, g_join), before, state, added, config)}
            out.append(row)
            print(json.dumps(row), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", type=Path)
    ap.add_argument("--stored", type=int, nargs="+", default=[30_000, 300_000])
    ap.add_argument("--added", type=int, default=1590)
    ap.add_argument("--m", type=int, nargs="+", default=[128])
    ap.add_argument("--nprobe", type=int, nargs="+", default=[8])
    ap.add_argument("--back", type=int, nargs="+", default=[4], help="new problems scored per old problem")
    ap.add_argument("--slack", type=float, nargs="+", default=[0.1], help="CandidateParams.slack")
    ap.add_argument("--buckets", type=int, nargs="+", default=[384], help="CandidateParams.buckets (0: dense only)")
    ap.add_argument("--token-drop", type=float, default=0.0, help="share of a copy's tokens dropped")
    args = ap.parse_args()
    problems, config = sources(args.workspace)
    print(json.dumps({"sources": len(problems), "load": [round(x, 2) for x in os.getloadavg()]}), flush=True)
    for n in args.stored:
        run(problems, config, n, args.added, args.token_drop, args.m, args.nprobe, args.back, args.slack,
            args.buckets)


if __name__ == "__main__":
    main()

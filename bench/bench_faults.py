"""Search latency during an ingest vs idle (issue 12): `xuncha search` runs as a fresh process
each time, as a user would run it, once with the workspace idle and then repeatedly while another
process ingests (and embeds) more reports with the real model.

Run: python -m bench.bench_faults [--idle 8]. Writes bench/results/faults.json. The machine is
shared: figures are indicative, compare idle and during-ingest from the same run only.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from embeddings.writer_lock import writer_active

QUERIES = ("理论学习流于形式", "三会一课制度落实不到位", "意识形态工作责任制", "违规发放津补贴", "选人用人不规范")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}


def xuncha(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], env=ENV, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def timed_search(ws: Path, query: str) -> float:
    started = time.perf_counter()
    proc = xuncha("search", query, "--json", "-k", "5", "--workspace", str(ws))
    seconds = time.perf_counter() - started
    if proc.returncode != 0 or not json.loads(proc.stdout):
        raise SystemExit(f"search failed: {proc.stderr.strip()}")
    return seconds


def summary(xs: list[float]) -> dict:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    return {"n": len(xs), "p50_s": round(statistics.median(xs), 2), "p95_s": round(p95, 2),
            "max_s": round(xs[-1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--idle", type=int, default=8, help="searches with the workspace idle")
    args = parser.parse_args()
    files = sorted((ROOT / "data" / "reports").glob("*.txt"))
    ws = Path(tempfile.mkdtemp(prefix="xuncha-bench-faults-")) / "ws"
    try:
        proc = xuncha("ingest", *map(str, files[:2]), "--workspace", str(ws))
        assert proc.returncode == 0, proc.stderr
        idle = [timed_search(ws, QUERIES[i % len(QUERIES)]) for i in range(args.idle)]
        writer = subprocess.Popen([sys.executable, "-m", "ui.cli", "ingest", *map(str, files[2:]), "--workspace",
                                   str(ws)], env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not writer_active(ws) and writer.poll() is None:
            time.sleep(0.05)
        started = time.perf_counter()
        during: list[float] = []
        while writer.poll() is None:
            during.append(timed_search(ws, QUERIES[len(during) % len(QUERIES)]))
        ingest_s = time.perf_counter() - started
        result = {"date": str(date.today()), "machine": "2 shared cores (about 7 other jobs running)",
                  "idle": summary(idle), "during_ingest": summary(during) if during else None,
                  "ingest_seconds": round(ingest_s, 1), "reports_ingested_meanwhile": len(files) - 2}
        if during:
            result["p95_ratio"] = round(result["during_ingest"]["p95_s"] / result["idle"]["p95_s"], 2)
        out = ROOT / "bench" / "results" / "faults.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        shutil.rmtree(ws.parent, ignore_errors=True)


if __name__ == "__main__":
    main()

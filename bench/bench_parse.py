"""Parse throughput on the demo corpus: MB/s for read+parse and for parse alone, repeated.

Run: python -m bench.bench_parse [--repeat 20]. Writes bench/results/parse.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from reports.parse import parse_source, parse_text
from reports.read import read_source


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    files = sorted((ROOT / "data" / "reports").glob("*.txt"))
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    texts = [read_source(p).text for p in files]
    for p in files:  # warm caches (place list, regexes)
        parse_source(read_source(p))
    full = timed(lambda: [parse_source(read_source(p)) for p in files], args.repeat)
    parse_only = timed(lambda: [parse_text(t) for t in texts], args.repeat)
    result = {
        "date": date.today().isoformat(), "machine": f"{platform.machine()}, {platform.processor() or ''} "
        f"python {platform.python_version()}", "command": f"python -m bench.bench_parse --repeat {args.repeat}",
        "files": len(files), "megabytes": round(size_mb, 4), "repeat": args.repeat,
        "read_parse_mb_s_median": round(size_mb / statistics.median(full), 3),
        "read_parse_mb_s_min": round(size_mb / max(full), 3),
        "parse_only_mb_s_median": round(size_mb / statistics.median(parse_only), 3),
        "reports_per_s_median": round(len(files) / statistics.median(full), 1),
    }
    (ROOT / "bench" / "results" / "parse.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

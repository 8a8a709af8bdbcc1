"""How long `xuncha briefing` takes: on the corpus, and on a workspace of N reports (copies of the
corpus with every sentence made unique, bench.bench_ingest.replicate), where a unit's peers hold
hundreds of reports and every measure of their problems is scored. Store only: the briefing needs
no search index. Run by hand:

    HF_HUB_OFFLINE=1 python -m bench.bench_briefing --reports 500

Writes bench/results/briefing.json and the "briefing" block of bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.bench_ingest import replicate
from bench.md_blocks import put_block

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

HERE = Path(__file__).resolve().parent
SECTION = "## Briefing (巡前研判 / 自查清单)"
UNITS = ("张家界市文联", "庆阳市文联", "山东省作协", "桑植县政协", "益阳市文旅广体局")


def timed(ws, units=UNITS) -> dict[str, dict]:
    """Seconds per briefing: the first (store classified, reports loaded) and a second one."""
    from ui.service.briefing import build_briefing

    out = {}
    for unit in units:
        started = time.perf_counter()
        b = build_briefing(ws, unit).to_json()
        first = time.perf_counter() - started
        started = time.perf_counter()
        build_briefing(ws, unit)
        out[unit] = {"first_s": round(first, 3), "again_s": round(time.perf_counter() - started, 3),
                     "peers": len(b["peers"]), "types": len(b["types"]),
                     "peer_reports": sum(len(p["report_ids"]) for p in b["peers"])}
    return out


def main() -> None:
    from ui.service.workspace import DEMO_CORPUS, Workspace

    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=500, help="reports in the scaled workspace")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        with Workspace(Path(tmp) / "corpus") as ws:
            ws.ingest([DEMO_CORPUS])
            corpus = timed(ws)
        files = replicate(DEMO_CORPUS, args.reports, Path(tmp) / "files")
        with Workspace(Path(tmp) / "scaled") as ws:
            started = time.perf_counter()
            ws.ingest(files)
            ingest_s = time.perf_counter() - started
            problems = sum(s["found"]["leaf_problems"] for s in ws.reports())
            scaled = timed(ws)
    res = {"date": date.today().isoformat(), "load": round(load, 2), "reports": args.reports, "problems": problems,
           "ingest_s": round(ingest_s, 1), "corpus": corpus, "scaled": scaled}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "briefing.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), "utf-8")
    rows = "\n".join(f"| {u} | {corpus[u]['first_s']:.2f} / {corpus[u]['again_s']:.2f} | "
                     f"{scaled[u]['peer_reports']} | {scaled[u]['first_s']:.2f} / {scaled[u]['again_s']:.2f} |"
                     for u in UNITS)
    block = (f"{res['date']}, `python -m bench.bench_briefing --reports {args.reports}`, 2 shared cores, load "
             f"{res['load']} at the start. Seconds per `build_briefing` (first call / second call on the same "
             f"workspace object); the scaled workspace has {args.reports} reports ({problems} leaf problems, "
             "copies of the corpus, so each unit has ~1/5 of them).\n\n"
             "| unit | corpus 5 reports | peer reports (scaled) | scaled |\n|---|---|---|---|\n" + rows)
    put_block("briefing", block, section=SECTION)
    print(json.dumps(res, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

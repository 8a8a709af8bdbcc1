"""`xuncha ingest` end to end against txtai indexing the same texts with the same model (issue 23).

    HF_HUB_OFFLINE=1 python -m bench.bench_peer [--reports 100] [--rounds 3]

txtai is what a user would pick instead; it is a benchmark-only dependency (``pip install txtai``,
the ``bench`` extra), never imported by xuncha itself. Both sides load the converted e5-small from
the local cache directory (embeddings.model_cache; nothing is downloaded: HF_HUB_OFFLINE=1).

The reports are synthetic unique copies of data/reports (bench.bench_ingest.replicate). The texts
txtai indexes are exactly the strings xuncha's document encoder is given (the indexed recipe of each
problem with the model's prompt), computed once before the timed runs. Each round runs, in an order
that rotates from round to round, three fresh processes on the same files:

- ``xuncha`` at the default precision: ``python -m ui.cli ingest DIR --workspace NEW`` (read, parse,
  entities, store, graph, embedding, FAISS, BM25, themes, recurrence: everything a user waits for);
- ``xuncha-fp32``: the same with XUNCHA_ENCODER_PRECISION=fp32;
- ``txtai``: a process that imports txtai, builds ``Embeddings(path=MODEL)`` at its defaults (torch
  fp32, faiss), indexes the texts and saves the index.

Rates are problems (index rows) per second of process wall time, start to exit, so interpreter start
and model load count on both sides. The machine is shared: ratios are taken within each round (the
three processes ran in the same minutes) and the median ratio over rounds is reported. Writes a block
into bench/RESULTS.md ("## Scale to a province (issue 23)") unless ``--no-write``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.bench_ingest import replicate
from bench.bench_scale import SECTION, child_env, problem_rows, run_timed

TXTAI_SCRIPT = r"""
import json, sys
from txtai import Embeddings
texts = json.load(open(sys.argv[2], encoding="utf-8"))
embeddings = Embeddings(path=sys.argv[1], content=False)
embeddings.index(texts)
embeddings.save(sys.argv[3])
print(json.dumps({"count": embeddings.count(), "config": {k: v for k, v in embeddings.config.items() if k != "build"}}))
"""


def encoded_texts(files_dir: Path, tmp: Path) -> tuple[list[str], str]:
    """The strings xuncha's document encoder is given for these files, and the model directory."""
    from embeddings.doc_texts import capped_texts
    from embeddings.encoder import load_encoder
    from embeddings.search import ProblemTable
    from embeddings.service import DOC_KIND, DOC_RECIPE
    from reports.read.limits import MAX_EMBED_CHARS_PROBLEM, MAX_EMBED_CHARS_REPORT
    from ui.service.workspace import Workspace

    with Workspace(tmp / "texts-ws") as ws:
        ws.ingest([files_dir])
        table = ProblemTable(ws.store.problem_rows())
    texts = capped_texts(table, list(range(table.size)), DOC_RECIPE, MAX_EMBED_CHARS_PROBLEM, MAX_EMBED_CHARS_REPORT)
    encoder = load_encoder()
    prompt = encoder.prompts.get(DOC_KIND, "")
    return [prompt + t for t in texts], str(encoder.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--label", default="this branch")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    command = "HF_HUB_OFFLINE=1 python -m bench.bench_peer " + " ".join(sys.argv[1:])
    started_at = datetime.now(UTC)
    tmp = Path(tempfile.mkdtemp(prefix="xuncha-peer-"))
    files = replicate(ROOT / "data" / "reports", args.reports, tmp / "files")
    texts, model = encoded_texts(tmp / "files", tmp)
    texts_path = tmp / "texts.json"
    texts_path.write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
    log_path = tmp / "stderr.log"
    runners = {
        "xuncha": lambda ws: [sys.executable, "-m", "ui.cli", "ingest", str(tmp / "files"), "--workspace", str(ws), "--json"],
        "xuncha-fp32": lambda ws: [sys.executable, "-m", "ui.cli", "ingest", str(tmp / "files"), "--workspace", str(ws),
                                   "--json"],
        "txtai": lambda ws: [sys.executable, "-c", TXTAI_SCRIPT, model, str(texts_path), str(ws)],
    }
    envs = {"xuncha": {}, "xuncha-fp32": {"XUNCHA_ENCODER_PRECISION": "fp32"}, "txtai": {}}
    order = list(runners)
    rounds = []
    for r in range(args.rounds):
        row: dict = {"round": r + 1, "load": [round(x, 2) for x in os.getloadavg()]}
        for name in order[r % len(order):] + order[:r % len(order)]:
            ws = tmp / f"ws-{r}-{name}"
            res = run_timed(runners[name](ws), child_env(envs[name]), log_path)
            if res["rc"] != 0:
                raise SystemExit(f"{name} exited {res['rc']}; see {log_path}")
            count = problem_rows(ws) if name != "txtai" else json.loads(res["stdout"].decode().splitlines()[-1])["count"]
            row[name] = {"seconds": round(res["wall_s"], 2), "problems": count, "rate": round(count / res["wall_s"], 2),
                         "cpu_s": round(res["cpu_s"], 1), "rss_mb": round(res["writer_rss_mb"])}
        row["ratio"] = round(row["xuncha"]["rate"] / row["txtai"]["rate"], 3)
        row["ratio_fp32"] = round(row["xuncha-fp32"]["rate"] / row["txtai"]["rate"], 3)
        row["cpu_ratio"] = round(row["txtai"]["cpu_s"] / row["xuncha"]["cpu_s"], 3)
        row["cpu_ratio_fp32"] = round(row["txtai"]["cpu_s"] / row["xuncha-fp32"]["cpu_s"], 3)
        rounds.append(row)
        print(json.dumps(row), flush=True)
    block = render(rounds, args, command, started_at, len(files), len(texts))
    print(block)
    if not args.no_write:
        from bench.md_blocks import put_block
        put_block("peer-txtai", block, section=SECTION)


def render(rounds: list[dict], args, command: str, started_at: datetime, n_files: int, n_texts: int) -> str:
    head = (f"**{args.label}** — {started_at:%Y-%m-%d %H:%M} UTC, {platform.machine()} {os.cpu_count()} cores shared "
            f"with other jobs (load average at each round's start in the table). `{command}`. {n_files} reports, "
            f"{n_texts} texts; each cell: problems/s of one process, start to exit (seconds, peak RSS MB).")
    lines = [head, "", "| round | load | xuncha (default precision) | xuncha fp32 | txtai | ratio | ratio fp32 | "
             "CPU ratio | CPU ratio fp32 |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rounds:
        cells = [f"{r[n]['rate']} ({r[n]['seconds']} s, {r[n].get('cpu_s', '?')} CPU s, {r[n]['rss_mb']} MB)"
                 for n in ("xuncha", "xuncha-fp32", "txtai")]
        lines.append(f"| {r['round']} | {r['load']} | " + " | ".join(cells) + f" | {r['ratio']} | {r['ratio_fp32']} | "
                     f"{r.get('cpu_ratio', '')} | {r.get('cpu_ratio_fp32', '')} |")
    ratio = statistics.median(r["ratio"] for r in rounds)
    ratio32 = statistics.median(r["ratio_fp32"] for r in rounds)
    lines += ["", f"Median over paired rounds: **{ratio:.2f}x** txtai at the default precision (bar >= 1.2x), "
              f"**{ratio32:.2f}x** with XUNCHA_ENCODER_PRECISION=fp32 (bar >= 1.0x)."]
    if all("cpu_ratio" in r for r in rounds):
        lines += ["", "CPU ratio = txtai's CPU seconds / xuncha's (user + system, the process and its workers): the "
                  f"work each side does for the same texts, which the shared machine's load does not move as much; "
                  f"median {statistics.median(r['cpu_ratio'] for r in rounds):.2f}x at the default precision, "
                  f"{statistics.median(r['cpu_ratio_fp32'] for r in rounds):.2f}x in fp32."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Chunks of reports ingested one after another into one workspace, each by its own `xuncha ingest`
process (issue 23): per-chunk rate, peak RSS, search latency, and the app's first answer at the end.

    HF_HUB_OFFLINE=1 python -m bench.bench_scale --reports 300 --chunk 50            # the issue-23 check
    HF_HUB_OFFLINE=1 python -m bench.bench_scale --reports 10000 --chunk 500 --search --first-answer

Reports are synthetic unique copies of data/reports (bench.bench_ingest.replicate: every sentence
gets a copy-and-sentence counter, so no text repeats across copies). Since 2026-12-07 the copies get
units of their own (``--unit-rounds 4``: units of 4 reports, one per inspection round, as a province
holds many units; the corpus's five units before, so every sync touched every unit and recurrence
and themes figures of earlier runs reflect that shape; ``--unit-rounds 0`` rebuilds it, as
``--resume-after`` on a workspace of such a run needs). Each chunk is a fresh
``python -m ui.cli ingest DIR --workspace WS --json`` process, so the per-chunk rate includes what a
user pays: interpreter start, model load, storing, and the sync (graph, index, themes, recurrence).

Per chunk: problems added (index rows, counted in the store), wall seconds, problems/s, the writer's
peak RSS (VmHWM sampled every 0.1 s; monotonic, so only the last 0.1 s can be missed) and the peak
RSS of the process tree as the kernel reports it to the parent (wait4: the largest of the writer
and its forked parse workers). With ``--search`` each chunk is followed by a search process timing
the independent query set (devset/queries_independent.jsonl) after one warm-up: p50/p95 ms per query.
``--first-answer`` runs bench.bench_ui's browser launch measurement once on the final workspace.
Rows go to bench/results/scale-<label>.jsonl as they come (a long run can be read while it runs) and
a table into bench/RESULTS.md ("## Scale to a province (issue 23)"); with ``--no-write`` the rows are
printed and logged in the run's temporary folder only, so the checkout is left as it was.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.bench_ingest import replicate

SECTION = "## Scale to a province (issue 23)"
QUERIES = Path(os.environ.get("XUNCHA_DEVSET", "/work/shared/devset")) / "queries_independent.jsonl"


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This checkout first on the path, offline, plus ``extra``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.update(extra or {})
    return env


class HighWater:
    """Polls /proc/PID/status for VmHWM (the process's own peak RSS) until stopped."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid, self.every, self.kb = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        path = f"/proc/{self.pid}/status"
        while not self._stop.is_set():
            try:
                with open(path) as fh:
                    for line in fh:
                        if line.startswith("VmHWM:"):
                            self.kb = max(self.kb, int(line.split()[1]))
                            break
            except (OSError, ValueError):
                return
            self._stop.wait(self.every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.kb / 1024


def run_timed(cmd: list[str], env: dict[str, str], log_path: Path) -> dict:
    """Run ``cmd``; wall seconds, writer peak RSS (MB), tree peak RSS (MB), exit code."""
    started = time.perf_counter()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=log, cwd=ROOT)
        hwm = HighWater(proc.pid)
        out = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "writer_rss_mb": hwm.stop(), "tree_rss_mb": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime, "rc": proc.returncode, "stdout": out}


def problem_rows(workspace: Path) -> int:
    with sqlite3.connect(workspace / "xuncha.db") as db:
        return int(db.execute("SELECT COUNT(*) FROM problems").fetchone()[0])


SEARCH_SCRIPT = r"""
import json, sys, time
from ui.service.workspace import Workspace
queries = [json.loads(l)["q"] for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
with Workspace(sys.argv[1]) as ws:
    t0 = time.perf_counter(); ws.search.search(queries[0], k=10); first = time.perf_counter() - t0
    times, cpu = [], []
    for q in queries:
        t, c = time.perf_counter(), time.process_time(); ws.search.search(q, k=10)
        times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
print(json.dumps({"first_s": first, "times": times, "cpu": cpu}))
"""


def search_latency(workspace: Path, log_path: Path) -> dict:
    """Per-query latency over the independent query set in a fresh process (first query apart)."""
    res = run_timed([sys.executable, "-c", SEARCH_SCRIPT, str(workspace), str(QUERIES)], child_env(), log_path)
    data = json.loads(res["stdout"].decode().strip().splitlines()[-1])
    times = sorted(1000 * t for t in data["times"])
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"search_first_s": round(data["first_s"], 3), "search_p50_ms": round(statistics.median(times), 1),
            "search_p95_ms": round(p95, 1), "search_cpu_ms": round(1000 * statistics.mean(data["cpu"]), 1),
            "search_rss_mb": round(res["writer_rss_mb"])}


def first_answer(workspace: Path, log_path: Path) -> dict:
    """bench.bench_ui's launch -> first deep-link result, 3 fresh servers, on a copy of ``workspace``."""
    out = HERE / "results" / "ui.json"
    kept = out.read_bytes() if out.exists() else None   # bench_ui's own record (the demo workspace) stays
    try:
        res = run_timed([sys.executable, "-m", "bench.bench_ui", "--repeat", "1", "--launch-repeat", "3",
                         "--workspace", str(workspace)], child_env(), log_path)
        try:
            data = json.loads(out.read_text("utf-8"))
        except (OSError, ValueError):
            data = {}
    finally:
        if kept is not None:
            out.write_bytes(kept)
    return {"first_answer": data, "rc": res["rc"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=300)
    ap.add_argument("--chunk", type=int, default=50)
    ap.add_argument("--label", default="this branch")
    ap.add_argument("--search", action="store_true", help="time the independent queries after each chunk")
    ap.add_argument("--first-answer", action="store_true", help="browser first answer on the final workspace")
    ap.add_argument("--keep", type=Path, default=None, help="build the workspace here and keep it")
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE for the ingest processes")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--unit-rounds", type=int, default=4, metavar="R",
                    help="copies form units of R reports (inspection rounds); 0: every copy keeps its source's unit")
    ap.add_argument("--resume-after", type=int, default=0, metavar="N",
                    help="continue a stopped run: --keep's workspace already holds the first N chunks")
    args = ap.parse_args()
    if args.resume_after and not (args.keep and (args.keep / "xuncha.db").exists()):
        raise SystemExit("--resume-after needs --keep naming the stopped run's workspace")
    command = "HF_HUB_OFFLINE=1 python -m bench.bench_scale " + " ".join(sys.argv[1:])
    extra = dict(kv.split("=", 1) for kv in args.env)
    tmp = Path(tempfile.mkdtemp(prefix="xuncha-scale-"))
    workspace = args.keep or tmp / "ws"
    if workspace.exists() and not args.resume_after:
        shutil.rmtree(workspace)
    # --no-write leaves the repo as it was: the per-chunk log goes to the run's temporary folder
    rows_dir = tmp if args.no_write else HERE / "results"
    rows_path = rows_dir / f"scale-{args.label.replace(' ', '_')}.jsonl"
    rows_path.parent.mkdir(parents=True, exist_ok=True)
    if not args.resume_after:
        rows_path.write_text("")
    log_path = tmp / "stderr.log"
    started_at = datetime.now(UTC)
    rows = []
    try:
        files = replicate(ROOT / "data" / "reports", args.reports, tmp / "all", unit_rounds=args.unit_rounds)
        for n, start in enumerate(range(0, len(files), args.chunk)):
            if n < args.resume_after:   # replicate() is deterministic: these copies are stored already
                continue
            chunk_dir = tmp / f"chunk{n:03d}"
            chunk_dir.mkdir()
            for f in files[start:start + args.chunk]:
                f.rename(chunk_dir / f.name)
            before = problem_rows(workspace) if (workspace / "xuncha.db").exists() else 0
            load = os.getloadavg()
            res = run_timed([sys.executable, "-m", "ui.cli", "ingest", str(chunk_dir), "--workspace", str(workspace),
                             "--json"], child_env(extra), log_path)
            if res["rc"] != 0:
                raise SystemExit(f"chunk {n}: ingest exited {res['rc']}; see {log_path}")
            added = problem_rows(workspace) - before
            row = {"chunk": n + 1, "reports": start + len(files[start:start + args.chunk]), "problems_total": before + added,
                   "problems": added, "wall_s": round(res["wall_s"], 2), "rate": round(added / res["wall_s"], 2),
                   "cpu_s": round(res["cpu_s"], 1), "cpu_ms_per_problem": round(1000 * res["cpu_s"] / max(added, 1), 1),
                   "writer_rss_mb": round(res["writer_rss_mb"]), "tree_rss_mb": round(res["tree_rss_mb"]),
                   "load": [round(x, 2) for x in load]}
            if args.search:
                row.update(search_latency(workspace, log_path))
            rows.append(row)
            print(json.dumps(row), flush=True)
            with rows_path.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
            shutil.rmtree(chunk_dir)
        extra_result = first_answer(workspace, log_path) if args.first_answer else None
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    block = render(rows, args.label, command, started_at, extra, extra_result)
    print(block)
    if not args.no_write:
        from bench.md_blocks import put_block
        put_block(f"scale-{args.reports}x{args.chunk}", block, section=SECTION)


def render(rows: list[dict], label: str, command: str, started_at: datetime, env: dict, first: dict | None) -> str:
    first_rate, last = rows[0]["rate"], rows[-1]
    head = (f"**{label}** — {started_at:%Y-%m-%d %H:%M} UTC, {platform.machine()} {os.cpu_count()} cores shared "
            f"with other jobs; load average at each chunk's start in the table. `{command}`"
            + (f" (ingest env: {' '.join(f'{k}={v}' for k, v in env.items())})" if env else "") + ".")
    search = "search_p95_ms" in rows[0]
    lines = [head, "", "| chunk | reports | problems (total) | seconds | problems/s | CPU ms per problem | "
             "writer peak RSS MB | tree peak RSS MB | load (1/5/15 min)"
             + (" | search p50 / p95 ms | first query s" if search else "") + " |",
             "|---|---|---|---|---|---|---|---|---" + ("|---|---" if search else "") + "|"]
    for r in rows:
        lines.append(f"| {r['chunk']} | {r['reports']} | {r['problems']} ({r['problems_total']}) | {r['wall_s']} | "
                     f"{r['rate']} | {r.get('cpu_ms_per_problem', '')} | {r['writer_rss_mb']} | {r['tree_rss_mb']} | {r['load']}"
                     + (f" | {r['search_p50_ms']} / {r['search_p95_ms']} | {r['search_first_s']}" if search else "")
                     + " |")
    cpu = (f" CPU per problem (all processes of the chunk, robust to the shared machine's load): first "
           f"{rows[0]['cpu_ms_per_problem']} ms, last {last['cpu_ms_per_problem']} ms "
           f"(ratio {rows[0]['cpu_ms_per_problem'] / last['cpu_ms_per_problem']:.2f}).") if "cpu_ms_per_problem" in last else ""
    lines += ["", f"Last chunk's rate / first's: **{last['rate'] / first_rate:.2f}** (bar >= 0.85);{cpu} Last chunk's "
              f"writer peak RSS **{last['writer_rss_mb']} MB**, process tree {last['tree_rss_mb']} MB (bar <= 1,500 MB)."]
    if first is not None:
        data = first.get("first_answer") or {}
        launch = data.get("launch_to_first_results") or {}
        lines += ["", f"App first answer on the final workspace (bench.bench_ui, `xuncha ui` launch -> first deep-link "
                  f"result drawn in headless Chromium): **median {launch.get('median_s')} s** over runs "
                  f"{launch.get('runs_s')} (bar <= 3 s); first answers {data.get('launch_first_answer')}."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

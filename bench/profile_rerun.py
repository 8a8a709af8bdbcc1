"""What one warm rerun of the search page costs, server side: Streamlit's AppTest runs the app's script
in this process over a workspace (the big scale workspace, or the demo), first once to warm every cache
and load the search index, then times reruns that answer a new query, and reports:

- wall and CPU seconds per warm rerun (median of ``--repeat``), a deep link (a fresh session with
  ``?q=``) and a submit (a new query typed into an open session);
- the bytes of the page's elements as Streamlit sends them to the browser (protobuf ByteSize per
  element; the widgets' option lists are in there), the largest first;
- with ``--profile``, the cProfile of one warm submit (top functions by cumulative time).

The browser's side (websocket, drawing) is bench/bench_ui.py's; this says what the server spends.
Run: python -m bench.profile_rerun --workspace DIR [--repeat 5] [--profile]
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import io
import os
import pstats
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.bench_ui import QUERIES  # the same queries as the browser figure

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "ui" / "web" / "app.py")


def new_app(query: str | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=900)
    if query:
        at.query_params["q"] = query
    return at


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def element_bytes(at) -> list[tuple[int, str]]:
    """(protobuf bytes, what) for every element on the page and in the sidebar, largest first."""
    out = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and not getattr(node, "children", None):
            label = getattr(node, "label", None) or getattr(node, "key", None) or ""
            out.append((proto.ByteSize(), f"{node.type} {label}"[:60]))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return sorted(out, reverse=True)


@contextlib.contextmanager
def profiled_script_thread(prof: cProfile.Profile):
    """Profile the app's script run (AppTest runs it in a thread of its own, which a profiler enabled
    in this thread would not see)."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    original = ScriptRunner._run_script

    def run(self, rerun_data):
        prof.enable()
        try:
            return original(self, rerun_data)
        finally:
            prof.disable()

    ScriptRunner._run_script = run
    try:
        yield
    finally:
        ScriptRunner._run_script = original


def submit(at, query: str) -> None:
    at.text_area(key="search_q_input").input(query)
    at.button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--largest", type=int, default=8, help="how many of the largest elements to list")
    args = ap.parse_args()
    os.environ["XUNCHA_HOME"] = str(args.workspace.resolve())
    load = [os.getloadavg()[0]]

    started = time.perf_counter()
    at = new_app(QUERIES[0])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    from ui.web import state
    with state.resources.locks(state.root())["encoder"]:  # the keyword side in, as a warm app has it
        from embeddings.lexical import DeferredLexical, get_tokenizer
        get_tokenizer()
        lexical = state.workspace().search.ensure_ready().lexical
        if isinstance(lexical, DeferredLexical):
            lexical.index()
    submit(at, QUERIES[1])  # every per-process cache warm
    print(f"first run and warm-up: {time.perf_counter() - started:.1f} s")

    link, sub = [], []
    for n in range(args.repeat):
        state._search.clear()  # every timed run answers its query afresh, as a new query does
        fresh = new_app(QUERIES[(2 + n) % len(QUERIES)])
        link.append(timed(fresh.run))
        sub.append(timed(functools.partial(submit, fresh, QUERIES[(3 + n) % len(QUERIES)])))
    load.append(os.getloadavg()[0])
    for name, xs in (("warm deep link", link), ("warm submit", sub)):
        print(f"{name}: wall median {statistics.median(w for w, _ in xs):.3f} s, "
              f"CPU median {statistics.median(c for _, c in xs):.3f} s  "
              f"(walls {[round(w, 3) for w, _ in xs]})")
    sizes = element_bytes(fresh)
    print(f"page elements: {len(sizes)}, {sum(b for b, _ in sizes) / 1024:.1f} KiB; largest:")
    for b, what in sizes[:args.largest]:
        print(f"  {b / 1024:9.1f} KiB  {what}")
    print(f"load average (1 min) before/after: {load[0]:.2f} / {load[1]:.2f}")
    if args.profile:
        state._search.clear()
        prof = cProfile.Profile()
        with profiled_script_thread(prof):
            submit(fresh, QUERIES[3])
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())


if __name__ == "__main__":
    main()

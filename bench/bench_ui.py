"""Time to first search results in the running app, measured in a real browser.

Starts `xuncha ui` on a free loopback port over a workspace holding the demo corpus (built and
indexed before timing, so only serving is measured), opens it in headless Chromium
(/usr/bin/chromium via Playwright) and measures:

- cold: a fresh server; page load with ?q=QUERY until the first highlighted result is drawn
  (includes loading the embedding model unless the background warm-up already finished);
- warm_deep_link: the same for a second query in a new tab (model loaded, caches cold for the query);
- warm_submit: typing a new query and pressing 检索 until its results replace the old ones.

Run: python -m bench.bench_ui [--repeat 5] [--workspace DIR [--no-sync]]. Prints and writes bench/results/ui.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.live_app import CHROMIUM, CHROMIUM_ARGS, running_app  # the same server/browser setup as the tests
from ui.service.workspace import DEMO_CORPUS, Workspace
from ui.web.render import DENSE_FIRST_NOTICE

QUERIES = ["理论学习流于形式", "意识形态工作责任制落实不到位", "三重一大事项未集体决策", "公务接待不规范",
           "党支部组织生活不规范", "财务管理制度不健全", "选人用人不规范", "网络舆情管理不到位"]


def prepare(workspace: Path, *, sync: bool = True) -> dict:
    """The demo corpus into an empty workspace, then every derived artifact brought up to date; with
    ``sync=False`` a reused workspace is served as it is (the app's bootstrap still brings the search
    index up to date: an artifact the search page does not read, e.g. themes after a change of their
    version, would otherwise be rebuilt first: minutes at 318,000 problems)."""
    with Workspace(workspace) as ws:
        if ws.is_empty():
            ws.ingest([DEMO_CORPUS])
        if sync:
            ws.sync()
        return {"reports": len(ws.reports()), "problems": ws.search.status().get("count")}


def first_results(page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("mark.xc-hit, div.xc-meta b[title]", timeout=300_000)
    return time.perf_counter() - started


def submit(page, query: str) -> float:
    box = page.get_by_role("textbox", name="检索内容")
    box.fill(query)
    before = page.locator("div.xc-text").first.inner_text()
    started = time.perf_counter()
    page.get_by_role("button", name="检索", exact=True).click()
    page.wait_for_function(
        "(old) => { const el = document.querySelector('div.xc-text'); return el && el.innerText !== old && "
        "!document.querySelector('[data-testid=\"stStatusWidget\"]'); }", arg=before, timeout=120_000)
    return time.perf_counter() - started


def from_launch(browser, workspace: Path, log: Path, query: str) -> tuple[float, str, float]:
    """Seconds from starting `xuncha ui` to the first result of a deep link ``/?q=QUERY`` drawn in
    the browser: the server start is inside the figure (issue 14's cold start). running_app polls
    the health endpoint every live_app.POLL_SECONDS (0.05 s), so the figure is high by up to that much, never low.
    Also returns how the first answer was labelled: "dense" (semantic only, keyword index still
    loading: the page says so) or "hybrid", and the seconds from the server answering its health
    check to that result (the page and the query; the rest of the figure is the server's start)."""
    started = time.perf_counter()
    with running_app(workspace, log) as url:
        up = time.perf_counter()
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(f"{url}/?q={quote(query)}")
        page.wait_for_selector("mark.xc-hit, div.xc-meta b[title]", timeout=300_000)
        took = time.perf_counter() - started
        dense = page.get_by_text(DENSE_FIRST_NOTICE, exact=False).count() > 0
        page.close()
    return took, "dense" if dense else "hybrid", took - (up - started)


def summary(xs: list[float]) -> dict:
    return {"n": len(xs), "median_s": round(statistics.median(xs), 3), "min_s": round(min(xs), 3),
            "max_s": round(max(xs), 3), "runs_s": [round(x, 3) for x in xs]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3, help="fresh servers for the cold measurement")
    ap.add_argument("--workspace", type=Path, default=None, help="reuse this workspace (default: a temp dir)")
    ap.add_argument("--no-sync", action="store_true",
                    help="serve a reused --workspace as it is (no sync of artifacts the search page does not read)")
    ap.add_argument("--launch-repeat", type=int, default=5,
                    help="fresh `xuncha ui` starts timed from launch to the first deep-link result")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="xuncha-bench-ui-"))
    workspace = args.workspace or tmp / "ws"
    corpus = prepare(workspace, sync=not args.no_sync)
    cold, warm_link, warm_submit, launch, first_kinds, from_up = [], [], [], [], [], []
    loads = [os.getloadavg()]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n in range(args.launch_repeat):
            took, kind, after_up = from_launch(browser, workspace, tmp / f"launch-{n}.log", QUERIES[n % len(QUERIES)])
            launch.append(took)
            first_kinds.append(kind)
            from_up.append(after_up)
            print(f"launch -> first results {took:.2f} s (server up -> results {after_up:.2f} s), {kind} "
                  f"(load {os.getloadavg()[0]:.2f})", flush=True)
        loads.append(os.getloadavg())
        for n in range(args.repeat):
            with running_app(workspace, tmp / f"server-{n}.log") as url:
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                cold.append(first_results(page, f"{url}/?q={quote(QUERIES[n % len(QUERIES)])}"))
                page.close()
                for q in QUERIES[n + 1:n + 3]:
                    page = browser.new_page(viewport={"width": 1440, "height": 1000})
                    warm_link.append(first_results(page, f"{url}/?q={quote(q)}"))
                    warm_submit.append(submit(page, QUERIES[(QUERIES.index(q) + 4) % len(QUERIES)]))
                    page.close()
        browser.close()
    result = {
        "date": date.today().isoformat(),
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "corpus": corpus,
        "what": "seconds from navigation (or clicking 检索) to the first result drawn in headless Chromium",
        "launch_to_first_results": summary(launch) if launch else None,
        "launch_first_answer": first_kinds,
        "server_up_to_first_results": summary(from_up) if from_up else None,
        "load_average": [list(x) for x in loads],
        "cold_first_results": summary(cold),
        "warm_deep_link_first_results": summary(warm_link),
        "warm_submit_to_results": summary(warm_submit),
    }
    out = ROOT / "bench" / "results" / "ui.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    if launch:
        print(f"launch -> first results:  median {statistics.median(launch):.2f} s  {launch}")
    print(f"cold first results:       median {result['cold_first_results']['median_s']:.2f} s  {cold}")
    print(f"warm deep link results:   median {result['warm_deep_link_first_results']['median_s']:.2f} s")
    print(f"warm submit -> results:   median {result['warm_submit_to_results']['median_s']:.2f} s")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

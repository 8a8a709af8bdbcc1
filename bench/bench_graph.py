"""Graph reads on a large workspace, as the 实体关系 page and the graph CLI make them.

Operations (each in a fresh process unless --together: what one CLI call pays, and what the app pays
on the first visit after a sync):
- picker: the entity picker's options (the pickers.CHOICES most connected entities);
- page_first: the page's first visit (picker, node types, the overview);
- centre: one entity picked on the page (set_center: ranked neighbours; drawing: attrs, contexts,
  edges among them; properties: profile, the neighbour table);
- neighbors: `xuncha graph neighbors NAME --json` (resolve, the first 50 neighbours with edge attributes
  and their total, profile; before the cap: every neighbour);
- neighbors_all: the same with every neighbour (what the command read before the cap);
- path: `xuncha graph path A B --avoid Place --avoid Category`;
- stats: `xuncha graph stats`.
Per operation: wall and CPU seconds, peak RSS of its process, the load average at its start, and how
many report fragments it parsed (what a capped view bounds, whatever the load).

Run: python -m bench.bench_graph --workspace DIR [--code DIR] [--together] [--ops picker,centre,...]
     [--node ID] [--path A B] [--timeout S]
--code: the checkout whose code to import (e.g. /work/main for the "before" on the same workspace).
Reads only: a graph.db without the node index is read by merging its fragments (the "before").
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPS = ("picker", "page_first", "centre", "neighbors", "path", "stats")
LIMIT, TABLE_ROWS = 50, 100   # the CLI's default --limit; the page's neighbour table
ENTITY_TYPES = ("Unit", "Organization", "Person", "InspectionTeam", "Regulation", "Document", "Work", "Place", "Theme")
SHOWN = {"Unit", "Organization", "Person", "InspectionTeam", "Regulation", "Document", "Work", "Place",
         "Problem", "Report", "Theme"}   # the page's default (Category hidden)
CHOICES = 200


def _picker(svc) -> int:
    try:
        rows = svc.entity_rows(ENTITY_TYPES, CHOICES)
    except TypeError:   # before the node index: every row, then the first CHOICES
        rows = svc.entity_rows(ENTITY_TYPES)[:CHOICES]
    return len(rows)


def _centre(svc, node: str) -> int:
    shown, _ = svc.ranked_neighbours(node, SHOWN, 40)
    nodes = [node, *shown]
    attrs = svc.attrs(nodes)
    for n in attrs:
        svc.context(n)
    svc.edges_among(list(attrs))
    if hasattr(svc, "top_neighbours"):   # the page since the cap: attributes, latest sources, a capped table
        reports = sorted(attrs[node].get("reports", ()))
        svc.store.report_dates(reports)
        svc.store.unit_names()
        return svc.top_neighbours(node, TABLE_ROWS, attributes=False)[1]
    svc.profile(node)
    table = svc.neighbour_rows(node) if hasattr(svc, "neighbour_rows") else svc.neighbors(node)
    return len(table)


def run_op(svc, op: str, node: str, path: tuple[str, str]) -> object:
    if op == "picker":
        return _picker(svc)
    if op == "page_first":
        _picker(svc)
        svc.node_types()
        return len(svc.overview(12)[0])
    if op == "centre":
        return _centre(svc, node)
    if op == "neighbors" and hasattr(svc, "top_neighbours"):
        found = svc.resolve(node)
        rows, total = svc.top_neighbours(found, LIMIT)
        svc.profile(found)
        return [len(rows), total]
    if op in ("neighbors", "neighbors_all"):
        found = svc.resolve(node)
        rows = svc.neighbors(found)
        svc.profile(found)
        return len(rows)
    if op == "path":
        return svc.shortest_path(path[0], path[1], ("Place", "Category"))["length"]
    if op == "stats":
        return svc.stats()["nodes"]
    raise ValueError(op)


def child(args: argparse.Namespace) -> None:
    """Run the operations in this process and print one JSON line per operation."""
    from graph.fragments import FragmentStore
    from graph.service import GraphService
    from reports.store import Store

    reads = [0]

    def counted(read):
        def reading(self, *a, **k):
            reads[0] += 1
            return read(self, *a, **k)
        return reading

    for name in ("fragment", "fragment_edges", "fragment_nodes"):   # one report's fragment parsed
        setattr(FragmentStore, name, counted(getattr(FragmentStore, name)))
    root = Path(args.workspace)
    svc = GraphService(root, Store(root / "xuncha.db"))
    for op in args.ops.split(","):
        reads[0] = 0
        load = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_op(svc, op, args.node, tuple(args.path))
        print(json.dumps({"op": op, "wall_s": round(time.perf_counter() - wall, 2),
                          "cpu_s": round(time.process_time() - cpu, 2),
                          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                          "load": round(load, 1), "fragments_read": reads[0], "result": result},
                         ensure_ascii=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--code", default=str(ROOT), help="checkout to import (default: this one)")
    parser.add_argument("--ops", default=",".join(OPS))
    parser.add_argument("--together", action="store_true", help="all operations in one process, in order")
    parser.add_argument("--node", default="Person:益阳市文化旅游广电体育局/卜永强")
    parser.add_argument("--path", nargs=2, default=["Person:益阳市文化旅游广电体育局/卜永强", "Unit:庆阳市文联"])
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    env = {**os.environ, "PYTHONPATH": args.code, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    batches = [args.ops] if args.together else args.ops.split(",")
    print(json.dumps({"code": args.code, "workspace": args.workspace, "node": args.node, "path": args.path,
                      "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, ensure_ascii=False), flush=True)
    for ops in batches:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--workspace", args.workspace, "--ops", ops,
               "--node", args.node, "--path", *args.path]
        try:
            done = subprocess.run(cmd, env=env, cwd=args.code, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            print(json.dumps({"op": ops, "timeout_s": args.timeout}), flush=True)
            continue
        sys.stdout.write(done.stdout)
        if done.returncode:
            print(json.dumps({"op": ops, "error": done.stderr.strip().splitlines()[-1:]}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

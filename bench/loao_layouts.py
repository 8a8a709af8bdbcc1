"""Leave one author out: the learned line-role reader (reports/parse/roles.py) trained on all layout sets but
one and scored on that one with bench.eval_layouts' fields, beside the shipped readers on the same reports.

    python -m bench.loao_layouts [--set DIR ...] [--reader auto --reader learned ...] [--per-report]

Default sets: the model's DEFAULT_SETS (tests/gold/author_{e,f,h,j,l,n,o,r,s}). The shipped
readers' figures on every set are in-sample (their rules were written from those misses); the
learned reader's are held out in every row.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from bench.eval_layouts import score_report
from reports.parse.rolemodel import DEFAULT_SETS, labelled_set, train
from reports.parse.roles import using_model

FIELDS = ("problem_found", "status", "measures", "categories", "category_title")


def _score(folder: Path, reader: str) -> tuple[Counter, Counter, list[str]]:
    hits, totals, misses = Counter(), Counter(), []
    for gold_path in sorted((folder / "gold").glob("*.json")):
        report = min((folder / "reports").glob(f"{gold_path.stem}.*"))
        h, t, m = score_report(report, json.loads(gold_path.read_text("utf-8")), reader)
        hits.update(h)
        totals.update(t)
        misses += m
    return hits, totals, misses


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, action="append")
    ap.add_argument("--reader", action="append", help="readers to score (default: auto, learned)")
    ap.add_argument("--per-report", action="store_true")
    args = ap.parse_args(argv)
    sets = args.set or list(DEFAULT_SETS)
    readers = args.reader or ["auto", "learned"]
    labelled = {s: labelled_set(s) for s in sets}
    print("| held out | " + " | ".join(f"{r} {f}" for r in readers for f in ("found", "status", "measures", "extra"))
          + " |")
    print("|---" * (1 + 4 * len(readers)) + "|")
    grand: dict[str, Counter] = {r: Counter() for r in readers}
    means: dict[str, list[float]] = {r: [] for r in readers}
    for held in sets:
        model = train([r for s in sets if s != held for r in labelled[s]], {"held_out": held.name})
        cells = []
        with using_model(model):
            for reader in readers:
                hits, totals, misses = _score(held, reader)
                found = hits["problem_found"] / totals["problem_found"]
                means[reader].append(found)
                grand[reader].update({f"{k}_hit": hits[k] for k in FIELDS} | {f"{k}_n": totals[k] for k in FIELDS})
                cells += [f"{hits['problem_found']}/{totals['problem_found']} = {found:.2f}",
                          f"{hits['status']}/{totals['status']}", f"{hits['measures']}/{totals['measures']}",
                          str(totals["extra_problems"])]
                if args.per_report:
                    print("\n".join(f"  [{held.name} {reader}] {m}" for m in misses
                                    if "found" in m or "extra" in m or "categor" in m))
        print(f"| {held.name} | " + " | ".join(cells) + " |", flush=True)
    print("| mean of authors | " + " | ".join(
        f"{sum(means[r]) / len(means[r]):.2f} | | |" for r in readers) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

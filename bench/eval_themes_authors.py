"""The themes default judged across labellers: a setting picked on one author's topics, scored on the others'.

    HF_HUB_OFFLINE=1 python -m bench.eval_themes_authors [--workspace DIR]

bench/eval_themes ranks its grid against tests/gold/topics.json, labels the team wrote itself, and its
split-half check only re-samples those same labels. A default fitted to one labeller's idea of a topic
can look stable there and still miss how another person groups the same problems. This script scores
the same grid against two independently written sets (bench/eval/author_b/topics.json and
author_k/topics.json, both by outside annotators who never saw the code) and reports, for each ordered
pair, the setting picked on one author and its rank and score on the other, beside the shipped
default's; then the settings ranked by the sum over all three. Selection is eval_themes' own (mean ARI +
unit coverage over six seeds; eligible when the team's theory-study theme spans four units and the
ideology theme three in every seed: the common problem across units the feature exists for).

The outside authors name reports by corpus file number ("000"); they are mapped to report ids with the
team file's ``reports`` table, so every set judges the same rows.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.eval_themes import GOLD, Gold, Runner, describe, evaluate, open_workspace, problem_sets, settings
from embeddings.themes import DEFAULT_CONFIG

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "eval"


def outside_topics(name: str, team: dict) -> dict:
    """An outside author's topics in the team file's shape (report ids, not corpus file numbers)."""
    by_file = {label.split()[0]: rid for rid, label in team["reports"].items()}
    data = json.loads((EVAL / f"author_{name}" / "topics.json").read_text("utf-8"))
    if "labels" in data:  # author B: one label per problem
        members: dict[str, list] = {}
        for lab in data["labels"]:
            if lab.get("topic"):
                members.setdefault(lab["topic"], []).append([by_file[lab["file"][:3]], str(lab["id"])])
        return {"topics": [{"id": t, "members": m} for t, m in members.items()]}
    return {"topics": [{"id": t["id"], "members": [[by_file[f], str(p)] for f, p in t["members"]]}
                       for t in data["topics"]]}


def ranked(rows: dict, among: list[str]) -> list[str]:
    return sorted(among, key=lambda s: -rows[s]["select"])


def transfer(name_from: str, rows_from: dict, name_to: str, rows_to: dict, among: list[str]) -> dict:
    """The setting picked on one author, judged by another; the default beside it."""
    order_to = ranked(rows_to, among)
    pick = ranked(rows_from, among)[0]
    default = describe(DEFAULT_CONFIG)
    return {"picked_on": name_from, "judged_by": name_to, "pick": pick,
            "pick_select": rows_to[pick]["select"], "pick_rank": order_to.index(pick) + 1,
            "default_select": rows_to[default]["select"],
            "default_rank": order_to.index(default) + 1 if default in order_to else None,
            "best_possible": rows_to[order_to[0]]["select"], "settings": len(order_to)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", help="a workspace built from data/reports (default: a fresh temp one)")
    args = ap.parse_args()
    team = json.loads(GOLD.read_text("utf-8"))
    ws = open_workspace(args.workspace)
    sets = problem_sets(ws)
    runner = Runner(sets)
    configs = settings(quick=False)
    if DEFAULT_CONFIG not in configs:
        configs.append(DEFAULT_CONFIG)
    golds = {"team": Gold(sets["text"], team)}
    golds |= {f"author {n.upper()}": Gold(sets["text"], outside_topics(n, team)) for n in ("b", "k")}
    rows = {name: {r["setting"]: r for r in evaluate(runner, configs, g)} for name, g in golds.items()}
    everything = list(rows["team"])
    eligible = [s for s in everything if rows["team"][s]["theory_units_min"] >= 4
                and rows["team"][s]["ideology_units_min"] >= 3]
    total = {s: {"select": round(sum(r[s]["select"] for r in rows.values()), 4)} for s in everything}
    default = describe(DEFAULT_CONFIG)
    out = {"settings": len(configs), "eligible": len(eligible), "default": default,
           "default_eligible": default in eligible,
           "topics": {n: len(g.members) for n, g in golds.items()},
           "labelled": {n: len(g.rows) for n, g in golds.items()},
           "transfer": [transfer(a, rows[a], b, rows[b], among) for among in (everything, eligible)
                        for a in rows for b in rows if a != b],
           "by_sum_eligible": [(s, total[s]["select"], {n: rows[n][s]["select"] for n in rows})
                               for s in ranked(total, eligible)[:6]],
           "default_by_author": {n: rows[n][default]["select"] for n in rows}}
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()
    ws.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

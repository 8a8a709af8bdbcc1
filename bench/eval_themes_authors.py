"""The themes default judged across two labellers: a setting picked on one author's topics, scored on the other's.

    HF_HUB_OFFLINE=1 python -m bench.eval_themes_authors [--workspace DIR] [--other FILE]

bench/eval_themes ranks its grid against tests/gold/topics.json, labels the team wrote itself, and its
split-half check only re-samples those same labels. A default fitted to one labeller's idea of a topic
can look stable there and still miss how another person groups the same problems. This script scores
the same grid against a second, independently written set (bench/eval/author_k/topics.json, by default),
and reports, for each direction, the setting picked on one author and its rank and score on the other,
beside the shipped default's. Selection is eval_themes' own (mean ARI + unit coverage over six seeds).

The other author's file names reports by corpus file number ("000"); they are mapped to report ids with
the team file's ``reports`` table, so both sets judge the same rows.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.eval_themes import GOLD, Gold, Runner, describe, evaluate, open_workspace, problem_sets, settings
from embeddings.themes import DEFAULT_CONFIG

ROOT = Path(__file__).resolve().parent.parent
OTHER = ROOT / "bench" / "eval" / "author_k" / "topics.json"


def as_team_format(other: dict, team: dict) -> dict:
    """The other author's topics with report ids instead of corpus file numbers."""
    by_file = {label.split()[0]: rid for rid, label in team["reports"].items()}
    topics = [{"id": t["id"], "members": [[by_file[f], str(p)] for f, p in t["members"]]} for t in other["topics"]]
    return {"topics": topics}


def ranked(rows: list[dict]) -> list[str]:
    return [r["setting"] for r in sorted(rows, key=lambda r: -r["select"])]


def transfer(name_from: str, rows_from: dict, name_to: str, rows_to: dict) -> dict:
    """The setting picked on one author, judged by the other; the default beside it."""
    order_to = ranked(list(rows_to.values()))
    pick = ranked(list(rows_from.values()))[0]
    default = describe(DEFAULT_CONFIG)
    return {"picked_on": name_from, "judged_by": name_to, "pick": pick,
            "pick_select": rows_to[pick]["select"], "pick_rank": order_to.index(pick) + 1,
            "default_select": rows_to[default]["select"], "default_rank": order_to.index(default) + 1,
            "best_possible": rows_to[order_to[0]]["select"], "settings": len(order_to)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", help="a workspace built from data/reports (default: a fresh temp one)")
    ap.add_argument("--other", type=Path, default=OTHER, help="the second author's topics.json")
    args = ap.parse_args()
    team = json.loads(GOLD.read_text("utf-8"))
    other = as_team_format(json.loads(args.other.read_text("utf-8")), team)
    ws = open_workspace(args.workspace)
    sets = problem_sets(ws)
    runner = Runner(sets)
    configs = settings(quick=False)
    if DEFAULT_CONFIG not in configs:
        configs.append(DEFAULT_CONFIG)
    golds = {"team": Gold(sets["text"], team), "other": Gold(sets["text"], other)}
    rows = {name: {r["setting"]: r for r in evaluate(runner, configs, g)} for name, g in golds.items()}
    both = {s: {"setting": s, "select": rows["team"][s]["select"] + rows["other"][s]["select"]} for s in rows["team"]}
    out = {"settings": len(configs), "default": describe(DEFAULT_CONFIG),
           "topics": {n: len(g.members) for n, g in golds.items()},
           "labelled": {n: len(g.rows) for n, g in golds.items()},
           "transfer": [transfer("team", rows["team"], "other", rows["other"]),
                        transfer("other", rows["other"], "team", rows["team"])],
           "pick_on_both": ranked(list(both.values()))[:5],
           "default_on_both_rank": ranked(list(both.values())).index(describe(DEFAULT_CONFIG)) + 1,
           "top_by_author": {n: [(s, rows[n][s]["select"]) for s in ranked(list(r.values()))[:5]]
                             for n, r in rows.items()}}
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()
    ws.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

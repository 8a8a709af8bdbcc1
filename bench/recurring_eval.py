"""Choose and check the recurrence link threshold on built later-round reports.

Run: python -m bench.recurring_eval   (writes bench/results/recurring.json)

A workspace is built from the corpus plus tests/data/recurring. The dense weight and threshold are
chosen on the dev report only (see `choose`); the test report is then scored with them, once.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from embeddings.recurrence import (
    RecurrenceConfig,
    find_recurrences,
    leaf_problem_rows,
)

GOLD = ROOT / "tests" / "gold" / "recurring.json"
DATA = ROOT / "tests" / "data" / "recurring"
RESULTS = ROOT / "bench" / "results" / "recurring.json"
# Both signals stay in: dense alone rates any two of these formulaic statements alike (the strongest
# wrong match scores 0.92), lexical alone misses restatements in other words.
WEIGHTS = [0.3, 0.4, 0.5, 0.6, 0.7]


def build(root: Path):
    """A synced workspace with the corpus and the later-round reports; (workspace, ids by file)."""
    from ui.service.workspace import DEMO_CORPUS, Workspace

    ws = Workspace(root)
    ws.ingest([DEMO_CORPUS, DATA])
    ws.search.sync()
    ids = {Path(s["source_path"]).name: s["report_id"] for s in ws.reports()}
    return ws, ids


def inputs(ws):
    from ui.service.workspace import unit_key
    rows = [{**r, "unit_key": unit_key(r["unit"], r["region"])} for r in leaf_problem_rows(ws.store.problem_rows())]
    _keys, vectors, tokens = ws.search.problem_vectors([(r["report_id"], r["id"]) for r in rows])
    return rows, vectors, tokens


def score(links, gold: dict, ids: dict) -> dict:
    later_id = ids[gold["file"]]
    earlier_id = next(v for k, v in ids.items() if k.startswith(gold["earlier"]))
    got = {r.later.problem_id: (r.earlier.report_id, r.earlier.problem_id) for r in links
           if r.later.report_id == later_id}
    repeated = {k: v for k, v in gold["links"].items() if v is not None}
    foreign = [k for k, v in gold["links"].items() if v is None]
    right = sum(1 for k, v in repeated.items() if got.get(k) == (earlier_id, v))
    wrong = sum(1 for k, v in repeated.items() if k in got and got[k] != (earlier_id, v))
    return {"repeated": len(repeated), "right": right, "wrong": wrong,
            "foreign": len(foreign), "foreign_linked": sum(1 for k in foreign if k in got)}


def margins(rows, vectors, tokens, gold, ids, weight: float) -> dict:
    """Every later problem's best earlier match at `weight`: how many are right, the weakest right
    score, the strongest score of a match that must not be made, and their gap over the spread."""
    later_id = ids[gold["file"]]
    earlier_id = next(v for k, v in ids.items() if k.startswith(gold["earlier"]))
    best = [r for r in find_recurrences(rows, vectors, tokens, RecurrenceConfig(weight, -1.0))
            if r.later.report_id == later_id]

    def right(r) -> bool:
        want = gold["links"].get(r.later.problem_id)
        return bool(want) and (r.earlier.report_id, r.earlier.problem_id) == (earlier_id, want)

    good = [r.score for r in best if right(r)]
    bad = [r.score for r in best if not right(r)]
    spread = float(np.std([r.score for r in best])) or 1.0
    low, high = (min(good) if good else 1.0), (max(bad) if bad else 0.0)
    return {"dense_weight": weight, "right_best": len(good), "weakest_right": round(low, 4),
            "strongest_other": round(high, 4), "separation": round((low - high) / spread, 3),
            "threshold": round((low + high) / 2, 3)}


def choose(rows, vectors, tokens, gold, ids) -> tuple[RecurrenceConfig, list[dict]]:
    """The threshold goes in the middle of the gap between the weakest right link and the strongest
    link that must not be made; the weight with the most right best matches, then the widest gap
    relative to the spread of all best scores (a d'-like separation), wins."""
    grid = [margins(rows, vectors, tokens, gold, ids, w) for w in WEIGHTS]
    top = max(grid, key=lambda g: (g["right_best"] if g["separation"] > 0 else 0, g["separation"]))
    return RecurrenceConfig(top["dense_weight"], top["threshold"]), grid


def main() -> None:
    gold = json.loads(GOLD.read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        ws, ids = build(Path(tmp) / "ws")
        rows, vectors, tokens = inputs(ws)
        config, grid = choose(rows, vectors, tokens, gold["dev"], ids)
        links = find_recurrences(rows, vectors, tokens, config)
        result = {"chosen": {"dense_weight": config.dense_weight, "threshold": config.threshold},
                  "dev": score(links, gold["dev"], ids), "test": score(links, gold["test"], ids),
                  "test_margins": margins(rows, vectors, tokens, gold["test"], ids, config.dense_weight),
                  "corpus_links": sum(1 for r in links if r.later.report_id not in
                                      (ids[gold["dev"]["file"]], ids[gold["test"]["file"]])),
                  }
        ws.close()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({**result, "grid": grid}, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    main()

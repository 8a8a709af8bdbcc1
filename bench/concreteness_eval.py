"""Agreement of `reports.analysis.concreteness.assess` with two annotators' labels, side by side.

Run: python -m bench.concreteness_eval   (writes bench/results/concreteness.json)

- team: tests/gold/concreteness.json, 64 problems labelled vague < partly < concrete by an engineer
  before the first scorer existed;
- author_c: tests/gold/author_c/concreteness.jsonl, all 140 leaf problems labelled by an annotator who
  never saw the scorer (label, plus a 1-5 score; `none` = no rectification text to judge, e.g. the
  report breaks off).

Agreement is Spearman between the scorer and the label order (vague 0, partly 1, concrete 2; `none`
left out: there is nothing to judge), and for author C also against the 1-5 score over all 140. The
per-report rows show whether agreement holds in every report rather than in one.
"""
from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from scipy.stats import spearmanr

from reports.analysis.concreteness import Concreteness, assess_report
from reports.entities import extract_entities
from reports.model import Mention, Report
from reports.parse import parse_file

ROOT = Path(__file__).resolve().parents[1]
TEAM = ROOT / "tests" / "gold" / "concreteness.json"
AUTHOR_C = ROOT / "tests" / "gold" / "author_c" / "concreteness.jsonl"
REPORTS = ROOT / "data" / "reports"
RESULTS = ROOT / "bench" / "results" / "concreteness.json"
ORDER = {"vague": 0, "partly": 1, "concrete": 2}
ANNOTATORS = ("author_c", "team")


def load_labels(annotator: str) -> list[dict]:
    """One row per label: file, problem_id, label, and `grade` (author C's 1-5 score; for the team,
    whose labels have no score, the label order)."""
    if annotator == "team":
        return [{"file": x["file"], "problem_id": x["problem_id"], "label": x["label"], "grade": ORDER[x["label"]]}
                for x in json.loads(TEAM.read_text("utf-8"))["labels"]]
    rows = [json.loads(line) for line in AUTHOR_C.read_text("utf-8").splitlines() if line.strip()]
    return [{"file": x["file"], "problem_id": x["id"], "label": x["label"], "grade": x["score"]} for x in rows]


@lru_cache(maxsize=8)
def corpus_report(file: str, reports_dir: Path = REPORTS) -> tuple[Report, tuple[Mention, ...]]:
    """A corpus report parsed once, with its entity mentions (what assess reads)."""
    report = parse_file(reports_dir / file)
    return report, tuple(extract_entities(report.text, unit=report.unit, unit_short=report.unit_short))


def assessed(labels: list[dict]) -> list[tuple[dict, Concreteness]]:
    """Each label with the scorer's result for its problem (reports.analysis.concreteness.assess_report)."""
    results = {}
    for item in labels:
        if item["file"] not in results:
            results[item["file"]] = assess_report(*corpus_report(item["file"]))
    return [(item, results[item["file"]].get(item["problem_id"]) or Concreteness(0.0)) for item in labels]


def _rho(xs: list[float], ys: list[float]) -> float | None:
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return round(float(spearmanr(xs, ys).statistic), 3)


def summary(rows: list[dict]) -> dict:
    """Agreement of rows {file, label, grade, score}: Spearman on label order (judged rows only) and
    on the grade (all rows), mean score per label, and the same per report."""
    judged = [r for r in rows if r["label"] in ORDER]
    means = {}
    for label in (*ORDER, "none"):
        scores = [r["score"] for r in rows if r["label"] == label]
        if scores:
            means[label] = {"n": len(scores), "mean": round(sum(scores) / len(scores), 3)}
    by_report = defaultdict(list)
    for r in judged:
        by_report[r["file"][:3]].append(r)
    per_report = {key: {"n": len(rs), "spearman": _rho([ORDER[r["label"]] for r in rs], [r["score"] for r in rs])}
                  for key, rs in sorted(by_report.items())}
    return {"n": len(rows), "judged": len(judged),
            "spearman": _rho([ORDER[r["label"]] for r in judged], [r["score"] for r in judged]),
            "spearman_grade": _rho([r["grade"] for r in rows], [r["score"] for r in rows]),
            "means": means, "per_report": per_report}


def evaluate(annotator: str) -> tuple[dict, list[dict]]:
    """The summary for one annotator and its rows (with the scorer's score and truncation flag)."""
    rows = [{**item, "score": round(c.score, 3), "truncated": c.truncated}
            for item, c in assessed(load_labels(annotator))]
    return summary(rows), rows


def main() -> None:
    out = {}
    for annotator in ANNOTATORS:
        result, rows = evaluate(annotator)
        print(annotator, json.dumps(result, ensure_ascii=False))
        out[annotator] = {**result, "rows": [{k: r[k] for k in ("file", "problem_id", "label", "grade", "score")}
                                             for r in rows]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()

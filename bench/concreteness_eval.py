"""Agreement of `reports.concreteness.assess` with the hand labels (vague < partly < concrete).

Run: python -m bench.concreteness_eval   (writes bench/results/concreteness.json)

The weights are not fitted, so there is no in-sample/held-out split to make; the per-report rows
show whether agreement holds in every report rather than in one.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from scipy.stats import spearmanr

from reports.concreteness import assess
from reports.entities import extract_entities
from reports.parse import parse_file

GOLD = ROOT / "tests" / "gold" / "concreteness.json"
REPORTS = ROOT / "data" / "reports"
RESULTS = ROOT / "bench" / "results" / "concreteness.json"
ORDER = {"vague": 0, "partly": 1, "concrete": 2}


def scored_labels(gold_path: Path = GOLD, reports_dir: Path = REPORTS) -> list[dict]:
    """One row per gold label with the scorer's score."""
    labels = json.loads(gold_path.read_text("utf-8"))["labels"]
    cache: dict[str, tuple] = {}
    rows = []
    for item in labels:
        if item["file"] not in cache:
            report = parse_file(reports_dir / item["file"])
            cache[item["file"]] = (report, extract_entities(report.text, unit=report.unit,
                                                            unit_short=report.unit_short))
        report, mentions = cache[item["file"]]
        problem = report.find_problem(item["problem_id"])
        result = assess(problem, report.text, mentions)
        rows.append({**item, "score": result.score, "addresses_problem": result.addresses_problem})
    return rows


def summary(rows: list[dict]) -> dict:
    rho = spearmanr([ORDER[r["label"]] for r in rows], [r["score"] for r in rows]).statistic
    means = {}
    for label in ORDER:
        scores = [r["score"] for r in rows if r["label"] == label]
        means[label] = {"n": len(scores), "mean": round(sum(scores) / len(scores), 3) if scores else None}
    by_report = defaultdict(list)
    for r in rows:
        by_report[r["file"][:3]].append(r)
    per_report = {}
    for key, rs in sorted(by_report.items()):
        labels = {r["label"] for r in rs}
        per_report[key] = {"n": len(rs), "spearman": (round(float(spearmanr(
            [ORDER[r["label"]] for r in rs], [r["score"] for r in rs]).statistic), 3) if len(labels) > 1 else None)}
    return {"n": len(rows), "spearman": round(float(rho), 3), "means": means, "per_report": per_report}


def main() -> None:
    rows = scored_labels()
    result = summary(rows)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({**result, "rows": [{k: r[k] for k in ("file", "problem_id", "label", "score")}
                                                      for r in rows]}, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()

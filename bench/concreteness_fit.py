"""Fit and cross-validate the concreteness weights (reports/analysis/concreteness_weights.json).

    python -m bench.concreteness_fit            # cross-validation only
    python -m bench.concreteness_fit --write    # and write the weights fitted on all of author C

The model is linear in reports.analysis.concreteness.FEATURES (counts as log(1 + n), shares as they are),
standardised, with a ridge penalty (LAMBDA) and the sign each feature must have (facts up,
intentions and general sentences down: a fit may drop a feature, never reverse it). The shipped
weights are fitted on author C's 1-5 scores (labels written outside the team); their honest
figures are the cross-validated ones:
- leave one report out: fit on four reports' labels, score the fifth, Spearman over all held-out
  scores (per annotator);
- across annotators: fit on author C, score the team's 64 labels, and the reverse.
"""
from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
from scipy.optimize import nnls
from scipy.stats import spearmanr

from bench.concreteness_eval import ANNOTATORS, ORDER, corpus_report, load_labels
from reports.analysis.concreteness import FEATURES, WEIGHTS_PATH, features
from reports.shared.atomic import write_text

LAMBDA = 10.0                       # ridge on standardised features: mild shrinkage for ~140 labels
NEGATIVE = {"intent_share", "general_share"}
GRADE_RANGE = (1.5, 4.5)            # score 0 halfway between vague grades 1 and 2, 1 halfway between 4 and 5


def design(annotator: str) -> tuple[list[dict], np.ndarray]:
    """The judged labels of one annotator (`none` left out) and their feature matrix."""
    rows = [x for x in load_labels(annotator) if x["label"] in ORDER]
    matrix = []
    for item in rows:
        report, mentions = corpus_report(item["file"])
        start = report.inspection.start or report.inspection.feedback
        f = features(report.find_problem(item["problem_id"]), report.text, mentions, since=start.iso if start else None)
        matrix.append([f[k] for k in FEATURES])
    return rows, np.array(matrix, dtype=float)


def fit(x: np.ndarray, y: np.ndarray, lam: float = LAMBDA) -> tuple[float, np.ndarray]:
    """Sign-constrained ridge: (intercept, weights on the untransformed-scale features)."""
    sign = np.array([-1.0 if k in NEGATIVE else 1.0 for k in FEATURES])
    mu, sd = x.mean(0), x.std(0)
    sd[sd == 0] = 1.0
    z = (x - mu) / sd * sign
    a = np.vstack([z, math.sqrt(lam) * np.eye(len(FEATURES))])
    b = np.concatenate([y - y.mean(), np.zeros(len(FEATURES))])
    w, _ = nnls(a, b)
    coef = w * sign / sd
    return float(y.mean() - mu @ coef), coef


def _rho(a, b) -> float:
    return round(float(spearmanr(a, b).statistic), 3)


def _target(rows: list[dict]) -> np.ndarray:
    return np.array([r["grade"] for r in rows], dtype=float)


def cross_validation() -> dict:
    """Leave-one-report-out per annotator and fit-on-one / score-the-other, with the markdown."""
    data = {a: design(a) for a in ANNOTATORS}
    out: dict = {"lambda": LAMBDA, "loro": {}, "across": {}}
    for a, (rows, x) in data.items():
        y = _target(rows)
        pred = np.zeros(len(rows))
        reports = sorted({r["file"][:3] for r in rows})
        for rep in reports:
            test = np.array([r["file"][:3] == rep for r in rows])
            b, w = fit(x[~test], y[~test])
            pred[test] = b + x[test] @ w
        out["loro"][a] = {"spearman": _rho([ORDER[r["label"]] for r in rows], pred),
                          "spearman_grade": _rho(y, pred), "n": len(rows)}
    for src, dst in (("author_c", "team"), ("team", "author_c")):
        b, w = fit(data[src][1], _target(data[src][0]))
        rows, x = data[dst]
        pred = b + x @ w
        out["across"][f"{src}->{dst}"] = {"spearman": _rho([ORDER[r["label"]] for r in rows], pred), "n": len(rows)}
    c, t = out["loro"]["author_c"], out["loro"]["team"]
    out["markdown"] = "\n".join([
        f"**Concreteness, cross-validated** (`python -m bench.concreteness_fit`; sign-constrained ridge, "
        f"lambda {LAMBDA}, on {len(FEATURES)} features; Spearman with the label order, author C also with the "
        "1-5 score):", "",
        "| fitted on -> scored on | Spearman |", "|---|---|",
        f"| author C, leave one report out | {c['spearman']:.3f} (1-5 score {c['spearman_grade']:.3f}) |",
        f"| team, leave one report out | {t['spearman']:.3f} |",
        f"| author C -> team | {out['across']['author_c->team']['spearman']:.3f} |",
        f"| team -> author C | {out['across']['team->author_c']['spearman']:.3f} |"])
    return out


def shipped_weights() -> dict:
    """Weights fitted on all of author C's judged labels, as the data file stores them."""
    rows, x = design("author_c")
    b, w = fit(x, _target(rows))
    return {"version": 1, "about": "Linear model of rectification concreteness (reports/analysis/concreteness.py): "
            "grade = intercept + sum(weight * feature), features as reports.analysis.concreteness.features returns them "
            "(log(1 + count), shares); score = (grade - grade_range[0]) / (grade_range[1] - grade_range[0]) "
            "clipped to 0..1. Written by `python -m bench.concreteness_fit --write`.",
            "fitted_on": f"author C's 1-5 scores, {len(rows)} judged leaf problems (tests/gold/author_c/concreteness.jsonl)",
            "lambda": LAMBDA, "date": time.strftime("%Y-%m-%d"), "grade_range": list(GRADE_RANGE),
            "intercept": round(b, 4), "weights": {k: round(float(v), 4) for k, v in zip(FEATURES, w, strict=True)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"write {WEIGHTS_PATH.name}")
    args = ap.parse_args()
    cv = cross_validation()
    print(cv["markdown"])
    if args.write:
        data = shipped_weights()
        write_text(WEIGHTS_PATH, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        print(json.dumps(data["weights"], ensure_ascii=False), "intercept", data["intercept"])


if __name__ == "__main__":
    main()

"""Build the learned line-role model (reports/parse/roles.py) from labelled layout sets: each report's body
lines labelled from its gold record (a line whose own text, after its marker and label, opens with a
gold problem's text_start is a problem line; the nearest line above a category's first problem that
holds the category's title is its category line; all else is other), then a multinomial logistic
regression (scikit-learn, at build time only) written as JSON coefficients with its provenance.

    python -m reports.parse.rolemodel build [--set DIR ...] [--out FILE]

Default sets: the outside authors' layouts in tests/gold (E, F, H, J, L, N, O, R, S). docs/decisions.md ("A learned
line-role reader")."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reports.grammar.markers import parse_marker
from reports.grammar.normalize import normalize_chars
from reports.grammar.script import to_simplified
from reports.parse import read_body, stated_counts
from reports.read import read_source
from reports.shared.atomic import write_text

from .roles import MODEL_PATH, ROLES, RoleModel, line_features

__all__ = ["DEFAULT_SETS", "LabelledReport", "label_lines", "labelled_set", "main", "train"]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SETS = tuple(ROOT / "tests" / "gold" / f"author_{a}" for a in "efhjlnors")
LEAD = 16          # characters of marker and label (【问题1】问题描述:) before a line's own text starts
MIN_LABELLED = 0.5   # share of a report's gold problems that must open a line for the report to train
KIND = os.environ.get("XUNCHA_ROLE_MODEL", "logistic")   # or "mlp" (bench comparisons)
C = 0.1            # inverse regularisation strength of the logistic regression
HIDDEN = 32        # hidden units of the mlp
ALPHA = 1e-3       # L2 penalty of the mlp


def _norm(text: str) -> str:
    """Compared as bench.eval_layouts compares: Simplified, normalised characters, no whitespace."""
    import opencc

    return re.sub(r"\s+", "", opencc.OpenCC("t2s").convert(normalize_chars(text or "")))


def _opens(line: str, start: str, marker: int = 0) -> bool:
    """The normalised line's own text opens with ``start``: right after its marker (``marker``
    characters), or after at most LEAD characters of marker and label that end in no Han character
    (【问题1】 问题描述: A1 ㈠, not ◎关于 before a title that contains the finding's words)."""
    k = line.find(start)
    if k < 0 or k > LEAD or re.search(r"[。;；!?]", line[:k]):
        return False
    return k in (0, marker) or not ("\u4e00" <= line[k - 1] <= "\u9fff")


def _marker_len(text: str) -> int:
    m = parse_marker(text)
    return len(_norm(text[:m.body])) if m is not None else 0


def _gold_order(gold: dict) -> list[tuple[int, dict]]:
    out = []
    for c, cat in enumerate(gold["categories"]):
        for p in cat["problems"]:
            out.append((c, p))
            out.extend((c, s) for s in p.get("subs") or [])
    return out


def label_lines(lines: list[str], gold: dict) -> tuple[list[int], int, int]:
    """(role index per line, gold problems found at a line's start, gold problems), read in order."""
    normed = [_norm(t) for t in lines]
    marks = [_marker_len(t) for t in lines]
    roles = [0] * len(lines)
    problem, category = ROLES.index("problem"), ROLES.index("category")
    pos, found, first = 0, 0, {}
    order = _gold_order(gold)
    for c, p in order:
        start = _norm(p["text_start"])
        j = next((j for j in range(pos, len(lines)) if _opens(normed[j], start, marks[j])), None)
        if j is None:
            continue
        roles[j], pos, found = problem, j + 1, found + 1
        first.setdefault(c, j)
    floor = -1
    for c, cat in enumerate(gold["categories"]):
        title = _norm(cat.get("title") or "")
        if c not in first:
            continue
        if title:
            j = next((j for j in range(first[c] - 1, floor, -1)
                      if _opens(normed[j], title, marks[j]) and len(normed[j]) <= len(title) + LEAD), None)
            if j is not None:
                roles[j] = category
        floor = first[c]
    return roles, found, len(order)


@dataclass
class LabelledReport:
    name: str
    x: np.ndarray
    y: np.ndarray
    names: list[str]
    found: int
    total: int


def labelled_report(report: Path, gold: dict) -> LabelledReport:
    """A report's body lines as the parser reads them (reports.parse.read_body), featured and labelled."""
    src = read_source(report)
    text = to_simplified(src.text) or src.text
    header, body = read_body(text)
    x, names, _ = line_features(body, stated_counts(text, header.body_start, body))
    roles, found, total = label_lines([ln.text for ln in body], gold)
    return LabelledReport(f"{report.parent.parent.name}/{report.stem}", x, np.array(roles), names, found, total)


def labelled_set(folder: Path) -> list[LabelledReport]:
    """Every report of a set (reports/NN.* beside gold/NN.json)."""
    out = []
    for gold_path in sorted((folder / "gold").glob("*.json")):
        report = min((folder / "reports").glob(f"{gold_path.stem}.*"))
        out.append(labelled_report(report, json.loads(gold_path.read_text("utf-8"))))
    return out


def train(reports: list[LabelledReport], provenance: dict | None = None, kind: str | None = None) -> RoleModel:
    """A model over the reports whose problems open lines (MIN_LABELLED); a report read as a table or as
    findings inside one paragraph teaches nothing about line roles. ``kind``: "logistic" (one layer)
    or "mlp" (one hidden ReLU layer of HIDDEN units); classes weighted to equal total weight."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    kind = kind or KIND
    used = [r for r in reports if r.total and r.found >= MIN_LABELLED * r.total]
    x = np.vstack([r.x for r in used])
    y = np.concatenate([r.y for r in used])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    counts = np.bincount(y, minlength=len(ROLES))
    weight = (len(y) / (len(ROLES) * np.maximum(counts, 1)))[y]
    z = (x - mean) / scale
    if kind == "mlp":
        clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), alpha=ALPHA, max_iter=2000, random_state=0)
        clf.fit(z, y, sample_weight=weight)
        layers = [(w, b) for w, b in zip(clf.coefs_, clf.intercepts_, strict=True)]
    else:
        clf = LogisticRegression(C=C, max_iter=2000)
        clf.fit(z, y, sample_weight=weight)
        layers = [(clf.coef_.T, clf.intercept_)]
    w, b = layers[-1]
    full_w, full_b = np.zeros((w.shape[0], len(ROLES))), np.full(len(ROLES), -1e3)
    for k, cls in enumerate(clf.classes_):   # a role no training line had is never predicted
        full_w[:, cls], full_b[cls] = w[:, k], b[k]
    layers[-1] = (full_w, full_b)
    prov = {"reports": [r.name for r in used], "skipped": [r.name for r in reports if r not in used],
            "lines": len(y), "per_role": {ROLES[k]: int(counts[k]) for k in range(len(ROLES))},
            "kind": kind, "C": C, "hidden": HIDDEN, "alpha": ALPHA, "class_weight": "balanced", **(provenance or {})}
    return RoleModel(tuple(used[0].names), mean, scale, tuple(layers), prov)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("build",))
    ap.add_argument("--set", type=Path, action="append", help="a labelled set (reports/ and gold/); repeatable")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    sets = args.set or list(DEFAULT_SETS)
    reports = []
    for k, folder in enumerate(sets, 1):
        print(f"[{k}/{len(sets)}] {folder}", flush=True)
        reports += labelled_set(folder)
    import sklearn

    model = train(reports, {"sets": [str(s.relative_to(ROOT)) if s.is_relative_to(ROOT) else str(s) for s in sets],
                            "built": dt.date.today().isoformat(), "commit": _commit(),
                            "sklearn": sklearn.__version__,
                            "command": "python -m reports.parse.rolemodel build"})
    write_text(args.out, json.dumps(model.to_json(), ensure_ascii=False, indent=0) + "\n")
    print(f"{args.out}: {len(model.names)} features, {model.provenance['lines']} lines, "
          f"{len(model.provenance['reports'])} reports")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

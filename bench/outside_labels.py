"""Concreteness and problem types on labels written outside the team (issue 22, item 4), side by side
with the team's own labels.

    python -m bench.outside_labels [--no-write]

- Concreteness: Spearman of `reports.analysis.concreteness.assess` with author C (140 leaf problems, label and
  1-5 score, tests/gold/author_c/) and with the team (64 labels), overall and per report
  (bench.concreteness_eval), then the cross-validation of the fitted weights
  (bench.concreteness_fit: leave one report out, and one annotator -> the other).
- Types: top-1 accuracy and micro precision/recall of `reports.analysis.problemtypes.classify_rows` against
  author C's and the team's type labels, untyped leaf problems, and taxonomy coherence on author B's
  39 topics and on the team's 15 (bench.eval_types.coherence), then the cross-validation of the
  classifier's two weights (bench.eval_types.cross_validation).

Writes the block between the markers in bench/RESULTS.md's "Concreteness and types on outside
labels" section and bench/results/outside_labels.json.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench import concreteness_eval, eval_types
from reports.analysis.problemtypes import classify_rows

ROOT = Path(__file__).resolve().parents[1]
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- outside-labels:start -->", "<!-- outside-labels:end -->"


def concreteness_figures() -> dict:
    return {a: concreteness_eval.evaluate(a)[0] for a in concreteness_eval.ANNOTATORS}


def type_figures() -> dict:
    rows = eval_types.corpus_rows()
    predicted = classify_rows(rows)
    leaves = eval_types.leaf_keys(rows)
    team = json.loads((ROOT / "tests" / "gold" / "types.json").read_text(encoding="utf-8"))["labels"]
    labels = {"author_c": eval_types.author_c_labels(rows), "team": team}
    out = {"leaf_problems": len(leaves), "untyped": sum(1 for k in leaves if not predicted.get(k))}
    for name, labs in labels.items():
        s = eval_types.score(labs, predicted)
        out[name] = {k: s[k] for k in ("problems", "top1_accuracy", "micro_precision", "micro_recall")}
    topics = eval_types.topic_sets(rows)
    out["coherence"] = {name: eval_types.coherence(members, predicted) for name, members in topics.items()}
    # the same measure with an annotator's own type labels in place of the classifier: what agreeing
    # people reach on these topics
    out["coherence_of_labels"] = {
        (who, name): eval_types.coherence(members, {(x["report_id"], x["problem_id"]): x["types"] for x in labs})
        for who, labs in labels.items() for name, members in topics.items()}
    return out


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def markdown(conc: dict, types: dict, cv: dict | None, types_cv: dict | None = None) -> str:
    c, t = conc["author_c"], conc["team"]
    lines = [START, "", f"`python -m bench.outside_labels`, {time.strftime('%Y-%m-%d')}, load average "
             f"{[round(x, 2) for x in os.getloadavg()]} (2 shared cores).", "",
             "**Concreteness, shipped settings** (Spearman of the score with the label order vague < partly < "
             "concrete; author C also with the 1-5 score, all 140):", "",
             "| | author C | team |", "|---|---|---|",
             f"| labels (judged) | {c['judged']} | {t['judged']} |",
             f"| Spearman, label order | **{_f(c['spearman'])}** | **{_f(t['spearman'])}** |",
             f"| Spearman, author C's 1-5 score | {_f(c['spearman_grade'])} | – |"]
    for label in ("vague", "partly", "concrete"):
        lines.append(f"| mean score, {label} | {_f(c['means'][label]['mean'])} (n {c['means'][label]['n']}) | "
                     f"{_f(t['means'][label]['mean'])} (n {t['means'][label]['n']}) |")
    for rep in sorted(set(c["per_report"]) | set(t["per_report"])):
        rc, rt = c["per_report"].get(rep, {}), t["per_report"].get(rep, {})
        lines.append(f"| report {rep} (n {rc.get('n', 0)} / {rt.get('n', 0)}) | {_f(rc.get('spearman'))} | "
                     f"{_f(rt.get('spearman'))} |")
    if cv:
        lines += ["", cv["markdown"]]
    lines += ["", "**Problem types, shipped settings** (first type one of the annotator's; every leaf problem of "
              f"the corpus: {types['leaf_problems']}, untyped {types['untyped']}):", "",
              "| | author C | team |", "|---|---|---|"]
    for key, name in (("top1_accuracy", "top-1 accuracy"), ("micro_precision", "micro precision"),
                      ("micro_recall", "micro recall")):
        lines.append(f"| {name} | {_f(types['author_c'][key])} | {_f(types['team'][key])} |")
    b, tt = types["coherence"]["author_b"], types["coherence"]["team"]
    lines += ["", "Taxonomy coherence (per topic, the share of members whose first type is the topic's commonest; "
              "mean over topics, then pooled over members; purity = per first type, the share of its problems in "
              "its commonest topic):", "",
              f"| | author B ({b['topics']} topics) | team ({tt['topics']} topics) |", "|---|---|---|",
              f"| coherence, mean over topics | **{_f(b['mean'])}** | **{_f(tt['mean'])}** |",
              f"| coherence, pooled | {_f(b['pooled'])} | {_f(tt['pooled'])} |",
              f"| purity | {_f(b['purity'])} | {_f(tt['purity'])} |",
              f"| untyped topic members | {b['untyped']} | {tt['untyped']} |"]
    for who in ("author_c", "team"):
        lb, lt = types["coherence_of_labels"][(who, "author_b")], types["coherence_of_labels"][(who, "team")]
        lines.append(f"| for reference: {who}'s type labels in place of the classifier | {_f(lb['mean'])} | "
                     f"{_f(lt['mean'])} |")
    if types_cv:
        lines += ["", eval_types.cv_markdown(types_cv)]
    lines += ["", END]
    return "\n".join(lines)


def write_block(text: str) -> None:
    old = RESULTS_MD.read_text(encoding="utf-8")
    if START not in old:
        raise SystemExit(f"{RESULTS_MD}: no {START} marker")
    head, rest = old.split(START, 1)
    RESULTS_MD.write_text(head + text + rest.split(END, 1)[1], encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-cv", action="store_true", help="skip the cross-validation of the fitted weights")
    args = ap.parse_args()
    conc, types = concreteness_figures(), type_figures()
    cv = types_cv = None
    if not args.no_cv:
        from bench import concreteness_fit
        cv = concreteness_fit.cross_validation()
        types_cv = eval_types.cross_validation(eval_types.corpus_rows())
    text = markdown(conc, types, cv, types_cv)
    print(text)
    if not args.no_write:
        write_block(text)
        (ROOT / "bench" / "results" / "outside_labels.json").write_text(
            json.dumps({"concreteness": conc, "types": {**types, "coherence_of_labels": {
                f"{w}/{n}": v for (w, n), v in types["coherence_of_labels"].items()}}, "cv": cv, "types_cv": types_cv}, ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8")


if __name__ == "__main__":
    main()

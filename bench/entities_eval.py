"""Score `reports.entities.extract_entities` against the hand-built gold set; print a table, write JSON.

Run: python -m bench.entities_eval   (writes bench/results/entities.json)

People are scored per mention (span and role must both match), organisations and inspection teams
as (report, canonical name) sets, 《》 titles by class accuracy over every gold title (a title not
found counts as wrong), document numbers as (report, number, title) triples.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from reports.entities import extract_entities
from reports.model import Mention

GOLD = ROOT / "tests" / "gold" / "entities.json"
REPORTS = ROOT / "data" / "reports"
RESULTS = ROOT / "bench" / "results" / "entities.json"
TITLE_TYPES = ("regulation", "document", "work")


def load_gold(path: Path = GOLD) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def gold_person_span(text: str, entry: dict) -> tuple[int, int]:
    """The gold mention's span: the name inside the occurrence-th match of its context."""
    pos = -1
    for _ in range(entry.get("occurrence", 1)):
        pos = text.find(entry["context"], pos + 1)
        if pos < 0:
            raise ValueError(f"gold context not in text: {entry['context']}")
    offset = entry["context"].find(entry["name"])
    if offset < 0:
        raise ValueError(f"gold name not in its context: {entry}")
    return pos + offset, pos + offset + len(entry["name"])


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _pr(tp: int, n_pred: int, n_gold: int) -> dict:
    p, r = _ratio(tp, n_pred), _ratio(tp, n_gold)
    return {"tp": tp, "predicted": n_pred, "gold": n_gold, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def _labelled(gold: list[tuple], found: dict, *, missed, wrong, spurious) -> tuple[int, int, list]:
    """Score gold items `(key, label, entry)` against `found` {key: label}: (correct, located, errors).

    An item is located when its key was found and correct when the label agrees too; found keys
    not in the gold set are spurious. `missed`/`wrong`/`spurious` word the error lines."""
    correct, located, errors = 0, 0, []
    for key, label, entry in gold:
        if key not in found:
            errors.append(missed(entry))
            continue
        located += 1
        if found[key] == label:
            correct += 1
        else:
            errors.append(wrong(entry, found[key]))
    gold_keys = {key for key, _, _ in gold}
    errors += [spurious(key) for key in found if key not in gold_keys]
    return correct, located, errors


def _people(text: str, gold: list[dict], mentions: list[Mention]) -> tuple[int, int, int, int, list]:
    predicted = {m.span: m.role for m in mentions if m.type == "person"}
    strict, loose, errors = _labelled(
        [(gold_person_span(text, e), e["role"], e) for e in gold], predicted,
        missed=lambda e: f"missed person {e['name']} ({e['context']})",
        wrong=lambda e, got: f"role {e['name']}: got {got!r}, gold {e['role']!r}",
        spurious=lambda k: f"spurious person {text[k[0]:k[1]]} ({text[max(0, k[0] - 8):k[1] + 4]})")
    return strict, loose, len(predicted), len(gold), errors


def _sets(gold: list[str], mentions: list[Mention], kind: str) -> tuple[int, int, int, list]:
    predicted = {m.canonical for m in mentions if m.type == kind}
    gold_set = set(gold)
    errors = [f"missed {kind} {g}" for g in sorted(gold_set - predicted)]
    errors += [f"spurious {kind} {p}" for p in sorted(predicted - gold_set)]
    return len(predicted & gold_set), len(predicted), len(gold_set), errors


def _titles(gold: list[dict], mentions: list[Mention]) -> tuple[int, int, int, int, list]:
    found: dict[tuple[str, bool], str] = {}
    for m in mentions:
        if m.type in TITLE_TYPES and "title_class" in m.attrs:
            found.setdefault((m.name, "nested_in" in m.attrs), m.attrs["title_class"])
    correct, located, errors = _labelled(
        [((e["title"], bool(e.get("nested"))), e["class"], e) for e in gold], found,
        missed=lambda e: f"missed title 《{e['title']}》",
        wrong=lambda e, got: f"class 《{e['title']}》: got {got}, gold {e['class']}",
        spurious=lambda k: f"spurious title 《{k[0]}》")
    return correct, located, len(found), len(gold), errors


def _doc_numbers(gold: list[dict], mentions: list[Mention]) -> tuple[int, int, int, list]:
    predicted = {(m.attrs["doc_number"], m.name if m.type in TITLE_TYPES and "title_class" in m.attrs else None)
                 for m in mentions if m.attrs.get("doc_number")}
    gold_set = {(g["number"], g["title"]) for g in gold}
    errors = [f"missed number {n} -> 《{t}》" for n, t in sorted(gold_set - predicted, key=str)]
    errors += [f"spurious number {n} -> {t}" for n, t in sorted(predicted - gold_set, key=str)]
    return len(predicted & gold_set), len(predicted), len(gold_set), errors


def evaluate(gold: dict | None = None) -> dict:
    """Run the extractor over every gold report and score it; returns figures plus every error."""
    gold = gold or load_gold()
    totals = {k: [0, 0, 0, 0] for k in ("people", "people_span", "organizations", "teams", "titles",
                                         "numbers")}
    per_report, seconds = {}, 0.0
    for name, report in gold["reports"].items():
        text = (REPORTS / name).read_text(encoding="utf-8")
        start = time.perf_counter()
        mentions = extract_entities(text, unit=report["unit"], unit_short=report["unit_short"])
        seconds += time.perf_counter() - start
        strict, loose, n_pred, n_gold, e_people = _people(text, report["people"], mentions)
        o_tp, o_pred, o_gold, e_orgs = _sets(report["organizations"], mentions, "organization")
        t_tp, t_pred, t_gold, e_teams = _sets(report["inspection_teams"], mentions, "inspection_team")
        correct, located, ti_pred, ti_gold, e_titles = _titles(report["titles"], mentions)
        n_tp, nu_pred, nu_gold, e_numbers = _doc_numbers(report["doc_numbers"], mentions)
        for key, row in (("people", (strict, n_pred, n_gold)), ("people_span", (loose, n_pred, n_gold)),
                         ("organizations", (o_tp, o_pred, o_gold)), ("teams", (t_tp, t_pred, t_gold)),
                         ("numbers", (n_tp, nu_pred, nu_gold))):
            for i, value in enumerate(row):
                totals[key][i] += value
        for i, value in enumerate((correct, located, ti_pred, ti_gold)):
            totals["titles"][i] += value
        per_report[name] = {"errors": e_people + e_orgs + e_teams + e_titles + e_numbers,
                            "mentions": len(mentions)}
    t = totals
    return {
        "people": _pr(*t["people"][:3]),
        "people_span_only": _pr(*t["people_span"][:3]),
        "organizations": _pr(*t["organizations"][:3]),
        "inspection_teams": _pr(*t["teams"][:3]),
        "titles": {"class_accuracy": round(_ratio(t["titles"][0], t["titles"][3]), 4),
                   "found": t["titles"][1], "gold": t["titles"][3], "predicted": t["titles"][2],
                   "detection_recall": round(_ratio(t["titles"][1], t["titles"][3]), 4),
                   "detection_precision": round(_ratio(t["titles"][1], t["titles"][2]), 4)},
        "doc_numbers": _pr(*t["numbers"][:3]),
        "seconds": round(seconds, 2),
        "reports": per_report,
    }


def format_table(result: dict) -> str:
    rows = [("type", "P", "R", "F1", "tp/pred/gold")]
    for key in ("people", "people_span_only", "organizations", "inspection_teams", "doc_numbers"):
        r = result[key]
        rows.append((key, f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
                     f"{r['tp']}/{r['predicted']}/{r['gold']}"))
    ti = result["titles"]
    rows.append(("titles (class acc.)", f"{ti['detection_precision']:.3f}", f"{ti['detection_recall']:.3f}",
                 f"acc {ti['class_accuracy']:.3f}", f"{ti['found']}/{ti['predicted']}/{ti['gold']}"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)


def main() -> int:
    result = evaluate()
    print(format_table(result))
    print(f"extraction time over the corpus: {result['seconds']}s")
    for name, info in result["reports"].items():
        for error in info["errors"]:
            print(f"  {name[:3]} {error}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

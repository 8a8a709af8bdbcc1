"""Reports in layouts nobody here wrote: author E's 14 reports (tests/gold/author_e/, 14 layouts, gold
records written and frozen before the parser was measured on them), read as `xuncha ingest` reads them.

    python -m bench.eval_layouts [--per-report] [--set tests/gold/author_f] [--reader grammar|learned|rules]

Per field: header (unit, inspector, the four dates), stated counts (categories, problems, completed),
structure (categories found, their titles, gold problems found by the start of their text, problems
found that the gold does not have), and for the problems found their status and number of measures.
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from reports.grammar.normalize import normalize_chars
from reports.parse import parse_text
from reports.read import read_source
from reports.shared.notices import XunchaError
from reports.status import status_code

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "tests" / "gold" / "author_e"
HEADER = ("unit", "inspector", "inspection_start", "inspection_end", "feedback_date", "report_date")


def _norm(text: str | None) -> str:
    """Compared as the parser stores text: Simplified, half-width punctuation, no whitespace."""
    return re.sub(r"\s+", "", _simplified(normalize_chars(text or "")))


def _simplified(text: str) -> str:
    import opencc

    return opencc.OpenCC("t2s").convert(text)   # a short gold string is too short for the detector


def _header(report) -> dict[str, str | None]:
    ins = report.inspection
    iso = lambda d: d.iso if d else None  # noqa: E731
    return {"unit": report.unit, "inspector": ins.inspector if ins else None,
            "inspection_start": iso(ins.start) if ins else None, "inspection_end": iso(ins.end) if ins else None,
            "feedback_date": iso(ins.feedback) if ins else None, "report_date": iso(report.report_date)}


def _gold_problems(gold: dict) -> list[dict]:
    out = []
    for c in gold["categories"]:
        for p in c["problems"]:
            out.append(p)
            out.extend(p.get("subs") or [])
    return out


def score_report(path: Path, gold: dict, reader: str = "auto") -> tuple[Counter, Counter, list[str]]:
    """(hits, totals, misses) per field for one report. ``reader="grammar"`` reads the structure by the
    document's own enumeration alone (reports/parse/induced.py), without the tuned readers. A file the
    reader refuses scores every gold field as missed (it is what a user gets), not a crash of the whole
    evaluation."""
    hits, totals, misses = Counter(), Counter(), []
    try:
        src = read_source(path)
        report = parse_text(src.text, source_path=src.path, source_format=src.format, encoding=src.encoding,
                            reader=reader)
    except XunchaError as err:
        for f in HEADER:
            totals[f] += 1
        totals.update(f"stated_{k}" for k, v in (gold.get("stated") or {}).items() if v is not None)
        totals["categories"] += 1
        totals["category_title"] += sum(1 for c in gold["categories"] if c.get("title"))
        totals["problem_found"] += len(_gold_problems(gold))
        return hits, totals, [f"{path.stem} not read: {err}"]

    def check(field: str, ok: bool, detail: str) -> None:
        totals[field] += 1
        hits[field] += ok
        if not ok:
            misses.append(f"{path.stem} {field}: {detail}")

    got = _header(report)
    for f in HEADER:
        same = got[f] == gold.get(f) or (f in ("unit", "inspector") and _norm(got[f]) == _norm(gold.get(f)) != "")
        check(f, same, f"gold {gold.get(f)!r} got {got[f]!r}")
    for key, value in (gold.get("stated") or {}).items():
        if value is not None:
            check(f"stated_{key}", report.stated_value(key) == value, f"gold {value} got {report.stated_value(key)}")
    titled = [c for c in gold["categories"] if c.get("title")]
    check("categories", len(report.categories) == len(gold["categories"]),
          f"gold {len(gold['categories'])} got {len(report.categories)} {[c.title for c in report.categories]}")
    found_titles = {_norm(c.title) for c in report.categories}
    for c in titled:
        check("category_title", _norm(c["title"]) in found_titles, f"gold {c['title']!r} not in {sorted(found_titles)}")
    parsed = [p for c in report.categories for top in c.problems for p in top.walk()]
    used: set[int] = set()
    for g in _gold_problems(gold):
        start = _norm(g["text_start"])
        match = next((i for i, p in enumerate(parsed) if i not in used and _norm(p.text).startswith(start)), None)
        check("problem_found", match is not None, f"{g['text_start']!r} not found")
        if match is None:
            continue
        used.add(match)
        p = parsed[match]
        check("status", (status_code(p.status) if p.status else None) == g.get("status"),
              f"{g['text_start']!r} gold {g.get('status')} got {p.status!r}")
        check("measures", len(p.measures) == g.get("measures", 0),
              f"{g['text_start']!r} gold {g.get('measures')} got {len(p.measures)} {[m.text[:12] for m in p.measures]}")
    extra = [p for i, p in enumerate(parsed) if i not in used]
    totals["extra_problems"] += len(extra)
    misses += [f"{path.stem} extra problem: {p.id} {p.text[:20]!r}" for p in extra]
    return hits, totals, misses


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-report", action="store_true", help="print every miss")
    ap.add_argument("--set", type=Path, default=SET, help="a folder with reports/NN.<ext> (.txt, .html, .docx…) and gold/NN.json")
    ap.add_argument("--reader", choices=("auto", "grammar", "learned", "rules"), default="auto",
                    help="grammar: structure read by the document's own enumeration alone (no tuned readers); "
                         "learned: by the learned line roles alone (reports/parse/roles.py); rules: the tuned "
                         "and induced readers without the learned candidate")
    args = ap.parse_args(argv)
    hits, totals, misses = Counter(), Counter(), []
    for gold_path in sorted((args.set / "gold").glob("*.json")):
        report = min((args.set / "reports").glob(f"{gold_path.stem}.*"))
        h, t, m = score_report(report, json.loads(gold_path.read_text("utf-8")), args.reader)
        hits.update(h)
        totals.update(t)
        misses += m
    print("| field | right / checked |\n|---|---|")
    for field in sorted(totals):
        if field == "extra_problems":
            print(f"| problems found that the gold does not have | {totals[field]} |")
        else:
            print(f"| {field} | {hits[field]}/{totals[field]} = {hits[field] / totals[field]:.3f} |")
    if args.per_report:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

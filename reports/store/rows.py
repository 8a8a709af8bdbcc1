"""How a report is written to and read back from the store's tables (one INSERT per row kind; the
Report rebuilt from its rows): the row codec, apart from the Store's transactions and queries."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict

from reports.analysis.problemtypes import TypeMatch, classify_report, types_json, types_version
from reports.model import (
    Category,
    DateValue,
    Inspection,
    Measure,
    Mention,
    Problem,
    Report,
    StatedCount,
    iso,
)
from reports.shared.notices import Notice
from reports.status import status_code

__all__ = ["insert_mentions", "insert_report", "load_report", "problem_at"]


def problem_at(report: Report, offset: int) -> str | None:
    """Id of the deepest problem whose statement or rectification contains `offset`."""
    hit = None
    for p in report.problems():
        spans = [p.span] + ([p.rectification_span] if p.rectification_span else [])
        if any(s <= offset < e for s, e in spans):
            hit = p.id
    return hit


def insert_report(db: sqlite3.Connection, r: Report, offsets_json: str | None,
                   types: dict[str, list[TypeMatch]] | None = None) -> None:
    if types is None:
        types = classify_report(r)
    i = r.inspection
    dates = {k: asdict(v) for k, v in (("start", i.start), ("end", i.end), ("feedback", i.feedback),
                                        ("report_date", r.report_date), ("publish_date", r.publish_date)) if v}
    db.execute(
        "INSERT INTO reports (id, source_path, source_format, encoding, title, unit, unit_short, level, region,"
        " kind, inspector, inspector_text, round, inspection_span, start_date, end_date, feedback_date,"
        " report_date, publish_date, dates_json, sections_json, truncated, text, offsets_json, script,"
        " display_text, fingerprint, types_version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (r.id, r.source_path, r.source_format, r.encoding, r.title, r.unit, r.unit_short, r.level, r.region,
         i.kind, i.inspector, i.inspector_text, i.round, json.dumps(i.span), iso(i.start), iso(i.end),
         iso(i.feedback), iso(r.report_date), iso(r.publish_date), json.dumps(dates, ensure_ascii=False),
         json.dumps(r.sections, ensure_ascii=False), int(r.truncated), r.text, offsets_json, r.script,
         r.display_text, r.fingerprint, types_version()))
    db.executemany("INSERT INTO warnings (report_id, seq, message, code, params_json) VALUES (?,?,?,?,?)",
                   [(r.id, n, w.english(), w.code, json.dumps(w.params, ensure_ascii=False))
                    for n, w in enumerate(r.warnings)])
    db.executemany("INSERT INTO stated_counts VALUES (?,?,?,?,?,?,?)",
                   [(r.id, n, s.key, s.value, s.text, *s.span) for n, s in enumerate(r.stated)])
    for c in r.categories:
        db.execute("INSERT INTO categories VALUES (?,?,?,?,?,?,?)",
                   (r.id, c.ordinal, c.label, c.title, *c.span, c.stated_problems))
    for seq, p in enumerate(r.problems()):
        rect = p.rectification_span or (None, None)
        db.execute("INSERT INTO problems (report_id, id, seq, parent_id, category_ordinal, label, text, start,"
                   " end, rectification, rect_start, rect_end, status, status_code, kind, types_json)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   (r.id, p.id, seq, p.parent_id, p.category_ordinal, p.label, p.text, *p.span,
                    p.rectification, *rect, p.status, status_code(p.status) if p.status else None, p.kind,
                    types_json(types.get(p.id, []))))
        db.executemany("INSERT INTO measures VALUES (?,?,?,?,?,?,?)",
                       [(r.id, p.id, n, m.label, m.text, *m.span) for n, m in enumerate(p.measures)])


def insert_mentions(db: sqlite3.Connection, report: Report, mentions: list[Mention]) -> None:
    for m in mentions:
        db.execute("INSERT OR IGNORE INTO entities (type, canonical) VALUES (?, ?)", (m.type, m.canonical))
        entity_id = db.execute("SELECT id FROM entities WHERE type=? AND canonical=?",
                               (m.type, m.canonical)).fetchone()[0]
        db.execute("INSERT INTO mentions (entity_id, report_id, problem_id, name, role, start, end, attrs_json)"
                   " VALUES (?,?,?,?,?,?,?,?)",
                   (entity_id, report.id, problem_at(report, m.span[0]), m.name, m.role, *m.span,
                    json.dumps(m.attrs, ensure_ascii=False)))


def _date(d: dict | None) -> DateValue | None:
    return DateValue(d["iso"], d["text"], tuple(d["span"]), d["year_inferred"]) if d else None


def load_report(db: sqlite3.Connection, row: sqlite3.Row) -> Report:
    rid = row["id"]
    dates = json.loads(row["dates_json"])
    span = json.loads(row["inspection_span"]) if row["inspection_span"] else None
    inspection = Inspection(row["kind"], row["inspector"], row["inspector_text"], row["round"],
                            _date(dates.get("start")), _date(dates.get("end")), _date(dates.get("feedback")),
                            tuple(span) if span else None)
    report = Report(
        id=rid, text=row["text"], source_path=row["source_path"], source_format=row["source_format"],
        encoding=row["encoding"], title=row["title"], unit=row["unit"], unit_short=row["unit_short"],
        level=row["level"], region=row["region"], inspection=inspection,
        report_date=_date(dates.get("report_date")), publish_date=_date(dates.get("publish_date")),
        sections=json.loads(row["sections_json"]), truncated=bool(row["truncated"]),
        script=row["script"], display_text=row["display_text"])
    report.warnings = [Notice(w["code"], json.loads(w["params_json"])) for w in db.execute(
        "SELECT code, params_json FROM warnings WHERE report_id=? ORDER BY seq", (rid,))]
    report.stated = [StatedCount(s["key"], s["value"], s["text"], (s["start"], s["end"])) for s in db.execute(
        "SELECT * FROM stated_counts WHERE report_id=? ORDER BY seq", (rid,))]
    categories = {c["ordinal"]: Category(c["ordinal"], c["label"], c["title"], (c["start"], c["end"]),
                                         c["stated_problems"])
                  for c in db.execute("SELECT * FROM categories WHERE report_id=? ORDER BY ordinal", (rid,))}
    measures: dict[str, list[Measure]] = {}
    for m in db.execute("SELECT * FROM measures WHERE report_id=? ORDER BY problem_id, seq", (rid,)):
        measures.setdefault(m["problem_id"], []).append(Measure(m["text"], (m["start"], m["end"]), m["label"]))
    by_id: dict[str, Problem] = {}
    for p in db.execute("SELECT * FROM problems WHERE report_id=? ORDER BY seq", (rid,)):
        rect = (p["rect_start"], p["rect_end"]) if p["rect_start"] is not None else None
        problem = Problem(p["id"], p["label"], p["text"], (p["start"], p["end"]), p["category_ordinal"],
                          p["parent_id"], p["rectification"], rect, measures.get(p["id"], []), p["status"],
                          kind=p["kind"])
        by_id[problem.id] = problem
        if problem.parent_id is None:
            categories[problem.category_ordinal].problems.append(problem)
        else:
            by_id[problem.parent_id].children.append(problem)
    report.categories = list(categories.values())
    return report

"""Report records as the JSON of the CLI contract (docs/cli.md, `xuncha parse`).
Contract keys are kept exactly; extra keys are additions other tools may ignore (docs/decisions.md, CLI)."""
from __future__ import annotations

from reports.grammar.unitnames import display_names
from reports.model import STATUS_KEYS, Problem, Report, iso
from reports.status import status_code

__all__ = ["problem_to_json", "report_to_json"]



def problem_to_json(p: Problem) -> dict:
    return {
        "id": p.id, "kind": p.kind, "label": p.label, "text": p.text, "span": list(p.span),
        "measures": [m.text for m in p.measures],
        "status": p.status, "status_code": status_code(p.status) if p.status else None,
        "rectification": p.rectification,
        "children": [problem_to_json(c) for c in p.children],
    }


def report_to_json(r: Report) -> dict:
    i = r.inspection
    stated: dict[str, int | None] = dict.fromkeys(STATUS_KEYS)
    for s in r.stated:
        if stated.get(s.key) is None:
            stated[s.key] = s.value
    inferred = [k for k, d in (("start", i.start), ("end", i.end), ("feedback", i.feedback),
                               ("report_date", r.report_date)) if d and d.year_inferred]
    return {
        "report_id": r.id,
        "title": r.title,
        "unit": r.unit,
        "unit_short": display_names([(r.id, r.unit, r.unit_short, r.region)]).get(r.id),
        "unit_abbreviation": r.unit_short,
        "level": r.level,
        "region": r.region,
        "inspection": {"kind": i.kind, "inspector": i.inspector, "inspector_text": i.inspector_text,
                       "round": i.round, "start": iso(i.start), "end": iso(i.end),
                       "feedback": iso(i.feedback), "year_inferred": inferred},
        "report_date": iso(r.report_date),
        "publish_date": iso(r.publish_date),
        "stated": stated,
        "stated_all": [{"key": s.key, "value": s.value, "text": s.text, "span": list(s.span), "inferred": s.inferred}
                       for s in r.stated],
        "found": r.found(),
        "truncated": r.truncated,
        "script": r.script,
        "warnings": [w.english() for w in r.warnings],
        "warning_codes": [w.to_json() for w in r.warnings],
        "categories": [{"ordinal": c.ordinal, "label": c.label, "title": c.title,
                        "stated_problems": c.stated_problems,
                        "problems": [problem_to_json(p) for p in c.problems]} for c in r.categories],
        "sections": r.sections,
        "source": {"path": r.source_path, "format": r.source_format, "encoding": r.encoding},
    }

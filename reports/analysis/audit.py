"""Check a report as an inspection office would: do its counts agree, are its dates in order, is it
complete, does every problem have a rectification, and is what it calls done really done.

Pure computation over a `Report` (and its entity mentions); messages are rendered from a code and
its parameters through the one notice table (reports.shared.notices.MESSAGES). See docs/decisions.md "Audit".
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from reports.model import Mention, Report
from reports.shared.notices import render
from reports.status import STATUS_NAMES, STATUS_PARTS, STATUS_WORDS, status_code

from .concreteness import Concreteness, assess_report

__all__ = ["AUDIT_CODES", "SEVERITY", "VAGUE_BELOW", "Finding", "audit_report", "findings_json"]

# code -> severity; the messages (English and Chinese) are in reports.shared.notices.MESSAGES.
SEVERITY: dict[str, str] = {
    "count_conflict": "error", "count_mismatch": "warning", "truncated": "error", "status_sum": "warning",
    "date_order": "error", "no_measures": "warning", "vague_rectification": "info", "status_contradiction": "warning",
    "rectification_truncated": "info",
}
AUDIT_CODES = tuple(SEVERITY)
VAGUE_BELOW = 0.1   # concreteness under which a rectification is reported as vague (predicted grade < 1.8 of 1-5)
_WHAT = {"problems": ("问题", "problems"), "categories": ("问题类别", "categories"),
         "category_problems": ("该类别问题", "problems in category")}
_DATE_LABELS = {"start": "巡察进驻", "end": "巡察结束", "feedback": "反馈意见", "report_date": "报告落款"}
_OPEN = ("in_progress", "long_term")


@dataclass
class Finding:
    """One audit finding; `params` fill the message template, `evidence` shows where it comes from."""

    report_id: str
    problem_id: str | None
    code: str
    params: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return SEVERITY[self.code]

    @property
    def message(self) -> str:
        return render(self.code, self.params)

    @property
    def message_en(self) -> str:
        return render(self.code, self.params, "en")

    def to_json(self) -> dict:
        return {"report_id": self.report_id, "problem_id": self.problem_id, "code": self.code,
                "severity": self.severity, "message": self.message, "evidence": self.evidence,
                "params": self.params, "message_en": self.message_en}


def audit_report(report: Report, mentions: Iterable[Mention] = (),
                 concreteness: dict[str, Concreteness] | None = None) -> list[Finding]:
    """Every finding for `report`: report-level checks first, then per problem in document order.
    `concreteness` (problem id -> result) is computed here when not given."""
    mentions = list(mentions)
    out: list[Finding] = []
    out += _count_findings(report)
    out += _truncation(report)
    out += _status_sum(report)
    out += _date_order(report)
    out += _problem_findings(report, mentions, concreteness)
    return out


def _count_findings(report: Report) -> list[Finding]:
    out = []
    stated = [s for s in report.stated if s.key == "problems"]
    values = sorted({s.value for s in stated})
    if len(values) > 1:
        out.append(Finding(report.id, None, "count_conflict", {"values": values},
                           {"statements": [{"value": s.value, "text": s.text, "span": list(s.span)}
                                           for s in stated]}))
    found = report.found()
    total = report.stated_value("problems")
    if total is not None and found["problems"] and total not in (found["problems"], found["leaf_problems"]):
        out.append(Finding(report.id, None, "count_mismatch",
                           {**_what("problems"), "stated": total, "found": found["problems"]},
                           {"key": "problems", "stated": total, "found": found["problems"],
                            "found_leaf": found["leaf_problems"], "text": stated[0].text,
                            "span": list(stated[0].span)}))
    cats = report.stated_value("categories")
    if cats is not None and found["categories"] and cats != found["categories"]:
        out.append(Finding(report.id, None, "count_mismatch",
                           {**_what("categories"), "stated": cats, "found": found["categories"]},
                           {"key": "categories", "stated": cats, "found": found["categories"]}))
    for c in report.categories:
        if c.stated_problems is not None and c.stated_problems != len(c.problems):
            out.append(Finding(report.id, None, "count_mismatch",
                               {"what": f"第{c.label or c.ordinal}类" + _WHAT["category_problems"][0],
                                "what_en": f"{_WHAT['category_problems'][1]} {c.ordinal}",
                                "stated": c.stated_problems, "found": len(c.problems)},
                               {"key": "category_problems", "category": c.ordinal, "title": c.title,
                                "stated": c.stated_problems, "found": len(c.problems), "span": list(c.span)}))
    return out


def _what(key: str) -> dict[str, str]:
    return {"what": _WHAT[key][0], "what_en": _WHAT[key][1]}


def _truncation(report: Report) -> list[Finding]:
    if not report.truncated:
        return []
    tail = report.text.rstrip()[-20:].replace("\n", " ")
    return [Finding(report.id, None, "truncated", {"tail": tail},
                    {"tail": tail, "length": len(report.text)})]


def _status_sum(report: Report) -> list[Finding]:
    total = report.stated_value("problems")
    parts = {k: report.stated_value(k) for k in STATUS_PARTS}
    parts = {k: v for k, v in parts.items() if v is not None}
    if total is None or not parts or sum(parts.values()) == total:
        return []
    text = "+".join(f"{STATUS_NAMES[k]}{v}" for k, v in parts.items())
    text_en = " + ".join(f"{k} {v}" for k, v in parts.items())
    return [Finding(report.id, None, "status_sum",
                    {"parts": text, "parts_en": text_en, "total_parts": sum(parts.values()), "stated": total},
                    {"parts": parts, "sum": sum(parts.values()), "stated_total": total,
                     "statements": [{"key": s.key, "value": s.value, "text": s.text, "span": list(s.span)}
                                    for s in report.stated if s.key in (*STATUS_PARTS, "problems")]})]


def _date_order(report: Report) -> list[Finding]:
    i = report.inspection
    dates = [(k, d) for k, d in (("start", i.start), ("end", i.end), ("feedback", i.feedback),
                                 ("report_date", report.report_date)) if d is not None]
    out = []
    for (k1, d1), (k2, d2) in pairwise(dates):
        if d1.iso > d2.iso:
            out.append(Finding(report.id, None, "date_order",
                               {"first_label": _DATE_LABELS[k1], "first": d1.iso, "first_key": k1,
                                "second_label": _DATE_LABELS[k2], "second": d2.iso, "second_key": k2},
                               {"dates": {k: {"iso": d.iso, "text": d.text, "span": list(d.span),
                                              "year_inferred": d.year_inferred} for k, d in dates},
                                "order": [k1, k2]}))
    return out


def _problem_findings(report: Report, mentions: list[Mention],
                      concreteness: dict[str, Concreteness] | None) -> list[Finding]:
    out = []
    claims_all_done = _claims_all_done(report)
    if concreteness is None:
        concreteness = assess_report(report, mentions)
    for p in report.problems():
        if p.children:
            continue  # measures live with the leaves
        c = concreteness.get(p.id)
        if not p.measures and not p.rectification.strip():
            out.append(Finding(report.id, p.id, "no_measures", {"problem_id": p.id},
                               {"text": p.text[:200], "span": list(p.span)}))
            continue
        if c is not None and c.truncated:  # not vague: the report stops in the middle of it; say so
            out.append(Finding(report.id, p.id, "rectification_truncated", {"problem_id": p.id},
                               {"rectification": p.rectification[-300:], "length": len(report.text)}))
        elif c is not None and c.score < VAGUE_BELOW:
            out.append(Finding(report.id, p.id, "vague_rectification",
                               {"problem_id": p.id, "score": f"{c.score:.2f}"},
                               {"concreteness": c.to_json(), "rectification": p.rectification[:300]}))
        own = status_code(p.status) if p.status else None
        done = own == "completed" or claims_all_done
        open_phrase = _open_phrase(p.rectification)
        if done and open_phrase:
            out.append(Finding(report.id, p.id, "status_contradiction", {"problem_id": p.id, "phrase": open_phrase},
                               {"reported": p.status or "报告称全部问题已完成整改", "phrase": open_phrase,
                                "span": list(p.rectification_span) if p.rectification_span else None}))
    return out


def _claims_all_done(report: Report) -> bool:
    total, completed = report.stated_value("problems"), report.stated_value("completed")
    return total is not None and completed is not None and completed >= total


def _open_phrase(text: str) -> str | None:
    """The first phrase in `text` saying the work is still open (正在推进, 需要长期坚持)."""
    for code, pattern in STATUS_WORDS:
        if code in _OPEN:
            m = re.search(pattern, text)
            if m:
                return m.group(0)
    return None


def findings_json(findings: Iterable[Finding]) -> list[dict]:
    return [f.to_json() for f in findings]

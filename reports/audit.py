"""Check a report as an inspection office would: do its counts agree, are its dates in order, is it
complete, does every problem have a rectification, and is what it calls done really done.

Pure computation over a `Report` (and its entity mentions); messages are rendered from a code and
its parameters through the one table `MESSAGES` (user-facing Chinese). See docs/decisions.md "Audit".
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from .concreteness import Concreteness, assess
from .model import Mention, Report
from .status import STATUS_WORDS, status_code

__all__ = ["AUDIT_CODES", "MESSAGES", "STATUS_NAMES", "VAGUE_BELOW", "Finding", "audit_report", "findings_json", "render"]

# code -> (severity, Chinese message template over the finding's params)
MESSAGES: dict[str, tuple[str, str]] = {
    "count_conflict": ("error", "报告前后所称问题总数不一致:{values}"),
    "count_mismatch": ("warning", "报告称{what}{stated}个,实际识别出{found}个"),
    "truncated": ("error", "报告正文不完整:在句子中间截断(结尾为“…{tail}”),后面的问题和措施可能缺失"),
    "status_sum": ("warning", "各整改状态数量之和({parts}={total_parts})与报告所称问题总数{stated}不符"),
    "date_order": ("error", "日期顺序有误:{first_label}({first})晚于{second_label}({second})"),
    "no_measures": ("warning", "问题{problem_id}没有任何整改措施"),
    "vague_rectification": ("info", "问题{problem_id}的整改措施较空泛(具体程度{score}),缺少文件、时间、数量等可核查内容"),
    "status_contradiction": ("warning", "问题{problem_id}被报告为已完成整改,但整改情况写有“{phrase}”"),
}
AUDIT_CODES = tuple(MESSAGES)
VAGUE_BELOW = 0.1   # concreteness under which a rectification is reported as vague (see bench RESULTS)
_WHAT = {"problems": "问题", "categories": "问题类别", "category_problems": "该类别问题"}
_DATE_LABELS = {"start": "巡察进驻", "end": "巡察结束", "feedback": "反馈意见", "report_date": "报告落款"}
_STATUS_PARTS = ("completed", "basically_completed", "in_progress", "long_term")
# Chinese names of the stated-status keys (reports.model.STATUS_KEYS), shown to users.
STATUS_NAMES = {"completed": "已完成", "basically_completed": "基本完成", "in_progress": "正在整改",
                 "long_term": "长期坚持"}
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
        return MESSAGES[self.code][0]

    @property
    def message(self) -> str:
        return render(self.code, self.params)

    def to_json(self) -> dict:
        return {"report_id": self.report_id, "problem_id": self.problem_id, "code": self.code,
                "severity": self.severity, "message": self.message, "evidence": self.evidence,
                "params": self.params}


def render(code: str, params: dict) -> str:
    """The Chinese message of `code` with `params` filled in."""
    return MESSAGES[code][1].format(problem_id=params.get("problem_id", ""), **{k: v for k, v in params.items()
                                                                            if k != "problem_id"})


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
        out.append(Finding(report.id, None, "count_conflict", {"values": " 与 ".join(map(str, values))},
                           {"statements": [{"value": s.value, "text": s.text, "span": list(s.span)}
                                           for s in stated]}))
    found = report.found()
    total = report.stated_value("problems")
    if total is not None and found["problems"] and total not in (found["problems"], found["leaf_problems"]):
        out.append(Finding(report.id, None, "count_mismatch",
                           {"what": _WHAT["problems"], "stated": total, "found": found["problems"]},
                           {"key": "problems", "stated": total, "found": found["problems"],
                            "found_leaf": found["leaf_problems"], "text": stated[0].text,
                            "span": list(stated[0].span)}))
    cats = report.stated_value("categories")
    if cats is not None and found["categories"] and cats != found["categories"]:
        out.append(Finding(report.id, None, "count_mismatch",
                           {"what": _WHAT["categories"], "stated": cats, "found": found["categories"]},
                           {"key": "categories", "stated": cats, "found": found["categories"]}))
    for c in report.categories:
        if c.stated_problems is not None and c.stated_problems != len(c.problems):
            out.append(Finding(report.id, None, "count_mismatch",
                               {"what": f"第{c.label or c.ordinal}类" + _WHAT["category_problems"],
                                "stated": c.stated_problems, "found": len(c.problems)},
                               {"key": "category_problems", "category": c.ordinal, "title": c.title,
                                "stated": c.stated_problems, "found": len(c.problems), "span": list(c.span)}))
    return out


def _truncation(report: Report) -> list[Finding]:
    if not report.truncated:
        return []
    tail = report.text.rstrip()[-20:].replace("\n", " ")
    return [Finding(report.id, None, "truncated", {"tail": tail},
                    {"tail": tail, "length": len(report.text)})]


def _status_sum(report: Report) -> list[Finding]:
    total = report.stated_value("problems")
    parts = {k: report.stated_value(k) for k in _STATUS_PARTS}
    parts = {k: v for k, v in parts.items() if v is not None}
    if total is None or not parts or sum(parts.values()) == total:
        return []
    text = "+".join(f"{STATUS_NAMES[k]}{v}" for k, v in parts.items())
    return [Finding(report.id, None, "status_sum",
                    {"parts": text, "total_parts": sum(parts.values()), "stated": total},
                    {"parts": parts, "sum": sum(parts.values()), "stated_total": total,
                     "statements": [{"key": s.key, "value": s.value, "text": s.text, "span": list(s.span)}
                                    for s in report.stated if s.key in (*_STATUS_PARTS, "problems")]})]


def _date_order(report: Report) -> list[Finding]:
    i = report.inspection
    dates = [(k, d) for k, d in (("start", i.start), ("end", i.end), ("feedback", i.feedback),
                                 ("report_date", report.report_date)) if d is not None]
    out = []
    for (k1, d1), (k2, d2) in pairwise(dates):
        if d1.iso > d2.iso:
            out.append(Finding(report.id, None, "date_order",
                               {"first_label": _DATE_LABELS[k1], "first": d1.iso,
                                "second_label": _DATE_LABELS[k2], "second": d2.iso},
                               {"dates": {k: {"iso": d.iso, "text": d.text, "span": list(d.span),
                                              "year_inferred": d.year_inferred} for k, d in dates},
                                "order": [k1, k2]}))
    return out


def _problem_findings(report: Report, mentions: list[Mention],
                      concreteness: dict[str, Concreteness] | None) -> list[Finding]:
    out = []
    claims_all_done = _claims_all_done(report)
    for p in report.problems():
        if p.children:
            continue  # measures live with the leaves
        c = concreteness.get(p.id) if concreteness is not None else assess(p, report.text, mentions)
        if not p.measures and not p.rectification.strip():
            out.append(Finding(report.id, p.id, "no_measures", {"problem_id": p.id},
                               {"text": p.text[:200], "span": list(p.span)}))
            continue
        if c is not None and c.score < VAGUE_BELOW:
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

"""Statuses given in a list after the problems whose rows name each problem by its markers, not its words
((一)一是　简称　已完成, 3.　…　持续推进: an 附件 一览表 laid out with spaces, which the table reader does not
take for a table). The problems stay as the text reads them; a row gives its problem's status when the
problem has none of its own. docs/decisions.md ("Reading unseen layouts: the document's own enumeration")."""
from __future__ import annotations

import re

from reports.grammar.markers import parse_marker
from reports.model import Category, Problem, walk_categories
from reports.status import STATUS_WORDS, status_sentence

from .lines import Line

__all__ = ["apply_status_codes", "apply_status_rows"]

# Cells of a row laid out with spaces: a tab, a full-width space or two spaces and more.
CELL_GAP = re.compile(r"[\t\u3000]+|\s{2,}")
MIN_ROWS = 2   # one line that opens with a marker and ends with a status is prose, not a list


def _row(text: str) -> tuple[tuple[str, ...], str] | None:
    """(the markers opening the row, outermost first; its status) for a line whose last cell is a
    status and nothing else, else None."""
    cells = CELL_GAP.split(text.strip())
    if len(cells) < 2 or not (status := status_sentence(cells[-1])) or status != cells[-1].strip("。. "):
        return None
    labels: list[str] = []
    rest = cells[0]
    while rest and len(labels) < 2 and (m := parse_marker(rest)) is not None and m.index is not None:
        labels.append(rest[:m.body].strip())
        rest = rest[m.body:]
    return (tuple(labels), status) if labels else None


def apply_status_rows(text: str, categories: list[Category], body: list[Line]) -> int:
    """Give each problem without a status the status of the row after the problems that names it by
    its category's marker and its own ((一)一是), or by its own marker alone when the rows name no
    category; only when two or more rows name problems and every such row names one. Returns how many."""
    tops = [(c, p) for c in categories for p in c.problems]
    if not tops or all(p.status for _, p in tops):
        return 0
    end = max(max(q.span[1], q.rectification_span[1] if q.rectification_span else 0)
              for _, p in tops for q in p.walk())   # rows after the problems and their rectifications
    rows = [r for ln in body if ln.start >= end and (r := _row(ln.text)) is not None]
    keyed: dict[tuple[str, ...], Problem | None] = {}
    for c, p in tops:
        own = _label(p.label)
        keyed[(_label(c.label), own)] = p
        keyed[(own,)] = None if (own,) in keyed else p   # 一是 in every category names none alone
    named = [(keyed.get(tuple(_label(x) for x in labels)), status) for labels, status in rows]
    if len(named) < MIN_ROWS or any(p is None for p, _ in named):
        return 0
    given = 0
    for p, status in named:
        if p is not None and p.status is None:
            p.status = status
            given += 1
    return given


def _label(marker: str) -> str:
    """A marker as rows and headings both write it: (一) and （一） alike, no spaces."""
    return re.sub(r"\s+", "", marker).replace("（", "(").replace("）", ")")


# A code a problem is labelled with (A1, B2, 1-2, 3.1): letters or digits with a digit among them, no more.
_CODE = re.compile(r"^(?:[A-Za-z][-.]?)?\d{1,2}(?:[-.]\d{1,2})?$")
_ANY_STATUS = "|".join(f"(?:{pattern})" for _, pattern in STATUS_WORDS)
_JOIN = r"\s*[、,，和及与]\s*"


def apply_status_codes(text: str, categories: list[Category], body: list[Line]) -> int:
    """Statuses given in a sentence after the problems that names them by their codes (综上，A1、A2、B3已完成
    整改，B2基本完成，C1需长期坚持。): each problem named gets the status written after its code, over any
    status read from its rectification; the sentence (and what follows it) is then no part of the last
    problem's rectification. Only codes that label problems (A1, 1-2, never a bare 1.), two or more of
    them named, and only on one line after the last problem's statement. Returns how many."""
    problems = {re.sub(r"\s+", "", p.label).rstrip(".、:："): p for p in walk_categories(categories)}
    codes = sorted((k for k in problems if _CODE.match(k) and not k.isdigit()), key=len, reverse=True)
    if len(codes) < 2:
        return 0
    code = "|".join(map(re.escape, codes))
    clause = re.compile(rf"(?<![A-Za-z\d])(?P<codes>(?:{code})(?:{_JOIN}(?:{code}))*)(?![A-Za-z\d])"
                        rf"\s*等?\s*(?:[\d一二三四五六七八九十]{{1,3}}\s*[个项条])?\s*(?:问题|事项|项)?\s*(?:已经|均已|均)?"
                        rf"(?P<status>{_ANY_STATUS})")   # A1、A2等2个问题已完成整改
    last = max(p.span[1] for p in problems.values())
    for ln in body:
        if ln.start < last:
            continue
        named = [(k, m["status"]) for m in clause.finditer(ln.text) for k in re.split(_JOIN, m["codes"])]
        if len({k for k, _ in named}) < 2:
            continue
        for k, status in named:
            problems[k].status = status
        for p in problems.values():
            _end_before(text, p, ln.start)
        return len(named)
    return 0


def _end_before(text: str, p: Problem, at: int) -> None:
    """The problem's rectification ends before `at` (a summary sentence that follows it is not part of it)."""
    span = p.rectification_span
    if span is None or not span[0] < at < span[1]:
        return
    end = span[0] + len(text[span[0]:at].rstrip())
    p.rectification_span = (span[0], end)
    p.rectification = text[span[0]:end]
    p.measures = [m for m in p.measures if m.span[0] < at]

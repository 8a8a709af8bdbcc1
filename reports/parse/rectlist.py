"""A report that lists its problems in one section (二、反馈的主要问题: 1. 2. 3.) and their rectifications
in another, numbered the same in whatever notation (三、整改落实情况: 1.针对…问题:… 2.…): each rectification item belongs to
the problem with its number. docs/decisions.md (Reading unseen layouts)."""
from __future__ import annotations

import re

from reports.grammar.markers import induce_families, marker_index
from reports.model import Category
from reports.status import find_status

from .dates import SIGNATURE_DATE
from .lines import Line
from .measures import RECT_LABEL, split_measures
from .structure import CLOSING

__all__ = ["answer_list", "attach_rectification_list"]

# The item's opening that names the problem it answers: 针对安全生产问题: / 关于招投标问题的整改:
ANSWERS = re.compile(r"(?:针对|关于|对于)[^:：。]{1,40}?(?:问题)?(?:的整改(?:情况)?)?[:：]\s*")


def answer_list(lines: list[Line], n: int) -> list[tuple[Line, re.Match, list[Line]]] | None:
    """The first list in `lines` (up to the report's closing) numbered 1..n in any one notation whose items,
    most of them, answer a problem (针对…问题:) or report a status: (first line, its marker match, the
    item's lines) per item; None when there is none. A list of plans (三、下一步工作 1. 2.) neither
    names the problems nor reports on them."""
    closing = next((k for k, ln in enumerate(lines) if CLOSING.match(ln.text) or SIGNATURE_DATE.match(ln.text)), None)
    lines = lines[:closing] if closing is not None else lines
    families = induce_families(lines, RECT_LABEL)
    item_lines = sorted({i for f in families for i in f.items})
    for fam in families:
        pattern = fam.pattern()
        for run in fam.runs:
            matches = [pattern.match(lines[i].text) for i in run]
            if len(run) != n or fam.bullet or [marker_index(m["n"]) for m in matches] != list(range(1, n + 1)):
                continue
            ends = [*run[1:], next((k for k in item_lines if k > run[-1]), len(lines))]
            items = [(lines[i], m, lines[i:j]) for i, m, j in zip(run, matches, ends, strict=True)]
            answering = sum(1 for _, m, own in items
                            if ANSWERS.match(m["t"]) or find_status(" ".join(ln.text for ln in own)))
            if 2 * answering >= len(items):
                return items
    return None


def attach_rectification_list(text: str, categories: list[Category], body: list[Line]) -> int:
    """Give each problem without a rectification the item of the same number from a later list that
    answers the problems one for one (`answer_list`); returns how many problems got one. Nothing
    changes when any problem already has a rectification."""
    problems = [p for c in categories for p in c.problems]
    if not problems or any(p.rectification_span or p.children for p in problems):
        return 0
    last = problems[-1].span[1]
    items = answer_list([ln for ln in body if ln.start >= last], len(problems))
    if items is None:
        return 0
    for p, (first, m, own) in zip(problems, items, strict=True):
        start = first.end - len(m["t"])
        intro = ANSWERS.match(text, start, first.end)
        start = intro.end() if intro else start
        end = own[-1].end
        p.rectification_span = (start, end)
        p.rectification = text[start:end].strip()
        p.measures = split_measures(text, (start, end))
        p.status = find_status(p.rectification)
    return len(problems)

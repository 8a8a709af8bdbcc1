"""A report that lists its problems in one section (二、反馈的主要问题: 1. 2. 3.) and their rectifications
in another, numbered the same (三、整改落实情况: 1.针对…问题:… 2.…): each rectification item belongs to
the problem with its number. docs/decisions.md (Reading unseen layouts)."""
from __future__ import annotations

import re

from reports.grammar.numerals import to_int
from reports.model import Category
from reports.status import find_status

from .dates import SIGNATURE_DATE
from .lines import Line
from .measures import split_measures
from .schemes import NUM, top_sections
from .structure import CLOSING

__all__ = ["attach_rectification_list"]

# The item's opening that names the problem it answers: 针对安全生产问题: / 关于招投标问题的整改:
ANSWERS = re.compile(r"(?:针对|关于|对于)[^:：。]{1,40}?(?:问题)?(?:的整改(?:情况)?)?[:：]\s*")


def attach_rectification_list(text: str, categories: list[Category], body: list[Line]) -> int:
    """Give each problem without a rectification the item of the same number from a later section
    whose numbered items match the problems one for one (the same numbers 1..N, in order) and, most
    of them, answer a problem (针对…问题:) or report a status; returns how many problems got one.
    Nothing changes when any problem already has a rectification."""
    problems = [p for c in categories for p in c.problems]
    if not problems or any(p.rectification_span or p.children for p in problems):
        return 0
    last = problems[-1].span[1]
    for section in top_sections(body):
        if section.heading is None or section.heading.start < last:
            continue
        lines = section.lines
        closing = next((k for k, ln in enumerate(lines) if CLOSING.match(ln.text) or SIGNATURE_DATE.match(ln.text)), None)
        lines = lines[:closing] if closing is not None else lines
        items = [(i, m) for i, ln in enumerate(lines) if (m := NUM.match(ln.text))]
        if [to_int(m["n"]) for _, m in items] != list(range(1, len(problems) + 1)):
            continue
        bounds = [*(i for i, _ in items[1:]), len(lines)]
        answering = sum(1 for (i, m), j in zip(items, bounds, strict=True)
                        if ANSWERS.match(m["t"]) or find_status(" ".join(ln.text for ln in lines[i:j])))
        if 2 * answering < len(items):
            continue   # a list of plans (三、下一步工作 1. 2.) that neither names the problems nor reports on them
        for p, (i, m), j in zip(problems, items, bounds, strict=True):
            first = lines[i]
            start = first.end - len(m["t"])
            intro = ANSWERS.match(text, start, first.end)
            start = intro.end() if intro else start
            end = lines[j - 1].end
            p.rectification_span = (start, end)
            p.rectification = text[start:end].strip()
            p.measures = split_measures(text, (start, end))
            p.status = find_status(p.rectification)
        return len(problems)
    return 0

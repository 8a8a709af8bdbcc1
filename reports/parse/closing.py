"""A category's closing sentence on the status of its problems, by position.

Some reports give no status under each problem but close each category with one sentence for all of them:
以上3个问题中，第1个、第3个问题已完成整改；第2个问题…正在持续推进。 / 以上问题均已整改到位，其中第2个问题…将作为
长期任务抓好落实。 / 以上2个问题已全部完成整改。 The sentence sits at the end of the category's last
problem's rectification, where it is no part of that problem's work: it is cut off there and its statuses go
to the problems it names (a problem it does not name takes the sentence's own, if it gives one; a named
exception wins). docs/decisions.md ("Fourth pass")."""
from __future__ import annotations

import re

from reports.grammar.numerals import CN_ORDINAL_CLASS, to_int
from reports.model import Category, Problem
from reports.status import STATUS_WORDS, find_status

__all__ = ["apply_category_closings"]

# 以上3个问题 / 以上问题 / 上述2个问题 at a line's start: the category's closing sentence.
ABOVE = re.compile(rf"(?:^|(?<=\n))\s*(?:以上|上述)(?:(?:\d+|{CN_ORDINAL_CLASS}+)个)?(?:问题|反馈问题)")
ORDINAL = re.compile(rf"第\s*(?P<n>\d+|{CN_ORDINAL_CLASS}+)\s*(?:个|项|条)?")
PARTS = re.compile(r"[;；]|[,，]\s*(?=其中)")
_ANY = re.compile("|".join(f"(?:{pattern})" for _, pattern in STATUS_WORDS))


def _assignments(sentence: str) -> tuple[str | None, dict[int, str]]:
    """(the status of every problem not named, {position: status}) of a closing sentence."""
    default, named = None, {}
    for part in PARTS.split(sentence):
        m = _ANY.search(part)
        if not m:
            continue
        ordinals = [n for o in ORDINAL.finditer(part[:m.start()]) if (n := to_int(o["n"]))]
        if ordinals:
            named.update(dict.fromkeys(ordinals, m.group(0)))
        elif default is None:
            default = m.group(0)
    return default, named


def _cut(p: Problem, text: str, at: int) -> None:
    """The rectification ends where the category's closing begins."""
    start = p.rectification_span[0]
    end = at
    while end > start and text[end - 1].isspace():
        end -= 1
    p.rectification_span = (start, end)
    p.rectification = text[start:end].strip()
    p.measures = [m for m in p.measures if m.span[0] < at]
    p.status = find_status(p.rectification) if p.rectification else None


def apply_category_closings(categories: list[Category], text: str) -> None:
    """Read each category's closing sentence, when its last problem's rectification ends with one."""
    for category in categories:
        if not category.problems or category.problems[-1].rectification_span is None:
            continue
        last = category.problems[-1]
        start, end = last.rectification_span
        m = ABOVE.search(text, start, end)
        if m is None or m.start() == start:
            continue
        default, named = _assignments(text[m.start():end])
        if default is None and not named:
            continue
        _cut(last, text, m.start())
        for k, p in enumerate(category.problems, 1):
            said = named.get(k, default)
            if said and (p.status is None or k in named):
                p.status = said

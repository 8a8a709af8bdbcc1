"""A numbered list under a problem that is its measures, not its sub-problems.

Reports enumerate two different things right under a problem line: sub-problems (（1）党组专题研究…次数
不足。整改措施：…), each a shortcoming with its own rectification, and the problem's own measures written
as unlabelled lines (（1）开展专项调研…；（2）修订《…办法》；…), followed by one progress line for the
whole problem (进展情况：已完成整改。 / 总体进展：基本完成). The second kind states no shortcoming and has
no rectification of its own: the lines are the problem's rectification and each line is one measure (the
author's enumeration, rule 1 of the outside authors' counting). docs/decisions.md ("Fourth pass")."""
from __future__ import annotations

import re

from reports.model import Problem
from reports.status import noted_status

from .layout import ACTION_START, DEFICIENCY
from .lines import Line
from .measures import ACTION_CLAUSE, PROGRESS_FIELD
from .schemes import INLINE_RECT

__all__ = ["fold_measure_lists"]

FIRST_CLAUSE = re.compile(r"[^,，。;；]*")

MIN_ITEMS = 2
DEFICIENT_SHARE = 0.5   # items that state a shortcoming: at this share or more, the list is sub-problems


# An item that opens with a clean-up's direct result (收回违规支出3.2万元, 补齐档案): work done too.
RESULT_START = re.compile(r"^(?:收回|追回|追缴|清退|退回|核减|补齐|补办|补缴|移交|移送|更换|清理|处置|新增|新开)")


def _action(text: str) -> bool:
    """An item that opens with work done (开展…, 修订…, 对2名责任人给予…): a measure's opening."""
    return bool(ACTION_START.match(text) or ACTION_CLAUSE.match(text) or RESULT_START.match(text))


def _deficient(text: str) -> bool:
    """An item that states a shortcoming in its first clause and does not open with work done."""
    head = text.split("，", 1)[0].split(",", 1)[0]
    return not _action(text) and bool(DEFICIENCY.search(head))


def _progress_only(lines: list[Line]) -> bool:
    """Lines that only say where the whole problem stands: a status first (进展情况：已完成整改。 / 基本完成，
    剩余3处…后实施。 / 总体进展：持续推进), whatever note follows it."""
    return all(PROGRESS_FIELD.match(ln.text) or noted_status(FIRST_CLAUSE.match(ln.text)[0]) for ln in lines)


def _is_measure_list(top: Problem, stmt: dict[int, list[Line]], rect: dict[int, list[Line]], text: str) -> bool:
    kids = top.children
    if len(kids) < MIN_ITEMS or any(k.children for k in kids):
        return False
    for k in kids:
        own = stmt.get(id(k), [])
        if not own or INLINE_RECT.search(text, own[0].start, own[0].end) or (len(own) > 1 and k is not kids[-1]):
            return False   # a sub-problem's paragraph of its own, or its rectification on its line
    trailing = stmt[id(kids[-1])][1:] + rect.get(id(kids[-1]), [])
    if any(rect.get(id(k)) for k in kids[:-1]) or not _progress_only(trailing):
        return False       # a rectification after an item that is not the last: the items are sub-problems
    texts = [stmt[id(k)][0].text.strip() for k in kids]
    return sum(map(_deficient, texts)) < DEFICIENT_SHARE * len(texts)


def fold_measure_lists(tops: list[Problem], text: str, stmt: dict[int, list[Line]],
                       rect: dict[int, list[Line]], labels: dict[int, dict[int, str]]) -> int:
    """Turn every measure list read as sub-problems back into its problem's rectification: the item
    lines (marker included, so the author's own enumeration counts them) then the progress line. Returns
    how many problems were folded; the reader's state (`stmt`, `rect`, `labels`) is changed in place."""
    folded = 0
    for top in tops:
        if not _is_measure_list(top, stmt, rect, text):
            continue
        lines, own = [], []
        for k in top.children:
            own = stmt.pop(id(k))
            start = text.rfind("\n", 0, own[0].start) + 1
            lines.append(Line(start, own[0].end, text[start:own[0].end]))
        last = top.children[-1]
        labels.setdefault(id(top), {}).update({ln.start: "progress" for ln in own[1:]})   # 推进情况：… unlabelled
        lines += own[1:] + rect.pop(id(last), [])
        labels[id(top)].update(labels.pop(id(last), {}))
        labels[id(top)][lines[0].start] = "整改措施"   # the items are the actions; the progress line is not one
        rect[id(top)] = lines
        top.children = []
        folded += 1
    return folded

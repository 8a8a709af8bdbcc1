"""Problems enumerated inside one paragraph (巡察指出:一是…;二是…;三是…) with their rectifications
enumerated alike in the next labelled paragraph (整改情况:一是…(已完成);二是…): item k of the finding
is a problem, item k of the rectification its rectification. docs/decisions.md (Reading unseen layouts)."""
from __future__ import annotations

import re

from reports.grammar.numerals import CN_ORDINAL_CLASS, to_int
from reports.model import Category, Problem, Span
from reports.status import find_status, status_sentence

from .lines import Line
from .measures import RECT_LABEL, split_measures
from .schemes import CAT, H1

__all__ = ["read_enumerated"]

# The paragraph that states the findings: 巡察指出: / 巡视发现: / 存在问题: / 反馈问题:
FINDINGS = re.compile(r"(?:巡[察视](?:组)?(?:指出|发现)|反馈指出|存在问题|反馈问题|主要问题|问题表现)\s*[:：]\s*")
ITEM = re.compile(rf"(?:(?<=^)|(?<=[:：;；。]))\s*(?P<n>{CN_ORDINAL_CLASS}{{1,3}})是")
STATUS_TAIL = re.compile(r"[(（【\[](?P<s>[^()（）【】\[\]]{2,12})[)）】\]]\s*[;；。]?\s*$")
MIN_ITEMS = 3   # enumerated findings in the whole report, before they are read as its problems


def _items(text: str, start: int, end: int) -> list[tuple[int, Span]]:
    """(ordinal, span) of each 一是/二是 item in text[start:end], separators and spaces trimmed."""
    marks = list(ITEM.finditer(text, start, end))
    out = []
    for k, m in enumerate(marks):
        stop = marks[k + 1].start() if k + 1 < len(marks) else end
        a, b = m.end(), stop
        while b > a and text[b - 1] in " \t\n;；。,，":
            b -= 1
        out.append((to_int(m["n"]), (a, b)))
    return out


def _heading(ln: Line) -> re.Match | None:
    return H1.match(ln.text) or CAT.match(ln.text)


def read_enumerated(text: str, body: list[Line]) -> list[Category]:
    """Categories (the heading above each finding paragraph) and their enumerated problems; [] unless
    some finding paragraph enumerates (一是…二是…) and there are `MIN_ITEMS` findings in all. A finding
    paragraph that does not enumerate is one problem with the whole rectification paragraph."""
    categories: list[Category] = []
    found = enumerated = answered = paragraphs = 0
    for i, ln in enumerate(body):
        label = FINDINGS.match(ln.text)
        if not label:
            continue
        paragraphs += 1
        items = _items(text, ln.start + label.end(), ln.end)
        enumerated += len(items) >= 2
        rect_line = next((x for x in body[i + 1:i + 4] if RECT_LABEL.match(x.text)), None)
        rect_items: dict[int, Span] = {}
        answered += rect_line is not None
        if rect_line is not None:
            r = RECT_LABEL.match(rect_line.text)
            rect_items = dict(_items(text, rect_line.start + r.end(), rect_line.end)) if len(items) >= 2 else \
                {1: (rect_line.start + r.end(), rect_line.end)}
        if len(items) < 2:   # a single finding, not enumerated: the paragraph is the problem
            items = [(1, (ln.start + label.end(), ln.end))]
        heading = next((h for h in reversed(body[:i]) if _heading(h)), None)
        if heading is not None and (not categories or categories[-1].span != (heading.start, heading.end)):
            m = _heading(heading)
            categories.append(Category(len(categories) + 1, heading.text[:len(heading.text) - len(m["t"])],
                                       m["t"].strip(), (heading.start, heading.end)))
        elif not categories:
            categories.append(Category(1, "", "", (0, 0)))
        category = categories[-1]
        for n, (a, b) in items:
            found += 1
            problem = Problem(str(found), f"{n}是", text[a:b], (a, b), category.ordinal)
            if n in rect_items:
                _rectify(problem, text, *rect_items[n])
            category.problems.append(problem)
    # each finding paragraph answered by a rectification paragraph: a self-assessment's 存在问题:一是…
    # with no rectification after it is not the problem list
    return categories if found >= MIN_ITEMS and enumerated and 2 * answered > paragraphs else []


def _rectify(problem: Problem, text: str, start: int, end: int) -> None:
    """The item's rectification; a status in brackets at its end (…攻坚行动(已完成)) is its status."""
    tag = STATUS_TAIL.search(text, start, end)
    status = tag["s"] if tag and status_sentence(tag["s"]) else None
    stop = tag.start() if status else end
    problem.rectification_span = (start, end)
    problem.rectification = text[start:end]
    problem.measures = split_measures(text, (start, stop))
    problem.status = status or find_status(problem.rectification)

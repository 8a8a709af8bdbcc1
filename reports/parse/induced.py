"""Read a report by its own enumeration (reports/grammar/markers.py): which induced level holds the problems,
decided from evidence in the document, turned into a `Scheme` the structure reader follows.
docs/decisions.md ("Reading unseen layouts: the document's own enumeration")."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from reports.grammar.markers import BULLET_LEAD, Family, Levels, induce_families, induce_levels, parse_marker
from reports.model import Category
from reports.status import STATUS_FIELD_NAME, noted_status, status_sentence

from .lines import Line
from .measures import RECT_LABEL
from .rectlist import answer_list
from .schemes import (
    CAT,
    CIRCLED_ITEM,
    DI,
    H1,
    HEAD_MAX,
    INLINE_RECT,
    MEASURE_START,
    NO_HEADING,
    NUM,
    ORDINAL_ITEM,
    QNUM,
    SUB,
    Scheme,
)
from .structure import STATUS_TAG_HEAD, STATUS_TAG_TAIL, read_categories

__all__ = ["FIELD", "PLANS", "Reading", "choose_levels", "heading_line", "known_notation", "label_votes", "own_label_pattern",
           "owner_of", "read_induced", "undecorated_fields", "unseen_notation"]

# The notations the tuned readers (schemes.py) already read; a level in one of these is left to them.
KNOWN = (H1, DI, CAT, NUM, QNUM, SUB, CIRCLED_ITEM, ORDINAL_ITEM)
# A heading that opens work to come, not findings: 下一步工作 / 今后打算 / 下步措施.
PLANS = re.compile(r"下一?步|今后|打算|计划|展望")
PLAN_REACH = 8   # characters of a heading's opening where the words of work to come stand


@dataclass
class Reading:
    """The levels chosen: problem family, the family above it (categories) and below it (sub-problems),
    with the evidence that chose them."""

    levels: Levels
    problem: int
    category: int | None
    sub: int | None
    labels: int          # rectification labels the problem level owns
    by_count: bool       # chosen by the stated count, not by labels
    heads: tuple[int, ...] = ()   # an unmarked problem level: line indexes of its heads (problem is then -1)
    items: tuple[int, ...] = ()   # the problem family's items that are problems, when only one run is
    labelled: tuple[int, ...] = ()   # the problem items with a rectification label under them
    category_heads: tuple[int, ...] = ()   # unmarked category lines above the problem level's restarts
    own_labels: tuple[str, ...] = ()   # the document's own rectification field names (`_own_labels`)


def owner_of(levels: Levels) -> dict[int, int]:
    owner: dict[int, int] = {}
    for k, f in enumerate(levels.families):
        for i in f.items:
            owner.setdefault(i, k)
    return owner


def _status_tagged(text: str) -> bool:
    """The item's own line carries its status in brackets: 1.【已完成】… / …不到位。(正在整改)."""
    return any((m := p.search(text)) is not None and status_sentence(m["s"]) is not None
               for p in (STATUS_TAG_HEAD, STATUS_TAG_TAIL))


# A field of the report's own form: a short name and a colon opening a line (整改举措: 完成情况: 办理结果:).
FIELD = re.compile(r"^[【\[]?(?P<f>[\u4e00-\u9fff]{2,6})[】\]]?\s*[:：]")
# What a rectification field's name speaks of; a field named so and repeated under two or more items is
# the document's own rectification label, whatever its exact words.
RECT_FIELD_WORD = re.compile(r"整改|措施|举措|落实|完成|进展|结果|成效|办理|处理")
# ... unless it names who or when (整改时限: 责任单位: 完成时间:): a form's fields, not the work.
WHO_WHEN_WORD = re.compile(r"时限|时间|期限|日期|责任|单位|领导|部门|人$")


STATUS_LINE_MAX = 24   # characters: a status with its note (基本完成（待审批）), not a sentence


def undecorated_fields(lines: list[Line]) -> list[Line]:
    """The lines with a bullet glyph dropped where it only decorates a field of the form (◆ 整改情况:…,
    ● 整改状态:已完成, ◆ 责任单位:…): the field is read as the label it is, not as an item of a bullet list.
    A bullet before another name and colon (▲ 问题:…, • 政治建设方面:…) stays an item; before a numbered
    item with its own words (• 表现1:…, a Markdown list of 表现N), the number is the marker; before a status
    alone (▶ 已完成, a coloured badge under each problem) it marks the status line."""
    out = []
    for ln in lines:
        b = BULLET_LEAD.match(ln.text)
        rest = ln.text[b.end():] if b else ""
        field = FIELD.match(rest)
        inner = parse_marker(rest) if b else None
        if b and (RECT_LABEL.match(rest) or (field and (RECT_FIELD_WORD.search(field["f"])
                                                        or WHO_WHEN_WORD.search(field["f"])))
                  or (inner is not None and inner.shape.script != "b" and inner.shape.prefix)
                  or (rest and noted_status(rest) is not None and len(rest) <= STATUS_LINE_MAX)):
            ln = Line(ln.start + b.end(), ln.end, rest)
        out.append(ln)
    return out


def _own_labels(lines: list[Line], owner: dict[int, int]) -> set[str]:
    """The field names the document repeats on lines of their own, outside its items, that speak of
    rectification: its own labels, beside the ones every report uses (RECT_LABEL)."""
    names = Counter(m["f"] for i, ln in enumerate(lines) if i not in owner and (m := FIELD.match(ln.text)))
    return {name for name, n in names.items()   # a status field (办理结果:完成) says where the work stands
            if n >= 2 and RECT_FIELD_WORD.search(name) and not WHO_WHEN_WORD.search(name)
            and not re.fullmatch(STATUS_FIELD_NAME, name)}


def label_votes(lines: list[Line], levels: Levels) -> tuple[Counter[int], set[int]]:
    """Each item with a rectification label under it (a 整改情况: line before the next item, or one
    inside the item's paragraph, or a field of the document's own form, `_own_labels`), or with its
    status (…(已完成) on its line, 已完成整改。 on a line of its own under it), votes once for its family: the level whose items the rectifications
    follow, counted in items (a form with 整改措施: and 整改进展: under each item counts it once).
    Returns the votes and the items that cast them."""
    owner = owner_of(levels)
    own = _own_labels(lines, owner)
    voted: set[int] = set()
    votes: Counter[int] = Counter()
    nearest: int | None = None
    for i, ln in enumerate(lines):
        if i in owner:
            nearest = i
            if not (INLINE_RECT.search(ln.text) or _status_tagged(ln.text)):
                continue
        elif nearest is None or not (RECT_LABEL.match(ln.text) or status_sentence(ln.text)
                                     or ((m := FIELD.match(ln.text)) and m["f"] in own)):
            continue
        if nearest not in voted:
            voted.add(nearest)
            votes[owner[nearest]] += 1
    return votes, voted


def choose_levels(lines: list[Line], stated: int | None = None) -> Reading | None:
    """The problem level with the document's own labels (`_choose`)."""
    reading = _choose(lines, stated)
    if reading is not None:
        reading.own_labels = tuple(sorted(_own_labels(lines, owner_of(reading.levels))))
    return reading


def _choose(lines: list[Line], stated: int | None = None) -> Reading | None:
    """The problem level, from evidence in the document (docs/decisions.md lists the rules in order):
    no labels but a run answered one for one by a later list -> that run; else the family whose items
    most labels or statuses follow (its parent when the labelled items miss the stated count and the
    parent's items number it); else the deepest family whose count is the stated count. Then a third
    level under labels (the middle restarting in labelled top items) or more unmarked heads than items
    moves the problems down a level or to the heads. None when no evidence points at a family."""
    families = induce_families(lines, RECT_LABEL)
    if not families:
        return None
    levels = induce_levels(families)
    votes, voted = label_votes(lines, levels)
    by_count = False
    answered = None if votes else _answered_run(lines, levels)
    if answered is not None:
        problem, run = answered
        category = levels.parent[problem]
        category = category if category is not None \
            and not _document_sections(levels.families[category], run, len(lines)) else None
        return Reading(levels, problem, category, None, 0, False, items=tuple(run))
    if votes:
        problem, owned = votes.most_common(1)[0]
        if owned < 2:
            return None
        parent = levels.parent[problem]
        if (stated is not None and parent is not None and owned != stated
                and len(levels.families[parent].items) == stated and not levels.families[parent].bullet):
            problem = parent   # the labels follow sub-items; their parents number what the report states
    else:
        if stated is None:
            return None
        matching = [k for k, f in enumerate(families) if len(f.items) == stated]
        if not matching:
            return None
        problem = max(matching, key=levels.depth)
        owned, by_count = 0, True
    category = levels.parent[problem]
    evidence = [i for i in levels.families[problem].items if i in voted] or levels.families[problem].items
    if category is not None and _document_sections(levels.families[category], evidence, len(lines)):
        category = None
    numbered_children = [j for j in levels.children(problem) if not levels.families[j].bullet]
    sub = max(numbered_children, key=lambda j: len(levels.families[j].items)) if numbered_children else None
    labelled = tuple(i for i in levels.families[problem].items if i in voted)
    top = levels.parent[category] if category is not None else None
    if not by_count and top is not None and _labelled_restarts(lines, levels, category, top) >= 2:
        # the labels follow a third level: the top level restarts the middle one in each of its items
        # (一、方面 (一)问题 1.具体问题 整改情况:), so the top holds categories and the middle the problems
        return Reading(levels, category, top, problem, owned, by_count)   # labelled: its subs
    heads = _unmarked_heads(lines, levels)
    mine = levels.families[problem].items
    if not by_count and len(heads) >= 2 and len(heads) > len(mine) \
            and 2 * sum(1 for a, b in zip(mine, [*mine[1:], len(lines)], strict=True)
                        if any(a < h < b for h in heads)) >= len(mine):
        # more unnumbered heads right above labels than items: each item is a category of unmarked problems
        return Reading(levels, -1, problem, None, owned, by_count, tuple(heads))
    category_heads = _unmarked_categories(lines, levels, problem) if category is None else ()
    return Reading(levels, problem, category, sub, owned, by_count, labelled=labelled,
                   category_heads=category_heads)


def _unmarked_categories(lines: list[Line], levels: Levels, problem: int) -> tuple[int, ...]:
    """Category headings without a marker (政治建设方面 in bold, the bold lost): the problem level restarts
    at 1 two or more times and the line right above every restart is a heading (no item, no label, one
    short statement, no sentence end), the first run's included."""
    fam = levels.families[problem]
    if fam.bullet:
        return ()
    first = dict(zip(fam.items, fam.indexes, strict=True))
    starts = [run[0] for run in fam.runs if run and first[run[0]] == 1]
    owner = owner_of(levels)
    if len(starts) < 2 or any(i == 0 for i in starts):
        return ()
    above = [i - 1 for i in starts]
    if all(heading_line(lines[i].text) and i not in owner for i in above):
        return tuple(above)
    return ()


def heading_line(text: str) -> bool:
    return (len(text) <= HEAD_MAX and not RECT_LABEL.match(text) and not INLINE_RECT.search(text)
            and not text.endswith(("。", ";", "；", ":", "：")) and "。" not in text and not status_sentence(text))


def _answered_run(lines: list[Line], levels: Levels) -> tuple[int, list[int]] | None:
    """A run of items answered one for one by a later list (二、问题 1. 2. | 三、整改 1.针对…问题: 2.…):
    the problems are that run, their rectifications the later list's items."""
    for k, fam in enumerate(levels.families):
        for run in fam.runs:
            if len(run) >= 2 and not fam.bullet and answer_list(lines[run[-1] + 1:], len(run)) is not None:
                return k, run
    return None


def _document_sections(family: Family, problems: list[int], end: int) -> bool:
    """The level above the problems holds them in one of its items and has others besides
    (一、整改工作开展情况 二、反馈问题整改情况 1. 2. 三、下一步工作): it is the document's sections, not
    categories of problems."""
    holding = sum(1 for a, b in zip(family.items, [*family.items[1:], end], strict=True)
                  if any(a < i < b for i in problems))
    return holding <= 1 and len(family.items) > 1


def _labelled_restarts(lines: list[Line], levels: Levels, middle: int, top: int) -> int:
    """Items of the top level in which the middle level restarts at 1 and some rectification is
    labelled: the top level's items that hold problems (三、下一步工作 (一)(二) holds none)."""
    fam = levels.families[middle]
    first = dict(zip(fam.items, fam.indexes, strict=True))
    starts = [run[0] for run in fam.runs if run and first[run[0]] == 1]
    tops = levels.families[top].items
    count = 0
    for a, b in zip(tops, [*tops[1:], len(lines)], strict=True):
        if any(a < s < b for s in starts) and any(RECT_LABEL.match(ln.text) or INLINE_RECT.search(ln.text)
                                                  for ln in lines[a:b]):
            count += 1
    return count


def _unmarked_heads(lines: list[Line], levels: Levels) -> list[int]:
    """Lines that head a problem without a marker: a short statement (no sentence inside it, no measure
    opening, no field of a form such as 整改时限:) right above a rectification label, after an item or
    after another rectification."""
    owner = owner_of(levels)
    out: list[int] = []
    in_rect = False
    for i, ln in enumerate(lines):
        if i in owner:
            in_rect = False
            continue
        if RECT_LABEL.match(ln.text):
            in_rect = True
            continue
        below = lines[i + 1].text if i + 1 < len(lines) else ""
        text = ln.text
        if (RECT_LABEL.match(below) and (in_rect or i - 1 in owner) and len(text) <= HEAD_MAX
                and not MEASURE_START.match(text) and not INLINE_RECT.search(text) and "。" not in text.rstrip("。")
                and not FIELD.match(text)):   # 整改时限:2025年9月30日 is a field of the form, not a head
            out.append(i)
            in_rect = False
    return out


def known_notation(family: Family, lines: list[Line]) -> bool:
    """The family's markers are a notation the tuned readers already read (1. (一) 问题一: …)."""
    text = lines[family.items[0]].text
    body = _body_at(family, text)
    return any((m := p.match(text)) is not None and m.start("t") == body for p in KNOWN)


def unseen_notation(reading: Reading, lines: list[Line]) -> bool:
    """The reading's problem or category level is a notation the tuned readers do not read (or its
    categories are unmarked headings)."""
    fams = reading.levels.families
    return bool(reading.category_heads) or not all(
        known_notation(fams[k], lines) for k in (reading.problem, reading.category) if k is not None and k >= 0)


def _body_at(family: Family, text: str) -> int:
    m = family.pattern().match(text)
    return m.start("t") if m else 0


def _part(lines: list[Line], reading: Reading) -> list[Line]:
    """The lines the problem list spans: from the category item above the first problem (or the first
    problem) to the first item of a shallower level after the last problem, or of the category level
    that opens work to come (三、下一步工作)."""
    levels = reading.levels
    fams = levels.families
    problems = list(reading.heads) or list(reading.items) or fams[reading.problem].items
    first, last = problems[0], (reading.labelled or problems)[-1]
    start = min(first, *reading.category_heads) if reading.category_heads else first
    if reading.category is not None:
        above = [i for i in fams[reading.category].items if i < first]
        start = above[-1] if above else first
    depth = levels.depth(reading.category) + 1 if reading.heads else levels.depth(reading.problem)
    top_levels = {k for k in range(len(fams)) if levels.depth(k) < depth and k != reading.category}
    end = len(lines)
    for k in top_levels:
        after = [i for i in fams[k].items if i > last]
        if after:
            end = min(end, after[0])
    own = {reading.problem, reading.sub}
    for i in range(last + 1, end):   # a heading of work to come (三、下一步工作, in any notation)
        marker = parse_marker(lines[i].text)
        if marker is not None and not any(k is not None and k >= 0 and fams[k].shape == marker.shape for k in own) \
                and PLANS.search(lines[i].text[marker.body:marker.body + PLAN_REACH]):
            end = i
            break
    return lines[start:end]


def own_label_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    """A line pattern for the document's own rectification labels (`_own_labels`), with RECT_LABEL's
    groups (who, label), for `Scheme.labels`; None when the document has none."""
    if not names:
        return None
    return re.compile(r"^[【\[]?(?P<who>(?!))?(?P<label>" + "|".join(map(re.escape, names)) + r")[】\]]?\s*[:：]\s*")


def read_induced(text: str, lines: list[Line], stated: int | None = None, *,
                 unseen_only: bool = False) -> tuple[list[Category], list[dict], Reading] | None:
    """Categories and problems read by the document's own enumeration, or None when it shows no problem
    level. With ``unseen_only`` only a reading whose problem or category level is a notation the tuned
    readers do not know is returned (they stay in charge of the notations they were tuned on)."""
    reading = choose_levels(lines, stated)
    if reading is None:
        return None
    if unseen_only and not unseen_notation(reading, lines):
        return None
    fams = reading.levels.families
    category = fams[reading.category].pattern() if reading.category is not None else NO_HEADING
    subs = (fams[reading.sub].pattern(),) if reading.sub is not None else ()
    part = _part(lines, reading)
    labels = own_label_pattern(reading.own_labels)
    if reading.heads:
        scheme = Scheme("induced", category, (), (), unnumbered=True, labels=labels)
        heads = frozenset(lines[i].start for i in reading.heads)
    elif (problem := fams[reading.problem]).bullet:
        scheme = Scheme("induced", category, (), subs, unnumbered=True, labels=labels)
        heads = frozenset(lines[i].start for i in problem.items)
    else:
        scheme = Scheme("induced", category, (problem.pattern(),), subs, labels=labels)
        heads = frozenset()
    categories, sections = read_categories(text, part, scheme, heads=heads,
                                           category_heads=frozenset(lines[i].start for i in reading.category_heads))
    if not categories:
        return None
    return categories, sections, reading

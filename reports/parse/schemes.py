"""Which numbering marks a report's categories, problems and sub-problems, and where its problem part
is: read from the numbering itself (sequences, restarts, rectification labels), never from heading
words. docs/decisions.md (Parsing; Reading unseen layouts)."""
from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from reports.grammar.numerals import CIRCLED, CN_COUNT_CLASS, CN_ORDINAL_CLASS, to_int

from .lines import Line
from .measures import RECT_LABEL, RECT_WORDS

__all__ = ["CAT", "DI", "FLAT", "H1", "HEADINGS", "INLINE_RECT", "NUM", "OUTLINE", "PROBLEM_LABEL", "QNUM", "SHALLOW", "SUB",
           "Scheme", "Section", "choose_scheme", "find_problem_part", "first_match", "heading_part", "labelled",
           "unnumbered_heads"]

H1 = re.compile(rf"^(?P<n>{CN_ORDINAL_CLASS}{{1,3}})[、.．]\s*(?P<t>.*)$")
DI = re.compile(rf"^第(?P<n>{CN_ORDINAL_CLASS}{{1,3}})[、.．]\s*(?P<t>.*)$")   # 第一、: a heading level of its own
CAT = re.compile(rf"^[(（](?P<n>{CN_ORDINAL_CLASS}{{1,3}})[)）]\s*(?P<t>.*)$")
NUM = re.compile(r"^(?P<n>\d{1,3})\s*[.、．](?!\d+[.、．]\d)\s*(?P<t>.*)$")
QNUM = re.compile(rf"^[【\[]?问题(?P<n>{CN_COUNT_CLASS}{{1,4}}|\d{{1,3}})(?:[】\]]|\s*[:：])\s*(?P<t>.*)$")   # 问题一: / 【问题1】
SUB = re.compile(r"^[(（](?P<n>\d{1,2})[)）]\s*(?P<t>.*)$")
# Problem numberings of reports that use no 1. at all: ①… and 第一,… (each item opens its own line).
CIRCLED_ITEM = re.compile(rf"^(?P<n>[{CIRCLED}])\s*(?P<t>.*)$")
ORDINAL_ITEM = re.compile(rf"^第(?P<n>{CN_ORDINAL_CLASS}{{1,3}})[,，]\s*(?P<t>.*)$")
# A label inside the finding's paragraph, after a sentence; a dash may join the two (…不够。——整改:编写…), and
# after a dash a bare 整改 is the label.
# Without a label, a sentence that opens by turning to the response (整改过程中，… / 针对该问题，… / 对此，…)
# starts the rectification in the same way.
RESPONSE_OPENER = r"(?:整改过程中|整改工作中|针对(?:该|此|这一|上述)问题|对此)"
INLINE_RECT = re.compile(rf"(?<=[。;;!?！？])\s*(?:(?:(?:—{{1,2}}|-{{2}})\s*(?:{RECT_WORDS}|整改)|{RECT_WORDS})\s*[:：]"
                         rf"|{RESPONSE_OPENER}\s*[,，])\s*")


@dataclass(frozen=True)
class Scheme:
    """Which numbering marks categories, problems and sub-problems in a report."""

    name: str
    category: re.Pattern
    problems: tuple[re.Pattern, ...]
    subs: tuple[re.Pattern, ...]
    unnumbered: bool = False   # problems are unnumbered heading lines (`unnumbered_heads`), not a pattern
    # The document's own rectification labels beside RECT_LABEL (整改举措: in an induced reading), with
    # RECT_LABEL's groups (who, label); None: RECT_LABEL alone.
    labels: re.Pattern | None = None

    def rect_label(self, text: str) -> re.Match | None:
        return RECT_LABEL.match(text) or (self.labels.match(text) if self.labels is not None else None)


# (一)category 1.problem (1)sub-problem: most reports.
OUTLINE = Scheme("outline", CAT, (NUM, QNUM), (SUB,))
# 一、category (一)problem 1./(1) sub-problem: reports one level shallower.
SHALLOW = Scheme("shallow", H1, (CAT,), (NUM, SUB))
# 一、category 1.problem (1)sub-problem: the outline without its (一) level, found by its numbering.
FLAT = Scheme("flat", H1, (NUM, QNUM), (SUB,))
# 一、problem (no category level): a flat list of findings, each followed by its rectification.
NO_HEADING = re.compile(r"(?!)")
HEADINGS = Scheme("headings", NO_HEADING, (H1,), (CAT, NUM, SUB))


# Problems as unnumbered (bold-style) headings, each right above its rectification label, under 一、 or
# (一) categories, or under none (UNNUMBERED_NONE).
UNNUMBERED_H1 = Scheme("unnumbered", H1, (), (), unnumbered=True)
UNNUMBERED_CAT = Scheme("unnumbered", CAT, (), (), unnumbered=True)
UNNUMBERED_NONE = Scheme("unnumbered", NO_HEADING, (), (), unnumbered=True)
# A form's field label before the finding itself: (一)问题描述:… / 具体问题:… (used with .match at a position)
PROBLEM_LABEL = re.compile(r"\s*(?:问题描述|问题表现|问题内容|具体问题|存在问题|反馈问题)\s*[:：]\s*")
LABEL_REACH = 4   # lines from a labelled finding (问题描述:) to its rectification label
HEAD_MAX = 60   # a heading, not a paragraph: a bold-style problem line is one short statement
# A line that continues a rectification (二是… / ②… / (2)…) rather than naming a problem.
MEASURE_START = re.compile(rf"^(?:{CN_ORDINAL_CLASS}{{1,3}}是|[\u2460-\u2473]|[(（]?\d{{1,2}}[)）.、])")


def first_match(patterns: tuple[re.Pattern, ...], text: str) -> re.Match | None:
    return next((m for m in (p.match(text) for p in patterns) if m), None)


def choose_scheme(lines: list[Line]) -> Scheme:
    """The scheme whose problem level owns the rectification labels: for every 整改情况: line, the
    nearest numbered line above it votes with its marker ((一) -> shallow; 1. 问题一 (1) -> outline)."""
    votes = {"outline": 0, "shallow": 0}
    nearest: str | None = None
    for ln in lines:
        if NUM.match(ln.text) or QNUM.match(ln.text) or SUB.match(ln.text):
            nearest = "outline"
        elif CAT.match(ln.text):
            nearest = "shallow"
        elif H1.match(ln.text):
            nearest = None
        elif RECT_LABEL.match(ln.text) and nearest:
            votes[nearest] += 1
    special = _unnumbered_scheme(lines) or _marked_scheme(lines)
    if special is not None:
        return special
    if votes["shallow"] > votes["outline"] or _bracket_level_restarts(lines):
        return SHALLOW
    if _flat_problem_sections(lines):
        return FLAT
    return HEADINGS if _heading_problems(lines) else OUTLINE


def _numbered(text: str) -> bool:
    return bool(H1.match(text) or CAT.match(text) or first_match(OUTLINE.problems, text) or SUB.match(text)
                or DI.match(text) or CIRCLED_ITEM.match(text) or ORDINAL_ITEM.match(text))


def unnumbered_heads(lines: list[Line]) -> list[int]:
    """Indices of lines that head a problem without a number: a short plain line (no numbering, no
    label, one statement) right above a rectification label, below another rectification's label
    line, a numbered heading, or the preamble (no label above it yet): …落实情况:…。 | 公务用车管理存在
    漏洞 | 整改措施:…; or a form's labelled finding (问题描述:…, any length) with a rectification label
    a few lines below, unless a numbered line right above it is the problem (【问题1】 then 问题描述:)."""
    out = []
    seen_label = False
    for i in range(1, len(lines)):
        text, above = lines[i].text, lines[i - 1].text
        seen_label = seen_label or bool(RECT_LABEL.match(above))
        if _numbered(text) or RECT_LABEL.match(text):
            continue
        if PROBLEM_LABEL.match(text):
            below = lines[i + 1:i + 1 + LABEL_REACH]
            numbered_above = _numbered(above) and not H1.match(above)
            if not numbered_above and any(RECT_LABEL.match(ln.text) for ln in below):
                out.append(i)
            continue
        if i + 1 >= len(lines) or not RECT_LABEL.match(lines[i + 1].text):
            continue
        if not (RECT_LABEL.match(above) or H1.match(above) or CAT.match(above) or not seen_label):
            continue
        if len(text) > HEAD_MAX or MEASURE_START.match(text) or INLINE_RECT.search(text) or "。" in text.rstrip("。"):
            continue
        out.append(i)
    return out


def _unnumbered_scheme(lines: list[Line]) -> Scheme | None:
    """Problems as unnumbered heading lines: three or more heads, and heads that follow another
    problem's rectification (the sign a new problem began without a number) at least half as many
    as those under a heading or the preamble (a numbered report whose items each have a description
    line has one such line per item and at most a stray one after a rectification); and more
    rectifications opened under heads than under numbered lines. The categories are the numbered
    level nearest above most heads (一、 or (一)), or none."""
    heads = unnumbered_heads(lines)
    # after another rectification, or labelled as a finding: the signs a problem began without a number
    after_rect = sum(1 for i in heads if RECT_LABEL.match(lines[i - 1].text) or PROBLEM_LABEL.match(lines[i].text))
    under_numbers = sum(1 for a, b in itertools.pairwise(lines)
                        if RECT_LABEL.match(b.text) and not RECT_LABEL.match(a.text) and _numbered(a.text)
                        and not H1.match(a.text))
    if len(heads) < 3 or after_rect < 1 or 2 * after_rect < len(heads) - after_rect or len(heads) <= under_numbers:
        return None
    return {"h1": UNNUMBERED_H1, "cat": UNNUMBERED_CAT, "none": UNNUMBERED_NONE}[_level_above(lines, heads)]


def _level_above(lines: list[Line], items: list[int]) -> str:
    """The numbered heading level nearest above most of the items: "h1" (一、), "di" (第一、), "cat"
    ((一)) or "none"."""
    above: Counter[str] = Counter()
    for i in items:
        above[next((level for ln in reversed(lines[:i]) for level, pattern in CATEGORY_OF_LEVEL.items()
                    if level != "none" and pattern.match(ln.text)), "none")] += 1
    return above.most_common(1)[0][0]


CATEGORY_OF_LEVEL = {"h1": H1, "di": DI, "cat": CAT, "none": NO_HEADING}


def _marked_scheme(lines: list[Line]) -> Scheme | None:
    """Problem numberings the usual schemes do not read. A report that numbers no problem 1. or 问题一:
    may number them ①②, 第一,第二, or (1)(2) right under 一、 categories: the first of these markers
    whose items (two or more) each carry a rectification label (on a line of their own or inside the
    item's paragraph) is the problem level, and the numbered heading nearest above them the
    categories ((1) under (一) stays a sub-problem level). A report with 1. problems whose nearest
    heading is 第一、 has those as its categories."""
    numbered = any(first_match((NUM, QNUM), ln.text) for ln in lines)
    for markers in (((NUM, QNUM),) if numbered else ((CIRCLED_ITEM,), (ORDINAL_ITEM,), (SUB,))):
        items = [i for i, ln in enumerate(lines) if first_match(markers, ln.text)]
        bounds = [*items[1:], len(lines)] if items else []
        owned = sum(1 for i, j in zip(items, bounds, strict=True) if labelled(lines[i:j]))
        if owned < 2:
            continue
        level = _level_above(lines, items)
        if (numbered and level != "di") or (markers == (SUB,) and level == "cat"):
            continue
        return Scheme("marked", CATEGORY_OF_LEVEL[level], markers, (SUB,) if numbered else ())
    return None


def _bracket_level_restarts(lines: list[Line]) -> bool:
    """(一) restarts under two or more 一、 sections in a row: the 一、 are categories and the (一) their
    problems (一、category (一)problem 1.sub), whatever level the rectification labels follow. The
    sections carry rectifications, or (一) is their lowest numbered level (a report without labels)."""
    run = best = 0
    any_label = labelled(lines)
    for sec in (s for s in top_sections(lines) if s.heading):
        first = next((CAT.match(ln.text) for ln in sec.lines if CAT.match(ln.text)), None)
        problems = first and to_int(first["n"]) == 1 and (_rectified(sec) or not (any_label or _numbered_below(sec)))
        run = run + 1 if problems else 0
        best = max(best, run)
    return best >= 2


def labelled(lines: list[Line]) -> bool:
    """Some rectification in the report is labelled (整改情况: on its line or inside a paragraph)."""
    return any(RECT_LABEL.match(ln.text) or INLINE_RECT.search(ln.text) for ln in lines)


def _numbered_below(section: Section) -> bool:
    return any(first_match(OUTLINE.problems, ln.text) for ln in section.lines)


def _shallow_sections(sections: list[Section]) -> list[Section]:
    """A shallow report's categories: the 一、 sections with rectifications, or, in a report that labels
    none, those holding (一) items."""
    rectified = [s for s in sections if s.heading and _rectified(s)]
    return rectified or [s for s in sections if s.heading and any(CAT.match(ln.text) for ln in s.lines)]


def _heading_problems(lines: list[Line]) -> list[Section]:
    """一、 items that are the problems themselves (一、…不到位。 then 整改措施:): three or more 一、
    sections with rectifications and no numbered level inside them."""
    rectified = [s for s in top_sections(lines, statements=True) if s.heading and _rectified(s)]
    inner = any(CAT.match(ln.text) or first_match(OUTLINE.problems, ln.text) for s in rectified for ln in s.lines)
    return rectified if len(rectified) >= 3 and not inner else []


def _numbers(section: Section) -> list[int]:
    return [to_int(m["n"]) for m in (first_match(FLAT.problems, ln.text) for ln in section.lines) if m]


def _flat_problem_sections(lines: list[Line]) -> list[Section]:
    """The 一、 sections that are categories of one problem list when no (一) level exists: at least
    two sections in a row hold numbered items, and either the numbering runs on across them (1. 2. |
    3. 4.) or it restarts in each and every one of them carries rectifications. A lone numbered
    section, or lists that merely restart (下一步: 1. 2.), stay with the outline scheme."""
    if any(CAT.match(ln.text) for ln in lines):
        return []
    sections = [s for s in top_sections(lines) if s.heading]
    best: list[Section] = []
    run: list[Section] = []
    for sec in sections:
        numbers = _numbers(sec)
        joins = bool(run) and bool(numbers) and (numbers[0] == _numbers(run[-1])[-1] + 1
                                                 or (numbers[0] == 1 and _rectified(sec) and _rectified(run[-1])))
        run = ([*run, sec] if joins else [sec]) if numbers else []
        if len(run) > len(best):
            best = run
    return best if len(best) >= 2 else []


def _rectified(section: Section) -> bool:
    """The section carries rectifications: a label line (整改情况:) or one inside an item (…。整改措施:)."""
    return labelled(section.lines)


@dataclass
class Section:
    """A top-level section ("二、巡察反馈问题整改进展情况") and its lines."""

    heading: Line | None
    lines: list[Line] = field(default_factory=list)

    def problem_score(self) -> int:
        return sum(1 for ln in self.lines if NUM.match(ln.text) or QNUM.match(ln.text)
                   or SUB.match(ln.text) or RECT_LABEL.match(ln.text))


def top_sections(lines: list[Line], *, statements: bool = False) -> list[Section]:
    """Lines split at 一、 二、 … in sequence. A heading is short and no sentence; with ``statements``
    a full sentence counts too (一、…学习研讨不深入。: the flat list whose items are the findings)."""
    sections = [Section(None)]
    expected = 1
    for ln in lines:
        m = H1.match(ln.text)
        if m and to_int(m["n"]) == expected and (statements or (len(m["t"]) <= 60 and not m["t"].endswith("。"))):
            sections.append(Section(ln))
            expected += 1
        else:
            sections[-1].lines.append(ln)
    return sections


def find_problem_part(lines: list[Line], scheme: Scheme = OUTLINE) -> list[Line]:
    """Lines of the section(s) holding the problems, chosen by how many problem-shaped lines they
    have, never by their number: reports put problems under 二、 or 三、 alike. In a shallow report
    the 一、 sections are the categories: every section with rectifications, headings included."""
    if scheme.unnumbered or scheme.name == "marked":
        heads = ({lines[i].start for i in unnumbered_heads(lines)} if scheme.unnumbered else
                 {ln.start for ln in lines if first_match(scheme.problems, ln.text)})
        keep = [s for s in top_sections(lines) if any(ln.start in heads for ln in s.lines) and labelled(s.lines)]
        with_heading = scheme.category is H1
        return [ln for s in keep for ln in ((s.heading, *s.lines) if with_heading and s.heading else s.lines)]
    if scheme is FLAT:
        return [ln for s in _flat_problem_sections(lines) for ln in (s.heading, *s.lines)]
    if scheme is HEADINGS:
        return [ln for s in _heading_problems(lines) for ln in (s.heading, *s.lines)]
    sections = top_sections(lines)
    if scheme is SHALLOW:
        chosen = _shallow_sections(sections)
        return [ln for s in chosen for ln in (s.heading, *s.lines)]
    best = max(sections, key=Section.problem_score)
    if best.problem_score() == 0:
        return []
    chosen = [s for s in sections if s is best or (s.heading and "问题" in s.heading.text
                                                   and s.problem_score() >= 2)]
    return [ln for s in chosen for ln in s.lines]


def heading_part(lines: list[Line]) -> list[Line]:
    """Every numbered section with its lines, for reading a report whose only structure is
    headings (一、 then (一)): a narrative report that never numbers problems."""
    return [ln for s in top_sections(lines) if s.heading for ln in (s.heading, *s.lines)]

"""Find the problem part of a report by its content; read categories, problems, sub-problems, rectifications.
Numbering is read as a sequence: docs/decisions.md (Parsing)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from reports.grammar import PARTY_ORGAN
from reports.grammar.numerals import CN_COUNT_CLASS, CN_ORDINAL_CLASS, to_int
from reports.model import Category, Problem
from reports.status import find_status, heading_status, status_code, status_sentence

from .dates import DATE_HANZI
from .lines import Line
from .measures import RECT_LABEL, RECT_WORDS, split_measures

__all__ = ["Section", "find_problem_part", "heading_part", "read_categories"]

H1 = re.compile(rf"^(?P<n>{CN_ORDINAL_CLASS}{{1,3}})[、.．]\s*(?P<t>.*)$")
CAT = re.compile(rf"^[(（](?P<n>{CN_ORDINAL_CLASS}{{1,3}})[)）]\s*(?P<t>.*)$")
NUM = re.compile(r"^(?P<n>\d{1,3})\s*[.、．](?!\d+[.、．]\d)\s*(?P<t>.*)$")
QNUM = re.compile(rf"^[【\[]?问题(?P<n>{CN_COUNT_CLASS}{{1,4}}|\d{{1,3}})(?:[】\]]|\s*[:：])\s*(?P<t>.*)$")   # 问题一: / 【问题1】
SUB = re.compile(r"^[(（](?P<n>\d{1,2})[)）]\s*(?P<t>.*)$")
STATED_IN_TITLE = re.compile(rf"[(（](?:共)?(?P<n>\d+|{CN_ORDINAL_CLASS}+)(?:个|项|条)(?:具体)?(?:问题)?[)）]\s*$")
CATEGORY_PREFIX = re.compile(r"^(?:反馈问题|反馈意见|存在问题|问题)\s*[:：]\s*")
# A form's field label before the finding itself: (一)问题描述:… / 具体问题:… (used with .match at a position)
PROBLEM_LABEL = re.compile(r"\s*(?:问题描述|问题表现|问题内容|具体问题|存在问题|反馈问题)\s*[:：]\s*")
INLINE_SPLIT = re.compile(rf"[\u2460-\u2473]|(?<=[。;;])\s*{CN_ORDINAL_CLASS}{{1,3}}是")
# The report's closing: the invitation to supervise (欢迎广大干部群众对巡察整改落实情况进行监督) or the
# contact lines that follow it. Everything from here on (contacts, signature, date) is not a problem's.
CLOSING = re.compile(r"^(?:欢迎.{0,40}?(?:巡视|巡察|整改).{0,20}?监督|(?:联系|通信|通讯)?(?:电话|邮箱|电子邮箱|邮政信箱|信箱|地址|方式)\s*[:：])")
# The signature: the signing body on its own line(s), then the date alone on a line.
SIGNATURE_ORG = re.compile(rf"^[^。,,;;:：]{{2,40}}(?:{'|'.join(PARTY_ORGAN)}|委员会|总支部|支部)$")
SIGNATURE_DATE_LINE = re.compile(rf"^\s*(?:(?:19|20)\d{{2}}\s*年\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?|{DATE_HANZI.pattern})\s*$")
INLINE_RECT = re.compile(rf"(?<=[。;;!?！？])\s*(?:{RECT_WORDS})\s*[:：]\s*")
# A status tag on the problem's own line: 1.【已完成整改】… or …不到位。(正在整改)
STATUS_TAG_HEAD = re.compile(r"^\s*[【\[(（](?P<s>[^】\]()（）]{2,12})[】\])）]\s*")
STATUS_TAG_TAIL = re.compile(r"\s*[【\[(（](?P<s>[^】\]()（）]{2,12})[】\])）]\s*[。.;；]?\s*$")
ABOUT_ASPECT = re.compile(r"^关于.{2,80}?(?:方面|问题)[。;;]")
IMMEDIATE_CATEGORY = re.compile(r"立行立改")
# An item that only wraps the finding: 关于“理论学习不深入”问题的整改。 -> 理论学习不深入.
# Quoted: 关于“X”问题的整改, 关于“落实“第一议题”不到位”问题整改情况, 关于「X」的问题; unquoted only with
# 整改 in it (关于X问题的整改情况), since 关于…方面 alone is a topic heading (002); a status in brackets
# or a colon may close it.
_WRAP_TAIL = (r"的?(?:问题|方面)?的?(?:整改落实情况|整改进展情况|整改情况|整改落实|整改进展|整改工作|整改)?"
              r"(?:[(（][^()（）]{1,12}[)）])?[。;;:：]?$")
WRAPPER = re.compile(rf"^关于[“\"「‘『](?P<f>.{{4,200}}?)[”\"」’』]{_WRAP_TAIL}"
                     r"|^关于(?P<g>.{4,200}?)(?:问题|方面)的?(?:整改落实情况|整改进展情况|整改情况|整改落实"
                     r"|整改进展|整改工作|整改)(?:[(（][^()（）]{1,12}[)）])?[。;;:：]?$")


@dataclass(frozen=True)
class Scheme:
    """Which numbering marks categories, problems and sub-problems in a report."""

    name: str
    category: re.Pattern
    problems: tuple[re.Pattern, ...]
    subs: tuple[re.Pattern, ...]


# (一)category 1.problem (1)sub-problem: most reports.
OUTLINE = Scheme("outline", CAT, (NUM, QNUM), (SUB,))
# 一、category (一)problem 1./(1) sub-problem: reports one level shallower.
SHALLOW = Scheme("shallow", H1, (CAT,), (NUM, SUB))
# 一、category 1.problem (1)sub-problem: the outline without its (一) level, found by its numbering.
FLAT = Scheme("flat", H1, (NUM, QNUM), (SUB,))
# 一、problem (no category level): a flat list of findings, each followed by its rectification.
NO_HEADING = re.compile(r"(?!)")
HEADINGS = Scheme("headings", NO_HEADING, (H1,), (CAT, NUM, SUB))


def _first_match(patterns: tuple[re.Pattern, ...], text: str) -> re.Match | None:
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
    if votes["shallow"] > votes["outline"] or _bracket_level_restarts(lines):
        return SHALLOW
    if _flat_problem_sections(lines):
        return FLAT
    return HEADINGS if _heading_problems(lines) else OUTLINE


def _bracket_level_restarts(lines: list[Line]) -> bool:
    """(一) restarts under two or more 一、 sections in a row: the 一、 are categories and the (一) their
    problems (一、category (一)problem 1.sub), whatever level the rectification labels follow. The
    sections carry rectifications, or (一) is their lowest numbered level (a report without labels)."""
    run = best = 0
    labelled = _labelled(lines)
    for sec in (s for s in _sections(lines) if s.heading):
        first = next((CAT.match(ln.text) for ln in sec.lines if CAT.match(ln.text)), None)
        problems = first and to_int(first["n"]) == 1 and (_rectified(sec) or not (labelled or _numbered_below(sec)))
        run = run + 1 if problems else 0
        best = max(best, run)
    return best >= 2


def _labelled(lines: list[Line]) -> bool:
    """Some rectification in the report is labelled (整改情况: on its line or inside a paragraph)."""
    return any(RECT_LABEL.match(ln.text) or INLINE_RECT.search(ln.text) for ln in lines)


def _numbered_below(section: Section) -> bool:
    return any(_first_match(OUTLINE.problems, ln.text) for ln in section.lines)


def _shallow_sections(sections: list[Section]) -> list[Section]:
    """A shallow report's categories: the 一、 sections with rectifications, or, in a report that labels
    none, those holding (一) items."""
    rectified = [s for s in sections if s.heading and _rectified(s)]
    return rectified or [s for s in sections if s.heading and any(CAT.match(ln.text) for ln in s.lines)]


def _heading_problems(lines: list[Line]) -> list[Section]:
    """一、 items that are the problems themselves (一、…不到位。 then 整改措施:): three or more 一、
    sections with rectifications and no numbered level inside them."""
    rectified = [s for s in _sections(lines, statements=True) if s.heading and _rectified(s)]
    inner = any(CAT.match(ln.text) or _first_match(OUTLINE.problems, ln.text) for s in rectified for ln in s.lines)
    return rectified if len(rectified) >= 3 and not inner else []


def _numbers(section: Section) -> list[int]:
    return [to_int(m["n"]) for m in (_first_match(FLAT.problems, ln.text) for ln in section.lines) if m]


def _flat_problem_sections(lines: list[Line]) -> list[Section]:
    """The 一、 sections that are categories of one problem list when no (一) level exists: at least
    two sections in a row hold numbered items, and either the numbering runs on across them (1. 2. |
    3. 4.) or it restarts in each and every one of them carries rectifications. A lone numbered
    section, or lists that merely restart (下一步: 1. 2.), stay with the outline scheme."""
    if any(CAT.match(ln.text) for ln in lines):
        return []
    sections = [s for s in _sections(lines) if s.heading]
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
    return _labelled(section.lines)


@dataclass
class Section:
    """A top-level section ("二、巡察反馈问题整改进展情况") and its lines."""

    heading: Line | None
    lines: list[Line] = field(default_factory=list)

    def problem_score(self) -> int:
        return sum(1 for ln in self.lines if NUM.match(ln.text) or QNUM.match(ln.text)
                   or SUB.match(ln.text) or RECT_LABEL.match(ln.text))


def _sections(lines: list[Line], *, statements: bool = False) -> list[Section]:
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
    if scheme is FLAT:
        return [ln for s in _flat_problem_sections(lines) for ln in (s.heading, *s.lines)]
    if scheme is HEADINGS:
        return [ln for s in _heading_problems(lines) for ln in (s.heading, *s.lines)]
    sections = _sections(lines)
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
    return [ln for s in _sections(lines) if s.heading for ln in (s.heading, *s.lines)]


class _Reader:
    """A single pass over the problem part; keeps the numbering state."""

    def __init__(self, text: str, scheme: Scheme = OUTLINE, unlabelled: bool = False):
        self.text = text
        self.scheme = scheme
        self.unlabelled = unlabelled   # no rectification labels anywhere: a problem's next paragraphs are it
        self.categories: list[Category] = []
        self.sections: list[dict] = []
        self.top: Problem | None = None
        self.sub: Problem | None = None
        self.last_top = 0
        self.restarts = False
        self.closed = False                        # past the report's closing (欢迎…监督, contacts)
        self.rect: dict[int, list[Line]] = {}      # id(problem) -> rectification lines
        self.stmt: dict[int, list[Line]] = {}      # id(problem) -> statement lines

    # -- state helpers -----------------------------------------------------------------
    def _current(self) -> Problem | None:
        return self.sub or self.top

    def _category(self) -> Category:
        if not self.categories:
            self.categories.append(Category(1, "", "", (0, 0)))
        return self.categories[-1]

    def _has_rect(self, p: Problem | None) -> bool:
        return p is not None and bool(self.rect.get(id(p)))

    # -- line handlers -----------------------------------------------------------------
    def feed(self, ln: Line) -> None:
        if self.closed or CLOSING.match(ln.text):
            self.closed = True
            return
        if SIGNATURE_DATE_LINE.match(ln.text):
            self._drop_signature()
            self.closed = True
            return
        for handler in (self._category_line, self._problem_line, self._sub_line, self._rect_line):
            if handler(ln):
                return
        self._text_line(ln)

    def _category_line(self, ln: Line) -> bool:
        m = self.scheme.category.match(ln.text)
        if not m:
            return False
        n = to_int(m["n"])
        if self.categories and n != self.categories[-1].ordinal + 1:
            return False  # the first category may be any number (an excerpt, or 一、 used for the preamble)
        title = CATEGORY_PREFIX.sub("", m["t"]).strip()
        stated = STATED_IN_TITLE.search(title)
        if stated:
            title = title[:stated.start()].strip()
        label = ln.text[:len(ln.text) - len(m["t"])].strip()
        self.categories.append(Category(n, label, title, (ln.start, ln.end),
                                        to_int(stated["n"]) if stated else None))
        self.top = self.sub = None
        return True

    def _problem_line(self, ln: Line) -> bool:
        m = _first_match(self.scheme.problems, ln.text)
        if not m:
            return False
        n = to_int(m["n"])
        category = self._category()
        fresh = not category.problems
        if n == self.last_top + 1 or (self.last_top == 0 and fresh):
            pass  # next in sequence, or the first problem (excerpts may start at their own number)
        elif n == 1 and fresh and self.categories and self.last_top > 0:
            self.restarts = True
        else:
            return False
        self.last_top = n
        label = ln.text[:len(ln.text) - len(m["t"])].strip()
        problem = Problem(str(n), label, "", (ln.end - len(m["t"]), ln.end), category.ordinal)
        category.problems.append(problem)
        self.stmt[id(problem)] = [Line(ln.end - len(m["t"]), ln.end, m["t"])]
        self.top, self.sub = problem, None
        return True

    def _sub_line(self, ln: Line) -> bool:
        m = _first_match(self.scheme.subs, ln.text)
        if not m or self.top is None or self._has_rect(self.top):
            return False
        n = to_int(m["n"])
        expected = len(self.top.children) + 1
        if n != expected:
            return False
        child = Problem(f"{self.top.id}.{n}", ln.text[:len(ln.text) - len(m["t"])].strip(), "",
                        (ln.end - len(m["t"]), ln.end), self.top.category_ordinal, parent_id=self.top.id)
        self.top.children.append(child)
        self.stmt[id(child)] = [Line(ln.end - len(m["t"]), ln.end, m["t"])]
        self.sub = child
        return True

    def _rect_line(self, ln: Line) -> bool:
        m = RECT_LABEL.match(ln.text)
        current = self._current()
        if not m or current is None:
            return False
        body_start = ln.start if m["who"] else ln.start + m.end()
        self.rect.setdefault(id(current), []).append(Line(body_start, ln.end, self.text[body_start:ln.end]))
        return True

    def _text_line(self, ln: Line) -> None:
        current = self._current()
        if current is None:
            if self.categories and not self.categories[-1].problems:
                self._note_section_text(ln)
            return
        target = self.rect if self._has_rect(current) or self.unlabelled else self.stmt
        target.setdefault(id(current), []).append(ln)

    def _note_section_text(self, ln: Line) -> None:
        category = self.categories[-1]
        if self.sections and self.sections[-1]["ordinal"] == category.ordinal:
            self.sections[-1]["text"] += "\n" + ln.text
            self.sections[-1]["span"] = (self.sections[-1]["span"][0], ln.end)
        else:
            self.sections.append({"ordinal": category.ordinal, "title": category.title,
                                  "text": ln.text, "span": (ln.start, ln.end)})

    def _drop_signature(self) -> None:
        """The signing body's lines right above the date were read as the last problem's text."""
        current = self._current()
        if current is None:
            return
        for store in (self.rect, self.stmt):
            lines = store.get(id(current))
            while lines and len(lines) > 1 and SIGNATURE_ORG.match(lines[-1].text.strip()):
                lines.pop()

    # -- finishing ---------------------------------------------------------------------
    def finish(self) -> tuple[list[Category], list[dict]]:
        for category in self.categories:
            for problem in category.problems:
                if self.restarts:
                    _prefix_ids(problem, category.ordinal)
                for p in problem.walk():
                    self._complete(p, category)
        keep = [c for c in self.categories if c.problems]
        sections = [s for s in self.sections if not any(c.ordinal == s["ordinal"] for c in keep)]
        return keep, sections

    def _complete(self, p: Problem, category: Category) -> None:
        stmt = self.stmt.get(id(p), [])
        rect = self.rect.get(id(p), [])
        s_start, s_end = stmt[0].start, stmt[-1].end
        if not rect and not p.children:
            split = _inline_split(self.text, s_start, s_end)
            if split is not None:
                rect = [Line(split[1], s_end, self.text[split[1]:s_end])]
                s_end = split[0]
        p.span = (s_start, _rstrip_pos(self.text, s_start, s_end))
        t_start, t_end, tag = _status_tag(self.text, *p.span)   # the span keeps the tag, like a wrapper
        label = PROBLEM_LABEL.match(self.text, t_start, t_end)
        t_start = label.end() if label else t_start
        p.text = re.sub(r"\s*\n\s*", "", self.text[t_start:t_end])
        wrapped = WRAPPER.match(p.text)
        if wrapped:
            p.text = wrapped["f"] or wrapped["g"]  # the span keeps pointing at the whole item, wrapper included
        if rect:
            r_start, r_end = rect[0].start, rect[-1].end
            p.rectification_span = (r_start, r_end)
            p.rectification = self.text[r_start:r_end].strip()
            p.measures = split_measures(self.text, (r_start, r_end))
            p.status = find_status(p.rectification)
        p.status = tag or p.status   # the report's own tag on the problem line says it outright
        section = heading_status(category.title)
        if section and not (p.status and status_code(p.status) == status_code(section)):
            p.status = section  # a status-split report: the section says it for every problem in it
        elif p.status is None and IMMEDIATE_CATEGORY.search(category.title) and not p.children:
            p.status = "已立行立改"


def _status_tag(text: str, start: int, end: int) -> tuple[int, int, str | None]:
    """(start, end, status) of a problem statement without its bracketed status tag, at its head
    (1.【已立行立改】…) or its tail (…未上缴财政。(已完成整改)); a bracket that says anything
    besides a status (含下属单位) stays part of the text."""
    seg = text[start:end]
    for pattern, head in ((STATUS_TAG_HEAD, True), (STATUS_TAG_TAIL, False)):
        m = pattern.search(seg)
        if m and status_sentence(m["s"]) == m["s"].strip():
            return (start + m.end(), end, m["s"].strip()) if head else (start, start + m.start(), m["s"].strip())
    return start, end, None


def _prefix_ids(problem: Problem, ordinal: int) -> None:
    """Numbering restarts in every category ("1、关于…方面"): ids become category-qualified paths."""
    for p in problem.walk():
        p.id = f"{ordinal}.{p.id}"
        if p.parent_id is not None:
            p.parent_id = f"{ordinal}.{p.parent_id}"


def _inline_split(text: str, start: int, end: int) -> tuple[int, int] | None:
    """(end of the finding, start of the rectification) inside a problem's own paragraph: at a
    rectification label after a sentence (…不深入。整改措施:制定…), after '关于…方面。', else at the
    first ① or 一是 (002's '(1)关于…方面。①完善…')."""
    seg = text[start:end]
    m = INLINE_RECT.search(seg)
    if m and seg[m.end():].strip():
        return start + m.start(), start + m.end()
    m = ABOUT_ASPECT.match(seg)
    if m and seg[m.end():].strip():
        return start + m.end(), start + m.end()
    m = INLINE_SPLIT.search(seg)
    if m and m.start() > 0:
        at = start + m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        return at, at
    return None


def _rstrip_pos(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def read_categories(text: str, lines: list[Line], scheme: Scheme = OUTLINE, *,
                    split_unlabelled: bool = True) -> tuple[list[Category], list[dict]]:
    """Categories and problems of the problem part. In a report that labels no rectification, the
    paragraphs after a problem's own are its rectification (``split_unlabelled``); a narrative read
    by its headings keeps them together, as the item's text."""
    unlabelled = split_unlabelled and bool(lines) and not _labelled(lines)
    reader = _Reader(text, scheme, unlabelled)
    for ln in lines:
        reader.feed(ln)
    return reader.finish()

"""Read categories, problems, sub-problems and rectifications from a report's problem part, in one pass
that keeps the numbering state (the scheme and the part: reports/parse/schemes.py)."""
from __future__ import annotations

import re

from reports.grammar import PARTY_ORGAN
from reports.grammar.markers import BULLET_LEAD, marker_index
from reports.grammar.numerals import CN_ORDINAL_CLASS, to_int
from reports.model import Category, Problem, walk_categories
from reports.status import find_status, heading_status, noted_status, status_code, status_sentence

from .closing import apply_category_closings
from .dates import SIGNATURE_DATE
from .lines import Line
from .measurelist import fold_measure_lists
from .measures import FORM_FIELD, PROGRESS_FIELD, segment_measures
from .schemes import (
    INLINE_RECT,
    NO_HEADING,
    OUTLINE,
    PROBLEM_LABEL,
    Scheme,
    first_match,
    labelled,
    unnumbered_heads,
)
from .subparas import split_sub_paragraphs

__all__ = ["read_categories"]

STATED_IN_TITLE = re.compile(rf"[(（](?:共)?(?P<n>\d+|{CN_ORDINAL_CLASS}+)(?:个|项|条)(?:具体)?(?:问题)?(?:[,，、;；][^()（）]{{0,30}})?[)）]\s*$")  # (共3个问题，已完成2个)
BRACKETED_HEAD = re.compile(r"^[【\[〔](?P<t>[^【】\[\]〔〕]+)[】\]〕]$")
CATEGORY_PREFIX = re.compile(r"^(?:反馈问题|反馈意见|存在问题|问题)\s*[:：]\s*")
INLINE_SPLIT = re.compile(rf"[\u2460-\u2473]|(?<=[。;;])\s*{CN_ORDINAL_CLASS}{{1,3}}是")
# The report's closing: the invitation to supervise (欢迎广大干部群众对巡察整改落实情况进行监督) or the
# contact lines that follow it. Everything from here on (contacts, signature, date) is not a problem's.
CONTACT_LABEL = r"(?:联系|通信|通讯)?(?:电话|邮箱|电子邮箱|邮政信箱|信箱|邮编|邮政编码|地址|网址|方式)\s*[:：]"
INVITATION = r"(?:欢迎.{0,40}?(?:巡视|巡察|整改).{0,20}?监督|欢迎(?:社会各界|广大干部群众|广大群众|各界)[^。]{0,10}?监督)"
CLOSING = re.compile(rf"^(?:{INVITATION}|{CONTACT_LABEL})")
# The invitation as a later sentence of a closing paragraph (集团党委将以此次巡察整改为契机…。欢迎…监督。
# 联系电话:…): the whole paragraph is the closing.
CLOSING_SENTENCE = re.compile(rf"[。!?;]\s*{INVITATION}")
# The signature: the signing body on its own line(s), then the date alone on a line (SIGNATURE_DATE).
SIGNATURE_ORG_TEXT = rf"[^。,,;;:：]{{2,40}}(?:{'|'.join(PARTY_ORGAN)}|委员会|总支部|支部)"
SIGNATURE_ORG = re.compile(rf"^{SIGNATURE_ORG_TEXT}$")
# A status tag on the problem's own line: 1.【已完成整改】… or …不到位。(正在整改)
STATUS_TAG_HEAD = re.compile(r"^\s*[【\[(（](?P<s>[^】\]()（）]{2,12})[】\])）]\s*")
STATUS_TAG_TAIL = re.compile(r"\s*[【\[(（〔](?P<s>[^】\]()（）〔〕]{2,12})[】\])）〕]\s*[。.;；]?\s*$")
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

# The name of a field inside a tag (【整改状态:已完成】): the tag still says nothing but a status.
FIELD_NAME = re.compile(r"^\s*[\u4e00-\u9fff]{2,6}\s*[:：]")
# A finding's own label at the head of its statement (问题: / 【巡察反馈】): a field name, read as the label
# only when the document repeats it on two or more problems (`_own_finding_labels`), whatever its words.
FINDING_LABEL = re.compile(r"\s*(?:[【\[](?P<b>[\u4e00-\u9fff]{2,6})[】\]]|(?P<c>[\u4e00-\u9fff]{2,6})\s*[:：])\s*")
# A statement quoted whole (“…” after the label 【巡察反馈】): the inspectors' wording, the quotes its framing.
QUOTED = re.compile(r"^[“\"「](?P<q>[^“”\"「」]{4,})[”\"」]\s*[。.]?$")


class _Reader:
    """A single pass over the problem part; keeps the numbering state."""

    def __init__(self, text: str, scheme: Scheme = OUTLINE, unlabelled: bool = False,
                 heads: frozenset[int] = frozenset(), category_heads: frozenset[int] = frozenset()):
        self.text = text
        self.heads = heads             # starts of unnumbered problem lines (an unnumbered scheme)
        self.category_heads = category_heads   # starts of unnumbered category lines (an induced reading)
        self.scheme = scheme
        self.unlabelled = unlabelled   # no rectification labels anywhere: a problem's next paragraphs are it
        self.categories: list[Category] = []
        self.sections: list[dict] = []
        self.top: Problem | None = None
        self.sub: Problem | None = None
        self.last_top = 0
        self.restarts = False
        self.finding_labels: frozenset[str] = frozenset()   # set by finish()
        self.closed = False                        # past the report's closing (欢迎…监督, contacts)
        self.rect: dict[int, list[Line]] = {}      # id(problem) -> rectification lines
        self.labels: dict[int, dict[int, str]] = {}  # id(problem) -> {rectification line start: its label}
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
        if self.closed or CLOSING.match(ln.text) or CLOSING_SENTENCE.search(ln.text):
            self.closed = True
            return
        if SIGNATURE_DATE.match(ln.text):
            self._drop_signature()
            self.closed = True
            return
        for handler in (self._category_line, self._problem_line, self._sub_line, self._rect_line):
            if handler(ln):
                return
        self._text_line(ln)

    def _category_line(self, ln: Line) -> bool:
        following = self.categories[-1].ordinal + 1 if self.categories else 1
        if ln.start in self.category_heads:   # 政治建设方面 on its own line, no marker: counts by position
            n, body = following, BRACKETED_HEAD.sub(r"\g<t>", ln.text)   # 【…方面】: the brackets only set it off
        else:
            m = self.scheme.category.match(ln.text)
            if not m:
                return False
            n = (marker_index(m["n"]) if "n" in m.re.groupindex else None) or following   # a bullet (■) by position
            body = m["t"]
        if self.categories and n != following:
            return False  # the first category may be any number (an excerpt, or 一、 used for the preamble)
        title = CATEGORY_PREFIX.sub("", body).strip()
        stated = STATED_IN_TITLE.search(title)
        if stated:
            title = title[:stated.start()].strip()
        label = ln.text[:len(ln.text) - len(body)].strip()
        self.categories.append(Category(n, label, title, (ln.start, ln.end),
                                        to_int(stated["n"]) if stated else None))
        self.top = self.sub = None
        return True

    def _problem_line(self, ln: Line) -> bool:
        if ln.start in self.heads:
            bullet = BULLET_LEAD.match(ln.text)   # an induced bullet family: the glyph is no part of the text
            return self._add_problem(ln, self.last_top + 1, ln.text[bullet.end():] if bullet else ln.text)
        m = first_match(self.scheme.problems, ln.text)
        if not m:
            return False
        if m.re.groupindex.get("o") and m["o"] and (outer := marker_index(m["o"])) is not None:   # not ZG-01's ZG
            self._outer_category(outer)
        n = marker_index(m["n"])   # None: an ordinal word (最后，…) with no number of its own comes next
        return self._add_problem(ln, self.last_top + 1 if n is None else n, m["t"])

    def _outer_category(self, outer: int) -> None:
        """A compound marker (1-2, 2.1) with no category headings: its first number is the category."""
        if self.scheme.category.pattern != NO_HEADING.pattern:
            return
        if not self.categories or self.categories[-1].ordinal != outer:
            self.categories.append(Category(outer, "", "", (0, 0)))
            self.top = self.sub = None

    def _add_problem(self, ln: Line, n: int, body: str) -> bool:
        category = self._category()
        fresh = not category.problems
        if n == self.last_top + 1 or (self.last_top == 0 and fresh):
            pass  # next in sequence, or the first problem (excerpts may start at their own number)
        elif n == 1 and fresh and self.categories and self.last_top > 0:
            self.restarts = True
        else:
            return False
        self.last_top = n
        label = ln.text[:len(ln.text) - len(body)].strip()
        problem = Problem(str(n), label, "", (ln.end - len(body), ln.end), category.ordinal)
        category.problems.append(problem)
        self.stmt[id(problem)] = [Line(ln.end - len(body), ln.end, body)]
        self.top, self.sub = problem, None
        return True

    def _sub_line(self, ln: Line) -> bool:
        m = first_match(self.scheme.subs, ln.text)
        if not m or self.top is None or self._has_rect(self.top):
            return False
        expected = len(self.top.children) + 1
        if (n := marker_index(m["n"]) or expected) != expected:
            return False
        child = Problem(f"{self.top.id}.{n}", ln.text[:len(ln.text) - len(m["t"])].strip(), "",
                        (ln.end - len(m["t"]), ln.end), self.top.category_ordinal, parent_id=self.top.id)
        self.top.children.append(child)
        self.stmt[id(child)] = [Line(ln.end - len(m["t"]), ln.end, m["t"])]
        self.sub = child
        return True

    def _rect_line(self, ln: Line) -> bool:
        m = self.scheme.rect_label(ln.text)
        current = self._current()
        if not m or current is None:
            return False
        body_start = ln.start if m["who"] else ln.start + m.end()
        if not m["who"]:
            self.labels.setdefault(id(current), {})[body_start] = m["label"] or m.group(0).strip("【】[] ")
        self.rect.setdefault(id(current), []).append(Line(body_start, ln.end, self.text[body_start:ln.end]))
        return True

    def _text_line(self, ln: Line) -> None:
        current = self._current()
        if current is None:
            if self.categories and not self.categories[-1].problems:
                self._note_section_text(ln)
            return
        if not self._has_rect(current) and not self.unlabelled and FORM_FIELD.match(ln.text):
            target = self.rect   # 责任单位: / 整改时限: before 整改措施: — the form's fields open its rectification
            self.labels.setdefault(id(current), {})[ln.start] = "field"
        else:
            target = self.rect if self._has_rect(current) or self.unlabelled else self.stmt
        if target is self.rect and PROGRESS_FIELD.match(ln.text):
            self.labels.setdefault(id(current), {})[ln.start] = "progress"
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
        self.finding_labels = self._own_finding_labels()
        self._end_last_like_the_others()
        split_sub_paragraphs(tops := [t for c in self.categories for t in c.problems], self.stmt, self.rect, self.labels)
        fold_measure_lists(tops, self.text, self.stmt, self.rect, self.labels)
        for category in self.categories:
            for problem in category.problems:
                if self.restarts:
                    _prefix_ids(problem, category.ordinal)
                for p in problem.walk():
                    self._complete(p, category)
        keep = [c for c in self.categories if c.problems]
        apply_category_closings(keep, self.text)
        sections = [s for s in self.sections if not any(c.ordinal == s["ordinal"] for c in keep)]
        return keep, sections

    def _end_last_like_the_others(self) -> None:
        """The last problem's rectification ends where every other one's did: when each of the others
        ends with a line that is nothing but its status (★已完成), the paragraphs after the last one's
        last status line (下一步…, 综上…) are the report's closing, not its rectification."""
        rects = [self.rect.get(id(p)) for p in walk_categories(self.categories) if not p.children]
        if len(rects) < MIN_SHAPED or not all(rects):
            return
        if not all(_ends_with_status(r[-1].text) for r in rects[:-1]):
            return
        last = rects[-1]
        at = next((k for k in range(len(last) - 1, -1, -1) if _ends_with_status(last[k].text)), None)
        if at is not None:
            del last[at + 1:]

    def _own_finding_labels(self) -> frozenset[str]:
        """Field names that open the statements of two or more problems, and of at least half of them
        (1.问题:… 2.问题:…): the document's own label for a finding, not part of it. A rectification or
        status label there is not one (it is split off as the rectification)."""
        names: list[str] = []
        statements = 0
        for category in self.categories:
            for top in category.problems:
                for p in top.walk():
                    stmt = self.stmt.get(id(p))
                    if not stmt:
                        continue
                    statements += 1
                    m = FINDING_LABEL.match(self.text, stmt[0].start, stmt[-1].end)   # 问题1 alone, then 问题:…
                    if m and not self.scheme.rect_label(stmt[0].text) and not PROGRESS_FIELD.match(stmt[0].text):
                        names.append(m["b"] or m["c"])
        return frozenset(n for n in set(names) if names.count(n) >= 2 and 2 * names.count(n) >= statements)

    def _complete(self, p: Problem, category: Category) -> None:
        stmt = self.stmt.get(id(p), [])
        rect = self.rect.get(id(p), [])
        s_start, s_end = stmt[0].start, stmt[-1].end
        if not rect and not p.children:
            split = _inline_split(self.text, s_start, s_end)
            if split is not None:
                rect = [Line(split[1], s_end, self.text[split[1]:s_end])]
                s_end = split[0]
        elif not p.children and (m := INLINE_RECT.search(self.text, s_start, s_end)) and m.end() < s_end:
            # …不够。——整改:编写…, then a field line of its own (销号情况:…): the labelled part of the paragraph
            # opens the rectification the field line continues
            rect = [Line(m.end(), s_end, self.text[m.end():s_end]), *rect]
            self.rect[id(p)] = rect
            s_end = m.start()
        p.span = (s_start, _rstrip_pos(self.text, s_start, s_end))
        t_start, t_end, tag = _status_tag(self.text, *p.span)   # the span keeps the tag, like a wrapper
        label = PROBLEM_LABEL.match(self.text, t_start, t_end)
        own = FINDING_LABEL.match(self.text, t_start, t_end) if not label else None
        label = own if own and (own["b"] or own["c"]) in self.finding_labels else label
        t_start = label.end() if label else t_start
        p.text = re.sub(r"\s*\n\s*", "", self.text[t_start:t_end])
        quoted = QUOTED.match(p.text) if own is label and label else None
        p.text = quoted["q"] if quoted else p.text
        wrapped = WRAPPER.match(p.text)
        if wrapped:
            p.text = wrapped["f"] or wrapped["g"]  # the span keeps pointing at the whole item, wrapper included
        if rect:
            r_start, r_end = rect[0].start, rect[-1].end
            p.rectification_span = (r_start, r_end)
            p.rectification = self.text[r_start:r_end].strip()
            p.measures = segment_measures(self.text, rect, self.labels.get(id(p), {}))
            p.status = find_status(p.rectification)
        p.status = tag or p.status   # the report's own tag on the problem line says it outright
        section = heading_status(category.title)
        if section and not (p.status and status_code(p.status) == status_code(section)):
            p.status = section  # a status-split report: the section says it for every problem in it
        elif p.status is None and IMMEDIATE_CATEGORY.search(category.title) and not p.children:
            p.status = "已立行立改"


MIN_SHAPED = 3   # problems whose rectifications all end alike before the last one is cut to their shape


def _status_line(text: str) -> bool:
    """A line that says nothing but a status (★已完成 / 整改状态:基本完成(剩余3份合同正在协商) / 已完成整改。)."""
    return noted_status(text) is not None


def _ends_with_status(text: str) -> bool:
    """A line that is a status (`_status_line`) or closes with one in brackets (…管理规定。〔已完成〕)."""
    return _status_line(text) or ((m := STATUS_TAG_TAIL.search(text)) is not None and bool(status_sentence(m["s"])))


def _status_tag(text: str, start: int, end: int) -> tuple[int, int, str | None]:
    """(start, end, status) of a problem statement without its bracketed status tag, at its head
    (1.【已立行立改】…) or its tail (…未上缴财政。(已完成整改)); a bracket that says anything
    besides a status (含下属单位) stays part of the text."""
    seg = text[start:end]
    for pattern, head in ((STATUS_TAG_HEAD, True), (STATUS_TAG_TAIL, False)):
        m = pattern.search(seg)
        said = FIELD_NAME.sub("", m["s"]).strip() if m else ""   # 【整改状态:已完成】: the field's name
        if m and status_sentence(said) == said:
            return (start + m.end(), end, said) if head else (start, start + m.start(), said)
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
                    split_unlabelled: bool = True,
                    heads: frozenset[int] | None = None,
                    category_heads: frozenset[int] = frozenset()) -> tuple[list[Category], list[dict]]:
    """Categories and problems of the problem part. In a report that labels no rectification, the
    paragraphs after a problem's own are its rectification (``split_unlabelled``); a narrative read
    by its headings keeps them together, as the item's text."""
    unlabelled = split_unlabelled and bool(lines) and not labelled(lines) and not (
        scheme.labels is not None and any(scheme.labels.match(ln.text) for ln in lines))
    if heads is None:   # an induced bullet family brings its own heads (reports/parse/induced.py)
        heads = frozenset(lines[i].start for i in unnumbered_heads(lines)) if scheme.unnumbered else frozenset()
    reader = _Reader(text, scheme, unlabelled, heads, category_heads)
    for ln in lines:
        reader.feed(ln)
    return reader.finish()

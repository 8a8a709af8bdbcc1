"""Split rectification text into measures (一是…二是…, ①②, sub-unit labels, 1./(1), else sentences).
Status phrases live in reports/status.py; see docs/decisions.md (Parsing, Inline rectification)."""
from __future__ import annotations

import re

from reports.grammar import CJK
from reports.grammar.markers import BULLETS
from reports.grammar.noise import is_noise_line
from reports.grammar.numerals import CN_ORDINAL_CLASS
from reports.model import Measure, Span
from reports.status import RESULT_OR_PLAN, STATUS_FIELD_NAME, noted_status

__all__ = ["FORM_FIELD", "PROGRESS_FIELD", "RECT_LABEL", "RECT_WORDS", "segment_measures", "split_measures"]

# The words that open a problem's rectification (整改情况: ...), on its own line or inside the paragraph.
RECT_WORDS = r"整改情况|进展情况|整改进展情况|整改落实情况|整改措施|落实情况|整改进展|整改成效|整改\d{1,3}"   # 整改1: pairs 问题1:
# A sub-unit may lead its own label (市博物馆整改情况:); a label that is itself longer (整改落实情况) is not
# a sub-unit 整改 + 落实情况.
# Or in brackets, as a form's field: 【整改落实】… / [整改措施]…
RECT_LABEL = re.compile(rf"^(?:[【\[](?:{RECT_WORDS}|整改落实)[】\]]"
                        rf"|(?P<who>(?!(?:{RECT_WORDS})\s*[:：])[{CJK}]{{2,12}}?)?(?P<label>{RECT_WORDS})\s*[:：])\s*")
# A form's progress field on its own line (完成情况:已完成 / 【进度】持续推进): where the work stands.
PROGRESS_FIELD = re.compile(rf"^\s*(?:{STATUS_FIELD_NAME}\s*(?:[:：]|—{{1,2}}|-{{2}})|[【\[]{STATUS_FIELD_NAME}[】\]])")
# The label that names the actions themselves; beside it, other labels (落实情况: 整改进展: 完成情况:)
# report results and status.
MEASURE_LABEL = re.compile(r"整改措施")
MARKER = re.compile(
    rf"(?:(?<=^)|(?<=[。;;!?:\n]))\s*(?P<m>{CN_ORDINAL_CLASS}{{1,3}}是)"
    r"|(?P<c>[\u2460-\u2473])"
    r"|(?:(?<=^)|(?<=\n)|(?<=[;；。]))\s*(?P<n>\d{1,2}[.、](?!\d)|[(（]\d{1,2}[)）])"
    rf"|(?:(?<=^)|(?<=\n))\s*(?P<who>[{CJK}]{{2,12}}?)(?:整改情况|进展情况)\s*[:：]"
    rf"|(?:(?<=^)|(?<=\n))\s*(?P<b>[{BULLETS}])\s*(?=\S)",   # • items on lines of their own: the author's list
    re.MULTILINE)
# A rectification form's who/when fields: 责任人:… 整改时限:… (not measures; the work is elsewhere).
FORM_FIELD = re.compile(r"^(?:责任(?:人|领导|单位|部门|科室)|牵头(?:领导|单位|部门)|配合单位|(?:整改|完成)?时限)\s*[:：]")
SENTENCE = re.compile(r"[^。;;!?]+[。;;!?]?")

def _clean(s: str) -> str:
    """Measures read as one line: a paragraph break inside a measure is layout, not meaning, and a
    page's chrome between its paragraphs (a page number, - 2 -) is no part of it."""
    if "\n" in s:
        s = "\n".join(line for line in s.split("\n") if not is_noise_line(line))
    return re.sub(r"\s*\n\s*", "", s).strip(" \t,,;;")


def _measure(text: str, start: int, end: int, label: str | None) -> Measure | None:
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip())
    body = raw.strip()
    body = body.rstrip(" \t")
    cleaned = _clean(body)
    fields = cleaned.lstrip("(（【[")   # (完成时限:2025年9月底,完成情况:已完成): the fields in brackets
    if len(cleaned) < 2 or noted_status(cleaned) or FORM_FIELD.match(fields) or PROGRESS_FIELD.match(fields):
        return None   # a status (已完成整改。) or a form's who/when/progress field (责任人:…) is not a measure
    return Measure(cleaned, (start + lead, start + lead + len(body)), label)


def segment_measures(text: str, lines: list, labels: dict[int, str]) -> list[Measure]:
    """Measures of a rectification given as lines, some of which open a labelled segment (`labels`:
    line start -> label). A form that labels its actions (整改措施:) and, apart, its progress
    (落实情况: / 整改进展: / 完成情况:) has its measures in the first: the progress segment reports
    results and status (2024年以来开展集中学习7次,该问题已完成整改), not actions. Without a 整改措施
    label every segment is measures (整改进展: alone is where many reports put their actions)."""
    segments: list[list] = []
    for ln in lines:
        if ln.start in labels or not segments:
            segments.append([labels.get(ln.start), ln.start, ln.end])
        else:
            segments[-1][2] = ln.end
    if any(label and MEASURE_LABEL.search(label) for label, _, _ in segments):
        segments = [s for s in segments if not s[0] or MEASURE_LABEL.search(s[0])]
    return [m for _, start, end in segments for m in split_measures(text, (start, end))]


def split_measures(text: str, span: Span) -> list[Measure]:
    """Measures in text[span[0]:span[1]] (a rectification block, label already excluded)."""
    start, end = span
    block = text[start:end]
    marks = list(MARKER.finditer(block))
    if not marks:
        return _sentences(text, start, end)
    out: list[Measure] = []
    if block[:marks[0].start()].strip():
        out.extend(_sentences(text, start, start + marks[0].start()))
    who = None
    for i, m in enumerate(marks):
        if m["who"]:
            who = m["who"]  # a sub-unit's own block: its measures carry its name
        label = m["m"] or m["c"] or m["b"] or (m["n"] or "").strip() or None
        label = " ".join(x for x in (who, label) if x) or None
        stop = marks[i + 1].start() if i + 1 < len(marks) else len(block)
        measure = _measure(text, start + m.end(), start + stop, label)
        if measure:
            out.append(measure)
    return out


def _sentences(text: str, start: int, end: int) -> list[Measure]:
    out = []
    for m in SENTENCE.finditer(text, start, end):
        if RESULT_OR_PLAN.match(_clean(m.group(0))):
            continue
        for a, b in _actions(text, m.start(), m.end()):
            measure = _measure(text, a, b, None)
            if measure:
                out.append(measure)
    return out


# A clause after a comma that opens another action: a verb of doing (制定, 建立, 开展, 选派…), or 对/为/向
# + its object before such a verb (对3名责任人进行批评教育). A clause that spells out the one before
# (明确…, 实行…), gives its result (清退…万元, 补齐…, 新增…个, a figure) or states an aim in a generic
# verb (加强…, 推动…, 规范…) does not.
ACTION_CLAUSE = re.compile(
    r"(?:并|同时|随即)?(?:统一|重新|逐一|及时|全面|集中)?"
    r"(?:制定|修订|出台|建立|健全|完善|开展|组织|成立|设立|组建|新组建|选派|选聘|引入|引进|推行|实施|上线|开通"
    r"|召开|配齐|配强|落实|盘活|编制|约谈|举办|印发|下发|调整|安装|启动)"
    r"|(?:对|为|向|面向|与|同)[^,，;；。]{1,40}?(?:开展|进行|给予|作出|实施|选派|安装|配备|配齐|建立|约谈|处理|处分|诫勉|批评"
    r"|招聘|共建|签订)")
_COMMA = re.compile(r"[,，]")
AIM_HEAD = re.compile(r"(?:加强|强化|健全|完善|推动|规范|严格|深化|提升|压实|狠抓|发挥)[^,，;；。]{1,8}")


def _actions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """One unnumbered sentence split into the actions it joins with commas (制定方案,为4个村选派…,引进项目1个:
    three measures); outside authors count each action, and a report that enumerates is counted by its
    own enumeration (those items are never split)."""
    cuts = [start]
    for c in _COMMA.finditer(text, start, end):
        if ACTION_CLAUSE.match(text, c.end()) and text[c.start() - 1] != "的":   # 对能够立行立改的,制定…
            cuts.append(c.end())
    if len(cuts) > 1 and AIM_HEAD.fullmatch(_clean(text[start:cuts[1]])):
        del cuts[1]   # 强化督查检查,印发《…》: a short aim heads the action that follows, it is none itself
    return list(zip(cuts, [*cuts[1:], end], strict=True))

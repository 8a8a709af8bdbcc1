"""The inspection a report answers to (kind, inspecting teams, round, stay and feedback dates), read
from its opening sentence ("根据市委统一部署,市委第三巡察组于…对…开展了巡察"); parse_header calls it.
See docs/decisions.md (Parsing)."""
from __future__ import annotations

import re
from dataclasses import replace

from reports.grammar import COMMITTEES, HAN, INSPECTION_KIND
from reports.grammar.teams import ROUND_RE, Team, find_teams
from reports.model import DateValue, Inspection

from .dates import RANGE_JOIN, WEEKDAY, PartialDate, find_dates, lost_separators, resolve_calendar
from .lines import Line

__all__ = ["KIND", "LEVEL", "TARGET_RE", "opening_scope", "read_inspection"]

KIND = INSPECTION_KIND
LEVEL = "(?:" + "|".join(COMMITTEES) + "|市|县|区)"
# The inspected body: no clause break, except inside a parenthesised alias or list that is part of its
# name (中共某区文化和旅游局(某区文物局,含某区执法大队)党组).
TARGET_RE = re.compile(r"对(?P<t>(?:[^,。;:()（）]|[(（][^()（）。;]{1,80}[)）]){2,160}?)(?:进行了|开展了|进行|开展)(?:为期[^,。]*的)?"
                       rf"(?:[{HAN}]{{1,20}}?)?(?P<k>{KIND})")   # 常规/村级/乡村振兴专项/水利工程建设和资金管理专项…巡察: a modifier


def opening_scope(content: list[Line], opening: Line | None) -> Line | None:
    """The opening sentence, and the paragraph after it when the feedback is told there
    ('…开展了巡察。' then '2022年1月27日,巡察组向…反馈…')."""
    if opening is None or "反馈" in opening.text:
        return opening
    after = [ln for ln in content if ln.start >= opening.end][:1]
    if after and "反馈" in after[0].text and len(after[0].text) < 400:
        return Line(opening.start, after[0].end, opening.text + "\n" + after[0].text)
    return opening


def read_inspection(text: str, opening: Line | None, title: str | None, dated: DateValue | None) -> Inspection:
    """Kind, team(s), round and dates from the opening sentence (``opening_scope``), the title and,
    for what they do not say, the text's first part; years the dates omit come from ``dated``."""
    insp = Inspection()
    scope = opening.text if opening else ""
    offset = opening.start if opening else 0
    m = TARGET_RE.search(scope)
    kind_source = (m["k"] if m else None) or _first_kind(title or "") or _first_kind(text)
    insp.kind = kind_source.replace("巡查", "巡察") if kind_source else None
    deploy = re.search(rf"(?:根据|按照)(?P<lvl>{LEVEL})", scope)
    teams = _inspecting_teams(scope) or _inspecting_teams(text[:4000])
    if teams:
        level = deploy["lvl"] if deploy else None
        insp.inspector_text = "、".join(t.text for t in teams)
        insp.inspector = "、".join(dict.fromkeys(t.canonical(level) for t in teams))
    insp.span = (offset, offset + len(scope)) if opening else None
    rnd = ROUND_RE.search(title or "") or ROUND_RE.search(scope)
    insp.round = rnd.group(0) if rnd else next((t.round for t in teams if t.round), None)
    _inspection_dates(insp, scope, offset, dated)
    return insp


def _inspecting_teams(scope: str) -> list[Team]:
    """The team(s) that inspected: the first team named, with any listed right after it
    (第一巡察组、第六巡察组); a bare 巡察组 only when no more specific name is given."""
    teams = find_teams(scope)
    if not teams:
        return []
    specific = [t for t in teams if not t.generic]
    if not specific:
        return teams[:1]
    out = [specific[0]]
    for t in specific[1:]:
        gap = scope[out[-1].span[1]:t.span[0]]
        if gap in ("、", "和", "及", "与", ",") and t.canonical() != out[-1].canonical():
            out.append(t)
        else:
            break
    return out


def _first_kind(s: str) -> str | None:
    m = re.search(KIND, s)
    return m.group(0) if m else None


def _inspection_dates(insp: Inspection, scope: str, offset: int, dated: DateValue | None) -> None:
    """start/end from the 'D至D' pair (several stays 'D至D、D至D': start of the first, end of the last);
    feedback from the date in the clause that says 反馈. Missing years come from the previous date,
    else from the report's own date (never after it: an inspection precedes its report)."""
    sentences = [(s.start(), s.group(0)) for s in re.finditer(r"[^。]+。?", scope)]
    lost = lost_separators(scope)
    start_end, feedback = [], None
    for pos, sentence in sentences:
        dates = find_dates(sentence, offset + pos, lost=lost)
        if not start_end and len(dates) >= 2 and _joined(scope, offset, dates[0], dates[1]):
            start_end = dates[:2]
            dates = dates[2:]
            while len(dates) >= 2 and _listed(scope, offset, start_end[1], dates[0]) \
                    and _joined(scope, offset, dates[0], dates[1]):
                start_end[1] = dates[1]
                dates = dates[2:]
        elif not start_end and dates and _from_on(scope, offset, dates[0]):
            start_end, dates = [dates[0], None], dates[1:]   # 自D起…为期两个月: a start, no end date
        if feedback is None and "反馈" in sentence and dates:
            feedback = dates[0]
    year = int(dated.iso[:4]) if dated else None
    if year is not None:
        start_end = [d and _relative_year(d, scope, offset, year) for d in start_end]
        feedback = _relative_year(feedback, scope, offset, year) if feedback is not None else None
    seq = [d for d in (*start_end, feedback) if d is not None]
    report_iso = dated.iso if dated else None
    values = resolve_calendar(seq, year, report_iso)
    if dated and values and values[0] is not None and values[0].year_inferred and values[0].iso > dated.iso:
        values = resolve_calendar(seq, year - 1, report_iso)
    resolved = dict(zip(map(id, seq), values, strict=False))
    if start_end:
        insp.start, insp.end = (resolved[id(d)] if d is not None else None for d in start_end)
    if feedback is not None:
        insp.feedback = resolved[id(feedback)]


# A year told relative to the report's own date: 今年4月7日, 去年11月.
RELATIVE_YEAR = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "前年": -2}   # not 当年: that year, said of another


def _relative_year(d: PartialDate, scope: str, offset: int, year: int) -> PartialDate:
    """`d` with the year a 今年/去年 right before it names, counted from the report's year."""
    before = scope[max(0, d.span[0] - offset - 2):d.span[0] - offset]
    if d.year is not None or d.readings or before not in RELATIVE_YEAR:
        return d
    return replace(d, year=year + RELATIVE_YEAR[before])


def _between(scope: str, offset: int, a: PartialDate, b: PartialDate) -> str:
    return scope[a.span[1] - offset:b.span[0] - offset]


def _joined(scope: str, offset: int, a: PartialDate, b: PartialDate) -> bool:
    """'D至D', 'D到D', 'D—D', 'D～D', 'D起至D': a range."""
    return bool(re.fullmatch(rf"\s*{WEEKDAY}?\s*(?:起|开始)?{RANGE_JOIN}\s*", _between(scope, offset, a, b)))


def _from_on(scope: str, offset: int, d: PartialDate) -> bool:
    """'自D起' / '从D开始' with no end date after it: the stay's start."""
    before, after = scope[max(0, d.span[0] - offset - 1):d.span[0] - offset], scope[d.span[1] - offset:]
    return before in ("自", "从") and re.match(r"\s*(?:起|开始)(?!\s*至)", after) is not None


def _listed(scope: str, offset: int, a: PartialDate, b: PartialDate) -> bool:
    """'D至D、D至D': another stay of the same inspection."""
    return bool(re.fullmatch(r"\s*(?:、|和|及|,)\s*", _between(scope, offset, a, b)))

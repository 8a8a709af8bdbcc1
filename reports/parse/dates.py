"""Dates as reports write them: 2020年3月10日, 至6月5日 (no year), 2022年11月15 (no 日), 2022-01-17,
month-only dates (2024年3月, 6月上旬) that resolve to YYYY-MM, and day dates whose 年/月 the page lost
(202365日 for 2023年6月5日): their readings are chosen by the inspection calendar (`resolve_calendar`)
and flagged as inferred. See docs/decisions.md (Reading what others published (issue 22))."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date

from reports.grammar.numerals import CN_DIGIT_CHARS, CN_DIGITS, to_int
from reports.model import DateValue, Span

__all__ = [
    "DATE_CN",
    "DATE_HANZI",
    "ISO_DATE",
    "MONTH_CN",
    "SIGNATURE_DATE",
    "SIGNATURE_DATE_TEXT",
    "PartialDate",
    "find_dates",
    "lost_separators",
    "resolve",
    "resolve_calendar",
    "resolve_sequence",
]

# Year optional; day optional-terminated ("2022年11月15市委" lacks 日). The day must not run into
# more digits, so "11月151" is not read as day 15.
DATE_CN = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?P<m>1[0-2]|0?[1-9])\s*月\s*(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)\s*日?")
# A month without a day: 2024年3月, 6月上旬, 12月底. Not a day date's month (no digit may follow),
# not a duration (3个月) and not 月份 counts of a list (1-6月份 still reads as a month).
MONTH_CN = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?<![\d个])(?P<m>1[0-2]|0?[1-9])\s*月(?!\s*\d)"
                      r"(?:[上中下]旬|初|中|底|末|份)?")
ISO_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/.](?P<m>1[0-2]|0?[1-9])[-/.](?P<d>3[01]|[12]\d|0?[1-9])(?!\d)")
# A run of digits closed by 日 that no 月 precedes: 202365日, 1012日, 81日 on a page that lost its 年/月.
RUN_DAY = re.compile(r"(?<![\d.:/\-])(?P<run>\d{1,8})\s*日")
_YEAR_RUN_INTO_MONTH = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:1[0-2]|0?[1-9])月\d")  # 20236月5日: 年 lost
_YEAR_BEFORE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年?\s*$")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

Reading = tuple[int | None, int | None, int]  # (year, month, day); month None: the previous date's month


@dataclass(frozen=True)
class PartialDate:
    """A date found in text whose year may be missing until context supplies it."""

    year: int | None
    month: int
    day: int | None  # None: the text gives only the month
    text: str
    span: Span
    # Run-together digits (202365日) have several readings; the first is year/month/day above.
    readings: tuple[Reading, ...] = ()


def lost_separators(text: str) -> bool:
    """True when `text` holds a day date whose 年/月 were lost: digits before 日 that cannot be a day
    of the month (202365日, 81日, 1012日) with no 月 right before them, or a year run into its month
    (20236月5日)."""
    for m in RUN_DAY.finditer(text):
        if text[max(0, m.start() - 1):m.start()] in ("月", "第") or text.startswith("日内", m.end() - 1):
            continue
        run = m["run"]
        if len(run) >= 3 or int(run) > 31:
            return True
    return bool(_YEAR_RUN_INTO_MONTH.search(text))


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= _DAYS[month - 1]


def _readings(year: int | None, digits: str) -> list[Reading]:
    """Every split of month-day digits into a real month and day (115 -> 1/15 or 11/5); a run of one or
    two digits may also be a day of the previous date's month (至12日)."""
    out: list[Reading] = []
    for k in (2, 1):
        m, d = digits[:k], digits[k:]
        if 1 <= len(d) <= 2 and not m.startswith("0") and _valid(int(m), int(d)):
            out.append((year, int(m), int(d)))
    if len(digits) <= 2 and 1 <= int(digits) <= 31 and year is None:
        out.append((None, None, int(digits)))
    return out


def _lost_dates(text: str, offset: int) -> list[PartialDate]:
    """Dates whose 年/月 the page lost: 202365日 (2023-06-05), 2023年65日, 1012日, 81日, and a year run
    into a month (20236月5日). Each keeps all its readings."""
    found = []
    for m in RUN_DAY.finditer(text):
        if text[max(0, m.start() - 1):m.start()] == "月":
            continue
        run, start = m["run"], m.start()
        year_m = _YEAR_BEFORE.search(text, max(0, start - 6), start)
        year = None
        if year_m and not re.search(r"\d", text[max(0, year_m.start() - 1):year_m.start()]):
            year, start = int(year_m["y"]), year_m.start()
        elif len(run) >= 5 and run[:2] in ("19", "20"):
            year, run = int(run[:4]), run[4:]
        readings = _readings(year, run) if run else []
        if readings:
            y, mo, d = readings[0]
            found.append(PartialDate(y, mo or 0, d, text[start:m.end()], (offset + start, offset + m.end()),
                                     tuple(readings)))
    for m in DATE_CN.finditer(text):
        year_m = None if m["y"] else _YEAR_BEFORE.search(text, max(0, m.start() - 4), m.start())
        if year_m and year_m.group(0).isdigit():
            y, mo, d = int(year_m["y"]), int(m["m"]), int(m["d"])
            found.append(PartialDate(y, mo, d, text[year_m.start():m.end()].strip(),
                                     (offset + year_m.start(), offset + m.end()), ((y, mo, d),)))
    return found


# A date written in Chinese numerals, as some signatures are: 二〇二四年七月十六日 (year digit by digit).
_ONE_TO_NINE = f"[{CN_DIGIT_CHARS[1:]}]"
DATE_HANZI = re.compile(rf"(?P<y>[〇{CN_DIGIT_CHARS}]{{4}})\s*年\s*(?P<m>十[一二]?|{_ONE_TO_NINE})\s*月"
                        rf"\s*(?P<d>三十一?|二十{_ONE_TO_NINE}?|十{_ONE_TO_NINE}?|{_ONE_TO_NINE})\s*日")


# A signature's date alone on its line: 2024年7月16日, 2025年8月 (month only), 2024315日 (its 年/月 lost), 2025/12/2,
# 二〇二四年七月十六日. One definition for the header's signature, the reader's stop and the truncation check.
SIGNATURE_DATE_TEXT = (r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|(?:19|20)\d{2}年?\d{1,2}月?\d{1,2}日|"
                       r"(?:19|20)\d{2}(?:/\d{1,2}/|-\d{1,2}-|\.\d{1,2}\.)\d{1,2}|"   # 2025/12/2, 2025-12-02
                       + DATE_HANZI.pattern + ")")
SIGNATURE_DATE = re.compile(rf"^\s*{SIGNATURE_DATE_TEXT}\s*$")


# In running text a range writes its year once (二〇二四年九月十日至十月三十一日) and a stay may be told by
# month (二〇二四年十月中旬): the year is optional, the day too when a year or a part of the month
# (中旬, 底) says it is a date and not a count of months.
_HANZI_RUNNING = re.compile(rf"(?:(?P<y>[〇{CN_DIGIT_CHARS}]{{4}})\s*年\s*)?(?<![{CN_DIGIT_CHARS}十])"
                            rf"(?P<m>十[一二]?|{_ONE_TO_NINE})\s*月(?:\s*(?P<d>三十一?|二十{_ONE_TO_NINE}?|"
                            rf"十{_ONE_TO_NINE}?|{_ONE_TO_NINE})\s*日|(?P<part>[上中下]旬|初|底|末))?")


def _hanzi_dates(text: str, offset: int) -> list[PartialDate]:
    """
    >>> [(d.year, d.month, d.day) for d in _hanzi_dates("二〇二四年七月十六日", 0)]
    [(2024, 7, 16)]
    >>> [(d.year, d.month, d.day) for d in _hanzi_dates("二〇二四年九月十日至十月三十一日,三个月", 0)]
    [(2024, 9, 10), (None, 10, 31)]
    >>> [(d.year, d.month, d.day) for d in _hanzi_dates("二〇二四年九月至十一月,每三月一次", 0)]
    [(2024, 9, None), (None, 11, None)]
    """
    out: list[PartialDate] = []
    for m in _HANZI_RUNNING.finditer(text):
        closes = bool(out) and re.fullmatch(rf"\s*{RANGE_JOIN}\s*", text[out[-1].span[1] - offset:m.start()])
        if not (m["y"] or m["d"] or m["part"] or closes):
            continue  # 三月 alone: a count of months as often as a date (二〇二四年九月至十一月 closes a range)
        year = int("".join(str(CN_DIGITS[c]) for c in m["y"])) if m["y"] else None
        out.append(PartialDate(year, to_int(m["m"]), to_int(m["d"]) if m["d"] else None, m.group(0),
                               (offset + m.start(), offset + m.end())))
    return out


# What joins the two ends of a range: 至, 到, a dash of any width (-, –, —, ——, －) or a tilde (~, ～, 〜).
RANGE_JOIN = r"(?:至|到|——|—|–|-|－|~|～|〜)"
# A numeric date's end that writes its year once: 2024.3.15—6.12, 2024-03-15至06-12, 2024/3/15～6/12
# (same separator as the start, which must be right before the joiner).
_NUMERIC_TAIL = re.compile(rf"\s*{RANGE_JOIN}\s*(?P<m>1[0-2]|0?[1-9])(?P<sep>[-/.])(?P<d>3[01]|[12]\d|0?[1-9])(?![\d.\-/])")


def _numeric_tails(text: str, offset: int, found: list[PartialDate]) -> list[PartialDate]:
    out = []
    for m in ISO_DATE.finditer(text):
        tail = _NUMERIC_TAIL.match(text, m.end())
        if tail and tail["sep"] == text[m.start("m") - 1]:
            span = (offset + tail.start("m"), offset + tail.end())
            if not any(d.span[0] < span[1] and span[0] < d.span[1] for d in found):
                out.append(PartialDate(None, int(tail["m"]), int(tail["d"]), text[tail.start("m"):tail.end()], span))
    return out


# The weekday a date may carry in brackets: 2025年3月24日（星期一）.
WEEKDAY = r"(?:[(（](?:星期|周|礼拜)[一二三四五六日天][)）])"
# A range's end that writes the day alone, in the start's month: 2025年4月1日至30日.
_DAY_TAIL = re.compile(rf"\s*{WEEKDAY}?\s*{RANGE_JOIN}\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*日")


def _day_tails(text: str, offset: int, found: list[PartialDate]) -> list[PartialDate]:
    out = []
    for m in DATE_CN.finditer(text):
        tail = _DAY_TAIL.match(text, m.end()) if m.group(0).rstrip().endswith("日") else None
        if tail and _valid(int(m["m"]), int(tail["d"])) and int(tail["d"]) > int(m["d"]):
            span = (offset + tail.start("d"), offset + tail.end())
            if not any(d.span[0] < span[1] and span[0] < d.span[1] for d in found):
                year = int(m["y"]) if m["y"] else None
                out.append(PartialDate(year, int(m["m"]), int(tail["d"]), text[tail.start("d"):tail.end()], span))
    return out


# Month ranges that share one 月 or write months as numbers, always with a year first: 2024年3—6月,
# 2024.3—2024.6, 2024.03-2024.06 (a month alone after a dot is a date only as one end of such a pair).
_MONTH_PAIR = re.compile(rf"(?<![\d.])(?P<y>(?:19|20)\d{{2}})(?:\s*年\s*(?P<m>1[0-2]|0?[1-9])\s*{RANGE_JOIN}\s*(?P<m2>1[0-2]|0?[1-9])\s*月"
                         rf"|(?P<sep>[./])(?P<dm>1[0-2]|0?[1-9])\s*{RANGE_JOIN}\s*(?:(?P<y2>(?:19|20)\d{{2}})(?P=sep))?"
                         rf"(?P<dm2>1[0-2]|0?[1-9])(?![\d.\-/]))")


def _month_pairs(text: str, offset: int) -> list[PartialDate]:
    out = []
    for m in _MONTH_PAIR.finditer(text):
        if m["sep"] and text[m.end("dm"):m.end("dm") + 1] == m["sep"]:
            continue  # 2024.3.15: a day date, read by ISO_DATE
        first, second = ("m", "m2") if m["m"] else ("dm", "dm2")
        year2 = int(m["y2"]) if m["y2"] else None
        out.append(PartialDate(int(m["y"]), int(m[first]), None, text[m.start():m.end(first)],
                               (offset + m.start(), offset + m.end(first))))
        out.append(PartialDate(year2, int(m[second]), None, text[m.start(second) if not m["y2"] else m.start("y2"):m.end()],
                               (offset + (m.start("y2") if m["y2"] else m.start(second)), offset + m.end())))
    return out


def find_dates(text: str, offset: int = 0, *, lost: bool = False) -> list[PartialDate]:
    """All Chinese-style and ISO dates in `text`, in order; spans shifted by `offset`. With `lost`
    (the page dropped 年/月: `lost_separators`), run-together dates come first, with their readings."""
    found = (_lost_dates(text, offset) if lost else []) + _hanzi_dates(text, offset) + _month_pairs(text, offset)
    for pattern in (DATE_CN, ISO_DATE, MONTH_CN):
        for m in pattern.finditer(text):
            span = (offset + m.start(), offset + m.start() + len(m.group(0).rstrip()))
            if any(d.span[0] < span[1] and span[0] < d.span[1] for d in found):
                continue  # the month of a full date already found
            year = int(m["y"]) if m["y"] else None
            day = int(m["d"]) if "d" in m.re.groupindex else None
            found.append(PartialDate(year, int(m["m"]), day, m.group(0).strip(), span))
    found += _numeric_tails(text, offset, found)
    found += _day_tails(text, offset, found)
    found.sort(key=lambda d: d.span)
    return found


def resolve(date: PartialDate, year: int | None, *, after: tuple[int, int] | None = None) -> DateValue | None:
    """Give `date` a year: its own, else `year`, else the year of `after` (rolling over a new year
    when the month is earlier, since a later event cannot precede the anchor)."""
    inferred = date.year is None
    y = date.year
    if y is None and after is not None:
        a_year, a_month = after
        y = a_year + (1 if date.month < a_month else 0)
    if y is None:
        y = year
    if y is None:
        return None
    iso = f"{y:04d}-{date.month:02d}" + (f"-{date.day:02d}" if date.day is not None else "")
    return DateValue(iso, date.text, date.span, inferred)


def resolve_sequence(dates: list[PartialDate], context_year: int | None = None) -> list[DateValue | None]:
    """Resolve dates that follow each other in time (start, end, feedback): each missing year comes
    from the previous resolved date, then from `context_year`."""
    out: list[DateValue | None] = []
    prev: tuple[int, int] | None = None
    for d in dates:
        value = resolve(d, context_year, after=prev)
        out.append(value)
        if value is not None:
            prev = (int(value.iso[:4]), d.month)
    return _years_from_later(dates, out)


def _years_from_later(dates: list[PartialDate], values: list[DateValue | None]) -> list[DateValue | None]:
    """Dates left without a year before the first one that has it take its year, a year earlier when
    their month is later ('3月15日至6月12日,2024年8月13日反馈' -> 2024; '11月至12月,2025年2月反馈' -> 2024)."""
    later = next((i for i, v in enumerate(values) if v is not None), None)
    if later is None or later == 0:
        return values
    out = list(values)
    year, month = int(values[later].iso[:4]), dates[later].month
    for i in range(later - 1, -1, -1):
        d = dates[i]
        if d.month <= 0:
            return values
        if d.month > month:
            year -= 1
        month = d.month
        v = resolve(d, year)
        out[i] = DateValue(v.iso, v.text, v.span, True) if v else None
    return out


def _choose(date: PartialDate, reading: Reading, prev_month: int | None) -> PartialDate:
    year, month, day = reading
    return PartialDate(year, month if month is not None else (prev_month or 0), day, date.text, date.span)


def _day(v: DateValue) -> date:
    parts = [int(x) for x in v.iso.split("-")] + [1]
    return date(*parts[:3])


def _days(a: DateValue, b: DateValue) -> int:
    return (_day(b) - _day(a)).days


def _implausible(values: list[DateValue | None], report_iso: str | None) -> float:
    """How far resolved (start, end, feedback) are from an inspection calendar: each in order, before
    the report; an inspection lasts about a week to half a year, feedback follows within a year."""
    if any(v is None for v in values):
        return 1e6
    cost = 0.0
    for a, b in itertools.pairwise(values):
        gap = _days(a, b)
        cost += 1000 if gap < 0 else (10 if gap > 365 else 0) + gap / 1000
    if len(values) >= 2:
        stay = _days(values[0], values[1])
        cost += 10 if stay < 5 or stay > 200 else 0
    if report_iso and values and values[-1].iso[:len(report_iso)] > report_iso[:len(values[-1].iso)]:
        cost += 1000
    return cost


def resolve_calendar(dates: list[PartialDate], context_year: int | None = None,
                     report_iso: str | None = None) -> list[DateValue | None]:
    """`resolve_sequence` for an inspection's (start, end, feedback) when some dates were run together:
    every combination of their readings is resolved and the one that best fits the inspection
    calendar (start <= end <= feedback <= report date, plausible lengths) wins. A date read from
    run-together digits is flagged `year_inferred` (its split, not only its year, came from context)."""
    if not any(d.readings for d in dates):
        return resolve_sequence(dates, context_year)
    options = [d.readings or ((d.year, d.month, d.day),) for d in dates]
    best, best_cost = None, float("inf")
    for combo in itertools.product(*options):
        chosen, prev_month = [], None
        for d, reading in zip(dates, combo, strict=True):
            c = _choose(d, reading, prev_month)
            chosen.append(c)
            prev_month = c.month
        if any(c.month == 0 for c in chosen):
            continue
        values = resolve_sequence(chosen, context_year)
        cost = _implausible(values, report_iso)
        if cost < best_cost:
            best, best_cost = values, cost
    if best is None:
        return [None] * len(dates)
    return [DateValue(v.iso, v.text, v.span, True) if v is not None and d.readings else v
            for d, v in zip(dates, best, strict=True)]

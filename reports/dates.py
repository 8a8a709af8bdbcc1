"""Dates as reports write them: 2020年3月10日, 至6月5日 (no year), 2022年11月15 (no 日), 2022-01-17,
and month-only dates (2024年3月, 6月上旬) that resolve to YYYY-MM."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model import DateValue, Span

__all__ = ["DATE_CN", "ISO_DATE", "MONTH_CN", "PartialDate", "find_dates", "resolve", "resolve_sequence"]

# Year optional; day optional-terminated ("2022年11月15市委" lacks 日). The day must not run into
# more digits, so "11月151" is not read as day 15.
DATE_CN = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?P<m>1[0-2]|0?[1-9])\s*月\s*(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)\s*日?")
# A month without a day: 2024年3月, 6月上旬, 12月底. Not a day date's month (no digit may follow),
# not a duration (3个月) and not 月份 counts of a list (1-6月份 still reads as a month).
MONTH_CN = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?<![\d个])(?P<m>1[0-2]|0?[1-9])\s*月(?!\s*\d)"
                      r"(?:[上中下]旬|初|中|底|末|份)?")
ISO_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/.](?P<m>1[0-2]|0?[1-9])[-/.](?P<d>3[01]|[12]\d|0?[1-9])(?!\d)")


@dataclass(frozen=True)
class PartialDate:
    """A date found in text whose year may be missing until context supplies it."""

    year: int | None
    month: int
    day: int | None  # None: the text gives only the month
    text: str
    span: Span


def find_dates(text: str, offset: int = 0) -> list[PartialDate]:
    """All Chinese-style and ISO dates in `text`, in order; spans shifted by `offset`."""
    found = []
    for pattern in (DATE_CN, ISO_DATE, MONTH_CN):
        for m in pattern.finditer(text):
            span = (offset + m.start(), offset + m.start() + len(m.group(0).rstrip()))
            if any(d.span[0] < span[1] and span[0] < d.span[1] for d in found):
                continue  # the month of a full date already found
            year = int(m["y"]) if m["y"] else None
            day = int(m["d"]) if "d" in m.re.groupindex else None
            found.append(PartialDate(year, int(m["m"]), day, m.group(0).strip(), span))
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
    return out

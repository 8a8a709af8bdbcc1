"""Tables that reach us as plain text without any table markup, turned into rows of tab-joined cells (what
the HTML and Word readers make of a real table, and what the table reader in reports/parse/table.py
reads). Two shapes of copy, each recognised by its geometry, never by a table's words:

- **one cell per line** (a Word table pasted as text): a header of K short column names on K lines of
  their own, then rows of K lines each, every row opening with its number (1, 2, 3 …), with one-line
  headings (一、…方面) allowed between rows;
- **columns aligned with spaces** (a fixed-width print): a header line of short names set apart by runs
  of spaces, rows whose first cell is the row's number, and cells wrapped onto the lines below, each
  continuation standing in its column. Cells are cut by display column (a Han character is two wide)
  and a wrapped cell is joined back into one.

A text with neither shape is returned as it is. docs/decisions.md ("Third pass: author L")."""
from __future__ import annotations

import re

from reports.grammar.normalize import display_width

__all__ = ["text_tables"]

MIN_COLUMNS = 3        # a table has a number or problem column, a problem and a rectification at least
MAX_NAME = 8           # characters of a column name
MIN_ROWS = 2
_NAME = re.compile(rf"^[\u4e00-\u9fff（）()/]{{2,{MAX_NAME}}}$")
_NUMBER = re.compile(r"^(?P<n>\d{1,3})[.、．]?$")   # a row's number cell: 1 / 1. / 1、
_GAP = re.compile(r"\s{2,}|\u3000+")
_SEGMENT = re.compile(r"[^\s]+(?: [^\s]+)*")   # a run of text: single spaces inside, two or a 　 around it
ALIGN_SLACK = 2         # display columns a cell may start before its column
_RULE = re.compile(r"^\s*[-─━=═_—–]{10,}\s*$")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）])\S")


def text_tables(text: str) -> str:
    """`text` with its tables of either shape as tab-joined rows; unchanged when it has none."""
    lines = text.split("\n")
    cells = _cell_lines(lines)
    aligned = _aligned(cells if cells is not None else lines)
    out = aligned if aligned is not None else cells
    return text if out is None else "\n".join(out)


def _number(cell: str) -> int | None:
    m = _NUMBER.match(cell)
    return int(m["n"]) if m else None


# -- one cell per line -------------------------------------------------------------------------------


def _cell_lines(lines: list[str]) -> list[str] | None:
    out: list[str] = []
    start = done = 0
    while start < len(lines):
        k = _header_run(lines, start)
        rows, end = _rows(lines, start + k, k) if k is not None else ([], start)
        if k is None or len(rows) < MIN_ROWS:
            start += 1
            continue
        out += [*lines[done:start], "\t".join(s.strip() for s in lines[start:start + k]), *rows]
        start = done = end
    return out + lines[done:] if done else None


def _header_run(lines: list[str], start: int) -> int | None:
    """K when lines[start:start+K] are K >= 3 column names and the line after them is row 1's number."""
    if start > 0 and _NAME.match(lines[start - 1].strip()):
        return None   # not the first name of the run (each run is scanned once)
    k = 0
    while start + k < len(lines) and _NAME.match(lines[start + k].strip()):
        k += 1
    if k < MIN_COLUMNS or start + k >= len(lines):
        return None
    first = lines[start + k].strip()
    if _HEADING.match(first) and start + k + 1 < len(lines):
        first = lines[start + k + 1].strip()
    return k if _number(first) == 1 else None


def _rows(lines: list[str], at: int, k: int) -> tuple[list[str], int]:
    """Rows of k lines each, numbered on; a heading line between rows stays a line of its own."""
    rows: list[str] = []
    n = 1
    while at < len(lines):
        line = lines[at].strip()
        if _HEADING.match(line) and at + 1 < len(lines) and _number(lines[at + 1].strip()) == n:
            rows.append(line)
            at += 1
            continue
        cells = [s.strip() for s in lines[at:at + k]]
        if _number(line) != n or len(cells) < k or not all(cells) or any(_NUMBER.match(c) for c in cells[1:]):
            break
        rows.append("\t".join(cells))
        at += k
        n += 1
    return rows, at


# -- columns aligned with spaces ------------------------------------------------------------------------


def _aligned(lines: list[str]) -> list[str] | None:
    out: list[str] = []
    h = done = 0
    while h < len(lines):
        columns = _header_columns(lines[h])
        rows, end = _aligned_rows(lines, h + 1, columns) if columns is not None else ([], h)
        if columns is None or sum(1 for r in rows if r is not None and "\t" in r) < MIN_ROWS:
            h += 1
            continue
        out += [*lines[done:h], "\t".join(_cut(lines[h], columns)), *(r for r in rows if r is not None)]
        h = done = end
    return out + lines[done:] if done else None


def _header_columns(line: str) -> list[int] | None:
    """Display columns where the header's names start, when the line is three or more short names set
    apart by two spaces or more."""
    names = [s for s in _GAP.split(line.strip()) if s]
    if len(names) < MIN_COLUMNS or not all(_NAME.match(s) for s in names) or not _GAP.search(line.strip()):
        return None
    columns, pos = [], 0
    for name in names:
        at = line.index(name, pos)
        columns.append(display_width(line[:at]))
        pos = at + len(name)
    return columns


def _cut(line: str, columns: list[int]) -> list[str]:
    """The line's text per column. Each run of text set apart by two spaces or more goes to the column it
    starts in (a few display columns early still counts: a hand-aligned copy is off by one here and
    there); a run reaching well into the next column is cut where each column starts."""
    cells = [""] * len(columns)
    for m in _SEGMENT.finditer(line):
        start = display_width(line[:m.start()])
        k = _column(columns, start + ALIGN_SLACK)
        if k + 1 < len(columns) and start + display_width(m.group(0)) > columns[k + 1] + ALIGN_SLACK:
            for ch, at in _positions(m.group(0), start):
                cells[_column(columns, at)] += ch
        else:
            cells[k] += m.group(0)
    return [c.strip() for c in cells]


def _column(columns: list[int], at: int) -> int:
    return max((i for i, c in enumerate(columns) if c <= at), default=0)


def _positions(text: str, start: int):
    for ch in text:
        yield ch, start
        start += display_width(ch)


def _aligned_rows(lines: list[str], at: int, columns: list[int]) -> tuple[list[str | None], int]:
    """Rows opening with their number in the first column, wrapped cells joined; rule lines dropped
    (None), headings kept; the table ends at the first line that is none of these."""
    rows: list[str | None] = []
    current: list[str] | None = None
    n = 1
    while at < len(lines):
        line = lines[at]
        if _RULE.match(line) or not line.strip():
            rows.append(None)   # a rule, or the blank line between rows
            at += 1
            continue
        cells = _cut(line, columns)
        if _number(cells[0]) == n and sum(1 for c in cells if c) >= 2:
            current = cells
            rows.append("")
            n += 1
        elif _HEADING.match(line) and display_width(line) - display_width(line.lstrip()) < columns[1]:
            current = None
            rows.append(line.strip())
            at += 1
            continue
        elif current is not None and not cells[0]:
            current = [a + b for a, b in zip(current, cells, strict=True)]
        else:
            break
        rows[_last_row(rows)] = "\t".join(current)
        at += 1
    while rows and rows[-1] is None:
        rows.pop()
        at -= 1
    return rows, at


def _last_row(rows: list[str | None]) -> int:
    return max(i for i, r in enumerate(rows) if r is not None and (r == "" or "\t" in r))

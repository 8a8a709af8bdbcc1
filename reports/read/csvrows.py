"""A ledger exported as CSV and read as plain text (台账 saved from a spreadsheet): a header line of short
column names joined by commas, then rows of as many comma-separated cells, a cell quoted when it holds a
comma or a line break. The rows become tab-joined cells on one line each (a quoted cell's own line breaks
become spaces), which is what the table reader in reports/parse/table.py reads; title and preamble lines
padded with commas (标题,,,,,,) lose the padding. Recognised by its shape (the header's cell count met by
the rows that follow), never by a column's words. docs/decisions.md ("Fourth pass")."""
from __future__ import annotations

import csv
import io
import re

__all__ = ["csv_rows"]

MIN_COLUMNS = 3
MIN_ROWS = 2
MAX_NAME = 8
_NAME = re.compile(rf"^[\u4e00-\u9fff（）()/]{{2,{MAX_NAME}}}$")


def _header(line: str) -> int | None:
    """The number of columns when the line is a header of short column names joined by commas."""
    names = line.strip().split(",")
    if len(names) >= MIN_COLUMNS and all(_NAME.match(n.strip()) for n in names):
        return len(names)
    return None


def _padded(line: str) -> str:
    """A line that is one cell and empty ones (标题,,,, / "按照…,…。",,,,): the cell alone."""
    if not line.rstrip().endswith(","):
        return line
    try:
        cells = next(csv.reader([line.rstrip()]))
    except (csv.Error, StopIteration):
        return line
    full = [c for c in cells if c.strip()]
    return "" if not full else full[0] if len(full) == 1 and cells[0] == full[0] else line


def csv_rows(text: str) -> str:
    """`text` with a CSV table as tab-joined rows; unchanged when it has none."""
    lines = text.split("\n")
    at = next((i for i, ln in enumerate(lines) if _header(ln)), None)
    if at is None:
        return text
    width = _header(lines[at])
    rows, used = [], 0
    reader = csv.reader(io.StringIO("\n".join(lines[at:])))
    try:
        for cells in reader:
            if len(cells) != width:
                break
            rows.append("\t".join(re.sub(r"\s*\n\s*", " ", c).strip() for c in cells))
            used = reader.line_num
    except csv.Error:
        return text
    if len(rows) - 1 < MIN_ROWS:
        return text
    before = [_padded(ln) for ln in lines[:at]]
    after = [_padded(ln) for ln in lines[at + used:]]
    return "\n".join([*before, *rows, *after])

"""Problems given as a table (整改清单: 序号 | 反馈问题 | 整改措施 | 责任单位 | 完成情况), as .html and .docx
reports often publish them. The readers render a table row as one line, cells joined by a tab; a
header row that names a problem column and a rectification column makes the rows below it problems,
read by their columns, not by numbering. docs/decisions.md (Reading unseen layouts)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from reports.grammar.markers import parse_marker
from reports.grammar.numerals import to_int
from reports.model import Category, Problem
from reports.status import find_status, noted_status

from .legend import read_word_legend
from .lines import Line
from .measures import RECT_LABEL, split_measures
from .schemes import CAT, H1

__all__ = ["read_table"]

MAX_HEADER_CELL = 12    # a column name is short; a longer cell is a row's content
# What a column holds, by its name. Order matters: a category column (问题类别) names 问题 too.
COLUMNS = (
    ("number", re.compile(r"^(?:序号|编号|序|号)$")),
    ("category", re.compile(r"(?:类别|类型|方面|领域|板块|分类)")),
    ("deadline", re.compile(r"(?:时限|期限|时间|日期|责任|牵头|单位|领导|部门|备注)")),
    ("status", re.compile(r"(?:完成情况|进展情况|整改进展|整改进度|整改状态|完成状态|进度|状态|整改结果|是否完成|落实情况|整改成效|^进展$|办理结果|[评验]\w结论)")),
    ("measures", re.compile(r"(?:整改措施|整改举措|措施|整改情况|整改落实情况|整改内容|整改工作)")),
    ("problem", re.compile(r"问题|反馈意见|存在的?不足")),
)


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    text: str


def _cells(line: Line) -> list[Cell]:
    out, pos = [], line.start
    for part in line.text.split("\t"):
        lead = len(part) - len(part.lstrip())
        body = part.strip()
        if body:
            out.append(Cell(pos + lead, pos + lead + len(body), body))
        pos += len(part) + 1
    return out


def _columns(line: Line) -> list[str] | None:
    """The header row's column kinds, or None when the line is no problem table's header: every
    cell a short column name, one of them the problems and one their rectification (measures or
    status)."""
    if "\t" not in line.text:
        return None
    kinds = []
    for cell in _cells(line):
        if len(cell.text) > MAX_HEADER_CELL:
            return None
        kinds.append(next((kind for kind, pattern in COLUMNS if pattern.search(cell.text)), "other"))
    if "problem" not in kinds or not ({"measures", "status"} & set(kinds)):
        return None
    if "measures" not in kinds:   # 整改落实情况 / 整改进展 alone holds the actions, as its label does in text
        kinds[kinds.index("status")] = "measures"
    cells = [c.text for c in _cells(line)]
    actions = [i for i, k in enumerate(kinds) if k == "measures" and ("措施" in cells[i] or "举措" in cells[i])]
    for i, kind in enumerate(kinds):   # beside a 整改措施 column, 整改情况 reports where the work stands
        if kind == "measures" and actions and i not in actions and "status" not in kinds:
            kinds[i] = "status"
    return kinds


def _aligned(kinds: list[str], cells: list[Cell]) -> dict[str, Cell]:
    """Cells of a row by column kind. A row with fewer cells lost a merged one (a category or number
    spanning several rows): those columns are dropped first (the category's when the row still opens with
    its number), then the rest align from the right."""
    if len(cells) < len(kinds):
        missing = len(kinds) - len(cells)
        spans = [i for i, k in enumerate(kinds) if k in ("category", "number")]
        if kinds[0] == "number" and to_int(cells[0].text) is not None:
            spans.sort(key=lambda i: kinds[i] == "number")   # the row has its number: the category cell is merged
        spans = spans[:missing]
        kinds = [k for i, k in enumerate(kinds) if i not in spans]
    kinds = kinds[-len(cells):] if len(cells) < len(kinds) else kinds
    return {k: c for k, c in zip(kinds, cells[-len(kinds):] if len(cells) > len(kinds) else cells, strict=False)
            if k not in ("other", "deadline")}


def read_table(text: str, lines: list[Line]) -> list[Category]:
    """Categories and problems of the report's problem table(s); [] when it has none. A row of one
    cell inside a table (一、政治建设方面) or a category column starts a category."""
    categories: list[Category] = []
    kinds: list[str] | None = None
    n = 0
    words: dict[str, str] | None = None   # the report's own legend of status words, read when a table is
    for i, ln in enumerate(lines):
        header = _columns(ln)
        if header:
            kinds = header
            continue
        if kinds is None:
            continue
        if "\t" not in ln.text:
            following = lines[i + 1].text if i + 1 < len(lines) else ""
            heading = H1.match(ln.text) or CAT.match(ln.text)
            if heading and "\t" in following:
                categories.append(Category(len(categories) + 1, ln.text[:len(ln.text) - len(heading["t"])].strip(),
                                           heading["t"].strip(), (ln.start, ln.end)))
                continue
            kinds = None   # the table ended
            continue
        row = _aligned(kinds, _cells(ln))
        problem_cell = row.get("problem")
        if problem_cell is None:
            continue
        if "category" in row and (not categories or categories[-1].title != row["category"].text):
            c = row["category"]
            categories.append(Category(len(categories) + 1, "", c.text, (c.start, c.end)))
        if not categories:
            categories.append(Category(1, "", "", (0, 0)))
        category = categories[-1]
        n += 1
        number = row.get("number")
        own = parse_marker(problem_cell.text) if number is None else None
        if own is not None and own.index is not None:   # | 1.学习不深入 | …: the cell carries its own number
            label, body = problem_cell.text[:own.body].strip(), problem_cell.text[own.body:]
            problem_cell = Cell(problem_cell.end - len(body), problem_cell.end, body)
        else:
            label = number.text if number else ""
        ident = str((to_int(number.text) if number else own.index if own is not None else None) or n)
        problem = Problem(ident, label, problem_cell.text,
                          (problem_cell.start, problem_cell.end), category.ordinal)
        measures_cell, status_cell = row.get("measures"), row.get("status")
        rect = measures_cell or status_cell
        problem.rectification_span = (rect.start, rect.end)
        problem.rectification = rect.text
        lead = RECT_LABEL.match(measures_cell.text) if measures_cell else None   # | 整改措施:①… |: the cell's label
        problem.measures = split_measures(text, (measures_cell.start + (lead.end() if lead else 0), measures_cell.end)) \
            if measures_cell else []
        if status_cell is not None and words is None:
            words = read_word_legend(text)
        problem.status = ((words.get(status_cell.text.strip("。. ")) or noted_status(status_cell.text)
                           or find_status(status_cell.text)) if status_cell and words is not None else None) \
            or (find_status(measures_cell.text) if measures_cell else None)
        category.problems.append(problem)
    return [c for c in categories if c.problems]

"""A table written as cards ("one problem, one card"): each row of a ledger set out as a block of field lines
(【序号】1 / 【问题类别】… / 【问题表述】… / 【整改措施】… / 【整改状态】…), the blocks parted by rules or blank
lines. The cards become tab-joined rows under a header of the field names: what the table reader in
reports/parse/table.py reads, so a category given only as a field value repeated on each card, the problem,
its measures and its status fall in their columns. Recognised by shape, never by a field's words: two or
more consecutive cards with the same three or more field names in the same order, the first field holding
the card's running number (1, 2, 3 …). docs/decisions.md ("Fourth pass")."""
from __future__ import annotations

import re

__all__ = ["bar_records", "record_rows"]

MIN_FIELDS = 3
MIN_CARDS = 2
_FIELD = re.compile(r"^\s*(?:【(?P<a>[\u4e00-\u9fff]{2,8})】|(?P<b>[\u4e00-\u9fff]{2,8})[:：])\s*(?P<v>.*?)\s*$")
_PARTING = re.compile(r"^\s*(?:[-－─━=═_—–*＊·]{4,})?\s*$")   # a rule or a blank line between cards


def _cards(lines: list[str]) -> list[tuple[int, int, tuple[str, ...], list[str]]]:
    """(first line, end line, field names, values) of every run of field lines."""
    out, i = [], 0
    while i < len(lines):
        j = i
        names, values = [], []
        while j < len(lines) and (m := _FIELD.match(lines[j])):
            names.append(m["a"] or m["b"])
            values.append(m["v"])
            j += 1
        if j - i >= MIN_FIELDS:
            out.append((i, j, tuple(names), values))
        i = max(j, i + 1)
    return out


def _numbered(group: list) -> bool:
    return all(values[0].strip().rstrip(".、") == str(k) for k, (_, _, _, values) in enumerate(group, 1))


def record_rows(text: str) -> str:
    """`text` with its cards as a header row and one tab-joined row per card; unchanged when it has none."""
    lines = text.split("\n")
    cards = _cards(lines)
    group: list = []
    for card in cards:
        if group and (card[2] != group[-1][2] or not all(_PARTING.match(ln) for ln in lines[group[-1][1]:card[0]])):
            if len(group) >= MIN_CARDS and _numbered(group):
                break
            group = []
        group.append(card)
    if len(group) < MIN_CARDS or not _numbered(group):
        return text
    rows = ["\t".join(group[0][2]), *("\t".join(v.replace("\t", " ") for v in values) for *_, values in group)]
    return "\n".join([*lines[:group[0][0]], *rows, *lines[group[-1][1]:]])


# A record on one line, its fields parted by bars: 1｜反馈问题：…｜整改措施：…｜进展：… (the running number first).
HEADING_MAX = 40
_BAR = re.compile(r"\s*[｜|]\s*(?=[\u4e00-\u9fff]{2,8}[:：])")
_BAR_HEAD = re.compile(r"^\s*(?P<n>\d{1,3})\s*$")
_BAR_FIELD = re.compile(r"^(?P<name>[\u4e00-\u9fff]{2,8})[:：]\s*(?P<v>.*?)\s*$")


def _bar_record(line: str) -> tuple[int, tuple[str, ...], list[str]] | None:
    parts = _BAR.split(line)
    head = _BAR_HEAD.match(parts[0])
    fields = [_BAR_FIELD.match(p) for p in parts[1:]]
    if not head or len(fields) < MIN_FIELDS - 1 or not all(fields):
        return None
    return int(head["n"]), tuple(f["name"] for f in fields), [f["v"] for f in fields]


def bar_records(text: str) -> str:
    """`text` with records written one per line, fields parted by bars (1｜反馈问题：…｜整改措施：…｜进展：…),
    as a header row of the field names and one tab-joined row per record, the lines between them (a
    category's heading) kept where they are; unchanged unless two or more such lines share their field
    names and count up from 1. Recognised by shape, never by a field's words, as cards are."""
    lines = text.split("\n")
    found = [(i, r) for i, ln in enumerate(lines) if (r := _bar_record(ln))]
    if len(found) < MIN_CARDS or len({r[1] for _, r in found}) != 1 \
            or [r[0] for _, r in found] != list(range(1, len(found) + 1)):
        return text
    for i, (n, _, values) in found:
        lines[i] = "\t".join([str(n), *(v.replace("\t", " ") for v in values)])
    first = found[0][0]
    above = next((k for k in range(first - 1, -1, -1) if lines[k].strip()), None)
    if above is not None and len(lines[above].strip()) <= HEADING_MAX and "。" not in lines[above]:
        first = above   # the first record's category heading (一、…方面) is the table's first one-cell row
    return "\n".join([*lines[:first], "\t".join(("序号", *found[0][1][1])), *lines[first:]])

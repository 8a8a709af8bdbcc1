"""A table written as cards ("one problem, one card"): each row of a ledger set out as a block of field lines
(【序号】1 / 【问题类别】… / 【问题表述】… / 【整改措施】… / 【整改状态】…), the blocks parted by rules or blank
lines. The cards become tab-joined rows under a header of the field names: what the table reader in
reports/parse/table.py reads, so a category given only as a field value repeated on each card, the problem,
its measures and its status fall in their columns. Recognised by shape, never by a field's words: two or
more consecutive cards with the same three or more field names in the same order, the first field holding
the card's running number (1, 2, 3 …). docs/decisions.md ("Fourth pass")."""
from __future__ import annotations

import re

__all__ = ["record_rows"]

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

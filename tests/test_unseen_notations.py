"""Notations of the third pass (docs/decisions.md, "Third pass: author L as development set"): marker families
by glyph block, series and code, pictograph bullets, and the status and table forms around them, each on
small documents built here in wordings of their own (not the outside author's)."""
from __future__ import annotations

import pytest

from reports.grammar.markers import induce_families, marker_index, parse_marker
from reports.parse.lines import split_lines


@pytest.mark.parametrize(("line", "label", "index", "body"), [
    ("㈢ 食堂管理不规范", "{o}", 3, "食堂管理不规范"),      # parenthesised ideograph
    ("㊁食堂管理不规范", "{o}", 2, "食堂管理不规范"),       # circled ideograph
    ("❷ 食堂管理不规范", "{o}", 2, "食堂管理不规范"),      # dingbat digit: a number, not a bullet
    ("丁、财务管理方面", "{g}.", 4, "财务管理方面"),        # the heavenly stems 甲乙丙丁…
    ("3️⃣ 财务管理方面", "{d}\u20e3", 3, "财务管理方面"),   # keycap digit, emoji selector and all
    ("4\u20e3财务管理方面", "{d}\u20e3", 4, "财务管理方面"),
    ("C2 车辆使用登记不全", "{a}{d}", 2, "车辆使用登记不全"),   # a code: category letter + item number
    ("其三，车辆使用登记不全", "其{c},", 3, "车辆使用登记不全"),
    ("🟢 车辆使用登记不全", "🟢", None, "车辆使用登记不全"),    # any pictograph as a bullet
    ("➜整改：建立台账", "➜", None, "整改：建立台账"),
])
def test_third_pass_marker_shapes(line, label, index, body):
    m = parse_marker(line)
    assert m is not None and m.shape.label() == label and m.index == index and line[m.body:] == body
    match = m.shape.pattern().match(line)
    assert match is not None and match["t"] == body
    if index is not None:
        assert marker_index(match["n"]) == index


@pytest.mark.parametrize("line", ["甲方：某某公司", "乙类传染病防控", "A4纸打印", "─────────", "其中，3人", "═══ 表 ═══"])
def test_third_pass_prose_is_no_marker(line):
    assert parse_marker(line) is None


def test_a_glyph_block_is_one_list():
    """⑴ ⑵ problems holding ① ② items are two families: a list keeps to one glyph block, as 1. and (1) do."""
    lines = split_lines("\n".join(["⑴车辆管理不严。", "⑵食堂管理不规范，表现在：", "①采购无台账。", "②账目不清。",
                                   "⑶接待超标。"]))
    fams = {f.shape.block: f.items for f in induce_families(lines)}
    assert sorted(fams.values()) == [[0, 1, 4], [2, 3]]


def test_a_code_counts_within_its_letter():
    """A1 A2 | B1: the letter moves on and the number restarts, one family, as 1-1 1-2 | 2-1."""
    lines = split_lines("\n".join(["A1 甲", "A2 乙", "B1 丙", "B2 丁", "C1 戊"]))
    (fam,) = induce_families(lines)
    assert [len(r) for r in fam.runs] == [2, 2, 1]

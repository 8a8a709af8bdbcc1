"""Features of a report's body lines for the learned line-role reader (reports/parse/roles.py): none names an
author's strings. The line's marker (reports/grammar/markers.py: shape, script, closing mark, family,
level, the family's label evidence, the grammar's own reading as evidence), an opening token or glyph the
grammar does not read, the project's label, field, status and closing patterns, length, punctuation,
position, and the same few facts of the lines around it. docs/decisions.md ("A learned line-role reader")."""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import TYPE_CHECKING

from reports.grammar.markers import BULLETS, induce_families, induce_levels, parse_marker
from reports.status import STATUS_FIELD, status_sentence

from .induced import (
    FIELD,
    PLANS,
    choose_levels,
    heading_line,
    label_votes,
    own_label_pattern,
    owner_of,
)
from .lines import Line
from .measures import PROGRESS_FIELD, RECT_LABEL
from .schemes import HEAD_MAX, INLINE_RECT
from .structure import CLOSING, STATUS_TAG_HEAD, STATUS_TAG_TAIL

if TYPE_CHECKING:   # imported when features are built, not when reports.parse is (cold start)
    import numpy as np

__all__ = ["LEAD_TOKEN", "clean_lines", "line_features", "token_shape"]

SCRIPTS = ("d", "c", "f", "o", "a", "dd", "ad", "w", "b")   # w: ordinal words (首先，其次，最后，)
CLOSES = (".", ":", ")", "】", "|", ",", " ", "")
KEYCAP = re.compile(r"^[0-9#*]\ufe0f?\u20e3")
DECORATION = {"So", "Sm", "Sk", "Mn", "Me", "Cf"}   # emoji, arrows, variation selectors, joiners
# A short token that opens a line and is set off by a separator (A1 / ㈠ / 甲、 / 其一,): a list item the
# grammar's markers may not know; its shape keeps the character classes, not the characters.
LEAD_TOKEN = re.compile(r"^(?P<t>[^\s、.．,，:：)）】\]]{1,3})(?:[、.．,，:：)）】\]]|\s+)(?=\S)")


def _glyph_end(text: str) -> int:
    """Where a line's decorative glyphs end (📌 / 🔹 / ✅ / → / 1️⃣ before the text): symbols that are not
    the grammar's own bullets (those are markers) and not ASCII (a | opens a table row)."""
    k = 0
    while k < len(text):
        cap = KEYCAP.match(text, k)
        if cap:
            k = cap.end()
        elif (text[k] not in BULLETS and not text[k].isascii()
              and unicodedata.category(text[k]) in DECORATION) or (text[k].isspace() and k):
            k += 1
        else:
            break
    return k


def clean_lines(lines: list[Line]) -> tuple[list[Line], list[str]]:
    """The lines without their decorative glyphs (the glyphs kept beside them): 🔹整改措施: is a label and
    ✅ 已完成 a status line to every pattern of the project once the glyph is off."""
    out, glyphs = [], []
    for ln in lines:
        k = _glyph_end(ln.text)
        glyphs.append(ln.text[:k].strip())
        out.append(Line(ln.start + k, ln.end, ln.text[k:]) if 0 < k < len(ln.text) else ln)
    return out, glyphs


def token_shape(text: str) -> str | None:
    """The class shape of a line's opening token (A1 -> ad, ㈠ -> n, 甲、 -> h、), or None."""
    m = LEAD_TOKEN.match(text)
    if not m:
        return None
    classes = "".join("d" if c.isdigit() else "a" if c.isascii() and c.isalpha()
                      else "n" if unicodedata.category(c) == "No" else "h" if "\u4e00" <= c <= "\u9fff" else c
                      for c in m["t"])
    return classes + text[m.end("t"):m.end()].strip()


def _base(lines: list[Line], i: int, ctx: dict) -> dict[str, float]:
    """Features of line i alone and of its marker family."""
    text = lines[i].text
    f: dict[str, float] = {}
    m = parse_marker(text)
    f["marker"] = float(m is not None)
    for s in SCRIPTS:
        f[f"script_{s}"] = float(m is not None and m.shape.script == s)
    for c in CLOSES:
        f[f"close_{c or 'none'}"] = float(m is not None and m.shape.script != "b" and m.shape.close == c)
    f["open_bracket"] = float(m is not None and bool(m.shape.open))
    f["prefix"] = float(m is not None and bool(m.shape.prefix))
    f["counter"] = float(m is not None and bool(m.shape.counter))
    f["index_one"] = float(m is not None and m.index == 1)
    glyph = ctx["glyphs"][i]
    f["glyph"] = float(bool(glyph))
    f["glyph_repeats"] = float(bool(glyph) and ctx["glyph_count"][glyph] >= 2)
    shape = ctx["shapes"][i]
    f["token"] = float(shape is not None and m is None)
    f["token_repeats_log"] = math.log1p(ctx["shape_count"][shape]) if shape is not None and m is None else 0.0
    body = text[m.body:] if m is not None else text
    k = ctx["owner"].get(i)
    levels = ctx["levels"]
    f["family"] = float(k is not None)
    depth = levels.depth(k) if k is not None else -1
    for d in range(4):
        f[f"depth_{d}"] = float(depth == d if d < 3 else depth >= 3)
    fam = levels.families[k] if k is not None else None
    items = len(fam.items) if fam else 0
    f["family_items_log"] = math.log1p(items)
    f["family_restarts"] = float(fam is not None and len(fam.runs) > 1)
    f["family_labelled_share"] = ctx["votes"].get(k, 0) / items if items else 0.0
    f["family_has_children"] = float(k is not None and bool(levels.children(k)))
    stated = ctx["stated"]
    f["family_is_stated_problems"] = float(items > 0 and items == stated.get("problems"))
    f["family_is_stated_categories"] = float(items > 0 and items == stated.get("categories"))
    f["item_labelled"] = float(i in ctx["voted"])
    reading = ctx["reading"]
    f["grammar_problem"] = float(reading is not None and ((k is not None and k == reading.problem)
                                                          or i in reading.heads))
    f["grammar_category"] = float(reading is not None and ((k is not None and k == reading.category)
                                                           or i in reading.category_heads))
    f["grammar_sub"] = float(reading is not None and k is not None and k == reading.sub)
    n = len(body)
    f["len_log"] = math.log1p(n)
    f["short"] = float(n <= HEAD_MAX)
    f["very_short"] = float(n <= 20)
    f["ends_full_stop"] = float(body.endswith(("。", ".")))
    f["inner_full_stop"] = float("。" in body.rstrip("。"))
    f["ends_colon"] = float(body.endswith((":", "：")))
    f["ends_semicolon"] = float(body.endswith((";", "；")))
    f["rect_label"] = float(bool(RECT_LABEL.match(text)) or bool(ctx["own"] and ctx["own"].match(text)))
    f["progress_field"] = float(bool(PROGRESS_FIELD.match(text)))
    f["status_field"] = float(bool(STATUS_FIELD.match(body)))   # 办理结果：完成 / 评估结论：… on a line of its own
    f["field"] = float(bool(FIELD.match(body)))
    f["inline_rect"] = float(bool(INLINE_RECT.search(text)))
    f["status_sentence"] = float(status_sentence(body) is not None)
    f["status_tag"] = float(any((t := p.search(body)) is not None and status_sentence(t["s"]) is not None
                                for p in (STATUS_TAG_HEAD, STATUS_TAG_TAIL)))
    f["heading_like"] = float(heading_line(body))
    f["plans"] = float(bool(PLANS.search(body[:8])))
    f["aspect_word"] = float(bool(re.search(r"方面[。:：]?$|^关于", body)))
    f["problem_word"] = float("问题" in body[:12])
    f["closing"] = float(bool(CLOSING.match(text)))
    f["tab"] = float("\t" in text)
    f["position"] = i / max(1, len(lines) - 1)
    return f


CONTEXT = ("marker", "family", "rect_label", "progress_field", "status_sentence", "heading_like", "field",
           "ends_full_stop", "short", "item_labelled")


def _context(lines: list[Line], glyphs: list[str], stated: dict[str, int]) -> dict:
    """What the features read beside the line: the families and levels, the label votes, and the
    grammar's own reading (reports/parse/induced.py) as evidence, not as the answer; the glyphs and
    opening tokens and how often each repeats."""
    shapes = [token_shape(ln.text) for ln in lines]
    reading = choose_levels(lines, stated.get("problems"))
    levels = reading.levels if reading is not None else induce_levels(induce_families(lines, RECT_LABEL))
    votes, voted = label_votes(lines, levels)
    return {"levels": levels, "owner": owner_of(levels), "votes": votes, "voted": voted, "reading": reading,
            "stated": stated, "own": own_label_pattern(reading.own_labels) if reading else None,
            "glyphs": glyphs, "glyph_count": Counter(glyphs), "shapes": shapes, "shape_count": Counter(shapes)}


def line_features(raw: list[Line], stated: dict[str, int] | None = None) -> tuple[np.ndarray, list[str], dict]:
    """(matrix lines x features, feature names, the context read: the cleaned lines (`clean_lines`),
    families, levels, the grammar's reading). Each line's own features, then the previous and next
    lines' context features, then whether a rectification label comes before the next line of the
    same family."""
    lines, glyphs = clean_lines(raw)
    ctx = _context(lines, glyphs, stated or {})
    ctx["lines"] = lines
    base = [_base(lines, i, ctx) for i in range(len(lines))]
    rows: list[dict[str, float]] = []
    for i, f in enumerate(base):
        row = dict(f)
        for side, j in (("prev", i - 1), ("next", i + 1), ("next2", i + 2)):
            other = base[j] if 0 <= j < len(base) else None
            for name in CONTEXT:
                row[f"{side}_{name}"] = other[name] if other else 0.0
        row["label_before_next_same"] = _label_before_next(lines, i, base)
        row["inside_rectification"] = _inside_rectification(lines, i, base)
        row["first_line"] = float(i == 0)
        rows.append(row)
    names = list(rows[0]) if rows else []
    import numpy as np

    x = np.array([[r[n] for n in names] for r in rows], dtype=float) if rows else np.zeros((0, 0))
    return x, names, ctx


def _label_before_next(lines: list[Line], i: int, base: list[dict[str, float]]) -> float:
    """A rectification label (or a status line) follows this line before the next line that opens with
    a marker of the same shape (or, for an unmarked line, before the next marked or heading-like line)."""
    m = parse_marker(lines[i].text)
    for j in range(i + 1, min(len(lines), i + 40)):
        if base[j]["rect_label"] or base[j]["progress_field"] or base[j]["status_sentence"]:
            return 1.0
        other = parse_marker(lines[j].text)
        if (m is not None and other is not None and other.shape == m.shape) or (m is None and base[j]["marker"]):
            return 0.0
    return 0.0


def _inside_rectification(lines: list[Line], i: int, base: list[dict[str, float]]) -> float:
    """A marked line with a rectification label between it and the nearest line above it that opens with
    another marker shape: a list inside a rectification (a. b. c. under 整改举措:), not the next finding."""
    m = parse_marker(lines[i].text)
    if m is None:
        return 0.0   # an unmarked line after a rectification may be the next head (E 05's bold findings)
    for j in range(i - 1, max(-1, i - 40), -1):
        if base[j]["rect_label"]:
            return 1.0
        other = parse_marker(lines[j].text)
        if other is not None and other.shape != m.shape:
            return 0.0
    return 0.0

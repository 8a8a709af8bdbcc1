"""A learned line-role reader: each body line is a category title, a problem's first line or other text,
judged by a small multinomial logistic model over features that name no author's strings (the line's
marker shape and level from reports/grammar/markers.py, its family's evidence, the label, status and
field patterns the project already defines, length, punctuation, position, the lines around it). The
roles become a reading through the one structure reader (structure.read_categories), so statement,
rectification, status and measures are read as for every other reading.

The model is a JSON file of coefficients built from the labelled layout sets by
``python -m reports.parse.rolemodel build`` (provenance inside); nothing is pickled and nothing is
learned at run time. docs/decisions.md ("A learned line-role reader")."""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from reports.grammar.markers import BULLETS, induce_families, induce_levels, parse_marker
from reports.model import Category
from reports.status import status_sentence

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
from .schemes import HEAD_MAX, INLINE_RECT, NO_HEADING, Scheme
from .structure import CLOSING, STATUS_TAG_HEAD, STATUS_TAG_TAIL, read_categories

__all__ = ["ROLES", "RoleModel", "feature_names", "line_features", "load_model", "read_learned", "using_model"]

MODEL_PATH = Path(__file__).with_name("roles_model.json")
ROLES = ("other", "category", "problem")
SCRIPTS = ("d", "c", "f", "o", "a", "dd", "b")
CLOSES = (".", ":", ")", "】", " ", "")
FAMILY_SHARE = 0.3   # weight of the family's mean probability beside the line's own (one list, one role)
RUN_SHARE = 0.3      # ... and of its run's (a. b. c. under one label: one list inside one rectification)


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
    names = feature_names(rows[0]) if rows else []
    x = np.array([[r[n] for n in names] for r in rows], dtype=float) if rows else np.zeros((0, 0))
    return x, names, ctx


def feature_names(row: dict[str, float]) -> list[str]:
    return list(row)


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


@dataclass(frozen=True)
class RoleModel:
    """Standardisation, then dense layers (weights features x units, biases) with ReLU between them and a
    softmax over `ROLES` after the last: one layer is a multinomial logistic model."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    provenance: dict

    def proba(self, x: np.ndarray, names: list[str]) -> np.ndarray:
        if list(names) != list(self.names):
            raise ValueError("role model features differ from the reader's (rebuild the model)")
        h = (x - self.mean) / self.scale
        for k, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if k < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        h -= h.max(axis=1, keepdims=True)
        e = np.exp(h)
        return e / e.sum(axis=1, keepdims=True)

    def to_json(self) -> dict:
        return {"roles": list(ROLES), "names": list(self.names), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(),
                "layers": [{"w": w.round(6).tolist(), "b": b.round(6).tolist()} for w, b in self.layers],
                "provenance": self.provenance}

    @classmethod
    def from_json(cls, data: dict) -> RoleModel:
        if tuple(data["roles"]) != ROLES:
            raise ValueError("role model roles differ from the reader's")
        layers = tuple((np.array(layer["w"], dtype=float), np.array(layer["b"], dtype=float))
                       for layer in data["layers"])
        return cls(tuple(data["names"]), np.array(data["mean"]), np.array(data["scale"]), layers,
                   data.get("provenance", {}))


_override: list[RoleModel] = []


@lru_cache(maxsize=1)
def _shipped() -> RoleModel | None:
    if not MODEL_PATH.exists():
        return None
    return RoleModel.from_json(json.loads(MODEL_PATH.read_text("utf-8")))


def load_model() -> RoleModel | None:
    """The model in use: one set by `using_model` (a leave-one-author-out fold), else the shipped file."""
    return _override[-1] if _override else _shipped()


@contextmanager
def using_model(model: RoleModel) -> Iterator[None]:
    """Read with this model inside the block (bench/loao_layouts.py trains one per held-out author)."""
    _override.append(model)
    try:
        yield
    finally:
        _override.pop()


def predict_roles(lines: list[Line], stated: dict[str, int] | None, model: RoleModel) -> tuple[list[str], dict]:
    """Each line's role: the line's probabilities, pulled toward its marker family's and its run's mean
    (a list's items share a role), then the most probable role."""
    x, names, ctx = line_features(lines, stated)
    if not len(x):
        return [], ctx
    p = model.proba(x, names)
    own = p.copy()
    for fam in ctx["levels"].families:
        p[fam.items] += FAMILY_SHARE * (own[fam.items].mean(axis=0) - own[fam.items])
        for run in fam.runs:
            p[run] += RUN_SHARE * (own[run].mean(axis=0) - own[run])
    roles = [ROLES[k] for k in p.argmax(axis=1)]
    return _fit_count(roles, p, ctx, (stated or {}).get("problems")), ctx


def _group(ctx: dict, k: int) -> str:
    """The kind of opening a line has: its marker's shape, else its token's shape, else none."""
    m = parse_marker(ctx["lines"][k].text)
    return m.shape.label() if m is not None else f"token:{ctx['shapes'][k]}" if ctx["shapes"][k] else ""


def _fit_count(roles: list[str], p: np.ndarray, ctx: dict, stated: int | None) -> list[str]:
    """The report's own count decides between kinds of problem lines: when the lines read as problems
    are not the stated number but the lines of one kind of opening among them are exactly that many,
    those are the problems (a. b. c. measures read as problems beside ㈠ ㈡ findings), if every other line
    stands after a rectification label of a kept problem; of several such kinds, the one read as
    problems most surely."""
    problem = ROLES.index("problem")
    picked = [k for k, r in enumerate(roles) if r == "problem"]
    if stated is None or len(picked) == stated:
        return roles
    groups: dict[str, list[int]] = {}
    for k in picked:
        groups.setdefault(_group(ctx, k), []).append(k)
    fits = [g for g in groups.values() if len(g) == stated]
    if not fits:
        return roles
    keep = set(max(fits, key=lambda g: float(p[g, problem].mean())))
    if not all(_after_label(ctx, keep, k) for k in picked if k not in keep):
        return roles   # sub-problems under their problem's statement are problems too (1. then (1) (2))
    return [("other" if k not in keep else r) if r == "problem" else r for k, r in enumerate(roles)]


def _after_label(ctx: dict, keep: set[int], k: int) -> bool:
    """A rectification label stands between line k and the nearest kept problem line above it."""
    head = max((j for j in keep if j < k), default=-1)
    own = ctx["own"]
    return head >= 0 and any(RECT_LABEL.match(ln.text) or (own is not None and own.match(ln.text))
                             for ln in ctx["lines"][head + 1:k])


def _unmarked(ln: Line, strip_token: bool) -> Line:
    """The line without its marker (㈠ / A1 / 第1条:): a head's text is the item's own text. A token the
    grammar does not read as a marker is taken off only when heads of the same role repeat its shape. A
    marker alone on its line (【问题1】) leaves an empty head: the statement is the lines below it."""
    m = parse_marker(ln.text)
    body = m.body if m is not None else 0
    if m is None and strip_token and (t := LEAD_TOKEN.match(ln.text)):
        body = t.end()
    if body >= len(ln.text.rstrip()):
        return Line(ln.end, ln.end, "")
    return Line(ln.start + body, ln.end, ln.text[body:]) if body else ln


def read_learned(text: str, lines: list[Line], stated: dict[str, int] | None = None,
                 model: RoleModel | None = None) -> tuple[list[Category], list[dict]] | None:
    """Categories and problems read from the learned line roles, or None without a model or problems.
    The problem part runs from the first category or problem line to the body's end (the structure
    reader stops at the closing and the signature); its lines are read without decorative glyphs."""
    model = model or load_model()
    if model is None or not lines:
        return None
    roles, ctx = predict_roles(lines, stated, model)
    if "problem" not in roles:
        return None
    clean = ctx["lines"]
    first = next(k for k, r in enumerate(roles) if r != "other")
    repeated = {role: Counter(ctx["shapes"][k] for k, r in enumerate(roles) if r == role) for role in ROLES[1:]}
    part = [_unmarked(ln, repeated[roles[k]][ctx["shapes"][k]] >= 2) if roles[k] != "other" else ln
            for k, ln in enumerate(clean) if k >= first]
    heads = frozenset(part[k - first].start for k in range(first, len(lines)) if roles[k] == "problem")
    cats = frozenset(part[k - first].start for k in range(first, len(lines)) if roles[k] == "category")
    scheme = Scheme("learned", NO_HEADING, (), (), unnumbered=True, labels=ctx["own"])
    categories, sections = read_categories(text, part, scheme, heads=heads, category_heads=cats)
    return (categories, sections) if categories else None

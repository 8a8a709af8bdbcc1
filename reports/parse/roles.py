"""A learned line-role reader: each body line is a category title, a problem's first line or other text,
judged by a small multinomial logistic model over features that name no author's strings
(reports/parse/rolefeatures.py: the line's marker and level, its family's evidence, the project's label,
status and field patterns, length, punctuation, position, the lines around it). The
roles become a reading through the one structure reader (structure.read_categories), so statement,
rectification, status and measures are read as for every other reading.

The model is a JSON file of coefficients built from the labelled layout sets by
``python -m reports.parse.rolemodel build`` (provenance inside); nothing is pickled and nothing is
learned at run time. docs/decisions.md ("A learned line-role reader")."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from reports.grammar.markers import parse_marker
from reports.model import Category

from .lines import Line
from .measures import RECT_LABEL
from .rolefeatures import LEAD_TOKEN, clean_lines, line_features, token_shape
from .schemes import NO_HEADING, Scheme
from .structure import read_categories

if TYPE_CHECKING:   # numpy is imported when a model is used, not when reports.parse is (cold start)
    import numpy as np

__all__ = ["MODEL_PATH", "ROLES", "RoleModel", "clean_lines", "line_features", "load_model", "predict_roles", "read_learned",
           "token_shape", "using_model"]

MODEL_PATH = Path(__file__).with_name("roles_model.json")
ROLES = ("other", "category", "problem")
FAMILY_SHARE = 0.3   # weight of the family's mean probability beside the line's own (one list, one role)
RUN_SHARE = 0.3      # ... and of its run's (a. b. c. under one label: one list inside one rectification)


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
        import numpy as np

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
        import numpy as np

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

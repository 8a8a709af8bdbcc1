"""Problems as a table for search: columns with factorised categories (filters evaluated once per
distinct value), the filters a query may carry, and the hit a query returns (the CLI contract's
fields first). Searching them: embeddings/search.py."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from reports.model import content_text
from reports.shared.notices import XunchaError

from .index import problem_uid, problem_uids

__all__ = ["DOC_RECIPES", "HIT_CONTRACT", "Filters", "Hit", "KeyTable", "ProblemTable", "QueryError", "type_id"]

# What text of a problem is embedded/tokenised. "parent+text" prefixes a sub-problem with its
# parent's statement (省作协's "关于团结引导用力不足方面" means little without it).
# "parent+text+measures" adds the problem's rectification measures, which say concretely what a
# terse problem (关于团结引导用力不足方面) was about; it is what BM25 indexes (bench/RESULTS.md).
DOC_RECIPES: tuple[str, ...] = ("text", "parent+text", "category+text", "category+parent+text", "text+measures",
                                "parent+text+measures")

# Columns of the table that filters and results use, in the order problem_rows() names them.
# The CLI contract's keys of a hit, in order (docs/cli.md); the rest follow.
HIT_CONTRACT = ("rank", "score", "tier", "report_id", "unit", "unit_short", "problem_id", "category", "text",
                "measures", "types")
_CATEGORICAL = ("report_id", "unit", "unit_short", "level", "region", "kind", "category", "status", "item_kind")


class QueryError(XunchaError, ValueError):
    """A search request that cannot be run as asked: an empty query, a bad k, an unknown filter
    (still a ValueError for callers of the library; the CLI and UI catch it as a XunchaError)."""


@dataclass(frozen=True)
class Filters:
    """Restrictions on which problems may be returned. Empty fields do not restrict.

    unit: substring of the full or short unit name (中共益阳市文化旅游广电体育局党组 / 市文旅广体局);
    level: 省/市/县 (a trailing 级 is ignored); region: substring (张家界, 湖南省);
    year: the inspection's year; category: substring of the category title;
    kind: 巡视 or 巡察; exclude_report: report ids whose problems are left out;
    type: a problem type, by id or Chinese name (理论学习, three_major; reports/analysis/problem_types.json).
    item_kind: problem (feedback problems only) or rectification_item (headings of a narrative report).
    """

    unit: str | None = None
    level: str | None = None
    region: str | None = None
    year: int | None = None
    category: str | None = None
    kind: str | None = None
    exclude_report: tuple[str, ...] = ()
    type: str | None = None
    item_kind: str | None = None

    @classmethod
    def of(cls, value: Filters | dict | None) -> Filters:
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        unknown = set(value) - set(cls.__dataclass_fields__)
        if unknown:
            raise QueryError("unknown_filter", names=sorted(unknown))
        data = {k: v for k, v in value.items() if v not in (None, "", ())}
        exclude = data.get("exclude_report", ())
        if isinstance(exclude, str):
            data["exclude_report"] = (exclude,)
        else:
            data["exclude_report"] = tuple(exclude)
        if "year" in data:
            try:
                data["year"] = int(data["year"])
            except (TypeError, ValueError):
                raise QueryError("bad_year", year=data["year"]) from None
        return cls(**data)

    def is_empty(self) -> bool:
        return self == Filters()

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if v not in (None, ())}


@dataclass
class Hit:
    """One result. ``to_json`` gives the CLI contract fields first, then the extras."""

    rank: int
    score: float
    report_id: str
    unit: str | None
    problem_id: str
    category: str | None
    text: str
    measures: list[str]
    unit_short: str | None = None
    level: str | None = None
    region: str | None = None
    year: int | None = None
    kind: str | None = None
    status: str | None = None
    parent_id: str | None = None
    parent_text: str | None = None
    calibrated: bool = False          # score is an estimated probability of relevance (else a fused value)
    dense_rank: int | None = None
    dense_score: float | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None
    matched_terms: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    tier: str | None = None           # high | possible (高度相关 / 可能相关); None when scores are uncalibrated

    def to_json(self) -> dict[str, Any]:
        # fields are scalars and lists of strings: a shallow copy is asdict's result without its
        # recursive deepcopy (2 ms of a query's ten hits)
        data = {f.name: _copied(getattr(self, f.name)) for f in fields(self)}
        return {key: data.pop(key) for key in HIT_CONTRACT} | data


def _copied(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


class ProblemTable:
    """Problems as columns, row i <-> ``uids[i]``; categorical columns are factorised so that a
    filter is evaluated once per distinct value, not once per problem (this matters at 1M rows)."""

    def __init__(self, rows: Sequence[dict]) -> None:
        self.size = len(rows)
        self.report_id = [r["report_id"] for r in rows]
        self.problem_id = [str(r["id"]) for r in rows]
        self.uids = np.fromiter((problem_uid(r, p) for r, p in zip(self.report_id, self.problem_id, strict=True)),
                                dtype=np.int64, count=self.size)
        self.text = [r.get("text") or "" for r in rows]
        self.measures = [list(r.get("measures") or []) for r in rows]
        self.parent_id = [r.get("parent_id") for r in rows]
        self.types = [list(r.get("types") or []) for r in rows]
        self.type_ids = [frozenset(r.get("type_ids") or ()) for r in rows]
        self.year = np.array([r.get("year") or 0 for r in rows], dtype=np.int32)
        self._codes: dict[str, np.ndarray] = {}
        self._values: dict[str, list] = {}
        for col in _CATEGORICAL:
            values, codes = _factorize([r.get(col) for r in rows])
            self._values[col], self._codes[col] = values, codes
        self.pos = {int(u): i for i, u in enumerate(self.uids)}
        if len(self.pos) != self.size:
            raise ValueError("two problems share an id (duplicate report_id/problem_id or a hash collision)")
        parents = {(r, p) for r, p in zip(self.report_id, self.parent_id, strict=True) if p}
        # a parent with sub-problems and no measures of its own is a heading, never a hit
        self.heading_only = np.fromiter(((r, p) in parents and not m for r, p, m in
                                         zip(self.report_id, self.problem_id, self.measures, strict=True)),
                                        dtype=bool, count=self.size)
        self.retrievable = ~self.heading_only
        self._content_keys: np.ndarray | None = None

    def parent_pos(self, i: int) -> int | None:
        parent = self.parent_id[i]
        return self.pos.get(problem_uid(self.report_id[i], parent)) if parent else None

    def doc_text(self, i: int, recipe: str = "text") -> str:
        """The text of row ``i`` that gets embedded and tokenised, per ``recipe`` (see DOC_RECIPES)."""
        text = self.text[i]
        if recipe == "text":
            return text
        if recipe in ("parent+text", "category+parent+text", "parent+text+measures"):
            ppos = self.parent_pos(i)
            text = f"{self.text[ppos]}；{text}" if ppos is not None else text
            if recipe == "parent+text":
                return text
            if recipe == "parent+text+measures":
                return "；".join([text, *self.measures[i]])
        if recipe in ("category+text", "category+parent+text"):
            category = self.value("category", i)
            return f"{category}：{text}" if category else text
        if recipe == "text+measures":
            return "；".join([text, *self.measures[i]])
        raise ValueError(f"unknown document recipe {recipe!r}; known: {', '.join(DOC_RECIPES)}")

    def copies_of(self, i: int) -> np.ndarray:
        """Rows whose text is row ``i``'s own, letters and characters only: the same problem stored
        again (a copy of its report), never offered as similar to itself."""
        if self._content_keys is None:  # once per table: a similar query must not redo every row
            contents = (content_text(t) for t in self.text)
            self._content_keys = np.fromiter((hash(c) if c else i for i, c in enumerate(contents)),
                                             dtype=np.int64, count=self.size)
        return self._content_keys == self._content_keys[i]

    def value(self, col: str, i: int) -> Any:
        return self._values[col][self._codes[col][i]]

    def where(self, col: str, pred) -> np.ndarray:
        """Boolean mask of rows whose ``col`` value satisfies ``pred`` (called once per distinct value)."""
        ok = np.array([bool(v is not None and pred(v)) for v in self._values[col]], dtype=bool)
        return ok[self._codes[col]] if len(ok) else np.zeros(self.size, dtype=bool)

    def mask(self, filters: Filters) -> np.ndarray | None:
        """Rows allowed by ``filters``; None when nothing is filtered."""
        if filters.is_empty():
            return None
        m = np.ones(self.size, dtype=bool)
        if filters.unit:
            needle = filters.unit.strip()
            m &= self.where("unit", lambda v: needle in v) | self.where("unit_short", lambda v: needle in v)
        if filters.level:
            level = filters.level.strip().removesuffix("级")
            m &= self.where("level", lambda v: v.removesuffix("级") == level)
        if filters.region:
            m &= self.where("region", lambda v: filters.region.strip() in v)
        if filters.year:
            m &= self.year == int(filters.year)
        if filters.category:
            m &= self.where("category", lambda v: filters.category.strip() in v)
        if filters.kind:
            m &= self.where("kind", lambda v: v == filters.kind.strip())
        if filters.item_kind:
            m &= self.where("item_kind", lambda v: v == filters.item_kind.strip())
        if filters.exclude_report:
            excluded = set(filters.exclude_report)
            m &= ~self.where("report_id", lambda v: v in excluded)
        if filters.type:
            wanted = type_id(filters.type)
            m &= np.fromiter((wanted in ids for ids in self.type_ids), dtype=bool, count=self.size)
        return m

    def hit(self, i: int, rank: int, score: float) -> Hit:
        year = int(self.year[i]) or None
        ppos = self.parent_pos(i)
        return Hit(rank=rank, score=float(score), report_id=self.report_id[i], unit=self.value("unit", i),
                   problem_id=self.problem_id[i], category=self.value("category", i), text=self.text[i],
                   measures=list(self.measures[i]), unit_short=self.value("unit_short", i),
                   level=self.value("level", i), region=self.value("region", i), year=year,
                   kind=self.value("kind", i), status=self.value("status", i), parent_id=self.parent_id[i],
                   parent_text=self.text[ppos] if ppos is not None else None,
                   types=list(self.types[i]))


def type_id(name: str) -> str:
    """A type filter's id; an unknown type is a QueryError naming the known ones."""
    from reports.analysis.problemtypes import taxonomy

    found = taxonomy().resolve(name)
    if found is None:
        raise QueryError("unknown_problem_type", type=name, known=[t.name for t in taxonomy().types])
    return found.id


@dataclass
class KeyTable:
    """The store's problems as keys only (what a sync diffs against the index): row i <-> ``uids[i]``."""

    report_id: list[str]
    problem_id: list[str]
    uids: np.ndarray
    size: int

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        self.report_id = [k[0] for k in keys]
        self.problem_id = [str(k[1]) for k in keys]
        self.uids = problem_uids(keys)
        self.size = len(keys)

def _factorize(values: list) -> tuple[list, np.ndarray]:
    index: dict[Any, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int32, count=len(values))
    return list(index), codes

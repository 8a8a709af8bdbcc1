"""Problems as a table for search: columns with factorised categories (filters evaluated once per
distinct value), the filters a query may carry, and the hit a query returns (the CLI contract's
fields first). Searching them: embeddings/search.py."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from reports.shared.notices import XunchaError

from .index import problem_uids
from .table_columns import REPORT_COLUMNS, ROW_COLUMNS, Columns, factorize

__all__ = ["DOC_RECIPES", "HIT_CONTRACT", "Filters", "Hit", "KeyTable", "ProblemTable", "QueryError", "type_id"]

# What text of a problem is embedded/tokenised. "parent+text" prefixes a sub-problem with its
# parent's statement (省作协's "关于团结引导用力不足方面" means little without it).
# "parent+text+measures" adds the problem's rectification measures, which say concretely what a
# terse problem (关于团结引导用力不足方面) was about; it is what BM25 indexes (bench/RESULTS.md).
# "category+types+text" names the problem's types (keyword rules) beside its category: what is embedded
# since issue 21 (held out over four outside authors; docs/decisions.md).
DOC_RECIPES: tuple[str, ...] = ("text", "parent+text", "category+text", "category+parent+text", "text+measures",
                                "parent+text+measures", "category+types+text")

# Columns of the table that filters and results use, in the order problem_rows() names them.
# The CLI contract's keys of a hit, in order (docs/cli.md); the rest follow.
HIT_CONTRACT = ("rank", "score", "tier", "report_id", "unit", "unit_short", "problem_id", "category", "text",
                "measures", "types")


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
    filter is evaluated once per distinct value, not once per problem (this matters at 1M rows).

    Built from store rows (``ProblemTable(rows)``), or from persisted columns (``columns=``, see
    embeddings/table_columns.py) with ``details`` reading the statements and measures of the rows a
    query shows from the store (Store.problem_texts): a reader then touches no other row."""

    def __init__(self, rows: Sequence[dict] = (), *, columns: Columns | None = None,
                 details: Details | None = None) -> None:
        self.columns = cols = Columns.from_rows(rows) if columns is None else columns
        self.size = cols.size
        self.uids = cols.uids
        self.report_id = [cols.reports[c] for c in cols.report.tolist()]
        self.problem_id = cols.problem_id
        self.parent_id = cols.parent_id
        self.year = cols.report_year[cols.report] if self.size else np.zeros(0, dtype=np.int32)
        self._codes: dict[str, np.ndarray] = {}
        self._values: dict[str, list] = {}
        self._values["report_id"], self._codes["report_id"] = cols.reports, cols.report
        for col in REPORT_COLUMNS:   # per report, so the values are the reports' few
            values, codes = factorize(cols.report_values[col])
            self._values[col], self._codes[col] = values, codes[cols.report] if self.size else codes
        for col in ROW_COLUMNS:
            self._values[col], self._codes[col] = cols.values[col], cols.codes[col]
        self.heading_only = cols.heading_only
        self.retrievable = ~self.heading_only
        if columns is None:
            self.text = [r.get("text") or "" for r in rows]
            self.measures = [list(r.get("measures") or []) for r in rows]
        else:
            if details is None:
                raise ValueError("a table of persisted columns needs the store's details reader")
            fetched = _Fetched(self, details)
            self.text = _Column(self.size, lambda i: fetched.row(i)[0])
            self.measures = _Column(self.size, lambda i: list(fetched.row(i)[1]))
        self.types = _Column(self.size, lambda i: [p[1] for p in self._type_pairs(i) if p[1] is not None])
        self.type_ids = _Column(self.size, lambda i: frozenset(p[0] for p in self._type_pairs(i) if p[0] is not None))
        self._pos: dict[int, int] | None = None

    @property
    def pos(self) -> dict[int, int]:
        """uid -> row (built on first use: ~20 ms at 143k rows)."""
        if self._pos is None:
            self._pos = dict(zip(self.uids.tolist(), range(self.size), strict=True))
        return self._pos

    def _type_pairs(self, i: int) -> list[list]:
        cols = self.columns
        return [cols.type_vocab[c] for c in cols.type_codes[cols.type_indptr[i]:cols.type_indptr[i + 1]].tolist()]

    def parent_pos(self, i: int) -> int | None:
        parent = int(self.columns.parent[i])
        return parent if parent >= 0 else None

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
        if recipe == "category+types+text":
            head = "、".join(x for x in [self.value("category", i), *self.types[i]] if x)
            return f"{head}：{text}" if head else text
        raise ValueError(f"unknown document recipe {recipe!r}; known: {', '.join(DOC_RECIPES)}")

    def copies_of(self, i: int) -> np.ndarray:
        """Rows whose text is row ``i``'s own, letters and characters only: the same problem stored
        again (a copy of its report), never offered as similar to itself."""
        keys = self.columns.content
        if keys[i] == 0:   # no letters at all: a copy of nothing
            out = np.zeros(self.size, dtype=bool)
            out[i] = True
            return out
        return keys == keys[i]

    def value(self, col: str, i: int) -> Any:
        return self._values[col][self._codes[col][i]]

    def where(self, col: str, pred) -> np.ndarray:
        """Boolean mask of rows whose ``col`` value satisfies ``pred`` (called once per distinct value)."""
        ok = np.array([bool(v is not None and pred(v)) for v in self._values[col]], dtype=bool)
        return ok[self._codes[col]] if len(ok) else np.zeros(self.size, dtype=bool)

    def most_common(self, col: str) -> list:
        """The values of ``col`` some row has, most rows first (ties: first appearance), as
        Counter.most_common orders them."""
        counts = np.bincount(self._codes[col], minlength=len(self._values[col])) if self.size else np.zeros(0, int)
        order = sorted((k for k in range(len(counts)) if counts[k]), key=lambda k: -counts[k])
        return [self._values[col][k] for k in order]

    def present(self, col: str) -> set:
        """The values of ``col`` some row has."""
        return set(self.most_common(col))

    def present_types(self) -> set[str]:
        """The type names some row has."""
        cols = self.columns
        return {cols.type_vocab[c][1] for c in np.unique(cols.type_codes).tolist() if cols.type_vocab[c][1]}

    def with_type(self, wanted: str) -> np.ndarray:
        """Boolean mask of rows classified as type id ``wanted`` (evaluated on the type vocabulary)."""
        cols = self.columns
        ok = np.array([p[0] == wanted for p in cols.type_vocab], dtype=bool)
        out = np.zeros(self.size, dtype=bool)
        if len(ok) and len(cols.type_codes):
            rows = np.repeat(np.arange(self.size), np.diff(cols.type_indptr))
            out[rows[ok[cols.type_codes]]] = True
        return out

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
            m &= self.with_type(type_id(filters.type))
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


Details = Callable[[list[tuple[str, str]]], dict[tuple[str, str], tuple[str, list[str]]]]
"""(report_id, problem_id) keys -> (statement, measures) of those stored (Store.problem_texts)."""


class _Column(Sequence):
    """A read-only column computed per row on access (``table.text[i]``, ``table.types[i]``)."""

    def __init__(self, size: int, get: Callable[[int], Any]) -> None:
        self._size, self._get = size, get

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._get(j) for j in range(*i.indices(self._size))]
        i = int(i)
        if not -self._size <= i < self._size:
            raise IndexError(i)
        return self._get(i % self._size)


class _Fetched:
    """Statements and measures of a table's rows, read from the store on first use and kept (at most
    MAX_KEPT rows: a UI process answers many queries; its cache must not become the whole store)."""

    MAX_KEPT = 50_000

    def __init__(self, table: ProblemTable, details: Details) -> None:
        self._table, self._details = table, details
        self._kept: dict[int, tuple[str, list[str]]] = {}

    def row(self, i: int) -> tuple[str, list[str]]:
        got = self._kept.get(i)
        if got is None:
            key = (self._table.report_id[i], self._table.problem_id[i])
            text, measures = self._details([key]).get(key, ("", []))
            got = (text or "", list(measures or []))
            if len(self._kept) >= self.MAX_KEPT:
                self._kept.clear()
            self._kept[i] = got
        return got


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

"""A search table's columns as arrays, and their files under an index build.

Why: a reader used to build its ProblemTable from every store row (~57 µs a row: 8 s at 143,100
problems) before it could answer. Everything a query filters and ranks on is here as numpy arrays
and short vocabularies, written by the writer at each commit beside the vectors (``table-<token>/``,
stamped with the store generation, the problem-type classifier's version and this format), so a
reader loads them in milliseconds; statements and measures are read from the store for the hits
only (ProblemTable.text). Rows are in the index's order (Store.problem_keys), which the saved BM25
matrix shares. A sync builds the next table from the last one and the rows of the reports it
added (``Columns.gather``), never from every row (docs/decisions.md, "Scale to a province
(issue 23)", third pass). Files: ``columns.npz`` (loaded with ``allow_pickle=False``) and
``meta.json``; never pickle.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any

import numpy as np

from reports.model import content_text
from reports.shared.atomic import atomic_dir
from reports.shared.ioerrors import reason_line

from .calibration import Background
from .index import problem_uid

__all__ = ["REPORT_COLUMNS", "ROW_COLUMNS", "TABLE_FORMAT", "Columns", "TableFileError", "content_key", "factorize"]

TABLE_FORMAT = 1
REPORT_COLUMNS = ("unit", "unit_short", "level", "region", "kind")   # one value per report
ROW_COLUMNS = ("category", "status", "item_kind")                     # one value per problem, factorised
_ARRAYS = ("uids", "report", "parent", "heading_only", "content", "type_indptr", "type_codes", "report_year",
           *(f"code_{c}" for c in ROW_COLUMNS))


class TableFileError(ValueError):
    """A table directory that is not what a writer of this format wrote (one line naming the defect)."""


def factorize(values: Sequence) -> tuple[list, np.ndarray]:
    """(distinct values in order of first appearance, int32 code of each value)."""
    index: dict[Any, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int32, count=len(values))
    return list(index), codes


def content_key(text: str) -> int:
    """A stable 63-bit key of a statement's letters and characters (0 when it has none): two rows with
    one key are the same problem stored twice. Stable across processes, unlike ``hash``."""
    content = content_text(text or "")
    if not content:
        return 0
    return int.from_bytes(hashlib.blake2b(content.encode("utf-8"), digest_size=8).digest(), "big") >> 1 or 1


@dataclass
class Columns:
    """Row i of every per-row array is problem ``uids[i]``; per-report values are indexed by ``report``."""

    uids: np.ndarray                    # int64 [n]
    problem_id: list[str]
    parent_id: list[str | None]
    parent: np.ndarray                  # int32 [n]: row of the parent problem, -1 for none
    report: np.ndarray                  # int32 [n]: index into ``reports``
    reports: list[str]                  # report ids
    report_values: dict[str, list]      # REPORT_COLUMNS -> one value per report
    report_year: np.ndarray             # int32 [len(reports)]: the inspection's year, 0 unknown
    values: dict[str, list]             # ROW_COLUMNS -> distinct values
    codes: dict[str, np.ndarray]        # ROW_COLUMNS -> int32 [n]
    type_vocab: list[list]              # [type id, type name] pairs (either may be None)
    type_indptr: np.ndarray             # int64 [n+1]: row i's types are type_codes[indptr[i]:indptr[i+1]]
    type_codes: np.ndarray              # int32 into type_vocab, in the row's order
    heading_only: np.ndarray            # bool [n]: a parent with sub-problems and no measures of its own
    content: np.ndarray                 # int64 [n]: content_key of the statement
    background: Background | None = None   # the calibration's background of the build's vectors (writer)

    @property
    def size(self) -> int:
        return len(self.uids)

    # -- building --------------------------------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: Sequence[dict]) -> Columns:
        """The columns of rows as Store.problem_rows gives them (or any dicts with those keys)."""
        n = len(rows)
        report_ids = [r["report_id"] for r in rows]
        problem_ids = [str(r["id"]) for r in rows]
        uids = np.fromiter((problem_uid(r, p) for r, p in zip(report_ids, problem_ids, strict=True)),
                           dtype=np.int64, count=n)
        pos = {int(u): i for i, u in enumerate(uids.tolist())}
        if len(pos) != n:
            raise ValueError("two problems share an id (duplicate report_id/problem_id or a hash collision)")
        reports, report = factorize(report_ids)
        first = {}
        for i, code in enumerate(report.tolist()):
            first.setdefault(code, i)
        report_values = {c: [rows[first[k]].get(c) for k in range(len(reports))] for c in REPORT_COLUMNS}
        report_year = np.array([rows[first[k]].get("year") or 0 for k in range(len(reports))], dtype=np.int32)
        parent_id = [r.get("parent_id") for r in rows]
        parent = np.fromiter((pos.get(problem_uid(r, p), -1) if p else -1 for r, p in
                              zip(report_ids, parent_id, strict=True)), dtype=np.int32, count=n)
        values, codes = {}, {}
        for c in ROW_COLUMNS:
            values[c], codes[c] = factorize([r.get(c) for r in rows])
        vocab: dict[tuple, int] = {}
        lengths, flat = [], []
        for r in rows:
            pairs = list(zip_longest(r.get("type_ids") or (), r.get("types") or ()))
            lengths.append(len(pairs))
            flat.extend(vocab.setdefault(tuple(p), len(vocab)) for p in pairs)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        parents = {(r, p) for r, p in zip(report_ids, parent_id, strict=True) if p}
        heading = np.fromiter(((r, p) in parents and not m.get("measures") for r, p, m in
                               zip(report_ids, problem_ids, rows, strict=True)), dtype=bool, count=n)
        content = np.fromiter((content_key(r.get("text") or "") for r in rows), dtype=np.int64, count=n)
        return cls(uids, problem_ids, parent_id, parent, report, reports, report_values, report_year, values, codes,
                   [list(p) for p in vocab], indptr, np.asarray(flat, dtype=np.int32), heading, content)

    @classmethod
    def gather(cls, order: np.ndarray, sources: Sequence[Columns], report_fields: dict[str, dict]) -> Columns:
        """The table whose row i is problem ``order[i]``, each taken from the first of ``sources`` holding
        it (the last build's table, then the rows of the reports a sync added); per-report values come
        from ``report_fields`` (Store.report_fields: unit_short depends on every unit). KeyError if a
        problem is in no source. Cost: numpy over the rows, Python over the reports and new vocabulary."""
        n = len(order)
        which = np.full(n, -1, dtype=np.int8)
        rows = np.zeros(n, dtype=np.int64)
        for s, src in enumerate(sources):
            open_idx = np.flatnonzero(which < 0)
            if not len(open_idx) or not src.size:
                continue
            sort = np.argsort(src.uids, kind="stable")
            ordered = src.uids[sort]
            at = np.minimum(np.searchsorted(ordered, order[open_idx]), src.size - 1)
            found = ordered[at] == order[open_idx]
            which[open_idx[found]], rows[open_idx[found]] = s, sort[at[found]]
        if (which < 0).any():
            raise KeyError(f"{int((which < 0).sum())} problems are in no source table")
        reports = list(report_fields)
        report_index = {r: k for k, r in enumerate(reports)}
        parts = [(src, np.flatnonzero(which == s), rows[which == s]) for s, src in enumerate(sources)]
        report = np.zeros(n, dtype=np.int32)
        parent = np.full(n, -1, dtype=np.int32)
        heading = np.zeros(n, dtype=bool)
        content = np.zeros(n, dtype=np.int64)
        problem_id: list = [None] * n
        parent_id: list = [None] * n
        values: dict[str, list] = {c: [] for c in ROW_COLUMNS}
        codes = {c: np.zeros(n, dtype=np.int32) for c in ROW_COLUMNS}
        vocab: dict[tuple, int] = {}
        lengths = np.zeros(n, dtype=np.int64)
        for src, out, take in parts:
            if not len(out):
                continue
            remap = np.array([report_index.get(r, -1) for r in src.reports], dtype=np.int32)
            report[out] = remap[src.report[take]]
            back = np.full(src.size, -1, dtype=np.int64)   # a source row -> its row here
            back[take] = out
            p = src.parent[take]
            parent[out] = np.where(p >= 0, back[np.maximum(p, 0)], -1)
            heading[out], content[out] = src.heading_only[take], src.content[take]
            for i, j in zip(out.tolist(), take.tolist(), strict=True):
                problem_id[i], parent_id[i] = src.problem_id[j], src.parent_id[j]
            for c in ROW_COLUMNS:
                index = {v: k for k, v in enumerate(values[c])}
                mapping = np.array([index.setdefault(v, len(index)) for v in src.values[c]], dtype=np.int32)
                values[c] = list(index)
                codes[c][out] = mapping[src.codes[c][take]] if len(mapping) else 0
            lengths[out] = np.diff(src.type_indptr)[take]
        if (report < 0).any():
            raise KeyError("a problem's report is not in the store's reports")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        type_codes = np.zeros(int(indptr[-1]), dtype=np.int32)
        for src, out, take in parts:
            if not len(out):
                continue
            mapping = np.array([vocab.setdefault(tuple(p), len(vocab)) for p in src.type_vocab], dtype=np.int32)
            starts, counts = src.type_indptr[take], lengths[out]
            total = int(counts.sum())
            if not total:
                continue
            step = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
            type_codes[np.repeat(indptr[out], counts) + step] = mapping[src.type_codes[np.repeat(starts, counts) + step]]
        report_values = {c: [report_fields[r].get(c) for r in reports] for c in REPORT_COLUMNS}
        report_year = np.array([report_fields[r].get("year") or 0 for r in reports], dtype=np.int32)
        return cls(np.asarray(order, dtype=np.int64), problem_id, parent_id, parent, report, reports, report_values,
                   report_year, values, codes, [list(p) for p in vocab], indptr, type_codes, heading, content)

    # -- files -----------------------------------------------------------------------------------
    def save(self, directory: Path, stamp: dict[str, Any]) -> None:
        """Write ``directory`` atomically: the arrays (npz) and the vocabularies with ``stamp`` (JSON)."""
        with atomic_dir(directory) as tmp:
            arrays = {"uids": self.uids, "report": self.report, "parent": self.parent,
                      "heading_only": self.heading_only, "content": self.content, "type_indptr": self.type_indptr,
                      "type_codes": self.type_codes, "report_year": self.report_year,
                      **{f"code_{c}": self.codes[c] for c in ROW_COLUMNS}}
            if self.background is not None:
                arrays |= {"background_mean": self.background.mean, "background_cov": self.background.cov}
            with open(tmp / "columns.npz", "wb") as fh:
                np.savez(fh, **arrays)
            meta = {**stamp, "format": TABLE_FORMAT, "size": self.size, "problem_id": self.problem_id,
                    "parent_id": self.parent_id, "reports": self.reports, "report_values": self.report_values,
                    "values": self.values, "type_vocab": self.type_vocab}
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")), "utf-8")

    @staticmethod
    def read_stamp(directory: Path) -> dict[str, Any]:
        """The stamp a table was saved with (its meta.json); TableFileError if unreadable."""
        try:
            meta = json.loads((Path(directory) / "meta.json").read_text("utf-8"))
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise TableFileError(f"{directory}: {reason_line(exc)}") from exc
        if not isinstance(meta, dict):
            raise TableFileError(f"{directory}: meta.json is not an object")
        return meta

    @classmethod
    def load(cls, directory: Path) -> tuple[Columns, dict[str, Any]]:
        """(columns, stamp) of a saved table; FileNotFoundError when it is not there, TableFileError when
        it is not whole or not consistent (lengths, codes in range, format)."""
        meta = cls.read_stamp(directory)
        if meta.get("format") != TABLE_FORMAT:
            raise TableFileError(f"{directory}: table format {meta.get('format')!r}, expected {TABLE_FORMAT}")
        try:
            with np.load(Path(directory) / "columns.npz", allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in _ARRAYS}
                background = Background(npz["background_mean"], npz["background_cov"]) \
                    if "background_mean" in npz.files else None
            cols = cls(arrays["uids"], list(meta["problem_id"]), list(meta["parent_id"]), arrays["parent"],
                       arrays["report"], list(meta["reports"]),
                       {c: list(meta["report_values"][c]) for c in REPORT_COLUMNS}, arrays["report_year"],
                       {c: list(meta["values"][c]) for c in ROW_COLUMNS},
                       {c: arrays[f"code_{c}"] for c in ROW_COLUMNS}, [list(p) for p in meta["type_vocab"]],
                       arrays["type_indptr"], arrays["type_codes"], arrays["heading_only"], arrays["content"],
                       background)
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise TableFileError(f"{directory}: {reason_line(exc)}") from exc
        cols.check(int(meta.get("size", -1)), directory)
        return cols, meta

    def check(self, size: int, where: Path | str) -> None:
        """TableFileError unless every column has the table's length and every code names a value."""
        n = self.size
        per_row = [self.parent, self.report, self.heading_only, self.content, *self.codes.values()]
        bad = None
        if size != n or len(self.problem_id) != n or len(self.parent_id) != n or any(len(a) != n for a in per_row):
            bad = "columns of different lengths"
        elif len(self.type_indptr) != n + 1 or self.type_indptr[0] != 0 or self.type_indptr[-1] != len(self.type_codes) \
                or (np.diff(self.type_indptr) < 0).any():
            bad = "type lists out of range"
        elif len(self.report_year) != len(self.reports) or any(len(v) != len(self.reports)
                                                                for v in self.report_values.values()):
            bad = "report columns of different lengths"
        elif n and (self.report.min() < 0 or self.report.max() >= len(self.reports) or self.parent.max() >= n
                    or any(len(self.codes[c]) and (self.codes[c].min() < 0 or self.codes[c].max() >= len(self.values[c]))
                           for c in ROW_COLUMNS)):
            bad = "codes out of range"
        elif len(self.type_codes) and (self.type_codes.min() < 0 or self.type_codes.max() >= len(self.type_vocab)):
            bad = "type codes out of range"
        if bad:
            raise TableFileError(f"{where}: {bad}")

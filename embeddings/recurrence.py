"""Problems that come back: link each problem of a unit's later report to the problem of the same
unit's earlier report(s) it repeats (整而未改, 反弹回潮), in other words too.

Same unit means the same resolved unit (the caller's `unit_key`: normalised full name + region in
ui.service.workspace), never the same file; earlier/later comes from the inspection dates. A link's score fuses the dense cosine of the search
index's vectors with the cosine of the BM25 token sets; the weight and threshold were chosen on a
built dev report (bench/recurring_eval.py, docs/decisions.md "Recurrence").
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["DEFAULT_RECURRENCE", "Occurrence", "Recurrence", "RecurrenceConfig", "find_recurrences",
           "inspection_date", "leaf_problem_rows", "pair_scores", "unit_links"]


@dataclass(frozen=True)
class RecurrenceConfig:
    """`dense_weight` of the fused score (the rest is lexical); links need `threshold` or more.
    Defaults chosen on the dev later-round report by bench/recurring_eval.py (bench/RESULTS.md);
    re-chosen for issue 21's adapted encoder (0.727 -> 0.605: its cosines between formulaic
    statements are lower; the test report then links 10 of 10 repeats and 0 of 8 foreign problems)."""

    dense_weight: float = 0.7
    threshold: float = 0.605


DEFAULT_RECURRENCE = RecurrenceConfig()


@dataclass(frozen=True)
class Occurrence:
    """One side of a link: a problem of one report, with the date its inspection began."""

    report_id: str
    problem_id: str
    text: str
    date: str | None


@dataclass(frozen=True)
class Recurrence:
    """A later problem repeating an earlier one of the same unit."""

    unit: str
    unit_short: str | None
    earlier: Occurrence
    later: Occurrence
    score: float
    dense: float
    lexical: float

    def to_json(self) -> dict:
        d = asdict(self)
        for k in ("score", "dense", "lexical"):
            d[k] = round(d[k], 4)
        return d


def inspection_date(row: dict) -> str | None:
    """When the round happened: inspection start, else its end, feedback or the report's own date."""
    for key in ("start_date", "end_date", "feedback_date", "report_date", "publish_date"):
        if row.get(key):
            return row[key]
    return None


def leaf_problem_rows(rows: Sequence[dict]) -> list[dict]:
    """Problems without sub-problems (a parent's heading is not a finding of its own)."""
    parents = {(r["report_id"], r["parent_id"]) for r in rows if r.get("parent_id")}
    return [r for r in rows if (r["report_id"], r["id"]) not in parents]


def _token_cosine(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def pair_scores(later: Sequence[int], earlier: Sequence[int], vectors: np.ndarray,
                tokens: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """(dense, lexical) similarity matrices, rows = `later` positions, columns = `earlier`."""
    dense = vectors[list(later)] @ vectors[list(earlier)].T
    sets = [set(t) for t in tokens]
    lexical = np.array([[_token_cosine(sets[i], sets[j]) for j in earlier] for i in later], dtype=np.float32)
    return dense.astype(np.float32), lexical


def find_recurrences(rows: Sequence[dict], vectors: np.ndarray, tokens: Sequence[Sequence[str]],
                     config: RecurrenceConfig = DEFAULT_RECURRENCE, unit: str | None = None) -> list[Recurrence]:
    """Links for every unit with reports from two or more rounds.

    `rows` are problem rows (reports.store.Store.problem_rows: report_id, id, text, unit, unit_short
    and the report's dates) plus `unit_key`, the resolved unit the caller decided (rows without one
    are skipped); `vectors[i]`/`tokens[i]` belong to `rows[i]`. Each later problem
    links to its best-scoring problem among all earlier reports of its unit, if that reaches the
    threshold. `unit` keeps only units whose full or short name contains it.
    """
    groups: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, r in enumerate(rows):
        key = r.get("unit_key")
        if key is None or inspection_date(r) is None:
            continue
        if unit and unit not in (r.get("unit") or "") and unit not in (r.get("unit_short") or ""):
            continue
        groups[key][r["report_id"]].append(i)
    out: list[Recurrence] = []
    for reports in groups.values():
        dates = {rid: inspection_date(rows[positions[0]]) for rid, positions in reports.items()}
        for i, j, fused, dense, lexical in unit_links(reports, dates, vectors, tokens, config):
            out.append(Recurrence(rows[i].get("unit") or "", rows[i].get("unit_short"),
                                  _occurrence(rows[j]), _occurrence(rows[i]), fused, dense, lexical))
    return out


def unit_links(reports: dict[str, list[int]], dates: dict[str, str], vectors: np.ndarray,
               tokens: Sequence[Sequence[str]], config: RecurrenceConfig = DEFAULT_RECURRENCE
               ) -> Iterator[tuple[int, int, float, float, float]]:
    """The links inside one unit: (later position, earlier position, fused, dense, lexical).

    `reports` maps each of the unit's reports to its problems' positions in `vectors`/`tokens`, in the
    order the caller read them (ties of date keep it, so every caller links the same problems);
    `dates` each report's inspection date. Needs no statement text, so a sync can feed it one unit's
    keys and vectors at a time (docs/decisions.md, "Scale to a province")."""
    ordered = sorted(reports, key=dates.__getitem__)
    for n, later_id in enumerate(ordered):
        later_date = dates[later_id]
        earlier = [i for rid in ordered[:n] if dates[rid] < later_date for i in reports[rid]]
        if not earlier:
            continue
        later = reports[later_id]
        dense, lexical = pair_scores(later, earlier, vectors, tokens)
        fused = config.dense_weight * dense + (1.0 - config.dense_weight) * lexical
        for a, i in enumerate(later):
            b = int(np.argmax(fused[a]))
            if fused[a, b] < config.threshold:
                continue
            yield i, earlier[b], float(fused[a, b]), float(dense[a, b]), float(lexical[a, b])


def _occurrence(row: dict) -> Occurrence:
    return Occurrence(row["report_id"], row["id"], row["text"], inspection_date(row))

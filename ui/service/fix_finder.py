"""「别人怎么改」over a workspace: the measures of problems like a query, or like a stored problem, in
other units (ui/service/fixes.py groups and merges them); and what a unit name a user typed means."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from embeddings.search import QueryError
from reports.shared.notices import XunchaError
from ui.service.fixes import MERGE_METHOD, MERGE_THRESHOLD, RELATIVE_FLOOR, group_by_unit, usable_hits

__all__ = ["MAX_FIX_PROBLEMS", "FixFinder", "UnknownUnitError", "resolve_unit"]

MAX_FIX_PROBLEMS = 100


class UnknownUnitError(XunchaError):
    """A unit name that matches no unit in the workspace, or more than one."""


class FixFinder:
    """How other units fixed problems like one: over a workspace's store and its search service."""

    def __init__(self, store, search) -> None:
        self.store = store
        self.search = search

    def fixes(self, query: str | None = None, *, report_id: str | None = None, problem_id: str | None = None,
              exclude_units: Sequence[str] = (), k: int = 10) -> dict[str, Any]:
        """Measures taken by other units for problems like ``query``, or like the stored problem
        (``report_id``, ``problem_id``), whose own unit is then left out. The result is grouped by
        unit, near-identical measures merged.

        ``exclude_units``: unit names (full name, unique short name or unique part of a full name)
        to leave out too. ``k``: at most this many similar problems are used."""
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_FIX_PROBLEMS:
            raise QueryError("bad_k", max_k=MAX_FIX_PROBLEMS, k=k)
        by_problem = report_id is not None or problem_id is not None
        if by_problem == (query is not None):
            raise QueryError("query_or_problem")
        if by_problem and (report_id is None or problem_id is None):
            raise QueryError("need_query")
        excluded = self.resolve_units(exclude_units)
        source = self._source(report_id, problem_id) if by_problem else None
        if source is not None:
            excluded = sorted({*excluded, source["unit"]})
        filters = {"exclude_report": tuple(self._reports_of(excluded))}
        want = min(1000, max(3 * k, 30))  # hits without measures are skipped: ask for more
        if source is not None:
            hits = self.search.similar(report_id, problem_id, k=want, filters=filters)
        else:
            hits = self.search.search(query, k=want, filters=filters)
        used = usable_hits(hits, k)
        groups, merged = group_by_unit(used)
        return {"query": query if source is None else source["text"], "source": source, "excluded_units": excluded,
                "problems": len(used), "units": groups,
                "method": {"relative_floor": RELATIVE_FLOOR, "merge": MERGE_METHOD,
                           "merge_threshold": MERGE_THRESHOLD, "merged": merged}}

    def _units(self) -> dict[str, dict]:
        """Full unit name -> {"short", "reports"}; a unit inspected twice has two reports."""
        units: dict[str, dict] = {}
        for s in self.store.summaries():
            name = s.get("unit") or s.get("unit_short") or s["report_id"]
            entry = units.setdefault(name, {"short": s.get("unit_short"), "reports": []})
            entry["reports"].append(s["report_id"])
        return units

    def resolve_units(self, names: Sequence[str]) -> list[str]:
        """Full names for what a user typed: the full name, a display name, or a part of exactly
        one full or display name (市文旅广体局 is part of 益阳市文旅广体局). Anything else is an ``UnknownUnitError`` that lists
        the candidates."""
        units = self._units()
        return sorted({resolve_unit(name, units) for name in names if name and name.strip()})

    def _reports_of(self, unit_names: Sequence[str]) -> list[str]:
        units = self._units()
        return sorted(r for name in unit_names for r in units.get(name, {}).get("reports", []))

    def _source(self, report_id: str, problem_id: str) -> dict:
        rows = self.store.problem_rows([str(report_id)])
        if not rows:
            raise QueryError("unknown_report", report_id=report_id)
        row = next((r for r in rows if str(r["id"]) == str(problem_id)), None)
        if row is None:
            raise QueryError("unknown_problem_hint", report_id=report_id, problem_id=problem_id)
        return {"report_id": row["report_id"], "problem_id": str(row["id"]), "unit": row.get("unit") or row["report_id"],
                "unit_short": row.get("unit_short"), "text": row.get("text") or "", "measures": row["measures"]}


def resolve_unit(name: str, units: dict[str, dict]) -> str:
    """The full unit name ``name`` means among ``units`` (FixFinder._units); UnknownUnitError otherwise."""
    needle = " ".join(name.split())
    if needle in units:
        return needle
    for candidates in ([u for u, d in units.items() if d["short"] == needle],
                       [u for u, d in units.items() if needle in u or (d["short"] and needle in d["short"])]):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise UnknownUnitError("unit_ambiguous", unit=needle, candidates=sorted(candidates))
    known = ", ".join(f"{u} ({d['short']})" if d["short"] and d["short"] != u else u for u, d in sorted(units.items()))
    raise UnknownUnitError("unknown_unit", unit=needle, known=known or "(none)")

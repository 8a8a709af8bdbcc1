"""What every page of the app shows about the whole workspace (its report and problem counts, its
units, its regions), read with SQL aggregates instead of every report's summary: the app reads it
once per store generation, and its size grows with the number of units, never with the number of
problems (docs/decisions.md, "Warm answers independent of the store's size (session 7)")."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from reports.store import Store
from reports.store.aggregates import problem_counts, report_units

__all__ = ["Catalog", "UnitEntry", "catalog"]


@dataclass(frozen=True)
class UnitEntry:
    """One unit of the workspace: its full name, the name pages show (reports.grammar.unitnames:
    distinct across the workspace), its reports in ingest order and its numbered problems."""
    unit: str
    display: str
    reports: tuple[str, ...]
    problems: int


@dataclass(frozen=True)
class Catalog:
    """The workspace at one store generation. ``problems`` counts numbered problems, ``items`` counts
    子问题 one by one (a problem with 子问题 counts its 子问题), as Store.summaries' found counts do."""
    generation: int
    reports: int
    problems: int
    items: int
    units: tuple[UnitEntry, ...]       # most problems first
    by_unit: MappingProxyType           # full unit name -> UnitEntry
    regions: tuple[str, ...]           # distinct report regions (full strings, as stored)


def catalog(store: Store) -> Catalog:
    """Counts, units and regions from the store's aggregates (no report text, no per-report summary)."""
    generation = store.generation()
    counts = problem_counts(store)
    names = store.unit_names()
    units: dict[str, dict] = {}
    regions: set[str] = set()
    n_reports = problems = items = 0
    for rid, unit, region in report_units(store):
        n_reports += 1
        top, own_items = counts.get(rid, (0, 0))
        problems += top
        items += own_items
        if region:
            regions.add(region)
        entry = units.setdefault(unit or rid, {"reports": [], "problems": 0, "display": unit or rid})
        entry["reports"].append(rid)
        entry["problems"] += top
        if unit:
            entry["display"] = names.get(rid) or unit
    entries = tuple(UnitEntry(u, e["display"], tuple(e["reports"]), e["problems"])
                    for u, e in sorted(units.items(), key=lambda kv: (-kv[1]["problems"], kv[1]["display"])))
    return Catalog(generation, n_reports, problems, items, entries,
                   MappingProxyType({e.unit: e for e in entries}), tuple(sorted(regions)))

"""The choices the app's pickers and its sidebar line offer, one object per store generation: the
workspace catalog (counts, units, regions: ui.service.catalog's SQL aggregates, never every summary), the
unit maps, and the filter choices, each picker capped at CHOICES values with any other typed
(docs/decisions.md, "Warm answers independent of the store's size (session 7)")."""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import streamlit as st

from ui.service.catalog import Catalog, catalog
from ui.web import resources
from ui.web.state import generation, get_workspace, root

__all__ = ["CHOICES", "capped", "clear", "filter_options", "search_units", "unit_choices", "unit_display",
           "unit_hover", "unit_options", "workspace_catalog"]

CHOICES = 200  # a picker lists at most this many units or categories; others are typed (unit_choices)


# The widgets every rerun draws ask for this, not for report_summaries: one object per store generation,
# shared by every session without a copy (st.cache_resource: cache_data would unpickle it on each call),
# read with SQL aggregates (ui.service.catalog), its size the number of units, not of problems.
@st.cache_resource(show_spinner=False, max_entries=2)
def _catalog(path: str, gen: int) -> Catalog:
    return catalog(get_workspace(path).store)


def workspace_catalog() -> Catalog:
    """Counts, units and regions of the workspace at its current generation (ui.service.catalog)."""
    return _catalog(root(), generation())


def unit_display() -> Mapping[str, str]:
    """Full unit name -> its display name (distinct across the workspace: reports.grammar.unitnames), the
    one name every page shows for a unit; the full name goes to its hover text."""
    return _unit_display(root(), generation())


@st.cache_resource(show_spinner=False, max_entries=2)
def _unit_display(path: str, gen: int) -> Mapping[str, str]:
    return MappingProxyType({e.unit: e.display for e in _catalog(path, gen).units})


def unit_hover(unit: str | None) -> str | None:
    """The help (hover) text of a unit picker: the picked unit's full name."""
    return f"全称:{unit}" if unit and unit_display().get(unit, unit) != unit else None


def unit_options() -> Mapping[str, tuple[str, ...]]:
    """Full unit name -> its report ids (a unit inspected twice has two reports)."""
    return _unit_reports(root(), generation())


@st.cache_resource(show_spinner=False, max_entries=2)
def _unit_reports(path: str, gen: int) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({e.unit: e.reports for e in _catalog(path, gen).units})


def unit_choices(current: str | None = None) -> list[str]:
    """A unit picker's options: every unit while there are at most CHOICES, else the CHOICES units with
    the most problems (by display name), plus ``current``; any other unit is typed (the pickers accept
    a typed name: search_units finds it). A picker sends its options to the browser on every rerun:
    10,000 units would be ~1 MB per answer."""
    top = _unit_choices(root(), generation())
    return [*top] if not current or current in top else [*top, current]


@st.cache_resource(show_spinner=False, max_entries=2)
def _unit_choices(path: str, gen: int) -> tuple[str, ...]:
    units = _catalog(path, gen).units[:CHOICES]  # most problems first
    return tuple(e.unit for e in sorted(units, key=lambda e: e.display))


def capped(kind: str, count: int) -> str | None:
    """The help line of a picker that lists only the CHOICES most frequent of ``count`` values."""
    if count <= CHOICES:
        return None
    return f"列出问题最多的 {CHOICES} 个{kind}(共 {count} 个);其他{kind}可直接输入名称中的几个字后按回车。"


def search_units(text: str | None) -> str | None:
    """The unit a typed name means: a full or display name as it is, else the one unit whose full or
    display name contains it; None when nothing or several match (the search filter then matches the
    text itself, as a substring of the unit's names)."""
    text = (text or "").strip()
    if not text:
        return None
    names = unit_display()
    if text in names:
        return text
    exact = [u for u, d in names.items() if d == text]
    if len(exact) == 1:
        return exact[0]
    found = [u for u, d in names.items() if text in u or text in d]
    return found[0] if len(found) == 1 else None


@st.cache_data(show_spinner=False, max_entries=8)
def _filter_options(path: str, gen: int) -> dict[str, Any]:
    """The sidebar's choices, from the search table the first answer loaded (its columns: no store row
    is read; 8 s at 143,100 problems when every row was), or from the rows before an index exists.
    Categories: the CHOICES most frequent (``category_count`` says how many there are; 1.4 MB sent on
    every rerun at 318,000 problems when all were listed), any other is typed."""
    from reports.analysis.problemtypes import taxonomy

    ws = get_workspace(path)
    if resources.ready(ws):
        with resources.locks(path)["encoder"]:
            table = ws.search.ensure_ready().table
    else:
        from embeddings.table import ProblemTable
        table = ProblemTable(ws.store.problem_rows())
    regions = {part for region in _catalog(path, gen).regions for part in _region_parts(region)}
    present_types = set(table.present_types())
    categories = [c for c in table.most_common("category") if c]
    return {
        "levels": sorted((v for v in table.present("level") if v), key=lambda v: "省市县区".find(v[:1])),
        "regions": sorted(regions),
        "years": sorted({int(y) for y in table.year.tolist() if y}, reverse=True),
        "categories": categories[:CHOICES],
        "category_count": len(categories),
        "kinds": sorted(v for v in table.present("kind") if v),
        "types": [t.name for t in taxonomy().types if t.name in present_types],
    }


def _region_parts(region: str | None) -> list[str]:
    """湖南省张家界市桑植县 -> [湖南省, 张家界市, 桑植县] (the filter matches substrings)."""
    if not region:
        return []
    import re
    return [p for p in re.findall(r".+?(?:自治区|自治州|特别行政区|省|市|州|盟|地区|县|区|旗)", region) if p] or [region]


def filter_options() -> dict[str, list]:
    return _filter_options(root(), generation())


def clear() -> None:
    """Drop every per-generation object (memory only: a new generation is a new key; at most two are kept)."""
    for cached in (_catalog, _unit_display, _unit_reports, _unit_choices, _filter_options):
        cached.clear()

"""themes.json's document: lean on disk (members as (report id, problem id); the SIMILAR_TO pairs live in
themes-state.npz and graph.db, not here), member texts read from the store for the themes shown, and
the older format still read (docs/decisions.md, "Scale to a province (issue 23)": at 320k problems the
format with member texts and pairs was 176 MB and ~0.6 GB once parsed, read at every sync)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from embeddings.themes import ThemeConfig, _natural, _order, unit_of
from embeddings.themes_update import ThemeState
from ui.service.themes_state import pair_changes, state_pairs

__all__ = ["THEMES_FORMAT", "Computed", "document", "hydrate", "lean_themes", "member_entries", "member_entry",
           "unit_theme_matrix", "update_document", "upgrade"]

THEMES_FORMAT = "xuncha-themes/3"   # 3: members as [report id, problem id], no pairs (2: member texts, pairs)
LEGACY_FORMAT = "xuncha-themes/2"   # read and upgraded in memory; the next write replaces it
REPORTS_PER_READ = 200              # hydrating members reads the rows of this many reports at a time

Key = tuple[str, str]


def document(themes: list[dict], unthemed: Sequence[Key], stats: dict, unit_theme: dict, stamp: dict,
             config: ThemeConfig, seconds: float) -> dict:
    """What themes.json holds (lean ``themes``, see ``lean_themes``). ``unit_theme`` is kept with the
    themes so that readers need nothing else; ``stats["similar_pairs"]`` counts the pairs."""
    return {"format": THEMES_FORMAT, "stamp": stamp, "config": config.key(),
            "computed_at": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": round(seconds, 4),
            "themes": themes, "unthemed": [list(k) for k in unthemed], "stats": stats, "unit_theme": unit_theme}


@dataclass
class Computed:
    """A themes document computed by this process and not yet in the graph: its SIMILAR_TO pairs, or
    (after an update that only added problems) their change: (pairs gone, pairs new or rescored, the
    number of pairs before)."""

    doc: dict
    pairs: list[tuple] | None = None
    changes: tuple[list[tuple], list[tuple], int] | None = None


def update_document(cached: dict, state: ThemeState, key_of: dict, names: dict[str, str], stamp: dict,
                    config: ThemeConfig, drift: float, seconds: float, prev: tuple[np.ndarray, np.ndarray] | None
                    ) -> tuple[dict, Computed]:
    """themes.json after an incremental update (ui.service.themes): the base themes (ids, labels, types,
    terms) with today's members (keys: no member row is read; ``names`` report id -> display name), and
    the SIMILAR_TO pairs the neighbour lists imply: with ``prev`` (the lists before problems were
    added) only their change, else all of them."""
    keys = [key_of[int(u)] for u in state.uids.tolist()]
    groups: dict[int, list[int]] = {}
    for i, t in enumerate(state.theme.tolist()):
        if t >= 0:
            groups.setdefault(t, []).append(i)
    rank = {k: n for n, k in enumerate(sorted(keys, key=lambda k: (k[0], _natural(k[1]))))}
    themes, member_units, themed = [], {}, set()
    for t, base in enumerate(cached["base"]["themes"]):
        rows = sorted(groups.get(t, []), key=lambda i: rank[keys[i]])
        if len(rows) < config.min_size:
            continue
        members = [keys[i] for i in rows]
        themed.update(members)
        units = sorted({state.units[i] for i in rows})
        member_units[base["id"]] = [(state.units[i], names.get(keys[i][0])) for i in rows]
        themes.append({**base, "size": len(members), "units": units, "unit_count": len(units),
                       "reports": sorted({k[0] for k in members}), "members": [list(k) for k in members]})
    themes = _order(themes)
    pairs = changes = None
    if prev is not None:
        gone, fresh, delta = pair_changes(state, *prev, keys, rank, config)
        had = int(cached["stats"].get("similar_pairs", 0))
        changes, count = (gone, fresh, had), had + delta
    else:
        pairs = state_pairs(state, keys, rank, config)
        count = len(pairs)
    stats = {"problems": len(keys), "themes": len(themes), "themed_problems": sum(t["size"] for t in themes),
             "similar_pairs": count, "incremental": True, "drift": round(drift, 4),
             "seconds": {"total": round(seconds, 4)}}
    matrix = unit_theme_matrix(themes, [member_units[t["id"]] for t in themes])
    unthemed = sorted(k for k in keys if k not in themed)
    doc = document(themes, unthemed, stats, matrix, stamp, config, seconds)
    return doc, Computed(doc, pairs, changes)


def lean_themes(themes: Iterable[dict]) -> list[dict]:
    """Themes with their members as [report id, problem id] (the keys' order and every other field kept)."""
    return [{**t, "members": [[m["report_id"], m["problem_id"]] for m in t["members"]]} for t in themes]


def upgrade(doc: dict) -> dict:
    """A document of the previous format (members with texts, pairs inline) as this format's, so that
    its base keeps serving incremental updates; other documents are returned as they are."""
    if doc.get("format") != LEGACY_FORMAT or not isinstance(doc.get("themes"), list):
        return doc
    stats = {**doc.get("stats", {}), "similar_pairs": len(doc.get("pairs", ()))}
    out = {k: v for k, v in doc.items() if k != "pairs"}
    return {**out, "format": THEMES_FORMAT, "themes": lean_themes(doc["themes"]), "stats": stats}


def unit_theme_matrix(themes: Sequence[dict], member_units: Sequence[Sequence[tuple[str, str | None]]]) -> dict:
    """Units x themes problem counts (the page's heatmap and `xuncha themes`); ``member_units[c]`` is
    the (unit, display name) of each member of ``themes[c]``. Units with more themes come first;
    themes keep their order (most units first).

    ``{"units": [full names], "unit_short": [display names], "unit_labels": [the same],
    "themes": [ids], "labels": [...], "counts": [[int per theme] per unit]}``"""
    per_unit: dict[str, Counter] = {}
    short: dict[str, str | None] = {}
    for col, members in enumerate(member_units):
        for unit, name in members:
            per_unit.setdefault(unit, Counter())[col] += 1
            short.setdefault(unit, name)
    units = sorted(per_unit, key=lambda u: (-len(per_unit[u]), -sum(per_unit[u].values()), u))
    shorts = [short[u] or u for u in units]
    return {
        "units": units,
        "unit_short": shorts,
        "unit_labels": shorts,  # display names: distinct per workspace (Store.unit_names)
        "themes": [t["id"] for t in themes],
        "labels": [t["label"] for t in themes],
        "counts": [[per_unit[u].get(c, 0) for c in range(len(themes))] for u in units],
    }


def member_entry(row: dict) -> dict:
    """A member as `xuncha themes --json` and the page show it, from its store row."""
    return {"report_id": row["report_id"], "problem_id": str(row["id"]), "unit": unit_of(row),
            "unit_short": row.get("unit_short"), "category": row.get("category"), "text": row.get("text") or "",
            "types": list(row.get("types") or [])}


def member_entries(store, keys: Iterable[Key]) -> dict[Key, dict]:
    """(report id, problem id) -> ``member_entry`` for the stored ones among ``keys``, reading the rows
    of their reports a few hundred reports at a time (memory: what is shown, not the store)."""
    want = {(str(r), str(p)) for r, p in keys}
    reports = sorted({r for r, _ in want})
    out: dict[Key, dict] = {}
    for lo in range(0, len(reports), REPORTS_PER_READ):
        for row in store.problem_rows(reports[lo:lo + REPORTS_PER_READ]):
            key = (row["report_id"], str(row["id"]))
            if key in want:
                out[key] = member_entry(row)
    return out


def hydrate(store, themes: Sequence[dict]) -> list[dict]:
    """``themes`` (lean) with each member as ``member_entry`` (a member no longer stored is left out)."""
    entries = member_entries(store, ((r, p) for t in themes for r, p in t["members"]))
    return [{**t, "members": [entries[(r, p)] for r, p in t["members"] if (r, p) in entries]} for t in themes]

"""themes.json's document: lean on disk (members as (report id, problem id); the SIMILAR_TO pairs live in
themes-state.npz and graph.db, not here), member texts read from the store for the themes shown, and
the older format still read (docs/decisions.md, "Scale to a province (issue 23)": at 320k problems the
format with member texts and pairs was 176 MB and ~0.6 GB once parsed, read at every sync)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from embeddings.themes import ThemeConfig, unit_of

__all__ = ["THEMES_FORMAT", "document", "hydrate", "lean_themes", "member_entries", "member_entry",
           "unit_theme_matrix", "upgrade"]

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

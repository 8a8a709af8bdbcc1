"""Whole-store counts read with SQL aggregates, for views whose size must follow the number of
reports and units, never the number of problems (ui.service.catalog: every page's workspace
summary). The SQL stays with the store that owns the schema."""
from __future__ import annotations

from collections.abc import Iterator

from reports.store import Store

__all__ = ["problem_counts", "report_units"]


def problem_counts(store: Store) -> dict[str, tuple[int, int]]:
    """Report id -> (numbered problems, items): items count a problem's 子问题 instead of the
    problem itself, as Store.summaries' found counts do."""
    conn = store.conn
    counts = {rid: (top or 0, own or 0) for rid, top, own in conn.execute(
        "SELECT report_id, SUM(parent_id IS NULL AND kind = 'problem'), SUM(kind = 'problem') FROM problems"
        " GROUP BY report_id")}
    # a problem with 子问题 is counted by its 子问题: subtract every problem that is some row's parent
    parents = dict(conn.execute(
        "SELECT d.report_id, COUNT(*) FROM (SELECT DISTINCT report_id, parent_id FROM problems"
        " WHERE parent_id IS NOT NULL) d JOIN problems p ON p.report_id = d.report_id AND p.id = d.parent_id"
        " AND p.kind = 'problem' GROUP BY d.report_id").fetchall())
    return {rid: (top, own - parents.get(rid, 0)) for rid, (top, own) in counts.items()}


def report_units(store: Store) -> Iterator[tuple[str, str | None, str | None]]:
    """(report id, unit, region) of every report, in ingest order."""
    yield from store.conn.execute("SELECT id, unit, region FROM reports ORDER BY ingested_at, id")

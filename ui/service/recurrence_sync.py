"""The RECURS links a sync stores, computed one unit at a time from problem keys, report dates and that
unit's vectors and tokens: no problem rows (``Store.problem_rows`` holds ~5 kB per problem as dicts,
1.6 GB at 320k problems) and never more than one unit's vectors at once (docs/decisions.md, "Scale to a
province (issue 23)"). Equal to linking ``Workspace.recurrences()`` (tests/test_recurring.py)."""
from __future__ import annotations

from collections.abc import Callable

from embeddings.recurrence import DEFAULT_RECURRENCE, RecurrenceConfig, inspection_date, unit_links
from graph.fragments import Link

__all__ = ["recurrence_links"]

_DATES = ("start_date", "end_date", "feedback_date", "report_date", "publish_date")


def report_dates(store, report_ids: list[str] | None) -> dict[str, str | None]:
    """report id -> its inspection date (embeddings.recurrence.inspection_date), one row per report."""
    sql = f"SELECT id, {', '.join(_DATES)} FROM reports"
    args: tuple = ()
    if report_ids is not None:
        sql += f" WHERE id IN ({','.join('?' * len(report_ids))})"
        args = tuple(report_ids)
    return {r[0]: inspection_date(dict(zip(_DATES, r[1:], strict=True))) for r in store.conn.execute(sql, args)}


def recurrence_links(store, problem_vectors: Callable, units: dict[str, str | None], report_ids: list[str] | None,
                     config: RecurrenceConfig = DEFAULT_RECURRENCE) -> list[Link]:
    """RECURS links (later report, later problem, earlier report, earlier problem, score) among the
    reports ``report_ids`` (whole units; None: every report).

    ``units``: report id -> unit key (ui.service.workspace.unit_key); ``problem_vectors(keys)`` gives
    (keys, vectors, tokens) of stored problems (SearchService.problem_vectors). Reports without a unit
    or a date are left out, as find_recurrences leaves them out; rows keep the store's order, so ties
    are broken the same way."""
    if report_ids is not None and not report_ids:
        return []
    dates = report_dates(store, report_ids)
    groups: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for rid, pid in store.problem_keys(report_ids, findings=True):
        if units.get(rid) is None or dates.get(rid) is None:
            continue
        groups.setdefault(units[rid], {}).setdefault(rid, []).append((rid, pid))
    out: list[Link] = []
    for reports in groups.values():
        if len(reports) < 2:
            continue   # one report: nothing earlier to repeat
        keys = [k for ks in reports.values() for k in ks]
        positions, n = {}, 0
        for rid, ks in reports.items():
            positions[rid] = list(range(n, n + len(ks)))
            n += len(ks)
        _, vectors, tokens = problem_vectors(keys)
        for i, j, score, _dense, _lexical in unit_links(positions, {r: dates[r] for r in reports}, vectors, tokens,
                                                        config):
            out.append((*keys[i], *keys[j], score))
    return out

"""Provenance on graph nodes and edges: which reports support them, where, and what each report said.
Per-report facts (`by_report`) make removing a report exact; see docs/decisions.md (Graph)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["Span", "refresh", "support", "withdraw"]

Span = tuple[int, int] | list[int] | None


def support(attrs: dict, report_id: str, span: Span = None, **facts: Any) -> None:
    """Record that `report_id` supports this node/edge, at `span`, stating `facts`.

    List facts accumulate in order without duplicates; scalar facts keep the first value a report
    gave (its earliest mention), and None means "this report does not say". Containers are
    replaced, never changed in place, so a `G.copy()` (which shares them) is not affected.
    """
    attrs["reports"] = set(attrs.get("reports", ())) | {report_id}
    spans = dict(attrs.get("spans", {}))
    mine = list(spans.get(report_id, []))
    if span is not None and [int(span[0]), int(span[1])] not in mine:
        mine.append([int(span[0]), int(span[1])])
    spans[report_id] = mine
    attrs["spans"] = spans
    facts = {k: v for k, v in facts.items() if v is not None and v != []}
    if not facts:
        return
    by_report = dict(attrs.get("by_report", {}))
    stated = {k: list(v) if isinstance(v, list) else v for k, v in by_report.get(report_id, {}).items()}
    for key, value in facts.items():
        if isinstance(value, (list, tuple, set)):
            _extend_unique(stated.setdefault(key, []), value)
        else:
            stated.setdefault(key, value)
    by_report[report_id] = stated
    attrs["by_report"] = by_report
    refresh(attrs)


def withdraw(attrs: dict, report_id: str) -> bool:
    """Remove `report_id`'s support; True when nothing supports the node/edge any more."""
    attrs["reports"] = set(attrs.get("reports", ())) - {report_id}
    attrs["spans"] = {r: s for r, s in attrs.get("spans", {}).items() if r != report_id}
    by_report = attrs.get("by_report", {})
    if report_id in by_report:
        before = {k for facts in by_report.values() for k in facts}
        attrs["by_report"] = by_report = {r: f for r, f in by_report.items() if r != report_id}
        refresh(attrs)
        after = {k for facts in by_report.values() for k in facts}
        for key in before - after:
            attrs.pop(key, None)
        if "roles" not in attrs:
            attrs.pop("role", None)
    return not attrs["reports"]


def refresh(attrs: dict) -> None:
    """Derive visible attributes from the per-report facts, in report-id order so that the result
    does not depend on the order reports were added (an incremental graph equals a rebuilt one)."""
    by_report = attrs.get("by_report", {})
    derived: dict[str, Any] = {}
    for report_id in sorted(by_report):
        for key, value in by_report[report_id].items():
            if isinstance(value, list):
                _extend_unique(derived.setdefault(key, []), value)
            else:
                derived.setdefault(key, value)
    if "roles" in derived:  # HOLDS_ROLE shows its roles as one string too (GraphML, Neo4j, tables)
        derived["role"] = "、".join(derived["roles"])
    attrs.update(derived)


def _extend_unique(target: list, values: Iterable) -> None:
    for value in values:
        value = list(value) if isinstance(value, tuple) else value
        if value not in target:
            target.append(value)

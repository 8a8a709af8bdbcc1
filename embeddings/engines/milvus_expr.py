"""Milvus boolean expressions for the search filters (what Milvus filters on the server); the
Searcher's mask on the candidates keeps the meaning exact where a value cannot be expressed."""
from __future__ import annotations

from ..search import Filters

__all__ = ["filter_expr"]


def _quote(value: str) -> str:
    """A Milvus string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _like(field: str, needle: str) -> str | None:
    """``field like "%needle%"``, or None when the needle holds LIKE wildcards (the mask still applies)."""
    if any(c in needle for c in "%_\\\""):
        return None
    return f'{field} like "%{needle}%"'


def filter_expr(filters: Filters) -> str:
    """The Milvus boolean expression for ``filters`` ("" when nothing is filtered).

    It mirrors ProblemTable.mask; where a value cannot be expressed safely the clause is left out,
    and the mask (applied to Milvus's candidates) keeps the meaning exact."""
    parts: list[str] = []
    if filters.unit:
        needle = filters.unit.strip()
        a, b = _like("unit", needle), _like("unit_short", needle)
        if a and b:
            parts.append(f"({a} or {b})")
    if filters.level:
        level = filters.level.strip().removesuffix("级")
        parts.append(f"level in [{_quote(level)}, {_quote(level + '级')}]")
    if filters.region and (clause := _like("region", filters.region.strip())):
        parts.append(clause)
    if filters.year:
        parts.append(f"year == {int(filters.year)}")
    if filters.category and (clause := _like("category", filters.category.strip())):
        parts.append(clause)
    if filters.kind:
        parts.append(f"kind == {_quote(filters.kind.strip())}")
    type_filter = getattr(filters, "type", None)
    if type_filter:
        from ..search import _type_id

        parts.append(f'type_ids like "% {_type_id(type_filter)} %"')   # ids are [a-z_] words
    item_kind = getattr(filters, "item_kind", None)
    if item_kind:
        parts.append(f"item_kind == {_quote(item_kind.strip())}")
    if filters.exclude_report:
        parts.append(f"report_id not in [{', '.join(_quote(r) for r in filters.exclude_report)}]")
    return " and ".join(parts)

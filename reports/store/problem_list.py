"""Every stored problem as one flat record (`xuncha problems`): unit, display name, types, measures."""
from __future__ import annotations

from reports.analysis.problemtypes import taxonomy
from reports.shared.notices import XunchaError
from reports.store import Store

__all__ = ["problem_records", "resolve_type", "unit_type_matrix"]


def resolve_type(name: str) -> str:
    """A type's id from its Chinese name or id; an unknown one is a XunchaError listing the types."""
    found = taxonomy().resolve(name)
    if found is None:
        raise XunchaError("unknown_problem_type", type=name, known=[t.name for t in taxonomy().types])
    return found.id


def problem_records(store: Store, unit: str | None = None, type_: str | None = None,
                    concreteness: dict[tuple[str, str], float] | None = None) -> list[dict]:
    """Problems in store order; `unit` is a substring of the full or display name, `type_` a type's
    Chinese name or id; `concreteness` maps (report_id, problem_id) to the rectification's
    concreteness (reports.analysis.concreteness; null when absent). Contract fields first (docs/cli.md,
    `xuncha problems`), then the evidence."""
    concreteness = concreteness or {}
    wanted = resolve_type(type_) if type_ else None
    rows = store.problem_rows()
    parents = {(r["report_id"], r["parent_id"]) for r in rows if r["parent_id"]}
    needle = (unit or "").strip()
    out = []
    for r in rows:
        if needle and needle not in (r["unit"] or "") and needle not in (r["unit_short"] or ""):
            continue
        if wanted and wanted not in r["type_ids"]:
            continue
        out.append({"report_id": r["report_id"], "problem_id": r["id"], "unit": r["unit"],
                    "unit_short": r["unit_short"], "category": r["category"], "text": r["text"],
                    "status_code": r["status_code"], "types": r["types"], "measures": r["measures"],
                    "concreteness": concreteness.get((r["report_id"], r["id"])), "parent_id": r["parent_id"], "leaf": (r["report_id"], r["id"]) not in parents,
                    "type_ids": r["type_ids"], "type_evidence": r["type_evidence"]})
    return out


def unit_type_matrix(records: list[dict]) -> dict:
    """Problem types x units counts over leaf problems (a problem with two types counts in both).

    ``{"units": [display names], "types": [{"id","name","group"}], "counts": [[int per unit] per type]}``;
    types in taxonomy order, only those with a problem; units by problem count, then name."""
    tax = taxonomy()
    leaves = [r for r in records if r.get("leaf", True)]
    per_unit: dict[str, int] = {}
    cells: dict[tuple[str, str], int] = {}
    for r in leaves:
        unit = r["unit_short"] or r["unit"] or r["report_id"]
        per_unit[unit] = per_unit.get(unit, 0) + 1
        for type_id in r["type_ids"]:
            cells[(type_id, unit)] = cells.get((type_id, unit), 0) + 1
    units = sorted(per_unit, key=lambda u: (-per_unit[u], u))
    used = [t for t in tax.types if any(cells.get((t.id, u)) for u in units)]
    return {"units": units,
            "types": [{"id": t.id, "name": t.name, "group": tax.groups[t.group]} for t in used],
            "counts": [[cells.get((t.id, u), 0) for u in units] for t in used]}

"""The texts that are embedded (or tokenised) for index rows, cut to the per-problem and per-report
limits (reports.read.limits.embed_caps; docs/decisions.md, "Faults and limits")."""
from __future__ import annotations

import logging

import numpy as np

from reports.read.limits import embed_caps

from .table import KeyTable, ProblemTable

__all__ = ["capped_texts", "recipe_stamp", "row_texts"]

log = logging.getLogger("xuncha.search")


def capped_texts(table: ProblemTable, positions: list[int], recipe: str, per_problem: int,
                  per_report: int, *, quiet: bool = False) -> list[str]:
    """The texts of rows ``positions`` cut to the per-problem and per-report limits (a long text
    is used from its first part; reports.read.limits.embed_caps, docs/decisions.md "Limits").
    ``quiet``: no warning for a cut (a query re-deriving one problem's tokens, not a sync)."""
    texts = [table.doc_text(int(i), recipe) for i in positions]
    by_report: dict[str, list[int]] = {}
    for n, i in enumerate(positions):
        by_report.setdefault(table.report_id[int(i)], []).append(n)
    cut = 0
    for report_id, members in by_report.items():
        caps = embed_caps([len(texts[n]) for n in members], per_problem, per_report)
        for n, cap in zip(members, caps, strict=True):
            if cap < len(texts[n]):
                texts[n] = texts[n][:cap]
                cut += 1
        if cut and not quiet:
            log.warning("report %s: %d long problem texts used from their first part (limits %d per problem, "
                        "%d per report)", report_id, cut, per_problem, per_report)
            cut = 0
    return texts


def row_texts(store, table: ProblemTable | KeyTable, positions: np.ndarray, recipe: str, per_problem: int,
              per_report: int) -> list[str]:
    """The recipe's texts of rows ``positions`` of ``table`` (a ProblemTable, or a KeyTable whose
    rows are then read from ``store`` for the reports they belong to only)."""
    if isinstance(table, ProblemTable) or not len(positions):
        return capped_texts(table, positions.tolist(), recipe, per_problem, per_report) if len(positions) else []
    reports = sorted({table.report_id[int(i)] for i in positions})
    rows = ProblemTable(store.problem_rows(reports, types="types" in recipe))   # texts (and types if embedded)
    return capped_texts(rows, [rows.pos[int(table.uids[int(i)])] for i in positions], recipe, per_problem,
                        per_report)


def recipe_stamp(recipe: str) -> str:
    """What an index records of how its vectors were made: the recipe, and for a recipe that embeds
    the problems' types the classifier's stamp, since an edited taxonomy changes those texts without
    changing any problem (the index is then rebuilt, as for another recipe)."""
    if "types" not in recipe.split("+"):
        return recipe
    from reports.analysis.problemtypes import types_version

    return f"{recipe}@{types_version()}"

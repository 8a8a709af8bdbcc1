"""`xuncha doctor`: is the workspace sound, and does every derived artifact reflect the store?

The store (xuncha.db) is the system of record: SQLite's integrity and foreign-key checks say
whether it is sound; it cannot be rebuilt from anything, only restored from a copy. Every other
file is derived (ui/service/artifacts.py: the search index, the graph, the themes and the links
they put into the graph, the RECURS links) and records the store generation it reflects. A check
asks each artifact for its state without changing anything; ``repair`` rebuilds what is stale,
damaged or missing, and whatever is derived from what it rebuilt (docs/decisions.md "Faults").
"""
from __future__ import annotations

from reports.shared.notices import Notice
from reports.shared.progress import Progress

from .artifacts import DAMAGED, MISSING, OK, STALE, Check, artifacts

__all__ = ["DAMAGED", "MISSING", "OK", "PART_LABELS", "STALE", "Check", "diagnose", "line", "repair", "to_json"]

_LABELS = {OK: "正常", STALE: "过期", DAMAGED: "损坏", MISSING: "缺失"}
# The parts of a workspace as people name them (the JSON keeps `name`).
PART_LABELS = {"store": "数据库", "types": "问题类型", "search": "向量索引", "lexical": "关键词索引", "table": "检索表",
               "graph": "知识图谱", "themes": "共性问题", "similarity": "相似关系", "recurrence": "重复出现关系",
               "themes/similarity": "共性问题和相似关系"}


def to_json(check: Check) -> dict:
    """A check as `xuncha doctor --json` prints it (detail: English, message: Chinese)."""
    return {"name": check.name, "state": check.state, "generation": check.generation,
            "detail": check.notice.english() if check.notice else "",
            "message": check.notice.chinese() if check.notice else ""}


def line(check: Check) -> str:
    """A check as plain `xuncha doctor` prints it."""
    gen = f"(第 {check.generation} 代)" if check.generation is not None else ""
    label = PART_LABELS.get(check.name, check.name)
    pad = " " * max(0, 10 - 2 * len(label))
    note = "  " + check.notice.chinese() if check.notice else ""
    return f"{label}{pad} {_LABELS.get(check.state, check.state)}{gen}{note}"


def diagnose(ws) -> list[Check]:
    """Check the store and every derived artifact; nothing is written."""
    generation = ws.store.generation()
    problems = ws.store.integrity()
    checks = [Check("store", DAMAGED if problems else OK, generation,
                    Notice("doctor_store", {"problems": "; ".join(problems[:3])}) if problems else None)]
    if not problems:
        checks.append(_types_check(ws, generation))
    earlier: dict[str, Check] = {}
    for artifact in artifacts(ws):
        found = artifact.state(generation, earlier)
        earlier.update((c.name, c) for c in found)
        checks += found
    return checks


def _types_check(ws, generation: int) -> Check:
    """The problem types stored at ingest: stale when some report's were classified by another
    classifier version (readers then classify those on read; repair stores them again). Not an
    artifact: they live in the store, and a sync (an ingest) never reclassifies the whole store by itself."""
    from reports.analysis.problemtypes import types_version

    version = types_version()
    stale = ws.store.stale_types()
    if stale:
        return Check("types", STALE, generation, Notice("doctor_types_stale", {"reports": stale, "version": version}))
    return Check("types", OK, generation,
                 Notice("doctor_types", {"count": len(ws.store.problem_keys()), "version": version}))


def repair(ws, checks: list[Check], progress: Progress | None = None) -> list[str]:
    """Rebuild every artifact with a part that is not ok (from nothing when one is damaged), and every
    artifact derived from one rebuilt; returns what was done (one line each). A damaged store is not
    touched: nothing can rebuild it. Run it through Workspace.repair, which holds the writer lock."""
    state = {c.name: c.state for c in checks}
    rebuilt: set[str] = set()
    done: list[str] = []
    if state.get("types", OK) != OK:   # first: a new generation; the graph's OF_TYPE edges are rebuilt from them
        ws.store.reclassify(progress=progress)
        done.append(f"{PART_LABELS['types']}:已重新分类")
        state["graph"] = DAMAGED
        state.setdefault("search", STALE)
        state["search"] = DAMAGED if state["search"] == DAMAGED else STALE
    for artifact in artifacts(ws):
        parts = [state.get(p, OK) for p in artifact.parts]
        if not (any(s != OK for s in parts) or rebuilt & set(artifact.after)):
            continue
        full = any(state.get(p, OK) == DAMAGED for p in getattr(artifact, "rebuilt_from_nothing", artifact.parts))
        artifact.rebuild(progress, full=full)
        rebuilt.add(artifact.name)
        label = PART_LABELS["themes/similarity" if artifact.name == "themes" else artifact.name]
        done.append(f"{label}:{'已重建' if full else '已更新'}")
    return done

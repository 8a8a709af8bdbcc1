"""`xuncha doctor`: is the workspace sound, and does every derived artifact reflect the store?

The store (xuncha.db) is the system of record: SQLite's integrity and foreign-key checks say
whether it is sound; it cannot be rebuilt from anything, only restored from a copy. Every other
file is derived and records the store generation it reflects: the search index (manifest.json:
vectors, ids, tokens, BM25 arrays), the graph (graph.db: one fragment per report), the themes (themes.json) and the
theme nodes and SIMILAR_TO edges they put into the graph. A check reads each without changing
anything; ``repair`` rebuilds what is stale, damaged or missing (docs/decisions.md "Faults").
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from reports.notices import Notice

__all__ = ["PART_LABELS", "Check", "diagnose", "repair"]

OK, STALE, DAMAGED, MISSING = "ok", "stale", "damaged", "missing"
_LABELS = {OK: "正常", STALE: "过期", DAMAGED: "损坏", MISSING: "缺失"}
# The parts of a workspace as people name them (the JSON keeps `name`).
PART_LABELS = {"store": "数据库", "types": "问题类型", "search": "向量索引", "lexical": "关键词索引", "graph": "知识图谱",
               "themes": "共性问题", "similarity": "相似关系", "themes/similarity": "共性问题和相似关系"}


@dataclass
class Check:
    """The state of one part of the workspace; `notice` says what was found (a code of the one table)."""

    name: str            # store | types | search | lexical | graph | themes | similarity
    state: str           # ok | stale | damaged | missing
    generation: int | None = None   # store generation the artifact reflects
    notice: Notice | None = None

    @property
    def detail(self) -> str:
        return self.notice.english() if self.notice else ""

    def to_json(self) -> dict:
        return {"name": self.name, "state": self.state, "generation": self.generation, "detail": self.detail,
                "message": self.notice.chinese() if self.notice else ""}

    def line(self) -> str:
        gen = f"(第 {self.generation} 代)" if self.generation is not None else ""
        label = PART_LABELS.get(self.name, self.name)
        pad = " " * max(0, 10 - 2 * len(label))
        return f"{label}{pad} {_LABELS.get(self.state, self.state)}{gen}{'  ' + self.notice.chinese() if self.notice else ''}"


def _n(code: str, **params) -> Notice:
    return Notice(code, params)


def _why(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def diagnose(ws) -> list[Check]:
    """Check the store and every derived artifact; nothing is written."""
    generation = ws.store.generation()
    problems = ws.store.integrity()
    checks = [Check("store", DAMAGED if problems else OK, generation,
                    _n("doctor_store", problems="; ".join(problems[:3])) if problems else None)]
    if not problems:
        checks.append(_types_check(ws, generation))
    checks += _search_checks(ws, generation)
    graph_check, G = _graph_check(ws, generation)
    checks.append(graph_check)
    checks += _theme_checks(ws, generation, G)
    return checks


def _types_check(ws, generation: int) -> Check:
    """The problem types stored at ingest: stale when some report's were classified by another
    classifier version (readers then classify those on read; repair stores them again)."""
    from reports.problemtypes import types_version

    version = types_version()
    stale = ws.store.stale_types()
    if stale:
        return Check("types", STALE, generation, _n("doctor_types_stale", reports=stale, version=version))
    return Check("types", OK, generation, _n("doctor_types", count=len(ws.store.problem_keys()), version=version))


def _search_checks(ws, generation: int) -> list[Check]:
    from embeddings.index import VectorIndex
    from embeddings.lexical import LexicalIndex
    from embeddings.manifest import SearchIndexError, read_manifest

    svc = ws.search
    try:
        manifest = read_manifest(svc.dir)
    except SearchIndexError as exc:
        return [Check("search", DAMAGED, None, exc.notice), Check("lexical", DAMAGED, None, _n("doctor_manifest_damaged"))]
    if manifest is None:
        state = MISSING if ws.store.report_ids() else OK
        return [Check("search", state, None, _n("doctor_no_index") if state == MISSING else None),
                Check("lexical", state, None)]
    out = []
    path = svc.dir / manifest.files.get("vectors", "")
    try:
        vectors = VectorIndex.load(path)
        count = len(ws.store.problem_keys())
        if manifest.generation != generation:
            out.append(Check("search", STALE, manifest.generation, _n("doctor_behind", generation=generation)))
        elif len(vectors) != count:
            out.append(Check("search", STALE, manifest.generation, _n("doctor_vectors", vectors=len(vectors), problems=count)))
        else:
            out.append(Check("search", OK, manifest.generation, _n("doctor_problems", count=len(vectors))))
    except (OSError, RuntimeError, ValueError) as exc:
        out.append(Check("search", DAMAGED, manifest.generation, _n("doctor_unreadable", path=str(path), reason=_why(exc))))
    lex = manifest.files.get("lexical")
    tokens = manifest.files.get("tokens")
    try:
        if not lex or not tokens:
            raise OSError(_n("doctor_not_recorded").english())
        LexicalIndex.load(svc.dir / lex)
        data = json.loads((svc.dir / tokens).read_text("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), dict):
            raise ValueError(f"{svc.dir / tokens}: not a tokens file")
        state = OK if manifest.generation == generation else STALE
        out.append(Check("lexical", state, manifest.generation))
    except (OSError, ValueError, KeyError) as exc:
        out.append(Check("lexical", DAMAGED, manifest.generation, _n("doctor_unreadable", path=str(svc.dir), reason=_why(exc))))
    return out


def _graph_check(ws, generation: int):
    """The fragments file: readable, its generation, one fragment per stored report."""
    from graph.persist import GraphFileError

    path = ws.graph.path
    if not path.exists():
        return Check("graph", MISSING if ws.store.report_ids() else OK, None), None
    try:
        have = ws.graph.fragments.generation()
        counts = ws.graph.fragments.counts()
        stored = ws.graph.fragments.report_ids() == set(ws.store.report_ids())
        for _ in ws.graph.fragments.fragments():
            pass
    except (GraphFileError, OSError, ValueError, sqlite3.Error) as exc:
        return Check("graph", DAMAGED, None, _n("doctor_unreadable", path=str(path), reason=_why(exc))), None
    state = OK if have == generation and stored else STALE
    return Check("graph", state, have, _n("doctor_graph_fragments", fragments=counts["fragments"])), ws.graph


def _theme_checks(ws, generation: int, G) -> list[Check]:
    from embeddings.manifest import SearchIndexError
    from ui.service.themes import _graph_has

    themes = ws.themes
    if not themes.path.exists():
        state = MISSING if ws.store.report_ids() else OK
        return [Check("themes", state, None), Check("similarity", state, None)]
    try:
        doc = json.loads(themes.path.read_text("utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("stamp"), dict):
            raise ValueError("not a themes file")
    except (OSError, ValueError) as exc:
        return [Check("themes", DAMAGED, None, _n("doctor_unreadable", path=str(themes.path), reason=_why(exc))),
                Check("similarity", STALE, None, _n("doctor_themes_first"))]
    have = doc["stamp"].get("generation")
    try:
        fresh = themes._fresh(doc)
    except SearchIndexError:
        fresh = False
    out = [Check("themes", OK if fresh else STALE, have, _n("doctor_themes", count=len(doc.get("themes", []))))]
    if G is None:
        out.append(Check("similarity", STALE, have, _n("doctor_graph_first")))
    elif not _graph_has(G, doc):
        out.append(Check("similarity", STALE, have, _n("doctor_graph_lacks")))
    else:
        out.append(Check("similarity", OK if fresh else STALE, have, _n("doctor_similar", count=len(doc.get("pairs", [])))))
    return out


def repair(ws, checks: list[Check], progress=None) -> list[str]:
    """Rebuild every artifact that is not ok; returns what was done (one line each). A damaged
    store is not touched: nothing can rebuild it."""
    from embeddings.writer_lock import writing

    bad = {c.name for c in checks if c.state != OK}
    done: list[str] = []
    with writing(ws.root):
        if "types" in bad:   # first: a new generation, and the graph's OF_TYPE edges follow the stored types
            ws.store.reclassify(progress=progress)
            done.append(f"{PART_LABELS['types']}:已重新分类")
            bad |= {"search", "graph"}
        if bad & {"search", "lexical"}:
            damaged = any(c.state == DAMAGED for c in checks if c.name in ("search", "lexical"))
            if damaged:
                ws.search.reindex(progress=progress)
                done.append(f"{PART_LABELS['search']}:已重建")
            else:
                ws.search.sync(progress=progress)
                done.append(f"{PART_LABELS['search']}:已更新")
        if "graph" in bad:
            if "types" in bad or any(c.name == "graph" and c.state == DAMAGED for c in checks):
                ws.graph.rebuild()
                done.append(f"{PART_LABELS['graph']}:已重建")
            else:
                ws.graph.sync()
                done.append(f"{PART_LABELS['graph']}:已更新")
        if bad & {"themes", "similarity", "graph", "search", "lexical"}:
            ws.themes.sync(progress=progress, force="themes" in bad)
            done.append(f"{PART_LABELS['themes/similarity']}:已更新")
    return done

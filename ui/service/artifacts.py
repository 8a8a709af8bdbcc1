"""A workspace's derived artifacts behind one protocol: ``state`` (what doctor shows), ``is_fresh``,
``rebuild``. Workspace.sync, doctor and repair iterate ``ARTIFACTS`` in order, so a new artifact is
one class here and one entry in that list, not an edit to each of them.

The store (xuncha.db) is the system of record and no artifact: it cannot be rebuilt from anything.
Every artifact records the store generation it reflects; ``after`` names the artifacts it is derived
from besides the store, so repair rebuilds it whenever one of those was (themes follow the index and
the graph). Each class asks its service for what it checks; none parses another's files.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from reports.shared.ioerrors import reason_line
from reports.shared.notices import Notice
from reports.shared.progress import Progress

if TYPE_CHECKING:
    from graph.sync_process import GraphSyncProcess

__all__ = ["ARTIFACTS", "DAMAGED", "MISSING", "OK", "STALE", "Artifact", "Beside", "Check", "artifacts", "is_fresh"]

OK, STALE, DAMAGED, MISSING = "ok", "stale", "damaged", "missing"


@dataclass
class Check:
    """The state of one part of the workspace; `notice` says what was found (a code of the one table)."""

    name: str            # store | search | lexical | graph | themes | similarity
    state: str           # ok | stale | damaged | missing
    generation: int | None = None   # store generation the artifact reflects
    notice: Notice | None = None


class Artifact(Protocol):
    """One derived artifact of a workspace (see the module docstring)."""

    name: str                  # how repair names it
    parts: tuple[str, ...]     # the parts its ``state`` reports (doctor's lines)
    after: tuple[str, ...]     # artifacts it is derived from besides the store
    # optional ``rebuilt_from_nothing``: the parts whose damage calls for ``rebuild(full=True)`` (default:
    # every part); a damaged part not named there is written again by an ordinary catch-up

    def state(self, generation: int, earlier: dict[str, Check]) -> list[Check]:
        """One Check per part, reading without writing; ``earlier`` holds the checks of the artifacts before it."""

    def is_fresh(self) -> bool:
        """Whether it reflects the store's current generation (cheap; no full read)."""

    def rebuild(self, progress: Progress | None = None, *, full: bool = False) -> None:
        """Catch up with the store, or (``full``) build it again from nothing (after damage)."""

    # optional ``start_beside(progress) -> Beside | None``: the catch-up started in another process, to
    # run while the next artifacts rebuild here (Workspace.sync finishes it before any artifact ``after`` it)


def _n(code: str, **params) -> Notice:
    return Notice(code, params)


@dataclass
class Beside:
    """An artifact's catch-up running in another process (``start_beside``): ``finish`` waits for it
    and, if it failed, rebuilds in this process; ``wait`` only waits (a sync that is failing anyway)."""

    process: GraphSyncProcess
    fallback: Callable[[], None]
    done: Callable[[], object]

    def wait(self) -> bool:
        return self.process.join()

    def finish(self) -> None:
        if self.wait():
            self.done()
        else:
            self.fallback()


class GraphArtifact:
    """graph.db: one fragment per stored report (graph/service.py)."""

    name, parts, after = "graph", ("graph",), ()

    def __init__(self, ws) -> None:
        self.ws = ws

    def state(self, generation: int, earlier: dict[str, Check]) -> list[Check]:
        from graph.persist import GraphFileError

        graph = self.ws.graph
        if not graph.path.exists():
            return [Check("graph", MISSING if self.ws.store.report_ids() else OK, None)]
        try:
            have = graph.fragments.generation()
            counts = graph.fragments.counts()
            stored = graph.fragments.report_ids() == set(self.ws.store.report_ids())
            for _ in graph.fragments.fragments():
                pass
        except (GraphFileError, OSError, ValueError, sqlite3.Error) as exc:
            return [Check("graph", DAMAGED, None, _n("doctor_unreadable", path=str(graph.path), reason=reason_line(exc)))]
        state = OK if have == generation and stored and graph.fragments.index_ready() else STALE  # no node index: repair adds it
        return [Check("graph", state, have, _n("doctor_graph_fragments", fragments=counts["fragments"]))]

    def is_fresh(self) -> bool:
        return self.ws.graph.path.exists() and self.ws.graph.fragments.generation() == self.ws.store.generation()

    def rebuild(self, progress: Progress | None = None, *, full: bool = False) -> None:
        if full:
            self.ws.graph.rebuild(progress)
        else:
            self.ws.graph.sync(progress=progress)

    def start_beside(self, progress: Progress | None = None) -> Beside | None:
        """The catch-up started in a child process (graph/sync_process.py) when it is worth one: as many
        new reports as make ingest's worker pool worth starting, and a core to spare (``pool_workers``,
        so XUNCHA_INGEST_WORKERS=1 keeps it in this process too). None: rebuild here."""
        from graph.persist import GraphFileError

        from .ingest import pool_workers

        try:
            new, _ = self.ws.graph.lag()
        except (GraphFileError, OSError, sqlite3.Error):
            return None   # damaged or unreadable: rebuild here, where the repair happens
        if not pool_workers(len(new)):
            return None
        from graph.sync_process import GraphSyncProcess

        try:
            child = GraphSyncProcess(self.ws.root)
        except OSError:   # no interpreter to start (an embedded Python, a process limit): here, then
            return None
        if progress:
            progress("graph", 0, len(new))
        return Beside(child, lambda: self.rebuild(progress), lambda: progress and progress("graph", len(new), len(new)))


class SearchArtifact:
    """search/: the vectors, ids, tokens, BM25 and table files one manifest names (embeddings/index_sync.py)."""

    name, parts, after = "search", ("search", "lexical", "table"), ()
    rebuilt_from_nothing = ("search", "lexical")   # a damaged table is written again by a sync: no re-embedding

    def __init__(self, ws) -> None:
        self.ws = ws

    def state(self, generation: int, earlier: dict[str, Check]) -> list[Check]:
        from embeddings.index import VectorIndex
        from embeddings.manifest import SearchIndexError, read_manifest

        index = self.ws.search.index
        try:
            manifest = read_manifest(index.dir)
        except SearchIndexError as exc:
            return [Check("search", DAMAGED, None, exc.notice),
                    Check("lexical", DAMAGED, None, _n("doctor_manifest_damaged")),
                    Check("table", DAMAGED, None, _n("doctor_manifest_damaged"))]
        if manifest is None:
            state = MISSING if self.ws.store.report_ids() else OK
            return [Check("search", state, None, _n("doctor_no_index") if state == MISSING else None),
                    Check("lexical", state, None), Check("table", state, None)]
        out = []
        path = index.dir / manifest.files.get("vectors", "")
        try:
            vectors = VectorIndex.load(path)
            count = len(self.ws.store.problem_keys())
            if index.reembed_due(manifest):   # an upgrade changed the embedded text: readers answer from it meanwhile
                out.append(Check("search", STALE, manifest.generation,
                                 _n("doctor_reembed_due", built=manifest.doc_recipe, want=index.doc_stamp)))
            elif manifest.generation != generation:
                out.append(Check("search", STALE, manifest.generation, _n("doctor_behind", generation=generation)))
            elif len(vectors) != count:
                out.append(Check("search", STALE, manifest.generation,
                                 _n("doctor_vectors", vectors=len(vectors), problems=count)))
            else:
                out.append(Check("search", OK, manifest.generation, _n("doctor_problems", count=len(vectors))))
        except (OSError, RuntimeError, ValueError) as exc:
            out.append(Check("search", DAMAGED, manifest.generation,
                             _n("doctor_unreadable", path=str(path), reason=reason_line(exc))))
        try:
            index.verify_lexical(manifest)
            out.append(Check("lexical", OK if manifest.generation == generation else STALE, manifest.generation))
        except KeyError:
            out.append(Check("lexical", DAMAGED, manifest.generation, _n("doctor_not_recorded")))
        except (OSError, ValueError) as exc:
            out.append(Check("lexical", DAMAGED, manifest.generation,
                             _n("doctor_unreadable", path=str(index.dir), reason=reason_line(exc))))
        out.append(self._table(index, manifest, generation))
        return out

    @staticmethod
    def _table(index, manifest, generation: int) -> Check:
        """The build's persisted search table (embeddings/index_table.py): what readers load instead of
        every store row; a stale one (another generation or classifier) is never used."""
        state, reason = index.verify_table(manifest)
        if state == "missing":
            return Check("table", MISSING, manifest.generation, _n("doctor_not_recorded"))
        if state == "damaged":
            path = index.dir / manifest.files.get("table", "")
            return Check("table", DAMAGED, manifest.generation, _n("doctor_unreadable", path=str(path), reason=reason))
        if state == "stale" or manifest.generation != generation:
            return Check("table", STALE, manifest.generation, _n("doctor_behind", generation=generation))
        return Check("table", OK, manifest.generation, _n("doctor_problems", count=manifest.count))

    def is_fresh(self) -> bool:
        status = self.ws.search.status()
        return not status["stale"] and status.get("tokenizer") == self.ws.search.index.tokens_version \
            and self.ws.search.index.table_fresh()

    def rebuild(self, progress: Progress | None = None, *, full: bool = False) -> None:
        if full:
            self.ws.search.reindex(progress=progress)
        else:
            self.ws.search.sync(progress=progress)


class ThemesArtifact:
    """themes.json and the theme nodes and SIMILAR_TO links it puts into the graph (ui/service/themes.py)."""

    name, parts, after = "themes", ("themes", "similarity"), ("search", "graph")

    def __init__(self, ws) -> None:
        self.ws = ws

    def state(self, generation: int, earlier: dict[str, Check]) -> list[Check]:
        from embeddings.manifest import SearchIndexError

        themes = self.ws.themes
        try:
            doc = themes.read_document()
        except (OSError, ValueError) as exc:
            return [Check("themes", DAMAGED, None, _n("doctor_unreadable", path=str(themes.path), reason=reason_line(exc))),
                    Check("similarity", STALE, None, _n("doctor_themes_first"))]
        if doc is None:
            state = MISSING if self.ws.store.report_ids() else OK
            return [Check("themes", state, None), Check("similarity", state, None)]
        have = doc["stamp"].get("generation")
        try:
            fresh = themes.is_fresh(doc)
        except SearchIndexError:
            fresh = False
        out = [Check("themes", OK if fresh else STALE, have, _n("doctor_themes", count=len(doc.get("themes", []))))]
        graph = earlier.get("graph")
        if graph is None or graph.state not in (OK, STALE):
            out.append(Check("similarity", STALE, have, _n("doctor_graph_first")))
        elif not themes.in_graph(doc):
            out.append(Check("similarity", STALE, have, _n("doctor_graph_lacks")))
        else:
            out.append(Check("similarity", OK if fresh else STALE, have,
                             _n("doctor_similar", count=doc.get("stats", {}).get("similar_pairs", 0))))
        return out

    def is_fresh(self) -> bool:
        try:
            doc = self.ws.themes.read_document()
        except (OSError, ValueError):
            return False
        return doc is not None and self.ws.themes.is_fresh(doc) and self.ws.themes.in_graph(doc)

    def rebuild(self, progress: Progress | None = None, *, full: bool = False) -> None:
        self.ws.themes.sync(progress=progress, force=full)


class RecurrenceArtifact:
    """The RECURS links between the reports of one unit, kept in graph.db (Workspace.sync_recurrence);
    a graph rebuilt from nothing has none until they are computed again."""

    name, parts, after = "recurrence", ("recurrence",), ("graph",)

    def __init__(self, ws) -> None:
        self.ws = ws

    def state(self, generation: int, earlier: dict[str, Check]) -> list[Check]:
        graph = earlier.get("graph")
        if graph is not None and graph.state == MISSING:
            return [Check("recurrence", MISSING, None)]
        if graph is None or graph.state == DAMAGED:
            return [Check("recurrence", STALE, None, _n("doctor_graph_first"))]
        touched = self.ws.recurrence_touched()
        if touched:
            return [Check("recurrence", STALE, graph.generation, _n("doctor_recurs_behind", count=len(touched)))]
        return [Check("recurrence", OK, graph.generation, _n("doctor_recurs", count=len(self.ws.graph.links("RECURS"))))]

    def is_fresh(self) -> bool:
        return not self.ws.recurrence_touched()

    def rebuild(self, progress: Progress | None = None, *, full: bool = False) -> None:
        self.ws.sync_recurrence(full=full)


# In build order: each after the artifacts it is derived from.
ARTIFACTS: tuple[type, ...] = (GraphArtifact, SearchArtifact, ThemesArtifact, RecurrenceArtifact)


def is_fresh(artifact: Artifact) -> bool:
    """``artifact.is_fresh()``, False when it cannot even be read (its rebuild then says why)."""
    from reports.shared.notices import XunchaError

    try:
        return artifact.is_fresh()
    except (OSError, ValueError, sqlite3.Error, XunchaError):
        return False


def artifacts(ws) -> list[Artifact]:
    """The artifacts of workspace ``ws``, in build order."""
    return [cls(ws) for cls in ARTIFACTS]

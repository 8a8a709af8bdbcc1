"""The graph of a workspace: one fragment per report in `graph.db`, kept in step with the store, the
links computed elsewhere (themes, SIMILAR_TO, RECURS) beside them, and the queries over the merged
graph (docs/decisions.md, "Graph" and "Scale to a province (issue 23)")."""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import networkx as nx

from reports.shared.progress import Progress
from reports.store import Store

from . import index_query, query
from .build import (
    add_problem_links,
    label_units,
    merge_fragment,
    new_graph,
    set_themes,
    stored_fragment,
)
from .export import export
from .fragments import FragmentStore, Link
from .local import neighbours_of, ranked_rows, top_neighbours
from .persist import GraphFileError
from .reader import IndexReader

__all__ = ["GRAPH_FILE", "GraphService"]

log = logging.getLogger("xuncha.graph")
GRAPH_FILE = "graph.db"
LEGACY_FILE = "graph.json"   # the whole graph in one file, rewritten at every sync (before issue 23)
LINK_KINDS = ("SIMILAR_TO", "RECURS")
T = TypeVar("T")


class GraphService:
    """Workspace-level graph access for the CLI and the UI.

    A sync stores the fragments of reports added and drops those of reports removed (cost: the
    reports that changed); the graph a query sees is the merge of every fragment plus the links,
    assembled once per change in the reading process.

    >>> svc = GraphService(Path("workspace"), store)       # doctest: +SKIP
    >>> svc.neighbors(svc.resolve("覃文乐"))                 # doctest: +SKIP
    """

    def __init__(self, root: str | os.PathLike, store: Store, filename: str = GRAPH_FILE):
        self.root = Path(root)
        self.store = store
        self.path = self.root / filename
        self.fragments = FragmentStore(self.path)
        self._graph: nx.MultiDiGraph | None = None
        self._version: int | None = None
        self._reader: IndexReader | None = None
        self._reader_version: int | None = None
        self._lock = threading.RLock()  # Streamlit sessions share one service across threads

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The merged graph, caught up with the store: what exports and whole-graph questions
        (cooccurrence) need; the everyday queries read the node index instead (``_index``)."""
        with self._lock:
            self._catch_up()
            version = self.fragments.version()
            if self._graph is None or self._version != version:
                self._graph = self._assemble()
                self._version = version
            return self._graph

    def _catch_up(self) -> None:
        """Sync when the fragments lag the store (one cheap generation check)."""
        store_generation = self.store.generation()
        try:
            lagging = self.fragments.generation() != store_generation
        except GraphFileError as exc:
            log.warning("%s; rebuilding from the store", exc)
            self._reset_file()
            lagging = True
        if lagging:
            self.sync()

    def _index(self) -> IndexReader | None:
        """The node index at the current version; None for a file written before the index existed
        (readers then merge the fragments; the writer's next sync adds the index)."""
        with self._lock:
            self._catch_up()
            if not self.fragments.index_ready():
                return None
            return self._reader_of(self.fragments)

    def _reader_of(self, fragments: FragmentStore) -> IndexReader:
        """The reader of ``fragments`` at the version this thread sees (its caches are that version's)."""
        version = fragments.version()
        with self._lock:
            if self._reader is None or self._reader_version != version or self._reader.fragments is not fragments:
                self._reader = IndexReader(fragments, self.store.unit_names)
                self._reader_version = version
            return self._reader

    def _reset_file(self) -> None:
        self.fragments.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.fragments = FragmentStore(self.path)

    def _assemble(self) -> nx.MultiDiGraph:
        """Every fragment merged (report-id order; the merge is order independent), unit display
        names, then themes and problem links."""
        G = new_graph()
        try:
            for _, fragment in self.fragments.fragments():
                merge_fragment(G, fragment)
        except GraphFileError as exc:
            log.warning("%s; rebuilding the graph from the store", exc)
            self.rebuild()
            return self._assemble()
        label_units(G, self.store.unit_names())
        set_themes(G, self.fragments.themes())
        for kind in LINK_KINDS:
            add_problem_links(G, self.fragments.links(kind), kind)
        G.graph["generation"] = self.fragments.generation()
        return G

    def sync(self, progress: Progress | None = None) -> dict:
        """Bring the fragments in line with the store: drop reports gone, add reports new."""
        with self._lock:
            generation = self.store.generation()  # read first: a later ingest shows up as lag next time
            new, gone = self.lag()
            added = []
            for n, report_id in enumerate(new):
                if progress:
                    progress("graph", n, len(new))
                added.append((report_id, stored_fragment(self.store, report_id)))
            if progress:
                progress("graph", len(new), len(new))
            if gone or new or self.fragments.generation() != generation:
                self.fragments.update(added, gone, generation)
            if not self.fragments.index_ready():   # a file written before the node index: once
                self.fragments.build_index(progress)
            (self.root / LEGACY_FILE).unlink(missing_ok=True)
            return {"added": new, "removed": gone, "generation": generation}

    def lag(self) -> tuple[list[str], list[str]]:
        """(reports stored without a fragment, in store order; fragments of reports no longer stored)."""
        stored = self.store.report_ids()
        have = self.fragments.report_ids()
        return [r for r in stored if r not in have], sorted(have - set(stored))

    def rebuild(self, progress: Progress | None = None) -> None:
        """Throw the fragments (and their node index) away and build them again (after the entity
        extractor changed, for instance). Links and themes are not in the store: whoever computed them
        sets them again."""
        with self._lock:
            self._reset_file()
            self.sync(progress)
            self._graph, self._version, self._reader = None, None, None

    def close(self) -> None:
        self.fragments.close()

    # -- links computed elsewhere (embeddings, clustering); stored beside the fragments --------------
    def add_similarity(self, pairs: Iterable[Link]) -> int:
        """Add SIMILAR_TO links to those stored (the graph shows those whose problems it holds)."""
        with self._lock:
            pairs = list(pairs)
            self.fragments.set_links("SIMILAR_TO", [*self.fragments.links("SIMILAR_TO"), *pairs])
            return self._written(pairs)

    def set_similarity(self, pairs: Iterable[Link]) -> int:
        """Replace the SIMILAR_TO links (only the difference is written); returns the pairs shown."""
        return self._set_links("SIMILAR_TO", pairs)

    def set_recurrence(self, pairs: Iterable[Link]) -> int:
        """Replace the RECURS links (later problem -> the earlier problem of its unit it repeats)."""
        return self._set_links("RECURS", pairs)

    def _set_links(self, kind: str, pairs: Iterable[Link]) -> int:
        with self._lock:
            pairs = list(pairs)
            self.fragments.set_links(kind, pairs)
            return self._written(pairs)

    def _written(self, pairs: list[Link]) -> int:
        """How many of ``pairs`` join two problems the store holds (the edges the graph gets)."""
        keys = set(self.store.problem_keys())
        return sum(1 for a, b, c, d, _ in pairs if (a, str(b)) in keys and (c, str(d)) in keys and (a, str(b)) != (c, str(d)))

    def set_themes(self, themes: Iterable[dict]) -> int:
        """Replace the Theme nodes (problem clusters across units); returns the themes the graph holds."""
        with self._lock:
            themes = list(themes)
            self.fragments.set_themes(themes)
            keys = set(self.store.problem_keys())
            return sum(1 for t in themes if any((r, str(p)) in keys for r, p in t.get("members", ())))

    def links(self, kind: str) -> list[Link]:
        return self.fragments.links(kind)

    def stored_themes(self) -> list[dict]:
        return self.fragments.themes()

    # -- queries: from the node index (graph.index_query), or the merged graph before it exists ---
    def _read(self, on_index: Callable[[IndexReader], T], on_graph: Callable[[nx.MultiDiGraph], T]) -> T:
        """The one place that decides where a query reads: the node index, inside one read snapshot of
        the calling thread's connection (docs/decisions.md, "Graph reads from several threads"), or,
        for a file written before the index existed, the merged graph."""
        with self._lock:
            self._catch_up()
            fragments = self.fragments
            indexed = fragments.index_ready()
        if not indexed:
            return on_graph(self.graph)
        with fragments.snapshot():
            return on_index(self._reader_of(fragments))

    def resolve(self, name: str, type: str | None = None) -> str:
        return self._read(lambda ix: index_query.resolve(ix, name, type), lambda G: query.resolve(G, name, type))

    def profile(self, node: str) -> dict:
        return self._read(lambda ix: index_query.profile(ix, node), lambda G: query.profile(G, node))

    def neighbors(self, node: str, types: Iterable[str] | None = None,
                  edge_types: Iterable[str] | None = None) -> list[dict]:
        """query.neighbors, with each edge's attributes and reports: the fragments of the reports the
        node appears in, merged (graph.local), never the whole graph."""
        return self._read(lambda ix: neighbours_of(ix, ix.fragments, node, types, edge_types),
                          lambda G: query.neighbors(G, node, types, edge_types))

    def top_neighbours(self, node: str, limit: int, types: Iterable[str] | None = None,
                       edge_types: Iterable[str] | None = None, attributes: bool = True) -> tuple[list[dict], int]:
        """The ``limit`` edges at ``node`` stated by the most reports (graph.local.rank_key), each with its
        ``report_count``, and how many edges there are: what a view of an entity in thousands of reports
        shows, reading only the fragments those rows need (``attributes=False``: none)."""
        return self._read(lambda ix: top_neighbours(ix, ix.fragments, node, limit, types, edge_types,
                                                    self.store.report_dates, attributes),
                          lambda G: ranked_rows(G, node, limit, types, edge_types, attributes))

    def neighbour_rows(self, node: str) -> list[dict]:
        """The neighbours as the app's table lists them (no edge attributes): from the index alone."""
        return self._read(lambda ix: index_query.neighbour_rows(ix, node),
                          lambda G: [{k: r[k] for k in ("id", "type", "name", "context", "edge", "direction")}
                                     for r in query.neighbors(G, node)])

    def ego(self, node: str, radius: int = 1, types: Iterable[str] | None = None) -> nx.MultiDiGraph:
        return query.ego(self.graph, node, radius, types)

    def shortest_path(self, a: str, b: str, avoid: Iterable[str] = ()) -> dict:
        return self._read(lambda ix: index_query.shortest_path(ix, a, b, avoid),
                          lambda G: query.shortest_path(G, a, b, avoid))

    def cooccurrence(self, type_a: str = "Regulation", by: str = "Unit",
                     via: Iterable[str] = ("Problem", "Report")) -> list[dict]:
        return query.cooccurrence(self.graph, type_a, by, via=via)

    def rankings(self, type: str, by: str = "degree", top: int = 20) -> list[dict]:
        return self._read(lambda ix: index_query.rankings(ix, type, by, top), lambda G: query.rankings(G, type, by, top))

    def overview(self, top: int = 12, units: int = query.OVERVIEW_UNITS) -> tuple[list[str], list[tuple[str, str, str]]]:
        """The workspace at a glance (query.overview): the ``units`` best-connected units and the rest,
        and the links to draw among them."""
        return self._read(lambda ix: index_query.overview(ix, top, units), lambda G: query.overview(G, top, units))

    def count(self, type_: str) -> int:
        """How many nodes of ``type_`` the graph holds (what a capped view says it shows some of)."""
        return self._read(lambda ix: index_query.count(ix, type_),
                          lambda G: sum(1 for _, d in G.nodes(data=True) if d.get("type") == type_))

    def stats(self) -> dict:
        return self._read(lambda ix: index_query.stats(ix, ix.fragments.generation()), query.stats)

    # -- lookups for the views ----------------------------------------------------------------------
    def attrs(self, nodes: Iterable[str]) -> dict[str, dict]:
        """Node id -> its attributes (without the per-report spans), for the nodes still in the graph
        (in the order given)."""
        nodes = list(nodes)
        return self._read(lambda ix: ix.attrs(nodes),
                          lambda G: {n: {k: v for k, v in G.nodes[n].items() if k not in ("spans", "by_report")}
                                     for n in dict.fromkeys(nodes) if n in G})

    def node_types(self) -> set[str]:
        return self._read(IndexReader.node_types, lambda G: {d.get("type") for _, d in G.nodes(data=True)})

    def context(self, node: str) -> str | None:
        return self._read(lambda ix: ix.context(node), lambda G: query.context(G, node))

    def report_unit(self, report_id: str) -> str | None:
        return self._read(lambda ix: ix.report_unit(report_id), lambda G: query.report_unit(G, report_id))

    def ranked_neighbours(self, node: str, types: Iterable[str], limit: int) -> tuple[list[str], int]:
        types = list(types)
        return self._read(lambda ix: ix.ranked_neighbours(node, types, limit),
                          lambda G: query.ranked_neighbours(G, node, types, limit))

    def edges_among(self, nodes: Iterable[str]) -> list[tuple[str, str, str]]:
        nodes = list(nodes)
        return self._read(lambda ix: ix.edges_among(nodes), lambda G: query.edges_among(G, nodes))

    def entity_rows(self, types: Iterable[str], limit: int | None = None) -> list[tuple[str, str, str, str]]:
        """(node id, type, name, context) of the entities of ``types``, most connected first (the first
        ``limit`` of them)."""
        types = list(types)
        return self._read(lambda ix: index_query.entity_rows(ix, types, limit),
                          lambda G: query.entity_rows(G, types)[:limit])

    def search_entities(self, text: str, types: Iterable[str], limit: int) -> list[tuple[str, str, str, str]]:
        """Entity rows whose name, display name, alias or context contains ``text`` (a picker's typed text)."""
        types = list(types)
        needle = text.strip()
        return self._read(lambda ix: index_query.search_rows(ix, text, types, limit),
                          lambda G: [r for r in query.entity_rows(G, types) if needle in r[2] or needle in r[3]][:limit])

    def export(self, fmt: str, directory: str | os.PathLike) -> list[Path]:
        return export(self.graph, fmt, directory)

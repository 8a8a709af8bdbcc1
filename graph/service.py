"""The graph of a workspace: `graph.json` kept in step with the store, and the queries over it
(docs/decisions.md, "Graph")."""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from reports.progress import Progress
from reports.store import Store

from . import query
from .build import (
    GRAPH_FORMAT,
    add_report,
    add_similarity,
    build_graph,
    label_units,
    remove_report,
    report_ids,
    set_recurrence,
    set_similarity,
    set_themes,
)
from .export import export
from .names import node_id
from .persist import GraphFileError, load_graph, save_graph

__all__ = ["GRAPH_FILE", "GraphService"]

log = logging.getLogger("xuncha.graph")
GRAPH_FILE = "graph.json"


class GraphService:
    """Workspace-level graph access for the CLI and the UI.

    >>> svc = GraphService(Path("workspace"), store)       # doctest: +SKIP
    >>> svc.neighbors(svc.resolve("覃文乐"))                 # doctest: +SKIP
    """

    def __init__(self, root: str | os.PathLike, store: Store, filename: str = GRAPH_FILE):
        self.root = Path(root)
        self.store = store
        self.path = self.root / filename
        self._graph: nx.MultiDiGraph | None = None
        self._lock = threading.RLock()  # Streamlit sessions share one service across threads

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The graph, caught up with the store (one cheap generation check per access)."""
        with self._lock:
            if self._graph is None:
                self._graph = self._load()
            if self._graph.graph.get("generation") != self.store.generation():
                self.sync()
            return self._graph

    def sync(self, progress: Progress | None = None) -> dict:
        """Bring the graph in line with the store: remove reports gone, add reports new, save."""
        with self._lock:
            return self._sync(progress)

    def _sync(self, progress: Progress | None) -> dict:
        G = self._graph if self._graph is not None else self._load()
        generation = self.store.generation()  # read first: a later ingest shows up as lag next time
        stored = self.store.report_ids()
        have = report_ids(G)
        gone = sorted(have - set(stored))
        new = [r for r in stored if r not in have]
        for report_id in gone:
            remove_report(G, report_id)
        for n, report_id in enumerate(new):
            if progress:
                progress("graph", n, len(new))
            add_report(G, self.store, report_id)
        if progress:
            progress("graph", len(new), len(new))
        relabelled = label_units(G, self.store.unit_names())
        changed = bool(gone or new or relabelled) or G.graph.get("generation") != generation
        G.graph["generation"] = generation
        self._graph = G
        if changed:
            save_graph(G, self.path)
        return {"added": new, "removed": gone, "generation": generation}

    def rebuild(self, progress: Progress | None = None) -> nx.MultiDiGraph:
        """Throw the file away and build again (after the entity extractor changed, for instance).
        Similarity and theme edges are not in the store: whoever computed them adds them again."""
        with self._lock:
            self._graph = build_graph(self.store, progress)
            save_graph(self._graph, self.path)
            return self._graph

    def save(self) -> None:
        if self._graph is not None:
            save_graph(self._graph, self.path)

    def _load(self) -> nx.MultiDiGraph:
        if self.path.exists():
            try:
                G = load_graph(self.path)
                if G.graph.get("format") == GRAPH_FORMAT:
                    return G
                log.warning("%s: graph format %r, expected %r; rebuilding", self.path,
                            G.graph.get("format"), GRAPH_FORMAT)
            except (GraphFileError, OSError) as exc:
                log.warning("%s; rebuilding from the store", exc)
        G = build_graph(self.store)
        save_graph(G, self.path)
        return G

    # -- edges computed elsewhere (embeddings, clustering) ----------------------------------------
    def add_similarity(self, pairs: Iterable[tuple[str, str, str, str, float]]) -> int:
        """SIMILAR_TO edges from the embeddings side, saved with the graph."""
        with self._lock:
            written = add_similarity(self.graph, pairs)
            self.save()
            return written

    def set_similarity(self, pairs: Iterable[tuple[str, str, str, str, float]]) -> int:
        """Replace the SIMILAR_TO edges (a new computation supersedes the old one), saved."""
        with self._lock:
            written = set_similarity(self.graph, pairs)
            self.save()
            return written

    def set_recurrence(self, pairs: Iterable[tuple[str, str, str, str, float]]) -> int:
        """Replace the RECURS edges (later problem -> the earlier problem of its unit it repeats), saved
        only when they changed."""
        pairs = list(pairs)
        with self._lock:
            current = {(u, v, round(d.get("score", 0.0), 6)) for u, v, k, d in self.graph.edges(keys=True, data=True)
                       if k == "RECURS"}
            wanted = {(node_id("Problem", f"{a}/{b}"), node_id("Problem", f"{c}/{d}"), round(float(s), 6))
                      for a, b, c, d, s in pairs}
            if current == wanted:
                return len(wanted)
            written = set_recurrence(self.graph, pairs)
            self.save()
            return written

    def set_themes(self, themes: Iterable[dict]) -> int:
        """Replace the Theme nodes (problem clusters across units), saved with the graph."""
        with self._lock:
            count = set_themes(self.graph, themes)
            self.save()
            return count

    # -- queries (graph.query over the current graph) ---------------------------------------------
    def resolve(self, name: str, type: str | None = None) -> str:
        return query.resolve(self.graph, name, type)

    def profile(self, node: str) -> dict:
        return query.profile(self.graph, node)

    def neighbors(self, node: str, types: Iterable[str] | None = None,
                  edge_types: Iterable[str] | None = None) -> list[dict]:
        return query.neighbors(self.graph, node, types, edge_types)

    def ego(self, node: str, radius: int = 1, types: Iterable[str] | None = None) -> nx.MultiDiGraph:
        return query.ego(self.graph, node, radius, types)

    def shortest_path(self, a: str, b: str, avoid: Iterable[str] = ()) -> dict:
        return query.shortest_path(self.graph, a, b, avoid)

    def cooccurrence(self, type_a: str = "Regulation", by: str = "Unit",
                     via: Iterable[str] = ("Problem", "Report")) -> list[dict]:
        return query.cooccurrence(self.graph, type_a, by, via=via)

    def rankings(self, type: str, by: str = "degree", top: int = 20) -> list[dict]:
        return query.rankings(self.graph, type, by, top)

    def overview(self, top: int = 12) -> tuple[list[str], list[tuple[str, str, str]]]:
        """The workspace at a glance (query.overview): nodes and the links to draw among them."""
        return query.overview(self.graph, top)

    def stats(self) -> dict:
        return query.stats(self.graph)

    # -- lookups for the views ----------------------------------------------------------------------
    def attrs(self, nodes: Iterable[str]) -> dict[str, dict]:
        """Node id -> its attributes, for the nodes still in the graph (in the order given)."""
        G = self.graph
        return {n: G.nodes[n] for n in dict.fromkeys(nodes) if n in G}

    def node_types(self) -> set[str]:
        return {d.get("type") for _, d in self.graph.nodes(data=True)}

    def context(self, node: str) -> str | None:
        return query.context(self.graph, node)

    def report_unit(self, report_id: str) -> str | None:
        return query.report_unit(self.graph, report_id)

    def ranked_neighbours(self, node: str, types: Iterable[str], limit: int) -> tuple[list[str], int]:
        return query.ranked_neighbours(self.graph, node, types, limit)

    def edges_among(self, nodes: Iterable[str]) -> list[tuple[str, str, str]]:
        return query.edges_among(self.graph, nodes)

    def entity_rows(self, types: Iterable[str]) -> list[tuple[str, str, str, str]]:
        return query.entity_rows(self.graph, types)

    def export(self, fmt: str, directory: str | os.PathLike) -> list[Path]:
        return export(self.graph, fmt, directory)

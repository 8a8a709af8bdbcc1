"""The graph on disk: node-link JSON written atomically, never pickle (sets become sorted lists).
See docs/decisions.md (Graph, Persistence)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import networkx as nx

from reports.shared.atomic import write_json
from reports.shared.ioerrors import reason_line
from reports.shared.notices import XunchaError

__all__ = ["GraphFileError", "graph_from_json", "graph_to_json", "load_graph", "save_graph", "to_jsonable"]


class GraphFileError(XunchaError, ValueError):
    """A graph file that is not a readable xuncha graph (code graph_file_unreadable; the caller
    rebuilds it from the store)."""

    def __init__(self, path: str | os.PathLike, reason: object) -> None:
        super().__init__("graph_file_unreadable", path=str(path), reason=reason_line(reason))


def to_jsonable(value):
    """Sets -> sorted lists, tuples -> lists, recursively: what json.dump accepts."""
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def save_graph(G: nx.MultiDiGraph, path: str | os.PathLike) -> Path:
    """Write `G` as node-link JSON; a reader never sees a half-written file."""
    path = Path(path)
    write_json(path, to_jsonable(nx.node_link_data(G, edges="edges")))
    return path


def graph_to_json(G: nx.MultiDiGraph) -> str:
    """Node-link JSON text of `G` (what `save_graph` writes, and what a stored fragment holds)."""
    return json.dumps(to_jsonable(nx.node_link_data(G, edges="edges")), ensure_ascii=False, separators=(",", ":"))


def graph_from_json(text: str, where: str = "graph") -> nx.MultiDiGraph:
    """The graph `graph_to_json` wrote; GraphFileError naming `where` when the text is not one."""
    try:
        return _with_sets(nx.node_link_graph(json.loads(text), directed=True, multigraph=True, edges="edges"))
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, nx.NetworkXError) as exc:
        raise GraphFileError(where, exc) from exc


def load_graph(path: str | os.PathLike) -> nx.MultiDiGraph:
    """Read a graph written by `save_graph`; GraphFileError when the file is not one."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        G = nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, nx.NetworkXError) as exc:
        raise GraphFileError(path, exc) from exc
    return _with_sets(G)


def _with_sets(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Support sets back from the sorted lists JSON holds."""
    for _, attrs in G.nodes(data=True):
        attrs["reports"] = set(attrs.get("reports", ()))
    for _, _, attrs in G.edges(data=True):
        attrs["reports"] = set(attrs.get("reports", ()))
    return G

"""A node's neighbourhood as the merged graph has it, from the fragments of the reports the node
appears in (plus, for a problem, the reports of the problems it is linked to; for a theme, its
members' reports): every edge at the node and its attributes are complete there, and what the index
knows of the other ends (type, context) is patched in (docs/decisions.md, "Graph reads at 10,000
reports")."""
from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from . import query
from .build import _copied, add_problem_links, merge_fragment, new_graph, set_themes
from .fragments import FragmentStore
from .index import key_of
from .provenance import refresh
from .reader import LINK_KINDS, IndexReader
from .report_builder import promote_to_unit

__all__ = ["local_graph", "neighbours_of"]


def local_graph(ix: IndexReader, fragments: FragmentStore, node: str) -> nx.MultiDiGraph:
    """The merge of the fragments that hold ``node`` and its edges, with the merged graph's unit
    promotions, display names, and (for a problem or a theme) links and themes."""
    d = ix.attrs([node])[node]
    reports = set(d.get("reports", ()))
    links: dict[str, list] = {}
    themes: list[dict] = []
    if d.get("type") == "Problem":
        rid, pid = d["report_id"], d["problem_id"]
        for kind in LINK_KINDS:
            links[kind] = ix.link_rows(kind, rid, [pid])
            reports |= {r for a, _, c, _, _ in links[kind] for r in (a, c)}
        themes = [ix.theme(t.split(":", 1)[1]) for t in ix.themes_of(node)]
    elif d.get("type") == "Theme":
        themes = [d]
    G = new_graph()
    for rid in sorted(reports):
        F = fragments.fragment(rid)
        if F is not None:
            merge_fragment(G, F)
    for n in [n for n in G if n.startswith("Organization:")]:
        if not ix.exists(n):            # a Unit in the merged graph: some other report is about it
            promote_to_unit(G, n.split(":", 1)[1])
    displays = ix.displays()
    for n in G:
        if n in displays:
            G.nodes[n]["display"] = displays[n]
    set_themes(G, [{"id": t["theme_id"], "label": t["name"], "members": t["members"]} for t in themes if t])
    for kind, pairs in links.items():
        add_problem_links(G, pairs, kind)
    return G


def _gather(attrs: dict, theirs: dict) -> None:
    """build._merge_support without refreshing at each step: an edge of an entity in 2,000 reports
    would re-derive its facts 2,000 times (quadratic); refreshed once when all are gathered, with the
    same result (refresh is a function of the per-report facts, which only grow here)."""
    attrs["reports"] |= set(theirs.get("reports", ()))
    attrs["spans"].update(theirs.get("spans", {}))
    if theirs.get("by_report"):
        attrs.setdefault("by_report", {}).update(theirs["by_report"])


def neighbours_of(ix: IndexReader, fragments: FragmentStore, node: str, types: Iterable[str] | None = None,
                  edge_types: Iterable[str] | None = None) -> list[dict]:
    """query.neighbors of the merged graph. The edges at an entity and their attributes are merged
    from its reports' fragments alone (what merge_fragment does to them, without merging the rest);
    a problem's or a theme's neighbourhood is its local graph. The other ends read as the whole
    graph has them (type, name and context from the index)."""
    d = ix.attrs([node])[node]
    if d.get("type") in ("Problem", "Theme"):
        H = local_graph(ix, fragments, node)
    else:
        key = key_of(node)
        edges: dict[tuple[str, str, str], dict] = {}
        for rid in sorted(d.get("reports", ())):
            for u, v, k, attrs in fragments.fragment_edges(rid):   # its JSON, no graph built
                if key_of(u) != key and key_of(v) != key:
                    continue
                edge = (key_of(u), key_of(v), k)
                if edge in edges:
                    _gather(edges[edge], attrs)
                else:
                    edges[edge] = _copied(attrs)
        for attrs in edges.values():
            if attrs.get("by_report"):
                refresh(attrs)
        ids = ix.ids({x for u, v, _ in edges for x in (u, v)})
        H = nx.MultiDiGraph()
        rows = ix.rows(ids.values(), attrs=False)    # type and name: no fragment read per neighbour
        H.add_nodes_from((n, {"type": rows[n][1], "name": rows[n][2]}) for n in ids.values())
        H.add_edges_from((ids[u], ids[v], k, attrs) for (u, v, k), attrs in edges.items())
    rows = query.neighbors(H, node, types, edge_types)
    for row in rows:
        row["context"] = ix.context(row["id"])
    return rows

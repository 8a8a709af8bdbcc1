"""A node's neighbourhood as the merged graph has it, from the fragments of the reports the node
appears in (plus, for a problem, the reports of the problems it is linked to; for a theme, its
members' reports): every edge at the node and its attributes are complete there, and what the index
knows of the other ends (type, context) is patched in (docs/decisions.md, "Graph reads at 10,000
reports")."""
from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from . import query
from .build import add_problem_links, merge_fragment, new_graph, set_themes
from .fragments import FragmentStore
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
            links[kind] = ix.conn.execute(
                "SELECT a_report, a_problem, b_report, b_problem, score FROM links WHERE kind = ? AND "
                "((a_report = ? AND a_problem = ?) OR (b_report = ? AND b_problem = ?))", (kind, rid, pid, rid, pid)).fetchall()
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


def neighbours_of(ix: IndexReader, fragments: FragmentStore, node: str, types: Iterable[str] | None = None,
                  edge_types: Iterable[str] | None = None) -> list[dict]:
    """query.neighbors of the merged graph: the rows of the local graph, each other end's context
    as the whole graph gives it (an inspection team's units, a person's organisation in any report)."""
    G = local_graph(ix, fragments, node)
    rows = query.neighbors(G, node, types, edge_types)
    for row in rows:
        row["context"] = ix.context(row["id"])
    return rows

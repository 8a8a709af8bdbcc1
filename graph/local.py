"""A node's neighbourhood as the merged graph has it, from the fragments of the reports the node
appears in (plus, for a problem, the reports of the problems it is linked to; for a theme, its
members' reports): every edge at the node and its attributes are complete there, and what the index
knows of the other ends (type, context) is patched in (docs/decisions.md, "Graph reads at 10,000
reports")."""
from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx

from . import query
from .build import _copied, add_problem_links, merge_fragment, new_graph, set_themes
from .fragments import FragmentStore
from .index import key_of
from .names import node_id
from .provenance import refresh
from .reader import LINK_KINDS, IndexReader
from .report_builder import promote_to_unit

__all__ = ["EDGE_REPORTS", "local_graph", "neighbours_of", "rank_key", "top_neighbours"]

EDGE_REPORTS = 10   # an edge stated by more reports has its facts read from the latest this many
Edge = tuple[str, str, str]


def local_graph(ix: IndexReader, fragments: FragmentStore, node: str,
                members: set[str] | None = None) -> nx.MultiDiGraph:
    """The merge of the fragments that hold ``node`` and its edges, with the merged graph's unit
    promotions, display names, and (for a problem or a theme) links and themes. ``members``: of a
    theme, only these problems (and their reports)."""
    d = ix.attrs([node])[node]
    if members is not None and d.get("type") == "Theme":
        kept = [m for m in d["members"] if node_id("Problem", f"{m[0]}/{m[1]}") in members]
        d = {**d, "members": kept, "reports": {m[0] for m in kept}}
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


def rank_key(node: str, edge: Edge, support: int, degree: int, type_: str | None) -> tuple:
    """How a capped neighbour list orders its edges: the most reports stating the edge first, then the
    best-connected other end, then query.neighbors' order."""
    u, v, k = edge
    other, direction = (v, "out") if u == node else (u, "in")
    return -support, -degree, k, direction, type_ or "", other


def top_neighbours(ix: IndexReader, fragments: FragmentStore, node: str, limit: int,
                   types: Iterable[str] | None = None, edge_types: Iterable[str] | None = None,
                   dates: Callable[[Iterable[str]], dict[str, str]] | None = None,
                   attributes: bool = True) -> tuple[list[dict], int]:
    """The first ``limit`` rows of query.neighbors in ``rank_key`` order, each with ``report_count``
    (the reports stating the edge), and how many rows there are in all. Only the fragments these rows
    need are read: an edge's facts and ``reports`` come from at most EDGE_REPORTS of the reports
    stating it, the latest first (``dates``: report id -> date), never every report of the node.
    ``attributes=False``: the app's table rows (no edge attributes), from the index alone."""
    want_types = {query.normalize_type(t) for t in types} if types else None
    want_edges = set(edge_types) if edge_types else None
    edges = [e for e in ix.neighbours(node) if not want_edges or e[2] in want_edges]
    others = {e: (e[1] if e[0] == node else e[0]) for e in edges}
    kinds = ix.types(others.values())
    edges = [e for e in edges if not want_types or kinds.get(others[e]) in want_types]
    support = ix.support(node)
    degree = ix.degree(others[e] for e in edges)
    ranked = sorted(edges, key=lambda e: rank_key(node, e, support[e], degree.get(others[e], 0), kinds.get(others[e])))
    shown = ranked[:limit]
    if not attributes:
        return _plain_rows(ix, node, shown, others, kinds, support), len(ranked)
    kind = ix.attrs([node])[node].get("type")
    if kind in ("Problem", "Theme"):
        H = local_graph(ix, fragments, node, {others[e] for e in shown})
    else:
        H = _edge_graph(ix, fragments, node, shown, support, dates)
    rows = {(r["id"], r["edge"], r["direction"]): r for r in query.neighbors(H, node)}
    out = []
    for e in shown:
        row = rows[(others[e], e[2], "out" if e[0] == node else "in")]
        row["context"] = ix.context(row["id"])
        row["report_count"] = support[e]
        out.append(row)
    return out, len(ranked)


def _plain_rows(ix: IndexReader, node: str, edges: list[Edge], others: dict[Edge, str], kinds: dict[str, str],
                support: dict[Edge, int]) -> list[dict]:
    """index_query.neighbour_rows' rows of ``edges`` (in that order), each with its report count."""
    rows = ix.rows([others[e] for e in edges], attrs=False)
    out = []
    for e in edges:
        other = others[e]
        row = rows.get(other)
        if row is None:   # a theme
            name, context = (ix.theme(other.split(":", 1)[1]) or {}).get("name"), None
        else:
            name, context = row[2], ix.context(other, row)
        out.append({"id": other, "type": kinds.get(other), "name": name, "context": context, "edge": e[2],
                    "direction": "out" if e[0] == node else "in", "report_count": support[e]})
    return out


def ranked_rows(G: nx.MultiDiGraph, node: str, limit: int, types: Iterable[str] | None = None,
                edge_types: Iterable[str] | None = None, attributes: bool = True) -> tuple[list[dict], int]:
    """top_neighbours on the merged graph (a file written before the node index)."""
    rows = query.neighbors(G, node, types, edge_types)
    for r in rows:
        r["report_count"] = len(r["reports"])
    edge = {id(r): (node, r["id"], r["edge"]) if r["direction"] == "out" else (r["id"], node, r["edge"]) for r in rows}
    rows.sort(key=lambda r: rank_key(node, edge[id(r)], r["report_count"], G.degree(r["id"]), r["type"]))
    if not attributes:
        rows = [{k: r[k] for k in ("id", "type", "name", "context", "edge", "direction", "report_count")} for r in rows]
    return rows[:limit], len(rows)


def _edge_graph(ix: IndexReader, fragments: FragmentStore, node: str, edges: list[Edge], support: dict[Edge, int],
                dates: Callable[[Iterable[str]], dict[str, str]] | None) -> nx.MultiDiGraph:
    """``edges`` of an entity with their attributes, each gathered from the latest EDGE_REPORTS of the
    reports stating it (each fragment read once; only its edges at the node kept)."""
    key = key_of(node)
    read: dict[str, list] = {}
    gathered: dict[Edge, dict] = {}
    for edge in edges:
        u, v, k = edge
        candidates = ix.shared_reports(u, v)
        when = dates(candidates) if dates and len(candidates) > 1 else {}
        wanted = (key_of(u), key_of(v), k)
        found = 0
        for rid in sorted(candidates, key=lambda r: (when.get(r, ""), r), reverse=True):
            if rid not in read:
                read[rid] = [e for e in fragments.fragment_edges(rid) if key in (key_of(e[0]), key_of(e[1]))]
            for a, b, kk, attrs in read[rid]:
                if (key_of(a), key_of(b), kk) == wanted:
                    if edge in gathered:
                        _gather(gathered[edge], attrs)
                    else:
                        gathered[edge] = _copied(attrs)
                    found += 1
            if found >= min(EDGE_REPORTS, support[edge]):
                break
        gathered.setdefault(edge, {"type": k, "reports": set(), "spans": {}})   # the index names an edge no fragment has
    for attrs in gathered.values():
        if attrs.get("by_report"):
            refresh(attrs)
    H = nx.MultiDiGraph()
    ends = {x for e in gathered for x in e[:2]}
    rows = ix.rows(ends, attrs=False)
    H.add_nodes_from((n, {"type": rows[n][1], "name": rows[n][2]}) for n in ends)
    H.add_edges_from((u, v, k, attrs) for (u, v, k), attrs in gathered.items())
    return H

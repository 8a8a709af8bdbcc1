"""Build the knowledge graph (docs/decisions.md "Graph") from the store, incrementally and order independently.
Every node and edge records its supporting reports, so removal is exact: docs/decisions.md (Graph)."""
from __future__ import annotations

import logging
from collections.abc import Iterable

import networkx as nx

from reports.analysis.problemtypes import TypeMatch
from reports.model import Report
from reports.shared.progress import Progress
from reports.store import Store

from .names import (
    EDGE_TYPES,
    NODE_TYPES,
    node_id,
)
from .persist import load_graph, save_graph
from .provenance import refresh, support, withdraw
from .report_builder import ReportBuilder, promote_to_unit

__all__ = [
    "EDGE_TYPES",
    "GRAPH_FORMAT",
    "NODE_TYPES",
    "add_report",
    "add_similarity",
    "build_graph",
    "load_graph",
    "merge_fragment",
    "new_graph",
    "remove_report",
    "report_fragment",
    "report_ids",
    "save_graph",
    "set_similarity",
    "set_themes",
]

log = logging.getLogger("xuncha.graph")
GRAPH_FORMAT = "xuncha-graph/2"  # 2: ProblemType nodes, OF_TYPE edges



def new_graph() -> nx.MultiDiGraph:
    return nx.MultiDiGraph(format=GRAPH_FORMAT, generation=None)


def build_graph(store: Store, progress: Progress | None = None) -> nx.MultiDiGraph:
    """The whole graph from the store, stamped with the store generation it reflects."""
    generation = store.generation()  # read first: a concurrent ingest then shows up as lag, not loss
    G = new_graph()
    ids = store.report_ids()
    for n, report_id in enumerate(ids):
        if progress:
            progress("graph", n, len(ids))
        add_report(G, store, report_id)
    if progress:
        progress("graph", len(ids), len(ids))
    G.graph["generation"] = generation
    return G


def label_units(G: nx.MultiDiGraph, names: dict[str, str]) -> bool:
    """Put the workspace's unit display names (Store.unit_names) on Report and Unit nodes as
    `display`; they depend on every unit, so they are set after each sync. True if any changed."""
    changed = False
    for rid, name in names.items():
        report = node_id("Report", rid)
        if report not in G:
            continue
        targets = [report] + [v for _, v, k in G.out_edges(report, keys=True) if k == "ABOUT"]
        for nid in targets:
            if G.nodes[nid].get("display") != name:
                G.nodes[nid]["display"] = name
                changed = True
    return changed


def report_ids(G: nx.MultiDiGraph) -> set[str]:
    return {d["report_id"] for _, d in G.nodes(data=True) if d.get("type") == "Report"}


def add_report(G: nx.MultiDiGraph, store: Store, report_id: str) -> bool:
    """Add one stored report; False when the graph already has it (adding is idempotent)."""
    if node_id("Report", report_id) in G:
        return False
    merge_fragment(G, stored_fragment(store, report_id))
    label_units(G, store.unit_names())  # a new unit may rename others (two 市文联 -> their cities)
    return True


def stored_fragment(store: Store, report_id: str) -> nx.MultiDiGraph:
    """The fragment of one stored report (KeyError if the store does not hold it)."""
    report = store.load(report_id)
    if report is None:
        raise KeyError(f"report {report_id} is not in the store")
    return report_fragment(report, store.mentions(report_id), store.report_types(report_id))


def report_fragment(report: Report, mentions: list[dict],
                    types: dict[str, list[TypeMatch]] | None = None) -> nx.MultiDiGraph:
    """Everything one report says, as a graph of its own: the nodes and edges it supports, with only
    its own support. Built without looking at any other report, so a workspace stores one fragment
    per report and the graph is the merge of the fragments (``merge_fragment``): adding or removing
    a report costs that report, not the graph (docs/decisions.md, "Scale to a province").
    ``types``: problem id -> types as the store holds them (``classify_report(report)`` if None)."""
    F = new_graph()
    ReportBuilder(F, report, mentions, types).build()
    return F


def merge_fragment(G: nx.MultiDiGraph, F: nx.MultiDiGraph) -> None:
    """Merge a report's fragment into ``G`` exactly as building the report onto ``G`` would: shared
    nodes and edges gain the report's support (``provenance``), an organisation the fragment names is
    the Unit node once another report is about it, and a Unit of the fragment promotes the
    Organization node other reports made for it. Order independent, like add_report."""
    target: dict[str, str] = {}
    for n, d in F.nodes(data=True):
        key = n.split(":", 1)[1]
        if d.get("type") == "Organization" and node_id("Unit", key) in G:
            target[n] = node_id("Unit", key)
        else:
            if d.get("type") == "Unit":
                promote_to_unit(G, key)
            target[n] = n
    for n, d in F.nodes(data=True):
        node = target[n]
        if node in G:
            _merge_support(G.nodes[node], d)
        else:
            G.add_node(node, **_copied(d))
    for u, v, k, d in F.edges(keys=True, data=True):
        a, b = target[u], target[v]
        if G.has_edge(a, b, k):
            _merge_support(G.edges[a, b, k], d)
        else:
            G.add_edge(a, b, key=k, **_copied(d))


def _copied(attrs: dict) -> dict:
    """Attributes with fresh containers (provenance replaces containers, never changes them in place)."""
    out = dict(attrs)
    out["reports"] = set(attrs.get("reports", ()))
    out["spans"] = dict(attrs.get("spans", {}))
    if "by_report" in attrs:
        out["by_report"] = dict(attrs["by_report"])
    return out


def _merge_support(attrs: dict, theirs: dict) -> None:
    """Add one fragment's support (reports, spans, per-report facts) to an existing node or edge."""
    attrs["reports"] = set(attrs.get("reports", ())) | set(theirs.get("reports", ()))
    attrs["spans"] = {**attrs.get("spans", {}), **theirs.get("spans", {})}
    if theirs.get("by_report"):
        attrs["by_report"] = {**attrs.get("by_report", {}), **theirs["by_report"]}
        refresh(attrs)


def remove_report(G: nx.MultiDiGraph, report_id: str) -> bool:
    """Withdraw a report's support everywhere; drop what nothing else supports any more."""
    if node_id("Report", report_id) not in G:
        return False
    for node in [n for n, d in G.nodes(data=True) if report_id in d.get("reports", ())]:
        if withdraw(G.nodes[node], report_id):
            G.remove_node(node)
    for u, v, k in [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
                    if report_id in d.get("reports", ())]:
        if withdraw(G.edges[u, v, k], report_id):
            G.remove_edge(u, v, k)
    _demote_orphan_units(G)
    return True


# -- edges produced by others ------------------------------------------------------------------

def add_similarity(G: nx.MultiDiGraph, pairs: Iterable[tuple[str, str, str, str, float]]) -> int:
    """Problem -SIMILAR_TO{score}-> Problem, from embeddings; pairs naming a problem the graph does
    not hold are skipped (the report may have been removed meanwhile). Returns edges written."""
    return add_problem_links(G, pairs, "SIMILAR_TO")


def add_problem_links(G: nx.MultiDiGraph, pairs: Iterable[tuple[str, str, str, str, float]], key: str) -> int:
    """Problem -key{score}-> Problem edges (SIMILAR_TO, RECURS), each supported by both reports."""
    written = 0
    for rid_a, pid_a, rid_b, pid_b, score in pairs:
        a, b = node_id("Problem", f"{rid_a}/{pid_a}"), node_id("Problem", f"{rid_b}/{pid_b}")
        if a not in G or b not in G or a == b:
            continue
        if not G.has_edge(a, b, key):
            G.add_edge(a, b, key=key, type=key, reports=set(), spans={})
        attrs = G.edges[a, b, key]
        attrs["score"] = round(float(score), 6)
        for node, rid in ((a, rid_a), (b, rid_b)):
            for span in G.nodes[node].get("spans", {}).get(rid, [])[:1]:
                support(attrs, rid, span)
            support(attrs, rid)
        written += 1
    return written


def set_problem_links(G: nx.MultiDiGraph, pairs: Iterable[tuple[str, str, str, str, float]], key: str) -> int:
    """Replace every `key` edge with `pairs`: edges from an older computation must not linger."""
    G.remove_edges_from([(u, v, k) for u, v, k in G.edges(keys=True) if k == key])
    return add_problem_links(G, pairs, key)


def set_similarity(G: nx.MultiDiGraph, pairs: Iterable[tuple[str, str, str, str, float]]) -> int:
    """Replace every SIMILAR_TO edge with `pairs`."""
    return set_problem_links(G, pairs, "SIMILAR_TO")


def set_recurrence(G: nx.MultiDiGraph, pairs: Iterable[tuple[str, str, str, str, float]]) -> int:
    """Replace every Problem -RECURS-> Problem edge (later problem -> the earlier one it repeats)."""
    return set_problem_links(G, pairs, "RECURS")


def set_themes(G: nx.MultiDiGraph, themes: Iterable[dict]) -> int:
    """Replace all Theme nodes: each theme dict has `id`, `label` and `members` [(report_id, problem_id)].
    A theme is supported by its members' reports, so it shrinks with them and goes with the last."""
    G.remove_nodes_from([n for n, d in G.nodes(data=True) if d.get("type") == "Theme"])
    count = 0
    for theme in themes:
        tid = node_id("Theme", str(theme["id"]))
        members = [(r, p) for r, p in theme.get("members", ()) if node_id("Problem", f"{r}/{p}") in G]
        if not members:
            continue
        G.add_node(tid, type="Theme", name=theme.get("label") or str(theme["id"]), theme_id=str(theme["id"]),
                   reports=set(), spans={})
        for rid, pid in members:
            problem = node_id("Problem", f"{rid}/{pid}")
            span = G.nodes[problem]["spans"][rid][0]
            support(G.nodes[tid], rid, span, members=[[rid, pid]])
            G.add_edge(problem, tid, key="IN_THEME", type="IN_THEME", reports=set(), spans={})
            support(G.edges[problem, tid, "IN_THEME"], rid, span)
        G.nodes[tid]["size"] = len(G.nodes[tid]["members"])
        count += 1
    return count


# -- one report ----------------------------------------------------------------------------------

def _demote_orphan_units(G: nx.MultiDiGraph) -> None:
    """A Unit no report is about any more, but still mentioned, goes back to being an Organization."""
    for node, d in list(G.nodes(data=True)):
        if d.get("type") == "Unit" and not any(k == "ABOUT" for _, _, k in G.in_edges(node, keys=True)):
            new = node_id("Organization", d["name"])
            nx.relabel_nodes(G, {node: new}, copy=False)
            G.nodes[new]["type"] = "Organization"

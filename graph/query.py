"""Questions asked of the graph: find a node by name (with suggestions or the candidates), its
profile and neighbours, paths, rankings, and the lookups the views need (docs/decisions.md, "Graph")."""
from __future__ import annotations

import difflib
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable

import networkx as nx

from reports.shared.notices import XunchaError

from .index import context_of
from .names import NODE_TYPES, TYPE_LABELS, node_id

__all__ = [
    "Ambiguous",
    "GraphQueryError",
    "NoPath",
    "NotFound",
    "cooccurrence",
    "ego",
    "neighbors",
    "node_summary",
    "normalize_type",
    "overview",
    "profile",
    "public_attrs",
    "rankings",
    "resolve",
    "shortest_path",
    "stats",
]

# Types as users may write them: any case, the mention type names, or the UI's Chinese labels.
TYPE_ALIASES = {
    "unit": "Unit", "单位": "Unit", "organization": "Organization", "org": "Organization", "组织": "Organization",
    "机构": "Organization", "person": "Person", "人员": "Person", "人物": "Person", "inspection_team":
    "InspectionTeam", "team": "InspectionTeam", "巡察组": "InspectionTeam", "巡视组": "InspectionTeam",
    "regulation": "Regulation", "法规": "Regulation", "党内法规": "Regulation", "document": "Document",
    "文件": "Document", "work": "Work", "作品": "Work", "place": "Place", "地区": "Place", "地点": "Place",
    "problem": "Problem", "问题": "Problem", "category": "Category", "类别": "Category", "theme": "Theme",
    "主题": "Theme", "report": "Report", "报告": "Report",
}
_HIDDEN = ("by_report", "spans")
_SUGGESTIONS = 5


class GraphQueryError(XunchaError, LookupError):
    """A query the graph cannot answer as asked (a code from reports/shared/notices.py)."""


class NotFound(GraphQueryError):
    def __init__(self, name: str, suggestions: list[str] | None = None):
        self.name, self.suggestions = name, list(suggestions or [])
        hint = f"; closest: {', '.join(self.suggestions)}" if self.suggestions else ""
        hint_zh = f";最接近的:{'、'.join(self.suggestions)}" if self.suggestions else ""
        super().__init__("graph_not_found", name=name, hint=hint, hint_zh=hint_zh)


class Ambiguous(GraphQueryError):
    """`candidates` are (node id, the unit or organisation that tells them apart); `labels` how people
    tell them apart (node id -> a unit's display name, a name with its context). Nodes of one type
    differ by name, so the message offers those names; of several types, it offers --type."""

    def __init__(self, name: str, candidates: list[tuple[str, str | None]], labels: dict[str, str] | None = None,
                 types: dict[str, str] | None = None):
        self.name, self.candidates = name, list(candidates)
        listed = "; ".join(f"{node} ({ctx})" if ctx else node for node, ctx in self.candidates)
        labels, types = labels or {}, types or {}
        listed_zh = "、".join(labels.get(node) or (f"{node}({ctx})" if ctx else node) for node, ctx in self.candidates)
        kinds = sorted({types.get(node) for node, _ in self.candidates} - {None})
        if len(kinds) == 1:
            super().__init__("graph_ambiguous_same", name=name, listed=listed_zh, type_en=kinds[0],
                             type=TYPE_LABELS.get(kinds[0], kinds[0]))
        else:
            super().__init__("graph_ambiguous", name=name, listed=listed, listed_zh=listed_zh)


class NoPath(GraphQueryError):
    def __init__(self, a: str, b: str):
        self.a, self.b = a, b
        super().__init__("graph_no_path", a=a, b=b)


def normalize_type(type_: str | None) -> str | None:
    """`person`, `Person`, `人员` -> Person; GraphQueryError names the known types."""
    if type_ is None:
        return None
    if type_ in NODE_TYPES:
        return type_
    found = TYPE_ALIASES.get(type_.lower()) or next((t for t in NODE_TYPES if t.lower() == type_.lower()), None)
    if found is None:
        raise GraphQueryError("unknown_node_type", type=type_, types=list(NODE_TYPES))
    return found


# -- resolve -----------------------------------------------------------------------------------

def resolve(G: nx.MultiDiGraph, name: str, type: str | None = None) -> str:
    """The node a user means by `name`: a node id, a name, or an alias used in a report.

    An exact name beats an alias (纪律处分条例 the regulation, not a document quoting it); several
    nodes left -> Ambiguous; none -> NotFound with the closest names (substring, then fuzzy).
    """
    type_ = normalize_type(type)
    query = name.strip().strip("《》")
    if query in G and (type_ is None or G.nodes[query].get("type") == type_):
        return query
    by_name, by_alias = _matches(G, query, type_)
    hits = by_name or by_alias
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise Ambiguous(name, [(n, context(G, n)) for n in sorted(hits)], {n: _label(G, n) for n in hits},
                        {n: G.nodes[n].get("type") for n in hits})
    raise NotFound(name, suggest(G, query, type_))


def _label(G: nx.MultiDiGraph, node: str) -> str:
    """A node as a person tells it apart: a unit by its display name (distinct in the workspace), any
    other node by its name with what tells same-named ones apart (a person's organisation)."""
    d = G.nodes[node]
    if d.get("display"):
        return d["display"]
    ctx = context(G, node)
    name = d.get("name") or node
    return f"{name}({ctx})" if ctx and ctx != name else name


def _matches(G: nx.MultiDiGraph, query: str, type_: str | None) -> tuple[list[str], list[str]]:
    by_name, by_alias = [], []
    for node, d in G.nodes(data=True):
        if type_ and d.get("type") != type_:
            continue
        # the display name `reports` prints names the unit (its report node only when asked for)
        shown = d.get("display") == query and (d.get("type") != "Report" or type_ == "Report")
        if d.get("name") == query or shown:
            by_name.append(node)
        elif query in d.get("aliases", ()):
            by_alias.append(node)
    return by_name, by_alias


def suggest(G: nx.MultiDiGraph, query: str, type_: str | None = None, limit: int = _SUGGESTIONS) -> list[str]:
    """Closest names: those containing the query (or contained in it), then difflib's fuzzy matches."""
    names: dict[str, str] = {}
    for _, d in G.nodes(data=True):
        if (type_ and d.get("type") != type_) or d.get("type") in ("Problem", "Report", "Category"):
            continue
        for alias in [d.get("display"), d.get("name"), *d.get("aliases", ())]:
            if alias:
                names.setdefault(alias, d.get("display") or d["name"])
    contained = sorted((a for a in names if query and (query in a or (len(a) >= 2 and a in query))),
                       key=lambda a: (abs(len(a) - len(query)), a))
    fuzzy = difflib.get_close_matches(query, list(names), n=limit * 2, cutoff=0.5)
    out: list[str] = []
    for alias in contained + fuzzy:
        if names[alias] not in out:
            out.append(names[alias])
    return out[:limit]


def context(G: nx.MultiDiGraph, node: str) -> str | None:
    """What tells same-named nodes apart: a person's organisation, a problem's unit, a unit's region."""
    d = G.nodes[node]
    if d.get("type") == "InspectionTeam":
        inspected = sorted(G.nodes[u]["name"] for u, _, k in G.in_edges(node, keys=True) if k == "INSPECTED_BY")
        return "、".join(inspected) or None
    return context_of(d)


# -- lookups the views need (they never build node ids or walk the graph themselves) ---------------

def report_unit(G: nx.MultiDiGraph, report_id: str) -> str | None:
    """The Unit node a report is about (its ABOUT edge), None for a report not in the graph."""
    node = node_id("Report", report_id)
    if node not in G:
        return None
    return next((v for _, v, k in G.out_edges(node, keys=True) if k == "ABOUT"), None)


def ranked_neighbours(G: nx.MultiDiGraph, node: str, types: Iterable[str], limit: int) -> tuple[list[str], int]:
    """Up to `limit` neighbours of the given types (either direction), most connected first, and how
    many more there are."""
    wanted = set(types)
    around = {n for n in set(G.successors(node)) | set(G.predecessors(node)) if G.nodes[n].get("type") in wanted}
    ranked = sorted(around, key=lambda n: (-G.degree(n), n))
    return ranked[:limit], max(0, len(ranked) - limit)


def edges_among(G: nx.MultiDiGraph, nodes: Iterable[str]) -> list[tuple[str, str, str]]:
    """(source, target, edge type) for every edge with both ends in `nodes`."""
    present = set(nodes)
    return [(u, v, k) for u, v, k in G.edges(keys=True) if u in present and v in present]


def entity_rows(G: nx.MultiDiGraph, types: Iterable[str]) -> list[tuple[str, str, str, str]]:
    """(node id, type, name, context) for every node of the given types, most connected first; a unit
    is named by its display name, with its own name as the context (a picker then finds either)."""
    wanted = set(types)
    rows = [(node, d["type"], d.get("display") or d.get("name") or node,
             (d.get("name") if d.get("display") and d.get("display") != d.get("name") else context(G, node)) or "",
             G.degree(node))
            for node, d in G.nodes(data=True) if d.get("type") in wanted]
    rows.sort(key=lambda r: (-r[4], r[2]))
    return [r[:4] for r in rows]


# -- one node ----------------------------------------------------------------------------------

def public_attrs(d: dict) -> dict:
    """Attributes fit to show or print as JSON (sets sorted, internal per-report facts left out)."""
    out = {}
    for key, value in d.items():
        if key in _HIDDEN:
            continue
        out[key] = sorted(value) if isinstance(value, set) else value
    return out


def node_summary(G: nx.MultiDiGraph, node: str) -> dict:
    d = G.nodes[node]
    return {"id": node, "type": d.get("type"), "name": d.get("name"), "context": context(G, node)}


def profile(G: nx.MultiDiGraph, node: str) -> dict:
    """A node's attributes, its degree per edge type and direction, and the reports behind it."""
    d = G.nodes[node]
    return {
        **node_summary(G, node),
        "attrs": public_attrs(d),
        "degree": {"out": dict(Counter(k for _, _, k in G.out_edges(node, keys=True))),
                   "in": dict(Counter(k for _, _, k in G.in_edges(node, keys=True)))},
        "reports": sorted(d.get("reports", ())),
        "spans": d.get("spans", {}),
    }


def neighbors(G: nx.MultiDiGraph, node: str, types: Iterable[str] | None = None,
              edge_types: Iterable[str] | None = None) -> list[dict]:
    """Adjacent nodes in both directions, one row per edge, filtered by node and edge type."""
    want_types = {normalize_type(t) for t in types} if types else None
    want_edges = set(edge_types) if edge_types else None
    rows = []
    edges = [(v, k, d, "out") for _, v, k, d in G.out_edges(node, keys=True, data=True)]
    edges += [(u, k, d, "in") for u, _, k, d in G.in_edges(node, keys=True, data=True)]
    for other, key, d, direction in edges:
        if (want_edges and key not in want_edges) or (want_types and G.nodes[other].get("type") not in want_types):
            continue
        edge = {k: v for k, v in public_attrs(d).items() if k not in ("type", "reports")}
        rows.append({**node_summary(G, other), "edge": key, "direction": direction, "edge_attrs": edge,
                     "reports": sorted(d.get("reports", ()))})
    rows.sort(key=lambda r: (r["edge"], r["direction"], r["type"] or "", r["id"]))
    return rows


def ego(G: nx.MultiDiGraph, node: str, radius: int = 1, types: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """The neighbourhood within `radius` hops either way, keeping only `types` (the centre always).
    Filtering happens while walking, so a hidden type also hides what lies beyond it."""
    want = {normalize_type(t) for t in types} if types else None
    keep, frontier = {node}, {node}
    for _ in range(radius):
        step = set()
        for n in frontier:
            for other in set(G.successors(n)) | set(G.predecessors(n)):
                if other not in keep and (want is None or G.nodes[other].get("type") in want):
                    step.add(other)
        keep |= step
        frontier = step
    return G.subgraph(keep).copy()


def shortest_path(G: nx.MultiDiGraph, a: str, b: str, avoid: Iterable[str] = ()) -> dict:
    """The shortest chain of edges between two nodes, ignoring direction; `avoid` skips node types
    (e.g. Place) that would otherwise connect everything through a hub. Edges keep their direction."""
    skip = {normalize_type(t) for t in avoid}
    view = nx.subgraph_view(G, filter_node=lambda n: n in (a, b) or G.nodes[n].get("type") not in skip)
    try:
        path = nx.shortest_path(view.to_undirected(as_view=True), a, b)
    except (nx.NetworkXNoPath, nx.NodeNotFound) as exc:
        raise NoPath(a, b) from exc
    edges = []
    for u, v in itertools.pairwise(path):
        forward = [(u, v, k) for k in G.get_edge_data(u, v, default={})]
        backward = [(v, u, k) for k in G.get_edge_data(v, u, default={})]
        for s, t, k in forward + backward:
            edges.append({"source": s, "target": t, "type": k})
    return {"nodes": [node_summary(G, n) for n in path], "edges": edges, "length": len(path) - 1}


# -- the whole graph ---------------------------------------------------------------------------

def units_of(G: nx.MultiDiGraph, node: str) -> set[str]:
    """The Units a node speaks for: a Report's, or the Report's of a Problem; a Unit itself."""
    type_ = G.nodes[node].get("type")
    if type_ == "Unit":
        return {node}
    if type_ in ("Problem", "Category"):
        node = f"Report:{G.nodes[node]['report_id']}"
        type_ = "Report" if node in G else None
    if type_ == "Report":
        return {v for _, v, k in G.out_edges(node, keys=True) if k == "ABOUT"}
    return set()


def cooccurrence(G: nx.MultiDiGraph, type_a: str = "Regulation", by: str = "Unit",
                 edge_types: Iterable[str] = ("CITES", "MENTIONS"),
                 via: Iterable[str] = ("Problem", "Report")) -> list[dict]:
    """Which `type_a` nodes are cited (or mentioned) by which units: `[{id, name, by: [{id, name,
    count}], n_by}]`, most shared first. `via` says whose citations count: a report's problems
    (the findings), the report itself (its account of the rectification work), or both.
    `by` is Unit or Report."""
    type_a, by = normalize_type(type_a), normalize_type(by)
    via = {normalize_type(t) for t in via}
    table: dict[str, Counter] = defaultdict(Counter)
    for node, d in G.nodes(data=True):
        if d.get("type") != type_a:
            continue
        for source, _, key in G.in_edges(node, keys=True):
            if key not in edge_types or G.nodes[source].get("type") not in via:
                continue
            for group in _group_of(G, source, by):
                table[node][group] += 1
    rows = [{"id": node, "name": G.nodes[node]["name"], "n_by": len(counts),
             "by": [{"id": g, "name": G.nodes[g]["name"], "count": c} for g, c in sorted(counts.items())]}
            for node, counts in table.items()]
    rows.sort(key=lambda r: (-r["n_by"], -sum(b["count"] for b in r["by"]), r["name"]))
    return rows


def _group_of(G: nx.MultiDiGraph, node: str, by: str | None) -> set[str]:
    if by == "Unit":
        return units_of(G, node)
    if by == "Report":
        report = G.nodes[node].get("report_id")
        return {f"Report:{report}"} if report else set()
    raise ValueError(f"cooccurrence by {by!r}: use Unit or Report")


def rankings(G: nx.MultiDiGraph, type: str, by: str = "degree", top: int = 20) -> list[dict]:
    """Top nodes of a type by `degree` (edges either way), `reports` (how many reports support it)
    or `units` (how many different units' reports do)."""
    type_ = normalize_type(type)
    score = {"degree": lambda n: G.degree(n), "reports": lambda n: len(G.nodes[n].get("reports", ())),
             "units": lambda n: len(_supporting_units(G, n))}.get(by)
    if score is None:
        raise ValueError(f"rank by {by!r}: use degree, reports or units")
    rows = [{**node_summary(G, n), "score": score(n)} for n, d in G.nodes(data=True) if d.get("type") == type_]
    rows.sort(key=lambda r: (-r["score"], r["name"] or ""))
    return rows[:top]


def _supporting_units(G: nx.MultiDiGraph, node: str) -> set[str]:
    out: set[str] = set()
    for report in G.nodes[node].get("reports", ()):
        rnode = f"Report:{report}"
        if rnode in G:
            out |= units_of(G, rnode)
    return out


OVERVIEW_UNITS = 40   # units the overview draws at most, the best connected (the page says how many of how many)
OVERVIEW_EDGE = "APPEARS_IN"  # drawn only in the overview: a person or regulation -> a unit whose report names it


def overview(G: nx.MultiDiGraph, top: int = 12, units: int = OVERVIEW_UNITS) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The workspace at a glance, before anything is picked: the `units` most connected Units and the
    InspectionTeams that inspected them (every team when every unit is drawn), and the `top` most
    connected People and Regulations. Returns the nodes and the links to draw: the graph's own edges
    among them, plus an APPEARS_IN link from a person or regulation to each drawn unit whose report
    supports it where no direct edge says so (they meet only through problems otherwise)."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for n, d in G.nodes(data=True):
        by_type[d.get("type")].append(n)
    drawn = sorted(sorted(by_type["Unit"], key=lambda n: (-G.degree(n), n))[:units])
    teams = by_type["InspectionTeam"] if len(drawn) == len(by_type["Unit"]) else \
        {v for u in drawn for _, v, k in G.out_edges(u, keys=True) if k == "INSPECTED_BY"}
    nodes = drawn + sorted(teams)
    for type_ in ("Person", "Regulation"):
        nodes += sorted(by_type[type_], key=lambda n: (-G.degree(n), n))[:top]
    present = set(nodes)
    links = [(u, v, k) for u, v, k in G.edges(keys=True) if u in present and v in present]
    linked = {frozenset((u, v)) for u, v, _ in links}
    for n in nodes:
        if G.nodes[n].get("type") in ("Person", "Regulation"):
            links += [(n, unit, OVERVIEW_EDGE) for unit in sorted(_supporting_units(G, n) & present)
                      if frozenset((n, unit)) not in linked]
    return nodes, links


def stats(G: nx.MultiDiGraph) -> dict:
    """Counts of nodes and edges by type, and the store generation the graph reflects."""
    nodes = Counter(d.get("type") for _, d in G.nodes(data=True))
    edges = Counter(k for _, _, k in G.edges(keys=True))
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
            "nodes_by_type": dict(sorted(nodes.items())), "edges_by_type": dict(sorted(edges.items())),
            "reports": nodes.get("Report", 0), "generation": G.graph.get("generation")}

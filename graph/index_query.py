"""The queries of graph.query answered from the node index (graph.reader) instead of the merged graph:
the same answers, at a cost that grows with what is asked, not with the store (docs/decisions.md,
"Graph reads at 10,000 reports"). A path search is bidirectional and bounded (``PATH_BOUND`` nodes)."""
from __future__ import annotations

import difflib
import itertools
import json
import time
from collections import Counter, deque
from collections.abc import Iterable

from .index import id_of, key_of
from .names import node_id
from .query import (
    OVERVIEW_EDGE,
    OVERVIEW_UNITS,
    Ambiguous,
    GraphQueryError,
    NoPath,
    NotFound,
    normalize_type,
)
from .reader import IndexReader, chunks

__all__ = ["PATH_BOUND", "PATH_SECONDS", "count", "entity_rows", "neighbour_rows", "overview", "profile", "rankings",
           "resolve", "shortest_path", "stats", "suggest"]

PATH_BOUND = 1_000_000   # nodes a path search may reach before it stops with graph_path_bound
PATH_SECONDS = 30.0    # ... or seconds it may take
_SUGGESTIONS = 5
_UNNAMED = ("Problem", "Report", "Category")   # types suggest() does not offer


def _marks(n: int) -> str:
    return ",".join("?" * n)


def summary(ix: IndexReader, node: str, type_: str | None = None, name: str | None = None) -> dict:
    """query.node_summary of the merged graph."""
    if type_ is None:
        d = ix.attrs([node]).get(node, {})
        type_, name = d.get("type"), d.get("name")
    return {"id": node, "type": type_, "name": name, "context": ix.context(node)}


# -- the picker, stats, overview -------------------------------------------------------------------

def entity_rows(ix: IndexReader, types: Iterable[str], limit: int | None = None) -> list[tuple[str, str, str, str]]:
    """query.entity_rows: (node id, type, name, context), most connected first; ``limit`` keeps the
    first so many (read from SQL by degree, never every row)."""
    wanted = sorted(set(types) - {"Theme"})
    where = f"type IN ({_marks(len(wanted))})"
    floor = 0
    if limit is not None and wanted:
        row = ix.conn.execute(f"SELECT degree FROM gnode WHERE {where} ORDER BY degree DESC LIMIT 1 OFFSET ?",
                              (*wanted, limit - 1)).fetchone()
        floor = row[0] if row else 0
    found = list(ix.conn.execute(f"SELECT key, type, name, ctx, degree FROM gnode WHERE {where} AND degree >= ?",
                                 (*wanted, floor))) if wanted else []
    return _rows(ix, found, "Theme" in set(types), limit)


def _rows(ix: IndexReader, found: list[tuple], themes: bool, limit: int | None) -> list[tuple[str, str, str, str]]:
    displays = ix.displays()
    teams = [key for key, t, *_ in found if t == "InspectionTeam"]
    inspected = _inspected(ix, teams)
    rows = []
    for key, type_, name, ctx, degree in found:
        node = id_of(key, type_)
        display = displays.get(node)
        if type_ == "InspectionTeam":
            ctx = inspected.get(key)
        shown = display or name or node
        context = name if display and display != name else ctx
        rows.append((node, type_, shown, context or "", degree))
    if themes:
        labels = dict(ix.conn.execute("SELECT id, label FROM themes"))
        rows += [(node_id("Theme", t), "Theme", labels[t] or t, "", n) for t, n in ix.theme_sizes().items()]
    rows.sort(key=lambda r: (-r[4], r[2]))
    return [r[:4] for r in (rows if limit is None else rows[:limit])]


def _inspected(ix: IndexReader, teams: list[str]) -> dict[str, str]:
    """Team key -> its context (the units it inspected, sorted, joined)."""
    names: dict[str, list[str]] = {}
    for part in chunks(teams):
        for team, name in ix.conn.execute(f"SELECT e.v, n.name FROM gedge e JOIN gnode n ON n.key = e.u WHERE "
                                          f"e.k = 'INSPECTED_BY' AND e.v IN ({_marks(len(part))})", part):
            names.setdefault(team, []).append(name)
    return {t: "、".join(sorted(v)) for t, v in names.items()}


def search_rows(ix: IndexReader, text: str, types: Iterable[str], limit: int) -> list[tuple[str, str, str, str]]:
    """Entity rows whose name, display, alias or context contains ``text``, most connected first."""
    wanted = sorted(set(types) - {"Theme"})
    needle = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{needle}%"   # typed text is matched literally
    keys = {k for (k,) in ix.conn.execute(f"SELECT key FROM gnode WHERE type IN ({_marks(len(wanted))}) AND "
                                           "(name LIKE ? ESCAPE '\\' OR ctx LIKE ? ESCAPE '\\')", (*wanted, like, like))}
    keys |= {k for (k,) in ix.conn.execute("SELECT key FROM galias WHERE alias LIKE ? ESCAPE '\\'", (like,))}
    keys |= {key_of(n) for n, d in ix.displays().items() if text.strip() in d}
    found = []
    for part in chunks(sorted(keys)):
        found += ix.conn.execute(f"SELECT key, type, name, ctx, degree FROM gnode WHERE key IN ({_marks(len(part))}) "
                                 f"AND type IN ({_marks(len(wanted))})", (*part, *wanted)).fetchall()
    rows = _rows(ix, found, False, None)
    if "Theme" in set(types):
        labels = dict(ix.conn.execute("SELECT id, label FROM themes WHERE label LIKE ? ESCAPE '\\'", (like,)))
        sizes = ix.theme_sizes()
        rows += [(node_id("Theme", t), "Theme", labels[t] or t, "") for t in labels if t in sizes]
    return rows[:limit]


def stats(ix: IndexReader, generation: int | None) -> dict:
    """query.stats: nodes and edges by type, from counts the index keeps."""
    nodes = Counter(dict(ix.conn.execute("SELECT type, COUNT(*) FROM gnode GROUP BY type")))
    edges = Counter({what[len("edge:"):]: n for what, n in ix.conn.execute("SELECT what, n FROM gcount") if n > 0})
    sizes = ix.theme_sizes()
    if sizes:
        nodes["Theme"] = len(sizes)
        edges["IN_THEME"] = sum(sizes.values())
    for kind in ("SIMILAR_TO", "RECURS"):
        n = ix.conn.execute(
            "SELECT COUNT(*) FROM links WHERE kind = ? AND NOT (a_report = b_report AND a_problem = b_problem) "
            "AND EXISTS (SELECT 1 FROM gnode WHERE key = 'Problem:' || a_report || '/' || a_problem) "
            "AND EXISTS (SELECT 1 FROM gnode WHERE key = 'Problem:' || b_report || '/' || b_problem)", (kind,)).fetchone()[0]
        if n:
            edges[kind] = n
    return {"nodes": sum(nodes.values()), "edges": sum(edges.values()),
            "nodes_by_type": dict(sorted(nodes.items())), "edges_by_type": dict(sorted(edges.items())),
            "reports": nodes.get("Report", 0), "generation": generation}


def overview(ix: IndexReader, top: int = 12, units: int = OVERVIEW_UNITS) -> tuple[list[str], list[tuple[str, str, str]]]:
    """query.overview: the ``units`` most connected Units (by key) and the teams that inspected them
    (every team when every unit is drawn), the ``top`` most connected People and Regulations, the edges
    among them and APPEARS_IN links to the drawn units whose reports name them."""
    drawn = sorted(k for (k,) in ix.conn.execute("SELECT key FROM gnode WHERE type = 'Unit' ORDER BY degree DESC, key "
                                                  "LIMIT ?", (units,)))
    if len(drawn) < count(ix, "Unit"):
        teams = {v for part in chunks(drawn) for (v,) in ix.conn.execute(
            f"SELECT v FROM gedge WHERE k = 'INSPECTED_BY' AND u IN ({_marks(len(part))})", part)}
    else:
        teams = {k for (k,) in ix.conn.execute("SELECT key FROM gnode WHERE type = 'InspectionTeam'")}
    nodes = drawn + sorted(teams)
    picked = []
    for type_ in ("Person", "Regulation"):
        picked += [k for (k,) in ix.conn.execute("SELECT key FROM gnode WHERE type = ? ORDER BY degree DESC, key LIMIT ?",
                                                 (type_, top))]
    nodes += picked
    links = ix.edges_among(nodes)
    linked = {frozenset((u, v)) for u, v, _ in links}
    shown = set(drawn)
    for n in picked:
        found = {u for (u,) in ix.conn.execute(
            "SELECT a.unit FROM gnode_report r JOIN gabout a ON a.report_id = r.report_id WHERE r.key = ?", (n,))}
        links += [(n, unit, OVERVIEW_EDGE) for unit in sorted(found & shown) if frozenset((n, unit)) not in linked]
    return nodes, links


def count(ix: IndexReader, type_: str) -> int:
    """How many nodes of a type the graph holds (from the index's (type, degree) index)."""
    if type_ == "Theme":
        return len(ix.theme_sizes())
    return ix.conn.execute("SELECT COUNT(*) FROM gnode WHERE type = ?", (type_,)).fetchone()[0]


# -- one node ------------------------------------------------------------------------------------

def profile(ix: IndexReader, node: str) -> dict:
    """query.profile: attributes, degree per edge type and direction, supporting reports, spans."""
    from .query import public_attrs
    d = ix.attrs([node])[node]
    out_deg: Counter = Counter()
    in_deg: Counter = Counter()
    for u, _, k in ix.neighbours(node):
        (out_deg if u == node else in_deg)[k] += 1
    return {**summary(ix, node, d.get("type"), d.get("name")), "attrs": public_attrs(d),
            "degree": {"out": dict(out_deg), "in": dict(in_deg)}, "reports": sorted(d.get("reports", ())),
            "spans": _spans(ix, node, d)}


def _spans(ix: IndexReader, node: str, d: dict) -> dict:
    if d.get("type") == "Theme":
        spans: dict[str, list] = {}
        for rid, pid in d["members"]:
            row = ix.conn.execute("SELECT span FROM gnode WHERE key = ?", (node_id("Problem", f"{rid}/{pid}"),)).fetchone()
            mine = spans.setdefault(rid, [])
            if row and row[0] and json.loads(row[0]) not in mine:
                mine.append(json.loads(row[0]))
        return spans
    row = ix.row(node)
    if row[6] is None:   # a report's own node: its fragment has it all
        return ix.fragment_nodes(row[3])[node].get("spans", {})
    spans = {}
    for rid, text in ix.conn.execute("SELECT report_id, attrs FROM gnode_report WHERE key = ? ORDER BY report_id", (row[0],)):
        spans[rid] = json.loads(text).get("spans", {}).get(rid, [])
    return spans


def neighbour_rows(ix: IndexReader, node: str) -> list[dict]:
    """query.neighbors without the edges' attributes and supporting reports (what the app's table
    shows), from index rows alone: one row per edge, in query.neighbors' order."""
    edges = ix.neighbours(node)
    ends = [v if u == node else u for u, v, _ in edges]
    rows = ix.rows(ends, attrs=False)
    labels = dict(ix.conn.execute("SELECT id, label FROM themes")) if any(e.startswith("Theme:") for e in ends) else {}
    out = []
    for (u, _, k), other in zip(edges, ends, strict=True):
        row = rows.get(other)
        if row is None:   # a theme
            tid = other.split(":", 1)[1]
            who = {"id": other, "type": "Theme", "name": labels.get(tid) or tid, "context": None}
        else:
            who = {"id": other, "type": row[1], "name": row[2], "context": ix.context(other, row)}
        out.append({**who, "edge": k, "direction": "out" if u == node else "in"})
    out.sort(key=lambda r: (r["edge"], r["direction"], r["type"] or "", r["id"]))
    return out


def rankings(ix: IndexReader, type: str, by: str = "degree", top: int = 20) -> list[dict]:
    """query.rankings: the top nodes of a type by degree, supporting reports or supporting units."""
    type_ = normalize_type(type)
    if by not in ("degree", "reports", "units"):
        raise ValueError(f"rank by {by!r}: use degree, reports or units")
    if type_ == "Theme":
        nodes = [node_id("Theme", t) for t in ix.theme_sizes()]
    else:
        nodes = [node for node, *_ in entity_rows(ix, [type_])]
    if by == "degree":
        score = ix.degree(nodes)
    elif by == "reports":
        score = {n: len(d.get("reports", ())) for n, d in ix.attrs(nodes).items()}
    else:
        score = {n: len(_units(ix, d.get("reports", ()))) for n, d in ix.attrs(nodes).items()}
    shown = ix.attrs(nodes)
    rows = [{"id": n, "type": type_, "name": shown[n].get("name"), "score": score[n]} for n in nodes]
    rows.sort(key=lambda r: (-r["score"], r["name"] or ""))
    return [{**summary(ix, r["id"], r["type"], r["name"]), "score": r["score"]} for r in rows[:top]]


def _units(ix: IndexReader, reports: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for part in chunks(list(reports)):
        out |= {u for (u,) in ix.conn.execute(f"SELECT unit FROM gabout WHERE report_id IN ({_marks(len(part))})", part)}
    return out


# -- names -----------------------------------------------------------------------------------------

def resolve(ix: IndexReader, name: str, type: str | None = None) -> str:
    """query.resolve: a node id, a name or display name, then an alias; Ambiguous or NotFound."""
    type_ = normalize_type(type)
    query = name.strip().strip("《》")
    if ix.exists(query) and (type_ is None or ix.types([query]).get(query) == type_):
        return query
    keys = [k for (k,) in ix.conn.execute("SELECT key FROM gnode WHERE name = ?", (query,))]
    by_name = set(ix.ids(keys).values())
    by_name |= {n for n, shown in ix.displays().items() if shown == query}
    by_name |= {node_id("Theme", t) for (t,) in ix.conn.execute(
        "SELECT id FROM themes WHERE COALESCE(NULLIF(label, ''), id) = ?", (query,)) if t in ix.theme_sizes()}
    types = ix.types(by_name)
    hits = {n for n in by_name if (type_ is None or types.get(n) == type_)
            and (types.get(n) != "Report" or type_ == "Report" or ix.attrs([n])[n].get("name") == query)}
    if not hits:
        aliased = ix.ids(k for (k,) in ix.conn.execute("SELECT key FROM galias WHERE alias = ?", (query,)))
        types = ix.types(aliased.values())
        hits = {n for n in aliased.values() if type_ is None or types.get(n) == type_}
    if len(hits) == 1:
        return next(iter(hits))
    if hits:
        types = ix.types(hits)
        raise Ambiguous(name, [(n, ix.context(n)) for n in sorted(hits)], {n: _label(ix, n) for n in hits}, types)
    raise NotFound(name, suggest(ix, query, type_))


def _label(ix: IndexReader, node: str) -> str:
    d = ix.attrs([node])[node]
    if d.get("display"):
        return d["display"]
    ctx = ix.context(node)
    name = d.get("name") or node
    return f"{name}({ctx})" if ctx and ctx != name else name


def suggest(ix: IndexReader, query: str, type_: str | None = None, limit: int = _SUGGESTIONS) -> list[str]:
    """query.suggest over the index: names containing the query (or contained in it), then fuzzy."""
    names: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    for alias, key in ix.conn.execute("SELECT alias, key FROM galias ORDER BY key"):
        aliases.setdefault(key, []).append(alias)
    displays = ix.displays()
    skip = "','".join(_UNNAMED)
    for key, t, name in ix.conn.execute(f"SELECT key, type, name FROM gnode WHERE type NOT IN ('{skip}') ORDER BY key"):
        if type_ and t != type_:
            continue
        node = key.replace("Unit:", "Organization:", 1) if t == "Organization" else key
        shown = displays.get(node)
        for alias in [shown, name, *aliases.get(key, ())]:
            if alias:
                names.setdefault(alias, shown or name)
    contained = sorted((a for a in names if query and (query in a or (len(a) >= 2 and a in query))),
                       key=lambda a: (abs(len(a) - len(query)), a))
    chars = set(query)
    fuzzy = difflib.get_close_matches(query, [a for a in names if chars & set(a)], n=limit * 2, cutoff=0.5)
    out: list[str] = []
    for alias in contained + fuzzy:
        if names[alias] not in out:
            out.append(names[alias])
    return out[:limit]


# -- paths -----------------------------------------------------------------------------------------

def shortest_path(ix: IndexReader, a: str, b: str, avoid: Iterable[str] = (), bound: int = PATH_BOUND,
                  seconds: float = PATH_SECONDS) -> dict:
    """query.shortest_path by a bidirectional breadth-first search over the index (ignoring
    direction, skipping the ``avoid`` types except at the ends); stops with graph_path_bound once
    ``bound`` nodes are reached or ``seconds`` pass. A path of the same length as the merged graph's
    (ties may pick another path of that length)."""
    skip = {normalize_type(t) for t in avoid}
    if not (ix.exists(a) and ix.exists(b)):
        raise NoPath(a, b)
    if a == b:
        return {"nodes": [summary(ix, a)], "edges": [], "length": 0}
    parents = ({a: None}, {b: None})
    frontiers = (deque([a]), deque([b]))
    started = time.monotonic()
    meet = None
    while frontiers[0] and frontiers[1] and meet is None:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        level = list(frontiers[side])
        frontiers[side].clear()
        for node, other in _expand(ix, level, skip, (a, b)):
            if other in parents[side]:
                continue
            parents[side][other] = node
            if other in parents[1 - side]:
                meet = other
                break
            frontiers[side].append(other)
        if meet is None and (len(parents[0]) + len(parents[1]) > bound or time.monotonic() - started > seconds):
            raise GraphQueryError("graph_path_bound", a=a, b=b, bound=bound, seconds=int(seconds))
    if meet is None:
        raise NoPath(a, b)
    path = _walk(parents[0], meet)[::-1] + _walk(parents[1], meet)[1:]
    edges = []
    shown = ix.attrs(path)
    for u, v in itertools.pairwise(path):
        among = [(s, t, k) for s, t, k in ix.edges_among([u, v]) if {s, t} == {u, v}]
        edges += [{"source": s, "target": t, "type": k} for s, t, k in sorted(among, key=lambda e: e[0] != u)]
    return {"nodes": [summary(ix, n, shown[n].get("type"), shown[n].get("name")) for n in path], "edges": edges,
            "length": len(path) - 1}


def _expand(ix: IndexReader, level: list[str], skip: set[str], ends: tuple[str, str]) -> list[tuple[str, str]]:
    """(node, neighbour) for every node of a search level, either direction, in the level's order and
    each node's neighbours sorted, the ``skip`` types left out (but the ends): a few queries per 500
    nodes (an entity in thousands of reports has tens of thousands of neighbours)."""
    found: dict[str, set[tuple[str, str]]] = {n: set() for n in level}
    keys = {key_of(n): n for n in level if not n.startswith("Theme:")}
    for part in chunks(sorted(keys)):
        marks = _marks(len(part))
        for mine, theirs in (("u", "v"), ("v", "u")):
            for here, other, type_ in ix.conn.execute(
                    f"SELECT e.{mine}, e.{theirs}, n.type FROM gedge e JOIN gnode n ON n.key = e.{theirs} "
                    f"WHERE e.{mine} IN ({marks})", part):
                found[keys[here]].add((id_of(other, type_), type_))
    problems: dict[str, set[str]] = {}
    for n in level:
        if n.startswith("Problem:"):
            rid, pid = n[len("Problem:"):].split("/", 1)
            problems.setdefault(rid, set()).add(pid)
    linked = []
    for rid, pids in problems.items():
        for kind in ("SIMILAR_TO", "RECURS"):
            for a, b, c, d, _ in ix.link_rows(kind, rid, pids):
                u, v = node_id("Problem", f"{a}/{b}"), node_id("Problem", f"{c}/{d}")
                linked += [(x, y) for x, y in ((u, v), (v, u)) if x in found and x != y]
        for pid, theme in ix.conn.execute(f"SELECT problem_id, theme FROM gtheme WHERE present AND report_id = ? AND "
                                          f"problem_id IN ({_marks(len(pids))})", (rid, *sorted(pids))):
            found[node_id("Problem", f"{rid}/{pid}")].add((node_id("Theme", theme), "Theme"))
    present = ix.rows((y for _, y in linked), attrs=False)
    for x, y in linked:
        if y in present:
            found[x].add((y, "Problem"))
    for n in level:
        if n.startswith("Theme:"):
            found[n] |= {(node_id("Problem", f"{r}/{p}"), "Problem") for r, p in (ix.theme(n[len("Theme:"):]) or {}).get("members", ())}
    return [(n, other) for n in level for other, type_ in sorted(found[n]) if other in ends or type_ not in skip]


def _walk(parents: dict, node: str) -> list[str]:
    out = []
    while node is not None:
        out.append(node)
        node = parents[node]
    return out

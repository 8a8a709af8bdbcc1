"""Reads of the node index (graph.index) that answer as the merged graph would, without merging every
fragment: a node's attributes, degree, context and neighbours, edges among nodes, and the themes and
problem links (SIMILAR_TO, RECURS) that live beside the fragments (docs/decisions.md, "Graph reads at
10,000 reports"). One fragment is parsed only for a report's own nodes (its problems, categories)."""
from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from .fragments import FragmentStore
from .index import id_of, key_of
from .names import node_id

__all__ = ["IndexReader", "chunks"]

LINK_KINDS = ("SIMILAR_TO", "RECURS")
_THEME = "Theme:"
_CHUNK = 500


def chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for at in range(0, len(items), size):
        yield items[at:at + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class IndexReader:
    """The index of one graph.db at one version (a new reader per version: its caches are that
    version's). ``unit_names``: report id -> the unit's display name (Store.unit_names)."""

    def __init__(self, fragments: FragmentStore, unit_names: Callable[[], dict[str, str]]):
        self.fragments = fragments
        self._unit_names = unit_names
        self._displays: dict[str, str] | None = None
        self.fragment = lru_cache(maxsize=8)(fragments.fragment)
        self.fragment_nodes = lru_cache(maxsize=64)(fragments.fragment_nodes)
        self.neighbours = lru_cache(maxsize=16)(self._neighbours)   # the page asks three times per pick

    @property
    def conn(self):
        """The calling thread's connection (a reader serves every thread of the process)."""
        return self.fragments.conn

    # -- rows --------------------------------------------------------------------------------------
    def row(self, node: str) -> tuple | None:
        """(key, type, name, report_id, degree, ctx, attrs JSON) of a node id, None if absent."""
        key = key_of(node)
        row = self.conn.execute("SELECT key, type, name, report_id, degree, ctx, attrs FROM gnode WHERE key = ?",
                                (key,)).fetchone()
        return row if row is not None and id_of(row[0], row[1]) == node else None

    def rows(self, nodes: Iterable[str], attrs: bool = True) -> dict[str, tuple]:
        """Node id -> row, for the ids present (themes excluded); ``attrs=False`` leaves the merged
        attributes out (None: an entity in thousands of reports has a long one)."""
        out: dict[str, tuple] = {}
        wanted = {key_of(n): n for n in nodes if not n.startswith(_THEME)}
        column = "attrs" if attrs else "NULL"
        for part in chunks(list(wanted)):
            for row in self.conn.execute(f"SELECT key, type, name, report_id, degree, ctx, {column} FROM gnode "
                                         f"WHERE key IN ({_marks(len(part))})", part):
                node = id_of(row[0], row[1])
                if wanted[row[0]] == node:
                    out[node] = row
        return out

    def displays(self) -> dict[str, str]:
        """Node id -> display name: a report and the unit it is about (build.label_units' rule: a unit
        with two reports takes the display of the later one in the store's order)."""
        if self._displays is None:
            names = self._unit_names()
            about: dict[str, list[str]] = {}
            for rid, unit in self.conn.execute("SELECT report_id, unit FROM gabout"):
                about.setdefault(rid, []).append(unit)
            out: dict[str, str] = {}
            have = {k for (k,) in self.conn.execute("SELECT key FROM gnode WHERE type = 'Report'")}
            for rid, name in names.items():
                if node_id("Report", rid) in have:
                    out[node_id("Report", rid)] = name
                    for unit in about.get(rid, ()):
                        out[unit] = name
            self._displays = out
        return self._displays

    def exists(self, node: str) -> bool:
        if node.startswith(_THEME):
            return node[len(_THEME):] in self.theme_sizes()
        return self.row(node) is not None

    # -- themes and problem links -----------------------------------------------------------------
    def theme_sizes(self) -> dict[str, int]:
        """Theme id -> its members the graph holds (its IN_THEME edges), for the themes with any."""
        if not hasattr(self, "_sizes"):
            self._sizes = dict(self.conn.execute("SELECT theme, SUM(present) FROM gtheme GROUP BY theme "
                                                 "HAVING SUM(present) > 0 ORDER BY theme"))
        return self._sizes

    def theme(self, tid: str) -> dict | None:
        """A theme node's attributes (build.set_themes: the members the graph holds, in report-id
        order, without spans), None for a theme with no member present."""
        if tid not in self.theme_sizes():
            return None
        label, members = self.conn.execute("SELECT label, members FROM themes WHERE id = ?", (tid,)).fetchone()
        by_report: dict[str, list] = {}
        for rid, pid in self._present_problems([tuple(m) for m in json.loads(members)]):
            if [rid, pid] not in by_report.setdefault(rid, []):
                by_report[rid].append([rid, pid])
        listed = [m for rid in sorted(by_report) for m in by_report[rid]]
        return {"type": "Theme", "name": label or tid, "theme_id": tid, "reports": set(by_report),
                "members": listed, "size": len(listed)}

    def _present_problems(self, members: list[tuple[str, str]]) -> list[tuple[str, str]]:
        keys = [node_id("Problem", f"{r}/{p}") for r, p in members]
        have: set[str] = set()
        for part in chunks(list(dict.fromkeys(keys))):
            have |= {k for (k,) in self.conn.execute(f"SELECT key FROM gnode WHERE key IN ({_marks(len(part))})", part)}
        return [m for m, k in zip(members, keys, strict=True) if k in have]

    def themes_of(self, problem: str) -> list[str]:
        rid, pid = problem[len("Problem:"):].split("/", 1)
        return [node_id("Theme", t) for (t,) in self.conn.execute(
            "SELECT theme FROM gtheme WHERE report_id = ? AND problem_id = ? ORDER BY theme", (rid, pid))]

    def link_rows(self, kind: str, report_id: str, problems: Iterable[str]) -> list[tuple]:
        """(a_report, a_problem, b_report, b_problem, score) of the ``kind`` links at any of a report's
        ``problems``, either way (each side by its own index: the planner, without statistics, took
        the primary key for the b side and scanned every link)."""
        pids = sorted(set(problems))
        marks = _marks(len(pids))
        found = self.conn.execute(f"SELECT a_report, a_problem, b_report, b_problem, score FROM links WHERE kind = ? AND "
                                  f"a_report = ? AND a_problem IN ({marks})", (kind, report_id, *pids)).fetchall()
        found += self.conn.execute(f"SELECT a_report, a_problem, b_report, b_problem, score FROM links INDEXED BY links_b "
                                   f"WHERE kind = ? AND b_report = ? AND b_problem IN ({marks})", (kind, report_id, *pids)).fetchall()
        return list(dict.fromkeys(found))

    def problem_links(self, problem: str) -> list[tuple[str, str, str]]:
        """(source, target, kind) of the SIMILAR_TO / RECURS edges at a problem whose other end the
        graph holds (build.add_problem_links)."""
        rid, pid = problem[len("Problem:"):].split("/", 1)
        out = []
        for kind in LINK_KINDS:
            for a, b, c, d, _ in self.link_rows(kind, rid, [pid]):
                u, v = node_id("Problem", f"{a}/{b}"), node_id("Problem", f"{c}/{d}")
                if u != v and self.row(u if v == problem else v) is not None:
                    out.append((u, v, kind))
        return out

    # -- one node ------------------------------------------------------------------------------------
    def degree(self, nodes: Iterable[str]) -> dict[str, int]:
        """Node id -> its degree in the merged graph (edges either way)."""
        out = {}
        nodes = list(nodes)
        rows = self.rows(nodes, attrs=False)
        extra = self._problem_extra([n for n, r in rows.items() if r[1] == "Problem"])
        for n in nodes:
            if n.startswith(_THEME):
                out[n] = self.theme_sizes()[n[len(_THEME):]]
            elif n in rows:
                out[n] = rows[n][4] + extra.get(n, 0)
        return out

    def _problem_extra(self, problems: list[str]) -> Counter:
        """Problem id -> its links (either way, other end present) and themes: what its degree in
        the merged graph adds to its fragment's. One query per report and link kind (the index's
        prefix): a regulation's neighbours are thousands of problems."""
        wanted: dict[str, set[str]] = {}
        for p in problems:
            rid, pid = p[len("Problem:"):].split("/", 1)
            wanted.setdefault(rid, set()).add(pid)
        out: Counter = Counter()
        for part in chunks(sorted(wanted)):
            marks = _marks(len(part))
            ends = []
            for kind, rid in itertools.product(LINK_KINDS, part):
                for a, b, c, d, _ in self.link_rows(kind, rid, wanted[rid]):
                    u, v = node_id("Problem", f"{a}/{b}"), node_id("Problem", f"{c}/{d}")
                    ends += [(u, v)] if a == rid and b in wanted[rid] else []
                    ends += [(v, u)] if c == rid and d in wanted[rid] else []
            present = set(self.rows((other for _, other in ends), attrs=False))
            out.update(n for n, other in ends if other != n and other in present)
            for rid, pid, n in self.conn.execute(f"SELECT report_id, problem_id, COUNT(*) FROM gtheme WHERE report_id IN "
                                                 f"({marks}) GROUP BY 1, 2", part):
                if pid in wanted[rid]:
                    out[node_id("Problem", f"{rid}/{pid}")] += n
        return out

    def types(self, nodes: Iterable[str]) -> dict[str, str]:
        nodes = list(nodes)
        out = {n: r[1] for n, r in self.rows(nodes, attrs=False).items()}
        out.update({n: "Theme" for n in nodes if n.startswith(_THEME) and n[len(_THEME):] in self.theme_sizes()})
        return out

    def attrs(self, nodes: Iterable[str]) -> dict[str, dict]:
        """Node id -> its attributes in the merged graph, without the per-report detail (spans,
        by_report), for the nodes present, in the order given."""
        nodes = list(dict.fromkeys(nodes))
        rows = self.rows(nodes)
        out: dict[str, dict] = {}
        for n in nodes:
            if n.startswith(_THEME):
                theme = self.theme(n[len(_THEME):])
                if theme is not None:
                    out[n] = theme
                continue
            row = rows.get(n)
            if row is None:
                continue
            if row[6] is not None:
                d = json.loads(row[6])
                d["reports"] = set(d.get("reports", ()))
            else:
                d = {k: v for k, v in self.fragment_nodes(row[3])[n].items() if k not in ("spans", "by_report")}
            display = self.displays().get(n)
            if display is not None:
                d["display"] = display
            out[n] = d
        return out

    def context(self, node: str, row: tuple | None = None) -> str | None:
        """query.context of the merged graph: an inspection team's inspected units, else context_of
        (kept in the index for every node). ``row``: the node's row when the caller has it."""
        row = row or self.row(node)
        if row is None:
            return None
        if row[1] == "InspectionTeam":
            names = sorted(name for (name,) in self.conn.execute(
                "SELECT n.name FROM gedge e JOIN gnode n ON n.key = e.u WHERE e.v = ? AND e.k = 'INSPECTED_BY'", (row[0],)))
            return "、".join(names) or None
        return row[5]

    def _neighbours(self, node: str) -> list[tuple[str, str, str]]:
        """(source, target, edge type) of every edge at ``node`` in the merged graph."""
        if node.startswith(_THEME):
            theme = self.theme(node[len(_THEME):])
            return [(node_id("Problem", f"{r}/{p}"), node, "IN_THEME") for r, p in (theme or {}).get("members", ())]
        row = self.row(node)
        if row is None:
            return []
        key = row[0]
        found = [(u, v, k) for u, v, k in self.conn.execute("SELECT u, v, k FROM gedge WHERE u = ?", (key,))]
        found += [(u, v, k) for u, v, k in self.conn.execute("SELECT u, v, k FROM gedge WHERE v = ?", (key,)) if u != key]
        ends = {x for u, v, _ in found for x in (u, v)}
        ids = self.ids(ends)
        out = [(ids[u], ids[v], k) for u, v, k in found]
        if row[1] == "Problem":
            out += self.problem_links(node) + [(node, t, "IN_THEME") for t in self.themes_of(node)]
        return out

    def support(self, node: str) -> dict[tuple[str, str, str], int]:
        """(source, target, edge type) -> how many reports state it (the reports the merged graph's
        edge lists: its fragments for an edge of the index, both problems' reports for a link, the
        problem's for a theme), for every edge at ``node``."""
        out: dict[tuple[str, str, str], int] = {}
        for u, v, k in self.neighbours(node):
            if k in LINK_KINDS:
                out[(u, v, k)] = len({u.split("/", 1)[0], v.split("/", 1)[0]})
            elif k == "IN_THEME":
                out[(u, v, k)] = 1
        row = self.row(node)
        if row is not None:
            found = self.conn.execute("SELECT u, v, k, n FROM gedge WHERE u = ?", (row[0],)).fetchall()
            found += self.conn.execute("SELECT u, v, k, n FROM gedge WHERE v = ? AND u != ?", (row[0], row[0])).fetchall()
            ids = self.ids({x for u, v, _, _ in found for x in (u, v)})
            out.update({(ids[u], ids[v], k): n for u, v, k, n in found})
        return out

    def shared_reports(self, a: str, b: str) -> list[str]:
        """The reports both nodes appear in (those that can state an edge between them), for two
        entities; for a report's own node, its report."""
        rows = self.rows([a, b], attrs=False)
        local = [r[3] for r in rows.values() if r[3] is not None]
        if local or len(rows) < 2:
            return local[:1]
        return [rid for (rid,) in self.conn.execute(
            "SELECT report_id FROM gnode_report WHERE key = ? AND report_id IN "
            "(SELECT report_id FROM gnode_report WHERE key = ?)", (key_of(a), key_of(b)))]

    def node_types(self) -> set[str]:
        """The node types the merged graph holds."""
        types = {t for (t,) in self.conn.execute("SELECT DISTINCT type FROM gnode")}
        return types | ({"Theme"} if self.theme_sizes() else set())

    def report_unit(self, report_id: str) -> str | None:
        """The unit a report is about (query.report_unit)."""
        if not self.exists(node_id("Report", report_id)):
            return None
        row = self.conn.execute("SELECT unit FROM gabout WHERE report_id = ? ORDER BY unit", (report_id,)).fetchone()
        return row[0] if row else None

    def ranked_neighbours(self, node: str, types: Iterable[str], limit: int) -> tuple[list[str], int]:
        """query.ranked_neighbours: up to ``limit`` neighbours of ``types``, most connected first, and
        how many more there are."""
        wanted = set(types)
        around = {v if u == node else u for u, v, _ in self.neighbours(node)}
        kinds = self.types(around)
        degree = self.degree([n for n in around if kinds.get(n) in wanted])
        ranked = sorted(degree, key=lambda n: (-degree[n], n))
        return ranked[:limit], max(0, len(ranked) - limit)

    def ids(self, keys: Iterable[str]) -> dict[str, str]:
        """Index key -> node id (an Organization's key is its Unit's)."""
        out = {}
        keys = list(keys)
        for part in chunks(keys):
            for key, type_ in self.conn.execute(f"SELECT key, type FROM gnode WHERE key IN ({_marks(len(part))})", part):
                out[key] = id_of(key, type_)
        return out

    def edges_among(self, nodes: Iterable[str]) -> list[tuple[str, str, str]]:
        """(source, target, edge type) of every edge with both ends in ``nodes``."""
        nodes = set(nodes)
        present = set(self.rows(nodes, attrs=False))
        keys = {key_of(n): n for n in present}
        out = []
        for part in chunks(list(keys)):
            for u, v, k in self.conn.execute(f"SELECT u, v, k FROM gedge WHERE u IN ({_marks(len(part))})", part):
                if v in keys:
                    out.append((keys[u], keys[v], k))
        for n in sorted(nodes):
            if n.startswith("Problem:"):
                out += [(u, v, k) for u, v, k in self.problem_links(n) if u == n and v in nodes]
                out += [(n, t, "IN_THEME") for t in self.themes_of(n) if t in nodes]
        return sorted(set(out))

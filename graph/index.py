"""The node index of graph.db: every node of the merged graph (type, name, degree, context, the merged
attributes of an entity), every edge (with how many fragments support it), which reports an entity
appears in, aliases and each report's unit, kept in step with the fragments in the same transaction
as they are added or removed. Readers answer the picker, stats, overview, neighbourhoods and paths
from it without merging every fragment (docs/decisions.md, "Graph reads at 10,000 reports").

Node keys: an Organization and the Unit it becomes once a report is about it are one node
(``Unit:<name>``; ``units`` counts the fragments in which it is a Unit, and the node's id is
``Organization:<name>`` while that is 0), exactly as ``build.merge_fragment`` merges them. A node is
*local* when its fragment is the only one that can hold it (a report, its categories and problems:
their ``report_id`` is the fragment's): its degree is the fragment's, its attributes stay there."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

import networkx as nx

from .provenance import refresh

__all__ = ["INDEX_FORMAT", "INDEX_SCHEMA", "INDEX_TABLES", "add_fragment", "context_of", "fold", "id_of", "index_themes",
           "is_local", "key_of", "refold", "remove_fragment"]

INDEX_FORMAT = "xuncha-graph-index/1"
INDEX_TABLES = ("gnode", "gnode_report", "galias", "gedge", "gabout", "gcount", "gtheme")
INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS gnode (key TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT, report_id TEXT,
    units INTEGER NOT NULL DEFAULT 0, reports INTEGER NOT NULL DEFAULT 0, degree INTEGER NOT NULL DEFAULT 0,
    ctx TEXT, attrs TEXT, span TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS gnode_rank ON gnode (type, degree);
CREATE INDEX IF NOT EXISTS gnode_name ON gnode (name);
CREATE TABLE IF NOT EXISTS gnode_report (key TEXT NOT NULL, report_id TEXT NOT NULL, attrs TEXT NOT NULL,
    PRIMARY KEY (key, report_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS gnode_report_rid ON gnode_report (report_id);
CREATE TABLE IF NOT EXISTS galias (alias TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (alias, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS galias_key ON galias (key);
CREATE TABLE IF NOT EXISTS gedge (u TEXT NOT NULL, v TEXT NOT NULL, k TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (u, v, k)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS gedge_v ON gedge (v);
CREATE TABLE IF NOT EXISTS gabout (report_id TEXT NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (report_id, unit)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS gabout_unit ON gabout (unit);
CREATE TABLE IF NOT EXISTS gtheme (report_id TEXT NOT NULL, problem_id TEXT NOT NULL, theme TEXT NOT NULL,
    present INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (report_id, problem_id, theme)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS gtheme_theme ON gtheme (theme);
CREATE TABLE IF NOT EXISTS gcount (what TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""
_ORG, _UNIT = "Organization:", "Unit:"
_KEPT_OUT = ("spans", "by_report")   # per-report detail: the fragments hold it, the index does not


def key_of(node: str) -> str:
    """The index key of a node id (an Organization shares its key with the Unit it may become)."""
    return _UNIT + node[len(_ORG):] if node.startswith(_ORG) else node


def id_of(key: str, type_: str) -> str:
    """The node id of an index key, given the node's current type."""
    return _ORG + key[len(_UNIT):] if type_ == "Organization" and key.startswith(_UNIT) else key


def context_of(d: dict) -> str | None:
    """What tells same-named nodes apart, from a node's own attributes: a person's organisation, a
    problem's unit, a unit's region (an inspection team's is the units it inspected: query.context)."""
    cited = f"{d['cited_in']}的报告引用" if d.get("cited_in") else None
    return d.get("org") or d.get("seen_in") or cited or d.get("unit") or d.get("region") or d.get("full_name")


def is_local(d: dict, report_id: str) -> bool:
    return d.get("report_id") == report_id


def _own(d: dict) -> dict:
    """A fragment node's attributes as the index keeps them per report: what ``fold`` needs, without
    the values provenance.refresh derives again from the per-report facts (a third of the index's size)."""
    facts = {k for stated in (d.get("by_report") or {}).values() for k in stated}
    if "roles" in facts:
        facts.add("role")
    return {k: (None if k in facts or k == "reports" else v) for k, v in d.items()}   # None keeps the key's place


def _theme_member(conn: sqlite3.Connection, d: dict, present: int) -> None:
    """A problem's theme memberships count (or no longer count) towards its themes' sizes."""
    if d.get("type") == "Problem":
        conn.execute("UPDATE gtheme SET present = ? WHERE report_id = ? AND problem_id = ?",
                     (present, d["report_id"], str(d["problem_id"])))


def _edge_delta(conn: sqlite3.Connection, a: str, b: str, k: str, step: int, local: bool) -> bool:
    """Add (+1) or withdraw (-1) one fragment's support of edge (a, b, k); True when the edge
    appeared or disappeared in the merged graph."""
    if step > 0:
        if local:
            conn.execute("INSERT INTO gedge VALUES (?, ?, ?, 1)", (a, b, k))
            return True
        cur = conn.execute("UPDATE gedge SET n = n + 1 WHERE u = ? AND v = ? AND k = ?", (a, b, k))
        if cur.rowcount:
            return False
        conn.execute("INSERT INTO gedge VALUES (?, ?, ?, 1)", (a, b, k))
        return True
    conn.execute("UPDATE gedge SET n = n - 1 WHERE u = ? AND v = ? AND k = ?", (a, b, k))
    return conn.execute("DELETE FROM gedge WHERE u = ? AND v = ? AND k = ? AND n <= 0", (a, b, k)).rowcount > 0


def _count(conn: sqlite3.Connection, what: str, step: int) -> None:
    conn.execute("INSERT INTO gcount VALUES (?, ?) ON CONFLICT (what) DO UPDATE SET n = n + excluded.n", (what, step))


def _degree(conn: sqlite3.Connection, key: str, step: int) -> None:
    conn.execute("UPDATE gnode SET degree = degree + ? WHERE key = ?", (step, key))


def add_fragment(conn: sqlite3.Connection, report_id: str, F: nx.MultiDiGraph, touched: set[str]) -> None:
    """Index one report's fragment (inside the caller's transaction); entity keys whose merged
    attributes changed go into ``touched`` (``refold`` them before committing)."""
    local = {n for n, d in F.nodes(data=True) if is_local(d, report_id)}
    for n, d in F.nodes(data=True):
        key = key_of(n)
        if n in local:
            first = (d.get("spans") or {}).get(report_id, [])[:1]   # what a theme of this problem cites
            conn.execute("INSERT INTO gnode (key, type, name, report_id, reports, degree, ctx, span) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
                         (key, d.get("type"), d.get("name"), report_id, F.degree(n), context_of(d),
                          json.dumps(first[0]) if first else None))
            conn.executemany("INSERT OR IGNORE INTO galias VALUES (?, ?)", [(a, key) for a in d.get("aliases", ())])
            _theme_member(conn, d, 1)
            continue
        conn.execute("INSERT OR IGNORE INTO gnode (key, type, name) VALUES (?, ?, ?)", (key, d.get("type"), d.get("name")))
        conn.execute("UPDATE gnode SET reports = reports + 1, units = units + ? WHERE key = ?",
                     (int(d.get("type") == "Unit"), key))
        own = _own(d)
        conn.execute("INSERT INTO gnode_report VALUES (?, ?, ?)", (key, report_id, json.dumps(own, ensure_ascii=False)))
        touched.add(key)
    for u, v, k in F.edges(keys=True):
        a, b = key_of(u), key_of(v)
        if k == "ABOUT":
            conn.execute("INSERT OR IGNORE INTO gabout VALUES (?, ?)", (report_id, b))
        if _edge_delta(conn, a, b, k, +1, u in local or v in local):
            _count(conn, f"edge:{k}", 1)
            for end, node in ((a, u), (b, v)):
                if node not in local:
                    _degree(conn, end, 1)


def remove_fragment(conn: sqlite3.Connection, report_id: str, F: nx.MultiDiGraph, touched: set[str]) -> None:
    """Withdraw one report's fragment from the index: the exact inverse of ``add_fragment``."""
    local = {n for n, d in F.nodes(data=True) if is_local(d, report_id)}
    for u, v, k in F.edges(keys=True):
        a, b = key_of(u), key_of(v)
        if _edge_delta(conn, a, b, k, -1, u in local or v in local):
            _count(conn, f"edge:{k}", -1)
            for end, node in ((a, u), (b, v)):
                if node not in local:
                    _degree(conn, end, -1)
    conn.execute("DELETE FROM gabout WHERE report_id = ?", (report_id,))
    for n, d in F.nodes(data=True):
        key = key_of(n)
        if n in local:
            conn.execute("DELETE FROM gnode WHERE key = ?", (key,))
            conn.execute("DELETE FROM galias WHERE key = ?", (key,))
            _theme_member(conn, d, 0)
            continue
        conn.execute("DELETE FROM gnode_report WHERE key = ? AND report_id = ?", (key, report_id))
        conn.execute("UPDATE gnode SET reports = reports - 1, units = units - ? WHERE key = ?",
                     (int(d.get("type") == "Unit"), key))
        touched.add(key)


def index_themes(conn: sqlite3.Connection, themes: Iterable[tuple[str, str]]) -> None:
    """(Re)index the members of the themes given as (id, members JSON); a theme with no members is
    dropped from the member index."""
    for tid, members in themes:
        conn.execute("DELETE FROM gtheme WHERE theme = ?", (tid,))
        conn.executemany("INSERT OR IGNORE INTO gtheme VALUES (?, ?, ?, EXISTS (SELECT 1 FROM gnode WHERE key = ?))",
                         [(str(r), str(p), tid, f"Problem:{r}/{p}") for r, p in json.loads(members or "[]")])


def fold(rows: Iterable[tuple[str, str]]) -> dict:
    """An entity's merged attributes from its per-report attributes, in report-id order: what
    ``merge_fragment`` gives whatever order the fragments arrived in (provenance.refresh)."""
    attrs: dict = {}
    by_report: dict = {}
    reports = []
    for report_id, text in rows:
        own = json.loads(text)
        own.pop("spans", None)
        if not attrs:
            attrs = dict(own)
        by_report.update(own.get("by_report") or {})
        reports.append(report_id)
    if by_report:
        attrs["by_report"] = by_report
        refresh(attrs)
    attrs["reports"] = sorted(reports)
    for key in _KEPT_OUT:
        attrs.pop(key, None)
    return attrs


def refold(conn: sqlite3.Connection, keys: Iterable[str]) -> None:
    """Recompute the merged attributes, type, context and aliases of the entities in ``keys``; drop
    those no fragment holds any more."""
    for key in sorted(set(keys)):
        row = conn.execute("SELECT reports, units, type FROM gnode WHERE key = ?", (key,)).fetchone()
        conn.execute("DELETE FROM galias WHERE key = ?", (key,))
        if row is None or row[0] <= 0:
            conn.execute("DELETE FROM gnode WHERE key = ?", (key,))
            continue
        attrs = fold(conn.execute("SELECT report_id, attrs FROM gnode_report WHERE key = ? ORDER BY report_id", (key,)))
        type_ = attrs.get("type")
        if key.startswith(_UNIT):
            type_ = "Unit" if row[1] > 0 else "Organization"
            attrs["type"] = type_
        conn.execute("UPDATE gnode SET type = ?, name = ?, ctx = ?, attrs = ? WHERE key = ?",
                     (type_, attrs.get("name"), context_of(attrs), json.dumps(attrs, ensure_ascii=False), key))
        conn.executemany("INSERT OR IGNORE INTO galias VALUES (?, ?)", [(a, key) for a in attrs.get("aliases", ())])

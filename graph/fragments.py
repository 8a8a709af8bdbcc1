"""The graph on disk as one fragment per report plus the links computed elsewhere (themes, SIMILAR_TO,
RECURS), in a SQLite file beside the store: a sync writes what was added or removed, never the whole
graph; readers merge the fragments (docs/decisions.md, "Scale to a province (issue 23)")."""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import networkx as nx

from reports.shared.progress import Progress

from .index import (
    INDEX_FORMAT,
    INDEX_SCHEMA,
    INDEX_TABLES,
    add_fragment,
    index_themes,
    refold,
    remove_fragment,
)
from .persist import GraphFileError, graph_from_json, graph_to_json

__all__ = ["FRAGMENTS_FORMAT", "FragmentStore", "Link"]

FRAGMENTS_FORMAT = "xuncha-graph-fragments/1"
Link = tuple[str, str, str, str, float]   # report_id_a, problem_id_a, report_id_b, problem_id_b, score
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fragments (report_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (kind TEXT NOT NULL, a_report TEXT NOT NULL, a_problem TEXT NOT NULL,
    b_report TEXT NOT NULL, b_problem TEXT NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (kind, a_report, a_problem, b_report, b_problem));
CREATE TABLE IF NOT EXISTS themes (id TEXT PRIMARY KEY, label TEXT NOT NULL, members TEXT NOT NULL);
"""

# a problem's links either way (the index's reads); made by the writer with the index
_LINKS_BY_B = "CREATE INDEX IF NOT EXISTS links_b ON links (kind, b_report, b_problem)"


class FragmentStore:
    """graph.db: ``fragments`` (report id -> node-link JSON of what that report says), ``links``
    (problem pairs by kind), ``themes`` (id, label, members) and ``meta`` (format, the store generation
    the fragments reflect, and a version bumped by every change so that readers know to reload)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._guard = threading.Lock()
        self._open: list[sqlite3.Connection] = []
        self._checked = False

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection: one per thread (Streamlit runs each session, and the warm-up, in a
        thread of its own; on a shared connection a reader's statements ran inside another thread's open
        write transaction and saw it half done). WAL lets them read while one writes."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _connect(self) -> sqlite3.Connection:
        """A new connection; the first one also makes the schema and checks the format.
        ``check_same_thread=False`` only so that ``close`` can close every thread's connection."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        with self._guard:
            try:
                if not self._checked:
                    self._check(conn)
                    self._checked = True
            except sqlite3.DatabaseError as exc:
                conn.close()
                raise GraphFileError(self.path, exc) from exc
            self._open.append(conn)
        return conn

    @staticmethod
    def _check(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(_SCHEMA + INDEX_SCHEMA)
        have = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if have is None or have[0] != FRAGMENTS_FORMAT:   # new, or written by other code: start over
            with _transaction(conn):
                for table in ("fragments", "links", "themes", "meta", *INDEX_TABLES):
                    conn.execute(f"DELETE FROM {table}")
                conn.execute("INSERT INTO meta VALUES ('format', ?)", (FRAGMENTS_FORMAT,))
                conn.execute("INSERT INTO meta VALUES ('index', ?)", (INDEX_FORMAT,))
                conn.execute(_LINKS_BY_B)

    def close(self) -> None:
        """Close every thread's connection (each opens a new one on its next use)."""
        with self._guard:
            for conn in self._open:
                conn.close()
            self._open.clear()
            self._local = threading.local()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction on this thread's connection, so that the statements of one query see
        one committed version of the file (a writer's commit lands before or after it, never inside).
        Nested: the outer one holds."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            conn.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def note(self, key: str) -> object:
        """A JSON value kept beside the graph by whoever computed its links (None if never set)."""
        value = self._meta(f"note:{key}")
        return json.loads(value) if value is not None else None

    def set_note(self, key: str, value: object) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"note:{key}", json.dumps(value, ensure_ascii=False)))

    def generation(self) -> int | None:
        value = self._meta("generation")
        return int(value) if value is not None else None

    def version(self) -> int:
        return int(self._meta("version") or 0)

    def _bump(self, generation: int | None = None) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (str(self.version() + 1),))
        if generation is not None:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation),))

    # -- fragments --------------------------------------------------------------------------------
    def report_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT report_id FROM fragments")}

    def update(self, added: Iterable[tuple[str, nx.MultiDiGraph]], removed: Iterable[str], generation: int) -> None:
        """Store the fragments of added reports and drop those of removed ones, and keep the node index
        in step (when the file has one: ``index_ready``), in one transaction."""
        added, removed = list(added), list(removed)
        indexed = self.index_ready()
        with _transaction(self.conn):
            touched: set[str] = set()
            if indexed:
                for rid in [*removed, *(rid for rid, _ in added)]:
                    old = self.conn.execute("SELECT data FROM fragments WHERE report_id = ?", (rid,)).fetchone()
                    if old is not None:
                        remove_fragment(self.conn, rid, graph_from_json(old[0], f"{self.path} (report {rid})"), touched)
            self.conn.executemany("DELETE FROM fragments WHERE report_id = ?", [(r,) for r in removed])
            self.conn.executemany("INSERT OR REPLACE INTO fragments VALUES (?, ?)",
                                  ((rid, graph_to_json(F)) for rid, F in added))
            if indexed:
                for rid, F in added:
                    add_fragment(self.conn, rid, F, touched)
                refold(self.conn, touched)
            self._bump(generation)

    def index_ready(self) -> bool:
        """True when the node index reflects the fragments (files written before it have none)."""
        return self._meta("index") == INDEX_FORMAT

    def build_index(self, progress: Progress | None = None) -> None:
        """Index every stored fragment (a file written before the index existed; doctor --repair):
        the writer does it once, in one transaction, and readers merge fragments until then."""
        ids = sorted(self.report_ids())
        with _transaction(self.conn):
            for table in INDEX_TABLES:
                self.conn.execute(f"DELETE FROM {table}")
            touched: set[str] = set()
            for n, rid in enumerate(ids):
                if progress and n % 100 == 0:
                    progress("graph-index", n, len(ids))
                data = self.conn.execute("SELECT data FROM fragments WHERE report_id = ?", (rid,)).fetchone()[0]
                add_fragment(self.conn, rid, graph_from_json(data, f"{self.path} (report {rid})"), touched)
            refold(self.conn, touched)
            index_themes(self.conn, self.conn.execute("SELECT id, members FROM themes").fetchall())
            self.conn.execute(_LINKS_BY_B)
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('index', ?)", (INDEX_FORMAT,))
            self._bump()
        if progress:
            progress("graph-index", len(ids), len(ids))

    def clear(self) -> None:
        with _transaction(self.conn):
            for table in ("fragments", "links", "themes", *INDEX_TABLES):
                self.conn.execute(f"DELETE FROM {table}")
            self.conn.execute("DELETE FROM meta WHERE key = 'generation'")
            self._bump()

    def fragments(self) -> Iterator[tuple[str, nx.MultiDiGraph]]:
        """(report id, fragment) in report-id order; GraphFileError names a fragment that is damaged."""
        for rid, data in self.conn.execute("SELECT report_id, data FROM fragments ORDER BY report_id"):
            yield rid, graph_from_json(data, f"{self.path} (report {rid})")

    def fragment(self, report_id: str) -> nx.MultiDiGraph | None:
        """One report's fragment (None if not stored)."""
        row = self.conn.execute("SELECT data FROM fragments WHERE report_id = ?", (report_id,)).fetchone()
        return graph_from_json(row[0], f"{self.path} (report {report_id})") if row else None

    def _fragment_data(self, report_id: str) -> dict | None:
        row = self.conn.execute("SELECT data FROM fragments WHERE report_id = ?", (report_id,)).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
            if not isinstance(data["nodes"], list) or not isinstance(data["edges"], list):
                raise TypeError("nodes and edges must be lists")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GraphFileError(f"{self.path} (report {report_id})", exc) from exc
        return data

    def fragment_nodes(self, report_id: str) -> dict[str, dict]:
        """Node id -> attributes of one report's fragment, without building the graph (a view reading
        a few of a report's problems); {} if not stored."""
        out = {}
        for d in (self._fragment_data(report_id) or {"nodes": []})["nodes"]:
            d = dict(d)
            node = d.pop("id")
            d["reports"] = set(d.get("reports", ()))
            out[node] = d
        return out

    def fragment_edges(self, report_id: str) -> list[tuple[str, str, str, dict]]:
        """(source, target, key, attributes) of one report's fragment, without building the graph."""
        out = []
        for d in (self._fragment_data(report_id) or {"edges": []})["edges"]:
            d = dict(d)
            u, v, k = d.pop("source"), d.pop("target"), d.pop("key")
            d["reports"] = set(d.get("reports", ()))
            out.append((u, v, k, d))
        return out

    # -- links and themes ---------------------------------------------------------------------------
    def links(self, kind: str) -> list[Link]:
        return [tuple(r) for r in self.conn.execute(
            "SELECT a_report, a_problem, b_report, b_problem, score FROM links WHERE kind = ?"
            " ORDER BY a_report, a_problem, b_report, b_problem", (kind,))]

    def set_links(self, kind: str, pairs: Iterable[Link]) -> int:
        """Replace the `kind` links by ``pairs``, writing only the difference. Returns the changes."""
        want = {(str(a), str(b), str(c), str(d)): round(float(s), 6) for a, b, c, d, s in pairs}
        have = {tuple(r[:4]): r[4] for r in self.links(kind)}
        gone = [k for k in have if k not in want]
        new = [(*k, s) for k, s in want.items() if have.get(k) != s]
        if not gone and not new:
            return 0
        with _transaction(self.conn):
            self.conn.executemany("DELETE FROM links WHERE kind = ? AND a_report = ? AND a_problem = ? AND "
                                  "b_report = ? AND b_problem = ?", [(kind, *k) for k in gone])
            self.conn.executemany("INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?, ?, ?)", [(kind, *r) for r in new])
            self._bump()
        return len(gone) + len(new)

    def patch_links(self, kind: str, gone: Iterable[tuple[str, str, str, str]], fresh: Iterable[Link]) -> int:
        """Delete the `kind` links ``gone`` (4 keys) and write ``fresh`` (new or rescored) in one transaction,
        without reading the others (a sync that knows what changed). Returns the changes."""
        gone = [(kind, *map(str, k)) for k in gone]
        fresh = [(kind, str(a), str(b), str(c), str(d), round(float(s), 6)) for a, b, c, d, s in fresh]
        if not gone and not fresh:
            return 0
        with _transaction(self.conn):
            self.conn.executemany("DELETE FROM links WHERE kind = ? AND a_report = ? AND a_problem = ? AND "
                                  "b_report = ? AND b_problem = ?", gone)
            self.conn.executemany("INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?, ?, ?)", fresh)
            self._bump()
        return len(gone) + len(fresh)

    def themes(self) -> list[dict]:
        return [{"id": i, "label": label, "members": [tuple(m) for m in json.loads(members)]}
                for i, label, members in self.conn.execute("SELECT id, label, members FROM themes ORDER BY id")]

    def theme_sizes(self) -> dict[str, int]:
        """Theme id -> member count, counted in SQLite (a freshness check needs no member list)."""
        return dict(self.conn.execute("SELECT id, json_array_length(members) FROM themes"))

    def set_themes(self, themes: Iterable[dict]) -> int:
        """Replace the themes, writing only those that changed. Returns the changes."""
        want = {str(t["id"]): (t.get("label") or str(t["id"]),
                               json.dumps([list(m) for m in t.get("members", ())], ensure_ascii=False))
                for t in themes}
        have = {i: (label, members) for i, label, members in self.conn.execute("SELECT id, label, members FROM themes")}
        gone = [i for i in have if i not in want]
        new = [(i, *v) for i, v in want.items() if have.get(i) != v]
        if not gone and not new:
            return 0
        with _transaction(self.conn):
            self.conn.executemany("DELETE FROM themes WHERE id = ?", [(i,) for i in gone])
            self.conn.executemany("INSERT OR REPLACE INTO themes VALUES (?, ?, ?)", new)
            if self.index_ready():
                index_themes(self.conn, [(i, None) for i in gone] + [(i, members) for i, _, members in new])
            self._bump()
        return len(gone) + len(new)

    def counts(self) -> dict[str, int]:
        """Rows per table (doctor)."""
        out = {"fragments": self.conn.execute("SELECT COUNT(*) FROM fragments").fetchone()[0],
               "themes": self.conn.execute("SELECT COUNT(*) FROM themes").fetchone()[0]}
        for kind, n in self.conn.execute("SELECT kind, COUNT(*) FROM links GROUP BY kind"):
            out[kind] = n
        return out


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, *_exc) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")

"""SQLite store: the system of record for reports, problems, measures, warnings and entity mentions
(docs/decisions.md, "Store")."""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from reports.analysis.problemtypes import (
    TypeMatch,
    classify_report,
    classify_rows,
    types_from_json,
    types_json,
    types_version,
)
from reports.grammar.unitnames import display_names
from reports.model import Mention, Report, content_fingerprint
from reports.shared.notices import XunchaError
from reports.shared.progress import Progress

from .migrations import FINGERPRINT_VERSION, MIGRATIONS, SCHEMA_VERSION, TYPES_SCHEMA, legacy_warning
from .rows import insert_mentions, load_report, problem_at
from .rows import insert_report as _insert_report  # by this name: tests replace it to fail a write

__all__ = ["Store", "StoreError", "problem_at"]

BUSY_TIMEOUT_S = 60.0
log = logging.getLogger("xuncha")
_TYPE_ROWS = ("SELECT p.report_id, p.id, p.parent_id, p.text, c.title AS category FROM problems p"
              " JOIN categories c ON c.report_id = p.report_id AND c.ordinal = p.category_ordinal WHERE p.report_id=?")


class StoreError(XunchaError):
    """A store that cannot be used: newer schema, not a database, unwritable."""


class Store:
    """``progress`` sees a migration's long step (filling the problem types of an older store: stage
    "types")."""

    def __init__(self, path: str | Path, progress: Progress | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._names: tuple[int, dict[str, str]] | None = None
        self._stale_types: tuple[int, dict[tuple[str, str], list[dict]]] | None = None
        try:
            self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                        check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.create_function("xuncha_legacy_warning", 1, legacy_warning, deterministic=True)
            self._migrate(progress)
        except sqlite3.DatabaseError as exc:
            raise StoreError("store_unusable", path=str(self.path), reason=str(exc)) from exc

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------
    def _migrate(self, progress: Progress | None = None) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError("store_newer", path=str(self.path), version=version, supported=SCHEMA_VERSION)
        for target in range(version, SCHEMA_VERSION):
            with self.transaction():
                if self.conn.execute("PRAGMA user_version").fetchone()[0] != target:
                    continue  # another process migrated while we waited for the lock
                for statement in _statements(MIGRATIONS[target]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {target + 1}")
                if target + 1 == FINGERPRINT_VERSION:
                    self._fill_fingerprints()
                if target + 1 == TYPES_SCHEMA:
                    self._fill_types(progress)

    def _fill_fingerprints(self) -> None:
        """Fingerprints of reports stored before schema 4, from their stored problems (same order)."""
        rows = self.conn.execute("SELECT report_id, text FROM problems WHERE report_id IN"
                                 " (SELECT id FROM reports WHERE fingerprint IS NULL) ORDER BY report_id, seq")
        texts: dict[str, list[str]] = {}
        for r in rows:
            texts.setdefault(r["report_id"], []).append(r["text"])
        self.conn.executemany("UPDATE reports SET fingerprint=? WHERE id=?",
                              [(content_fingerprint(t), rid) for rid, t in texts.items()])

    def _fill_types(self, progress: Progress | None = None) -> int:
        """Store the types of every report whose stamp is not today's classifier's (inside the caller's
        transaction: a migration or ``reclassify``); the number of reports classified. One report at a
        time, so memory stays one report's rows whatever the store's size."""
        current = types_version()
        stale = [r[0] for r in self.conn.execute("SELECT id FROM reports WHERE types_version IS NOT ? ORDER BY id",
                                                 (current,))]
        for n, report_id in enumerate(stale):
            if progress and n % 20 == 0:
                progress("types", n, len(stale))
            types = classify_rows([dict(r) for r in self.conn.execute(_TYPE_ROWS, (report_id,))])
            self.conn.executemany("UPDATE problems SET types_json=? WHERE report_id=? AND id=?",
                                  [(types_json(matches), rid, pid) for (rid, pid), matches in types.items()])
            self.conn.execute("UPDATE reports SET types_version=? WHERE id=?", (current, report_id))
        if progress:
            progress("types", len(stale), len(stale))
        return len(stale)

    def stale_types(self) -> int:
        """How many reports hold problem types from another classifier version (0: every stored type
        is today's classifier's)."""
        return int(self.conn.execute("SELECT COUNT(*) FROM reports WHERE types_version IS NOT ?",
                                     (types_version(),)).fetchone()[0])

    def reclassify(self, progress: Progress | None = None) -> int:
        """Classify again and store the types of the reports whose stamp is stale (after the classifier
        or the taxonomy changed), in one transaction; a new generation when any changed, so derived
        artifacts (the graph's OF_TYPE edges, readers' tables) follow. Returns the reports done."""
        with self.transaction():
            done = self._fill_types(progress)
            if done:
                self._bump()
        return done

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy
        timeout) rather than failing half-way."""
        with self._lock:  # one connection may serve several UI threads: never interleave transactions
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (full disk) may already have rolled back: never mask the cause.
                if self.conn.in_transaction:
                    with suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                raise

    def generation(self) -> int:
        return int(self.conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def _bump(self) -> None:
        self.conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    # -- writes ------------------------------------------------------------------------
    def contains(self, report_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM reports WHERE id=?", (report_id,)).fetchone() is not None

    def duplicate_of(self, report: Report) -> str | None:
        """The stored report that ``report`` is a copy of: the same id (same text) or the same content
        fingerprint (the same problems, read from another format or page wrapping); None if it is new."""
        if self.contains(report.id):
            return report.id
        fingerprint = report.fingerprint
        if fingerprint is None:
            return None
        row = self.conn.execute("SELECT id FROM reports WHERE fingerprint=? ORDER BY ingested_at LIMIT 1",
                                (fingerprint,)).fetchone()
        return row["id"] if row else None

    def add(self, report: Report, mentions: list[Mention] = (), offsets_json: str | None = None,
            types: dict[str, list[TypeMatch]] | None = None) -> bool:
        """Store a report, its problems' types and its mentions in one transaction; False if it (or a
        copy, ``duplicate_of``) is already stored. ``types``: ``classify_report(report)`` when the
        caller computed it already (an ingest worker does, in parallel), else computed here."""
        if types is None:
            types = classify_report(report)
        with self.transaction() as db:
            if self.duplicate_of(report) is not None:
                return False
            _insert_report(db, report, offsets_json, types)
            insert_mentions(db, report, mentions)
            self._bump()
        return True

    def remove(self, report_id: str) -> bool:
        with self.transaction() as db:
            if db.execute("DELETE FROM reports WHERE id=?", (report_id,)).rowcount == 0:
                return False
            db.execute("DELETE FROM entities WHERE id NOT IN (SELECT DISTINCT entity_id FROM mentions)")
            self._bump()
        return True

    def integrity(self) -> list[str]:
        """Problems SQLite finds in the file (integrity_check, foreign_key_check); [] when sound."""
        rows = [r[0] for r in self.conn.execute("PRAGMA integrity_check")]
        problems = [r for r in rows if r != "ok"]
        problems += [f"foreign key: {r[0]} row {r[1]} -> {r[2]}" for r in self.conn.execute("PRAGMA foreign_key_check")]
        return problems

    # -- reads -------------------------------------------------------------------------
    def unit_names(self) -> dict[str, str]:
        """report id -> the unit's display name, distinct across this workspace's units.

        Depends on every stored unit, so it is recomputed whenever the generation moves (ingest,
        remove); the parser's own abbreviation stays in the `unit_short` column for entity work.
        """
        generation = self.generation()
        if self._names is None or self._names[0] != generation:
            rows = self.conn.execute("SELECT id, unit, unit_short, region FROM reports").fetchall()
            self._names = (generation, display_names([tuple(r) for r in rows]))
        return self._names[1]

    def report_dates(self, report_ids: Iterable[str]) -> dict[str, str]:
        """Report id -> its date (report, else publish, else feedback date; "" if none): what orders a
        long list of an entity's reports latest first."""
        ids, out = list(report_ids), {}
        for at in range(0, len(ids), 500):
            part = ids[at:at + 500]
            out.update((r[0], r[1]) for r in self.conn.execute(
                "SELECT id, COALESCE(report_date, publish_date, feedback_date, '') FROM reports "
                f"WHERE id IN ({','.join('?' * len(part))})", part))
        return out

    def report_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM reports ORDER BY ingested_at, id")]

    def leaf_keys(self) -> list[tuple[str, str]]:
        """(report_id, problem_id) of problems without sub-problems (what themes cluster), unordered."""
        return [(r[0], r[1]) for r in self.conn.execute(
            "SELECT p.report_id, p.id FROM problems p WHERE NOT EXISTS (SELECT 1 FROM problems c"
            " WHERE c.report_id = p.report_id AND c.parent_id = p.id)")]

    def problem_keys(self, report_ids: list[str] | None = None, *, findings: bool = False) -> list[tuple[str, str]]:
        """(report_id, problem_id) of stored problems, in problem_rows order, without loading the rows
        (syncs diff these against their indexes; docs/decisions.md, "Scale to a province").
        ``findings``: only problems without sub-problems whose own kind is a problem (not a narrative
        work heading): what recurrence links."""
        sql = "SELECT p.report_id, p.id FROM problems p JOIN reports r ON r.id = p.report_id WHERE 1"
        args: tuple = ()
        if findings:   # as problem_rows: a problem whose category row is missing is not read there either
            sql += (" AND p.kind = 'problem' AND NOT EXISTS (SELECT 1 FROM problems c"
                    " WHERE c.report_id = p.report_id AND c.parent_id = p.id) AND EXISTS (SELECT 1 FROM categories k"
                    " WHERE k.report_id = p.report_id AND k.ordinal = p.category_ordinal)")
        if report_ids is not None:
            sql += f" AND p.report_id IN ({','.join('?' * len(report_ids))})"
            args = tuple(report_ids)
        return [(r[0], r[1]) for r in self.conn.execute(sql + " ORDER BY r.ingested_at, p.report_id, p.seq", args)]

    def problem_count(self) -> int:
        """How many problems ``problem_keys`` lists (one aggregate: a reader answering from an older
        index build says how many are not in it, without reading every key)."""
        return int(self.conn.execute("SELECT COUNT(*) FROM problems p JOIN reports r ON r.id = p.report_id").fetchone()[0])

    def summaries(self) -> list[dict]:
        """One row per report: header fields, stated and found counts, warnings."""
        rows = self.conn.execute(
            "SELECT r.*, "
            " (SELECT COUNT(*) FROM problems p WHERE p.report_id=r.id AND p.parent_id IS NULL"
            "  AND p.kind='problem') AS problems,"
            " (SELECT COUNT(*) FROM problems p WHERE p.report_id=r.id AND p.kind='problem' AND NOT EXISTS ("
            "    SELECT 1 FROM problems c WHERE c.report_id=r.id AND c.parent_id=p.id)) AS leaf_problems,"
            " (SELECT COUNT(*) FROM categories c WHERE c.report_id=r.id) AS categories "
            "FROM reports r ORDER BY r.ingested_at, r.id").fetchall()
        names = self.unit_names()
        out = []
        for r in rows:
            stated = {}
            for s in self.conn.execute("SELECT key, value FROM stated_counts WHERE report_id=? ORDER BY seq",
                                       (r["id"],)):
                stated.setdefault(s["key"], s["value"])
            warnings = [w[0] for w in self.conn.execute(
                "SELECT message FROM warnings WHERE report_id=? ORDER BY seq", (r["id"],))]
            out.append({
                "report_id": r["id"], "title": r["title"], "unit": r["unit"], "unit_short": names.get(r["id"]),
                "level": r["level"], "region": r["region"], "kind": r["kind"], "inspector": r["inspector"], "round": r["round"],
                "start": r["start_date"], "end": r["end_date"], "feedback": r["feedback_date"],
                "report_date": r["report_date"], "publish_date": r["publish_date"],
                "source_path": r["source_path"], "truncated": bool(r["truncated"]),
                "stated": stated,
                "found": {"categories": r["categories"], "problems": r["problems"],
                          "leaf_problems": r["leaf_problems"]},
                "warnings": warnings, "ingested_at": r["ingested_at"],
            })
        return out

    def load(self, report_id: str) -> Report | None:
        row = self.conn.execute("SELECT * FROM reports WHERE id=?", (report_id,)).fetchone()
        return None if row is None else load_report(self.conn, row)

    def problem_rows(self, report_ids: list[str] | None = None, *, types: bool = True) -> list[dict]:
        """Problems with what search needs to filter and show: unit, category, measures, types (as
        stored at ingest; rows stamped by another classifier version are classified afresh, never
        mixed with today's); ``types=False`` leaves the types empty."""
        sql = ("SELECT p.*, p.kind AS item_kind, r.types_version, r.kind AS inspection_kind, r.unit, r.unit_short, r.level,"
               " r.region, r.inspector, r.start_date,"
               " r.end_date, r.feedback_date, r.report_date, r.publish_date, c.title AS category FROM problems p"
               " JOIN reports r ON r.id = p.report_id"
               " JOIN categories c ON c.report_id = p.report_id AND c.ordinal = p.category_ordinal")
        args: tuple = ()
        if report_ids is not None:
            sql += f" WHERE p.report_id IN ({','.join('?' * len(report_ids))})"
            args = tuple(report_ids)
        rows = self.conn.execute(sql + " ORDER BY r.ingested_at, p.report_id, p.seq", args).fetchall()
        measures: dict[tuple[str, str], list[str]] = {}
        m_sql = "SELECT report_id, problem_id, text FROM measures"
        if report_ids is not None:
            m_sql += f" WHERE report_id IN ({','.join('?' * len(report_ids))})"
        for m in self.conn.execute(m_sql + " ORDER BY report_id, problem_id, seq", args):
            measures.setdefault((m["report_id"], m["problem_id"]), []).append(m["text"])
        names = self.unit_names()
        current = types_version()
        fresh = self._fresh_types(rows, current) if types else {}
        out = []
        for r in rows:
            d = dict(r)
            d["kind"] = d.pop("inspection_kind")  # 巡视/巡察; the problem's own kind is item_kind
            d["unit_short"] = names.get(r["report_id"])
            stored, stamp = d.pop("types_json"), d.pop("types_version")
            if not types:
                evidence = []
            elif stamp == current:
                evidence = types_from_json(stored)
            else:
                evidence = fresh.get((r["report_id"], r["id"]), [])
            d["types"] = [m["name"] for m in evidence]
            d["type_ids"] = [m["type_id"] for m in evidence]
            d["type_evidence"] = evidence
            d["measures"] = measures.get((r["report_id"], r["id"]), [])
            d["year"] = _year(r["start_date"] or r["report_date"] or r["publish_date"])
            out.append(d)
        return out

    def report_fields(self) -> dict[str, dict]:
        """report id -> the report's fields a search table filters on (unit, unit_short, level, region,
        kind, year), every report, in ingest order: one row per report, not per problem (a writer
        refreshes a persisted search table with them; unit_short depends on every unit)."""
        names = self.unit_names()
        rows = self.conn.execute("SELECT id, unit, level, region, kind, start_date, report_date, publish_date"
                                 " FROM reports ORDER BY ingested_at, id")
        return {r["id"]: {"unit": r["unit"], "unit_short": names.get(r["id"]), "level": r["level"],
                          "region": r["region"], "kind": r["kind"],
                          "year": _year(r["start_date"] or r["report_date"] or r["publish_date"])} for r in rows}

    def problem_texts(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, list[str]]]:
        """(report_id, problem_id) -> (statement, measures) of the stored ones among ``keys``: what a
        hit shows beyond a search table's columns, read for the hits only."""
        out: dict[tuple[str, str], tuple[str, list[str]]] = {}
        for report_id, problem_id in keys:
            row = self.conn.execute("SELECT text FROM problems WHERE report_id=? AND id=?",
                                    (report_id, problem_id)).fetchone()
            if row is not None:
                measures = [m[0] for m in self.conn.execute(
                    "SELECT text FROM measures WHERE report_id=? AND problem_id=? ORDER BY seq", (report_id, problem_id))]
                out[(report_id, problem_id)] = (row[0], measures)
        return out

    def report_types(self, report_id: str) -> dict[str, list[TypeMatch]]:
        """Problem id -> types of one stored report: as stored when its stamp is today's classifier's,
        else classified afresh (the graph builds its OF_TYPE edges from these)."""
        stamp = self.conn.execute("SELECT types_version FROM reports WHERE id=?", (report_id,)).fetchone()
        if stamp is not None and stamp[0] == types_version():
            return {r["id"]: [TypeMatch.from_json(d) for d in types_from_json(r["types_json"])] for r in
                    self.conn.execute("SELECT id, types_json FROM problems WHERE report_id=?", (report_id,))}
        return {pid: matches for (_, pid), matches in
                classify_rows([dict(r) for r in self.conn.execute(_TYPE_ROWS, (report_id,))]).items()}

    def _fresh_types(self, rows: list, current: str) -> dict[tuple[str, str], list[dict]]:
        """Types for the rows whose report's stored types are stale (another classifier version, or
        none), classified now and kept per generation; {} when every row's stamp is current."""
        stale = {r["report_id"] for r in rows if r["types_version"] != current}
        if not stale:
            return {}
        generation = self.generation()
        if self._stale_types is None or self._stale_types[0] != generation:
            self._stale_types = (generation, {})
            log.warning("%s: %d reports' problem types are stale; classified on read (doctor --repair)",
                        self.path, self.stale_types())
        known = self._stale_types[1]
        todo = [dict(r) for r in rows if r["report_id"] in stale and (r["report_id"], r["id"]) not in known]
        for key, matches in classify_rows(todo).items():
            known[key] = [m.to_json() for m in matches]
        return known

    def mentions(self, report_id: str | None = None) -> list[dict]:
        sql = ("SELECT m.*, e.type, e.canonical FROM mentions m JOIN entities e ON e.id = m.entity_id")
        rows = (self.conn.execute(sql + " WHERE m.report_id=? ORDER BY m.start", (report_id,))
                if report_id else self.conn.execute(sql + " ORDER BY m.report_id, m.start"))
        return [{"type": r["type"], "canonical": r["canonical"], "name": r["name"], "role": r["role"],
                 "report_id": r["report_id"], "problem_id": r["problem_id"], "span": (r["start"], r["end"]),
                 "attrs": json.loads(r["attrs_json"])} for r in rows]


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _year(iso: str | None) -> int | None:
    return int(iso[:4]) if iso else None

"""Problem types are stored with the problem at ingest (issue 23): what a reader gets equals what the
classifier computes, an older store gets them on migration (all or nothing), and types stamped by
another classifier version are recognised as stale, classified afresh on read and stored again by
`xuncha doctor --repair` (docs/decisions.md, "Scale to a province")."""
from __future__ import annotations

import logging
import sqlite3

import pytest
from fixtures_build import corpus_path

import reports.analysis.problemtypes as problemtypes
import reports.store as store_module
from reports.analysis.problemtypes import classify_report, classify_rows, types_version
from reports.store import Store
from reports.store.migrations import SCHEMA_VERSION, TYPES_SCHEMA


def _computed(store: Store) -> dict[tuple[str, str], list[dict]]:
    """Every stored problem's types as the classifier computes them today, from the stored rows."""
    rows = store.problem_rows(types=False)
    return {key: [m.to_json() for m in matches] for key, matches in classify_rows(rows).items()}


def _read(store: Store) -> dict[tuple[str, str], list[dict]]:
    return {(r["report_id"], str(r["id"])): r["type_evidence"] for r in store.problem_rows()}


def _downgrade(path, version: int = TYPES_SCHEMA - 1) -> None:
    """Make the file what a store of schema ``version`` (before stored types) looked like."""
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE problems DROP COLUMN types_json")
    conn.execute("ALTER TABLE reports DROP COLUMN types_version")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def test_stored_types_equal_computed_types(workspace):
    outcomes = workspace.ingest([corpus_path(n) for n in ("000", "001", "002", "003", "004")])
    assert all(o.status == "ingested" for o in outcomes)
    store = workspace.store
    stored = {(r["report_id"], r["id"]): r["types_json"] for r in store.conn.execute(
        "SELECT report_id, id, types_json FROM problems")}
    assert stored and all(v is not None for v in stored.values())
    assert store.stale_types() == 0
    read = _read(store)
    assert read == _computed(store)
    assert sum(1 for v in read.values() if v) > 0.9 * len(read)   # the corpus's problems are typed
    rows = {(r["report_id"], str(r["id"])): r for r in store.problem_rows()}
    for key, evidence in read.items():
        assert rows[key]["type_ids"] == [e["type_id"] for e in evidence]
        assert rows[key]["types"] == [e["name"] for e in evidence]
    for report_id in store.report_ids():   # what the graph's OF_TYPE edges are built from
        assert store.report_types(report_id) == classify_report(store.load(report_id))


def test_a_store_from_before_stored_types_gets_them_on_migration(tmp_path, corpus_reports):
    path = tmp_path / "xuncha.db"
    with Store(path) as store:
        for report in corpus_reports.values():
            store.add(report)
        expected = _read(store)
    _downgrade(path)
    seen: list[tuple[str, int, int]] = []
    with Store(path, progress=lambda stage, done, total: seen.append((stage, done, total))) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("SELECT COUNT(*) FROM problems WHERE types_json IS NULL").fetchone()[0] == 0
        assert store.stale_types() == 0
        assert _read(store) == expected == _computed(store)
    assert seen[0] == ("types", 0, len(corpus_reports)) and seen[-1] == ("types", 5, 5)


def test_the_migration_is_all_or_nothing(tmp_path, corpus_reports, monkeypatch):
    path = tmp_path / "xuncha.db"
    with Store(path) as store:
        for report in corpus_reports.values():
            store.add(report)
    _downgrade(path)
    calls = []

    def failing(rows, *args):   # the third report's classification fails (a full disk, a kill)
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return classify_rows(rows, *args)

    monkeypatch.setattr(store_module, "classify_rows", failing)
    with pytest.raises(OSError):
        Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == TYPES_SCHEMA - 1
    columns = {r[1] for r in conn.execute("PRAGMA table_info(problems)")}
    assert "types_json" not in columns      # the added column went with the rolled-back transaction
    conn.close()
    monkeypatch.undo()
    with Store(path) as store:
        assert store.stale_types() == 0 and store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


@pytest.fixture
def new_classifier(monkeypatch):
    """As if the classifier's code version had been bumped after the store was written."""
    def bump() -> None:
        monkeypatch.setattr(problemtypes, "CLASSIFIER_VERSION", problemtypes.CLASSIFIER_VERSION + 1)
        types_version.cache_clear()
    yield bump
    monkeypatch.undo()
    types_version.cache_clear()


def test_types_of_another_classifier_version_are_stale_and_recomputed(tmp_path, corpus_reports, new_classifier,
                                                                    caplog):
    path = tmp_path / "xuncha.db"
    with Store(path) as store:
        for report in corpus_reports.values():
            store.add(report)
        old_stamp = types_version()
        # what an older classifier stored: other types for every problem
        store.conn.execute("UPDATE problems SET types_json='[]'")
        assert all(not v for v in _read(store).values())   # same version: the stored types are used as they are
        new_classifier()
        assert types_version() != old_stamp
        assert store.stale_types() == len(corpus_reports)
        generation = store.generation()
        with caplog.at_level(logging.WARNING, logger="xuncha"):
            read = _read(store)
        assert read == _computed(store) and any(read.values())   # today's classifier, never the stale rows
        assert any(r.getMessage().count("doctor --repair") for r in caplog.records)
        assert store.report_types(store.report_ids()[0]) == classify_report(store.load(store.report_ids()[0]))
        seen = []
        assert store.reclassify(progress=lambda *a: seen.append(a)) == len(corpus_reports)
        assert store.stale_types() == 0 and store.generation() == generation + 1
        assert seen[-1] == ("types", 5, 5)
        stamps = {r[0] for r in store.conn.execute("SELECT DISTINCT types_version FROM reports")}
        assert stamps == {types_version()}
        assert _read(store) == read
        assert store.reclassify() == 0 and store.generation() == generation + 1   # nothing stale: no new generation


def test_doctor_finds_stale_types_and_repair_stores_them(workspace, new_classifier):
    from ui.service.doctor import OK, STALE, diagnose

    workspace.ingest([corpus_path("000"), corpus_path("003")])
    workspace.sync()
    assert {c.name: c.state for c in diagnose(workspace)}["types"] == OK
    new_classifier()
    checks = diagnose(workspace)
    assert {c.name: c.state for c in checks}["types"] == STALE
    done = workspace.repair(checks)
    assert any(line.startswith("问题类型") for line in done)
    assert all(c.state == OK for c in diagnose(workspace)), [c.to_json() for c in diagnose(workspace)]
    assert workspace.store.stale_types() == 0

"""The SQLite store: idempotence, removal, crash safety and concurrent writers."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import CORPUS_FILES, child_env

from reports.parse import parse_file
from reports.store import Store, StoreError
from reports.store.migrations import SCHEMA_VERSION


def test_add_is_idempotent_and_roundtrips(tmp_path, corpus_reports):
    with Store(tmp_path / "x.db") as st:
        for r in corpus_reports.values():
            assert st.add(r) is True
            assert st.add(r) is False
        assert len(st.report_ids()) == 5
        for r in corpus_reports.values():
            back = st.load(r.id)
            assert back.found() == r.found()
            assert [(p.id, p.text, p.status, [m.text for m in p.measures]) for p in back.problems()] == \
                   [(p.id, p.text, p.status, [m.text for m in p.measures]) for p in r.problems()]
            assert back.inspection == r.inspection and back.stated == r.stated
        assert st.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert st.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert st.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_remove_cascades_and_bumps_generation(tmp_path, corpus_reports):
    with Store(tmp_path / "x.db") as st:
        for r in corpus_reports.values():
            st.add(r)
        gen = st.generation()
        victim = corpus_reports["004"].id
        assert st.remove(victim) and st.generation() == gen + 1
        assert not st.remove(victim)
        for table in ("problems", "measures", "categories", "stated_counts", "warnings", "mentions"):
            n = st.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE report_id=?", (victim,)).fetchone()[0]
            assert n == 0, table
        assert len(st.problem_rows()) == sum(len(list(r.problems())) for k, r in corpus_reports.items() if k != "004")


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "x.db"
    Store(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.close()
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert caught.value.code == "store_newer"
    assert caught.value.params == {"path": str(path), "version": SCHEMA_VERSION + 5, "supported": SCHEMA_VERSION}


KILLED_WRITER = textwrap.dedent("""
    import time
    from reports.parse import parse_file
    from reports.store import Store, _insert_report
    st = Store({db!r})
    report = parse_file({path!r})
    with st.transaction() as db:
        _insert_report(db, report, None)
        print("inside", flush=True)
        time.sleep(60)
""")


def test_sigkill_mid_ingest_leaves_last_good_state(tmp_path):
    db = tmp_path / "x.db"
    first = parse_file(CORPUS_FILES[0])
    with Store(db) as st:
        st.add(first)
    code = KILLED_WRITER.format(db=str(db), path=str(CORPUS_FILES[4]))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=child_env())
    assert child.stdout.readline().strip() == "inside"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    with Store(db) as st:
        assert st.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert st.report_ids() == [first.id]
        assert st.load(first.id).found() == first.found()
        assert st.conn.execute("SELECT COUNT(*) FROM problems WHERE report_id != ?", (first.id,)).fetchone()[0] == 0
        assert st.add(parse_file(CORPUS_FILES[4]))  # and the store is writable again


CONCURRENT_INGEST = textwrap.dedent("""
    from reports.parse import parse_file
    from reports.store import Store
    st = Store({db!r})
    for p in {paths!r}:
        st.add(parse_file(p))
    print("ok", flush=True)
""")


def test_two_ingests_at_once_both_succeed(tmp_path):
    db = tmp_path / "x.db"
    Store(db).close()
    paths = [str(p) for p in CORPUS_FILES]
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_INGEST.format(db=str(db),
                                                                             paths=order)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
             for order in (paths, list(reversed(paths)))]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
    with Store(db) as st:
        assert len(st.report_ids()) == 5
        assert st.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(st.problem_rows()) == sum(len(list(parse_file(Path(p)).problems())) for p in paths)

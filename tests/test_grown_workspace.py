"""bench/grown_workspace.py copies whole reports of a store under new ids until the target number of
problems, through every table keyed by report, so a reader sees a consistent larger store (the
search latency benchmark at 100k problems depends on it). The index half needs an encoder's
vectors and is exercised by running the benchmark."""
from __future__ import annotations

import sqlite3

from search_support import make_store

from bench.grown_workspace import grow_store


def _count(db: sqlite3.Connection, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


def test_grow_store_copies_whole_reports_up_to_the_target(tmp_path, corpus_reports):
    store = make_store(tmp_path, [corpus_reports["000"], corpus_reports["001"]])
    generation = store.generation()
    rows = store.problem_rows(types=False)
    per_report = {r["report_id"]: 0 for r in rows}
    for r in rows:
        per_report[r["report_id"]] += 1
    store.close()
    target = len(rows) * 3 - 1          # two more copies of everything would pass it by one
    plan = grow_store(tmp_path / "xuncha.db", target)

    with sqlite3.connect(tmp_path / "xuncha.db") as db:
        problems = _count(db, "SELECT COUNT(*) FROM problems")
        assert problems == len(rows) + sum(per_report[r] for r, _ in plan) <= target
        assert problems > target - max(per_report.values())   # stopped at the first report that did not fit
        for report_id, copy in plan:
            new = f"{report_id}~{copy}"
            assert _count(db, f"SELECT COUNT(*) FROM problems WHERE report_id = '{new}'") == per_report[report_id]
            assert _count(db, f"SELECT COUNT(*) FROM measures WHERE report_id = '{new}'") == \
                _count(db, f"SELECT COUNT(*) FROM measures WHERE report_id = '{report_id}'")
        fingerprints = [r[0] for r in db.execute("SELECT fingerprint FROM reports")]
        assert len(set(fingerprints)) == len(fingerprints)     # a copy is not a duplicate of its original
    from reports.store import Store

    grown = Store(tmp_path / "xuncha.db")
    assert grown.generation() == generation + 1                 # readers rebuild their state
    assert len(grown.problem_rows(types=False)) == problems     # joins categories and reports: consistent
    grown.close()

"""One report, one record: the same report as .txt, .docx and a wrapped web page is stored once, the
copy names the stored report, and an older store gets its fingerprints on migration (issue 21)."""
from __future__ import annotations

import sqlite3

from fixtures_build import body_lines, build_docx_numbered, build_gov_html, corpus_path

from reports.store import Store


def test_txt_docx_and_wrapped_html_of_one_report_ingest_as_one(workspace, tmp_path):
    txt = corpus_path("000")
    html = build_gov_html("张家界市文联党组关于巡察整改情况的通报", body_lines("000"), tmp_path / "page.html")
    docx = build_docx_numbered(body_lines("000"), tmp_path / "copy.docx")
    first = workspace.ingest([txt])[0]
    assert first.status == "ingested"
    for copy in (html, docx):
        outcome = workspace.ingest([copy])[0]
        assert outcome.status == "duplicate", (copy.name, outcome)
        assert outcome.report_id == first.report_id and outcome.warnings == []
        assert first.report_id in outcome.notice.chinese()
    assert [r["report_id"] for r in workspace.reports()] == [first.report_id]


def test_a_different_report_is_not_a_copy(workspace):
    ids = {o.report_id for o in workspace.ingest([corpus_path("000"), corpus_path("003")])}
    assert len(ids) == 2 and len(workspace.reports()) == 2


def test_fingerprints_are_filled_in_for_a_store_made_before_them(tmp_path, corpus_reports):
    path = tmp_path / "xuncha.db"
    with Store(path) as store:
        store.add(corpus_reports["003"])
    conn = sqlite3.connect(path)  # as a schema-3 store left it: no fingerprint yet
    conn.execute("DROP INDEX reports_fingerprint")
    conn.execute("ALTER TABLE reports DROP COLUMN fingerprint")
    conn.execute("ALTER TABLE reports DROP COLUMN types_version")   # schema 5's columns
    conn.execute("ALTER TABLE problems DROP COLUMN types_json")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with Store(path) as store:
        row = store.conn.execute("SELECT fingerprint FROM reports").fetchone()
        assert row["fingerprint"] == corpus_reports["003"].fingerprint is not None
        assert store.duplicate_of(corpus_reports["003"]) == corpus_reports["003"].id

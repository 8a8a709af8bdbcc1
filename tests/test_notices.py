"""Errors and warnings as codes: every code renders in Chinese, stored warnings survive a reworded
English table, and migration 3 converts warnings stored as English sentences."""
from __future__ import annotations

import re
import sqlite3

import pytest

from reports.parse import parse_text
from reports.shared.notices import MESSAGES, Notice, XunchaError, render
from reports.store import Store
from reports.store.migrations import MIGRATIONS

CJK = re.compile(r"[\u4e00-\u9fff]")
PASS_THROUGH = {"legacy", "os_error"}  # they carry a text the program did not write


def _sample_params(code: str) -> dict:
    names = set(re.findall(r"{(\w+)", MESSAGES[code][0] + MESSAGES[code][1]))
    return {n: (1.5 if n.endswith("_mb") else ["a", "b"] if n in ("counts", "tried") else "x") for n in names}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_renders_in_chinese_and_english(code):
    params = _sample_params(code)
    zh, en = render(code, params, "zh"), render(code, params, "en")
    assert zh and en and "\n" not in zh + en
    if code not in PASS_THROUGH:
        assert CJK.search(zh), zh


def test_every_warning_the_parser_stores_has_a_chinese_rendering(corpus_reports, tmp_path):
    reports = [*corpus_reports.values(), parse_text("一份没有问题部分的通知。")]
    emitted = {w.code for r in reports for w in r.warnings}
    assert {"no_problem_section", "truncated", "stated_problems_mismatch"} <= emitted
    with Store(tmp_path / "x.db") as store:
        for r in reports:
            if r.categories:
                store.add(r, [])
        stored = {row[0] for row in store.conn.execute("SELECT DISTINCT code FROM warnings")}
    assert stored and stored <= set(MESSAGES)
    for code in emitted | stored:
        assert CJK.search(render(code, _sample_params(code), "zh")), code


def test_rewording_the_english_table_cannot_change_what_a_workspace_shows(corpus_reports, tmp_path, monkeypatch):
    report = corpus_reports["001"]  # truncated, states 25 problems
    with Store(tmp_path / "x.db") as store:
        store.add(report, [])
    shown = [w.chinese() for w in report.warnings]
    assert any("25" in s and "实际识别" in s for s in shown)
    for code in list(MESSAGES):
        monkeypatch.setitem(MESSAGES, code, ("reworded " + code, MESSAGES[code][1]))
    with Store(tmp_path / "x.db") as store:
        loaded = store.load(report.id)
    assert [w.chinese() for w in loaded.warnings] == shown
    assert all(w.english().startswith("reworded ") for w in loaded.warnings)


def test_migration_converts_english_warnings_stored_before_codes(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute("INSERT INTO reports (id, text) VALUES ('r1', '正文')")
    old = ["no problem section found", "text looks truncated: it ends mid-sentence (…已制定学习计划)",
           "the report states different problem counts: 12, 13", "stated 25 problems, found 7 (9 leaf problems)",
           "stated 4 categories, found 3", "category (2) states 5 problems, found 4", "something else entirely"]
    db.executemany("INSERT INTO warnings VALUES ('r1', ?, ?)", list(enumerate(old)))
    db.commit()
    db.close()
    with Store(path) as store:
        warnings = store.load("r1").warnings
    assert [w.code for w in warnings] == ["no_problem_section", "truncated", "stated_counts_differ",
                                          "stated_problems_mismatch", "stated_categories_mismatch",
                                          "category_problems_mismatch", "legacy"]
    assert [w.english() for w in warnings] == old  # the conversion loses nothing
    assert warnings[2] == Notice("stated_counts_differ", {"counts": [12, 13]})
    assert warnings[3].chinese() == "报告自述 25 个问题,实际识别 7 个(按子问题计 9 条)"


def test_an_error_names_its_file_in_both_languages():
    err = XunchaError("empty_file", path="报告.txt")
    assert str(err) == "报告.txt: empty file"
    assert err.chinese() == "报告.txt: 空文件" and err.chinese(with_path=False) == "空文件"
    assert err.notice == Notice("empty_file")


def test_graph_file_and_timeout_errors_are_coded(tmp_path):
    """Errors a user can cause outside the readers carry codes too: a damaged graph file (doctor
    shows the line) and a file over its time limit (the ingest outcome names the file)."""
    from graph.persist import GraphFileError, load_graph
    from reports.read.limits import FileTimeout
    from ui.service.ingest import failure_outcome

    bad = tmp_path / "graph.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(GraphFileError) as err:
        load_graph(bad)
    assert isinstance(err.value, XunchaError) and err.value.code == "graph_file_unreadable"
    assert str(err.value).startswith(f"{bad}: not a readable graph file (")
    assert err.value.chinese().startswith(f"{bad}: 不是可读的知识图谱文件")
    outcome = failure_outcome("慢.pdf", FileTimeout(2.5))
    assert outcome.status == "error" and outcome.notice == Notice("file_timeout", {"seconds": 2.5})
    assert outcome.message == "慢.pdf: not stored: took longer than 2.5 s (limit per file)"
    assert outcome.chinese() == "未入库:处理超时(每个文件限 2.5 秒)"

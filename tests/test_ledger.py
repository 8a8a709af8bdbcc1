"""The problem ledger export (问题台账): CSV with BOM and XLSX, one row per leaf problem."""
from __future__ import annotations

import csv
import json

import pytest
from conftest import CORPUS, xuncha
from openpyxl import load_workbook

from ui.service.ledger import LEDGER_COLUMNS, ledger_rows, write_ledger


def test_ledger_rows_one_per_leaf_problem(workspace):
    workspace.ingest([CORPUS])
    rows = ledger_rows(workspace.store)
    assert len(rows) == sum(r["found"]["leaf_problems"] for r in workspace.reports())
    by_key = {(r["unit_short"], r["problem_id"]): r for r in rows}
    row = by_key[("益阳市文旅广体局", "26.2")]
    assert row["parent_text"].startswith("“靠山吃山")
    assert row["inspector"] == "市委第四巡察组" and row["start"] == "2022-03-21"
    assert row["measures"].startswith("1. ") and "整改情况" not in row["text"]
    assert by_key[("益阳市文旅广体局", "43")]["status"] == "巡察期间已立行立改"
    assert ("益阳市文旅广体局", "26") not in by_key  # a parent is context, not a row of its own
    # 列支工资 from a special fund: the type column says so, in Chinese
    assert "资金使用和专项资金" in row["types"].split("、")
    assert {r["unit_short"] for r in rows} == {"张家界市文联", "庆阳市文联", "山东省作协", "桑植县政协",
                                                "益阳市文旅广体局"}


def test_csv_has_bom_and_xlsx_opens(workspace, tmp_path):
    workspace.ingest([CORPUS])
    rows = ledger_rows(workspace.store)
    csv_path = write_ledger(rows, tmp_path / "台账.csv")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert parsed[0] == [h for h, _ in LEDGER_COLUMNS] and len(parsed) == len(rows) + 1
    xlsx_path = write_ledger(rows, tmp_path / "台账.xlsx")
    sheet = load_workbook(xlsx_path).active
    assert sheet.max_row == len(rows) + 1
    assert [c.value for c in sheet[1]] == [h for h, _ in LEDGER_COLUMNS]
    units = {sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)}
    assert "中共山东省作家协会党组" in units


@pytest.mark.slow
def test_cli_export_ledger_matches_reports(tmp_path):
    ws = tmp_path / "ws"
    assert xuncha("ingest", str(CORPUS), "--no-sync", ws=ws).returncode == 0
    out = tmp_path / "ledger.xlsx"
    proc = xuncha("export", "ledger", str(out), "--json", ws=ws)
    assert proc.returncode == 0, proc.stderr
    reports = json.loads(xuncha("reports", "--json", ws=ws).stdout)
    assert json.loads(proc.stdout)["rows"] == sum(r["found"]["leaf_problems"] for r in reports)
    assert load_workbook(out).active.max_row == json.loads(proc.stdout)["rows"] + 1
    bad = xuncha("export", "ledger", str(tmp_path / "ledger.doc"), ws=ws)
    assert bad.returncode == 1 and "ledger.doc" in bad.stderr


def test_ledger_carries_rectification_concreteness(workspace):
    workspace.ingest([CORPUS])
    rows = ledger_rows(workspace.store, concreteness={k: c.score for k, c in workspace.concreteness().items()})
    by_key = {(r["unit"], r["problem_id"]): r for r in rows}
    # 益阳 4.3: two dated 《》 documents issued, a coverage rate; 桑植 25: "坚持精简原则,统筹安排各项会议。"
    assert by_key[("中共益阳市文化旅游广电体育局党组", "4.3")]["concreteness"] > 0.6
    assert by_key[("中共政协桑植县委员会党组", "25")]["concreteness"] < 0.1
    assert all(r["concreteness"] is None or 0.0 <= r["concreteness"] <= 1.0 for r in rows)

"""The `xuncha` CLI contract (DESIGN.md section 6): JSON on stdout, one-line errors, exit codes."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import CORPUS, corpus_file, xuncha

CONTRACT_KEYS = {"report_id", "title", "unit", "unit_short", "level", "inspection", "report_date", "stated",
                 "found", "categories", "warnings"}


def assert_user_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0]


def test_parse_json_contract():
    proc = xuncha("parse", str(corpus_file("003")), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= CONTRACT_KEYS
    assert set(data["inspection"]) >= {"kind", "inspector", "start", "end", "feedback"}
    assert data["found"] == {"categories": 14, "problems": 38, "leaf_problems": 38}
    assert data["stated"]["problems"] == 38
    problem = data["categories"][0]["problems"][0]
    assert set(problem) >= {"id", "text", "measures", "status", "children"}
    assert "桑植县" in proc.stdout  # UTF-8, not ASCII-escaped


@pytest.fixture
def bad_files(tmp_path):
    files = {
        "empty": tmp_path / "empty.txt",
        "binary": tmp_path / "blob.txt",
        "extension": tmp_path / "report.xyz",
        "undecodable": tmp_path / "bad.txt",
        "huge": tmp_path / "huge.txt",
    }
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(bytes(range(256)) * 64)
    files["extension"].write_text("整改情况", encoding="utf-8")
    files["undecodable"].write_bytes(b"\xff\xfe\xfa" + bytes([0x81, 0x20, 0xfe, 0xff]) * 500)
    with files["huge"].open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
        fh.seek(0)
        fh.write("巡察整改".encode())
    return files


@pytest.mark.parametrize("kind", ["empty", "binary", "extension", "undecodable", "huge", "missing"])
def test_parse_bad_input_is_a_one_line_error(bad_files, tmp_path, kind):
    path = bad_files.get(kind, tmp_path / "no-such-report.txt")
    assert_user_error(xuncha("parse", str(path), "--json"), path.name)


def test_parse_without_problem_section_warns_and_keeps_header(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("中共某某县文化馆党支部关于巡察整改进展情况的通报\n根据县委统一部署,2021年4月1日至5月10日,"
                    "县委第二巡察组对县文化馆进行了巡察。\n我们将继续努力。", encoding="utf-8")
    proc = xuncha("parse", str(path), "--json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert "no problem section found" in data["warnings"]
    assert data["inspection"]["inspector"] == "县委第二巡察组" and data["inspection"]["start"] == "2021-04-01"


def test_ingest_is_idempotent_and_reports_lists(tmp_path):
    ws = tmp_path / "ws"
    first = xuncha("ingest", str(CORPUS), "--json", "--no-sync", ws=ws)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["summary"] == {"ingested": 5, "duplicate": 0, "error": 0}
    again = xuncha("ingest", str(CORPUS), "--json", "--no-sync", ws=ws)
    assert json.loads(again.stdout)["summary"] == {"ingested": 0, "duplicate": 5, "error": 0}
    rows = json.loads(xuncha("reports", "--json", ws=ws).stdout)
    by_unit = {r["unit"]: r for r in rows}
    assert by_unit["中共益阳市文化旅游广电体育局党组"]["found"]["leaf_problems"] == 59
    assert by_unit["中共庆阳市文联党组"]["truncated"] is True


def test_ingest_batch_with_bad_files_keeps_going_and_loses_nothing(tmp_path, bad_files):
    ws = tmp_path / "ws"
    assert xuncha("ingest", str(corpus_file("000")), "--no-sync", ws=ws).returncode == 0
    notice = tmp_path / "notice.txt"
    notice.write_text("中共某某局党组关于巡察整改进展情况的通报\n我们将继续努力。", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    batch = [*map(str, bad_files.values()), str(notice), str(missing), str(corpus_file("003"))]
    proc = xuncha("ingest", *batch, "--json", "--no-sync", ws=ws)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["summary"] == {"ingested": 1, "duplicate": 0, "error": len(bad_files) + 2}
    errors = {o["path"]: o["message"] for o in out["outcomes"] if o["status"] == "error"}
    assert "no problem section" in errors[str(notice)]
    for path, message in errors.items():
        assert "\n" not in message and os.path.basename(path) in message
    rows = json.loads(xuncha("reports", "--json", ws=ws).stdout)
    assert sorted(r["found"]["problems"] for r in rows) == [12, 38]


def test_ingest_only_bad_files_exits_1(tmp_path):
    proc = xuncha("ingest", str(tmp_path / "nothing.txt"), ws=tmp_path / "ws")
    assert proc.returncode == 1 and "nothing.txt" in proc.stderr and "Traceback" not in proc.stderr


def test_remove(tmp_path):
    ws = tmp_path / "ws"
    out = json.loads(xuncha("ingest", str(corpus_file("002")), "--json", "--no-sync", ws=ws).stdout)
    rid = out["outcomes"][0]["report_id"]
    assert xuncha("remove", rid, "--no-sync", ws=ws).returncode == 0
    assert json.loads(xuncha("reports", "--json", ws=ws).stdout) == []
    assert_user_error(xuncha("remove", rid, "--no-sync", ws=ws), rid)


def test_usage_errors_exit_1_without_traceback():
    assert_user_error(xuncha("parse"))
    assert_user_error(xuncha("no-such-command"))


def test_entities_json_contract():
    proc = xuncha("entities", str(corpus_file("000")), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert all({"type", "name", "canonical", "role", "spans"} <= set(r) for r in rows)
    roles = {r["role"] for r in rows if r["name"] == "覃文乐"}
    assert "党组书记、主席" in roles
    teams = {r["canonical"] for r in rows if r["type"] == "inspection_team"}
    assert teams == {"张家界市委第三巡察组"}  # 市委巡察组第三组 and 第三巡查组 are the same team
    text = corpus_file("000").read_text(encoding="utf-8")
    for r in rows:
        for start, end in r["spans"]:
            assert text[start:end] == r["name"]

"""The `xuncha` CLI contract (docs/cli.md): JSON on stdout, one-line errors, exit codes."""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, assert_user_error, child_env, corpus_file, xuncha

CONTRACT_KEYS = {"report_id", "title", "unit", "unit_short", "level", "inspection", "report_date", "stated",
                 "found", "categories", "warnings"}


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
    assert json.loads(first.stdout)["summary"] == {"ingested": 5, "duplicate": 0, "skipped": 0, "error": 0}
    rate = json.loads(first.stdout)["throughput"]  # problems stored per second of the whole command
    assert rate["problems"] == 112 and rate["seconds"] > 0  # found.problems summed (top-level problems)
    assert rate["problems_per_s"] == pytest.approx(112 / rate["seconds"], rel=0.05)
    again = xuncha("ingest", str(CORPUS), "--json", "--no-sync", ws=ws)
    assert json.loads(again.stdout)["summary"] == {"ingested": 0, "duplicate": 5, "skipped": 0, "error": 0}
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
    # report.xyz is not a report format: skipped, as it would be in a folder (issue 24)
    assert out["summary"] == {"ingested": 1, "duplicate": 0, "skipped": 1, "error": len(bad_files) + 1}
    errors = {o["path"]: o["message"] for o in out["outcomes"] if o["status"] == "error"}
    assert "no problem section" in errors[str(notice)]
    for path, message in errors.items():
        assert "\n" not in message and os.path.basename(path) in message
    rows = json.loads(xuncha("reports", "--json", ws=ws).stdout)
    assert sorted(r["found"]["problems"] for r in rows) == [12, 38]


def test_ingest_only_bad_files_exits_1(tmp_path):
    proc = xuncha("ingest", str(tmp_path / "nothing.txt"), ws=tmp_path / "ws")
    assert proc.returncode == 1 and "nothing.txt" in proc.stderr and "Traceback" not in proc.stderr
    assert "nothing.txt:文件不存在" in proc.stderr


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


def test_audit_json(tmp_path):
    ws = tmp_path / "ws"
    assert xuncha("ingest", str(CORPUS), "--no-sync", ws=ws).returncode == 0
    proc = xuncha("audit", "--json", ws=ws)
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)
    ids = {r["unit"]: r["report_id"] for r in json.loads(xuncha("reports", "--json", ws=ws).stdout)}
    codes = {}
    for f in findings:
        assert set(f) >= {"report_id", "problem_id", "code", "severity", "message", "evidence"}
        codes.setdefault(f["report_id"], set()).add(f["code"])
    assert "count_conflict" in codes[ids["中共张家界市文学艺术界联合会党组"]]
    assert {"truncated", "count_mismatch"} <= codes[ids["中共庆阳市文联党组"]]
    one = json.loads(xuncha("audit", ids["中共政协桑植县委员会党组"], "--json", ws=ws).stdout)
    assert {f["report_id"] for f in one} <= {ids["中共政协桑植县委员会党组"]}
    assert not {f["code"] for f in one} & {"count_conflict", "count_mismatch", "truncated", "date_order"}
    assert_user_error(xuncha("audit", "nosuchreport", ws=ws), "nosuchreport")


# -- everyday use (issue 13): what the user reads is Chinese and names every file -----------------

@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    """The corpus ingested without syncing (graph commands build the graph themselves)."""
    ws = tmp_path_factory.mktemp("cli-demo") / "ws"
    proc = xuncha("ingest", str(CORPUS), "--no-sync", ws=ws)
    assert proc.returncode == 0, proc.stderr
    return ws, proc


def test_folder_ingest_names_each_skipped_file_with_its_reason(tmp_path):
    folder = tmp_path / "收件箱"
    folder.mkdir()
    shutil.copy(corpus_file("002"), folder / "省作协通报.txt")
    (folder / "旧通报.doc").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(512))  # an OLE2 (Word 97) header
    (folder / "扫描件.png").write_bytes(bytes.fromhex("89504e470d0a1a0a") + bytes(64))
    (folder / ".~lock.旧通报.doc#").write_text("x", encoding="utf-8")  # hidden: not a user's file
    ws = tmp_path / "ws"
    proc = xuncha("ingest", str(folder), "--no-sync", ws=ws)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"已导入 .*省作协通报\.txt", proc.stdout)
    assert f"{folder / '旧通报.doc'}:旧版 Word 格式,请另存为 .docx" in proc.stderr
    assert f"{folder / '扫描件.png'}:图片/扫描件" in proc.stderr
    assert "已导入 1 份,重复 0 份,跳过 2 个文件,出错 0 个" in proc.stderr
    assert "lock" not in proc.stdout + proc.stderr
    data = json.loads(xuncha("ingest", str(folder), "--no-sync", "--json", ws=ws).stdout)
    assert data["summary"] == {"ingested": 0, "duplicate": 1, "skipped": 2, "error": 0}
    skipped = {Path(o["path"]).name: o["code"] for o in data["outcomes"] if o["status"] == "skipped"}
    assert skipped == {"旧通报.doc": "legacy_word", "扫描件.png": "image"}


def test_folder_of_only_unreadable_files_exits_1(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.doc").write_bytes(b"x")
    proc = xuncha("ingest", str(tmp_path / "in"), "--no-sync", ws=tmp_path / "ws")
    assert proc.returncode == 1 and "a.doc:旧版 Word 格式" in proc.stderr and "Traceback" not in proc.stderr


def test_url_given_as_a_path_says_save_the_page_first(tmp_path):
    url = "https://www.example.gov.cn/xxgk/2021/整改通报.html"
    proc = xuncha("ingest", url, "--no-sync", ws=tmp_path / "ws")
    assert proc.returncode == 1
    assert f"{url}:这是网址,不是文件" in proc.stderr and "另存为 .html" in proc.stderr  # the // intact
    data = json.loads(xuncha("ingest", url, "--no-sync", "--json", ws=tmp_path / "ws").stdout)
    assert data["outcomes"][0]["path"] == url and data["outcomes"][0]["code"] == "url"


def test_ingest_and_reports_speak_chinese_and_never_print_none(demo_ws):
    ws, ingest = demo_ws
    out = ingest.stdout + ingest.stderr
    assert "已导入 5 份,重复 0 份,跳过 0 个文件,出错 0 个" in out
    qingyang = [ln for ln in ingest.stdout.splitlines() if "庆阳" in ln]
    assert qingyang and "7 个问题" in qingyang[0]
    # a file's 注意 lines follow its outcome line on the same stream (issue 24)
    assert "注意:正文疑似不完整(截断)" in ingest.stdout and "报告自述 25 个问题,实际识别 7 个" in ingest.stdout
    assert not re.search(r"\b(ingested|duplicate|problems|error)\b", out)
    proc = xuncha("reports", ws=ws)
    assert proc.returncode == 0
    assert "None" not in proc.stdout
    lines = proc.stdout.splitlines()
    assert len(lines) == 5
    assert any("省作协" in ln and "自述 —" in ln for ln in lines)  # the report states no count
    assert any("庆阳" not in ln and "正文不完整" not in ln for ln in lines)
    assert any("识别 7 个问题 / 自述 25" in ln and "正文不完整" in ln for ln in lines)


def test_graph_neighbors_show_problem_text_and_export_says_what_it_wrote(demo_ws, tmp_path):
    ws, _ = demo_ws
    proc = xuncha("graph", "neighbors", "覃文乐", ws=ws)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("人员:覃文乐")
    assert "任职" in proc.stdout and "提及" in proc.stdout and "落实意识形态工作责任不到位" in proc.stdout
    assert "Problem:" not in proc.stdout and "HOLDS_ROLE" not in proc.stdout
    out = tmp_path / "导出"
    proc = xuncha("graph", "export", "--format", "json", str(out), ws=ws)
    assert proc.returncode == 0, proc.stderr
    assert "已导出知识图谱(json," in proc.stdout and str(out / "graph.json") in proc.stdout
    assert (out / "graph.json").is_file()


@pytest.mark.slow
def test_ledger_file_respects_the_umask(demo_ws, tmp_path):
    ws, _ = demo_ws
    target = tmp_path / "台账.csv"
    env = child_env()
    cmd = [sys.executable, "-m", "ui.cli", "export", "ledger", str(target), "--workspace", str(ws)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
                          preexec_fn=lambda: os.umask(0o022))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not 0600: colleagues may read it
    assert "已写入" in proc.stderr and "条问题" in proc.stderr


def test_entities_one_line_per_entity_and_no_page_credit_as_person():
    proc = xuncha("entities", str(corpus_file("000")))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    wenlian = [ln for ln in lines if re.match(r"组织机构\t张家界市文学艺术界联合会[ \t(]", ln)]
    assert len(wenlian) == 1 and "又作:" in wenlian[0] and "市文联" in wenlian[0]
    people = [ln for ln in lines if ln.startswith("人员\t")]
    assert people and not any("谢航" in ln for ln in people)
    assert "网页署名(不计为报告中的人员):谢航(编辑)" in lines
    assert f"人员 {len(people)}" in proc.stderr
    assert not any(ln.split("\t")[0] in ("organization", "person", "inspection_team") for ln in lines)


def test_help_and_usage_errors_in_chinese_with_english_command_names():
    top = xuncha("--help")
    assert top.returncode == 0 and top.stdout.startswith("用法:xuncha")
    assert "选项:" in top.stdout and "命令:" in top.stdout
    commands = re.findall(r"^  ([a-z]+)  +(.+)$", top.stdout.split("命令:")[1], re.MULTILINE)
    assert {"ingest", "search", "graph", "reports"} <= {c for c, _ in commands}
    assert all(re.search(r"[\u4e00-\u9fff]", text) for _, text in commands), commands
    for sub in (["ingest"], ["graph", "export"], ["search"], ["export", "ledger"]):
        proc = xuncha(*sub, "--help")
        assert proc.returncode == 0 and "显示本帮助并退出" in proc.stdout
        assert "Show this message" not in proc.stdout and "[default:" not in proc.stdout
    assert_user_error(xuncha("inget"), "没有这个命令:inget", "ingest")
    assert_user_error(xuncha("ingest", "--no-synk", "x"), "没有这个选项:--no-synk")
    assert_user_error(xuncha("parse"), "缺少参数")

"""Every line the CLI prints without --json is for a person (issue 24): Chinese, no English word
(codes in snake_case, ids, paths, option and command names aside), no Python value; click's own
messages too. Plus the everyday behaviour around it: a failed ingest's traceback in the workspace
log, nothing created by a command that only reads, one outcome per file however it is named."""
from __future__ import annotations

import ast
import json
import re
import socket
from pathlib import Path

import pytest
from conftest import CORPUS, PYTHON_VALUES, ROOT, assert_for_people, corpus_file, english_words, run_cli

from reports.shared.notices import LOG_FORMATS, MESSAGES


def test_the_scanner_finds_what_it_must():
    assert english_words("30 findings") == ["findings"]
    assert english_words("store      正常 (第 5 代)  159 problems") == ["store", "problems"]
    assert english_words("xuncha:参数 -k 的值无效:0 is not in the range 1<=x<=1000.") == ["is", "not", "in", "the",
                                                                                          "range"]
    assert not english_words("已跳过  /tmp/收件箱/旧通报.doc:旧版 Word 格式,请另存为 .docx")  # a product's name
    assert not english_words("[fbe545c4025f9a17] 桑植县政协 count_conflict --workspace ws (xuncha ingest 路径)")
    assert not english_words("PDF 没有文字层;文件过大:21.0 MB;FAISS 索引")
    assert PYTHON_VALUES.search("reports: ['fbe5']") and PYTHON_VALUES.search("{'out': {'HOLDS_ROLE': 1}}")
    assert PYTHON_VALUES.search("自述 None")


# -- running the command line in this process (conftest.run_cli) ------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The corpus ingested and synced by the CLI itself, its plain output kept."""
    root = tmp_path_factory.mktemp("plain")
    ws = root / "ws"
    result = run_cli("ingest", str(CORPUS), "--workspace", str(ws))
    assert result.exit_code == 0, result.stderr
    return {"ws": ws, "root": root, "ingest": result.output}


def _ids(ws: Path) -> dict[str, str]:
    from ui.service.workspace import Workspace
    with Workspace(ws) as w:
        return {s["unit_short"]: s["report_id"] for s in w.reports()}


def test_everyday_commands_speak_chinese_without_python_values(demo, capsys, tmp_path):
    """The check of issue 24: everyday commands' plain output, every line, stdout and stderr."""
    ws = str(demo["ws"])
    assert_for_people(demo["ingest"], "ingest")
    ids = _ids(demo["ws"])
    batch = tmp_path / "queries.txt"
    batch.write_text("理论学习流于形式\n\n意识形态\n" + "理论学习" * 200 + "\n", encoding="utf-8")
    commands = [
        ("parse", str(corpus_file("001"))),
        ("entities", str(corpus_file("000"))),
        ("reports",),
        ("problems", "--unit", "桑植"),
        ("problems", "--types"),
        ("search", "理论学习流于形式"),
        ("search", "--batch", str(batch), "-k", "2"),
        ("similar", ids["桑植县政协"], "5", "-k", "3"),
        ("fixes", "三会一课制度落实不到位"),
        ("themes", "--members"),
        ("audit",),
        ("recurring",),
        ("doctor",),
        ("graph", "stats"),
        ("graph", "show", "覃文乐"),
        ("graph", "show", "张家界市文联"),
        ("graph", "show", "市委第七巡察组"),
        ("graph", "neighbors", "山东省作协"),
        ("graph", "path", "覃文乐", "益阳市文旅广体局"),
        ("graph", "rank", "Person"),
        ("export", "ledger", str(tmp_path / "台账.xlsx")),
    ]
    for args in commands:
        code, out, err = run_cli(*args, *(["--workspace", ws] if args[0] not in ("parse", "entities") else []))
        assert code == 0, (args, err)
        assert out.strip() or err.strip(), args
        assert_for_people(out + err, " ".join(args))


@pytest.mark.parametrize("args, needle", [
    (("search", "理论", "-k", "0"), "0 超出允许范围(1 到 1000 之间)"),
    (("search", "理论", "--min-score", "2"), "超出允许范围"),
    (("search", "理论", "--year", "二〇二一"), "不是有效的整数"),
    (("graph", "export", "out"), "缺少选项 --format;可选:graphml、json、neo4j"),
    (("graph", "rank", "Person", "--by", "size"), "可选:degree、reports、units"),
    (("graph", "rank", "Person", "--top", "0"), "超出允许范围"),
    (("ingest",), "缺少参数 PATHS"),
    (("inget",), "没有这个命令:inget"),
    (("ingest", "--no-synk", "x"), "没有这个选项:--no-synk"),
    (("problems", "--unit", "不存在"), "未知单位「不存在」;工作区中的单位:"),
    (("graph", "show", "市文联", "--type", "Unit"), "对应多个被巡察单位:庆阳市文联、张家界市文联"),
    (("remove", "0000000000000000"), "不在工作区中"),
])
def test_usage_and_user_errors_are_one_chinese_line(demo, capsys, args, needle):
    code, _, err = run_cli(*args, "--workspace", str(demo["ws"]))
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 1 and len(lines) == 1, err
    assert needle in lines[0], lines[0]
    assert_for_people(err, " ".join(args))


def test_graph_show_names_a_unit_as_reports_prints_it(demo, capsys):
    """The names `reports` prints are found, and `show` prints attributes in Chinese, reports by unit."""
    ws = str(demo["ws"])
    _, out, _ = run_cli("reports", "--workspace", ws)
    names = [ln.split()[1] for ln in out.splitlines()]
    assert {"张家界市文联", "山东省作协"} <= set(names)
    for name in names:
        code, shown, err = run_cli("graph", "show", name, "--workspace", ws)
        assert code == 0 and shown.startswith(f"{name}(被巡察单位)"), (name, err)
    code, out, _ = run_cli("graph", "show", "覃文乐", "--workspace", ws)
    assert "职务:党组书记、主席" in out and "来源报告:张家界市文联 [" in out and "→任职 1" in out
    code, _, err = run_cli("graph", "show", "山东作协", "--workspace", ws)
    assert code == 1 and "山东省作协" in err  # the suggestion names the display name


def test_query_warnings_and_skipped_lines_are_chinese(demo, capsys, tmp_path):
    batch = tmp_path / "q.txt"
    batch.write_text("理论学习\n   \n", encoding="utf-8")
    code, out, err = run_cli("search", "--batch", str(batch), "-k", "1", "--workspace", str(demo["ws"]))
    assert code == 0 and "注意:第 2 条检索已跳过:检索内容为空" in err and "已跳过:检索内容为空" in out
    code, out, err = run_cli("search", "理论学习" * 200, "-k", "1", "--workspace", str(demo["ws"]))
    assert code == 0 and "注意:检索内容共 800 字,只用前 512 字检索" in err


def test_every_warning_xuncha_logs_has_a_chinese_line():
    """Each format string a module logs at warning level or above is in LOG_FORMATS (rendered in
    Chinese on the terminal) or passes its own notice; a reworded warning fails here."""
    missing = []
    for path in [*ROOT.glob("reports/**/*.py"), *ROOT.glob("graph/**/*.py"), *ROOT.glob("embeddings/**/*.py"),
                 *ROOT.glob("ui/service/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("warning", "error") and node.args
                    and getattr(node.func.value, "id", "") == "log"):
                first = node.args[0]
                if any(k.arg == "extra" for k in node.keywords):
                    continue
                msg = first.value if isinstance(first, ast.Constant) else None
                if isinstance(first, ast.JoinedStr) or msg not in LOG_FORMATS:
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not missing, missing
    for code, _names in LOG_FORMATS.values():
        assert code in MESSAGES


# -- a failure inside ingest: the traceback in WORKSPACE/logs/xuncha.log -------------------------

def test_injected_parser_failure_leaves_its_traceback_in_the_workspace_log(tmp_path, capsys, monkeypatch):
    import ui.service.ingest as ingest

    real = ingest.parse_source

    def parse(source):
        if "桑植" in source.text[:400]:
            raise RuntimeError("injected parser failure")
        return real(source)

    monkeypatch.setattr(ingest, "parse_source", parse)
    ws = tmp_path / "ws"
    code, out, err = run_cli("ingest", "--no-sync", str(corpus_file("002")), str(corpus_file("003")),
                         "--workspace", str(ws))
    assert code == 0
    log = ws / "logs" / "xuncha.log"
    text = log.read_text("utf-8")
    assert "Traceback" in text and "RuntimeError: injected parser failure" in text and "003_" in text
    line = next(ln for ln in err.splitlines() if "003_" in ln)
    assert f"导入时发生程序内部错误,未导入(详情见日志 {log})" in line
    assert "Traceback" not in out + err and "injected parser failure" not in out + err
    # one file alone in a new workspace: the workspace stays, holding the log the line names
    lone = tmp_path / "lone"
    code, _, err = run_cli("ingest", "--no-sync", str(corpus_file("003")), "--workspace", str(lone))
    assert code == 1 and "injected parser failure" in (lone / "logs" / "xuncha.log").read_text("utf-8")


def test_unexpected_crash_is_one_chinese_line_naming_the_log(tmp_path, capsys, monkeypatch):
    import ui.service.workspace as workspace

    ws = tmp_path / "ws"
    run_cli("ingest", "--no-sync", str(corpus_file("001")), "--workspace", str(ws))

    def boom(self):
        raise RuntimeError("simulated internal failure")
    monkeypatch.setattr(workspace.Workspace, "reports", boom)
    code, _, err = run_cli("reports", "--workspace", str(ws))
    assert code == 1 and err.strip() == f"xuncha:{ws}: 程序内部错误,详情见 {ws / 'logs' / 'xuncha.log'}"
    assert "simulated internal failure" in (ws / "logs" / "xuncha.log").read_text("utf-8")


# -- what a command leaves behind ------------------------------------------------------------------

def test_read_only_commands_create_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XUNCHA_HOME", raising=False)
    for args in (("reports",), ("search", "理论"), ("problems",), ("audit",), ("graph", "stats"),
                 ("export", "ledger", "x.csv"), ("remove", "0123456789abcdef"), ("doctor",)):
        code, _, err = run_cli(*args)
        assert code == 1 and "这里没有工作区" in err, (args, err)
    assert list(tmp_path.iterdir()) == []


def test_search_in_an_empty_workspace_says_it_has_no_reports(tmp_path, capsys):
    from ui.service.workspace import Workspace

    Workspace(tmp_path / "ws").close()
    code, _, err = run_cli("search", "理论学习", "--workspace", str(tmp_path / "ws"))
    assert code == 1 and "工作区中还没有报告" in err and "未找到相似问题" not in err


def test_failed_ingest_leaves_no_workspace(tmp_path, capsys):
    bad = tmp_path / "空.txt"
    bad.write_bytes(b"")
    code, _, err = run_cli("ingest", str(bad), "--workspace", str(tmp_path / "new"))
    assert code == 1 and "空文件" in err and not (tmp_path / "new").exists()
    folder = tmp_path / "existing"
    folder.mkdir()
    (folder / "mine.txt").write_text("x", encoding="utf-8")
    run_cli("ingest", str(bad), "--workspace", str(folder))
    assert [p.name for p in folder.iterdir()] == ["mine.txt"]  # the user's file stays, ours go


def test_ledger_into_a_missing_folder_is_refused(demo, capsys, tmp_path):
    target = tmp_path / "no" / "such" / "台账.xlsx"
    code, _, err = run_cli("export", "ledger", str(target), "--workspace", str(demo["ws"]))
    assert code == 1 and f"文件夹 {target.parent} 不存在" in err and not (tmp_path / "no").exists()


def test_a_file_has_one_outcome_alone_or_in_a_folder(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    doc = folder / "旧通报.doc"
    doc.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(512))
    (folder / "扫描件.png").write_bytes(bytes.fromhex("89504e470d0a1a0a") + bytes(64))
    seen = {}
    for target in (folder, doc, folder / "扫描件.png"):
        _, out, _ = run_cli("ingest", str(target), "--json", "--no-sync", "--workspace", str(tmp_path / "ws"))
        for o in json.loads(out)["outcomes"]:
            seen.setdefault(Path(o["path"]).name, set()).add((o["status"], o["code"]))
    assert seen == {"旧通报.doc": {("skipped", "legacy_word")}, "扫描件.png": {("skipped", "image")}}


def test_a_files_warnings_stay_on_its_stream(demo):
    """An ingested file's 注意 lines follow it on stdout; redirected, none loses its file."""
    from conftest import xuncha

    ws = demo["root"] / "streams"
    proc = xuncha("ingest", "--no-sync", str(corpus_file("001")), ws=ws)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("已导入") and "庆阳市文联" in lines[0]
    assert any("注意:正文疑似不完整" in ln for ln in lines[1:]) and "注意" not in proc.stderr


def test_ui_on_a_busy_port_is_one_chinese_line(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run_cli("ui", "--port", str(port), "--workspace", str(tmp_path / "ws"))
    assert code == 1 and f"端口 {port} 已被占用" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "ws").exists()


def test_every_outcome_code_is_documented_and_rendered():
    """docs/cli.md lists every code an ingest outcome may carry (ui.service.ingest.OUTCOME_CODES),
    and the readers raise no code outside that list."""
    from reports.read.limits import READ_CODES
    from ui.cli.reference import DOC_PATH
    from ui.service.ingest import OUTCOME_CODES

    raised = set()
    for path in ROOT.glob("reports/read/*.py"):
        raised |= set(re.findall(r'ReadError\([^,()]+, "([a-z_]+)"', path.read_text("utf-8")))
    assert raised and raised <= set(READ_CODES), raised - set(READ_CODES)
    doc = DOC_PATH.read_text("utf-8")
    for codes in OUTCOME_CODES.values():
        for code in codes:
            assert code in MESSAGES and code in doc, code

"""Fault injection (issue 12): hostile files, damaged index files, a killed ingest, a full disk.

Each case runs the real CLI (`ui.cli.main`, in-process or in a child process) on small stand-ins
and checks: bounded time, no traceback on the terminal, nothing stored lost, and afterwards
`xuncha doctor` reports a healthy workspace whose graph and search equal a clean build.
Embedding uses the tiny deterministic FakeEncoder of test_search (no model load).
"""
from __future__ import annotations

import errno
import io
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from conftest import CORPUS_FILES, ROOT, corpus_file, run_cli
from search_support import FakeEncoder

QUERIES = ("理论学习流于形式", "三会一课制度落实不到位", "意识形态工作责任制")
MINUTE = 60.0
MAX_RSS_MB = 1536


# --------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def fake_model(monkeypatch):
    """Every encoder the CLI loads is the fake one (queries and documents alike)."""
    import embeddings.encoder as enc

    encoder = FakeEncoder()
    monkeypatch.setattr(enc, "load_encoder", lambda spec=None, cache_dir=None: encoder)
    return encoder


CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path[:0] = [{root!r}, {tests!r}]
    import embeddings.encoder as enc
    from search_support import FakeEncoder

    class Slow(FakeEncoder):
        def encode(self, texts, **kw):
            marker = os.environ.get("H12_MARKER")
            if marker and len(texts) > 1:   # a document batch, not a query
                open(marker, "w").close()
                time.sleep(float(os.environ.get("H12_SLEEP", "0")))
            return super().encode(texts, **kw)

    encoder = Slow()
    enc.load_encoder = lambda spec=None, cache_dir=None: encoder
    rss_file = os.environ.get("H12_RSS_FILE")
    if rss_file:   # this process's own peak: VmHWM belongs to the exec'd image, while ru_maxrss
        import atexit  # also keeps the forking parent's (a test runner holding models: GBs)
        def _peak():
            hwm = next(ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:"))
            open(rss_file, "w").write(hwm.split()[1])  # kB
        atexit.register(_peak)
    from ui.cli import main
    sys.exit(main(sys.argv[1:]))
""").format(root=str(ROOT), tests=str(ROOT / "tests"))


def child(*args: str, env: dict | None = None) -> subprocess.Popen:
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen([sys.executable, "-c", CHILD, *args], env=full, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def fingerprint(ws: Path) -> dict:
    """What must equal a clean build: the graph's size and the top results of a few queries."""
    from ui.service.workspace import Workspace

    with Workspace(ws) as w:
        G = w.graph.graph
        graph = (G.number_of_nodes(), G.number_of_edges(),
                 sum(1 for _, _, k in G.edges(keys=True) if k == "SIMILAR_TO"),
                 sum(1 for _, d in G.nodes(data=True) if d.get("type") == "Theme"),
                 sum(1 for _, _, k in G.edges(keys=True) if k == "RECURS"))
    hits = {}
    for q in QUERIES:
        code, out, _ = run_cli("search", q, "--json", "-k", "5", "--workspace", str(ws))
        assert code == 0
        hits[q] = [(h["report_id"], h["problem_id"]) for h in json.loads(out)]
    return {"graph": graph, "hits": hits}


def assert_healthy(ws: Path) -> dict:
    code, out, _ = run_cli("doctor", "--json", "--workspace", str(ws))
    report = json.loads(out)
    assert code == 0 and report["healthy"], report
    return report


@pytest.fixture(scope="module")
def clean_fingerprint(tmp_path_factory):
    """The corpus ingested once, without faults: the reference every case must equal."""
    ws = tmp_path_factory.mktemp("clean") / "ws"
    proc = child("ingest", *map(str, CORPUS_FILES), "--workspace", str(ws))
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    return ws


@pytest.fixture
def clean(clean_fingerprint):
    return fingerprint(clean_fingerprint)


def ingest(ws: Path, *paths) -> tuple[int, str, str]:
    return run_cli("ingest", *map(str, paths), "--workspace", str(ws))


# --------------------------------------------------------------------------- hostile files


def huge_problem_report(path: Path, size: int = 1_000_000) -> Path:
    """Report 001 with its first problem inflated to ``size`` characters (one huge item)."""
    text = corpus_file("001").read_text("utf-8")
    marker = "问题一:"
    at = text.index(marker) + len(marker)
    filler = "班子成员对意识形态工作研究部署不够经常,对所属协会阵地管理不够严格,存在薄弱环节"
    text = text[:at] + (filler * (size // len(filler) + 1))[:size] + text[at:]
    path.write_text(text, "utf-8")
    return path


@pytest.mark.slow
def test_one_huge_problem_is_embedded_from_its_first_part(tmp_path, clean_fingerprint):
    from reports.read.limits import MAX_EMBED_CHARS_PROBLEM

    big = huge_problem_report(tmp_path / "big.txt")
    ws = tmp_path / "ws"
    started = time.monotonic()
    rss_file = tmp_path / "rss"
    proc = child("ingest", str(big), "--json", "--workspace", str(ws), env={"H12_RSS_FILE": str(rss_file)})
    out, err = proc.communicate(timeout=2 * MINUTE)
    assert proc.returncode == 0 and "Traceback" not in err and time.monotonic() - started < MINUTE
    assert int(rss_file.read_text()) / 1024 < MAX_RSS_MB  # the child's own peak, KB on Linux
    outcome = json.loads(out)["outcomes"][0]
    assert outcome["status"] == "ingested"
    assert any(f"{MAX_EMBED_CHARS_PROBLEM:,}" in w and "first" in w for w in outcome["warnings"]), outcome
    started = time.monotonic()
    code, out, _ = run_cli("search", "意识形态工作研究部署", "--json", "--workspace", str(ws))
    assert code == 0 and json.loads(out) and time.monotonic() - started < 10
    assert_healthy(ws)


def test_embed_caps_share_a_report_budget():
    from reports.read.limits import embed_caps

    assert embed_caps([10, 5000], per_problem=100, per_report=1000) == [10, 100]
    assert embed_caps([900] * 10, per_problem=1000, per_report=1000) == [100] * 10  # equal shares, none dropped


def docx_bomb(path: Path, inflated_mb: int = 200) -> Path:
    """A small .docx whose document.xml inflates to ``inflated_mb`` MB (streamed: little memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        with z.open("word/document.xml", "w") as fh:
            fh.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                     b'wordprocessingml/2006/main"><w:body>')
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                fh.write(chunk)
            fh.write(b"</w:body></w:document>")
    return path


def test_docx_that_inflates_to_200_mb_is_refused_before_inflating(tmp_path):
    from reports.read import ReadError, read_source

    bomb = docx_bomb(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 2 * 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(ReadError) as info:
        read_source(bomb)
    assert time.monotonic() - started < 5
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 100  # nothing inflated
    message = str(info.value)
    assert message.startswith(str(bomb)) and "limit" in message and "\n" not in message
    code, _, err = ingest(tmp_path / "ws", bomb)
    assert code == 1 and "200 MB" in err and "已导入 0 份" in err


def test_lying_zip_header_cannot_inflate_more_than_it_declares(tmp_path):
    """zipfile stops at the declared size and fails the CRC: the declared sizes really bound the work."""
    bomb = docx_bomb(tmp_path / "bomb.docx", inflated_mb=3)
    data = bytearray(bomb.read_bytes())
    cd = None
    # patch the central directory entry of document.xml to claim 1 KB (uncompressed size at +24)
    entries = [i for i in range(len(data)) if data.startswith(b"PK\x01\x02", i)]
    for i in entries:
        name_len = int.from_bytes(data[i + 28:i + 30], "little")
        if data[i + 46:i + 46 + name_len] == b"word/document.xml":
            data[i + 24:i + 28] = (1024).to_bytes(4, "little")
            cd = i
    assert cd is not None
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z, pytest.raises(zipfile.BadZipFile):
        z.read("word/document.xml")


PARA = "<p>" + "关于巡视整改进展情况的通报,存在问题整改落实不到位。" * 3 + "</p>"


@pytest.mark.parametrize("name, html", [
    ("deep", "<html><body>" + "<div>" * 5000 + PARA + "</div>" * 5000 + "</body></html>"),
    ("nests", "<html><body>" + ("<div>" * 5000 + PARA + "</div>" * 5000) * 40 + "</body></html>"),
])
def test_hostile_html_is_refused_quickly_with_the_limit(tmp_path, name, html):
    from reports.read import ReadError, read_bytes

    started = time.monotonic()
    with pytest.raises(ReadError) as info:
        read_bytes(html.encode(), f"{name}.html")
    assert time.monotonic() - started < 10
    assert "limit" in str(info.value) and str(info.value).startswith(f"{name}.html: ")


def test_deep_but_allowed_html_is_read_without_recursion(tmp_path):
    """200 levels (under the limit) in many nests: read in linear time, text intact."""
    from reports.read import read_bytes

    nest = "<div>" * 200 + PARA + "</div>" * 200
    html = "<html><body>" + nest * 60 + "</body></html>"
    started = time.monotonic()
    text = read_bytes(html.encode(), "nests.html").text
    assert time.monotonic() - started < 20
    assert text.count("关于巡视整改进展情况的通报") >= 60


def test_per_file_time_limit_ends_a_runaway_file(tmp_path, monkeypatch):
    import ui.service.ingest as ingest_module

    def slow(source):
        time.sleep(5)
    monkeypatch.setenv("XUNCHA_MAX_SECONDS_PER_FILE", "0.5")
    monkeypatch.setattr(ingest_module, "parse_source", slow)
    started = time.monotonic()
    code, _, err = ingest(tmp_path / "ws", corpus_file("001"))
    assert time.monotonic() - started < 4
    assert code == 1 and "未入库" in err and "0.5" in err


# --------------------------------------------------------------------------- damaged index files


def _damage(search: Path, case: str) -> None:
    manifest = search / "manifest.json"
    if case == "garbage":
        manifest.write_bytes(b"\x00{not json")
    elif case == "empty-list":
        manifest.write_text("[]")
    elif case == "wrong-type":
        data = json.loads(manifest.read_text())
        data["generation"] = "five"
        manifest.write_text(json.dumps(data))
    elif case == "truncated-faiss":
        vectors = next(search.glob("vectors-*.faiss"))
        vectors.write_bytes(vectors.read_bytes()[:200])
    elif case == "corrupt-tokens":
        next(search.glob("tokens-*")).write_text('{"tokenizer": [1, 2')
    elif case == "truncated-table":
        columns = next(search.glob("table-*/columns.npz"))
        columns.write_bytes(columns.read_bytes()[:300])


@pytest.mark.parametrize("case", ["garbage", "empty-list", "wrong-type", "truncated-faiss", "corrupt-tokens",
                                  "truncated-table"])
def test_damaged_index_files_are_named_and_reindex_repairs(tmp_path, clean, clean_fingerprint, case):
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(clean_fingerprint, ws)
    _damage(ws / "search", case)
    code, out, err = run_cli("search", QUERIES[0], "--workspace", str(ws))
    if case in ("garbage", "empty-list", "wrong-type"):   # the manifest itself: say so and how to fix it
        assert code == 1 and "manifest.json" in err and "xuncha reindex" in err and len(err.strip().splitlines()) == 1
    else:                                                 # a file a query reads: repaired on the spot
        assert code == 0 and out.strip()
    code, out, _ = run_cli("doctor", "--json", "--workspace", str(ws))
    damaged = {c["name"] for c in json.loads(out)["checks"] if c["state"] == "damaged"}
    # a query never reads the token lists (only a sync does), so a damaged token file waits for one
    assert damaged == {"garbage": {"search", "lexical", "table"}, "empty-list": {"search", "lexical", "table"},
                       "wrong-type": {"search", "lexical", "table"}, "corrupt-tokens": {"lexical"}}.get(case, set())
    code, _, err = run_cli("reindex", "--workspace", str(ws))
    assert code == 0, err
    assert_healthy(ws)
    assert fingerprint(ws) == clean


def test_doctor_repair_fixes_a_damaged_graph_and_themes(tmp_path, clean, clean_fingerprint):
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(clean_fingerprint, ws)
    (ws / "graph.db").write_bytes(b"{broken" * 100)
    (ws / "themes.json").write_text("[]")
    code, out, _ = run_cli("doctor", "--json", "--workspace", str(ws))
    states = {c["name"]: c["state"] for c in json.loads(out)["checks"]}
    assert code == 1 and states["graph"] == "damaged" and states["themes"] == "damaged"
    assert states["recurrence"] == "stale"          # the RECURS links lived in the damaged file
    code, out, _ = run_cli("doctor", "--repair", "--json", "--workspace", str(ws))
    assert code == 0 and json.loads(out)["healthy"]
    assert fingerprint(ws) == clean


def test_doctor_repair_writes_a_damaged_search_table_again(tmp_path, clean, clean_fingerprint):
    """The persisted search table (embeddings/index_table.py) is a part doctor shows and repair rebuilds,
    without re-embedding: the vectors file stays the same."""
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(clean_fingerprint, ws)
    table = next((ws / "search").glob("table-*"))
    (table / "meta.json").write_text("{", "utf-8")
    vectors = {p.name for p in (ws / "search").glob("vectors-*.faiss")}
    code, out, _ = run_cli("doctor", "--json", "--workspace", str(ws))
    states = {c["name"]: c["state"] for c in json.loads(out)["checks"]}
    assert code == 1 and states["table"] == "damaged" and states["search"] == "ok"
    code, out, _ = run_cli("doctor", "--repair", "--json", "--workspace", str(ws))
    assert code == 0 and json.loads(out)["healthy"]
    assert not table.exists() and {p.name for p in (ws / "search").glob("vectors-*.faiss")} == vectors
    assert fingerprint(ws) == clean


@pytest.mark.slow
def test_doctor_after_a_search_repaired_the_vectors_file(tmp_path, clean, clean_fingerprint):
    """A search that re-embeds a damaged .faiss writes the same vectors under a new file name: the
    themes computed before still reflect the store and the model, and doctor says so; a build made
    another way (here: another document recipe) does make them stale."""
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(clean_fingerprint, ws)
    before = {c["name"]: c for c in assert_healthy(ws)["checks"]}
    damaged = next((ws / "search").glob("vectors-*.faiss"))
    damaged.write_bytes(damaged.read_bytes()[:200])
    code, out, _ = run_cli("search", QUERIES[0], "--workspace", str(ws))
    assert code == 0 and out.strip()
    assert not damaged.exists() and len(list((ws / "search").glob("vectors-*.faiss"))) == 1   # rebuilt anew
    after = {c["name"]: c for c in assert_healthy(ws)["checks"]}
    assert after["themes"] == before["themes"] and after["similarity"]["state"] == "ok"
    assert fingerprint(ws) == clean

    themes = ws / "themes.json"   # a themes file written before this stamp named the vectors file: still fresh
    doc = json.loads(themes.read_text())
    vectors = next((ws / "search").glob("vectors-*.faiss")).name
    themes.write_text(json.dumps({**doc, "stamp": {**doc["stamp"], "index": vectors}}, ensure_ascii=False))
    assert_healthy(ws)
    themes.write_text(json.dumps({**doc, "stamp": {**doc["stamp"], "index": damaged.name}}, ensure_ascii=False))
    code, out, _ = run_cli("doctor", "--json", "--workspace", str(ws))
    assert {c["name"]: c["state"] for c in json.loads(out)["checks"]}["themes"] == "stale"
    themes.write_text(json.dumps(doc, ensure_ascii=False))

    manifest = ws / "search" / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "doc_recipe": data["doc_recipe"] + "-other"}))
    code, out, _ = run_cli("doctor", "--json", "--workspace", str(ws))
    assert {c["name"]: c["state"] for c in json.loads(out)["checks"]}["themes"] == "stale"


# --------------------------------------------------------------------------- crashes and full disks


@pytest.mark.slow
def test_kill_during_ingest_then_ingest_again_finishes_the_sync(tmp_path, clean):
    ws, marker = tmp_path / "ws", tmp_path / "embedding"
    proc = child("ingest", *map(str, CORPUS_FILES), "--workspace", str(ws),
                 env={"H12_MARKER": str(marker), "H12_SLEEP": "60"})
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else "slow"
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    code, out, _ = run_cli("doctor", "--json", "--workspace", str(ws))
    assert code == 1 and not json.loads(out)["healthy"]          # the derived data lags: it says so
    code, _, err = ingest(ws, *CORPUS_FILES)            # all duplicates now
    assert code == 0 and "重复 5 份" in err
    assert_healthy(ws)
    assert fingerprint(ws) == clean


@pytest.mark.slow
def test_searches_during_an_ingest_do_not_wait_for_its_embedding(tmp_path):
    ws, marker = tmp_path / "ws", tmp_path / "embedding"
    code, _, _ = ingest(ws, *CORPUS_FILES[:2])
    assert code == 0
    proc = child("ingest", *map(str, CORPUS_FILES[2:]), "--workspace", str(ws),
                 env={"H12_MARKER": str(marker), "H12_SLEEP": "30"})
    try:
        deadline = time.monotonic() + 240
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        for query in QUERIES:
            started = time.monotonic()
            code, out, _ = run_cli("search", query, "--json", "--workspace", str(ws))
            assert code == 0 and json.loads(out)
            assert time.monotonic() - started < 10   # the writer sleeps 30 s inside its embedding
    finally:
        proc.kill()
        proc.wait()


def enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_full_disk_while_storing_names_the_true_outcome(tmp_path, monkeypatch, clean):
    import reports.store as store

    real = store._insert_report
    calls = {"n": 0}

    def insert(db, report, offsets, *rest):
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("database or disk is full")
        return real(db, report, offsets, *rest)
    monkeypatch.setattr(store, "_insert_report", insert)
    ws = tmp_path / "ws"
    code, out, err = run_cli("ingest", *map(str, CORPUS_FILES), "--json", "--workspace", str(ws))
    data = json.loads(out)
    assert code == 0 and data["summary"] == {"ingested": 4, "duplicate": 0, "skipped": 0, "error": 1}
    failed = [o for o in data["outcomes"] if o["status"] == "error"]
    assert failed[0]["path"] == str(CORPUS_FILES[1]) and failed[0]["code"] == "not_stored_io"
    assert failed[0]["message"].startswith(str(CORPUS_FILES[1])) and "磁盘已满" in failed[0]["message"]
    monkeypatch.setattr(store, "_insert_report", real)
    code, _, err = ingest(ws, *CORPUS_FILES)
    assert code == 0 and "已导入 1 份,重复 4 份" in err
    assert_healthy(ws)
    assert fingerprint(ws) == clean


def test_full_disk_while_syncing_keeps_the_store_and_says_so(tmp_path, monkeypatch, clean):
    from embeddings.index import VectorIndex

    ws = tmp_path / "ws"
    monkeypatch.setattr(VectorIndex, "save", enospc)
    code, _, err = ingest(ws, *CORPUS_FILES)
    assert code == 1
    lines = err.strip().splitlines()
    assert "已导入 5 份,重复 0 份,跳过 0 个文件,出错 0 个" in err
    assert lines[-1].startswith("xuncha:") and "磁盘已满" in lines[-1] and "5 份报告已入库" in lines[-1]
    monkeypatch.undo()
    import embeddings.encoder as enc
    monkeypatch.setattr(enc, "load_encoder", lambda spec=None, cache_dir=None: FakeEncoder())
    code, _, err = run_cli("doctor", "--repair", "--workspace", str(ws))
    assert code == 0, err
    assert fingerprint(ws) == clean


def test_search_on_a_full_disk_answers_from_the_last_index(tmp_path, monkeypatch):
    from embeddings.index import VectorIndex

    ws = tmp_path / "ws"
    ingest(ws, *CORPUS_FILES[:2])
    run_cli("ingest", "--no-sync", *map(str, CORPUS_FILES[2:]), "--workspace", str(ws))
    monkeypatch.setattr(VectorIndex, "save", enospc)
    code, out, err = run_cli("search", QUERIES[0], "--json", "--workspace", str(ws))
    assert code == 0 and json.loads(out) and "磁盘已满" in err


def test_unexpected_failure_is_one_line_and_logged_in_the_workspace(tmp_path, monkeypatch):
    import ui.service.workspace as workspace

    ws = tmp_path / "ws"
    ingest(ws, corpus_file("001"))

    def boom(self):
        raise RuntimeError("simulated internal failure")
    monkeypatch.setattr(workspace.Workspace, "reports", boom)
    code, _, err = run_cli("reports", "--workspace", str(ws))
    assert code == 1 and len(err.strip().splitlines()) == 1
    log = ws / "logs" / "xuncha.log"
    assert str(log) in err and "程序内部错误" in err  # the exception's English stays in the log (issue 24)
    assert "Traceback" in log.read_text("utf-8") and "simulated internal failure" in log.read_text("utf-8")


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 1.2 MB tmpfs (needs mount rights: root in the dev container; skipped elsewhere)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(mnt)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (the injected ENOSPC tests cover the logic)")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)


def test_really_full_disk_reports_each_file_truthfully(tiny_disk):
    ws = tiny_disk / "ws"
    code, out, err = run_cli("ingest", "--no-sync", "--json", *map(str, CORPUS_FILES), "--workspace", str(ws))
    data = json.loads(out)
    errors = [o for o in data["outcomes"] if o["status"] == "error"]
    assert errors and all(o["code"] == "not_stored_io" and o["message"].endswith("磁盘已满") for o in errors)
    code, out, _ = run_cli("reports", "--json", "--workspace", str(ws))
    stored = {r["report_id"] for r in json.loads(out)}
    assert stored == {o["report_id"] for o in data["outcomes"] if o["status"] == "ingested"}
    assert data["summary"]["ingested"] == len(stored)
    code, _, err = run_cli("search", QUERIES[0], "--workspace", str(ws))   # no room for an index
    assert code == 1 and "磁盘已满" in err and len(err.strip().splitlines()) == 1

"""An upgrade that changes what is embedded per problem (the recipe, or the problem-type classifier's
stamp inside it) makes a full re-embed due; until it is committed, readers answer from the last build
when it can still answer, and say so with how many stored problems it lacks (docs/decisions.md,
"Upgrades that change the embedded text"). A build that cannot answer (another dimension or tokenizer,
no build, damaged files) is still synced first. Small data: two or three corpus reports, a fake encoder."""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from pathlib import Path

import pytest
from conftest import corpus_file, run_cli
from search_support import ZJJ, FakeEncoder, make_store

import embeddings.index_sync as index_sync
import reports.analysis.problemtypes as problemtypes
from embeddings.manifest import read_manifest
from embeddings.service import DOC_RECIPE, SearchService

QUERY = "理论学习流于形式"


@pytest.fixture
def earlier(tmp_path, corpus_reports, monkeypatch):
    """A store of reports 000 and 003 whose index an earlier version built (another recipe stamp)."""
    store = make_store(tmp_path, [corpus_reports["000"], corpus_reports["003"]])
    with monkeypatch.context() as mp:
        mp.setattr(index_sync, "recipe_stamp", lambda recipe: f"{recipe}@an-earlier-version")
        SearchService(tmp_path, store, encoder=FakeEncoder()).sync()
    yield tmp_path, store
    store.close()


def reader(root, store, encoder: FakeEncoder | None = None) -> SearchService:
    return SearchService(root, store, encoder=encoder or FakeEncoder())


def test_a_reader_answers_from_the_earlier_build_at_once_and_says_so(earlier, corpus_reports, caplog):
    root, store = earlier
    built = read_manifest(root / "search")
    encoder = FakeEncoder()
    service = reader(root, store, encoder)
    assert service.status()["reembed_due"] and service.status()["stale"]
    with caplog.at_level(logging.WARNING, logger="xuncha.search"):
        hits = service.search(QUERY, k=5)
    assert hits and len(encoder.encoded) == 1              # the query only: nothing was re-embedded
    assert read_manifest(root / "search") == built          # nor committed
    state = service.ensure_ready()
    assert state.pending is not None and state.pending.code == "index_reembed_due"
    assert state.pending.params["missing"] == 0
    assert "xuncha reindex" in state.pending.chinese() and "尚有 0 条问题未收录" in state.pending.chinese()
    warned = [r for r in caplog.records if getattr(r, "notice", None) is not None]
    assert [r.notice.code for r in warned] == ["index_reembed_due"]   # once, not per query
    service.search("公务接待不规范", k=3)
    assert len([r for r in caplog.records if getattr(r, "notice", None) is not None]) == 1

    added = corpus_reports["004"]                          # stored after that build (ingest --no-sync)
    store.add(added)
    hits = service.search(QUERY, k=50)
    assert hits and added.id not in {h["report_id"] for h in hits}
    state = service.ensure_ready()
    assert state.pending.params["missing"] == len(store.problem_keys([added.id])) > 0
    assert len(encoder.encoded) == 3                       # three queries, still no document

    summary = service.sync()                               # the re-embed (xuncha reindex, the app's background)
    assert summary["total"] == len(store.problem_keys())
    manifest = read_manifest(root / "search")
    assert manifest.doc_recipe == service.index.doc_stamp != built.doc_recipe
    assert not service.status()["stale"] and not service.status()["reembed_due"]
    state = service.ensure_ready()
    assert state.pending is None and state.table.size == len(store.problem_keys())
    assert any(h["report_id"] == added.id for h in service.search("三重一大", k=50))
    fresh = reader(root, store)                            # another process: a build of today, no notice
    assert fresh.ensure_ready().pending is None


def test_a_new_classifier_leaves_the_earlier_build_answering_with_its_own_types(tmp_path, corpus_reports,
                                                                                 monkeypatch):
    """The classifier's stamp is inside the recipe stamp and the search table's: the build as committed
    (its table's types included) answers; none of the store's rows is read for a table."""
    store = make_store(tmp_path, [corpus_reports["000"], corpus_reports["003"]])
    reader(tmp_path, store).sync()
    before = reader(tmp_path, store).search(QUERY, k=5)
    monkeypatch.setattr(problemtypes, "CLASSIFIER_VERSION", problemtypes.CLASSIFIER_VERSION + 1)
    problemtypes.types_version.cache_clear()
    try:
        service = reader(tmp_path, store)
        assert service.index.doc_stamp == f"{DOC_RECIPE}@{problemtypes.types_version()}"
        rows = []
        monkeypatch.setattr(store, "problem_rows", lambda *a, **k: rows.append(a) or [])
        assert service.search(QUERY, k=5) == before and not rows
        assert service.ensure_ready().pending.code == "index_reembed_due"
    finally:
        monkeypatch.undo()
        problemtypes.types_version.cache_clear()
    store.close()


def test_a_build_that_cannot_answer_is_synced_first(earlier):
    root, store = earlier
    wider = FakeEncoder(dim=32)                            # the same model name, vectors of another size
    service = reader(root, store, wider)
    assert service.ensure_ready().pending is None          # synced: no earlier build answered
    manifest = read_manifest(root / "search")
    assert manifest.dim == 32 and manifest.doc_recipe == service.index.doc_stamp
    assert len(wider.encoded) == len(store.problem_keys())


def test_another_tokenizer_or_a_damaged_build_is_synced_first(earlier):
    root, store = earlier
    path = root / "search" / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**data, "tokenizer": "an-earlier-tokenizer"}), "utf-8")
    encoder = FakeEncoder()
    assert reader(root, store, encoder).ensure_ready().pending is None
    assert len(encoder.encoded) == len(store.problem_keys())

    earlier_stamp = {**json.loads(path.read_text("utf-8")), "doc_recipe": "category+text"}
    path.write_text(json.dumps(earlier_stamp), "utf-8")     # due again, and now its vectors are damaged
    (root / "search" / earlier_stamp["files"]["vectors"]).write_bytes(b"not a faiss file")
    encoder = FakeEncoder()
    service = reader(root, store, encoder)
    assert service.search(QUERY, k=3) and service.ensure_ready().pending is None
    assert len(encoder.encoded) == len(store.problem_keys()) + 1


def test_a_failed_reembed_leaves_the_earlier_build_answering(earlier):
    """What a crash or kill in the middle of the re-embed leaves: the manifest and the files it names
    (a build is committed by writing its manifest last; embeddings/index_commit.py)."""
    root, store = earlier
    built = read_manifest(root / "search")
    expected = reader(root, store).search(QUERY, k=5)

    class Dies(FakeEncoder):
        def encode(self, texts, **kw):
            if len(texts) > 1:
                raise KeyboardInterrupt   # not an I/O fault: nothing catches it
            return super().encode(texts, **kw)

    with pytest.raises(KeyboardInterrupt):
        reader(root, store, Dies()).sync()
    assert read_manifest(root / "search") == built
    assert all((root / "search" / name).exists() for name in built.files.values())
    service = reader(root, store)
    assert service.search(QUERY, k=5) == expected and service.ensure_ready().pending is not None


# -- the command line ---------------------------------------------------------------------------------

@pytest.fixture
def earlier_workspace(tmp_path, monkeypatch):
    """A workspace of reports 000 and 003 ingested by an earlier version (another recipe stamp); every
    encoder the CLI loads is the fake one."""
    import embeddings.encoder as enc

    encoder = FakeEncoder()
    monkeypatch.setattr(enc, "load_encoder", lambda spec=None, cache_dir=None: encoder)
    ws = tmp_path / "ws"
    with monkeypatch.context() as mp:
        mp.setattr(index_sync, "recipe_stamp", lambda recipe: f"{recipe}@an-earlier-version")
        code, _, err = run_cli("ingest", str(corpus_file("000")), str(corpus_file("003")), "--workspace", str(ws))
    assert code == 0, err
    return ws


def test_cli_answers_from_the_earlier_build_warns_and_reindex_clears_it(earlier_workspace):
    ws = str(earlier_workspace)
    code, out, err = run_cli("search", QUERY, "--json", "-k", "3", "--workspace", ws)
    assert code == 0 and len(json.loads(out)) == 3
    assert "注意:检索索引由旧版本建立" in err and "尚有 0 条问题未收录" in err and "xuncha reindex" in err
    code, out, err = run_cli("similar", ZJJ, "1", "-k", "2", "--workspace", ws)
    assert code == 0 and "检索索引由旧版本建立" in err
    code, out, _ = run_cli("doctor", "--json", "--workspace", ws)
    search = next(c for c in json.loads(out)["checks"] if c["name"] == "search")
    assert code == 1 and search["state"] == "stale" and "重新编码" in search["message"]
    assert "an-earlier-version" in search["detail"]
    code, _, err = run_cli("doctor", "--workspace", ws)
    assert "向量索引" in err + _ and "xuncha reindex" in err + _

    code, _, err = run_cli("reindex", "--workspace", ws)
    assert code == 0, err
    code, out, err = run_cli("search", QUERY, "--json", "-k", "3", "--workspace", ws)
    assert code == 0 and json.loads(out) and "旧版本" not in err
    code, out, _ = run_cli("doctor", "--json", "--workspace", ws)
    assert next(c for c in json.loads(out)["checks"] if c["name"] == "search")["state"] == "ok"


# -- the app ------------------------------------------------------------------------------------------

APP = str(Path(__file__).resolve().parent.parent / "ui" / "web" / "app.py")


class Held(FakeEncoder):
    """Embeds documents only once ``go`` is set (queries, one text at a time, at once): the test looks at
    the app while its background re-embed is under way."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()

    def encode(self, texts, **kw):
        if not isinstance(texts, str) and len(texts) > 1:
            assert self.go.wait(120)
        return super().encode(texts, **kw)


@pytest.mark.slow
def test_app_answers_from_the_earlier_build_while_it_reembeds_in_the_background(tmp_path, monkeypatch):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    import embeddings.encoder as enc
    from ui.service.workspace import Workspace
    from ui.web import resources

    encoder = Held()
    monkeypatch.setattr(enc, "load_encoder", lambda spec=None, cache_dir=None: encoder)
    root = (tmp_path / "ws").resolve()
    with Workspace(root) as ws, monkeypatch.context() as mp:
        mp.setattr(index_sync, "recipe_stamp", lambda recipe: f"{recipe}@an-earlier-version")
        encoder.go.set()
        ws.ingest([corpus_file("000"), corpus_file("003")])
        ws.sync()
        encoder.go.clear()
    built = read_manifest(root / "search")
    monkeypatch.setenv("XUNCHA_HOME", str(root))

    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["相似问题检索"]          # the page, at once
    notice = [i.value for i in at.info if "检索索引正在为新版本重建" in i.value]
    assert notice and "尚有 0 条问题未收录" in notice[0]
    assert at.get("progress")                                      # the background re-embed's progress
    job = resources._rebuilds[str(root)]
    assert job.running
    at.text_area(key="search_q_input").input(QUERY)
    at.button[0].click()
    at.run()
    assert not at.exception and re.findall(r'<b title="([^"]*)">', "\n".join(m.value for m in at.markdown))
    assert read_manifest(root / "search") == built                  # answered from the earlier build
    assert resources.rebuild(str(root)) is job                      # one re-embed at a time
    at.switch_page("views/upload.py")
    at.run()
    assert at.button(key="remove_go").disabled                     # removals wait for the re-embed
    assert any("重建完成后才能删除报告" in c.value for c in at.caption)

    with Workspace(root) as other:                                  # stored meanwhile (ingest --no-sync)
        other.ingest([corpus_file("004")])
        added = other.store.problem_count() - built.count
    at.switch_page("views/search.py")
    at.run()
    assert any(f"尚有 {added} 条问题未收录" in i.value for i in at.info)

    encoder.go.set()
    deadline = time.monotonic() + 120
    while job.running:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert job.error is None
    manifest = read_manifest(root / "search")
    assert manifest.doc_recipe != built.doc_recipe
    at.run()                                                        # the sync after it takes in report 004
    assert not at.exception
    manifest = read_manifest(root / "search")
    assert manifest.count == built.count + added and resources.ready(resources.workspace(str(root)))
    assert not [i.value for i in at.info if "检索索引正在为新版本重建" in i.value] and not at.get("progress")
    assert re.findall(r'<b title="([^"]*)">', "\n".join(m.value for m in at.markdown))   # the new build answers


KILLED = """
import os, sys, time
sys.path[:0] = [{root!r}, {tests!r}]
import embeddings.encoder as enc
import embeddings.index_commit as index_commit
from search_support import FakeEncoder

def held(*args, **kwargs):   # every file of the new build written, its manifest not yet: killed here
    open(os.environ["REEMBED_MARKER"], "w").close()
    time.sleep(120)

index_commit.write_manifest = held
enc.load_encoder = lambda spec=None, cache_dir=None, encoder=FakeEncoder(): encoder
from ui.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_a_reembed_killed_before_its_commit_leaves_the_earlier_build_answering(earlier_workspace, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from conftest import ROOT, child_env

    ws, marker = earlier_workspace, tmp_path / "committing"
    built = read_manifest(ws / "search")
    before = set(os.listdir(ws / "search"))
    script = KILLED.format(root=str(ROOT), tests=str(ROOT / "tests"))
    proc = subprocess.Popen([sys.executable, "-c", script, "reindex", "--workspace", str(ws)], cwd=ROOT,
                            env={**child_env(), "REEMBED_MARKER": str(marker)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else "slow"
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert read_manifest(ws / "search") == built
    assert set(os.listdir(ws / "search")) > before               # the new build's files, never committed
    code, out, err = run_cli("search", QUERY, "--json", "-k", "3", "--workspace", str(ws))
    assert code == 0 and len(json.loads(out)) == 3 and "检索索引由旧版本建立" in err
    code, _, err = run_cli("reindex", "--workspace", str(ws))
    assert code == 0, err
    manifest = read_manifest(ws / "search")
    assert manifest.doc_recipe != built.doc_recipe
    assert set(os.listdir(ws / "search")) - {"manifest.json", ".lock"} == set(manifest.files.values())

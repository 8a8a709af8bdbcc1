"""The graph's catch-up in a child process (graph/sync_process.py, started by Workspace.sync through
GraphArtifact.start_beside) writes exactly the graph an in-process sync writes; a child that fails is
replaced by a sync in the writer; a sync that fails elsewhere still waits for the child."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import corpus_batch

from graph.sync_process import GraphSyncProcess
from ui.service.artifacts import GraphArtifact, SearchArtifact
from ui.service.ingest import POOL_MIN_FILES, WORKERS_ENV
from ui.service.workspace import Workspace


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> list[Path]:
    """The corpus and two edited copies (new reports: enough of them for a child process)."""
    files = corpus_batch(tmp_path_factory.mktemp("beside"))
    assert len(files) >= POOL_MIN_FILES
    return files


def _stored(root: Path, files: list[Path]) -> Workspace:
    ws = Workspace(root)
    assert all(o.status == "ingested" for o in ws.ingest(files))
    return ws


def _graph_rows(ws: Workspace) -> dict[str, list]:
    """Every table of graph.db but its meta (which counts versions), row for row."""
    conn = ws.graph.fragments.conn
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") if t != "meta"]
    return {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}"))) for t in tables}


def test_child_writes_the_graph_the_writer_would(batch, tmp_path, monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "0")
    with _stored(tmp_path / "here", batch) as here, _stored(tmp_path / "child", batch) as child:
        here.graph.sync()
        assert here.graph.lag() == ([], [])
        assert len(child.graph.lag()[0]) == len(batch)
        assert GraphSyncProcess(child.root).join()
        assert child.graph.lag() == ([], [])
        assert child.graph.fragments.generation() == child.store.generation()
        assert _graph_rows(child) == _graph_rows(here)
        assert child.graph.fragments.index_ready()


def test_worth_a_child_only_for_a_batch(batch, tmp_path, monkeypatch):
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    with _stored(tmp_path / "few", batch[: POOL_MIN_FILES - 1]) as ws:
        assert GraphArtifact(ws).start_beside() is None
    with _stored(tmp_path / "many", batch) as ws:
        monkeypatch.setenv(WORKERS_ENV, "1")      # "no worker processes" covers this one too
        assert GraphArtifact(ws).start_beside() is None
        monkeypatch.delenv(WORKERS_ENV)
        seen = []
        started = GraphArtifact(ws).start_beside(lambda stage, done, total: seen.append((stage, done, total)))
        if started is None:                       # a one-core machine
            assert len(ws.store.report_ids()) and seen == []
            return
        started.finish()
        assert seen == [("graph", 0, len(batch)), ("graph", len(batch), len(batch))]
        assert ws.graph.lag() == ([], [])


def test_a_failed_child_is_replaced_by_a_sync_here(batch, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(WORKERS_ENV, "2")
    with _stored(tmp_path / "ws", batch) as ws:
        monkeypatch.setattr(sys, "executable", "/bin/false")   # the child exits 1 at once
        started = GraphArtifact(ws).start_beside()
        started.finish()
        assert "graph sync in a child process failed (exit 1)" in caplog.text
        assert ws.graph.lag() == ([], [])
        assert started.wait() is False               # asked again: the same answer


def test_a_failing_sync_waits_for_its_child(batch, tmp_path, monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "2")

    def broken(self, progress=None, *, full=False):
        raise RuntimeError("index broke")

    monkeypatch.setattr(SearchArtifact, "rebuild", broken)
    with _stored(tmp_path / "ws", batch) as ws:
        with pytest.raises(RuntimeError, match="index broke"):
            ws.sync()
        # the child had finished before the error left sync (started ~1 s earlier, it would still run)
        assert set(ws.graph.fragments.report_ids()) == set(ws.store.report_ids())


def test_no_interpreter_to_start_means_a_sync_here(batch, tmp_path, monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "2")
    with _stored(tmp_path / "ws", batch) as ws:
        monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
        assert GraphArtifact(ws).start_beside() is None
        ws.sync()
        assert ws.graph.lag() == ([], [])

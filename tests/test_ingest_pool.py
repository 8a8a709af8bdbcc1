"""Ingest with worker processes stores exactly what ingest in one process stores, in the same order,
and a failing file or a dying worker costs only that file (ui/service/ingest.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import corpus_batch

from ui.service import ingest as ingest_module
from ui.service.ingest import POOL_MIN_FILES, WORKERS_ENV, pool_workers
from ui.service.workspace import Workspace


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> list[Path]:
    """The corpus, two edited copies (new reports, new ids: their problems are edited too, or the
    content fingerprint would make them duplicates) and an undecodable file in the middle."""
    folder = tmp_path_factory.mktemp("batch")
    files = corpus_batch(folder)
    bad = folder / "bad.txt"
    bad.write_bytes(bytes(range(256)) * 64)
    files.insert(3, bad)
    assert len(files) >= POOL_MIN_FILES
    return files


def _ingest(root: Path, files: list[Path], workers: str, monkeypatch) -> tuple[list, dict]:
    monkeypatch.setenv(WORKERS_ENV, workers)
    with Workspace(root) as ws:
        outcomes = ws.ingest(files)
        stored = {r["report_id"]: (r.get("unit"), len(ws.store.problem_rows([r["report_id"]])),
                                   sorted((m["type"], m["name"], m["role"] or "", m["span"])
                                          for m in ws.store.mentions(r["report_id"])))
                  for r in ws.reports()}
    return [(o.path, o.status, o.report_id, o.notice.code if o.notice else None) for o in outcomes], stored


def test_pool_stores_what_one_process_stores(batch, tmp_path, monkeypatch):
    serial = _ingest(tmp_path / "serial", batch, "0", monkeypatch)
    pooled = _ingest(tmp_path / "pooled", batch, "2", monkeypatch)
    assert pooled == serial
    statuses = [s for _, s, _, _ in serial[0]]
    assert statuses.count("ingested") == len(batch) - 1 and statuses[3] == "error"
    assert all(mentions for _, _, mentions in serial[1].values())
    again = _ingest(tmp_path / "pooled", batch, "2", monkeypatch)[0]   # duplicates found by the store
    assert [s for _, s, _, _ in again] == ["error" if s == "error" else "duplicate" for s in statuses]


def _die_on_copy(path: str):
    """A worker that dies (as one killed for memory would) on the first edited copy."""
    if "copy0_" in path:
        os._exit(3)
    return ingest_module.prepare(path, lambda: ingest_module.read_source(path))


def test_a_dying_worker_costs_only_its_file(batch, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_module, "_prepare_path", _die_on_copy)
    outcomes, stored = _ingest(tmp_path / "ws", batch, "2", monkeypatch)
    by_name = {Path(p).name: (status, code) for p, status, _, code in outcomes}
    dead = next(n for n in by_name if n.startswith("copy0_"))
    assert by_name[dead] == ("error", "worker_died")
    assert [Path(p).name for p, *_ in outcomes] == [p.name for p in batch]  # order kept, nothing dropped
    assert sum(s == "ingested" for s, _ in by_name.values()) == len(batch) - 2
    assert len(stored) == len(batch) - 2


def test_pool_size(monkeypatch):
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert pool_workers(POOL_MIN_FILES - 1) == 0
    assert pool_workers(100) in (0, *range(2, 9))       # 0 only on a one-core machine
    monkeypatch.setenv(WORKERS_ENV, "1")
    assert pool_workers(100) == 0
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert pool_workers(100) == 3 and pool_workers(2) == 2 and pool_workers(1) == 0

"""Atomic writes: a failed write leaves the previous file intact and no temp files behind."""
from __future__ import annotations

import os
import stat

import pytest

from reports.shared.atomic import atomic_path, write_json, write_text


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "graph.json"
    write_json(target, {"v": 1})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text('{"v": 2, "half', encoding="utf-8")
        raise RuntimeError("killed mid-write")
    assert target.read_text(encoding="utf-8") == '{"v":1}'
    assert [p.name for p in tmp_path.iterdir()] == ["graph.json"]


def test_write_replaces_and_creates_parents(tmp_path):
    target = tmp_path / "a" / "b.txt"
    write_text(target, "一")
    write_text(target, "二")
    assert target.read_text(encoding="utf-8") == "二"


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_new_files_respect_the_umask(tmp_path, umask):
    """Not mkstemp's 0600: a ledger written for colleagues must be readable as the umask allows."""
    old = os.umask(umask)
    try:
        target = write_text(tmp_path / "台账.csv", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_replacing_keeps_the_existing_mode(tmp_path):
    target = tmp_path / "graph.json"
    write_json(target, {"v": 1})
    target.chmod(0o640)
    write_json(target, {"v": 2})
    assert stat.S_IMODE(target.stat().st_mode) == 0o640

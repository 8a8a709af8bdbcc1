"""Atomic writes: a failed write leaves the previous file intact and no temp files behind."""
from __future__ import annotations

import pytest

from reports.atomic import atomic_path, write_json, write_text


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

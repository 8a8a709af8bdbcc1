"""Shared search-test helpers (not a test module): corpus report ids, a tiny deterministic encoder,
store building, the filter cases both search engines must honour, and a CLI runner."""
from __future__ import annotations

import itertools
import zlib
from pathlib import Path

import numpy as np

from embeddings.backends.base import Encoder

ZJJ = "fbe545c4025f9a17"     # 000 张家界市文联 (巡察, 市, 2020)
QY = "7b3e89d1d0a8cdd9"      # 001 庆阳市文联 (巡察, 市, 2022)
SD = "c5cdda18cb1b96e4"      # 002 山东省作协 (巡视, 省, 2021)
SZ = "62ec06aef35113f0"      # 003 桑植县政协 (巡察, 县, 2020)
YY = "7e881da2de6b8ab3"      # 004 益阳市文旅广体局 (巡察, 市, 2022)


class FakeEncoder(Encoder):
    """Character-bigram hashing: similar wording -> similar vectors. Counts what it encodes."""

    backend = "fake"

    def __init__(self, name: str = "fake-bigram", dim: int = 64) -> None:
        self.name, self.dim = name, dim
        self.encoded: list[str] = []

    def encode(self, texts, *, kind="query", batch_size=32, progress=None) -> np.ndarray:
        texts = [texts] if isinstance(texts, str) else list(texts)
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in itertools.pairwise(text):
                out[row, zlib.crc32((a + b).encode()) % self.dim] += 1.0
        if progress:
            progress("embed", len(texts), len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def make_store(root: Path, reports) -> object:
    from reports.store import Store

    store = Store(root / "xuncha.db")
    for report in reports:
        store.add(report)
    return store


def fake_loader(encoder):
    return lambda spec=None, cache_dir=None: encoder


FILTER_CASES = [
    ({"unit": "市文联"}, lambda h: h["unit_short"] in ("张家界市文联", "庆阳市文联")),
    ({"unit": "庆阳市文联"}, lambda h: h["report_id"] == QY),
    ({"type": "基层党建和组织生活"}, lambda h: "基层党建和组织生活" in h["types"]),
    ({"type": "collective", "unit": "桑植"}, lambda h: "民主集中制和议事决策" in h["types"] and h["report_id"] == SZ),
    ({"unit": "中共山东省作家协会党组"}, lambda h: h["report_id"] == SD),
    ({"level": "县"}, lambda h: h["report_id"] == SZ),
    ({"level": "市级"}, lambda h: h["report_id"] in (ZJJ, QY, YY)),
    ({"region": "张家界"}, lambda h: h["report_id"] in (ZJJ, SZ)),
    ({"year": 2022}, lambda h: h["year"] == 2022),
    ({"category": "意识形态"}, lambda h: "意识形态" in h["category"]),
    ({"kind": "巡视"}, lambda h: h["report_id"] == SD),
    ({"exclude_report": YY}, lambda h: h["report_id"] != YY),
    ({"unit": "市文联", "year": 2020}, lambda h: h["report_id"] == ZJJ),
]



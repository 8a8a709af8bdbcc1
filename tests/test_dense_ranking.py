"""The dense side of a search under a mask (embeddings/search.py, Searcher.dense_ranking): exact top
``n`` of the allowed rows whether it over-fetches unfiltered (a mask keeping most rows: headings
left out, a report excluded) or asks faiss for the allowed ids (narrow filters, or when the
over-fetch found too few); and a hit's JSON is asdict's. Timings: bench/bench_search.py."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex
from embeddings.search import OVERFETCH_MIN_SHARE, Hit, ProblemTable, Searcher

N, DIM = 2000, 32


class _Spy:
    """Records the ``allowed`` argument of each vector search."""

    def __init__(self, index: VectorIndex) -> None:
        self.index, self.calls = index, []

    def search(self, queries, k, allowed=None):
        self.calls.append(None if allowed is None else len(allowed))
        return self.index.search(queries, k, allowed=allowed)

    def __len__(self) -> int:
        return len(self.index)


@pytest.fixture(scope="module")
def corpus():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    rows = [{"report_id": f"r{i // 40}", "id": str(i % 40 + 1), "text": f"问题{i}"} for i in range(N)]
    table = ProblemTable(rows)
    return table, VectorIndex.build(table.uids, x, kind="flat"), x


def _searcher(corpus) -> tuple[Searcher, _Spy]:
    table, index, _ = corpus
    spy = _Spy(index)
    return Searcher(table, spy, LexicalIndex([[] for _ in range(table.size)])), spy


def _exact(x: np.ndarray, q: np.ndarray, mask: np.ndarray, n: int) -> list[int]:
    sims = np.where(mask, x @ q, -np.inf)
    order = np.argsort(-sims, kind="stable")
    return [int(i) for i in order[: min(n, int(mask.sum()))]]


def _mask(kind: str, x: np.ndarray, q: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(3)
    if kind == "most":            # like heading-only rows left out: 12% at random
        return rng.random(N) >= 0.12
    if kind == "nearest_out":     # the 300 nearest rows excluded: the over-fetch finds too few
        mask = np.ones(N, dtype=bool)
        mask[np.argsort(-(x @ q))[:300]] = False
        return mask
    if kind == "narrow":          # one unit's rows
        return rng.random(N) < 0.05
    raise ValueError(kind)


@pytest.mark.parametrize(("kind", "calls"), [("most", [None]), ("nearest_out", [None, "ids"]),
                                             ("narrow", ["ids"])])
def test_masked_dense_ranking_is_the_exact_allowed_top(corpus, kind, calls):
    searcher, spy = _searcher(corpus)
    _, _, x = corpus
    q = x[11] * 0.6 + x[12] * 0.4
    q = (q / np.linalg.norm(q)).astype(np.float32)
    mask = _mask(kind, x, q)
    assert (mask.mean() >= OVERFETCH_MIN_SHARE) == (kind != "narrow")
    pos, scores = searcher.dense_ranking(q, 100, mask)
    assert pos.tolist() == _exact(x, q, mask, 100)
    assert np.allclose(scores, x[pos] @ q, atol=1e-5)
    assert ["ids" if c is not None else None for c in spy.calls] == calls


def test_overfetch_returns_every_allowed_row_when_fewer_than_asked(corpus):
    x = corpus[2]
    small = ProblemTable([{"report_id": "r0", "id": str(i + 1), "text": "问题"} for i in range(30)])
    vectors = VectorIndex.build(small.uids, x[:30], kind="flat")
    searcher = Searcher(small, vectors, LexicalIndex([[] for _ in range(30)]))
    mask = np.ones(30, dtype=bool)
    mask[[2, 5, 7]] = False
    pos, _ = searcher.dense_ranking(x[0], 100, mask)
    assert sorted(pos.tolist()) == [i for i in range(30) if mask[i]]
    assert pos.tolist() == _exact(x[:30], x[0], mask, 100)


def test_hit_json_is_asdicts_with_the_contract_first_and_its_own_lists():
    hit = Hit(rank=1, score=0.7, report_id="r", unit="单位", problem_id="1", category="类", text="问题",
              measures=["措施一"], types=["理论学习"], matched_terms=["问题"], tier="high")
    out = hit.to_json()
    assert out == asdict(hit)
    assert list(out)[:4] == ["rank", "score", "tier", "report_id"]
    out["measures"].append("改了")
    assert hit.measures == ["措施一"]

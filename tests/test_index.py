"""Vector index (flat and IVF), stable ids, atomic saves, and the lexical side (tokens, BM25)."""
from __future__ import annotations

import numpy as np
import pytest

from embeddings.index import VectorIndex, choose_kind, ivf_nlist, problem_uid
from embeddings.lexical import PHRASES, LexicalIndex, get_tokenizer


def unit_vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(params=["flat", "ivf"])
def kind(request) -> str:
    return request.param


def test_problem_uid_is_stable_and_63_bit():
    uid = problem_uid("fbe545c4025f9a17", "1")
    assert uid == problem_uid("fbe545c4025f9a17", "1")
    assert 0 <= uid < 2 ** 63
    assert uid != problem_uid("fbe545c4025f9a17", "1.1")
    # the separator keeps ("a", "b.c") and ("a.b", "c") apart
    assert problem_uid("a", "b.c") != problem_uid("a.b", "c")


def test_kind_by_size():
    assert choose_kind(159) == "flat"
    assert choose_kind(100_000) == "flat"
    assert choose_kind(100_001) == "ivf"
    assert ivf_nlist(1_000_000) == 4096
    assert ivf_nlist(10) == 64


def test_search_add_remove_replace(kind):
    x = unit_vectors(3000)
    ids = np.arange(3000, dtype=np.int64) * 11 + 3
    index = VectorIndex.build(ids, x, kind=kind)
    assert len(index) == 3000
    scores, found = index.search(x[:3], 5)
    assert found[:, 0].tolist() == ids[:3].tolist()
    assert np.allclose(scores[:, 0], 1.0, atol=1e-5)

    assert index.remove([ids[0], 999_999]) == 1
    assert len(index) == 2999
    _, found = index.search(x[:1], 5)
    assert ids[0] not in found

    index.add([ids[1]], x[5:6])          # replace, not duplicate
    assert len(index) == 2999
    assert np.allclose(index.vectors([ids[1]]), x[5])
    assert set(index.ids().tolist()) == set(ids[1:].tolist())


def test_filtered_search_is_exact(kind):
    x = unit_vectors(3000, seed=1)
    ids = np.arange(3000, dtype=np.int64)
    index = VectorIndex.build(ids, x, kind=kind)
    allowed = ids[::97]
    scores, found = index.search(x[:2], 10, allowed=allowed)
    assert set(found.ravel().tolist()) <= set(allowed.tolist())
    expected = np.argsort(-(x[:2] @ x[allowed].T), axis=1)[:, :10]
    assert found.tolist() == allowed[expected].tolist()
    # fewer allowed than k: padded with -1 / -inf
    scores, found = index.search(x[:1], 5, allowed=ids[:2])
    assert found[0, 2:].tolist() == [-1, -1, -1] and np.isinf(scores[0, 2:]).all()
    _, found = index.search(x[:1], 5, allowed=np.zeros(0, np.int64))
    assert (found == -1).all()


def test_reused_allowed_array_keeps_filtering_exactly():
    """The selector built for a large ``allowed`` array is reused while the same array comes back
    (the unfiltered search's retrievable rows); another array gets its own, never the cached one."""
    x = unit_vectors(6000, seed=3)
    ids = np.arange(6000, dtype=np.int64)
    index = VectorIndex.build(ids, x, kind="flat")
    most = ids[ids % 10 != 0]     # large: goes through faiss with a selector, not the numpy subset
    few = ids[ids % 10 == 0]
    first = index.search(x[:3], 10, allowed=most)[1]
    again = index.search(x[:3], 10, allowed=most)[1]
    other = index.search(x[:3], 10, allowed=few)[1]
    assert first.tolist() == again.tolist() and (first % 10 != 0).all()
    assert (other % 10 == 0).all()
    expected = np.argsort(-(x[:3] @ x[most].T), axis=1)[:, :10]
    assert first.tolist() == most[expected].tolist()


def test_empty_index_search():
    index = VectorIndex(8)
    _, found = index.search(unit_vectors(1, 8), 3)
    assert found.tolist() == [[-1, -1, -1]]
    assert index.remove([1, 2]) == 0


def test_save_load_roundtrip(kind, tmp_path):
    x = unit_vectors(2000, seed=2)
    ids = np.arange(2000, dtype=np.int64) + 10 ** 12
    index = VectorIndex.build(ids, x, kind=kind)
    index.remove(ids[:10])
    path = tmp_path / "v.faiss"
    index.save(path)
    loaded = VectorIndex.load(path)
    assert loaded.kind == kind and len(loaded) == 1990
    _, a = index.search(x[20:25], 7)
    _, b = loaded.search(x[20:25], 7)
    assert a.tolist() == b.tolist()
    assert loaded.remove(ids[10:12]) == 2  # still mutable after a load


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    import faiss

    x = unit_vectors(50)
    ids = np.arange(50, dtype=np.int64)
    path = tmp_path / "v.faiss"
    VectorIndex.build(ids, x).save(path)
    before = path.read_bytes()

    def broken(index, name):
        with open(name, "wb") as fh:
            fh.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", broken)
    bigger = VectorIndex.build(np.arange(60, dtype=np.int64), unit_vectors(60))
    with pytest.raises(OSError, match="disk full"):
        bigger.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v.faiss"]  # no temp file left behind
    assert len(VectorIndex.load(path)) == 50


def test_ids_and_vectors_validated():
    index = VectorIndex(4)
    with pytest.raises(ValueError, match="dimension 4"):
        index.add([1], unit_vectors(1, 5))
    with pytest.raises(ValueError, match="duplicate"):
        index.add([1, 1], unit_vectors(2, 4))
    with pytest.raises(ValueError, match="kind"):
        VectorIndex(4, "hnsw")


# -- lexical ------------------------------------------------------------------------------------------

def test_tokenizer_keeps_formulaic_phrases_and_drops_noise():
    tok = get_tokenizer()
    tokens = tok.tokenize("机关支部“三会一课”制度落实不到位，落实“一岗双责”，执行中央八项规定。")
    for phrase in ("三会一课", "一岗双责", "八项规定"):
        assert phrase in tokens
    assert not any(t in tokens for t in ("“", "，", "。", "的", "不"))
    assert tok.tokenize("。，！？……") == []
    assert tok.tokenize("") == []


def test_private_tokenizer_leaves_global_jieba_alone():
    import jieba

    get_tokenizer()
    assert "三会一课" in PHRASES
    assert "三会一课" not in jieba.lcut("三会一课")  # the global dictionary was not changed


def test_bm25_scores_and_persistence(tmp_path):
    tok = get_tokenizer()
    docs = ["党支部三会一课制度落实不到位", "理论学习中心组学习流于形式", "财务报销手续不全", ""]
    index = LexicalIndex(tok.tokenize_many(docs))
    scores = index.scores(tok.tokenize("三会一课"))
    assert scores.argmax() == 0 and scores[0] > 0 and (scores[1:] == 0).all()
    assert (index.scores(tok.tokenize("完全无关的词汇")) == 0).all()
    index.save(tmp_path / "lex", np.arange(len(docs), dtype=np.int64))
    assert not list((tmp_path / "lex").glob("*.pkl"))
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert np.allclose(loaded.scores(tok.tokenize("中心组 学习")), index.scores(tok.tokenize("中心组 学习")))
    assert LexicalIndex([]).scores(["x"]).shape == (0,)

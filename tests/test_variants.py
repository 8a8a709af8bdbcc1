"""The ranking variants measured for issue 21 (bench/eval_variants.py, bench/thesaurus.py) do what their
figures claim: only 词林's equal-synonym groups expand, only words the corpus never uses, only into words
it uses; several views of a problem are fused per candidate (max or weighted mean of per-view z)."""
from __future__ import annotations

import numpy as np
import pytest

from bench.eval_variants import VariantSearcher, view_text
from bench.thesaurus import EQUAL, MAX_GROUP, RELATED, Thesaurus, cilin_path
from embeddings.calibration import Background
from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex
from embeddings.search import ProblemTable

# 词林's shape: level letters, two-digit and letter codes, leaf groups whose code ends in = # or @
TREE = {"A": {"tag": "人", "sub": {"a": {"tag": "", "sub": {"01": {"tag": "", "sub": {"A": {"tag": "", "sub": {
    "01=": ["敷衍", "应付", "搪塞", "对付"],
    "02#": ["食堂", "饭厅", "餐厅"],
    "03@": ["涣散"],
    "04=": ["口", "人口", "口"],
    "05=": [f"词{i:02d}" for i in range(MAX_GROUP + 1)],
}}}}}}}}}


def test_only_equal_groups_of_two_characters_or_more_by_default():
    th = Thesaurus.from_tree(TREE)
    assert set(th.synonyms("敷衍")) == {"应付", "搪塞", "对付"}
    assert th.synonyms("食堂") == ()                 # '#': related, not synonyms
    assert th.synonyms("涣散") == ()                 # '@': a word alone
    assert th.synonyms("人口") == ()                 # the single character 口 is dropped, leaving no group
    assert th.synonyms("词00") == ()                 # a group larger than MAX_GROUP is a loose list


def test_related_groups_only_when_asked():
    th = Thesaurus.from_tree(TREE, EQUAL + RELATED)
    assert set(th.synonyms("食堂")) == {"饭厅", "餐厅"}


def test_expansion_replaces_only_words_the_corpus_never_uses():
    th = Thesaurus.from_tree(TREE)
    corpus = {"应付", "搪塞", "整改"}
    known = lambda words: [w for w in words if w in corpus]  # noqa: E731 - the corpus vocabulary as a filter
    # 敷衍 is absent: its synonyms the corpus uses stand in (对付 is not in the corpus, so not added)
    assert th.expand(["整改", "敷衍"], known) == ["应付", "搪塞"]
    # a query word the corpus uses is never expanded, and a synonym already in the query is not added
    assert th.expand(["应付"], known) == []
    assert th.expand(["敷衍", "应付"], known) == ["搪塞"]


@pytest.mark.skipif(cilin_path() is None, reason="the `cilin` package (optional extra `bench`) is not installed")
def test_the_packages_thesaurus_reads_as_equal_groups():
    th = Thesaurus.load()
    assert len(th.synonyms_of) > 10_000
    assert "补贴" in th.synonyms("津贴")
    assert all(len(w) >= 2 for w in th.synonyms("食堂"))


def _table() -> ProblemTable:
    rows = [{"report_id": "r1", "id": str(i), "text": t, "measures": [], "category": "纪律", "types": ty}
            for i, (t, ty) in enumerate([("应付整改", []), ("食堂管理", ["八项规定"]), ("学习不深", [])], start=1)]
    return ProblemTable(rows)


def _searcher(views, fusion="max", thesaurus=None) -> VariantSearcher:
    table = _table()
    base = np.eye(3, 4, dtype=np.float32)
    docs = [["应付", "整改"], ["食堂", "管理"], ["学习"]]
    return VariantSearcher(table, VectorIndex.build(table.uids, base, kind="flat"), LexicalIndex(docs),
                           views=[(v, Background.of(v), w) for v, w in views], fusion_of_views=fusion,
                           thesaurus=thesaurus, vocabulary=frozenset(w for d in docs for w in d))


def test_views_are_fused_per_candidate():
    primary = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32)
    second = np.array([[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=np.float32)  # row 2 only matches q here
    q = np.array([0, 0, 0, 1], dtype=np.float32)
    alone = _searcher([(primary, 1.0)])
    best = _searcher([(primary, 1.0), (second, 1.0)], "max")
    z_primary, z_second = (Background.of(v).z(q, v @ q) for v in (primary, second))
    assert np.allclose(alone.fused_z(q), z_primary)
    assert np.allclose(best.fused_z(q), np.maximum(z_primary, z_second))
    weighted = _searcher([(primary, 1.0), (second, 0.25)], "mean")
    assert np.allclose(weighted.fused_z(q), (z_primary + 0.25 * z_second) / 1.25)
    pos, _ = best.dense_ranking(q, 1, None)
    assert pos.tolist() == [1]   # the row the second view matches comes first


def test_expansion_adds_weighted_bm25_of_synonyms():
    th = Thesaurus.from_tree(TREE)
    s = _searcher([], thesaurus=th)
    plain = s.lexical.scores(["应付"])
    scores = s.lexical_scores(["敷衍"], None)   # 敷衍 is not in the corpus; 应付 is
    assert s.expansion(["敷衍"]) == ["应付"]
    assert np.allclose(scores, s.expansion_weight * plain) and scores[0] > 0 and scores[1] == 0
    assert s.lexical_scores(["应付"], None).tolist() == plain.tolist()  # a known word: no expansion


def test_type_view_puts_the_types_before_the_text():
    t = _table()
    assert view_text(t, 1, "types+text") == "八项规定：食堂管理"
    assert view_text(t, 0, "types+text") == "应付整改"
    assert view_text(t, 1, "category+types+text") == "纪律、八项规定：食堂管理"

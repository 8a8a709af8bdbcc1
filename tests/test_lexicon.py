"""The concept matcher: every form found wherever it occurs (overlapping, nested, shared between
concepts), each concept once, in lexicon order, after the same normalisation as the text."""
from __future__ import annotations

from conftest import CORPUS_FILES

from embeddings.lexicon import Concept, Lexicon, _norm, default_lexicon


def _lexicon() -> Lexicon:
    return Lexicon([
        Concept("c1", "民主集中制", ("一把手说了算", "民主集中制"), "rule"),
        Concept("c2", "主要负责人", ("一把手", "主要负责人"), "rule"),
        Concept("c3", "三重一大", ("三重一大", "重大事项"), "rule"),
        Concept("c4", "重大", ("重大",), "rule"),
    ])


def test_nested_and_overlapping_forms_each_give_their_concept_once_in_lexicon_order():
    lex = _lexicon()
    # 一把手说了算 contains 一把手; 重大事项 contains 重大; the text names c3's form twice
    assert lex.tokens("重大事项由一把手说了算，重大事项未集体研究") == ["#c1", "#c2", "#c3", "#c4"]
    assert lex.tokens("主要负责人") == ["#c2"]
    assert lex.tokens("没有任何概念") == []
    assert lex.tokens("") == []


def test_text_is_normalised_like_the_forms():
    lex = Lexicon([Concept("x", "ABC", ("ＡＢＣ制度",), "rule")])  # full-width form
    assert lex.tokens("abc制度执行不到位") == ["#x"]             # NFKC + lower on both sides


def test_one_form_shared_by_two_concepts_gives_both():
    lex = Lexicon([Concept("a", "甲", ("议事规则",), "r"), Concept("b", "乙", ("议事规则", "规则"), "r")])
    assert lex.tokens("修订议事规则") == ["#a", "#b"]
    assert lex.labels(lex.tokens("修订议事规则")) == ["甲", "乙"]


def test_shipped_lexicon_matches_a_substring_scan_on_the_corpus():
    lex = default_lexicon()
    lines = [line for path in CORPUS_FILES for line in path.read_text("utf-8").splitlines() if line.strip()]
    hits = 0
    for line in lines:
        text = _norm(line)
        expected = {token for form, token in lex._forms if form in text}
        assert set(lex.tokens(line)) == expected, line
        hits += bool(expected)
    assert hits > 100  # the corpus does exercise the lexicon

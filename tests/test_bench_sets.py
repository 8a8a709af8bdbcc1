"""The bench's set selector keeps the held-out authors' (A, T) queries out of a tuning run (bench.eval_shipped --sets), and the
lexicon merge (bench/lexicon_merge.py) adds an outside author's concepts and forms by its stated rules only."""
from __future__ import annotations

import pytest

from bench.eval_shipped import SET_KEYS, query_sets, select_sets
from bench.lexicon_merge import merge
from embeddings.lexicon import Lexicon


def test_minus_independent_is_every_set_but_the_held_out_ones():
    names = select_sets("-independent")
    assert "independent" not in names and "author T" not in names   # a tuning run never reads them
    assert names == frozenset(SET_KEYS.values()) - {"independent", "author T"}
    assert select_sets("-b") == frozenset(SET_KEYS.values()) - {"independent", "author T", "author B"}
    assert select_sets("t") == {"author T"}
    assert select_sets(None) == frozenset(SET_KEYS.values())
    assert select_sets("b,i,lexical") == {"author B", "author I", "team lexical"}


@pytest.mark.parametrize("spec", ["x", "b,-independent", "-nobody"])
def test_a_wrong_set_spec_is_refused(spec):
    with pytest.raises(SystemExit):
        select_sets(spec)


def test_a_set_left_out_is_not_read():
    # no corpus rows: any set that were read would fail to match its judgements
    assert [qs.name for qs in query_sets([], select_sets("-independent,-b,-d,-g,-i,-paraphrase,-lexical"))] == \
        ["team off-domain"]


BASE = {"version": 1, "what": "w", "how_built": "base.",
        "concepts": [{"id": "fees", "label": "收费", "forms": ["乱收费", "收费"], "source": "s"}]}
EXTENSION = {"how_built": "blind.", "concepts": [
    {"id": "fees", "forms": ["乱收费", "违规收费", "收钱"]},                  # an existing id: extra forms only
    {"id": "slush", "label": "小金库", "forms": ["小金库", "账外资金"], "source": "t"},
    {"id": "team", "label": "班子", "forms": ["班子"], "source": "u"}]}


def test_merge_adds_concepts_and_forms_once_and_states_its_rule():
    merged, dropped = merge(BASE, EXTENSION)
    by_id = {c["id"]: c for c in merged["concepts"]}
    assert by_id["fees"]["forms"] == ["乱收费", "收费", "违规收费", "收钱"]
    assert by_id["slush"]["forms"] == ["小金库", "账外资金"] and not dropped
    assert "every form kept" in merged["how_built"] and merged["how_built"].startswith("base.")
    assert Lexicon.from_json(merged).tokens("私设小金库") == ["#slush"]


def test_merge_drops_forms_by_length_or_corpus_share_only():
    merged, dropped = merge(BASE, EXTENSION, min_chars=3)
    assert {c["id"] for c in merged["concepts"]} == {"fees", "slush"}   # 班子 had no form left
    assert sorted(d.split()[0] for d in dropped) == ["收钱", "班子"]
    texts = ["领导班子不团结", "班子成员分工", "小金库"]
    merged, dropped = merge(BASE, EXTENSION, max_share=0.5, texts=texts)
    assert [d.split()[0] for d in dropped] == ["班子"]
    assert "more than 50%" in merged["how_built"]

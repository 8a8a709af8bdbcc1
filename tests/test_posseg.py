"""reports.grammar.posseg must tag exactly as jieba.posseg.cut does (it replaces it for speed)."""
from __future__ import annotations

import random

import pytest
from conftest import CORPUS_FILES

from reports.grammar.posseg import pos_tags, viterbi


def _jieba(text: str) -> list[tuple[str, str]]:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    return [(p.word, p.flag) for p in jieba.posseg.cut(text)]


@pytest.mark.parametrize("path", CORPUS_FILES[:3], ids=lambda p: p.name[:3])
def test_same_tags_as_jieba_on_corpus(path):
    text = path.read_text("utf-8")
    assert pos_tags(text) == _jieba(text)


def test_line_breaks_and_mixed_scripts():
    # \r\n, blank lines, ASCII, digits, full-width spaces and a name jieba's HMM has to find
    text = "一、\r\n彭义同志主持会议，研究2024年度整改 工作。\n\n　　ABC-12.5万元；\n张晓梅负责\n末行无换行"
    assert pos_tags(text) == _jieba(text)
    assert "".join(w for w, _ in pos_tags(text)) == text


def test_viterbi_matches_jieba_on_random_runs():
    from jieba.posseg import char_state_tab_P, emit_P, start_P, trans_P
    from jieba.posseg.viterbi import viterbi as slow

    rng = random.Random(7)
    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
    for _ in range(200):
        obs = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert viterbi(obs) == slow(obs, char_state_tab_P, start_P, trans_P, emit_P), obs


def test_unknown_characters_follow_jieba():
    # characters without an entry in jieba's char-state table (all states allowed, emission floor)
    obs = "龘靐齉爩"
    from jieba.posseg import char_state_tab_P, emit_P, start_P, trans_P
    from jieba.posseg.viterbi import viterbi as slow
    assert viterbi(obs) == slow(obs, char_state_tab_P, start_P, trans_P, emit_P)

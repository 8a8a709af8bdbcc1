"""jieba part-of-speech tagging, fast and identical to ``jieba.posseg.cut``.

Entity extraction tags every report with ``jieba.posseg``; its pure-Python Viterbi over 256 HMM
states was ~80% of ingest time outside the encoder. Here the same Viterbi runs on numpy arrays
(same additions in the same order, same tie-breaking, so the same tags), and text is tagged line by
line with a cache, so boilerplate repeated across reports is tagged once. A line break always ends
one of jieba's blocks, which is why per-line tagging gives exactly the whole-text result
(tests/test_posseg.py checks both claims on the corpus). See docs/decisions.md ("Fast ingest").
"""
from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
from threading import Lock

import numpy as np

__all__ = ["pos_tags", "viterbi"]

_MIN_FLOAT = -3.14e100  # jieba.posseg.viterbi's constants
_LINE_CACHE_SIZE = 50_000
_EMIT_CACHE_SIZE = 20_000


class _Model:
    """jieba's posseg HMM as arrays; states sorted like Python sorts the (BMES, tag) tuples."""

    def __init__(self) -> None:
        from jieba.posseg.char_state_tab import P as char_states
        from jieba.posseg.prob_emit import P as emit
        from jieba.posseg.prob_start import P as start
        from jieba.posseg.prob_trans import P as trans

        self.states = sorted(trans.keys())
        index = {s: i for i, s in enumerate(self.states)}
        n = len(self.states)
        self.index = index
        self.start = np.array([start[s] for s in self.states], dtype=np.float64)
        self.trans = np.full((n, n), -np.inf, dtype=np.float64)
        self.next_mask = np.zeros((n, n), dtype=bool)
        for s, row in trans.items():
            for t, p in row.items():
                self.trans[index[s], index[t]] = p
                self.next_mask[index[s], index[t]] = True
        self.has_next = np.array([bool(trans[s]) for s in self.states])
        self._emit = emit
        self._char_states = char_states
        self._all = np.ones(n, dtype=bool)
        self._emit_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._mask_cache: dict[str, np.ndarray] = {}
        self._lock = Lock()

    def emit(self, ch: str) -> np.ndarray:
        with self._lock:
            row = self._emit_cache.get(ch)
            if row is None:
                row = np.array([self._emit[s].get(ch, _MIN_FLOAT) for s in self.states], dtype=np.float64)
                self._emit_cache[ch] = row
                if len(self._emit_cache) > _EMIT_CACHE_SIZE:
                    self._emit_cache.popitem(last=False)
            return row

    def allowed(self, ch: str) -> np.ndarray:
        """States the character may take (all states for a character jieba has no entry for)."""
        mask = self._mask_cache.get(ch)
        if mask is None:
            listed = self._char_states.get(ch)
            if listed is None:
                return self._all
            mask = np.zeros(len(self.states), dtype=bool)
            mask[[self.index[s] for s in listed]] = True
            self._mask_cache[ch] = mask
        return mask


@lru_cache(maxsize=1)
def _model() -> _Model:
    return _Model()


def viterbi(obs: str) -> tuple[float, list[tuple[str, str]]]:
    """``jieba.posseg.viterbi.viterbi(obs, char_state_tab_P, start_P, trans_P, emit_P)``, vectorised.

    max over (probability, state) tuples in jieba breaks ties towards the larger state; with states
    in sorted order that is the last maximum, hence the reversed argmax below.
    """
    m = _model()
    n = len(m.states)
    active = m.allowed(obs[0]).copy()
    score = np.full(n, -np.inf)
    score[active] = m.start[active] + m.emit(obs[0])[active]
    back: list[np.ndarray] = []
    for ch in obs[1:]:
        prev = np.flatnonzero(active & m.has_next)
        expect = m.next_mask[prev].any(axis=0)
        cand = m.allowed(ch) & expect
        if not cand.any():
            cand = expect if expect.any() else m._all
        cols = np.flatnonzero(cand)
        total = (score[prev][:, None] + m.trans[np.ix_(prev, cols)]) + m.emit(ch)[cols][None, :]
        best = len(prev) - 1 - np.argmax(total[::-1], axis=0)
        new = np.full(n, -np.inf)
        new[cols] = total[best, np.arange(len(cols))]
        pointer = np.full(n, -1, dtype=np.int64)
        pointer[cols] = prev[best]
        back.append(pointer)
        score, active = new, cand
    last = np.flatnonzero(active)
    state = int(last[len(last) - 1 - np.argmax(score[last][::-1])])
    prob = float(score[state])
    route = [0] * len(obs)
    for i in range(len(obs) - 1, -1, -1):
        route[i] = state
        if i:
            state = int(back[i - 1][state])
    return prob, [m.states[s] for s in route]


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba
    import jieba.posseg

    class _FastPOSTokenizer(jieba.posseg.POSTokenizer):
        """jieba's POSTokenizer with the Viterbi step (its private ``__cut``) on numpy."""

        def __init__(self, base) -> None:  # share the default tokenizer and its tag table
            self.tokenizer = base.tokenizer
            self.word_tag_tab = base.word_tag_tab

        def _POSTokenizer__cut(self, sentence):  # overrides the name-mangled private method
            _prob, pos_list = viterbi(sentence)
            begin, nexti = 0, 0
            for i, char in enumerate(sentence):
                pos = pos_list[i][0]
                if pos == "B":
                    begin = i
                elif pos == "E":
                    yield jieba.posseg.pair(sentence[begin:i + 1], pos_list[i][1])
                    nexti = i + 1
                elif pos == "S":
                    yield jieba.posseg.pair(char, pos_list[i][1])
                    nexti = i + 1
            if nexti < len(sentence):
                yield jieba.posseg.pair(sentence[nexti:], pos_list[nexti][1])

    jieba.setLogLevel(60)
    return _FastPOSTokenizer(jieba.posseg.dt)


@lru_cache(maxsize=_LINE_CACHE_SIZE)
def _line_tags(line: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.word, p.flag) for p in _tokenizer().cut(line))


def pos_tags(text: str) -> list[tuple[str, str]]:
    """(word, flag) pairs of ``jieba.posseg.cut(text)``; the words concatenate back to ``text``."""
    out: list[tuple[str, str]] = []
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        out.extend(_line_tags(text[start:end]))
        start = end
    return out

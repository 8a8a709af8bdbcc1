"""Word boundaries and name tags (jieba), cached per text because every extractor pass needs them."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str
    flag: str


class _Segmentation:
    """jieba tokens with offsets: word boundaries and person-name (nr*) tags."""

    def __init__(self, text: str) -> None:
        from reports.grammar.posseg import pos_tags  # jieba.posseg's tags, vectorised and cached per line

        self.tokens: list[_Token] = []
        pos = 0
        for word, flag in pos_tags(text):
            self.tokens.append(_Token(pos, pos + len(word), word, flag))
            pos += len(word)
        self.by_start = {t.start: t for t in self.tokens}
        self.by_end = {t.end: t for t in self.tokens}

    def is_boundary(self, pos: int) -> bool:
        return pos in self.by_start or pos in self.by_end

    def tokens_in(self, start: int, end: int) -> list[_Token]:
        """Tokens lying wholly inside [start, end)."""
        out, pos = [], start
        while pos < end and pos in self.by_start and self.by_start[pos].end <= end:
            out.append(self.by_start[pos])
            pos = self.by_start[pos].end
        return out


@lru_cache(maxsize=8)
def _segment(text: str) -> _Segmentation:
    return _Segmentation(text)


@lru_cache(maxsize=1)
def _jieba_words() -> dict[str, int]:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba.dt.FREQ

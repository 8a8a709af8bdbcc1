"""Character normalisation with an exact offset map back to the source text (no NFKC).
See docs/decisions.md (Reading, One text, one map)."""
from __future__ import annotations

import itertools
import json
import re
import unicodedata
from bisect import bisect_right
from typing import Any

from reports.grammar import CJK

__all__ = ["PINYIN_GLOSS", "OffsetMap", "display_width", "normalize", "normalize_chars"]

_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_NEWLINES = "\u000b\u000c\u0085\u2028\u2029"
# Invisible format characters: zero-width space/joiners, word joiner, BOM, soft hyphen, bidi marks.
_DROP = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or a fixed-width page: wide (CJK) characters two, others one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _build_table() -> dict[int, str]:
    """Per-character replacements; '' means drop. \\r is handled separately (\\r\\n is two chars)."""
    table: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    table.update({ord(c): " " for c in _SPACES})
    table.update({ord(c): "\n" for c in _NEWLINES})
    table.update({ord(c): "" for c in _DROP})
    # Other C0/C1 controls are debris from converters; tab and newline are real structure.
    for cp in list(range(0x20)) + list(range(0x7F, 0xA0)):
        if chr(cp) not in "\t\n\r" and cp not in table:
            table[cp] = ""
    return table


_TABLE = _build_table()


class OffsetMap:
    """Maps indices in normalised text back to indices in the original text.

    Every kept character of the normalised text comes from exactly one original character
    (replacements are 1:1, everything else is a deletion), so the map is a sorted list of
    anchors ``(text_index, original_index)``: from an anchor on, both advance together until
    the next anchor. It stays small (one anchor per run of deletions) and is plain JSON.
    """

    __slots__ = ("_o", "_t", "original_len", "text_len")

    def __init__(self, anchors: list[tuple[int, int]], text_len: int, original_len: int) -> None:
        pairs = sorted(anchors)
        if not pairs or pairs[0][0] != 0:
            pairs.insert(0, (0, 0))
        self._t = [t for t, _ in pairs]
        self._o = [o for _, o in pairs]
        self.text_len = text_len
        self.original_len = original_len

    @property
    def anchors(self) -> list[tuple[int, int]]:
        return list(zip(self._t, self._o, strict=False))

    def to_original(self, i: int) -> int:
        """Original index of text[i]; i == len(text) maps to len(original)."""
        if not 0 <= i <= self.text_len:
            raise IndexError(f"text index {i} out of range 0..{self.text_len}")
        if i == self.text_len:
            return self.original_len
        k = bisect_right(self._t, i) - 1
        return self._o[k] + (i - self._t[k])

    def span_to_original(self, span: tuple[int, int]) -> tuple[int, int]:
        """Tight original span: starts at text[s]'s source and ends just after text[e-1]'s."""
        start, end = span
        if end < start:
            raise ValueError(f"bad span {span}")
        if start == end:
            pos = self.to_original(start)
            return pos, pos
        return self.to_original(start), self.to_original(end - 1) + 1

    def to_dict(self) -> dict[str, Any]:
        return {"v": 1, "anchors": [[t, o] for t, o in self.anchors],
                "text_len": self.text_len, "original_len": self.original_len}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str | dict[str, Any]) -> OffsetMap:
        obj = json.loads(data) if isinstance(data, str) else data
        return cls([(int(t), int(o)) for t, o in obj["anchors"]], int(obj["text_len"]),
                   int(obj["original_len"]))

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        return cls([(0, 0)], length, length)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OffsetMap) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((tuple(self._t), tuple(self._o), self.text_len, self.original_len))

    def __repr__(self) -> str:
        return f"OffsetMap(anchors={len(self._t)}, text_len={self.text_len}, original_len={self.original_len})"


# Crawler noise: a pinyin gloss after a character, 衛(wèi)生 -> 衛生, 統（tǒng）, 領(lǐng)導(dǎo). A syllable with a
# tone mark (precomposed or combining), a tone digit, or written with ɑ/ɡ right after a Chinese
# character counts, so (a) or (ABC) stay; several syllables may share one gloss (wèi shēng).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_COMBINING = "\u0300\u0301\u0304\u030c\u0308"
_LETTER = f"a-zü{_TONED}{_COMBINING}\u0251\u0261"
_SYLLABLE = f"[{_LETTER}]{{1,8}}[1-5]?"
PINYIN_GLOSS = (rf"(?<=[{CJK}])[ ]?[(（](?=[a-zü\u0251\u0261]*[{_TONED}{_COMBINING}1-5\u0251\u0261])"
                rf"{_SYLLABLE}(?:[ ']{_SYLLABLE}){{0,3}}[)）]")
# A gloss without a tone (們(men), 麼(me), 瞭(le): the neutral tone) is noise only after a character
# that is Traditional: elsewhere a bracketed Latin word may be the text's own.
_TONELESS = re.compile(rf"(?<=[{CJK}])[(（](?P<s>[a-zü]{{1,6}})[)）]")
_PINYIN_SYLLABLE = re.compile(
    r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?(?:a|o|e|ai|ei|ao|ou|an|en|ang|eng|ong|er|i|ia|ie|iao|iu|ian|in|iang"
    r"|ing|iong|u|ua|uo|uai|ui|uan|un|uang|ü|üe|üan|ün|ue|v|ve)")


GLOSSED_PAGE = 3
_GLOSS_RE = re.compile(PINYIN_GLOSS)


def _toneless_glosses(text: str) -> list[tuple[int, int]]:
    """Spans of neutral-tone glosses: after a Traditional character (t2s changes it), or anywhere on
    a page that glosses (at least GLOSSED_PAGE toned glosses: 瞭(le) where 瞭 is also Simplified)."""
    glossed = len(list(itertools.islice(_GLOSS_RE.finditer(text), GLOSSED_PAGE))) >= GLOSSED_PAGE
    spans = []
    for m in _TONELESS.finditer(text):
        if _PINYIN_SYLLABLE.fullmatch(m["s"]) and (glossed or _is_traditional_char(text[m.start() - 1])):
            spans.append((m.start(), m.end()))
    return spans


def _is_traditional_char(ch: str) -> bool:
    from .script import _converter  # OpenCC t2s, loaded once; only pages with such glosses get here
    return _converter().convert(ch) != ch


def _drop_pattern() -> re.Pattern[str]:
    """What vanishes: table entries mapping to '', the \\r of every \\r\\n, pinyin glosses."""
    dropped = "".join(re.escape(chr(cp)) for cp, rep in sorted(_TABLE.items()) if rep == "")
    return re.compile(f"(?:[{dropped}]|\\r(?=\\n)|{PINYIN_GLOSS})+")


_DROP_RE = _drop_pattern()
_KEEP_TABLE = {cp: rep for cp, rep in _TABLE.items() if rep} | {ord("\r"): "\n"}


def normalize(original: str) -> tuple[str, OffsetMap]:
    """Return (normalised text, map back to `original`).

    Full-width ASCII (U+FF01-FF5E) -> ASCII; Unicode spaces (U+3000, NBSP, ...) -> ' ';
    \\r\\n and \\r -> \\n; zero-width characters, BOM, stray controls and pinyin glosses dropped.
    Everything else, including 、。《》“”〔〕①, is kept as written. Deletions are found with one regex
    (plus the rare toneless gloss) and replacements are 1:1 (str.translate), so a 20 MB file
    normalises in well under a second.
    """
    drops = [(m.start(), m.end()) for m in _DROP_RE.finditer(original)]
    if "(" in original or "（" in original:
        drops = _merge(drops + _toneless_glosses(original))
    anchors: list[tuple[int, int]] = [(0, 0)]
    removed = 0
    kept, last = [], 0
    for start, end in drops:
        kept.append(original[last:start])
        last = end
        removed += end - start
        t = end - removed
        if anchors[-1][0] == t:
            anchors[-1] = (t, end)
        else:
            anchors.append((t, end))
    kept.append(original[last:])
    text = "".join(kept).translate(_KEEP_TABLE)
    return text, OffsetMap(anchors, len(text), len(original))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping deletion spans (adjacent ones stay separate: the map handles both)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def normalize_chars(s: str) -> str:
    """Normalised text without the map, for matching short strings (e.g. noise lines)."""
    if "(" in s or "（" in s:
        return normalize(s)[0]  # a toneless gloss needs its context
    return _DROP_RE.sub("", s).translate(_KEEP_TABLE)

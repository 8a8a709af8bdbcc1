"""Small shared vocabulary of report language, one definition each: CJK ranges, committee levels,
inspection kinds, party-organ tails. See docs/decisions.md (Reading reports nobody here has seen)."""
from __future__ import annotations

import re

from .numerals import CN_NUM_CLASS

__all__ = ["CJK", "CJK_COMPAT", "CJK_RE", "CJK_SYMBOLS", "COMMITTEES", "HAN", "HAN_RE", "INSPECTION_KIND", "NUMBER",
           "PARTY_ORGAN", "PARTY_ORGAN_TAIL", "WORDY", "is_cjk", "strip_party"]

# The basic block of unified ideographs: all common hanzi (every GB2312 character is here). Counting
# "real Chinese" uses this alone: text decoded with the wrong codec lands in extension A as well.
HAN = "\u4e00-\u9fff"
HAN_RE = re.compile(f"[{HAN}]")
# The unified ideographs reports are written in (extension A plus the basic block).
CJK = f"\u3400-\u4dbf{HAN}"
CJK_RE = re.compile(f"[{CJK}]")
# Compatibility ideographs: PDF text layers and some fonts map ordinary hanzi here.
CJK_COMPAT = "\uf900-\ufaff"
# Set solid with hanzi but not ideographs: radicals, CJK punctuation, kana, enclosed forms (U+2E80-33FF),
# Yijing hexagrams (U+4DC0-4DFF) and full-width forms (U+FF00-FFEF).
CJK_SYMBOLS = "\u2e80-\u33ff\u4dc0-\u4dff\uff00-\uffef"
# What counts as content in fingerprints, n-grams and token checks: letters, digits and any ideograph.
WORDY = f"0-9A-Za-z{CJK}{CJK_COMPAT}"
# A numeral as written in names and numbering: Chinese or Arabic (full-width already normalised).
NUMBER = rf"(?:{CN_NUM_CLASS}+|\d{{1,3}})"
# Committees that send inspection teams, longest first; a bare 市/县/区 means that level's 委.
COMMITTEES = ("中央", "省委", "市委", "州委", "盟委", "旗委", "县委", "区委")
# 巡查 is the common typo of 巡察.
INSPECTION_KIND = r"(?:巡视|巡察|巡查)"
# The party body of a unit: 中共X局党组 is X局's party group, treated as the unit itself.
PARTY_ORGAN = ("党组", "党委", "党工委", "党总支", "党支部", "领导班子")
PARTY_ORGAN_TAIL = re.compile(f"(?:{'|'.join(PARTY_ORGAN)})$")


def is_cjk(ch: str) -> bool:
    return bool(CJK_RE.match(ch))


def strip_party(name: str) -> str:
    """中共张家界市文联党组 -> 张家界市文联 (keeps the name when stripping would leave under 2 chars)."""
    core = re.sub(r"^中共", "", name.strip())
    stripped = PARTY_ORGAN_TAIL.sub("", core)
    return stripped if len(stripped) >= 2 else core

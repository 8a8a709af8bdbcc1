"""Small shared vocabulary of report language, one definition each: CJK ranges, committee levels,
inspection kinds, party-organ tails. See docs/decisions.md (Reading reports nobody here has seen)."""
from __future__ import annotations

import re

from .numerals import CN_NUM_CLASS

__all__ = ["CJK", "CJK_RE", "COMMITTEES", "INSPECTION_KIND", "NUMBER", "PARTY_ORGAN", "PARTY_ORGAN_TAIL",
           "is_cjk", "strip_party"]

# The unified ideographs reports are written in (basic block plus extension A).
CJK = "\u3400-\u4dbf\u4e00-\u9fff"
CJK_RE = re.compile(f"[{CJK}]")
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

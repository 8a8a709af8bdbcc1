"""Inspection-team names in every written form, read by one grammar (header, entities, graph).
The forms and the canonical spelling: docs/decisions.md (Reading reports nobody here has seen, Team forms)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reports.grammar import CJK, COMMITTEES, INSPECTION_KIND, NUMBER

from .numerals import int_to_cn, to_int
from .places import find_places, join_region

__all__ = ["ROUND_RE", "TEAM_RE", "Team", "find_teams", "parse_team", "same_team"]

# Party committees that run their own teams besides the local ones: an autonomous region's, an
# enterprise group's (集团党委第二巡察组, 集团公司党委第一巡察组), a university's (校党委第三巡察组).
PARTY_COMMITTEES = ("自治区党委", "自治州党委", "集团公司党委", "集团党委", "公司党委", "学校党委", "校党委")
_LEVEL = "|".join(PARTY_COMMITTEES + COMMITTEES) + "|市|县|区"
# A system's own teams (省监狱管理局党委第二巡察组, 水利部党组第二巡视组, 省分行党委第一巡察组): the party
# committee or group of a body, named right before a numbered team that no committee level precedes.
_SYSTEM_BODY = re.compile(rf"(?P<org>[{CJK}]{{2,14}}(?:党委|党组))$")
# Words a sentence opens with before the body's name (根据省局党委…, 经集团党委…): no part of the name.
_LEAD_WORDS = re.compile(r"^(?:根据|按照|依据|经|由|受|在|对|派出|组织|和|及|与|的)+")
# Kinds of team named by what they do rather than by a number.
_SPECIAL = r"(?:提级交叉|提级|交叉|专项|机动|联动|延伸)"
_ROUND = rf"(?:(?P<term>{NUMBER})届)?(?P<lvl>{_LEVEL})?(?:第(?P<rnd>{NUMBER})轮)?" \
         rf"(?:(?P<rkind>常规|{_SPECIAL})?(?={INSPECTION_KIND}第){INSPECTION_KIND})?"
# An inspection round: 十二届省委第八轮, 第一轮.
ROUND_RE = re.compile(rf"(?:{NUMBER}届)?(?:{'|'.join(COMMITTEES)})?第{NUMBER}轮")
TEAM_RE = re.compile(
    _ROUND + "(?:"
    rf"第(?P<a>{NUMBER})(?P<nspecial>{_SPECIAL})?(?P<k1>{INSPECTION_KIND})组"          # 第三巡察组, 第一专项巡察组
    rf"|(?P<target>对村|村级)?(?P<k2>{INSPECTION_KIND})(?:工作)?组?第?(?P<b>{NUMBER})组"  # 巡察二组, 巡察组第三组
    rf"|(?P<count>{NUMBER})个(?P<k3>{INSPECTION_KIND})(?:工作)?组"                      # 4个巡察组
    rf"|(?P<topic>(?<=委)[{CJK}]{{2,6}}?)?(?P<special>{_SPECIAL})(?P<k4>{INSPECTION_KIND})(?:工作)?组"
    rf"|(?P<k5>{INSPECTION_KIND})(?:工作)?组(?!长|员|织)"                                # 巡察组
    ")")


@dataclass(frozen=True)
class Team:
    """One team as read: committee level, number (or count of teams, or special kind), round."""

    text: str
    span: tuple[int, int]
    level: str | None          # 省委 | 市委 | ... | None when the text names no committee
    kind: str                  # 巡视 | 巡察
    number: int | None = None  # 第三 -> 3
    count: int | None = None   # 区委4个巡察组 -> 4
    special: str | None = None  # 专项 / 营商环境专项 / 机动 / 提级交叉 / 对村
    round: str | None = None   # 十二届市委第一轮
    place: str | None = None   # 建德市 of 建德市委第二巡察组: another place's team (交叉巡察) or the place said in full

    def canonical(self, default_level: str | None = None) -> str:
        """The one spelling: 市委第三巡察组, 区委4个巡察组, 区委营商环境专项巡察组, 市委对村巡察第四组."""
        level = self.level or default_level or ""
        if level in ("市", "县", "区"):
            level += "委"
        if self.place and level:
            level = join_region(self.place, level)
        if self.special in ("对村", "村级") and self.number is not None:
            return f"{level}{self.special}{self.kind}第{int_to_cn(self.number)}组"
        if self.number is not None:
            special = self.special or ""   # 县委第一专项巡察组: a numbered team of a special kind
            return f"{level}第{int_to_cn(self.number)}{special}{self.kind}组" if self.number < 100 else \
                f"{level}第{self.number}{special}{self.kind}组"
        if self.count is not None:
            return f"{level}{self.count}个{self.kind}组"
        return f"{level}{self.special or ''}{self.kind}组"

    @property
    def generic(self) -> bool:
        """市委巡察组 (no number, no special kind) names whichever team the report is about."""
        return self.number is None and self.count is None and self.special is None


def _team(m: re.Match, offset: int = 0) -> Team | None:
    kind = next(m[k] for k in ("k1", "k2", "k3", "k4", "k5") if m[k]).replace("巡查", "巡察")
    level = m["lvl"]
    if level in ("市", "县", "区"):
        level += "委"
    number = to_int(m["a"] or m["b"]) if (m["a"] or m["b"]) else None
    count = to_int(m["count"]) if m["count"] else None
    special = (m["topic"] or "") + m["special"] if m["special"] else m["target"] or m["nspecial"]
    if m["rkind"] and m["rkind"] != "常规" and number is not None and special is None:
        special = None  # 第一轮专项巡察第二巡察组: the round's kind, the team is still numbered
    round_text = None
    if m["term"] or m["rnd"]:
        round_text = "".join(x for x in ((m["term"] + "届") if m["term"] else "", level or "",
                                          f"第{m['rnd']}轮" if m["rnd"] else "") if x)
    if (number is not None and number <= 0) or (count is not None and count <= 0):
        return None
    return Team(m.group(0), (offset + m.start(), offset + m.end()), level, kind, number, count, special,
                round_text)


def _shared(place: str, level: str) -> int:
    """建德市 + 市委: the place's last character is the level's first (1); 攸县 + 县委 keeps both (0)."""
    return 1 if len(place) > 2 and place.endswith(level[0]) else 0


def _place_before(text: str, at: int) -> str | None:
    """The place whose committee a team's level names, written right before it: 建德市委 (the place
    ends with the level's character) or 攸县县委 (place, then the level). Only a whole place name from
    the gazetteer counts, the longest one."""
    level_char = text[at:at + 1]
    for size in range(10, 1, -1):
        for end in (at + 1, at):
            start = end - size
            if start < 0:
                continue
            cand = text[start:end]
            if not cand.endswith(level_char) and end == at + 1:
                continue
            found = find_places(cand)
            if len(found) == 1 and found[0][:2] == (0, len(cand)) and _shared(cand, text[at:at + 2]) == (end - at):
                return cand
    return None


def find_teams(text: str, offset: int = 0) -> list[Team]:
    """Every team named in `text`, in order. In a list (第一巡察组、第六巡察组) a team without its own
    level takes the level written before the first.

    >>> [(t.text, t.level, t.kind, t.number) for t in find_teams("省委第一巡视组、第六巡视组")]
    [('省委第一巡视组', '省委', '巡视', 1), ('第六巡视组', '省委', '巡视', 6)]
    >>> find_teams("市委第三巡察组对市文联进行了巡察")[0].span
    (0, 7)
    """
    teams: list[Team] = []
    for m in TEAM_RE.finditer(text):
        t = _team(m, offset)
        if t is None:
            continue
        place = _place_before(text, m.start("lvl")) if t.level and t.level != "中央" else None
        if place:
            t = replace(t, text=text[m.start("lvl") - len(place) + _shared(place, t.level):m.end()],
                        span=(offset + m.start("lvl") - len(place) + _shared(place, t.level), t.span[1]), place=place)
        if t.level is None and t.number is not None and (body := _system_body(text[:m.start()])):
            t = replace(t, text=body + t.text, span=(t.span[0] - len(body), t.span[1]), level=body)
        prev = teams[-1] if teams else None
        if prev and t.level is None and prev.level and text[prev.span[1] - offset:m.start()] in ("、", "和", "及", "与"):
            t = Team(t.text, t.span, prev.level, t.kind, t.number, t.count, t.special, t.round)
        teams.append(t)
    return teams


def _system_body(before: str) -> str | None:
    """The party body (…党委 / …党组) written right before a team, its name from the last break in the
    text (punctuation, a digit, a space) with a sentence's opening words dropped; None when there is none."""
    m = _SYSTEM_BODY.search(before[-16:])
    if not m:
        return None
    org = _LEAD_WORDS.sub("", m["org"])
    return org if len(org) >= 4 and not org.startswith(("中共", "党委", "党组")) else None


def parse_team(name: str) -> Team | None:
    """The team a whole string names (its longest match), or None."""
    teams = find_teams(name)
    return max(teams, key=lambda t: t.span[1] - t.span[0]) if teams else None


def same_team(a: str, b: str) -> bool:
    """Two written names for one team (巡察二组 and 第二巡察组 under the same committee)."""
    ta, tb = parse_team(a), parse_team(b)
    return ta is not None and tb is not None and ta.canonical() == tb.canonical()

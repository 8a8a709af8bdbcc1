"""Pages built from the dev-set openings by one transformation each: the header families issue 22 names.

Each family is a way real pages lose what the grammar reads, written as a transformation of a real
opening (never a copied page), so every family has its own tests (tests/test_families.py) and its
own figure (`python -m bench.eval_header --family NAME`):

- ``lost_ym``: the page dropped the 年/月 of its day dates (2023年6月5日至8月1日 -> 202365日至81日), the
  〕 of document numbers (〔2024〕3号 -> 〔20243号), and ran a category count into a problem count
  (4个方面37个问题 -> 437个方面问题). The gold does not change: the digits are all there.
- ``glossed``: a Traditional-script mirror page: every character that differs from the Simplified one
  is followed by its pinyin in parentheses (衛(wèi)生, 們(men)), with spam lines above the text.
- ``alias``: the inspected unit carries a long alias in parentheses inside its name
  (区交通运输局(区港航管理局,含区交通执法大队)党组); the gold unit carries it too.
- ``self_named``: the opening says 我局/我区/我单位 where it named the unit and the title is gone; the unit is
  named only later, in the title of its own rectification plan (《…党组关于巡察反馈意见的整改方案》).
- ``self_subject``: as ``self_named`` without the plan: only the body's own sentences name the unit
  (区交通运输局党组第一时间…, 县委宣传部高度重视…).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

__all__ = ["FAMILIES", "alias", "glossed", "lost_ym", "self_named", "self_subject", "transform"]

_DAY_DATE = re.compile(r"(?:(?P<y>(?:19|20)\d{2})年)?(?P<m>1[0-2]|0?[1-9])月(?P<d>3[01]|[12]\d|0?[1-9])日")
_DOC_NUMBER = re.compile(r"〔(?P<y>(?:19|20)\d{2})〕(?P<n>\d{1,4})号")
_COUNT_PAIR = re.compile(r"(?P<a>\d{1,2})个方面(?:共)?(?P<b>\d{1,4})个(?P<s>具体)?问题")


def lost_ym(text: str, gold: dict) -> tuple[str, dict]:
    """Drop 年/月 from day dates, 〕 from document numbers; run '3个方面15个问题' together."""
    text = _DAY_DATE.sub(lambda m: f"{m['y'] or ''}{m['m']}{m['d']}日", text)
    text = _DOC_NUMBER.sub(lambda m: f"〔{m['y']}{m['n']}号", text)
    text = _COUNT_PAIR.sub(lambda m: f"{m['a']}{m['b']}个方面{m['s'] or ''}问题", text)
    return text, gold


@lru_cache(maxsize=1)
def _s2t():
    import opencc
    return opencc.OpenCC("s2t").convert


def _pinyin(ch: str) -> str:
    from pypinyin import Style, pinyin
    return pinyin(ch, style=Style.TONE, heteronym=False)[0][0]


SPAM = ("最新域名:www.example-mirror.cc 收藏本站不迷路",
        "热门推荐:2025年最新政策汇编 | 公务员考试真题 | 免费下载",
        "声明:本站内容来源于网络,如有侵权请联系删除")


def _gloss(syllable: str, style: int) -> str:
    """The gloss as mirror sites write it: 0 precomposed tone marks in ( ); 1 combining tone marks
    (NFD) in full-width （ ）. (Style 2, a tone digit, is written by `glossed`.)"""
    import unicodedata
    if style == 1:
        return f"（{unicodedata.normalize('NFD', syllable)}）"
    return f"({syllable})"


def glossed(text: str, gold: dict) -> tuple[str, dict]:
    """Traditional script with a pinyin gloss after every converted character, spam lines on top.
    The gloss style varies by page (see `_gloss`), so the family covers all three."""
    from pypinyin import Style, pinyin
    style = len(text) % 3
    converted = _s2t()(text)
    if len(converted) != len(text):  # a phrase rule changed the length: convert character by character
        converted = "".join(_s2t()(ch) for ch in text)
    out = []
    for simple, trad in zip(text, converted, strict=True):
        out.append(trad)
        if trad != simple:
            if style == 2:
                out.append(f"({pinyin(simple, style=Style.TONE3, neutral_tone_with_five=True)[0][0]})")
            else:
                out.append(_gloss(_pinyin(simple), style))
    return "\n".join(_s2t()(s) for s in SPAM) + "\n" + "".join(out), gold


_TAIL = re.compile(r"(?:党组|党委|党工委)$")
_ORG_COMMITTEE = re.compile(r"(?<=[厅局院校])委员会$")  # 中共湖北省司法厅委员会: the 厅's party committee
_BODY = re.compile(r"(?:局|厅|院|(?<!委员)会|部|办|中心|室|馆|校)$")  # a body that can carry a second nameplate


def _alias_for(core: str) -> str:
    """A second nameplate and a contained body under the same level prefix: (区港航管理局,含区执法大队)."""
    level = re.match(r"^(?:中共)?(?P<l>[^党]*?(?:省|市|区|县|州|旗))", core)
    prefix = level["l"] if level and len(level["l"]) <= 8 else ""
    return f"({prefix}综合服务中心,含{prefix}综合行政执法大队)"


def alias(text: str, gold: dict) -> tuple[str, dict] | None:
    """The unit's name with a long parenthesised alias inside it, everywhere the page writes it."""
    unit = gold.get("unit")
    if not unit or "(" in unit or "、" in unit:
        return None
    m = _TAIL.search(unit) or _ORG_COMMITTEE.search(unit)
    core, tail = (unit[:m.start()], m.group(0)) if m else (unit, "")
    if core not in text or not _BODY.search(core):
        return None  # a place's committee (区委, 街道党工委) has no second nameplate
    named = core + _alias_for(core)
    pattern = re.compile(re.escape(core) + r"(?P<t>党组|党委|党工委|委员会)?")
    text = pattern.sub(lambda mm: named + (mm["t"] or ""), text)
    return text, dict(gold, unit=named + tail)


_TITLE_LINE = re.compile(r"^.*关于.*(?:巡视|巡察).*(?:通报|情况)\s*$", re.M)


def _self_reference(unit: str) -> str:
    """How a report says 'us': 我局 for a bureau, 我区/我市/我县 for a place's committee, else 我单位."""
    core = re.sub(r"(?:党组|党委|党工委|委员会)$", "", unit.removeprefix("中共"))
    if core.endswith("局"):
        return "我局"
    place = re.search(r"(?P<l>[区市县镇])委?$", core)
    return f"我{place['l']}" if place else "我单位"


def _say_we(text: str, gold: dict) -> tuple[str, str, int] | None:
    """The page without its title, its opening paragraph saying 我局/我区/我单位 for the unit; returns
    (text, the unit's name for its plan, where the opening paragraph ends)."""
    unit = gold.get("unit")
    if not unit or "、" in unit:
        return None
    opening = re.search(r"对(?P<t>[^,。;:]{2,60}?)(?:进行了|开展了|进行|开展)", text)
    if not opening:
        return None
    me = _self_reference(unit)
    start = text.rfind("\n", 0, opening.start()) + 1
    end = text.find("\n", opening.end())
    end = len(text) if end < 0 else end
    paragraph = text[start:end].replace(opening["t"], me)
    text = text[:start] + paragraph + text[end:]
    text = _TITLE_LINE.sub("", text, count=1)
    owner = unit if re.search(r"(?:党组|党委|党工委|委|委员会)$", unit) else unit + "党组"
    end = text.find("\n", text.find(me))
    return (text, owner, end) if end >= 0 else None


def self_named(text: str, gold: dict) -> tuple[str, dict] | None:
    """The opening says 我局/我区/我单位; the unit is named in the title of its own plan, later on."""
    said = _say_we(text, gold)
    if said is None:
        return None
    text, owner, end = said
    plan = f"对照巡察反馈意见,研究制定《{owner}关于巡察反馈意见的整改方案》,明确整改措施和时限。"
    return text[:end] + "\n" + plan + text[end:], gold


def self_subject(text: str, gold: dict) -> tuple[str, dict] | None:
    """The opening says 我局/我区/我单位 and nothing names the unit but the body's own sentences."""
    said = _say_we(text, gold)
    return (said[0], gold) if said is not None else None


FAMILIES: dict[str, Callable[[str, dict], tuple[str, dict] | None]] = {
    "lost_ym": lost_ym, "glossed": glossed, "alias": alias, "self_named": self_named,
    "self_subject": self_subject}


def transform(rows: list[dict], family: str) -> list[dict]:
    """The dev-set rows a family applies to, transformed (text and gold); rows it cannot apply to
    (no unit to alias, say) are left out, so the figure counts only pages of that family."""
    fn = FAMILIES[family]
    out = []
    for row in rows:
        done = fn(row["text"], row["gold"])
        if done is not None:
            out.append(dict(row, text=done[0], gold=done[1]))
    return out

"""Unit display names: one short name per unit that names its place and differs from every other unit.

Derived by rule: strip the party-organ wrapper (中共…党组/党委/党工委), take the most specific place
the name (or the report's region) names, abbreviate the organisation by a small grammar of standard
forms (文学艺术界联合会 -> 文联, 政协…委员会 -> 政协, 发展和改革委员会 -> 发改委), and where two different
units still collide, prefix the next higher region. See docs/decisions.md "Unit display names".
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reports.grammar import PARTY_ORGAN_TAIL, strip_party

from .places import find_places, region_of

__all__ = ["UnitName", "display_names", "org_abbreviation", "org_part", "unit_name"]

_LEVEL_CHARS = "省市州盟县区旗"
# cpca's placeholder city levels (北京市 -> 市辖区 -> 朝阳区): not names a reader would recognise.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

# Standard abbreviations of organisation types, longest first. Applied to the name after its place
# is taken out, so 政协桑植县委员会 and 中国人民政治协商会议桑植县委员会 both give 政协.
_ORG_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), s) for p, s in (
    (r"^(中国人民)?政治协商会议.*委员会$", "政协"),
    (r"^政协.*委员会$", "政协"),
    (r"^人民代表大会常务委员会$", "人大常委会"),
    (r"^人民代表大会$", "人大"),
    (r"^人民政府(办公室|办公厅)$", "政府办"),
    (r"^人民政府$", "政府"),
    (r"^纪律检查委员会$", "纪委"),
    (r"^监察委员会$", "监委"),
    (r"^纪委监委$", "纪委监委"),
    (r"^委员会$", "委"),
    (r"^文学艺术界联合会$", "文联"),
    (r"^社会科学界联合会$", "社科联"),
    (r"^工商业联合会$", "工商联"),
    (r"^妇女联合会$", "妇联"),
    (r"^残疾人联合会$", "残联"),
    (r"^归国华侨联合会$", "侨联"),
    (r"^作家协会$", "作协"),
    (r"^科学技术协会$", "科协"),
    (r"^人民法院$", "法院"),
    (r"^人民检察院$", "检察院"),
))
# Department heads whose long name is shortened word by word (文化旅游广电体育局 -> 文旅广体局).
_DEPT = re.compile(r"^(?P<head>.+?)(?P<tail>工作委员会|委员会|办公室|局|厅|委|办|中心)$")
_DEPT_TAIL = {"工作委员会": "工委", "委员会": "委", "办公室": "办"}
# 中共湖北省司法厅委员会: the party committee of an organisation, i.e. the organisation.
_ORG_COMMITTEE = re.compile(r"(?<=[厅局院校司部办馆社])委员会$")
# Names that are a place: their 党委/党工委 is the unit itself (洪梅镇党委, 龙穴街道党工委).
_PLACE_UNIT = re.compile(r"(镇|乡|街道|新区|开发区|园区|自治区|自治州|自治县)$")
_PAREN = re.compile(r"[(（][^)）]*[)）]")
_MAX_HEAD = 4  # heads up to this length are already short (教育局, 自然资源局)


@dataclass(frozen=True)
class UnitName:
    """A unit's parts: its places from most to least specific, and its abbreviated organisation."""

    places: tuple[str, ...]
    org: str

    def label(self, depth: int = 1) -> str:
        """The place chain down to `depth` places (1: 庆阳市文联, 2: 甘肃省庆阳市文联)."""
        return "".join(reversed(self.places[:depth])) + self.org


def _words(head: str) -> list[str]:
    """Conjuncts (发展/改革 of 发展和改革) or, for one long compound of two-character words
    (文化/旅游/广电/体育), its words; [] when the head is a proper name that must stay whole."""
    parts = [p for p in re.split(r"[和与及]", head) if p]
    if len(parts) > 1:
        return parts if all(len(p) <= 4 for p in parts) else []
    import jieba  # imported lazily: loading its dictionary takes a second

    words = [w for w in jieba.lcut(head, HMM=False) if w]
    return words if len(words) > 1 and all(len(w) == 2 for w in words) else []


def org_abbreviation(org: str) -> str:
    """The standard short form of an organisation name without its place: 作家协会 -> 作协,
    文化旅游广电体育局 -> 文旅广体局, 发展和改革委员会 -> 发改委, 教育局 -> 教育局."""
    if _PLACE_UNIT.search(PARTY_ORGAN_TAIL.sub("", org)):
        return org  # 龙穴街道党工委: a place's own committee has no shorter standard form
    for pattern, short in _ORG_FORMS:
        if pattern.match(org):
            return short
    m = _DEPT.match(org)
    if not m:
        return org
    head, tail = m["head"], _DEPT_TAIL.get(m["tail"], m["tail"])
    if len(head) <= _MAX_HEAD and not re.search(r"[和与及]", head):
        return head + tail
    words = _words(head)
    return ("".join(w[0] for w in words) if words else head) + tail


def _strip_places(core: str) -> str:
    """The organisation part: the name with its leading place names (and stray 省/市) removed."""
    out, last = [], 0
    for start, end, _ in find_places(core):
        if start > last:
            out.append(core[last:start])
        last = end
    out.append(core[last:])
    org = "".join(out)
    return org


def _own_short(in_text: str | None, places: tuple[str, ...]) -> str | None:
    """The report's own abbreviation minus its place or level character (市文旅广体局 -> 文旅广体局)."""
    if not in_text:
        return None
    short = _strip_places(in_text)
    if short != in_text:
        return short if len(short) >= 2 else None
    if short[0] in _LEVEL_CHARS and len(short) >= 3:
        return short[1:]
    return short if len(short) >= 2 and places else None


def _display_core(unit: str) -> str:
    """The organisation a display name abbreviates: the name without its party organ
    (reports/grammar.strip_party), except that a place's own party committee stays (洪梅镇党委),
    and 司法厅委员会 is 司法厅."""
    unit = _PAREN.sub("", unit).strip()
    core = strip_party(unit)
    if _PLACE_UNIT.search(core) or not _strip_places(core):
        return unit.removeprefix("中共")
    if unit.startswith("中共"):
        core = _ORG_COMMITTEE.sub("", core)
    return core


def org_part(unit: str) -> str:
    """The organisation part of a full unit name, as the display name reads it: no party wrapper,
    parenthetical aside or place (中共张家界市文学艺术界联合会党组 -> 文学艺术界联合会, 中共佛山市南海区委 -> 委,
    区交通运输局党组 -> 区交通运输局). What reports/analysis/sectors.py classifies."""
    return _strip_places(_display_core(unit)) if unit else ""


def unit_name(unit: str | None, short: str | None = None, region: str | None = None) -> UnitName | None:
    """Parse a full unit name (with the report's own abbreviation and region as fallbacks)."""
    core = _display_core(unit) if unit else ""
    province, city, county = region_of(core) if core else (None, None, None)
    if not (province or city or county) and region:
        province, city, county = region_of(region)
    places = tuple(p for p in (county, city, province) if p and p not in _PLACEHOLDERS)
    if core:
        rest = _strip_places(core)
        level = rest[0] if not places and rest[:1] in _LEVEL_CHARS and len(rest) > 2 else ""
        own = _own_short(short, places)
        # The report's own abbreviation wins when it abbreviates this name (市文旅广体局).
        if own and not level and own[-1] == rest[-1] and _is_subsequence(own, rest):
            org = own
        else:
            org = level + org_abbreviation(rest[len(level):])
    else:
        org = _own_short(short, places) or (short or "")
    return UnitName(places, org) if org else None


def _is_subsequence(short: str, full: str) -> bool:
    it = iter(full)
    return all(ch in it for ch in short)


def display_names(units: Iterable[tuple[str, str | None, str | None, str | None]]) -> dict[str, str]:
    """key -> display name for (key, unit, short, region) rows, distinct across different units.

    Units are the same when they parse to the same places and organisation (two reports on one unit
    share a name). Colliding different units get the next higher region until they part.
    """
    parsed = {key: unit_name(unit, short, region) for key, unit, short, region in units}
    fallback = {key: strip_party(unit or short or "") or key for key, unit, short, region in units}
    depth = dict.fromkeys(parsed, 1)
    for _ in range(4):
        labels = {k: (n.label(depth[k]) if n else fallback[k]) for k, n in parsed.items()}
        clashes = _clashes(labels, parsed)
        if not clashes:
            return labels
        for k in clashes:
            depth[k] += 1
    labels = {k: (n.label(depth[k]) if n else fallback[k]) for k, n in parsed.items()}
    for k in _clashes(labels, parsed):  # same places as far as known: the full name tells them apart
        labels[k] = fallback[k]
    return labels


def _clashes(labels: dict[str, str], parsed: dict[str, UnitName | None]) -> set[str]:
    by_label: dict[str, set] = {}
    for k, label in labels.items():
        by_label.setdefault(label, set()).add(parsed[k] or k)
    return {k for k, label in labels.items() if len(by_label[label]) > 1}

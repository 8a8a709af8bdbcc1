"""The report's header facts (title, unit, inspection team, round, dates), found by content, not position.
See docs/decisions.md (Parsing; Reading reports nobody here has seen)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from reports.grammar import CJK, PARTY_ORGAN, PARTY_ORGAN_TAIL
from reports.grammar.noise import is_noise_line, is_publish_info
from reports.grammar.numerals import CN_COUNT_CLASS, CN_ORDINAL_CLASS
from reports.grammar.places import region_of
from reports.grammar.teams import find_teams
from reports.model import DateValue, Inspection, Span

from .dates import (
    DATE_CN,
    ISO_DATE,
    SIGNATURE_DATE,
    find_dates,
    lost_separators,
    resolve,
)
from .inspection import LEVEL, TARGET_RE, opening_scope, read_inspection
from .lines import Line
from .title import ORG_SUFFIX, PAREN_ASIDE, clean_title, title_head, title_lines

__all__ = ["ORG_SUFFIX", "SELF_REFERENCES", "Header", "parse_header", "unit_level"]

SELF_REFERENCES = ("我局", "我委", "我院", "我办", "我会", "我校", "我司", "我馆", "我厅", "我部", "我中心",
                   "本单位", "我单位", "本局", "本委", "我市", "我区", "我县", "我镇", "我乡", "我街道", "我们")
UNIT_TAIL = PARTY_ORGAN_TAIL
ABBREVIATION_ASIDE = re.compile(r"[(（](?:以下)?简称[^()（）]{1,20}[)）]")
EXTENSION = re.compile(r"(?:及|并|和|,|,)?(?:延伸|同步)(?:对|巡察|巡视)")
MANY_UNITS = re.compile(rf"等?(?:\d+|{CN_COUNT_CLASS}+)(?:家|个)(?:单位|部门|党组织)")
METADATA = re.compile(r"^(?P<k>发布机构|发文机关|发布单位|来源单位|发文单位|文件名称|标题|文章标题)\s*[:：]\s*(?P<v>.+)$")


@dataclass
class Header:
    title: str | None = None
    title_span: Span | None = None
    unit: str | None = None
    unit_short: str | None = None
    level: str | None = None
    region: str | None = None
    inspection: Inspection = field(default_factory=Inspection)
    report_date: DateValue | None = None
    publish_date: DateValue | None = None
    body_start: int = 0


def parse_header(text: str, lines: list[Line], noise: set[int] | None = None) -> Header:
    """`noise` holds the start offsets of web-chrome lines (computed once by the caller)."""
    if noise is None:
        noise = {ln.start for ln in lines if is_noise_line(ln.text)}
    content = [ln for ln in lines if ln.start not in noise]
    h = Header()
    opening = _opening_line(content)
    found = title_lines(content, opening)
    if found:
        bodies = " ".join(ln.text for ln in found[:-1])   # a joint report's bodies, a line each
        h.title = clean_title(bodies + found[-1].text)
        h.title_span = (found[0].start, found[-1].end)
        h.body_start = found[-1].end
    elif opening is not None:
        h.body_start = opening.start
    h.publish_date = _publish_date(lines, noise, h.body_start)
    h.report_date = _signature_date(content) or _title_date(content, h.body_start)
    dated = next((d for d in (h.report_date, h.publish_date) if d), None)
    h.inspection = read_inspection(text, opening_scope(content, opening), h.title, dated)
    h.unit = _unit(h.title, content, opening, lines)
    h.unit_short = _unit_short(text, h.unit, opening)
    _level_region(h)
    return h


def _opening_line(content: list[Line]) -> Line | None:
    """The sentence that says who inspected whom: '…巡察组对X进行了巡察'."""
    for ln in content:
        if TARGET_RE.search(ln.text) and ("部署" in ln.text or find_teams(ln.text)):
            return ln
    return next((ln for ln in content if TARGET_RE.search(ln.text)), None)


def _unit(title: str | None, content: list[Line], opening: Line | None, lines: list[Line]) -> str | None:
    """The reporting unit: the title's head, else the signature, else the opening's target (a place
    means its party committee), else the page's metadata block (发布机构, 文件名称)."""
    for head in (title_head(title), _signature_org(content)):
        if head:
            return head
    m = TARGET_RE.search(opening.text) if opening else None
    target = _target_unit(m["t"], opening.text) if m else None
    if target:
        return target
    meta = _metadata_unit(lines)
    if meta or opening is None:
        return meta
    return _self_named(content, opening, _self_core(m["t"]) if m else None)


# The unit names itself in the title of its own plan: 《中共X党组关于巡察反馈意见的整改方案》.
OWN_PLAN = re.compile(r"《(?P<u>(?:中共)?[^《》关]{2,40}?)关于[^《》]{0,40}?(?:巡察|巡视)[^《》]{0,30}?整改[^《》]{0,12}"
                      r"(?:方案|措施|清单|计划)》")
# …or as the subject of a sentence: a clause that opens with a body's name (县委宣传部高度重视…,
# 区交通运输局党组第一时间…); the name is the longest org-shaped head of the clause.
CLAUSE_START = re.compile(rf"(?:^|[。;!,\n]|{CN_ORDINAL_CLASS}是)\s*")
CJK_ONLY = re.compile(f"[{CJK}]+")
_NOT_AFTER_SUBJECT = set("的第之和与及、巡,。;:()（）《》“”") | set("0123456789")
# What 我局/我区/我单位 tells about the name: the character it must end with (None: any body).
_SELF_TAIL = {"我局": "局", "本局": "局", "我委": "委", "本委": "委", "我院": "院", "我办": "办", "我会": "会",
              "我校": "校", "我馆": "馆", "我厅": "厅", "我部": "部", "我中心": "中心", "我市": "市委",
              "我区": "区委", "我县": "县委", "我镇": "镇党委", "我乡": "乡党委", "我街道": "街道党工委"}


# Words no unit name contains: a clause head holding one is a sentence, not a name.
_NOT_IN_NAME = re.compile(r"[的了在由以向对把将从被为]|按照|根据|依据|召开|成立|迅速|立即|深入|学习|推动|参照|调整|及时|多次|主持|坚持"
                          r"|认真|高度|第一时间|同时|组织|开展|贯彻|落实|研究|部署|整改|巡察|巡视")


def _subject_name(body: str, p: int, fits) -> str | None:
    """The unit name a clause opens with: it starts with 中共, a level character or a place, holds no
    sentence word, and is the shortest such head ending in a body's suffix (its party organ kept)."""
    from reports.grammar.places import find_places
    lead = body[p:p + 40]
    if not (lead.startswith("中共") or re.match(r"[^,。;]{0,5}?(?:省|市|区|县|州|旗|镇|乡|街道)", lead) or
            any(start == 0 for start, _, _ in find_places(lead[:12]))):
        return None
    for size in range(2, len(lead)):
        name = lead[:size]
        if _NOT_IN_NAME.search(name):
            return None
        if not ORG_SUFFIX.search(name):
            continue
        tail = re.match("|".join(PARTY_ORGAN), lead[size:])
        full = name + (tail.group(0) if tail else "")
        after = lead[len(full):len(full) + 1]
        if after and after not in _NOT_AFTER_SUBJECT and fits(full):
            return full
    return None


def _self_named(content: list[Line], opening: Line, target: str | None) -> str | None:
    """The unit a report calls 我局/我区/我单位: the body of its own plan's title, else the body most
    often the subject of a sentence after the opening. Its kind must fit the self-reference (我局 is a
    局). Only for an opening that names the unit by a self-reference (or names none)."""
    me = target.strip() if target else None
    if me is not None and me not in SELF_REFERENCES:
        return None
    tail = _SELF_TAIL.get(me or "")
    body = "\n".join(ln.text for ln in content if ln.start >= opening.start)[:8000]

    def fits(name: str) -> bool:
        core = UNIT_TAIL.sub("", name.removeprefix("中共"))
        if not (2 <= len(core) <= 40 and ORG_SUFFIX.search(name)) or core in SELF_REFERENCES \
                or not CJK_ONLY.fullmatch(name) or find_teams(name):
            return False
        if re.fullmatch(LEVEL, core) and core != tail:
            return False  # a bare 区委 is the unit only of a report that says 我区
        return tail is None or name.endswith(tail) or core.endswith(tail)

    plans = [m["u"] for m in OWN_PLAN.finditer(body) if fits(m["u"])]
    if plans:
        return plans[0]
    counts: dict[str, int] = {}
    for m in CLAUSE_START.finditer(body):
        name = _subject_name(body, m.end(), fits)
        if name:
            counts[name] = counts.get(name, 0) + 1
    return max(counts, key=lambda n: (counts[n], len(n))) if counts else None


def _self_core(target: str) -> str:
    """我局党组 -> 我局: a self-reference with its party organ is still a self-reference."""
    target = target.strip()
    core = UNIT_TAIL.sub("", target)
    return core if core in SELF_REFERENCES else target


def _target_unit(target: str, opening: str) -> str | None:
    """The inspected body as the opening names it: '(简称…)' asides and extension clauses
    ('及延伸对…') dropped; a list of several units ('等4家单位') is no single unit; a bare place
    (东昌府区) is inspected as its party committee, named as the feedback clause names it."""
    target = ABBREVIATION_ASIDE.sub("", target)
    target = EXTENSION.split(target, 1)[0].strip()
    if not target or _self_core(target) in SELF_REFERENCES or MANY_UNITS.search(target):
        return None
    items = _list_items(target)
    if len(items) > 1:
        if not ORG_SUFFIX.search(items[0]):
            return None
        if len(items) <= 3 and all(_peer_body(x) for x in items):
            return "、".join(items)  # 区文化馆、区图书馆: peers inspected together, one report
        target = items[0]  # 洪梅镇党委和10个村(社区)党组织: the body that reports
    if _is_place(target):
        recipient = re.search(rf"向(?:中共)?(?P<r>{re.escape(target)}[^,,。反]{{0,4}}?(?:党委|委))", opening)
        return recipient["r"] if recipient else target + ("党委" if target.endswith("自治区") else "委")
    return target


def _peer_body(item: str) -> bool:
    """A body named in full (a level or place head, a body's suffix), not a count of subordinate
    organisations (10个村(社区)党组织) or a class of them."""
    bare = PAREN_ASIDE.sub("", item)
    return bool(ORG_SUFFIX.search(bare)) and not re.search(r"\d|[十百]个|各|所属|下属", bare) \
        and (bare.startswith("中共") or bare[:1] in "省市区县州旗" or _is_place(bare[:3]) or bare[:2] in ("中央", "国家"))


def _list_items(target: str) -> list[str]:
    """Split a list of inspected bodies at 、/及/和/以及 outside parentheses."""
    items, depth, start, i = [], 0, 0, 0
    while i < len(target):
        ch = target[i]
        depth += ch in "(（"
        depth -= ch in ")）" and depth > 0
        sep = next((w for w in ("以及", "、", "及", "和") if target.startswith(w, i)), None) if depth == 0 else None
        if sep and not (ORG_SUFFIX.search(target[start:i]) or target[start:i].endswith((")", "）"))):
            sep = None  # 人力资源和社会保障局: one name, not a list
        if sep:
            items.append(target[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    items.append(target[start:])
    return [x.strip() for x in items if x.strip()]


def _is_place(name: str) -> bool:
    """A name that is only a place (东莞市, 深圳市宝安区), not a body in it."""
    from reports.grammar.places import find_places
    found = find_places(name)
    return bool(found) and found[-1][1] == len(name) and found[0][0] == 0


def _metadata_unit(lines: list[Line]) -> str | None:
    """A page's metadata block: 发布机构: X, or 文件名称/标题: X关于….."""
    for ln in lines[:60]:
        m = METADATA.match(ln.text)
        if not m:
            continue
        value = m["v"].strip()
        if m["k"] in ("发布机构", "发文机关", "发布单位", "来源单位", "发文单位"):
            if 2 <= len(value) <= 40 and ORG_SUFFIX.search(value):
                return value
        else:
            head = title_head(value)
            if head:
                return head
    return None


def _signature_org(content: list[Line]) -> str | None:
    """The signing body: org-like lines right before the closing date, near the end; two or three
    such lines are units reporting jointly (joined with 、)."""
    tail = content[-12:]
    for i in range(len(tail) - 1, 0, -1):
        if SIGNATURE_DATE.match(tail[i].text.replace(" ", "")):
            orgs: list[str] = []
            for ln in reversed(tail[max(0, i - 3):i]):
                if not (len(ln.text) <= 40 and ORG_SUFFIX.search(ln.text) and "。" not in ln.text):
                    break
                orgs.insert(0, ln.text)
            return "、".join(_rejoined(orgs)) or None
    return None


_PARTY_END = re.compile(r"(?:委员会|党组|党委|党工委|党总支|党支部)$")


def _rejoined(orgs: list[str]) -> list[str]:
    """Signature lines with one name broken over two (中共江东省地质矿产勘查开发局 | 第九地质大队委员会): a line
    without a party body's ending followed by one that has it and opens no name of its own (中共…) is one
    name; two party bodies, or a body and its administration, stay two."""
    out: list[str] = []
    for org in orgs:
        if out and not _PARTY_END.search(out[-1]) and _PARTY_END.search(org) and not org.startswith("中共") \
                and out[-1].startswith("中共"):
            out[-1] += org
        else:
            out.append(org)
    return out


def _core_name(unit: str) -> str:
    return UNIT_TAIL.sub("", re.sub(r"^中共", "", unit))


def _is_subsequence(short: str, full: str) -> bool:
    it = iter(full)
    return all(ch in it for ch in short)


def _unit_short(text: str, unit: str | None, opening: Line | None) -> str | None:
    """The short name the report itself uses (市文联, 省作协, 市文旅广体局), by frequency.

    Candidates are the opening sentence's target and abbreviations of the unit's name. Counting
    skips occurrences inside the full name (山东省作家协会 does not count for 省作家协会).
    """
    core = _core_name(unit) if unit else ""
    cands = set(_abbreviations(text, core)) if core else set()
    m = TARGET_RE.search(opening.text) if opening else None
    if m:
        target = UNIT_TAIL.sub("", m["t"])
        if target and target not in SELF_REFERENCES:
            cands.add(target)
    if not cands:
        return None
    counts = {c: _standalone_count(text, c, core) for c in cands}
    return max(cands, key=lambda c: (counts[c], len(c)))


def _standalone_count(text: str, short: str, core: str) -> int:
    place = core[:core.find(short[0])] if short and short[0] in core else ""
    return sum(1 for m in re.finditer(re.escape(short), text)
               if not (place and text[max(0, m.start() - len(place)):m.start()] == place))


def _abbreviations(text: str, core: str) -> set[str]:
    """Strings in `text` that abbreviate `core`: they start with its level character (市/省/县),
    end with the head of its final word (局; 协 of 协会; 联 of 联合会) and are a non-contiguous
    subsequence of it (市文旅广体局 for 益阳市文化旅游广电体育局, 省作协 for 山东省作家协会)."""
    province, city, county = region_of(core)
    lvl = "县" if county else "市" if city else "省" if province else None
    if lvl is None or len(core) < 4:
        return set()
    tail = {core[-1]}
    if core.endswith("会"):
        tail |= {core[-2], core[-3]} if core.endswith("联合会") else {core[-2]}
    out = set()
    for m in re.finditer(lvl, text):
        for size in range(3, min(9, len(core))):
            cand = text[m.start():m.start() + size]
            if cand[-1] in tail and cand not in core and _is_subsequence(cand, core):
                out.add(cand)
    return out


def unit_level(unit: str | None, short: str | None = None) -> tuple[str | None, str | None]:
    """(level 省/市/县, region) of a unit named without its report, by the parser's own rule (a unit
    typed by a user, e.g. for `xuncha briefing`)."""
    h = Header(unit=unit, unit_short=short)
    _level_region(h)
    return h.level, h.region


def _level_region(h: Header) -> None:
    province = city = county = None
    for source in (h.unit, h.title):
        if source:
            province, city, county = region_of(source)
            if province or city:
                break
    if province or city or county:
        h.region = "".join(p for p in (province, city, county) if p)
        h.level = "县" if county else "市" if city else "省"
    elif h.unit_short and h.unit_short[0] in "省市县区":
        h.level = "县" if h.unit_short[0] == "区" else h.unit_short[0]


def _publish_date(lines: list[Line], noise: set[int], body_start: int) -> DateValue | None:
    """'发布时间: 2023-02-27' or '来源:… 2020-12-07 15:22:21': a byline or other page chrome, never
    a body sentence that merely says 发布."""
    for ln in lines:
        if not (is_publish_info(ln.text) or (ln.start in noise and ln.start <= body_start + 400)):
            continue
        m = ISO_DATE.search(ln.text) or DATE_CN.search(ln.text)
        if m and m["y"]:
            return DateValue(f"{int(m['y']):04d}-{int(m['m']):02d}-{int(m['d']):02d}", m.group(0).strip(),
                             (ln.start + m.start(), ln.start + m.end()))
    return None


def _title_date(content: list[Line], body_start: int) -> DateValue | None:
    """A report that signs nowhere may date itself on a line of its own in brackets right under the title
    (（2025年9月10日）), as a speech or a submitted report does."""
    after = next((ln for ln in content if ln.start >= body_start), None)
    inner = after.text.strip() if after else ""
    if len(inner) > 2 and inner[0] in "(（" and inner[-1] in ")）" and SIGNATURE_DATE.match(inner[1:-1]):
        at = after.start + after.text.index(inner) + 1
        return _signature_date([Line(at, at + len(inner) - 2, inner[1:-1])])
    return None


def _signature_date(content: list[Line]) -> DateValue | None:
    for ln in reversed(content[-12:]):
        if SIGNATURE_DATE.match(ln.text.replace(" ", "")):
            d = find_dates(ln.text, ln.start, lost=lost_separators(ln.text))
            if not d or d[0].day is None:
                return None   # a month alone (2025年8月) signs the report but dates it to no day
            value = resolve(d[0], None)
            return DateValue(value.iso, value.text, value.span, True) if value and d[0].readings else value
    return None

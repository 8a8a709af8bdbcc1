"""Organisation mentions: names found by their endings, qualified by region, aliased within a report."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from reports.grammar import CJK, NUMBER, is_cjk
from reports.grammar import gazetteer as gz
from reports.grammar.places import join_region
from reports.model import Mention

from .base import _NON_ACTOR_FLAGS, _SENTENCE_END
from .segment import _Segmentation, _Token
from .titles import _alt
from .unit import UnitContext


@dataclass
class _OrgCandidate:
    start: int
    end: int
    headless: bool = False
    exact: bool = False


def _inside(span: tuple[int, int], blocked: list[tuple[int, int]]) -> bool:
    return any(span[0] < b_end and b_start < span[1] for b_start, b_end in blocked)


@lru_cache(maxsize=1)
def _suffix_re() -> re.Pattern:
    return re.compile(f"(?=({_alt(gz.ORG_SUFFIXES)}))")


def _suffix_ends(text: str, seg: _Segmentation) -> list[tuple[int, int]]:
    """(suffix start, name end) for each place an organisation name could end."""
    ends = []
    for m in _suffix_re().finditer(text):
        suffix = m.group(1)
        start, end = m.start(), m.start() + len(suffix)
        if _suffix_ok(text, seg, suffix, start, end):
            ends.append((start, end))
    return ends


def _suffix_ok(text: str, seg: _Segmentation, suffix: str, start: int, end: int) -> bool:
    """Reject 部门/委员/干部/举办-style words that merely contain a suffix."""
    following, preceding = text[end:end + 1], text[start - 1:start]
    if following and following in gz.FORBIDDEN_NEXT.get(suffix, gz.FORBIDDEN_NEXT.get(suffix[-1], "")):
        return False
    if len(suffix) == 1 and preceding and preceding in gz.FORBIDDEN_PREV.get(suffix, ""):
        return False
    return not (following and is_cjk(following) and not seg.is_boundary(end) and following != "党")


def _left_edge(text: str, pos: int, seg: _Segmentation, *, verbs: bool) -> int:
    """Walk left from `pos` while characters can belong to a name.

    Always stops at particles, punctuation and listed stop words; with `verbs` also at any word jieba
    tags as a verb, adverb, pronoun ... (used for names without a head, which have no other edge).
    """
    s = pos
    while s > 0 and pos - s < 24:
        ch = text[s - 1]
        if not is_cjk(ch) or ch in gz.STOP_CHARS:
            break
        if any(text.endswith(w, 0, s) for w in gz.STOP_WORDS):
            break
        token = seg.by_end.get(s)
        if verbs and token is not None and token.flag.startswith(_NON_ACTOR_FLAGS) and token.flag != "vn":
            break
        s -= 1
    return s


def _place_at(text: str, pos: int) -> int:
    """Length of a cpca place name (full or short) starting at `pos`, else 0."""
    table, shorts = gz.region_by_name(), gz.short_place_names()
    for n in range(8, 1, -1):
        if text[pos:pos + n] in table or text[pos:pos + n] in shorts:
            return n
    return 0


def _head_at(text: str, pos: int, end: int) -> bool:
    """Can an organisation name start here (a level character, a place, 中共/共青团/原/驻 …)?"""
    ch, nxt = text[pos], text[pos + 1:pos + 2]
    if ch in "省市县区":
        if pos + 1 >= end or nxt in gz.NOT_HEAD_AFTER_LEVEL or text[pos - 1:pos] in gz.NOT_HEAD_BEFORE_LEVEL:
            return False
        return nxt != "市" or text.startswith(("市场", "市监"), pos + 1)
    if _place_at(text, pos):
        return True
    return text.startswith(gz.ORG_HEADS, pos)


def _org_candidates(text: str, ctx: UnitContext, seg: _Segmentation,
                    blocked: list[tuple[int, int]]) -> list[_OrgCandidate]:
    """Exact names (unit aliases, central bodies) plus suffix-anchored names with or without a head."""
    found: list[_OrgCandidate] = []
    exact = dict(ctx.aliases)
    exact.update(gz.CENTRAL_BODIES)
    exact.update(gz.KNOWN_BODIES)
    bare = {a for a in ctx.aliases if ctx.core and a in (ctx.core, ctx.core + "党组")}
    for m in re.finditer(_alt(exact), text):
        if len(m.group(0)) <= 2 and not (seg.is_boundary(m.start()) and seg.is_boundary(m.end())):
            continue
        if m.group(0) in bare and text[m.start() - 1:m.start()] in tuple(")）省市县区"):
            continue                                             # 各区县(市)文旅广体局 is not the unit
        found.append(_OrgCandidate(m.start(), m.end(), exact=True))
    ends = _suffix_ends(text, seg)
    for suffix_start, end in ends:
        wide = _last_inner_break(text, seg, _left_edge(text, suffix_start, seg, verbs=False),
                                 suffix_start, ends, ctx.aliases)
        heads = [p for p in range(wide, suffix_start + 1) if _head_at(text, p, end)]
        narrow = max(wide, _left_edge(text, suffix_start, seg, verbs=True))
        place = next((p for p in range(wide, suffix_start) if _unlisted_place(text, seg, p, suffix_start)
                      and (p == wide or seg.by_end.get(p, _Token(0, 0, "", "n")).flag[:1] in "tmvpcd")), None)
        if place is not None:
            found.append(_OrgCandidate(place, end))             # 大通湖区…, 五环小区…: places cpca lacks
        elif heads:
            found.append(_OrgCandidate(_split_juxtaposed(text, heads[0], end), end))
        elif _headless_ok(text, seg, narrow, end):
            found.append(_OrgCandidate(narrow, end, headless=True))
    return [c for c in found if not _inside((c.start, c.end), blocked)]


def _unlisted_place(text: str, seg: _Segmentation, start: int, stop: int) -> bool:
    """大通湖区, 五环小区: a 区/县 word cpca does not list, with no verb in it, opening the name."""
    m = re.match(rf"[{CJK}]{{2,4}}?[区县]", text[start:stop])
    if not m or _place_at(text, start) or text[start + m.end() - 2] in gz.NOT_HEAD_BEFORE_LEVEL:
        return False
    if m.group(0)[0] in "省市县区" or "委" in m.group(0):
        return False
    tokens = seg.tokens_in(start, start + m.end())
    return not any(t.flag[:1] in "vpdcr" and t.flag != "vn" for t in tokens)


def _headless_ok(text: str, seg: _Segmentation, start: int, end: int) -> bool:
    """龙洲小学, 羽星酒店, 安播中心: a strong ending, two or more name characters, a proper start."""
    suffix = next((s for s in gz.HEADLESS_SUFFIXES if text.endswith(s, start, end)), None)
    if suffix is None or end - start < len(suffix) + 2:
        return False
    if suffix in gz.PROPER_HEADLESS_SUFFIXES:
        token = seg.by_start.get(start)
        return bool(token and token.flag in ("ns", "nr", "nrt", "nz", "nt", "j"))
    return True


def _last_inner_break(text: str, seg: _Segmentation, start: int, stop: int,
                      ends: list[tuple[int, int]], aliases: dict[str, str]) -> int:
    """In 市青少年体校做好羽毛球馆 the name before 做好 is complete: start after the verb."""
    sub_body = text.startswith(gz.SUB_BODY_SUFFIXES, stop)
    for inner_start, inner_end in ends:
        if not start < inner_end < stop or (sub_body and text.startswith(gz.PARENT_SUFFIXES, inner_start)):
            continue
        if any(text.endswith(a, start, inner_end) for a in aliases):
            continue                                   # 省作协文学理论批评委员会: the unit's own body
        between = seg.tokens_in(inner_end, stop)
        if any(t.flag[:1] in "vpcdur" and t.flag != "vn" and t.word not in ("派驻", "驻") for t in between):
            start = inner_end
    return start


def _split_juxtaposed(text: str, start: int, end: int) -> int:
    """市委市政府, 县委县政府 are two bodies: start at the last level head that follows a parent body."""
    for q in range(start + 2, end - 1):
        if text[q] in "省市县区" and text.endswith(gz.PARENT_SUFFIXES, start, q) and _head_at(text, q, end):
            start = q
    return start


def _qualifier(prefix: str) -> bool:
    """May `prefix` stand before an exact name and still be part of it (赫山区, 原, 中共)?"""
    return prefix in ("原", "中共", "共青团") or _place_at(prefix, 0) == len(prefix) or bool(
        re.fullmatch(rf"[{CJK}]{{1,4}}[区县]", prefix))


def _select(cands: list[_OrgCandidate], text: str) -> list[_OrgCandidate]:
    """Longest candidates first, no overlaps; 市委大院市文联 yields to the exact name 市文联."""
    exact_ends = {(c.end, c.start) for c in cands if c.exact}
    cands = [c for c in cands if c.exact or not any(
        e == c.end and s > c.start and not _qualifier(text[c.start:s]) for e, s in exact_ends)]
    chosen: list[_OrgCandidate] = []
    for cand in sorted(cands, key=lambda c: (-(c.end - c.start), c.start)):
        if not any(cand.start < c.end and c.start < cand.end for c in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.start)


def _local_region(text: str, pos: int, level_char: str) -> str | None:
    """For 县委 in a city report: the nearest county/district named earlier in the same sentence."""
    k = pos
    while k > 0 and text[k - 1] not in _SENTENCE_END:
        k -= 1
    best = None
    for m in re.finditer(rf"[{CJK}]{{1,4}}{level_char}", text[k:pos]):
        for i in range(m.start(), m.end() - 1):
            word = text[k + i:k + m.end()]
            if word in gz.region_by_name():
                best = word
                break
    return best


def _org_canonical(name: str, start: int, text: str, ctx: UnitContext) -> tuple[str | None, dict]:
    """The merge key for an organisation name, or None when it is generic or unresolvable."""
    attrs: dict = {}
    if name.startswith("原") and len(name) > 3:
        name, attrs["former"] = name[1:], True
    for old, new in gz.CANONICAL_REWRITES:
        name = name.replace(old, new)
    unsessioned = re.sub(rf"第{NUMBER}届", "", name)        # 政协桑植县第九届委员会
    for form in (unsessioned, text[max(0, start - 2):start] + unsessioned):
        if form in ctx.aliases:
            return ctx.aliases[form], attrs | {"unit": True}
    if name in gz.CENTRAL_BODIES:
        return gz.CENTRAL_BODIES[name], attrs
    if name in gz.KNOWN_BODIES:
        return gz.KNOWN_BODIES[name], attrs
    if _generic_org(name) or text.startswith("网", start + len(name)):
        return None, attrs
    for alias in sorted(ctx.aliases, key=len, reverse=True):
        if len(alias) >= 3 and name.startswith(alias):
            rest = name[len(alias):]
            if rest.endswith(gz.INTERNAL_ORGAN_TAILS) or rest in gz.GENERIC_ORGS:
                return None, attrs
            return ctx.aliases[alias] + rest, attrs
    for pattern, template in gz.CANONICAL_PATTERNS:
        if re.match(pattern, name) and ctx.city:
            return template.format(city=ctx.city), attrs
    return _qualify(name, start, text, ctx), attrs


def _generic_org(name: str) -> bool:
    """部门, 全国公共图书馆, 市委大院: classes of bodies and buildings, not bodies."""
    name = re.sub(r"^(?:全省|全市|全县|全国|各类|各)", "", name)
    if name in gz.GENERIC_ORGS or name.endswith(gz.NOT_ORG_ENDINGS):
        return True
    head = next((h for h in gz.ORG_HEADS if name.startswith(h)), "")
    body = name[len(head):]
    return bool(head) and (body in gz.GENERIC_ORGS or body.startswith(gz.GENERIC_AFTER_HEAD))


def _qualify(name: str, start: int, text: str, ctx: UnitContext) -> str | None:
    """市委宣传部 -> 张家界市委宣传部; None when the level cannot be tied to a region."""
    lead = next((p for p in ("共青团", "中共") if name.startswith(p)), "")
    body = name[len(lead):]
    if not body or body[0] not in "省市县区" or _place_at(body, 0):
        return name
    if body[1:] in gz.GENERIC_AFTER_LEVEL:
        return None
    region = ctx.region_for(body[0]) or (
        _local_region(text, start, body[0]) if body[0] in "县区" else None)
    if not region or region[-1] != body[0]:
        return None
    return lead + join_region(region, body)


def _alias_within_report(mentions: list[Mention], headless: set[int], core: str | None) -> None:
    """A short name inside a longer one in the same report is that body.

    文化馆 -> 益阳市文化馆, 羽星酒店 -> 益阳市朝阳羽星酒店, 省厅 -> 湖南省文旅厅 (when it is the only 厅).
    """
    names = {m.canonical for m in mentions}
    for i, mention in enumerate(mentions):
        if len(mention.name) == 2 and mention.name[0] in "省市县" and mention.name[1] in "厅局":
            mention.canonical = _line_department(mention, names, core)      # 省厅
            continue
        longer = [n for n in names if n != mention.canonical and n.endswith(mention.canonical)]
        if not longer:
            continue
        best = max(longer, key=len)
        prefix = best[: -len(mention.canonical)]
        if i in headless or _place_at(prefix, 0) == len(prefix) or prefix in gz.region_by_name():
            mention.canonical = best


def _line_department(mention: Mention, names: set[str], core: str | None) -> str:
    """省厅 in a 文旅广体局 report is the provincial department of the same line: 湖南省文旅厅."""
    region, suffix = mention.canonical[:-1], mention.name[1]
    same = [n for n in names if n.startswith(region) and n.endswith(suffix) and n != mention.canonical]
    bigrams = {core[i:i + 2] for i in range(len(core) - 1)} if core else set()
    line = [n for n in same if any(b in n for b in bigrams)]
    if len(line) == 1:
        return line[0]
    return same[0] if len(same) == 1 else mention.canonical


def _org_mentions(text: str, ctx: UnitContext, seg: _Segmentation,
                  blocked: list[tuple[int, int]]) -> list[Mention]:
    mentions: list[Mention] = []
    headless: set[int] = set()
    for cand in _select(_org_candidates(text, ctx, seg, blocked), text):
        name = text[cand.start:cand.end]
        canonical, attrs = _org_canonical(name, cand.start, text, ctx)
        if canonical is None and not (cand.headless and _generic_org(name)):
            continue
        if cand.headless:
            headless.add(len(mentions))
        mentions.append(Mention("organization", name, canonical or name, (cand.start, cand.end),
                                attrs=attrs))
    _alias_within_report(mentions, headless, ctx.core)
    central = set(gz.CENTRAL_BODIES.values())
    return [m for m in mentions if m.canonical in central or not _generic_org(m.canonical)]

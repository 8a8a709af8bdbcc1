"""People: names with their roles and organisations, editors and contact persons."""
from __future__ import annotations

import re
from functools import lru_cache

from reports.grammar import CJK, is_cjk
from reports.grammar import gazetteer as gz
from reports.model import Mention

from .base import _SENTENCE_END
from .orgs import _inside, _org_canonical
from .segment import _jieba_words, _Segmentation, _Token
from .titles import _alt
from .unit import UnitContext


@lru_cache(maxsize=1)
def _role_re() -> re.Pattern:
    role = _alt(gz.ROLE_TITLES)
    return re.compile(f"(?:{role})(?:、?(?:{role}))*")


_ROLE_FRAGMENTS = ("组长", "成员", "主任", "书记", "主席", "局长", "领导")


def _name_at(text: str, pos: int, seg: _Segmentation, *, strict: bool = True) -> int | None:
    """End of a personal name starting at `pos`, or None. jieba's nr tag first, then a length rule."""
    if pos >= len(text):
        return None
    if text.startswith(gz.COMPOUND_SURNAMES, pos):
        surname = 2
    elif text[pos] in gz.SURNAMES:
        surname = 1
    else:
        return None
    token = seg.by_start.get(pos)
    if token and token.flag.startswith("nr") and 2 <= len(token.word) <= 3 and _plausible(token.word):
        return token.end
    for length in (surname + 1, surname + 2):
        end = pos + length
        if end > len(text) or not all(is_cjk(c) for c in text[pos:end]):
            return None
        following = text[end:end + 1]
        if following == "" or following in gz.NAME_FOLLOW:
            word = text[pos:end]
            if not _plausible(word) or (strict and word in _jieba_words() and not _is_name_token(token)):
                return None
            return end
    return None


def _is_name_token(token: _Token | None) -> bool:
    return bool(token and token.flag.startswith("nr"))


def _plausible(word: str) -> bool:
    return not any(f in word for f in _ROLE_FRAGMENTS) and word not in gz.SET_PHRASE_PERSONS \
        and word not in gz.short_place_names() and word not in gz.region_by_name()


def _split_roles(role_text: str) -> str:
    """党组成员副局长 -> 党组成员、副局长 (one separator style for every role)."""
    return "、".join(m.group(0) for m in re.finditer(_alt(gz.ROLE_TITLES), role_text))


def _sentence_start(text: str, pos: int) -> int:
    k = pos
    while k > 0 and text[k - 1] not in _SENTENCE_END:
        k -= 1
    return k


# A committee, government or central body written right before a role: the post is there.
_HIGHER_BODY = re.compile(r"(?:中央|国务院|全国人大|全国政协|(?:省|市|州|县|区|自治区)(?:委|政府|人大常委会|政协|纪委监委|纪委))$")


def _person_org(text: str, role_start: int, role: str, ctx: UnitContext,
                orgs: list[Mention]) -> str | None:
    """The organisation a role belongs to: written just before it, the unit, or a nearby association."""
    before = text[max(0, role_start - 12):role_start]
    for alias in sorted(ctx.aliases, key=len, reverse=True):
        if before.endswith(alias) or before.endswith(alias.removesuffix("党组")):
            return ctx.canonical
    if before.endswith("局") and ctx.canonical and ctx.canonical.endswith("局"):
        return ctx.canonical
    for org in orgs:
        if org.span[1] == role_start:
            return org.canonical
    higher = _HIGHER_BODY.search(before)
    if higher:
        return higher.group(0)  # 省委书记李希: a post in the committee, not in the unit
    if role.startswith(gz.PARTY_GROUP_ROLES):
        return ctx.canonical
    sentence = _sentence_start(text, role_start)
    nearby = [o for o in orgs if sentence <= o.span[0] < role_start
              and o.canonical.endswith(gz.MEMBERSHIP_SUFFIXES) and o.canonical != ctx.canonical]
    return nearby[-1].canonical if nearby else ctx.canonical


def _roles_before_names(text: str, ctx: UnitContext, seg: _Segmentation, orgs: list[Mention],
                        blocked: list[tuple[int, int]]) -> tuple[list[Mention], list[tuple[int, int]]]:
    """党组书记、主席覃文乐 ; 党组成员彭义、杨次洪 ; 局党组成员副局长徐志成."""
    people, role_spans = [], []
    for m in _role_re().finditer(text):
        if _inside(m.span(), blocked) or text[m.start() - 1:m.start()] == "总":
            continue
        role = _split_roles(m.group(0))
        org = _person_org(text, m.start(), role, ctx, orgs)
        pos, found = m.end(), False
        while True:
            end = _name_at(text, pos, seg)
            if end is None:
                break
            found = True
            people.append(_person(text, pos, end, role, org))
            if text[end:end + 1] != "、":
                break
            pos = end + 1
        if found:
            role_spans.append(m.span())
    return people, role_spans


def _person(text: str, start: int, end: int, role: str | None, org: str | None) -> Mention:
    attrs = {"org": org} if org else {}
    return Mention("person", text[start:end], text[start:end], (start, end), role=role, attrs=attrs)


def _titles_after_names(text: str, seg: _Segmentation, orgs: list[Mention],
                        blocked: list[tuple[int, int]]) -> list[Mention]:
    """瞿海书记 (but never 习近平总书记): a name-tagged word right before a title."""
    people = []
    for m in re.finditer(_alt(gz.ROLE_AFTER_NAME), text):
        token = seg.by_end.get(m.start())
        if token is None or not token.flag.startswith("nr") or not 2 <= len(token.word) <= 3:
            continue
        if token.word[0] not in gz.SURNAMES or not _plausible(token.word) or m.group(0) == "同志":
            continue
        if _inside((token.start, m.end()), blocked):
            continue
        sentence = _sentence_start(text, token.start)
        bodies = [o for o in orgs if sentence <= o.span[0] < token.start and o.canonical.endswith("委")]
        org = bodies[-1].canonical if bodies else None
        people.append(_person(text, token.start, token.end, m.group(0), org))
    return people


_LABEL_RE = re.compile(r"(?P<label>责任编辑|编辑|作者|撰稿|供稿|审核|审校|校对|摄影|联系人|联系电话)\s*[:：]\s*")
_LABEL_ROLES = {"责任编辑": "编辑", "编辑": "编辑", "作者": "作者", "撰稿": "作者", "供稿": "作者", "审核": "审核",
                "审校": "审核", "校对": "校对", "摄影": "摄影", "联系人": "联系人", "联系电话": "联系人"}


PAGE_CREDIT = "page"  # attrs["credit"]: the web page's editor, named in its byline, not in the report
# attrs["relation"]: how the report relates a person to the bodies it names (graph/build.py reads it).
STAFF = "staff"      # holds a post the text names, at the organisation in attrs["org"]
CITED = "cited"      # quoted or studied: their speech, instruction or remarks (讲话, 批示, 重要论述)
CONTACT = "contact"  # the report's contact person (联系电话:蔡毅): no post is stated
NAMED = "named"      # named without a post (关于胡星等同志…的通知)
# What a cited person said, written after the name in the same sentence: 李克强在…会议上的讲话,
# 瞿海书记专门作出了“…”的批示, 李希同志听取…时的讲话精神.
_CITING = re.compile(r"讲话|批示|指示|重要论述|论述|署名文章|重要文章|贺信|题词|致辞|报告精神|要求精神")
_CITING_WINDOW = 80


def _labelled_people(text: str, seg: _Segmentation) -> list[Mention]:
    """编辑:谢航, 作者:…, 审核:… (the web page's credits, marked as such), 联系电话:蔡毅 (contact person)."""
    people = []
    for m in _LABEL_RE.finditer(text):
        end = _name_at(text, m.end(), seg, strict=False)
        if end is not None:
            role = _LABEL_ROLES[m.group("label")]
            person = _person(text, m.end(), end, role, None)
            if role != "联系人":
                person.attrs["credit"] = PAGE_CREDIT
            people.append(person)
    return people


def _relation(text: str, person: Mention, ctx: UnitContext) -> str | None:
    """staff / cited / contact / named, from what the text says around the mention (credits: None)."""
    if person.attrs.get("credit"):
        return None
    if person.role == "联系人":
        return CONTACT
    org = person.attrs.get("org")
    after = re.split(r"[。;；\n]", text[person.span[1]:person.span[1] + _CITING_WINDOW], maxsplit=1)[0]
    if _CITING.search(after) and (org is None or org != ctx.canonical):
        return CITED  # the unit's own secretary speaking at its meeting stays its staff
    return STAFF if person.role and org else NAMED


def _unroled_people(text: str, seg: _Segmentation, titles: list[tuple[int, int]]) -> list[Mention]:
    """关于胡星等同志 (inside titles too) and speakers: 李克强在…会议上的讲话."""
    people = []
    for m in re.finditer(rf"(?:(?<=关于)|(?<=[、,，]))([{CJK}]{{2,3}}?)等同志", text):
        if m.group(1)[0] in gz.SURNAMES and _plausible(m.group(1)):
            people.append(_person(text, m.start(1), m.end(1), None, None))
    for token in seg.tokens:
        if not token.flag.startswith("nr") or not 2 <= len(token.word) <= 3:
            continue
        if token.word[0] not in gz.SURNAMES or not _plausible(token.word) or _inside(
                (token.start, token.end), titles):
            continue
        if text.startswith("在", token.end) and re.match(r"在[^。;；]{2,40}?讲话", text[token.end:]):
            people.append(_person(text, token.start, token.end, None, None))
    return people


def _person_mentions(text: str, ctx: UnitContext, seg: _Segmentation, orgs: list[Mention],
                     titles: list[tuple[int, int]]) -> tuple[list[Mention], list[tuple[int, int]]]:
    blocked = titles + [m.span for m in orgs if m.attrs.get("unit") is None]
    before, role_spans = _roles_before_names(text, ctx, seg, orgs, titles)
    found = before + _titles_after_names(text, seg, orgs, blocked) + _labelled_people(text, seg)
    found += _unroled_people(text, seg, titles)
    unique: dict[tuple[int, int], Mention] = {}
    for person in found:
        if person.name not in gz.SET_PHRASE_PERSONS:
            unique.setdefault(person.span, person)
    for person in unique.values():
        relation = _relation(text, person, ctx)
        if relation:
            person.attrs["relation"] = relation
    return sorted(unique.values(), key=lambda p: p.span), role_spans


def _trim_orgs_at_roles(text: str, orgs: list[Mention], role_spans: list[tuple[int, int]],
                        ctx: UnitContext) -> list[Mention]:
    """省作协党组书记: the organisation is 省作协, 党组书记 is the role; 局党组书记 leaves no organisation."""
    kept = []
    for org in orgs:
        cut = next((s for s, _ in role_spans if org.span[0] < s < org.span[1]), None)
        if cut is None:
            kept.append(org)
            continue
        name = text[org.span[0]:cut]
        canonical, attrs = _org_canonical(name, org.span[0], text, ctx)
        if canonical and name not in gz.GENERIC_ORGS and len(name) >= 2:
            kept.append(Mention("organization", name, canonical, (org.span[0], cut), attrs=attrs))
    return kept

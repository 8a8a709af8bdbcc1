"""Entity mentions in a report: people, organisations, inspection teams, 《》 titles, document numbers, places.

Rule-based on purpose: statistical taggers miss 市委/省委-style bodies and read 党组书记 as a name, and
nothing may be downloaded. jieba supplies word boundaries and person-name tags; cpca's place list
supplies regions; every vocabulary decision is a table in `reports.gazetteer`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from reports import gazetteer as gz
from reports.model import Mention
from reports.numerals import cn_to_int, int_to_cn

__all__ = [
    "PAGE_CREDIT",
    "TITLE_CLASSES",
    "TYPES",
    "UnitContext",
    "canonical_doc_number",
    "extract_entities",
    "unit_context",
]

TYPES = ("organization", "person", "regulation", "document", "inspection_team", "place", "work")
TITLE_CLASSES = ("regulation", "central", "superior", "own", "work")

_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_CN_DIGITS = "一二三四五六七八九十"
_CLAUSE_END = set(",，。;；:：!！?？\n")
_SENTENCE_END = set("。;；\n")
_NON_ACTOR_FLAGS = ("v", "p", "c", "u", "d", "r", "m", "q", "f", "t", "y", "e", "o", "x", "a", "l", "i")


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


# --------------------------------------------------------------------------------------------
# Segmentation (jieba), cached per text because every extractor pass needs it.
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str
    flag: str


class _Segmentation:
    """jieba tokens with offsets: word boundaries and person-name (nr*) tags."""

    def __init__(self, text: str) -> None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(60)
        self.tokens: list[_Token] = []
        pos = 0
        for pair in jieba.posseg.cut(text):
            self.tokens.append(_Token(pos, pos + len(pair.word), pair.word, pair.flag))
            pos += len(pair.word)
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


# --------------------------------------------------------------------------------------------
# The inspected unit: canonical name, aliases, region.
# --------------------------------------------------------------------------------------------

@dataclass
class UnitContext:
    """What a report says about its own unit; aliases resolve 市文联/我局/局党组 to `canonical`."""

    unit: str | None = None
    canonical: str | None = None
    short: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    province: str | None = None
    city: str | None = None
    county: str | None = None
    level: str | None = None
    round: str | None = None
    kind: str | None = None

    def region_for(self, level_char: str) -> str | None:
        """The region a bare 省/市/县/区 refers to in this report (市委 in a 张家界 report: 张家界市)."""
        if level_char == "省":
            return self.province
        if level_char == "市":
            return self.city
        if self.county and self.county.endswith(level_char):
            return self.county
        return None

    @property
    def core(self) -> str | None:
        """The short name without its level character (文联, 文旅广体局, 政协)."""
        if not self.short:
            return None
        return self.short[1:] if self.short[0] in "省市县区" else self.short


def _find_region(name: str) -> gz.Region | None:
    """The most specific cpca area named in `name` (桑植县 beats 湖南省)."""
    table = gz.region_by_name()
    best: gz.Region | None = None
    for i in range(len(name)):
        for j in range(min(len(name), i + 8), i + 1, -1):
            found = table.get(name[i:j])
            if found and (best is None or found[0].rank > best.rank):
                best = found[0]
                break
    if best is None:
        for short, full in gz.short_place_names().items():
            if short in name and full in table:
                return table[full][0]
    return best


def _derive_short(canonical: str, region: gz.Region | None) -> str | None:
    """市文联 from 张家界市文学艺术界联合会; 县政协 from 政协桑植县委员会."""
    m = re.match(r"^政协.+?([省市县区])委员会$", canonical)
    if m:
        return m.group(1) + "政协"
    if region is None or not canonical.startswith(region.name):
        return None
    rest = canonical[len(region.name):]
    for long, short in gz.ABBREVIATIONS:
        rest = rest.replace(long, short)
    return region.name[-1] + rest


def _unit_aliases(ctx: UnitContext, region: gz.Region | None) -> dict[str, str]:
    """Every way the report may write its own unit, mapped to the canonical name."""
    canonical, core = ctx.canonical, ctx.core
    bases = {canonical, ctx.short}
    if region is not None and canonical.startswith(region.name):
        rest = canonical[len(region.name):]
        bases.add(region.name[-1] + rest)                    # 省作家协会
        region_short = region.name[:-1] if len(region.name) > 2 else region.name
        if core:
            bases |= {region.name + core, region_short + core}   # 益阳市文旅广体局, 庆阳文联
    if region is not None and core and region.name not in canonical.split(core)[0]:
        bases.add(region.name + core)                          # 桑植县政协
        if len(region.name) > 2:
            bases.add(region.name[:-1] + core)
    if core and len(core) >= 3:
        bases.add(core)                                        # 文旅广体局
    aliases: dict[str, str] = {}
    for base in filter(None, bases):
        for form in (base, base + "党组", "中共" + base + "党组"):
            aliases[form] = canonical
        if core and len(core) == 2:
            aliases[core + "党组"] = canonical                  # 文联党组
    if ctx.unit:
        aliases[ctx.unit] = canonical
    if canonical[-1] in "局厅委办院馆会部":
        aliases["我" + canonical[-1]] = canonical               # 我局
        aliases[canonical[-1] + "党组"] = canonical             # 局党组
    return aliases


def unit_context(text: str, unit: str | None = None, unit_short: str | None = None) -> UnitContext:
    """Resolve the unit (from the arguments, else the first 中共…党组 in the text) and its region."""
    if not unit:
        m = re.search(r"中共[\u4e00-\u9fff]{2,30}?党组", text)
        unit = m.group(0) if m else None
    ctx = UnitContext(unit=unit, short=unit_short)
    round_m = re.search(rf"[{_CN_DIGITS}]+届[省市县]委第[{_CN_DIGITS}]+轮", text)
    ctx.round = round_m.group(0) if round_m else None
    ctx.kind = "巡视" if text.count("巡视") > text.count("巡察") else "巡察"
    if not unit:
        return ctx
    ctx.canonical = re.sub(r"(党组|党委)$", "", re.sub(r"^中共", "", unit))
    region = _find_region(ctx.canonical)
    if region is not None:
        ctx.province = region.name if region.rank == 0 else region.province
        ctx.city = region.name if region.rank == 1 else region.city
        ctx.county = region.name if region.rank == 2 else None
        ctx.level = "省市县"[region.rank]
    given = _strip_region(ctx.short, region)
    derived = _derive_short(ctx.canonical, region)
    ctx.short = given or derived
    ctx.aliases = _unit_aliases(ctx, region)
    if ctx.short != derived and derived:                       # both spellings resolve to the unit
        ctx.aliases.update(_unit_aliases(UnitContext(canonical=ctx.canonical, short=derived), region))
    if unit_short:
        ctx.aliases[unit_short] = ctx.canonical
    return ctx


def _strip_region(short: str | None, region: gz.Region | None) -> str | None:
    """桑植县政协 -> 县政协: a short name is kept as level character + core."""
    if not short or region is None:
        return short
    for prefix in (region.name, region.name[:-1]):
        if len(prefix) >= 2 and short.startswith(prefix) and len(short) > len(prefix):
            return region.name[-1] + short[len(prefix):]
    return short


# --------------------------------------------------------------------------------------------
# 《》 titles and document numbers
# --------------------------------------------------------------------------------------------

@dataclass
class _Title:
    start: int                      # first character inside the brackets
    end: int                        # the closing bracket
    outer: _Title | None = None
    left: str = ""                  # the clause before the title (or before its run)
    right: str = ""
    doc_number: tuple[str, str, tuple[int, int]] | None = None   # canonical, as written, span

    def text(self, text: str) -> str:
        return text[self.start:self.end]


def _scan_titles(text: str) -> list[_Title]:
    """Outer 《…》 titles plus titles nested inside them with <>, 〈〉 or 《》."""
    titles: list[_Title] = []
    i = text.find("《")
    while i != -1:
        stack: list[int] = []
        nested: list[tuple[int, int]] = []
        j, closed = i + 1, False
        while j < len(text) and j - i < 300 and text[j] != "\n":
            ch = text[j]
            if ch in "<〈《":
                stack.append(j)
            elif stack and ch in ">〉》":
                nested.append((stack.pop() + 1, j))
            elif ch == "》":
                closed = True
                break
            j += 1
        if closed:
            outer = _Title(i + 1, j)
            titles.append(outer)
            titles.extend(_Title(s, e, outer=outer) for s, e in nested)
        i = text.find("《", j + 1 if closed else i + 1)
    return titles


_DOCNUM_RE = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,12})\s*[〔\[［(（【]\s*(?P<year>(?:19|20)\d{2})\s*"
    r"[〕\]］)）】]{1,2}\s*(?P<num>\d{1,4})\s*号")
_DOCNUM_LEAD = re.compile(r"^(?:根据|按照|依据|依照|印发|转发|下发|参照|执行|的|文件)+")


def canonical_doc_number(prefix: str, year: str | int, number: str | int) -> str:
    """One written form for every document number: 益文旅广体发[2022]42号 -> 益文旅广体发〔2022〕42号."""
    return f"{prefix}〔{int(year)}〕{int(number)}号"


def _doc_numbers(text: str) -> list[tuple[str, str, tuple[int, int]]]:
    """(canonical, as written, span) for each document number, including 鲁厅字[2017])57号."""
    found = []
    for m in _DOCNUM_RE.finditer(text):
        prefix = _DOCNUM_LEAD.sub("", m.group("prefix"))
        if not prefix:
            continue
        start = m.end() - len(m.group(0)) + (len(m.group("prefix")) - len(prefix))
        found.append((canonical_doc_number(prefix, m.group("year"), m.group("num")),
                      text[start:m.end()], (start, m.end())))
    return found


def _attach_doc_numbers(text: str, titles: list[_Title], numbers: list) -> list:
    """Give each number to the title it directly follows: 《…》(益发[2022]12号). Returns the rest."""
    by_close = {t.end: t for t in titles if t.outer is None}
    loose = []
    for number in numbers:
        start = number[2][0]
        close = text.rfind("》", 0, start)
        title = by_close.get(close)
        if title is not None and re.fullmatch(r"\s*[(（]?\s*", text[close + 1:start]):
            title.doc_number = number
        else:
            loose.append(number)
    return loose


def _set_title_contexts(text: str, titles: list[_Title]) -> None:
    """Left context = the clause before the title; titles in a run (《A》、《B》) share the first's."""
    previous: _Title | None = None
    for title in titles:
        if title.outer is not None:
            title.left = text[title.outer.start:title.start - 1]
            title.right = text[title.end + 1:title.outer.end]
            continue
        opening = title.start - 1
        gap = text[previous.end + 1:opening] if previous else None
        if previous is not None and re.fullmatch(r"\s*(?:[(（][^()（）]{0,25}号[)）]+)?\s*(?:、|和|及|与|以及)?\s*",
                                                 gap):
            title.left = previous.left
        else:
            k = opening
            while k > 0 and opening - k < 40 and text[k - 1] not in _CLAUSE_END:
                k -= 1
            title.left = text[k:opening]
        title.right = text[title.end + 1:title.end + 15]
        previous = title


def _canonical_title(name: str) -> str:
    """Nested brackets as 〈〉, one dash, known misspellings fixed, so repeated citations merge."""
    out = name.replace("<", "〈").replace(">", "〉").replace("《", "〈").replace("》", "〉")
    out = re.sub(r"[—–－]", "-", out).replace("（", "(").replace("）", ")")
    out = re.sub(r"\s+", "", out)
    return gz.REGULATION_ALIASES.get(out, out)


@lru_cache(maxsize=1)
def _province_names() -> tuple[str, ...]:
    names = [r.name for r in gz.regions() if r.rank == 0]
    names += [s for s, full in gz.short_place_names().items() if full in names]
    return tuple(sorted(names, key=len, reverse=True))


def _starts_with_place(title: str) -> bool:
    table, shorts = gz.region_by_name(), gz.short_place_names()
    return any(title[:n] in table or title[:n] in shorts for n in range(2, 8))


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class _TitleClassifier:
    """Ordered rules; the first that fires decides. Its index is the rule's strength (lower wins)."""

    def __init__(self, ctx: UnitContext) -> None:
        self.ctx = ctx
        aliases = [a for a in ctx.aliases if len(a) >= 3]
        self.alias_re = re.compile(_alt(aliases)) if aliases else None
        issuers = gz.CENTRAL_ISSUERS + gz.SUPERIOR_ISSUERS + _province_names() + tuple(
            filter(None, [ctx.city, ctx.province]))
        issuer = f"(?P<issuer>{_alt(issuers)})"
        self.issuer_re = re.compile(
            rf"{issuer}(?:、(?:{_alt(issuers)}))*(?:等\d*家单位)?(?:{_alt(gz.ISSUE_VERBS)})?(?:了|的)?$"
            rf"|{issuer.replace('issuer', 'issuer2')}[^,，。;；向给报递]{{0,8}}的$")
        alias_tail = f"(?:{_alt(aliases)})?" if aliases else ""
        self.own_verb_re = re.compile(rf"(?:{_alt(gz.OWN_VERBS)})(?:了|并|的)?(?:新修订的)?{alias_tail}$")
        self.learn_re = re.compile(rf"(?:{_alt(gz.LEARN_VERBS)})(?:了)?(?:[^,，。;；]*、)?$")
        places = _alt(list(gz.region_by_name()) + list(gz.short_place_names()))
        subs = "|".join(s if s != "中心" else "中心(?![城组工])" for s in gz.SUBORDINATE_SUFFIXES)
        self.subordinate_re = re.compile(rf"^(?:{places})[\u4e00-\u9fff]{{0,10}}?(?:{subs})")
        self.rules = (
            ("regulation", self._regulation), ("work", self._work), ("issuer", self._issuer),
            ("own", self._own_title), ("own", self._own_verb), ("own", self._subordinate),
            ("docnum", self._docnum), ("central", self._central_prefix), ("superior", self._learn),
            ("own", self._alias_in_clause), ("superior", self._place_prefix), ("superior", self._nested),
        )

    def classify(self, name: str, title: _Title) -> tuple[str, int]:
        for index, (label, rule) in enumerate(self.rules):
            result = rule(name, title)
            if result:
                return (result if isinstance(result, str) else label), index
        return "own", len(self.rules)

    def _regulation(self, name: str, title: _Title) -> bool:
        return (bool(re.search(gz.REGULATION_SUFFIX, name)) and name != "章程"
                and not _starts_with_place(name) and not self._has_alias(name))

    def _work(self, name: str, title: _Title) -> bool:
        return not any(k in name for k in gz.DOC_KEYWORDS)

    def _issuer(self, name: str, title: _Title) -> str | None:
        m = self.issuer_re.search(title.left)
        if not m:
            return None
        issuer = m.group("issuer") or m.group("issuer2")
        return "central" if issuer in gz.CENTRAL_ISSUERS else "superior"

    def _has_alias(self, name: str) -> bool:
        return bool(self.alias_re and self.alias_re.search(name))

    def _own_title(self, name: str, title: _Title) -> bool:
        return self._has_alias(name)

    def _own_verb(self, name: str, title: _Title) -> bool:
        return title.outer is None and bool(self.own_verb_re.search(title.left))

    def _subordinate(self, name: str, title: _Title) -> bool:
        return bool(self.subordinate_re.search(name))

    def _docnum(self, name: str, title: _Title) -> str | None:
        if not title.doc_number:
            return None
        core = re.sub(r"[局会委厅院部]$", "", self.ctx.core or "")
        prefix = title.doc_number[0].split("〔")[0]
        return "own" if core and core in prefix else "superior"

    def _central_prefix(self, name: str, title: _Title) -> bool:
        return name.startswith(gz.CENTRAL_TITLE_PREFIXES)

    def _place_prefix(self, name: str, title: _Title) -> bool:
        return _starts_with_place(name)

    def _learn(self, name: str, title: _Title) -> bool:
        return bool(self.learn_re.search(title.left))

    def _nested(self, name: str, title: _Title) -> bool:
        return title.outer is not None

    def _alias_in_clause(self, name: str, title: _Title) -> bool:
        return title.outer is None and self._has_alias(title.left)


def _title_mentions(text: str, ctx: UnitContext) -> tuple[list[Mention], list[_Title], list]:
    """Mentions for every 《》 title (classified per report) and for numbers no title claims."""
    titles = _scan_titles(text)
    titles.sort(key=lambda t: (t.outer.start if t.outer else t.start, t.outer is not None))
    loose = _attach_doc_numbers(text, titles, _doc_numbers(text))
    _set_title_contexts(text, titles)
    classifier = _TitleClassifier(ctx)
    decided: dict[str, tuple[str, int]] = {}
    votes = []
    for title in titles:
        name = title.text(text)
        label, strength = classifier.classify(name, title)
        canonical = _canonical_title(name)
        votes.append((title, name, canonical))
        if canonical not in decided or strength < decided[canonical][1]:
            decided[canonical] = (label, strength)
    mentions = [_title_mention(t, name, canonical, decided[canonical][0], ctx)
                for t, name, canonical in votes]
    for canonical, written, span in loose:
        mentions.append(Mention("document", written, canonical, span,
                                attrs={"doc_number": canonical, "doc_class": None}))
    return mentions, titles, loose


def _title_mention(title: _Title, name: str, canonical: str, label: str, ctx: UnitContext) -> Mention:
    kind = {"regulation": "regulation", "work": "work"}.get(label, "document")
    if label == "own" and ctx.canonical:
        canonical = f"{ctx.canonical}《{canonical}》"     # 《财务管理制度》 of one unit is not another's
    attrs: dict = {"title_class": label,
                   "doc_class": "central" if label == "regulation" else label}
    if label == "own" and ctx.canonical:
        attrs["issuer"] = ctx.canonical
    if title.doc_number:
        attrs.update(doc_number=title.doc_number[0], doc_number_text=title.doc_number[1],
                     doc_number_span=list(title.doc_number[2]))
    if title.outer is not None:
        attrs["nested_in"] = [title.outer.start, title.outer.end]
    return Mention(kind, name, canonical, (title.start, title.end), attrs=attrs)


# --------------------------------------------------------------------------------------------
# Inspection teams
# --------------------------------------------------------------------------------------------

_TEAM_RE = re.compile(
    rf"(?P<lvl>[省市县]委|中央)?(?P<num>第[{_CN_DIGITS}]{{1,3}})(?P<kind>巡察|巡视|巡查)组"
    rf"|(?P<lvl2>[省市县]委)(?P<kind2>巡察|巡视)组(?P<num2>第[{_CN_DIGITS}]{{1,3}})组"
    rf"|(?P<lvl3>[省市县]委)(?P<kind3>巡察|巡视)组(?!第)")


def _team_canonical(level: str, number: int, kind: str, ctx: UnitContext) -> tuple[str, str | None]:
    """张家界市委第三巡察组: the region keeps same-numbered teams of different cities apart."""
    region = ctx.region_for(level[0]) if level != "中央" else None
    head = _join_region(region, level) if region and region.endswith(level[0]) else level
    numeral = int_to_cn(number)
    return f"{head}第{numeral}{kind}组", region


def _team_mentions(text: str, ctx: UnitContext, blocked: list[tuple[int, int]]) -> list[Mention]:
    """Numbered teams (any word order, 巡查 typo) and 市委巡察组 resolved to the report's one team."""
    raw = []
    for m in _TEAM_RE.finditer(text):
        if _inside(m.span(), blocked):
            continue
        if m.group("num") or m.group("num2"):
            level = m.group("lvl") or m.group("lvl2")
            kind = (m.group("kind") or m.group("kind2")).replace("巡查", "巡察")
            raw.append((m, level, cn_to_int((m.group("num") or m.group("num2")).removeprefix("第")), kind))
        else:
            raw.append((m, m.group("lvl3"), None, m.group("kind3")))
    levels = {number: level for _, level, number, _ in raw if number and level}
    numbered = {(levels.get(n) or _default_level(k, ctx), n, k) for _, _, n, k in raw if n}
    mentions = []
    for m, level, number, kind in raw:
        if number is None:
            same = [t for t in numbered if t[0] == level and t[2] == kind]
            if len(same) != 1:
                continue
            level, number, kind = same[0]
        level = level or levels.get(number) or _default_level(kind, ctx)
        canonical, region = _team_canonical(level, number, kind, ctx)
        attrs = {"region": region, "level": level, "number": number, "kind": kind}
        if ctx.round:
            attrs["round"] = ctx.round
        mentions.append(Mention("inspection_team", m.group(0), canonical, m.span(), attrs=attrs))
    return mentions


def _default_level(kind: str, ctx: UnitContext) -> str:
    """巡视 is done by provincial committees, 巡察 by city (or county) ones."""
    if kind == "巡视":
        return "省委"
    return "县委" if ctx.level == "县" and not ctx.city else "市委"


# --------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------

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
    return not (following and _is_cjk(following) and not seg.is_boundary(end) and following != "党")


def _left_edge(text: str, pos: int, seg: _Segmentation, *, verbs: bool) -> int:
    """Walk left from `pos` while characters can belong to a name.

    Always stops at particles, punctuation and listed stop words; with `verbs` also at any word jieba
    tags as a verb, adverb, pronoun ... (used for names without a head, which have no other edge).
    """
    s = pos
    while s > 0 and pos - s < 24:
        ch = text[s - 1]
        if not _is_cjk(ch) or ch in gz.STOP_CHARS:
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
    m = re.match(r"[\u4e00-\u9fff]{2,4}?[区县]", text[start:stop])
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
        re.fullmatch(r"[\u4e00-\u9fff]{1,4}[区县]", prefix))


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
    for m in re.finditer(rf"[\u4e00-\u9fff]{{1,4}}{level_char}", text[k:pos]):
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
    unsessioned = re.sub(rf"第[{_CN_DIGITS}]+届", "", name)        # 政协桑植县第九届委员会
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
    return lead + _join_region(region, body)


def _join_region(region: str, body: str) -> str:
    """张家界市 + 市委宣传部 -> 张家界市委宣传部.

    A one-character place keeps the level before a committee (攸县 + 县委 -> 攸县县委) but not before a
    bureau (攸县 + 县财政局 -> 攸县财政局), as those bodies write their own names.
    """
    keep = len(region) == 2 and body[1:].startswith(("委", "政府", "人大", "政协", "纪委", "监委"))
    return region + (body if keep else body[1:])


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


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

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
        if end > len(text) or not all(_is_cjk(c) for c in text[pos:end]):
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


_LABEL_RE = re.compile(r"(?P<label>责任编辑|编辑|联系人|联系电话)\s*[:：]\s*")
_LABEL_ROLES = {"责任编辑": "编辑", "编辑": "编辑", "联系人": "联系人", "联系电话": "联系人"}


PAGE_CREDIT = "page"  # attrs["credit"]: the web page's editor, named in its byline, not in the report


def _labelled_people(text: str, seg: _Segmentation) -> list[Mention]:
    """编辑:谢航 (web-page editor, marked as the page's credit), 联系电话:蔡毅 (contact person)."""
    people = []
    for m in _LABEL_RE.finditer(text):
        end = _name_at(text, m.end(), seg, strict=False)
        if end is not None:
            role = _LABEL_ROLES[m.group("label")]
            person = _person(text, m.end(), end, role, None)
            if role == "编辑":
                person.attrs["credit"] = PAGE_CREDIT
            people.append(person)
    return people


def _unroled_people(text: str, seg: _Segmentation, titles: list[tuple[int, int]]) -> list[Mention]:
    """关于胡星等同志 (inside titles too) and speakers: 李克强在…会议上的讲话."""
    people = []
    for m in re.finditer(r"(?:(?<=关于)|(?<=[、,，]))([\u4e00-\u9fff]{2,3}?)等同志", text):
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


# --------------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------------

def _place_mentions(text: str, ctx: UnitContext, seg: _Segmentation,
                    blocked: list[tuple[int, int]]) -> list[Mention]:
    """cpca names standing as places: full names at a word start, short names as whole words."""
    table, shorts = gz.region_by_name(), gz.short_place_names()
    mentions, pos = [], 0
    while pos < len(text):
        found = None
        for n in range(8, 1, -1):
            word = text[pos:pos + n]
            token = seg.by_start.get(pos)
            whole_word = token is not None and token.word == word and token.flag == "ns"
            if word in table and word not in gz.AMBIGUOUS_PLACE_NAMES and (whole_word or (n > 2 and (seg.is_boundary(pos) or not _is_cjk(
                    text[pos - 1:pos] or " ")))):
                found = (word, word)
                break
            if word in shorts and token is not None and token.word == word:
                found = (word, shorts[word])
                break
        if found and not _inside((pos, pos + len(found[0])), blocked):
            mentions.append(_place(found[0], found[1], pos, ctx))
            pos += len(found[0])
        else:
            pos += 1
    return mentions


def _place(name: str, full: str, pos: int, ctx: UnitContext) -> Mention:
    options = gz.region_by_name()[full]
    region = next((r for r in options if ctx.province in (r.name, r.province)), options[0])
    attrs = {"adcode": region.adcode, "rank": ("province", "city", "county")[region.rank],
             "province": region.province, "city": region.city}
    return Mention("place", name, full, (pos, pos + len(name)), attrs=attrs)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

def extract_entities(text: str, *, unit: str | None = None, unit_short: str | None = None) -> list[Mention]:
    """Every entity mention in `text`, in text order; `text[m.span[0]:m.span[1]] == m.name` always.

    Mentions inside 《》 titles are not extracted as organisations, teams or places (the title is the
    entity there); people named in a title (关于胡星等同志…的通知) are. A document number is stored on
    the title it follows (attrs doc_number); only a number no title claims becomes its own mention.
    """
    ctx = unit_context(text, unit, unit_short)
    seg = _segment(text)
    title_mentions, titles, _ = _title_mentions(text, ctx)
    title_spans = [(t.start - 1, t.end + 1) for t in titles if t.outer is None]
    teams = _team_mentions(text, ctx, title_spans)
    orgs = _org_mentions(text, ctx, seg, title_spans + [t.span for t in teams])
    people, role_spans = _person_mentions(text, ctx, seg, orgs, title_spans)
    orgs = _trim_orgs_at_roles(text, orgs, role_spans, ctx)
    taken = title_spans + [m.span for m in teams + orgs + people]
    places = _place_mentions(text, ctx, seg, taken)
    everything = title_mentions + teams + orgs + people + places
    return sorted(everything, key=lambda m: (m.span[0], m.span[1], m.type))

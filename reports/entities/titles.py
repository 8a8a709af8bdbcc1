"""《》 titles (regulations, documents, works) and document numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from reports.grammar import CJK
from reports.grammar import gazetteer as gz
from reports.model import Mention

from .base import _CLAUSE_END
from .unit import UnitContext


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
    rf"(?P<prefix>[{CJK}]{{1,12}})\s*[〔\[［(（【]\s*(?P<year>(?:19|20)\d{{2}})\s*"
    r"[〕\]］)）】]{0,2}\s*(?P<num>\d{1,4})\s*号")  # no closer: a page that lost it (〔20243号)
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
        self.subordinate_re = re.compile(rf"^(?:{places})[{CJK}]{{0,10}}?(?:{subs})")
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

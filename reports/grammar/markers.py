"""The document's own enumeration: marker families induced from the report itself, not a list of known
notations. A line opens with a marker (an optional bracket, optional prefix words such as 问题 / 第 /
反馈问题第, an index in any script — digits of any width, Chinese numerals, circled numbers, a letter, or a
compound N-M / N.M — an optional counter word such as 项 / 方面, and a closing mark), or with a bullet glyph.
Lines whose markers share one shape and whose indexes count up (1, 2, 3 … restarting at 1 or running on)
form a family; families are ordered into levels by which one restarts inside which; and the level that
holds the problems is chosen from evidence in the document: the level the rectification labels follow
(整改情况: under each item), else the level whose count is the count the report states (问题N个).
Here in the grammar (below the readers and the parser): the HTML reader asks it whether a list item
already opens with its own marker. docs/decisions.md ("Reading unseen layouts: the document's own
enumeration")."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .numerals import CIRCLED, CN_ORDINAL_CLASS, to_int

__all__ = ["BULLETS", "BULLET_LEAD", "Family", "Levels", "Shape", "induce_families", "induce_levels", "marker_index",
           "parse_marker"]

# Glyphs publishers put before items instead of a number.
BULLETS = "▲△■□◆◇●○★☆•·▪▫▶►▸✦❖➢➤◎※"
# Pictographs any of which a publisher may use the same way (📌 🔹 ✅ → ⏳, as copied from a WeChat
# article): arrows, technical symbols, geometric shapes, miscellaneous symbols, dingbats and emoji, by
# Unicode block rather than by glyph. Box drawing (─ │, a table's rules) and the dingbat digits (❶ ➀,
# indexes) are not among them.
PICTOGRAPHS = ("\u2190-\u21ff\u2300-\u23ff\u25a0-\u25ff\u2600-\u2775\u2794-\u27bf\u2b00-\u2bff"
               "\U0001f300-\U0001faff")
DINGBAT_DIGITS = "\u2776-\u2793"   # ❶ … ❿, ➀ … ➉, ➊ … ➓: numbers, as ① is
# Counter words between an index and its closing mark: 第一项 / 第二方面 / 第3条 / 第一部分.
COUNTER = r"(?:(?:项|个|条|点|类)(?:问题|事项)?|方面|部分|板块|是)"   # 一是…: the counter word closes the marker itself
# Ordinal words that open items as numbers do (首先，… 其次，… 最后，…): 最后 is whatever comes next.
ORDINAL_WORDS = {"首先": 1, "其次": 2, "再次": 3, "最后": None}
# Latin prefixes of a number (No.1 / NO.2 / №3), set off as 第 is.
LATIN_PREFIX = r"No\.?|NO\.?|№"
# Closing marks, by class: the shape keeps the class, not the exact character (1. and 1、 in one list).
CLOSE_CLASS = {"、": ".", ".": ".", "．": ".", ":": ":", "：": ":", ")": ")", "）": ")", "】": "】", "]": "]",
               "〕": "〕", "》": "》", "〉": "〉", ",": ",", "，": ",", "｜": "|", "|": "|", "\u20e3": "\u20e3", "\ufe0f\u20e3": "\u20e3"}
OPEN_FOR = {")": "(", "】": "【", "]": "[", "〕": "〔", "》": "《", "〉": "〈"}
PAREN_DIGITS = "\u2474-\u2487"   # ⑴ … ⒇
ROMAN = "\u2160-\u216b\u2170-\u217b"   # Ⅰ … Ⅻ, ⅰ … ⅻ (one character each)
FINANCIAL = "壹贰叁肆伍陆柒捌玖拾"   # the financial numerals, 壹 … 玖拾玖
_FINANCIAL_TO_PLAIN = str.maketrans(FINANCIAL, "一二三四五六七八九十")
DOT_DIGITS = "\u2488-\u249b"     # ⒈ … ⒛
IDEOGRAPH_DIGITS = "\u3220-\u3229\u3280-\u3289"   # ㈠ … ㈩ and ㊀ … ㊉: one glyph each, as ⑴ and ①
# The heavenly stems, an ordinal series of their own (甲、乙、丙、 … as 一、二、三、): 甲 = 1.
STEMS = "甲乙丙丁戊己庚辛壬癸"
# A keycap (1️⃣ 2️⃣: a digit, an optional emoji selector, the enclosing keycap) closes its digit as 、 does.
KEYCAP = "\ufe0f?\u20e3"
# Numbers drawn as one glyph, by block: a list keeps to one block (⑴ ⑵ problems hold ① ② sub-items).
GLYPH_BLOCKS = (CIRCLED, PAREN_DIGITS, DOT_DIGITS, ROMAN, "\u3220-\u3229", "\u3280-\u3289", DINGBAT_DIGITS)
# Scripts of an index, each a pattern for the index alone.
SCRIPTS = {
    "d": r"\d{1,3}",
    "c": f"{CN_ORDINAL_CLASS}{{1,3}}",
    "f": f"[{FINANCIAL}]{{1,3}}",
    "o": f"[{CIRCLED}{PAREN_DIGITS}{DOT_DIGITS}{ROMAN}{IDEOGRAPH_DIGITS}{DINGBAT_DIGITS}]",
    "a": r"[A-Za-z]",
    "g": f"[{STEMS}]",
    "w": "|".join(ORDINAL_WORDS),
}
_MARKER = re.compile(
    r"^(?P<open>[(\[【〔《〈])?"
    rf"(?P<pre>[\u4e00-\u9fff]{{0,6}}?|{LATIN_PREFIX})"
    r"(?P<inner>(?<=[\u4e00-\u9fff])[(\[【〔])?"
    r"(?:(?P<o>\d{1,2})(?P<sep>[-.．—–_])(?P<m>\d{1,2})"
    r"|(?P<lo>[A-Z]{2,3}(?=[-_—–])|[A-Z])[-.．—–_]?(?P<lm>\d{1,3})(?!\d)"
    rf"|(?P<w>{'|'.join(ORDINAL_WORDS)})(?=[,，:：])"
    rf"|(?P<d>\d{{1,3}})|(?P<c>{CN_ORDINAL_CLASS}{{1,3}})|(?P<f>[{FINANCIAL}]{{1,3}})"
    rf"|(?P<ci>[{CIRCLED}{PAREN_DIGITS}{DOT_DIGITS}{ROMAN}{IDEOGRAPH_DIGITS}{DINGBAT_DIGITS}])"
    rf"|(?P<g>[{STEMS}])(?![{STEMS}])"
    r"|(?P<a>[A-Za-z])(?![A-Za-z]))"
    rf"(?P<suf>{COUNTER})?"
    rf"(?P<close>[、.．:：)）】\]〕》〉,，｜|]|{KEYCAP}|(?=\s)|(?=[【\[])|$)?")   # 问题1【整改状态:已完成】: a tag sets it off
BULLET_LEAD = re.compile(rf"^(?P<b>[{BULLETS}{PICTOGRAPHS}])\ufe0f?\s*(?=\S)")
# A prefix that is a sentence's opening words, not a label: a marker's prefix names the item (问题, 第,
# 反馈问题第, 事项), it does not run into prose (截至2024年 has no closing mark after its number anyway).
MAX_PREFIX = 6


class Texted(Protocol):
    """A line of a report as the parser holds it (reports.parse.lines.Line): only its text is read here."""

    text: str


@dataclass(frozen=True)
class Shape:
    """What stays the same across one family's markers: 【问题{d}】, 第{c}方面:, ({c}), {d}-{d}, •▲."""

    open: str = ""
    prefix: str = ""
    script: str = ""      # d c f o a g w (首先) | dd (compound N-M) | ad (code A1, ZG-01) | b (bullet)
    counter: str = ""
    close: str = ""       # a class from CLOSE_CLASS, " " (space), "" (end of line / none)
    bullet: str = ""
    block: str = ""       # script o: the glyph block its indexes come from (GLYPH_BLOCKS)
    inner: str = ""       # a bracket after the prefix words: 问题（一）

    def label(self) -> str:
        if self.script == "b":
            return self.bullet
        index = {"dd": "{d}-{d}", "ad": "{a}{d}"}.get(self.script, "{" + self.script + "}")
        return f"{self.open}{self.prefix}{self.inner}{index}{self.counter}{self.close.strip()}"

    def pattern(self) -> re.Pattern[str]:
        """A line pattern for this shape with the groups the structure reader reads: n (the index),
        t (the item's text) and, for a compound N-M, o (the outer index)."""
        if self.script == "b":
            return re.compile(rf"^(?P<b>{re.escape(self.bullet)})\ufe0f?\s*(?P<t>.*)$")
        index = {"dd": r"(?P<o>\d{1,2})[-.．—–_](?P<n>\d{1,2})", "ad": r"(?P<o>[A-Z]{2,3}(?=[-_—–])|[A-Z])[-.．—–_]?(?P<n>\d{1,3})(?!\d)"}.get(
            self.script) or (f"(?P<n>[{self.block}])" if self.block else f"(?P<n>{SCRIPTS[self.script]})")
        bare = not (self.prefix or self.counter or self.open or self.script == "o")
        close = {"": r"(?:\s+|$)" if bare else r"\s*",
                 " ": r"\s+", ".": "[、.．]", ":": "[:：]", ")": "[)）]", ",": "[,，]", "\u20e3": KEYCAP}.get(self.close, re.escape(self.close))
        tail = r"(?!\d)" if self.script in ("d", "dd") and self.close == "." else ""   # 1.5亿元 is a figure
        counter = re.escape(self.counter)
        return re.compile(rf"^{re.escape(self.open)}{re.escape(self.prefix)}{re.escape(self.inner)}{index}{counter}{close}"
                          rf"{tail}\s*(?P<t>.*)$")


@dataclass(frozen=True)
class Marker:
    shape: Shape
    index: int | None     # None for a bullet
    outer: int | None     # N of a compound N-M
    body: int             # offset in the line where the item's own text starts


def marker_index(s: str) -> int | None:
    """Value of an index in any script the grammar reads: digits (zero-padded too), Chinese, circled
    ①/⑴/⒈, Roman Ⅲ, financial 叁, or one Latin letter (a = 1)."""
    s = s.strip()
    if len(s) == 1 and ("\u2474" <= s <= "\u2487"):
        return ord(s) - 0x2473
    if len(s) == 1 and ("\u2488" <= s <= "\u249b"):
        return ord(s) - 0x2487
    if len(s) == 1 and ("\u2160" <= s <= "\u216b" or "\u2170" <= s <= "\u217b"):
        return ord(s) - (0x215F if s <= "\u216b" else 0x216F)
    if len(s) == 1 and s.isascii() and s.isalpha():
        return ord(s.lower()) - 0x60
    if len(s) == 1 and ("\u3220" <= s <= "\u3229" or "\u3280" <= s <= "\u3289"):
        return ord(s) - (0x321F if s <= "\u3229" else 0x327F)
    if len(s) == 1 and "\u2776" <= s <= "\u2793":
        return (ord(s) - 0x2776) % 10 + 1
    if len(s) == 1 and s in STEMS:
        return STEMS.index(s) + 1
    if s in ORDINAL_WORDS:
        return ORDINAL_WORDS[s]
    return to_int(s.translate(_FINANCIAL_TO_PLAIN))


def parse_marker(text: str) -> Marker | None:
    """The marker that opens a line, or None: a bullet glyph, or a bracketed / prefixed / suffixed
    index with a closing mark. A marker needs a closing mark unless a bracket, prefix word or counter
    word already sets it off (问题1 on its own line, 第一方面 then a space, 三是…); a bare index with no
    closing mark (2023年…, 1.5亿元) is prose.

    >>> [parse_marker(t).shape.label() for t in ("【一】政治建设", "问题1:学习不够", "1-2 干部", "01.制度", "三是加强")]
    ['【{c}】', '问题{d}:', '{d}-{d}', '{d}.', '{c}是']
    >>> parse_marker("2023年以来"), parse_marker("1.5亿元")
    (None, None)
    """
    b = BULLET_LEAD.match(text)
    if b:
        return Marker(Shape(script="b", bullet=b["b"]), None, None, b.end())
    m = _MARKER.match(text)
    if not m:
        return None
    opener, prefix, counter, inner = m["open"] or "", m["pre"] or "", m["suf"] or "", m["inner"] or ""
    raw_close = m["close"]
    if raw_close is None and (m["ci"] or counter == "是"):
        raw_close = ""   # ①… and 一是… need no closing mark
    if raw_close is None:
        return None
    close = CLOSE_CLASS.get(raw_close, " " if raw_close == "" and m.end() < len(text) else "")
    if (m["ci"] or counter == "是" or text[m.end():m.end() + 1] in ("【", "[")) and close == " ":
        close = ""   # ① text and ①text are one shape, as are 一是 text and 一是text
    if (opener and inner) or ((opener or inner) and OPEN_FOR.get(close) != (opener or inner)):
        return None   # a bracket opened must close with its pair: (一) 【一】 问题(一), never (一、
    if m["w"] and (prefix or opener):
        return None   # 首先，… opens an item only as the line's first word
    if close == "," and not (prefix.endswith(("第", "其")) or m["w"]):
        return None   # 第一,… and 其一,… are ordinals; 一,… is a clause
    padded = bool(m["d"]) and len(m["d"]) == 2 and m["d"].startswith("0") and close == " "   # 01 关于…: no figure
    if close in (" ", "") and not (prefix or counter or opener or m["o"] or m["lo"] or m["ci"] or padded):
        return None   # a bare number then a space or nothing: a figure, not a marker
    if m["a"] and (prefix or close not in (".", ")")):
        return None   # a letter is an index only as a./a)/(a)
    if m["o"] or m["lo"]:
        if inner or (close == "" and m.end() < len(text)):
            return None
        if m["lo"]:   # A1 B2 / A-1: a letter for the category, a number for the item (a code); ZG-01: a task code
            outer = marker_index(m["lo"]) if len(m["lo"]) == 1 else None
            return Marker(Shape(opener, prefix, "ad", counter, close), int(m["lm"]), outer, _body(text, m.end()))
        shape = Shape(opener, prefix, "dd", counter, close)
        return Marker(shape, int(m["m"]), int(m["o"]), _body(text, m.end()))
    script = next(k for k in ("d", "c", "f", "ci", "g", "a", "w") if m[k])
    value = m[script]
    block = next((b for b in GLYPH_BLOCKS if re.fullmatch(f"[{b}]", value)), "") if script == "ci" else ""
    shape = Shape(opener, prefix, "o" if script == "ci" else script, counter, close, block=block, inner=inner)
    if script == "d" and close == "." and re.match(r"\d", text[m.end():]):
        return None   # 1.5亿元: a decimal figure
    return Marker(shape, marker_index(value), None, _body(text, m.end()))


def _body(text: str, at: int) -> int:
    return at + len(text[at:]) - len(text[at:].lstrip())


@dataclass
class Family:
    """Lines that open with one marker shape and count up: runs restart at 1 (a list per section) or
    run on. `items` are line indexes; `runs` split them where the index restarts."""

    shape: Shape
    items: list[int] = field(default_factory=list)
    indexes: list[int | None] = field(default_factory=list)
    runs: list[list[int]] = field(default_factory=list)

    @property
    def bullet(self) -> bool:
        return self.shape.script == "b"

    def pattern(self) -> re.Pattern[str]:
        return self.shape.pattern()


MIN_ITEMS = 2


def induce_families(lines: Sequence[Texted], fields: re.Pattern[str] | None = None) -> list[Family]:
    """Every family of the lines, in order of first appearance. An item continues its shape's current
    run when its index is the next one, starts a new run at 1 (or, for a compound N-M, when N moves
    on), and is left out otherwise (a stray 3. in a paragraph of figures); a shape with fewer than two
    items in sequence is no family. A line that `fields` matches (整改1:, a rectification's label) is a
    field of the item above it, not an item."""
    families: dict[Shape, Family] = {}
    last_outer: dict[Shape, int | None] = {}
    for i, ln in enumerate(lines):
        marker = parse_marker(ln.text)
        if marker is None or (fields is not None and fields.match(ln.text)):
            continue
        fam = families.setdefault(marker.shape, Family(marker.shape))
        if fam.bullet:
            if not fam.runs:
                fam.runs.append([])
            fam.runs[-1].append(i)
            fam.items.append(i)
            fam.indexes.append(None)
            continue
        prev = fam.indexes[-1] if fam.indexes else None
        if marker.index is None and prev is not None:   # 最后，… closes the run it follows
            marker = Marker(marker.shape, prev + 1, marker.outer, marker.body)
        outer_moved = marker.outer is not None and last_outer.get(marker.shape) not in (None, marker.outer)
        if prev is not None and marker.index == prev + 1 and not outer_moved:
            fam.runs[-1].append(i)
        elif marker.index == 1 or not fam.runs or (outer_moved and marker.index == 1):
            fam.runs.append([i])
        elif len(fam.runs[-1]) == 1 and len(fam.runs) == 1 and fam.indexes[-1] is not None \
                and marker.index is not None and marker.index < fam.indexes[-1]:
            fam.runs[-1] = [i]   # the first run began at a stray item: start over at this one
            fam.items.pop()
            fam.indexes.pop()
        else:
            continue
        fam.items.append(i)
        fam.indexes.append(marker.index)
        if marker.outer is not None:
            last_outer[marker.shape] = marker.outer
    out = [f for f in families.values() if _valid(f)]
    return sorted(out, key=lambda f: f.items[0])


def _valid(f: Family) -> bool:
    """Two or more items that count (a run of two, or two runs each opening at 1); bullets repeat."""
    if len(f.items) < MIN_ITEMS:
        return False
    if f.bullet:
        return True
    return any(len(r) >= 2 for r in f.runs) or (sum(1 for r in f.runs if r) >= 2 and f.indexes.count(1) >= 2)


@dataclass
class Levels:
    """The families of a document ordered into levels: `parent[k]` is the family family k restarts
    inside (None for a top level)."""

    families: list[Family]
    parent: list[int | None]

    def depth(self, k: int) -> int:
        d = 0
        while self.parent[k] is not None and d < len(self.families):
            k = self.parent[k]
            d += 1
        return d

    def children(self, k: int) -> list[int]:
        return [j for j, p in enumerate(self.parent) if p == k]


def induce_levels(families: list[Family]) -> Levels:
    """Which family nests in which. For every run of a family, the nearest item above its start that
    belongs to an older family (one whose first item comes earlier) votes for that family as the
    parent; the run-on case (1. 2. | 3. 4. under 一、 二、) votes the same way. A family that no older
    family's item precedes is a top level."""
    owner: dict[int, int] = {}
    for k, f in enumerate(families):
        for i in f.items:
            owner.setdefault(i, k)
    order = sorted(owner)
    parent: list[int | None] = []
    for k, f in enumerate(families):
        votes: Counter[int] = Counter()
        for run in f.runs:
            start = run[0]
            above = next((owner[i] for i in reversed(order) if i < start and owner[i] != k
                          and families[owner[i]].items[0] < f.items[0]), None)
            if above is not None:
                votes[above] += 1
        parent.append(votes.most_common(1)[0][0] if votes else None)
    _break_cycles(parent)
    return Levels(families, parent)


def _break_cycles(parent: list[int | None]) -> None:
    for k in range(len(parent)):
        seen = {k}
        j = parent[k]
        while j is not None:
            if j in seen:
                parent[k] = None
                break
            seen.add(j)
            j = parent[j]

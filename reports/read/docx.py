"""Word .docx extraction: paragraphs and table rows in body order, with list numbering rendered."""
from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reports.grammar.numerals import CN_DIGIT_CHARS, cn_numeral
from reports.shared.notices import Notice

from .limits import _MIB, MAX_DOCX_PART_BYTES, MAX_DOCX_TOTAL_BYTES, ReadError

log = logging.getLogger(__name__)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ZH_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def _zh_number(n: int, digits: str = CN_DIGIT_CHARS, ten: str = "十", hundred: str = "百") -> str:
    """Chinese counting numeral as written in headings (Arabic outside 1..999, as Word falls back)."""
    return cn_numeral(n, digits, ten, hundred) or str(n)


def _letters(n: int) -> str:
    """A..Z, AA.. as Word counts letters (repeat the letter)."""
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                       (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out.append(sym * count)
    return "".join(out)


def _enclosed(n: int, first: int, last_n: int) -> str:
    return chr(first + n - 1) if 1 <= n <= last_n else str(n)


_NUM_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
    "decimalFullWidth2": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
    "decimalHalfWidth": str,
    "chineseCounting": _zh_number,
    "chineseCountingThousand": _zh_number,
    "taiwaneseCounting": _zh_number,
    "taiwaneseCountingThousand": _zh_number,
    "japaneseCounting": _zh_number,
    "ideographDigital": lambda n: "".join(("〇" + CN_DIGIT_CHARS[1:])[int(d)] for d in str(n)),
    "taiwaneseDigital": lambda n: "".join(("〇" + CN_DIGIT_CHARS[1:])[int(d)] for d in str(n)),
    "chineseLegalSimplified": lambda n: _zh_number(n, _ZH_LEGAL, "拾", "佰"),
    "ideographLegalTraditional": lambda n: _zh_number(n, "零壹貳參肆伍陸柒捌玖", "拾", "佰"),
    "ideographTraditional": lambda n: _TIANGAN[(n - 1) % 10] if n > 0 else str(n),
    "ideographZodiac": lambda n: _DIZHI[(n - 1) % 12] if n > 0 else str(n),
    "decimalEnclosedCircle": lambda n: _enclosed(n, 0x2460, 20),
    "decimalEnclosedCircleChinese": lambda n: _enclosed(n, 0x2460, 20),
    "decimalEnclosedParen": lambda n: _enclosed(n, 0x2474, 20),
    "decimalEnclosedFullstop": lambda n: _enclosed(n, 0x2488, 20),
    "ideographEnclosedCircle": lambda n: _enclosed(n, 0x3280, 10),
    "upperLetter": _letters,
    "lowerLetter": lambda n: _letters(n).lower(),
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
}


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int
    restart: int | None  # w:lvlRestart: None = after any higher level, 0 = never
    legal: bool
    suffix: str          # tab | space | nothing


def _attr(el, tag: str, default: str | None = None) -> str | None:
    """w:val of child `tag` of el (None-safe)."""
    if el is None:
        return default
    child = el.find(_W + tag)
    return default if child is None else child.get(_W + "val", default)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _Numbering:
    """Renders Word automatic numbering (numPr) the way Word shows it, best effort.

    Real reports number their headings (一、 (一) 1.) with Word lists, so the text python-docx
    gives has no markers at all; the parser finds problems by those markers.
    """

    def __init__(self, doc) -> None:
        self.levels: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.style_numpr: dict[str, tuple[str | None, int | None]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self._style_links: dict[str, str] = {}
        self._load_numbering(doc)
        self._load_styles(doc)

    def _load_numbering(self, doc) -> None:
        try:
            from docx.opc.constants import RELATIONSHIP_TYPE as RT

            root = doc.part.part_related_by(RT.NUMBERING).element
        except (KeyError, AttributeError):
            return
        style_links: dict[str, str] = {}
        for absn in root.findall(_W + "abstractNum"):
            aid = absn.get(_W + "abstractNumId")
            self.levels[aid] = {_int(lvl.get(_W + "ilvl"), 0): self._level(lvl) for lvl in absn.findall(_W + "lvl")}
            link = _attr(absn, "numStyleLink")
            if link:
                style_links[aid] = link
        for num in root.findall(_W + "num"):
            overrides = {_int(o.get(_W + "ilvl"), 0): _int(_attr(o, "startOverride"), 1)
                         for o in num.findall(_W + "lvlOverride") if o.find(_W + "startOverride") is not None}
            self.nums[num.get(_W + "numId")] = (_attr(num, "abstractNumId") or "", overrides)
        self._style_links = style_links

    @staticmethod
    def _level(lvl) -> _Level:
        restart = _attr(lvl, "lvlRestart")
        return _Level(fmt=_attr(lvl, "numFmt", "decimal") or "decimal", text=_attr(lvl, "lvlText", "") or "",
                      start=_int(_attr(lvl, "start"), 1), restart=None if restart is None else _int(restart, 0),
                      legal=lvl.find(_W + "isLgl") is not None, suffix=_attr(lvl, "suff", "tab") or "tab")

    def _load_styles(self, doc) -> None:
        """Paragraph styles can carry numbering (Heading 1 -> 一、); remember numPr and basedOn."""
        raw: dict[str, tuple[str | None, int | None, str | None]] = {}
        for st in doc.styles.element.findall(_W + "style"):
            ppr = st.find(_W + "pPr")
            numpr = ppr.find(_W + "numPr") if ppr is not None else None
            num_id = _attr(numpr, "numId")
            ilvl = _attr(numpr, "ilvl")
            raw[st.get(_W + "styleId")] = (num_id, None if ilvl is None else _int(ilvl, 0), _attr(st, "basedOn"))
        for sid in raw:
            self.style_numpr[sid] = self._resolve_style(raw, sid)

    @staticmethod
    def _resolve_style(raw, sid: str) -> tuple[str | None, int | None]:
        num_id, ilvl, seen = None, None, set()
        while sid in raw and sid not in seen:
            seen.add(sid)
            n, lv, based = raw[sid]
            num_id = num_id if num_id is not None else n
            ilvl = ilvl if ilvl is not None else lv
            sid = based
        return num_id, ilvl

    def _abstract_of(self, num_id: str) -> str | None:
        aid = self.nums.get(num_id, ("", {}))[0]
        link = self._style_links.get(aid)
        if link and not self.levels.get(aid):  # list defined through a numbering style
            linked = self.style_numpr.get(link, (None, None))[0]
            if linked and linked in self.nums:
                aid = self.nums[linked][0]
        return aid if aid in self.levels else None

    def _num_pr(self, p) -> tuple[str | None, int]:
        ppr = p.find(_W + "pPr")
        numpr = ppr.find(_W + "numPr") if ppr is not None else None
        style = _attr(ppr, "pStyle")
        s_num, s_ilvl = self.style_numpr.get(style, (None, None)) if style else (None, None)
        num_id = _attr(numpr, "numId") or s_num
        ilvl_raw = _attr(numpr, "ilvl")
        ilvl = _int(ilvl_raw, 0) if ilvl_raw is not None else (s_ilvl or 0)
        return num_id, ilvl

    def label(self, p) -> str:
        """The marker Word would draw before paragraph `p` ('' if unnumbered); advances counters."""
        num_id, ilvl = self._num_pr(p)
        if not num_id or num_id == "0":
            return ""
        aid = self._abstract_of(num_id)
        if aid is None or ilvl not in self.levels[aid]:
            return ""
        counts = self.counters.setdefault(aid, {})
        self._apply_start_override(num_id, counts)
        levels = self.levels[aid]
        counts[ilvl] = counts.get(ilvl, levels[ilvl].start - 1) + 1
        self._reset_deeper(levels, counts, ilvl)
        return self._render(levels, counts, ilvl)

    def _apply_start_override(self, num_id: str, counts: dict[int, int]) -> None:
        """A w:num with startOverride restarts the shared abstract list the first time it is used."""
        if num_id in self.started:
            return
        self.started.add(num_id)
        for lvl, start in self.nums.get(num_id, ("", {}))[1].items():
            counts[lvl] = start - 1
            for deeper in [k for k in counts if k > lvl]:
                del counts[deeper]

    @staticmethod
    def _reset_deeper(levels: dict[int, _Level], counts: dict[int, int], ilvl: int) -> None:
        for deeper in [k for k in counts if k > ilvl]:
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart > 0 and ilvl <= restart - 1):
                del counts[deeper]

    @staticmethod
    def _render(levels: dict[int, _Level], counts: dict[int, int], ilvl: int) -> str:
        lvl = levels[ilvl]
        if lvl.fmt == "none":
            return ""
        if lvl.fmt == "bullet":
            marker = "".join("•" if "\uf000" <= ch <= "\uf0ff" else ch for ch in lvl.text) or "•"
            return marker + " "

        def one(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            ref = levels.get(k)
            n = counts.get(k, ref.start if ref else 1)
            fmt = "decimal" if (lvl.legal or ref is None) else ref.fmt
            return _NUM_FORMATS.get(fmt, str)(n)

        marker = re.sub(r"%([1-9])", one, lvl.text)
        if marker and lvl.suffix != "nothing" and not re.search(r"[、.)\]:,．)】:]$", marker):
            marker += " "
        return marker


def _owner_paragraph(el):
    node = el.getparent()
    while node is not None and node.tag != _W + "p":
        node = node.getparent()
    return node


_RUN_TEXT = {_W + "t": None, _W + "tab": "\t", _W + "br": "\n", _W + "cr": "\n", _W + "noBreakHyphen": "-",
             _W + "softHyphen": ""}


def _paragraph_text(p) -> str:
    """Text of one w:p, including runs inside hyperlinks, fields and tracked insertions, but not
    text boxes anchored in it (those are separate paragraphs Word draws elsewhere)."""
    parts = []
    for el in p.iter(*_RUN_TEXT):
        if _owner_paragraph(el) is not p:
            continue
        fixed = _RUN_TEXT[el.tag]
        parts.append(el.text or "" if fixed is None else fixed)
    return "".join(parts)


def _docx_blocks(container, numbering: _Numbering) -> Iterator[str]:
    """Paragraphs and table rows in body order (python-docx lists them separately)."""
    for child in container:
        tag = child.tag
        if tag == _W + "p":
            label = numbering.label(child)
            text = _paragraph_text(child)
            if text.strip():
                yield label + text
        elif tag == _W + "tbl":
            yield from _docx_table(child, numbering)
        elif tag in (_W + "sdt", _W + "customXml"):
            content = child.find(_W + "sdtContent")
            yield from _docx_blocks(content if content is not None else child, numbering)


def _docx_table(tbl, numbering: _Numbering) -> Iterator[str]:
    """One line per row, cells separated by a tab; merged-away cells are empty and skipped."""
    for tr in tbl.iter(_W + "tr"):
        if tr.getparent() is None or _nearest(tr, _W + "tbl") is not tbl:
            continue
        cells = []
        for tc in tr.findall(_W + "tc"):
            cells.append(" ".join(_docx_blocks(tc, numbering)).strip())
        line = "\t".join(c for c in cells if c)
        if line:
            yield line


def _nearest(el, tag: str):
    node = el.getparent()
    while node is not None and node.tag != tag:
        node = node.getparent()
    return node


def _read_docx(data: bytes, name: str) -> tuple[str, str | None]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    if not data.startswith(b"PK"):
        raise ReadError(name, "bad_docx", why=Notice("why_not_zip"))
    _check_inflated_size(data, name)
    try:
        doc = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ReadError(name, "bad_docx", why=Notice("why_corrupt_zip")) from None
    except etree.XMLSyntaxError as e:
        raise ReadError(name, "bad_docx", why=Notice("why_bad_xml", {"error": str(e)})) from None
    except (PackageNotFoundError, KeyError, ValueError) as e:
        log.debug("python-docx refused %s: %r", name, e)
        raise ReadError(name, "bad_docx", why=Notice("why_no_word_document")) from None
    numbering = _Numbering(doc)
    return "\n".join(_docx_blocks(doc.element.body, numbering)), None




def _check_inflated_size(data: bytes, name: str) -> None:
    """Refuse a zip whose members would inflate beyond the limits, before inflating anything.

    The sizes come from the central directory; zipfile stops reading a member at its declared
    size and fails the CRC check if the data runs on, so a lying header cannot inflate more."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ReadError(name, "bad_docx", why=Notice("why_corrupt_zip")) from None
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_DOCX_PART_BYTES:
            raise ReadError(name, "docx_part_too_large", member=info.filename, size_mb=info.file_size / _MIB,
                            limit_mb=MAX_DOCX_PART_BYTES // _MIB)
    if total > MAX_DOCX_TOTAL_BYTES:
        raise ReadError(name, "docx_too_large", size_mb=total / _MIB, limit_mb=MAX_DOCX_TOTAL_BYTES // _MIB)

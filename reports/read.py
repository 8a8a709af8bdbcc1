"""Turn a report file (.txt .docx .pdf .html) into normalised text the parser reads.

One entry point per source (`read_source` for paths, `read_bytes` for uploads). Each format has
a small extractor that returns the text as a reader would see it on the page; `normalize` then
maps full-width ASCII and odd spaces to one spelling and keeps an exact offset map back, so
every span the project stores points at the words the user supplied.

Everything that can go wrong with a user's file becomes one `ReadError` (a code from reports/notices.py)
naming the file; the CLI and UI show it in Chinese.
"""
from __future__ import annotations

import io
import logging
import os
import re
import statistics
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from reports.noise import is_noise_line, is_publish_info
from reports.normalize import OffsetMap, normalize
from reports.notices import XunchaError

__all__ = ["MAX_BYTES", "SUPPORTED_SUFFIXES", "ReadError", "SourceText", "read_bytes", "read_source"]

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".docx", ".pdf", ".html", ".htm")
_DEFAULT_MAX_MB = 20
_MIB = 1024 * 1024
_ENV_MAX = "XUNCHA_MAX_FILE_MB"


def _max_bytes_from_env() -> int:
    """Size limit in bytes: XUNCHA_MAX_FILE_MB if set to a positive number, else 20 MiB."""
    raw = os.environ.get(_ENV_MAX, "").strip()
    if not raw:
        return _DEFAULT_MAX_MB * _MIB
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if mb <= 0:
        log.warning("ignoring %s=%r (not a positive number); using %d MB", _ENV_MAX, raw, _DEFAULT_MAX_MB)
        return _DEFAULT_MAX_MB * _MIB
    return int(mb * _MIB)


MAX_BYTES: int = _max_bytes_from_env()


def _limit() -> int:
    """The env var wins when set at call time (tests, long-running UI); else the module value."""
    return _max_bytes_from_env() if os.environ.get(_ENV_MAX) else MAX_BYTES


class ReadError(XunchaError):
    """A file that cannot be read as report text: a code from reports/notices.py; ``str(e)`` is one
    line, ``"{path}: {reason}"``."""

    def __init__(self, path: str | os.PathLike[str], code: str, /, **params: object) -> None:
        self.path = str(path)
        super().__init__(code, path=self.path, **params)

    @property
    def reason(self) -> str:
        return self.notice.english()


@dataclass(frozen=True)
class SourceText:
    """A file read as text. Spans everywhere in the project index into `text`."""

    path: str
    format: str            # "txt" | "docx" | "pdf" | "html"
    encoding: str | None   # "utf-8", "utf-8-sig", "gb18030", ...; None for docx/pdf
    original: str          # text as decoded/extracted, before normalisation
    text: str              # normalised text
    offsets: OffsetMap = field(repr=False)  # indices in `text` -> indices in `original`


# --------------------------------------------------------------------------- entry points


def read_source(path: str | os.PathLike[str]) -> SourceText:
    """Read a report file from disk. Raises ReadError for anything that is not readable text."""
    name = str(path)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ReadError(name, "no_such_file") from None
    except PermissionError:
        raise ReadError(name, "permission_denied") from None
    except OSError as e:
        raise ReadError(name, "cannot_open", reason=str(e.strerror or e)) from None
    if p.is_dir():
        raise ReadError(name, "is_directory")
    if not p.is_file():
        raise ReadError(name, "not_regular_file")
    _check_suffix(name)
    _check_size(name, st.st_size)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ReadError(name, "cannot_read", reason=str(e.strerror or e)) from None
    return _read(data, name)


def read_bytes(data: bytes, name: str) -> SourceText:
    """Read an upload. The format comes from `name`'s suffix, overridden by unambiguous content
    (a PDF header, a Word zip), because uploads are often misnamed."""
    _check_suffix(name)
    _check_size(name, len(data))
    return _read(bytes(data), name)


def _check_suffix(name: str) -> None:
    suffix = Path(name).suffix.lower()
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        hint = " (legacy binary Word; save it as .docx)" if suffix in (".doc", ".wps") else ""
        raise ReadError(name, "unsupported_format", suffix=suffix, hint=hint, supported=" ".join(SUPPORTED_SUFFIXES))


def _check_size(name: str, size: int) -> None:
    limit = _limit()
    if size > limit:
        raise ReadError(name, "too_large", size_mb=size / _MIB, limit_mb=round(limit / _MIB, 2))
    if size == 0:
        raise ReadError(name, "empty_file")


def _read(data: bytes, name: str) -> SourceText:
    fmt = _choose_format(data, name)
    original, encoding = _EXTRACTORS[fmt](data, name)
    text, offsets = normalize(original)
    if not text.strip():
        raise ReadError(name, "blank_file") if fmt == "txt" else ReadError(name, "no_text", fmt=fmt)
    return SourceText(name, fmt, encoding, original, text, offsets)


# --------------------------------------------------------------------------- format sniffing

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"\x1f\x8b", b"\x7fELF", b"Rar!",
                 b"7z\xbc\xaf", b"BZh", b"II*\x00", b"MM\x00*", b"MZ")
_HTML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b",
                         re.IGNORECASE | re.DOTALL)


def _is_docx_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _choose_format(data: bytes, name: str) -> str:
    """Suffix first, but unambiguous content wins: a PDF named .txt is still a PDF."""
    suffix = Path(name).suffix.lower()
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04") and (suffix == ".docx" or _is_docx_zip(data)):
        return "docx"
    if head.startswith(_OLE_MAGIC):
        raise ReadError(name, "legacy_office")
    if suffix == ".docx":
        return "docx"
    if suffix == ".pdf":
        return "pdf"
    if suffix in (".html", ".htm") or _HTML_START.match(_strip_bom(head)):
        return "html"
    return "txt"


# --------------------------------------------------------------------------- encodings

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "hz_gb_2312", "hz-gb-2312", "cp936", "ms936", "euc_cn",
              "euc-cn", "x-gbk", "gb_2312_80", "gb_2312", "iso2022_cn", "chinese", "csgb2312"}
# Controls that never occur in text (tab, LF, FF, CR and ESC excluded).
_CTRL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 12, 13, 27))
_SNIFF_BYTES = 64 * 1024


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def _bom_encoding(data: bytes) -> str | None:
    return next((enc for bom, enc in _BOMS if data.startswith(bom)), None)


def _check_binary(data: bytes, name: str) -> None:
    """NUL bytes or a run of control characters mean this is not text in any encoding we read."""
    sample = data[:_SNIFF_BYTES]
    if sample.startswith(_BINARY_MAGIC) or b"\x00" in sample:
        raise ReadError(name, "binary")
    controls = len(sample) - len(sample.translate(None, _CTRL_BYTES))
    if controls > max(2, len(sample) // 100):
        raise ReadError(name, "binary")


def _canonical(encoding: str | None) -> str | None:
    """gb2312/gbk/hz (and their aliases) -> gb18030, their superset; other names lower-cased."""
    if not encoding:
        return None
    enc = encoding.strip().lower().replace("_", "-")
    if enc in _GB_FAMILY or enc.replace("-", "_") in _GB_FAMILY:
        return "gb18030"
    if enc in ("utf8", "utf-8"):
        return "utf-8"
    return enc


def _looks_chinese(text: str) -> bool:
    """Bytes decoded as GB18030 by luck give rare ideographs; real Chinese prose is >90% GB2312."""
    text = text[:200_000]
    hanzi = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not hanzi:
        return False
    common = sum(1 for ch in hanzi if _in_gb2312(ch))
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return common >= 0.8 * len(hanzi) and len(hanzi) >= 0.5 * non_ascii


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _detect(data: bytes) -> str | None:
    """charset-normalizer's best guess (None if it has none)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return best.encoding if best else None


def _decode(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    """Decode text bytes; returns (text, encoding). Never guesses from the file name.

    Order: BOM; strict UTF-8 (multi-byte UTF-8 almost never validates by accident); the
    charset an HTML page declares; charset-normalizer; GB18030 when the result reads as Chinese
    (the detector misreads short GBK snippets as UTF-16 or CP949).
    """
    bom = _bom_encoding(data)
    if bom:
        try:
            return data.decode(bom), bom
        except UnicodeDecodeError:
            raise ReadError(name, "bad_bom", bom=bom) from None
    _check_binary(data, name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared, detected = _canonical(declared), _canonical(_detect(data))
    if declared and declared != "gb18030" and (text := _try_decode(data, declared)) is not None:
        return text, declared
    if detected in _OTHER_CJK and len(data) >= 200:
        raise ReadError(name, "undecodable", tried=["utf-8", "gb18030"], guess=f"; detector guessed {detected}")
    gb = _try_decode(data, "gb18030")
    if gb is not None and ("gb18030" in (declared, detected) or _looks_chinese(gb)):
        return gb, "gb18030"
    if detected and detected != "gb18030" and (text := _try_decode(data, detected)) is not None:
        return text, detected
    tried = list(dict.fromkeys(["utf-8", *(e for e in (declared,) if e in _ACCEPTED), "gb18030"]))
    guess = f"; detector guessed {detected}" if detected and detected not in ("gb18030", "utf-8") else ""
    raise ReadError(name, "undecodable", tried=tried, guess=guess)


# Encodings we decode without a BOM: the GB family (as gb18030) and Big5 for Traditional Chinese.
_ACCEPTED = ("gb18030", "big5", "big5hkscs")
# Korean/Japanese double-byte text also decodes as GB18030 (EUC-KR Hangul sits where GB2312 puts
# common hanzi), so on enough bytes (>= 200; shorter GBK snippets get misread) the detector's
# "this is Korean/Japanese" is believed and the file refused rather than read as nonsense.
_OTHER_CJK = frozenset({"cp949", "euc-kr", "euc_kr", "johab", "iso2022-kr", "shift-jis", "shift_jis", "cp932",
                        "euc-jp", "euc_jp", "iso2022-jp", "iso2022_jp"})


def _try_decode(data: bytes, enc: str) -> str | None:
    """Strict decode in one of the encodings Chinese reports come in; None if it fails."""
    if enc not in _ACCEPTED:
        return None
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _read_txt(data: bytes, name: str) -> tuple[str, str | None]:
    return _decode(data, name)


# --------------------------------------------------------------------------- docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ZH_DIGITS = "零一二三四五六七八九"
_ZH_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def _zh_number(n: int, digits: str = _ZH_DIGITS, ten: str = "十", hundred: str = "百") -> str:
    """Chinese counting numeral as written in headings: 1 一, 10 十, 11 十一, 21 二十一, 105 一百零五."""
    if not 0 < n < 1000:
        return str(n)
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        lead = "" if tens == 1 and digits is _ZH_DIGITS else digits[tens]
        return lead + ten + (digits[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = digits[0] + digits[rest]
    else:
        tens, ones = divmod(rest, 10)
        tail = digits[tens] + ten + (digits[ones] if ones else "")
    return digits[hundreds] + hundred + tail


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
    "ideographDigital": lambda n: "".join(("〇" + _ZH_DIGITS[1:])[int(d)] for d in str(n)),
    "taiwaneseDigital": lambda n: "".join(("〇" + _ZH_DIGITS[1:])[int(d)] for d in str(n)),
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

    if not data.startswith(b"PK"):
        raise ReadError(name, "bad_docx", why="not a zip archive")
    try:
        doc = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ReadError(name, "bad_docx", why="corrupt zip archive") from None
    except (PackageNotFoundError, KeyError, ValueError) as e:
        log.debug("python-docx refused %s: %r", name, e)
        raise ReadError(name, "bad_docx", why="no Word document inside the zip") from None
    numbering = _Numbering(doc)
    return "\n".join(_docx_blocks(doc.element.body, numbering)), None


# --------------------------------------------------------------------------- pdf

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－~·]*\s*\d{1,4}\s*[-—–－~·]*|第\s*\d{1,4}\s*页(?:\s*[,,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|页码)\s*[::]?\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)\s*$",
    re.IGNORECASE,
)
# Terminal punctuation: a line ending in one of these closes a sentence (full-width too: this runs
# before normalisation).
_TERMINAL = tuple("。;:!?”;:!?")
_ZH_NUM = "一二三四五六七八九十百"
# Line starts that open a heading, a numbered problem or a rectification block: never glued to
# the line before.
_STRONG_MARKER = re.compile(
    rf"^\s*(?:[{_ZH_NUM}]+[、.．]|[((][{_ZH_NUM}]+[))]|\d{{1,3}}[、．]|\d{{1,3}}\.(?!\d)|\d{{1,3}}\.(?=\d{{4}}年)"
    rf"|[((]\d{{1,3}}[))]|问题[{_ZH_NUM}\d]+|第[{_ZH_NUM}\d]+[章节条部分项]"
    r"|(?:整改|进展|落实)(?:情况|措施|成效|进度)\s*[::]|附件)"
)
# Markers that also occur mid-paragraph ("…。二是…", "…方面。①…"): they start a new line only in
# documents that do not indent paragraphs (otherwise indentation says it better).
_WEAK_MARKER = re.compile(r"^\s*(?:[①-⑳⑴-⒇⒈-⒛]|[一二三四五六七八九十]是)")


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef" \
        or ch in "“”‘’—…·"


@dataclass
class _PdfLine:
    text: str
    x0: float
    x1: float
    height: float
    lead: float  # width of the first unbreakable token ("2022-2025", or one character)
    page: int


def _pdf_lines(data: bytes, name: str) -> list[list[_PdfLine]]:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [_page_lines(page, i) for i, page in enumerate(pdf.pages)]
    except ReadError:
        raise
    except Exception as e:
        detail = f"{type(e).__name__} {e} {e.__cause__!r}"
        if "password" in detail.lower() or "encrypt" in detail.lower():
            raise ReadError(name, "pdf_encrypted") from None
        log.debug("pdfplumber refused %s: %s", name, detail)
        raise ReadError(name, "bad_pdf", why="damaged or incomplete file") from None


def _page_lines(page, index: int) -> list[_PdfLine]:
    lines = []
    for ln in page.dedupe_chars().extract_text_lines(strip=True, return_chars=True, keep_blank_chars=True):
        chars = sorted((c for c in ln["chars"] if c.get("text")), key=lambda c: c["x0"])
        text = _chars_text(chars).strip()
        if text:
            lines.append(_PdfLine(text, ln["x0"], ln["x1"], ln["bottom"] - ln["top"], _lead_width(chars), index))
    return lines


def _chars_text(chars: list[dict]) -> str:
    """Line text from its glyphs. Space glyphs are kept; a visual gap becomes a space only between
    non-Chinese glyphs (justified Chinese is spaced out, but has no word spaces)."""
    out: list[str] = []
    prev = None
    for c in chars:
        ch = c["text"]
        if prev is not None and ch != " " and prev["text"] != " ":
            gap = c["x0"] - prev["x1"]
            if gap > 0.3 * (c.get("size") or 10) and not (_is_cjk(ch[0]) or _is_cjk(prev["text"][-1])):
                out.append(" ")
        out.append(ch)
        prev = c
    return "".join(out)


def _is_ideograph(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _lead_width(chars: list[dict]) -> float:
    """Width of what layout had to move to this line as a unit: one Chinese character with the
    punctuation that may not start a line, or a run of other glyphs up to the next Chinese
    character ("—2025", a URL), plus the character an opening bracket/quote clings to."""
    glyphs = [c["text"][0] for c in chars]
    if not glyphs:
        return 0.0
    end = 0
    if _is_ideograph(glyphs[0]):
        while end + 1 < len(glyphs) and glyphs[end + 1] in ",。、;:?!”’)》〕】,;:?!)":
            end += 1
    else:
        while end + 1 < len(glyphs) and not _is_ideograph(glyphs[end + 1]):
            end += 1
        if all(g in "“‘(《〔【([" for g in glyphs[: end + 1]) and end + 1 < len(glyphs):
            end += 1
    return chars[end]["x1"] - chars[0]["x0"]


def _drop_page_furniture(pages: list[list[_PdfLine]]) -> list[_PdfLine]:
    """Remove page numbers ('- 3 -', '第3页') and running headers/footers from page edges."""
    repeated = _running_lines(pages)
    kept = []
    for lines in pages:
        n = len(lines)
        for i, line in enumerate(lines):
            at_edge = i < 2 or i >= n - 2
            if at_edge and (_PAGE_NUMBER.match(line.text) or _digits_masked(line.text) in repeated):
                continue
            kept.append(line)
    return kept


def _digits_masked(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _running_lines(pages: list[list[_PdfLine]]) -> set[str]:
    """Text that opens or closes most pages (a running header/footer), digits masked."""
    if len(pages) < 3:
        return set()
    counts: dict[str, int] = {}
    for lines in pages:
        for key in {_digits_masked(ln.text) for ln in lines[:1] + lines[-1:]}:
            counts[key] = counts.get(key, 0) + 1
    return {k for k, c in counts.items() if c >= 3 and c >= 0.6 * len(pages)}


@dataclass
class _Layout:
    left: float
    right: float
    char: float
    indents: bool


def _layout(lines: list[_PdfLine]) -> _Layout:
    """Text block edges and character size, from the lines themselves (most lines are wrapped
    body lines, so the 10th/90th percentiles of their edges are the margins)."""
    x0s = sorted(ln.x0 for ln in lines)
    x1s = sorted(ln.x1 for ln in lines)
    char = statistics.median(ln.height for ln in lines) or 10.0
    layout = _Layout(x0s[len(x0s) // 10], x1s[(len(x1s) * 9) // 10], char, False)
    after_end = [b for a, b in pairwise(lines) if a.text.endswith(_TERMINAL) and not _is_full(a, layout)]
    indented = sum(1 for ln in after_end if _is_indented(ln, layout))
    layout.indents = len(after_end) >= 2 and indented >= 0.6 * len(after_end)
    return layout


def _is_full(line: _PdfLine, layout: _Layout, lead: float = 0.0) -> bool:
    """Could the next line's first token (`lead` wide) not fit after `line`? Then layout wrapped.

    Layout engines leave up to about a character of slack (kinsoku, mixed widths). Indented
    documents can afford that slack because indentation separates paragraphs; in flush-left ones
    a short title would be glued to the paragraph after it, so the test is tighter there."""
    slack = 1.0 if layout.indents else 0.25
    return line.x1 + max(lead, layout.char) + slack * layout.char >= layout.right


def _is_indented(line: _PdfLine, layout: _Layout) -> bool:
    return line.x0 > layout.left + 0.8 * layout.char


def _continues(prev: _PdfLine, nxt: _PdfLine, layout: _Layout) -> bool:
    """Did layout wrap `prev` into `nxt`? Only a line that runs to the right margin can wrap; a
    heading/number marker or (in indented documents) an indented line starts something new."""
    if _STRONG_MARKER.match(nxt.text) or not _is_full(prev, layout, nxt.lead):
        return False
    if layout.indents:
        return not _is_indented(nxt, layout)  # a sentence may end at the margin; indentation decides
    return not (_WEAK_MARKER.match(nxt.text) or prev.text.endswith(_TERMINAL))


def _join_wrapped(lines: list[_PdfLine]) -> str:
    if not lines:
        return ""
    layout = _layout(lines)
    out = [lines[0].text]
    for prev, nxt in pairwise(lines):
        if _continues(prev, nxt, layout):
            glue = " " if re.match(r"[A-Za-z]", nxt.text) and re.search(r"[A-Za-z,]$", out[-1]) else ""
            out[-1] += glue + nxt.text
        else:
            out.append(nxt.text)
    return "\n".join(out)


def _read_pdf(data: bytes, name: str) -> tuple[str, str | None]:
    if b"%PDF-" not in data[:1024]:
        raise ReadError(name, "bad_pdf", why="no %PDF header")
    pages = _pdf_lines(data, name)
    if not any(pages):
        raise ReadError(name, "pdf_no_text")
    text = _join_wrapped(_drop_page_furniture(pages))
    if len(re.findall(r"\(cid:\d+\)", text)) * 8 > len(text):
        raise ReadError(name, "pdf_no_unicode")
    return text, None


# --------------------------------------------------------------------------- html

_HTML_DROP_ALWAYS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
                     "canvas", "link", "meta", "head", "select", "option", "input", "button", "textarea")
_HTML_CHROME_TAGS = ("nav", "header", "footer", "form", "aside", "menu")
_CHROME_TOKENS = frozenset([
    "breadcrumb", "breadcrumbs", "crumb", "crumbs", "bread", "position", "location", "dqwz",
    "dqwzs", "weizhi", "share", "shares", "bdshare", "bdsharebuttonbox", "jiathis", "fenxiang",
    "print", "dayin", "toolbar", "tools", "nav", "navbar", "navigation", "menu", "footer",
    "copyright", "sidebar", "related", "xgwz", "xgxx", "qrcode", "ewm", "erweima", "pager",
    "pagination", "prevnext", "sxp", "header",
])
_BLOCK_TAGS = frozenset([
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "thead", "tfoot", "tr", "ul", "caption", "title",
])
_HTML_WS = re.compile(r"[ \t\n\r\f]+")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_HANZI = re.compile(r"[\u4e00-\u9fff]")
_TITLE_MIN_HANZI = 8  # report titles are long; a shorter <title>/<h1> is the site name ("张家界廉政网")
_MAIN_SHARE = 0.75  # descend into a child holding at least this share of its parent's prose


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "ignore") if m else None


def _hanzi(text: str) -> int:
    return len(_HANZI.findall(text))


def _prose_score(el) -> int:
    """Chinese characters in `el` that are not link text (navigation is mostly links)."""
    return _hanzi(el.get_text()) - sum(_hanzi(a.get_text()) for a in el.find_all("a"))


def _tokens(el) -> set[str]:
    values = [*(el.get("class") or []), el.get("id") or ""]
    return {t for v in values for t in re.split(r"[-_\s]+", str(v).lower()) if t}


def _render_lines(el) -> list[str]:
    """Visible text of `el`, one line per block element; ASCII whitespace collapses like a browser."""
    from bs4 import NavigableString
    from bs4.element import PreformattedString

    buf: list[str] = []

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):
                    buf.append(_HTML_WS.sub(" ", str(child)))
            elif child.name == "br":
                buf.append("\n")
            elif child.name in ("td", "th"):
                buf.append("\t")
                walk(child)
                buf.append("\t")
            elif child.name in _BLOCK_TAGS:
                buf.append("\n")
                walk(child)
                buf.append("\n")
            else:
                walk(child)

    walk(el)
    lines = (re.sub(r"[ \t]*\t[ \t]*", "\t", ln).strip() for ln in "".join(buf).split("\n"))
    return [ln for ln in lines if ln]


def _one_line(el) -> str:
    return "".join(_render_lines(el))


def _page_title(soup) -> tuple[str | None, object | None]:
    """The article title and its element, if any. Government CMSs put it in <meta ArticleTitle>,
    an <h1>/<h2> or a .title block; <title> repeats it with the site name appended."""
    meta = soup.find("meta", attrs={"name": re.compile(r"^articletitle$", re.IGNORECASE)})
    meta_title = " ".join((meta.get("content") or "").split()) if meta else ""
    head_title = " ".join(soup.title.get_text().split()) if soup.title else ""
    parts = re.split(r"\s*[_|–—]\s*|\s+-\s+", head_title)
    core = meta_title or max(parts, key=_hanzi, default="")
    candidates = soup.find_all(["h1", "h2", "h3"]) + [
        el for el in soup.find_all(True) if "title" in _tokens(el) and el.name not in ("title", "meta")]
    for el in candidates:
        text = _one_line(el)
        if core and _hanzi(text) >= _TITLE_MIN_HANZI and (text == core or core in text or
                                           (text in core and _hanzi(text) >= 0.6 * _hanzi(core))):
            return text, el
    if core and _hanzi(core) >= _TITLE_MIN_HANZI:
        return core, None
    h1 = next((el for el in soup.find_all("h1") if _hanzi(_one_line(el)) >= _TITLE_MIN_HANZI), None)
    return (_one_line(h1), h1) if h1 is not None else (None, None)


def _publish_line(soup, title_el) -> str | None:
    """The byline under the title ('来源:… 发布时间:…'); kept because it carries the publish date."""
    start = title_el if title_el is not None else soup
    strings = start.find_all_next(string=re.compile(r"(来源|发布时间|发布日期)\s*[::]"), limit=20) \
        if title_el is not None else soup.find_all(string=re.compile(r"(来源|发布时间|发布日期)\s*[::]"), limit=20)
    for s in strings:
        block = s.parent
        while block is not None and block.name not in _BLOCK_TAGS and block.name not in ("td", "th"):
            block = block.parent
        for line in _render_lines(block or s.parent):
            if is_publish_info(line):
                return line
    return None


def _strip_chrome(soup, page_score: int) -> None:
    """Drop navigation, headers, footers, forms and share/print/breadcrumb widgets. An element that
    holds much of the page's prose is unwrapped instead (ASP.NET wraps whole pages in <form>)."""
    for el in soup.find_all(_HTML_DROP_ALWAYS):
        if not el.decomposed:
            el.decompose()
    for el in soup.find_all(True):
        if el.decomposed or el.name in ("html", "body"):
            continue
        if el.name in _HTML_CHROME_TAGS or _tokens(el) & _CHROME_TOKENS:
            if page_score and _prose_score(el) > 0.4 * page_score:
                el.unwrap()
            else:
                el.decompose()


def _main_block(body):
    """Readability-style choice: walk down while one child holds most of the prose."""
    node = body
    while True:
        total = _prose_score(node)
        kids = node.find_all(True, recursive=False)
        if not kids or total <= 0:
            return node
        best = max(kids, key=_prose_score)
        if _prose_score(best) < _MAIN_SHARE * total:
            return node
        node = best


def _drop_link_lists(main) -> None:
    """Inside the article, blocks that are mostly links are 'related articles' lists and the like."""
    for el in main.find_all(["div", "ul", "ol", "table", "p", "li", "dl", "section"]):
        if el.decomposed:
            continue
        total = len("".join(el.get_text().split()))
        links = sum(len("".join(a.get_text().split())) for a in el.find_all("a"))
        if total and links >= 0.5 * total:
            el.decompose()


def _read_html(data: bytes, name: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup

    text, encoding = _decode(data, name, declared=_declared_charset(data))
    soup = BeautifulSoup(text, "lxml")
    title, title_el = _page_title(soup)
    for el in soup.find_all(["script", "style", "noscript", "template"]):
        el.decompose()
    byline = _publish_line(soup, title_el)
    body = soup.body or soup
    _strip_chrome(soup, _prose_score(body))
    main = _main_block(body)
    _drop_link_lists(main)
    lines = [ln for ln in _render_lines(main) if not is_noise_line(ln)]
    return "\n".join(_assemble(title, byline, lines)), encoding


def _assemble(title: str | None, byline: str | None, body: list[str]) -> Iterable[str]:
    """Title first, then the byline, then the article; the title is not repeated if the article
    already opens with it."""
    head = [x for x in (title, byline) if x]
    if title and title in body[:3]:
        body = [ln for i, ln in enumerate(body) if not (i < 3 and ln == title)]
    return head + body


_EXTRACTORS: dict[str, Callable[[bytes, str], tuple[str, str | None]]] = {
    "txt": _read_txt, "docx": _read_docx, "pdf": _read_pdf, "html": _read_html,
}

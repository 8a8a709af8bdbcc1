"""PDF extraction: lines by layout, running headers/page numbers dropped, wrapped lines joined."""
from __future__ import annotations

import io
import logging
import re
import statistics
from dataclasses import dataclass
from itertools import pairwise

from reports.grammar import CJK, CJK_COMPAT, CJK_SYMBOLS
from reports.grammar.numerals import CN_ORDINAL_CLASS
from reports.shared.notices import Notice

from .limits import ReadError

log = logging.getLogger(__name__)

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
_WEAK_MARKER = re.compile(rf"^\s*(?:[①-⑳⑴-⒇⒈-⒛]|{CN_ORDINAL_CLASS}是)")


# Set solid in Chinese text (no spaces between): ideographs, CJK symbols and Chinese quotes and dashes.
_SOLID = re.compile(f"[{CJK}{CJK_COMPAT}{CJK_SYMBOLS}“”‘’—…·]")
_IDEOGRAPH = re.compile(f"[{CJK}{CJK_COMPAT}]")


def _is_cjk(ch: str) -> bool:
    return bool(_SOLID.fullmatch(ch))


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
        raise ReadError(name, "bad_pdf", why=Notice("why_pdf_damaged")) from None


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
    return bool(_IDEOGRAPH.fullmatch(ch))


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
        raise ReadError(name, "bad_pdf", why=Notice("why_no_pdf_header"))
    pages = _pdf_lines(data, name)
    if not any(pages):
        raise ReadError(name, "pdf_no_text")
    text = _join_wrapped(_drop_page_furniture(pages))
    if len(re.findall(r"\(cid:\d+\)", text)) * 8 > len(text):
        raise ReadError(name, "pdf_no_unicode")
    return text, None



"""Markdown extraction: reports copied out of WeChat articles and saved as .md are read as text, their markup
stripped the way a reader sees the page (docs/decisions.md, "Reading unseen layouts: the document's own
enumeration"). Headings, emphasis, links, images, quotes, code marks and HTML tags go; a bullet item keeps
a bullet glyph (•) so the parser sees the document's own list; an ordered item keeps its number; a table
row becomes one line with its cells joined by a tab, as the HTML and Word readers render rows."""
from __future__ import annotations

import re

from .encodings import decode_text

__all__ = ["strip_markdown"]

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")          # the underline of a heading written Setext style
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_QUOTE = re.compile(r"^\s{0,3}(>\s?)+")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(?=\S)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_LINK_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$")
_EMPHASIS = re.compile(r"(\*\*\*|\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`+([^`]*)`+")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
# Front matter (--- at the top, key: value lines, ---): the site's metadata, which a rendered page never shows.
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(?:[A-Za-z_][\w-]*[ \t]*:.*\n|[ \t]+.*\n|[ \t]*\n)*?---[ \t]*(?:\n|\Z)")


def _inline(text: str) -> str:
    text = _BR.sub("\n", text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    for _ in range(3):   # nested emphasis: ***a*** / **_a_**
        text = _EMPHASIS.sub(r"\2", text)
    text = _TAG.sub("", text)
    return _ESCAPE.sub(r"\1", text)


def strip_markdown(source: str) -> str:
    """The text of a Markdown document as it reads on the page.

    >>> strip_markdown("# 通报\\n\\n**一、政治建设方面**\\n\\n- 学习不深入\\n> 整改情况:已完成\\n\\n| 序号 | 问题 |\\n|---|---|\\n| 1 | 学习 |")
    '通报\\n\\n一、政治建设方面\\n\\n• 学习不深入\\n整改情况:已完成\\n\\n序号\\t问题\\n1\\t学习'
    """
    out: list[str] = []
    fenced = False
    source = _FRONT_MATTER.sub("", source, count=1)
    for line in source.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            out.append(line)
            continue
        if _LINK_DEF.match(line) or _RULE.match(line) or _TABLE_RULE.match(line):
            continue
        if _SETEXT.match(line) and out and out[-1].strip():
            continue
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _QUOTE.sub("", line)
        line = _BULLET.sub(r"\1• ", line)
        out.append(_inline(_pipe_row(line)))
    return "\n".join(out)


def _pipe_row(line: str) -> str:
    """A table row written with pipes (| 问题 | 整改情况 |) as the readers give every table row: cells
    joined by a tab."""
    if line.strip().startswith("|") and line.strip().endswith("|") and line.count("|") >= 2:
        return "\t".join(cell.strip() for cell in line.strip()[1:-1].split("|"))
    return line


def pipe_tables(text: str) -> str:
    """A plain-text report that holds a Markdown table (a header row, then |---|---|) has its rows read
    as table rows, like a .md file's; a text without such a rule line is returned as it is.

    >>> pipe_tables("通报\\n| 问题 | 整改情况 |\\n|---|---|\\n| 1.学习不够 | 已完成 |")
    '通报\\n问题\\t整改情况\\n1.学习不够\\t已完成'
    """
    lines = text.split("\n")
    if not any("|" in ln and _TABLE_RULE.match(ln) for ln in lines):
        return text
    return "\n".join(_pipe_row(ln) for ln in lines if not ("|" in ln and _TABLE_RULE.match(ln)))


def _read_md(data: bytes, name: str) -> tuple[str, str | None]:
    text, encoding = decode_text(data, name)
    return strip_markdown(text), encoding

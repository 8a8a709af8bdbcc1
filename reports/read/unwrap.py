"""Plain text copied out of a PDF: every line broken at the page's right margin, page numbers and a
running title between pages. The PDF reader joins such lines by their geometry (reports/read/pdf.py);
a .txt has only its characters, so here a line is joined to the next when it runs to the text's
usual width and does not end a sentence. Text that is not hard-wrapped is returned unchanged.
docs/decisions.md (Reading unseen layouts)."""
from __future__ import annotations

import re
from collections import Counter

from reports.grammar.noise import is_noise_line
from reports.grammar.normalize import display_width
from reports.grammar.numerals import CN_ORDINAL_CLASS

__all__ = ["join_hard_wraps"]

TERMINAL = tuple("。！？!?；;…”」』)）")   # not a colon: a label may end a wrapped line (完成情况：|已完成)
MIN_WIDTH = 20          # display columns: shorter lines are headings or ends of paragraphs
MARGIN_SLACK = 6        # a wrapped line may stop a few columns short of the margin (a wide char, digits)
WRAPPED_SHARE = 0.3     # of the long lines, this share must run to the margin unfinished: the text is wrapped
_NEW_ITEM = re.compile(rf"^(?:{CN_ORDINAL_CLASS}{{1,3}}[、.．]|[(（](?:{CN_ORDINAL_CLASS}|\d){{1,3}}[)）]|\d{{1,3}}[.、．]"
                       rf"|第{CN_ORDINAL_CLASS}{{1,3}}[、,，])")


def _page_furniture(lines: list[str]) -> set[int]:
    """Page numbers (— 1 —) and the running title: a line repeated near two or more page numbers."""
    pages = [i for i, ln in enumerate(lines) if ln.strip() and is_noise_line(ln.strip())]
    near = Counter(lines[j].strip() for i in pages for j in range(max(0, i - 4), min(len(lines), i + 5))
                   if lines[j].strip() and j not in pages)
    running = {text for text, n in near.items() if n >= 2}
    return set(pages) | {i for i, ln in enumerate(lines) if ln.strip() in running}


def _wrapped(line: str, width: int, margin: int) -> bool:
    """Runs to the margin unfinished; a row of tab-joined cells is a table's row, never a wrapped line."""
    return width >= margin - MARGIN_SLACK and not line.rstrip().endswith(TERMINAL) and "\t" not in line


def join_hard_wraps(text: str) -> str:
    """`text` with hard-wrapped lines joined into their paragraphs, page furniture between them
    dropped; unchanged when under `WRAPPED_SHARE` of its long lines run unfinished to the margin."""
    lines = text.split("\n")
    width = [display_width(ln.rstrip()) for ln in lines]   # once per line: a 1 MB text has 3M characters
    long = [i for i, w in enumerate(width) if w >= MIN_WIDTH]
    if len(long) < 10:
        return text
    widths = sorted(width[i] for i in long)
    margin = widths[int(0.8 * (len(widths) - 1))]
    if sum(1 for i in long if _wrapped(lines[i], width[i], margin)) < WRAPPED_SHARE * len(long):
        return text
    furniture = _page_furniture(lines)
    kept = [i for i in range(len(lines)) if i not in furniture]
    out: list[str] = []
    pending_join = False
    blank_run = 0
    for i in kept:
        ln = lines[i]
        if not ln.strip():
            blank_run += 1
            continue
        starts_paragraph = ln[:1].isspace() or bool(_NEW_ITEM.match(ln.strip()))
        if pending_join and not starts_paragraph and out:
            out[-1] = out[-1].rstrip() + ln.strip()
        else:
            out.extend([""] * min(blank_run, 1) if out else [])
            out.append(ln.rstrip())
        blank_run = 0
        pending_join = _wrapped(ln, width[i], margin)   # the physical line ran to the margin unfinished
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")

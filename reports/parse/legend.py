"""Status given as a symbol the report itself defines (注:√表示已完成整改,△表示正在整改): the legend is read
from the document, never from a fixed list of symbols, and a problem whose own line carries one of its
symbols takes that status. docs/decisions.md ("Reading unseen layouts: the document's own enumeration")."""
from __future__ import annotations

import re

from reports.model import Category, walk_categories
from reports.status import STATUS_WORDS

__all__ = ["apply_legend", "read_legend", "read_word_legend"]

_ANY_STATUS = "|".join(f"(?:{pattern})" for _, pattern in STATUS_WORDS)
# A symbol, then the words that define it, then a status: √表示已完成 / ★为已完成整改 / ○:正在推进 / ▲——需长期坚持
LEGEND = re.compile(rf"(?P<sym>[^\w\s,，。:：;；、()（）\[\]【】“”\"'‘’《》.·-])\s*(?:表示|代表|为|即|是|[:：=]|—+|-+)\s*"
                    rf"(?:该?问题)?(?P<status>{_ANY_STATUS})")
MIN_SYMBOLS = 2   # a legend defines at least two symbols; one symbol-word pair is prose
# A short word a status column uses, defined by an equals sign (“进度”栏:完成=已完成整改;长期=需长期坚持).
WORD_LEGEND = re.compile(rf"(?P<word>[\u4e00-\u9fff]{{1,4}})\s*=\s*(?:整改)?(?P<status>{_ANY_STATUS})")
# A field line whose whole value is one short word (亮灯：绿 / 评级：A): looked up in the word legend.
FIELD_WORD = re.compile(r"^\s*[\u4e00-\u9fff]{1,6}\s*[:：]\s*(?P<v>[\u4e00-\u9fff]{1,4})\s*[。.]?\s*$")


def read_legend(text: str) -> dict[str, str]:
    """Symbol -> status phrase, for a report that defines two or more symbols; {} otherwise.

    >>> read_legend("注:√表示已完成整改,△表示正在整改,○表示需长期坚持。")
    {'√': '已完成整改', '△': '正在整改', '○': '需长期坚持'}
    >>> read_legend("√表示已完成")
    {}
    """
    legend: dict[str, str] = {}
    for m in LEGEND.finditer(text):
        legend.setdefault(m["sym"], m["status"])
    return legend if len(legend) >= MIN_SYMBOLS else {}


def read_word_legend(text: str) -> dict[str, str]:
    """Word -> status phrase, for a report that defines two or more of the short words its status column
    uses; {} otherwise. Only an equals sign defines a word (为 / 是 between words is prose).

    >>> read_word_legend("(状态栏:办结=已完成整改;跟进=正在推进)")
    {'办结': '已完成整改', '跟进': '正在推进'}
    """
    legend: dict[str, str] = {}
    for m in WORD_LEGEND.finditer(text):
        legend.setdefault(m["word"], m["status"])
    return legend if len(legend) >= MIN_SYMBOLS else {}


def apply_legend(text: str, categories: list[Category]) -> int:
    """Give every problem whose statement line opens or closes with a legend symbol that status (the
    report's own mark wins over a status inferred from the rectification's wording); returns how many."""
    marked = _apply_word_legend(text, categories)
    legend = read_legend(text)
    if not legend:
        return marked
    for p in walk_categories(categories):
        line_start = text.rfind("\n", 0, p.span[0]) + 1
        line_end = text.find("\n", p.span[0])
        line = text[line_start:line_end if line_end >= 0 else len(text)].strip()
        sym = next((s for s in legend if line.startswith(s) or line.rstrip("。.;；").endswith(s)
                    or p.text.startswith(s)), None)
        if sym is not None:
            p.status = legend[sym]
            if p.text.startswith(sym):
                p.text = p.text[len(sym):].lstrip()
            marked += 1
    return marked


def _apply_word_legend(text: str, categories: list[Category]) -> int:
    """A problem whose rectification holds a field of one defined word (亮灯：绿, under the legend
    绿=已完成整改;黄=整改推进中;蓝=需长期坚持) takes that word's status; the field is no measure."""
    words = read_word_legend(text)
    if not words:
        return 0
    marked = 0
    for p in walk_categories(categories):
        values = [m["v"] for ln in p.rectification.splitlines() if (m := FIELD_WORD.match(ln))]
        value = next((v for v in reversed(values) if v in words), None)
        if value is None:
            continue
        p.status = words[value]
        p.measures = [m for m in p.measures if not ((f := FIELD_WORD.match(m.text)) and f["v"] in words)]
        marked += 1
    return marked

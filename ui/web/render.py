"""Safe rendering for the Streamlit pages: every piece of report text is escaped here before any
markup is built around it (docs/decisions.md, "UI")."""
from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Sequence

from reports.grammar.numerals import CN_ORDINAL_CLASS
from reports.model import Measure, Problem, Report
from reports.status import STATUS_NAMES
from ui.service.text import EDGE_LABELS, TYPE_LABELS, shorten, type_label

__all__ = [
    "EDGE_LABELS",
    "INTERNAL_ERROR",
    "KIND_LABELS",
    "STATUS_LABELS",
    "TYPE_COLORS",
    "TYPE_LABELS",
    "chip",
    "context_window",
    "esc",
    "highlight_spans",
    "highlight_terms",
    "legend",
    "md",
    "measure_list",
    "outcome_label",
    "paragraph",
    "problem_count",
    "problem_items",
    "score_label",
    "shorten",
    "source_context",
    "type_label",
]

# One colour per node type (labels: ui.service.text.TYPE_LABELS).
TYPE_COLORS = {
    "Unit": "#d62728", "Organization": "#ff7f0e", "Person": "#1f77b4", "InspectionTeam": "#9467bd",
    "Regulation": "#2ca02c", "Document": "#8c564b", "Work": "#e377c2", "Place": "#7f7f7f",
    "Problem": "#bcbd22", "Category": "#17becf", "Report": "#393b79", "Theme": "#637939",
    "ProblemType": "#843c39",
}
KIND_LABELS = {"巡视": "巡视", "巡察": "巡察"}
STATUS_LABELS = STATUS_NAMES


def esc(value: object) -> str:
    """HTML-escaped text (quotes too); None is the empty string."""
    return "" if value is None else html.escape(str(value), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>&$:])")


def md(value: object) -> str:
    """Text made inert for Streamlit's Markdown (widget labels, expander titles, captions):
    every Markdown or HTML metacharacter is backslash-escaped, so `<script>` shows as written."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)




def chip(label: str, color: str, *, title: str | None = None) -> str:
    """A small coloured label (HTML); `label` is escaped here."""
    tip = f' title="{esc(title)}"' if title else ""
    return (f'<span class="xc-chip" style="background:{_safe_color(color)}"{tip}>{esc(label)}</span>')


def legend(types: Iterable[str]) -> str:
    """Colour legend for node types (HTML)."""
    return "".join(chip(type_label(t), TYPE_COLORS.get(t, "#999")) for t in types)


def _safe_color(color: str) -> str:
    return color if re.fullmatch(r"#[0-9a-fA-F]{3,8}", color or "") else "#999999"


def paragraph(text: str | None, *, cls: str = "xc-text") -> str:
    """Plain text as an escaped HTML block, line breaks kept."""
    return f'<div class="{cls}">{esc(text).replace(chr(10), "<br>")}</div>'


def highlight_terms(text: str, terms: Sequence[str], *, cls: str = "xc-hit") -> str:
    """`text` escaped, with every occurrence of any of `terms` (case-insensitive, longest first)
    wrapped in <mark>. Matching happens on the raw text, escaping on each piece, so a term can
    never match inside an entity like `&lt;`."""
    text = text or ""
    wanted = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not wanted:
        return esc(text)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(esc(text[pos:m.start()]))
        out.append(f'<mark class="{cls}">{esc(m.group())}</mark>')
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def highlight_spans(text: str, spans: Iterable[tuple[int, int, str]], *, offset: int = 0) -> str:
    """`text` (a window of the report starting at report offset `offset`) escaped, with each span
    `(start, end, css_class)` (report offsets) wrapped in <span class=...>. Spans may nest or
    overlap: the text is cut at every boundary and each piece gets the classes covering it.
    Line breaks become <br>."""
    n = len(text)
    local = []
    for start, end, cls in spans:
        s, e = max(0, start - offset), min(n, end - offset)
        if s < e and re.fullmatch(r"[a-z0-9_ -]+", cls):
            local.append((s, e, cls))
    cuts = sorted({0, n, *(s for s, _, _ in local), *(e for _, e, _ in local)})
    out = []
    for a, b in itertools.pairwise(cuts):
        piece = esc(text[a:b]).replace("\n", "<br>")
        classes = [c for s, e, c in local if s <= a and b <= e]
        out.append(f'<span class="{" ".join(classes)}">{piece}</span>' if classes else piece)
    return "".join(out)


CONTEXT_CHARS = 160


def context_window(text: str, start: int, end: int) -> tuple[int, int]:
    """From the line before the problem (or CONTEXT_CHARS before) to the line after its rectification."""
    lo = text.rfind("\n", 0, max(0, start - 1))
    lo = 0 if lo < 0 else lo + 1
    if start - lo > CONTEXT_CHARS:
        lo = start - CONTEXT_CHARS
    hi = text.find("\n", min(len(text), end + 1))
    hi = len(text) if hi < 0 else hi
    if hi - end > CONTEXT_CHARS:
        hi = end + CONTEXT_CHARS
    return lo, hi


def source_context(report: Report, problem: Problem, entity_spans: Iterable[tuple[int, int]] = ()) -> str:
    """The problem and its rectification in their paragraph as the report writes them (the Traditional
    original of a converted report: its spans index both texts alike), highlighted; "…" where cut."""
    text = report.original_text
    end = problem.rectification_span[1] if problem.rectification_span else problem.span[1]
    lo, hi = context_window(text, problem.span[0], end)
    spans = [(problem.span[0], problem.span[1], "problem")]
    if problem.rectification_span:
        spans.append((*problem.rectification_span, "rect"))
    spans += [(s, e, "entity") for s, e in entity_spans]
    body = highlight_spans(text[lo:hi], spans, offset=lo)
    return f'{"…" if lo > 0 else ""}{body}{"…" if hi < len(text) else ""}'


def score_label(hit: dict, mode: str = "hybrid") -> str:
    """The relevance shown to users. A calibrated score is the estimated probability that the hit is
    relevant (embeddings/calibration.py) and shows as a percentage; without a calibration (a model
    the calibration was not fitted for) hybrid scores are min-max fused in [0, 1], dense ones cosines
    and lexical ones BM25."""
    score = float(hit.get("score") or 0.0)
    if hit.get("calibrated") or mode == "hybrid":
        return f"{min(max(score, 0.0), 1.0):.0%}"
    return f"{score:.2f}"


TIER_LABELS = {"high": "高度相关", "possible": "可能相关"}


def tier_badge(hit: dict) -> str:
    """The hit's tier as a small label (HTML); nothing for uncalibrated scores."""
    label = TIER_LABELS.get(hit.get("tier") or "")
    if not label:
        return ""
    return f'<span class="xc-tier xc-tier-{esc(hit["tier"])}">{label}</span>'


def tier_summary(hits: list[dict]) -> str:
    """找到 N 个问题(高度相关 a 个,可能相关 b 个), markdown."""
    counts = {t: sum(1 for h in hits if h.get("tier") == t) for t in TIER_LABELS}
    parts = [f"{TIER_LABELS[t]} {n} 个" for t, n in counts.items() if n]
    return f"找到 **{len(hits)}** 个问题" + (f"({','.join(parts)})" if parts else "")


# One wording for the two ways of counting problems, on every page (docs/decisions.md "Problem counts"):
# 问题 are the problems as the report numbers them; a problem with 子问题 becomes one 条 per 子问题 in the
# ledger and the themes (the level where measures and status live).
ITEMS = "条"
ITEMS_HELP = ("问题:报告逐条编号的问题。条:问题台账和共性问题的计数单位,没有子问题的问题记 1 条,"
              "有子问题的按子问题逐条计。")


def problem_items(n: int) -> str:
    """A count of ledger rows / theme members: problems with their 子问题 counted one by one."""
    return f"{n} {ITEMS}问题"


def problem_count(problems: int, items: int) -> str:
    """Problems as numbered, and, when some have 子问题, the item count beside them."""
    if items == problems:
        return f"{problems} 个问题"
    return f"{problems} 个问题(按子问题计 {items} {ITEMS})"


OUTCOME_LABELS = {"ingested": "已导入", "duplicate": "重复", "skipped": "未导入", "error": "错误"}


def outcome_label(status: str) -> str:
    return OUTCOME_LABELS.get(status, status)


# What a user sees when the program, not their input, failed (the server log keeps the traceback).
INTERNAL_ERROR = "程序内部错误(详情见服务器上工作区的日志 logs/xuncha.log)"
# the search page's label on a semantic-only answer while jieba still loads (bench/bench_ui.py looks for it)
DENSE_FIRST_NOTICE = "语义检索结果,关键词索引加载中:稍后再检索一次可得完整结果。"


# A measure's label is its marker (一是, ①, (1)) after the part of the unit it belongs to when the report
# reports by parts (博物馆 一是): the part is a heading, the marker is the list's own numbering.
_MARKER = re.compile(rf"(?:{CN_ORDINAL_CLASS}+是|[\u2460-\u2473]|[(（]\d+[)）]|\d+[.、])$")


def measure_part(label: str | None) -> str:
    """The part of the unit a measure belongs to (博物馆 for "博物馆 一是"), "" when none."""
    label = (label or "").strip()
    m = _MARKER.search(label)
    return (label[:m.start()] if m else label).strip()


def measure_list(measures: Sequence[Measure], *, cls: str = "xc-text", style: str = "") -> str:
    """Measures as HTML lists, one per part of the unit with the part as its heading (文化馆 / 图书馆),
    in report order; a measure word for word the same as one shown above is not repeated but pointed to
    (同「文化馆」第 1 条), so two parts that did the same read as the same, not as a repeated list."""
    groups: list[tuple[str, list[Measure]]] = []
    for m in measures:
        part = measure_part(m.label)
        if not groups or groups[-1][0] != part:
            groups.append((part, []))
        groups[-1][1].append(m)
    seen: dict[str, str] = {}
    out = []
    for part, items in groups:
        lis = []
        for n, m in enumerate(items, 1):
            key = " ".join(m.text.split())
            if key in seen:
                lis.append(f'<li class="xc-same">{esc(seen[key])}</li>')
            else:
                seen[key] = f"同「{part}」第 {n} 条" if part else f"同上第 {n} 条"
                lis.append(f"<li>{esc(m.text)}</li>")
        head = f'<div class="xc-part">{esc(part)}</div>' if part else ""
        out.append(f'{head}<ol class="{cls}" style="{esc(style)}">{"".join(lis)}</ol>')
    return "".join(out)

"""Which layout a report's numbered items follow: feedback problems, or a narrative of rectification work.
See docs/decisions.md (Reading reports nobody here has seen, Layouts)."""
from __future__ import annotations

import re

from reports.model import Category, Problem, walk_categories

from .measures import RECT_LABEL, split_measures

__all__ = ["ACTION_START", "DEFICIENCY", "RECT_HEADING", "is_narrative", "mark_rectification_items"]

# How reports name a shortcoming.
DEFICIENCY = re.compile(
    r"不够|不到位|不严|不足|不力|不实|不深|不细|不强|不高|不全|不规范|不健全|不完善|不及时|不充分|不扎实|不精准"
    r"|不彻底|不准确|不平衡|不科学|不合理|不明显|缺乏|欠缺|缺失|缺位|薄弱|弱化|虚化|淡化|短板|差距|偏差|滞后|流于形式"
    r"|走样|变形|存在|未能|未按|未落实|没有|问题|风险|隐患|漏洞|违规|违反|失职|失责|乏力|有待|仍需|较大|较多|过多|过高"
    r"|难以|落后|软弱|涣散|乱象|现象")
# How reports open a sentence about work done.
ACTION_START = re.compile(
    r"^(?:深入|坚持|扎实|持续|加强|推进|强化|聚焦|着力|完善|健全|严格|从严|全面|切实|狠抓|压实|坚决|大力|推动|深化|提升"
    r"|优化|规范|落实|建立|突出|注重|始终|抓实|抓好|抓牢|用好|筑牢|锻造|打造|服务|助力|守牢|构建|建强|夯实|加快|积极|加大"
    r"|做实|做强|做优|提高|增强|巩固|统筹|紧扣|围绕|立足|树牢|践行|贯彻|学习|开展|实施|召开|制定|修订|出台)")
# A heading that names a problem only as the object of rectification work: 关于…问题的整改(情况),
# 关于…方面问题的整改落实. The problem is named inside it; what follows is work done.
RECT_HEADING = re.compile(r"^关于.{2,120}?(?:问题|方面|意见|情况)的?(?:整改|整改情况|整改落实情况|整改进展情况|整改落实"
                          r"|整改进展|整改工作)[。;;:]?$")
# A report is narrative when this share of its items read as work and almost none as problems.
ACTION_SHARE = 0.6
DEFICIENCY_SHARE = 0.2
LABELLED_SHARE = 0.2  # itemised problem lists label each rectification (整改情况:); a narrative does not


def _heading(p: Problem) -> str:
    """The item's first clause: what it is about, before any account of the work."""
    return re.split(r"[。;;\n]", p.text, maxsplit=1)[0]


def _labelled(p: Problem, text: str) -> bool:
    """The item's rectification opens with a label (整改情况:, 进展情况:) on its own line."""
    for q in p.walk():
        if q.rectification_span:
            start = text.rfind("\n", 0, q.rectification_span[0]) + 1
            if RECT_LABEL.match(text[start:q.rectification_span[0] + 1]):
                return True
    return False


def is_narrative(categories: list[Category], text: str | None = None) -> bool:
    """Items that read as work, not as problems: most headings open with an action verb (a
    deficiency word inside an action heading — 着力解决…不到位问题 — is the work's object), or name a
    problem only as what was rectified (关于…问题的整改) with no labelled rectification after them;
    at most a fifth of the headings state a deficiency of their own."""
    items = [p for c in categories for p in c.problems]
    if len(items) < 2:
        return False
    headings = [_heading(p) for p in items]
    actions = sum(1 for h in headings if ACTION_START.match(h))
    rectified = sum(1 for h in headings if RECT_HEADING.match(h))
    deficient = sum(1 for h in headings if DEFICIENCY.search(h) and not ACTION_START.match(h)
                    and not RECT_HEADING.match(h))
    labelled = sum(1 for p in items if _labelled(p, text)) if text is not None else 0
    if deficient > DEFICIENCY_SHARE * len(items):
        return False
    if labelled > LABELLED_SHARE * len(items):
        return actions >= ACTION_SHARE * len(items) and rectified == 0
    return actions + rectified >= ACTION_SHARE * len(items)


def mark_rectification_items(categories: list[Category], text: str) -> int:
    """Mark every item (with its children) as a rectification item; returns how many top items.
    An item read as a heading line plus paragraphs keeps the heading as its text and the
    paragraphs as its rectification (they tell the work, as 整改情况 does elsewhere)."""
    for p in walk_categories(categories):
        p.kind = "rectification_item"
        _heading_and_work(p, text)
    return sum(len(c.problems) for c in categories)


def _heading_and_work(p: Problem, text: str) -> None:
    start = p.span[0]
    end = p.rectification_span[1] if p.rectification_span and not _labelled(p, text) else p.span[1]
    # The heading is the first sentence of the first line: '(一)健全…机制' over paragraphs, or
    # '1.健全理论学习常态长效机制。学校党委修订…' / '1.关于…问题的整改。集团党组…' on one line.
    cut = text.find("\n", start, end)
    line_end = cut if cut >= 0 else end
    stop = text.find("。", start, line_end)
    if 0 <= stop < line_end - 1:
        cut = stop + 1
    if (p.rectification and _labelled(p, text)) or p.children or cut < 0:
        return
    rest = cut + len(text[cut:end]) - len(text[cut:end].lstrip())
    p.span = (start, cut)
    p.text = text[start:cut].strip()
    p.rectification_span = (rest, end)
    p.rectification = text[rest:end].strip()
    p.measures = split_measures(text, (rest, end))

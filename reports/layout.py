"""Which layout a report's numbered items follow: feedback problems, or a narrative of rectification work.
See docs/decisions.md (Reading reports nobody here has seen, Layouts)."""
from __future__ import annotations

import re

from .measures import split_measures
from .model import Category, Problem

__all__ = ["ACTION_START", "DEFICIENCY", "is_narrative", "mark_rectification_items"]

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
# A report is narrative when this share of its items read as work and almost none as problems.
ACTION_SHARE = 0.6
DEFICIENCY_SHARE = 0.2


def _heading(p: Problem) -> str:
    """The item's first clause: what it is about, before any account of the work."""
    return re.split(r"[。;;]", p.text, maxsplit=1)[0]


def is_narrative(categories: list[Category]) -> bool:
    items = [p for c in categories for p in c.problems]
    if len(items) < 2:
        return False
    headings = [_heading(p) for p in items]
    actions = sum(1 for h in headings if ACTION_START.match(h) and not DEFICIENCY.search(h))
    deficient = sum(1 for h in headings if DEFICIENCY.search(h))
    return actions >= ACTION_SHARE * len(items) and deficient <= DEFICIENCY_SHARE * len(items)


def mark_rectification_items(categories: list[Category], text: str) -> int:
    """Mark every item (with its children) as a rectification item; returns how many top items.
    An item read as a heading line plus paragraphs keeps the heading as its text and the
    paragraphs as its rectification (they tell the work, as 整改情况 does elsewhere)."""
    for c in categories:
        for top in c.problems:
            for p in top.walk():
                p.kind = "rectification_item"
                _heading_and_work(p, text)
    return sum(len(c.problems) for c in categories)


def _heading_and_work(p: Problem, text: str) -> None:
    start, end = p.span
    cut = text.find("\n", start, end)
    if cut < 0:  # '1.健全理论学习常态长效机制。学校党委修订…': the first sentence is the heading
        stop = text.find("。", start, end)
        cut = stop + 1 if 0 <= stop < end - 1 else -1
    if p.rectification or p.children or cut < 0:
        return
    rest = cut + len(text[cut:end]) - len(text[cut:end].lstrip())
    p.span = (start, cut)
    p.text = text[start:cut].strip()
    p.rectification_span = (rest, end)
    p.rectification = text[rest:end].strip()
    p.measures = split_measures(text, (rest, end))

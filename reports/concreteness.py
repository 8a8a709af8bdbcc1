"""How concrete a problem's rectification is: checkable facts (documents the unit issued, dated
actions, counts, money, people held to account, systems set up) against general words.

The weights are set by reasoning, not fitted; they were checked once against hand labels
(tests/gold/concreteness.json, bench/concreteness_eval.py). See docs/decisions.md "Audit".
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from .dates import find_dates
from .model import Mention, Problem, Span
from .status import STATUS_WORDS

__all__ = ["Concreteness", "addresses_problem", "assess", "problem_mentions", "rectification_statuses"]

# A number with what it counts: people, times, items, money, percentages. Dates are found by
# reports.dates and removed first, so 9月23日 is a date, not two counts.
COUNT = re.compile(r"(?<![\d.])(?P<n>\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)(?:余|多)?\s*"
                   r"(?P<unit>万元|元|名|人次|人|次|个|件|项|条|篇|期|场|份|家|所|批|起|笔|%|％)")
MONEY = re.compile(r"(?:清退|追回|收回|退还|退回|缴回|收缴|挽回|补缴|返还)[^。;;]{0,20}?\d+(?:\.\d+)?\s*(?:万?元)"
                   r"|\d+(?:\.\d+)?\s*万?元[^。;;]{0,12}?(?:清退|追回|收回|退还|退回|缴回|收缴|挽回|补缴|返还)")
DISCIPLINE = re.compile(r"诫勉|约谈|提醒谈话|谈话提醒|批评教育|通报批评|严肃的?批评|党纪处分|政务处分|处分|问责|追责"
                        r"|组织处理|立案审查|移送|免职|调离|检讨|责成[^。;;]{0,12}整改|专题谈话")
SYSTEM = re.compile(r"(?:建立|建立健全|健全|出台|印发|制定|修订|完善|编制|成立)(?:了|并落实)?[^。;;,,]{0,24}?"
                    r"(?:制度|机制|办法|细则|规则|规定|方案|清单|台账|档案|领导小组|工作专班|委员会)")
VAGUE = re.compile(r"进一步|持续|不断|切实|深入|努力|积极|争取|下一步|今后|加大|加强|强化|提高|提升|增强"
                   r"|常态化|长效|高度重视|认真|扎实|全面")
_OWN = {"own"}
_FACT_WEIGHTS = {"documents": 1.0, "dates": 0.6, "counts": 0.5, "money": 1.0, "discipline": 0.8, "systems": 0.5}
_CAPS = {"documents": 3, "dates": 3, "counts": 4, "money": 1, "discipline": 2, "systems": 3}
_SCALE = 3.0        # raw evidence at which the evidence part reaches 1 - e^-1
_BIGRAM_MIN = 6      # a problem statement needs this many distinct bigrams to judge addresses_problem
_ADDRESS_YES = 0.2   # reusing this share of the statement's bigrams takes the problem up
_ADDRESS_NO = 0.05   # reusing less than this share ignores it; in between cannot be judged


@dataclass
class Concreteness:
    """A rectification's concreteness (0..1) and the facts it was judged on."""

    score: float
    documents: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)
    money: list[str] = field(default_factory=list)
    discipline: list[str] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)
    vague: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    addresses_problem: bool | None = None

    def to_json(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 3)
        return d


def problem_mentions(mentions: Iterable[Mention], span: Span | None) -> list[Mention]:
    """Mentions whose start lies inside `span` (a rectification block)."""
    if span is None:
        return []
    return [m for m in mentions if span[0] <= m.span[0] < span[1]]


def rectification_statuses(text: str) -> list[str]:
    """Status codes whose phrase occurs anywhere in `text` (reports.status.STATUS_WORDS), in order."""
    return [code for code, pattern in STATUS_WORDS if re.search(pattern, text)]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def assess(problem: Problem, text: str, mentions: Iterable[Mention] = ()) -> Concreteness:
    """Concreteness of `problem`'s rectification; `text` is the report text its spans point into,
    `mentions` the report's entity mentions (documents the unit issued count, studied ones not)."""
    rect = problem.rectification or ""
    if not rect.strip():
        return Concreteness(0.0, addresses_problem=None)
    docs = [m for m in problem_mentions(mentions, problem.rectification_span)
            if m.type in ("document", "regulation")
            and ((m.attrs or {}).get("doc_class") in _OWN or (m.attrs or {}).get("doc_number"))]
    dates = find_dates(rect)
    blanked = _blank(rect, [d.span for d in dates])
    facts = {
        "documents": _unique(m.name for m in docs),
        "dates": _unique(d.text for d in dates),
        "counts": _unique(m.group(0) for m in COUNT.finditer(blanked)),
        "money": _unique(m.group(0) for m in MONEY.finditer(rect)),
        "discipline": _unique(m.group(0) for m in DISCIPLINE.finditer(rect)),
        "systems": _unique(m.group(0) for m in SYSTEM.finditer(rect)),
    }
    raw = sum(_FACT_WEIGHTS[k] * min(len(v), _CAPS[k]) for k, v in facts.items())
    evidence = 1.0 - math.exp(-raw / _SCALE)
    vague = [m.group(0) for m in VAGUE.finditer(rect)]
    statuses = rectification_statuses(rect)
    # Each general phrase per 100 characters and an open-ended status pull the score down a little:
    # they say nothing checkable, but do not cancel facts that are there.
    density = len(vague) / max(len(rect) / 100.0, 1.0)
    penalty = min(0.3, 0.05 * density) + (0.1 if {"long_term", "in_progress"} & set(statuses) else 0.0)
    score = max(0.0, min(1.0, evidence * (1.0 - penalty)))
    return Concreteness(score, **facts, vague=_unique(vague), statuses=statuses,
                        addresses_problem=addresses_problem(problem.text, rect))


def _blank(text: str, spans: list[Span]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _bigrams(text: str) -> set[str]:
    han = re.findall(r"[\u4e00-\u9fff]+", text)
    return {run[i:i + 2] for run in han for i in range(len(run) - 1)}


def addresses_problem(statement: str, rectification: str) -> bool | None:
    """Whether the rectification takes up the problem's own words (share of the statement's
    character bigrams it reuses); None when the statement is too short or the share is in the
    uncertain middle (rectifications often answer in other words)."""
    stmt = _bigrams(statement)
    if len(stmt) < _BIGRAM_MIN or not rectification.strip():
        return None
    shared = len(stmt & _bigrams(rectification)) / len(stmt)
    if shared >= _ADDRESS_YES:
        return True
    return False if shared < _ADDRESS_NO else None

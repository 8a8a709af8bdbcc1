"""How concrete a problem's rectification is: how much of it a reader could check.

A rectification is read sentence by sentence (sentences and 一是/二是/① items). Checkable:
documents the unit itself issued (not ones it studied or implemented), dates of this rectification
round (a date years before the inspection is history, not a step), counts, money, people held to
account, systems set up, and above all *outcomes*: sentences saying something was done to an
object (收回, 签订, 解除, 备案, 配齐, 完成…), the more so when they carry a date, count or document.
Not checkable: intentions (今后, 下一步, 将进一步, 争取, 尚未…) and general words (加强, 提高,
进一步…). A rectification that takes up little of the problem's own wording leaves parts of it
unanswered. A rectification cut off by the end of a truncated report is flagged `truncated`, not
judged vague.

The features are combined linearly with weights fitted on outside labels (author C's 1-5 scores,
tests/gold/author_c/) by bench/concreteness_fit.py, which also cross-validates them (leave one report
out; fit on one annotator, score on the other). The weights live in concreteness_weights.json; the
score is the predicted grade mapped onto 0..1 (grade 1 -> 0, grade 5 -> 1). See docs/decisions.md
"Concreteness and types on outside labels (issue 22, item 4)".
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from reports.grammar import HAN
from reports.grammar.gazetteer import LEARN_VERBS
from reports.grammar.numerals import CN_ORDINAL_CLASS
from reports.model import Mention, Problem, Report, Span
from reports.parse.dates import find_dates
from reports.shared.datafiles import DataFileError, read_data_json
from reports.status import STATUS_WORDS

__all__ = ["FEATURES", "Concreteness", "addresses_problem", "assess", "assess_report", "features", "problem_mentions",
           "rectification_statuses", "sentences", "weights"]

WEIGHTS_PATH = Path(__file__).with_name("concreteness_weights.json")

# A number with what it counts: people, times, items, money, percentages. Dates are found by
# reports.parse.dates and removed first, so 9月23日 is a date, not two counts.
COUNT = re.compile(r"(?<![\d.])(?P<n>\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)(?:余|多)?\s*"
                   r"(?P<unit>万元|元|名|人次|人|次|个|件|项|条|篇|期|场|份|家|所|批|起|笔|%|％)")
MONEY = re.compile(r"(?:清退|追回|收回|退还|退回|缴回|收缴|挽回|补缴|返还)[^。;;]{0,20}?\d+(?:\.\d+)?\s*(?:万?元)"
                   r"|\d+(?:\.\d+)?\s*万?元[^。;;]{0,12}?(?:清退|追回|收回|退还|退回|缴回|收缴|挽回|补缴|返还)")
DISCIPLINE = re.compile(r"诫勉|约谈|提醒谈话|谈话提醒|批评教育|通报批评|严肃的?批评|党纪处分|政务处分|处分|问责|追责"
                        r"|组织处理|立案审查|移送|免职|调离|检讨|责成[^。;;]{0,12}整改|专题谈话")
SYSTEM = re.compile(r"(?:建立|建立健全|健全|出台|印发|制定|修订|完善|编制|成立)(?:了|并落实)?[^。;;,,]{0,24}?"
                    r"(?:制度|机制|办法|细则|规则|规定|方案|清单|台账|台帐|档案|领导小组|工作专班|委员会)")
VAGUE = re.compile(r"进一步|持续|不断|切实|深入|努力|积极|争取|下一步|今后|加大|加强|强化|提高|提升|增强"
                   r"|常态化|长效|高度重视|认真|扎实|全面")
# A 文号 written inline: (益文旅广体发[2022]42号), 〔2024〕3号.
DOC_NUMBER = re.compile(r"[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\d+\s*号")
# Something was done to an object: money back, contracts, posts, records, cases, checks.
OUTCOME = re.compile(r"收回|追回|清退|退还|退回|缴回|补缴|缴纳|上交|上缴|催缴|解除|终止|撤销|注销|解散|免去|免职|调离"
                     r"|调整|配齐|配备|补齐|补充|任命|任免|提拔|选拔|招聘|引进|录用|签订|签约|备案|验收|办结|结案"
                     r"|移交|移送|处分|问责|诫勉|约谈|谈话|批评|检讨|整改到位|选举|换届|清理|核查|审核|审计|排查"
                     r"|摸底|登记|公示|纳入|取消|停止|退出|开通|开设|运营|建成|开馆|完成")
# Not yet done: plans, hopes, what is still missing.
INTENT = re.compile(r"今后|下一步|将(?:进一步|继续|严格|加快|持续|按照|在|积极|认真|切实|不断)|计划于|预计|争取|力争"
                    rf"|拟[{HAN}]|逐步|尽快|正在|尚未|仍未|暂未|待[^遇人命客]|仍需|还需")
# Said to be done: 已…, …了, 完成.
DONE = re.compile(r"已(?!立行立改)|(?<![为除])了(?!解)|完成")
# Sentences and numbered items; a sentence with no outcome, no checkable fact and no system set up is general.
_SENTENCE = re.compile(r"[^。；;!！?？\n]+")
_ITEM = re.compile(rf"(?={CN_ORDINAL_CLASS}+是)|(?=[①②③④⑤⑥⑦⑧⑨⑩])|(?=[(（]{CN_ORDINAL_CLASS}+[)）])")
# A title the unit studied or implemented rather than issued: 学习《…》, 贯彻落实…《…》, 按照《…》.
_IMPLEMENTED = re.compile(rf"(?:{'|'.join(LEARN_VERBS)}|落实|执行|按照|依据|根据|对照|遵照|严格)[^。；;，,《]{{0,4}}$")
_TERMINAL = ("。", "!", "！", "?", "？", "”", "」", "』", ")", "）", "…")
_OWN = {"own"}
_BIGRAM_MIN = 6      # a problem statement needs this many distinct bigrams to judge addresses_problem
_ADDRESS_YES = 0.2   # reusing this share of the statement's bigrams takes the problem up
_ADDRESS_NO = 0.05   # reusing less than this share ignores it; in between cannot be judged
# The model's inputs, in order. Counts enter as log(1 + n) (the fifth document says less than the first);
# shares as they are.
FEATURES = ("outcome_facts", "outcomes", "intent_share", "general_share", "documents", "dates", "counts",
            "systems", "discipline", "coverage")
_SHARES = {"intent_share", "general_share", "coverage"}


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
    outcomes: list[str] = field(default_factory=list)     # sentences saying what was done
    intentions: list[str] = field(default_factory=list)   # sentences saying what will be done
    truncated: bool = False                               # cut off by the end of a truncated report
    features: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 3)
        d["features"] = {k: round(v, 3) for k, v in self.features.items()}
        return d


@dataclass(frozen=True)
class Weights:
    """The fitted linear model: grade = intercept + sum(weight * transformed feature)."""

    intercept: float
    weights: dict[str, float]
    grade_range: tuple[float, float]   # the grades mapped to score 0 and 1


@lru_cache(maxsize=2)
def weights(path: Path = WEIGHTS_PATH) -> Weights:
    """The shipped weights (bench/concreteness_fit.py writes them)."""
    data = read_data_json(path, "concreteness")
    missing = [f for f in FEATURES if f not in data["weights"]]
    if missing:
        raise DataFileError(path, "concreteness", f"no weight for {missing}")
    lo, hi = data["grade_range"]
    return Weights(float(data["intercept"]), {f: float(data["weights"][f]) for f in FEATURES}, (float(lo), float(hi)))


def problem_mentions(mentions: Iterable[Mention], span: Span | None) -> list[Mention]:
    """Mentions whose start lies inside `span` (a rectification block)."""
    if span is None:
        return []
    return [m for m in mentions if span[0] <= m.span[0] < span[1]]


def rectification_statuses(text: str) -> list[str]:
    """Status codes whose phrase occurs anywhere in `text` (reports.status.STATUS_WORDS), in order."""
    return [code for code, pattern in STATUS_WORDS if re.search(pattern, text)]


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) for each sentence and numbered item (一是, ①, (一)) of `text` with at
    least four word characters."""
    out = []
    for m in _SENTENCE.finditer(text):
        pieces = _ITEM.split(m.group(0))
        at = m.start()
        for piece in pieces:
            if len(re.sub(r"\W", "", piece)) >= 4:
                out.append((at, piece))
            at += len(piece)
    return out


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _is_truncated(problem: Problem, text: str) -> bool:
    """The rectification runs to the end of the report text and stops mid-sentence."""
    span = problem.rectification_span
    rect = (problem.rectification or "").rstrip()
    return bool(span and rect and span[1] >= len(text.rstrip()) - 1 and not rect.endswith(_TERMINAL))


@dataclass
class _Evidence:
    facts: dict[str, list[str]]
    outcomes: list[str]
    intentions: list[str]
    values: dict[str, float]


def _evidence(problem: Problem, text: str, mentions: Iterable[Mention], since: str | None) -> _Evidence:
    rect = problem.rectification or ""
    base = problem.rectification_span[0] if problem.rectification_span else 0
    first_year = int(since[:4]) if since else None
    issued = [m for m in problem_mentions(mentions, problem.rectification_span)
              if m.type in ("document", "regulation") and (m.attrs or {}).get("doc_class") in _OWN
              and not _IMPLEMENTED.search(text[max(0, m.span[0] - 13):m.span[0]])]
    dates = [d for d in find_dates(rect) if not (first_year and d.year and d.year < first_year)]
    blanked = _blank(rect, [d.span for d in find_dates(rect)])
    facts = {
        "documents": _unique(m.name for m in issued),
        "dates": _unique(d.text for d in dates),
        "counts": _unique(m.group(0) for m in COUNT.finditer(blanked)),
        "money": _unique(m.group(0) for m in MONEY.finditer(rect)),
        "discipline": _unique(m.group(0) for m in DISCIPLINE.finditer(rect)),
        "systems": _unique(m.group(0) for m in SYSTEM.finditer(rect)),
    }
    doc_starts = [m.span[0] - base for m in issued]
    outcome_facts = outcomes = intents = general = 0
    said_done, said_later = [], []
    parts = sentences(rect)
    for at, s in parts:
        s_dates = find_dates(s)
        checkable = bool(s_dates or COUNT.search(_blank(s, [d.span for d in s_dates])) or MONEY.search(s)
                         or DOC_NUMBER.search(s) or "《" in s or any(at <= d < at + len(s) for d in doc_starts))
        intent = INTENT.search(s)
        if intent:
            said_later.append(s.strip())
            intents += 1
        if OUTCOME.search(s) and (not intent or DONE.search(s)):   # 争取尽快整改到位 is not done
            said_done.append(s.strip())
            outcome_facts += checkable
            outcomes += not checkable
        elif not checkable and not SYSTEM.search(s):
            general += 1
    n = max(1, len(parts))
    values = {"outcome_facts": outcome_facts, "outcomes": outcomes, "intent_share": intents / n,
              "general_share": general / n, "coverage": _coverage(problem.text, rect),
              **{k: len(facts[k]) for k in ("documents", "dates", "counts", "systems", "discipline")}}
    return _Evidence(facts, said_done, said_later, {k: float(values[k]) for k in FEATURES})


def features(problem: Problem, text: str, mentions: Iterable[Mention] = (), since: str | None = None) -> dict[str, float]:
    """The model's inputs for `problem`, transformed as the weights expect (log(1 + count), shares)."""
    raw = _evidence(problem, text, mentions, since).values
    return {k: (v if k in _SHARES else math.log1p(v)) for k, v in raw.items()}


def assess(problem: Problem, text: str, mentions: Iterable[Mention] = (), since: str | None = None) -> Concreteness:
    """Concreteness of `problem`'s rectification; `text` is the report text its spans point into,
    `mentions` the report's entity mentions (documents the unit issued count, studied ones not),
    `since` the ISO date the inspection began (dates in earlier years are history, not steps)."""
    rect = problem.rectification or ""
    if not rect.strip():
        return Concreteness(0.0, addresses_problem=None)
    ev = _evidence(problem, text, mentions, since)
    w = weights()
    x = {k: (v if k in _SHARES else math.log1p(v)) for k, v in ev.values.items()}
    grade = w.intercept + sum(w.weights[k] * x[k] for k in FEATURES)
    lo, hi = w.grade_range
    score = max(0.0, min(1.0, (grade - lo) / (hi - lo)))
    return Concreteness(score, **ev.facts, vague=_unique(m.group(0) for m in VAGUE.finditer(rect)),
                        statuses=rectification_statuses(rect), addresses_problem=addresses_problem(problem.text, rect),
                        outcomes=ev.outcomes, intentions=ev.intentions, truncated=_is_truncated(problem, text),
                        features={k: ev.values[k] for k in FEATURES})


def assess_report(report: Report, mentions: Iterable[Mention] = ()) -> dict[str, Concreteness]:
    """Problem id -> concreteness for every problem of `report` with a rectification text; dates
    before the year the inspection began (or, without a start, its feedback) are history."""
    mentions = list(mentions)
    start = report.inspection.start or report.inspection.feedback
    return {p.id: assess(p, report.text, mentions, since=start.iso if start else None)
            for p in report.problems() if (p.rectification or "").strip()}


def _blank(text: str, spans: list[Span]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _bigrams(text: str) -> set[str]:
    han = re.findall(f"[{HAN}]+", text)
    return {run[i:i + 2] for run in han for i in range(len(run) - 1)}


def _coverage(statement: str, rectification: str) -> float:
    """Share of the statement's character bigrams the rectification reuses (0 for a statement without any)."""
    stmt = _bigrams(statement)
    return len(stmt & _bigrams(rectification)) / len(stmt) if stmt else 0.0


def _reuse(statement: str, rectification: str) -> float | None:
    """Share of the statement's character bigrams the rectification reuses (None: too short to say)."""
    stmt = _bigrams(statement)
    if len(stmt) < _BIGRAM_MIN or not rectification.strip():
        return None
    return len(stmt & _bigrams(rectification)) / len(stmt)


def addresses_problem(statement: str, rectification: str) -> bool | None:
    """Whether the rectification takes up the problem's own words (share of the statement's
    character bigrams it reuses); None when the statement is too short or the share is in the
    uncertain middle (rectifications often answer in other words)."""
    shared = _reuse(statement, rectification)
    if shared is None:
        return None
    if shared >= _ADDRESS_YES:
        return True
    return False if shared < _ADDRESS_NO else None

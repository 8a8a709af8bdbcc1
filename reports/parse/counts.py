"""Counts a report states about itself ('3大方面12个问题', '已完成整改35个'), read from the preamble only.
See docs/decisions.md (Parsing, Stated counts)."""
from __future__ import annotations

import re

from reports.grammar.numerals import CN_COUNT_CLASS, to_int
from reports.model import StatedCount
from reports.status import STATUS_CODES, STATUS_WORDS

__all__ = ["find_stated_counts"]

NUM = rf"(?P<n>\d+|{CN_COUNT_CLASS}+)"
CLS = r"(?:个|项|条|件)"
TOTAL = r"(?:共计|总计|合计|累计|共)"   # 问题共计29个
_STATUS_ALT = "|".join(f"(?P<{k}>{v})" for k, v in STATUS_WORDS)
STATUS_THEN_NUM = re.compile(rf"(?:{_STATUS_ALT})(?:的|了)?(?:问题)?{NUM}{CLS}")
NUM_THEN_STATUS = re.compile(rf"{NUM}{CLS}?(?:问题)?{CLS}?(?:已经|已)?(?:{_STATUS_ALT})")
PROBLEMS = re.compile(rf"{NUM}{CLS}(?:具体)?问题(?!线索)")   # 3件问题线索: clues handed over, not problems
# The count after the word: 反馈问题6条, 问题七个, 问题共3大类9项, 问题2个方面7个 (the group count is ASPECTS').
PROBLEMS_AFTER = re.compile(rf"问题(?:涉及|包括)?{TOTAL}?(?:(?:\d+|{CN_COUNT_CLASS}+)(?:大|个)?(?:方面|类)[、,]?{TOTAL}?)?"
                            rf"(?P<c>{NUM}{CLS})(?!方面|类|大类|具体)")   # 问题涉及3个方面共8条
SPECIFIC = re.compile(rf"{NUM}{CLS}具体问题")
ASPECTS = re.compile(rf"{NUM}(?:大|个)?(?:方面|类)")   # 3个方面 / 3类 (beside a problem count only)
# 反馈的3个方面问题: categories of problems by the words themselves, with or without a problem count.
ASPECT_PROBLEMS = re.compile(rf"{NUM}(?:大|个)?方面(?:的)?(?:具体)?问题")
GROUPS = re.compile(rf"{NUM}{CLS}问题(?=[,、]?(?:\d+|{CN_COUNT_CLASS}+){CLS}具体问题)")
TASKS = re.compile(rf"{NUM}{CLS}(?:整改)?(?:落实)?(?:任务|措施|责任清单)")
# The count after the word: 制定整改措施176项, 细化整改任务42项.
TASKS_AFTER = re.compile(rf"(?:整改|落实)(?:任务|措施){TOTAL}?(?P<c>{NUM}{CLS})")
# A count left over ('其余4个问题正在推进', '剩余两个问题'): part of the total, never the total.
REMAINDER = re.compile(r"(?:其余|剩余|剩下|余下|尚余|尚有|还有|仍有|另有)(?:的)?$")
# The whole count done, with no number of its own: '巡察反馈问题9个,已全部整改完成', '17个问题均已整改到位'.
_COMPLETED = dict(STATUS_WORDS)["completed"]
ALL_DONE = re.compile(rf"(?:已经?全部|全部已?|均已?|都已?)(?:{_COMPLETED})(?![^,;。]*?(?:\d|{CN_COUNT_CLASS}+{CLS}))")
# A category count run into a problem count by a page that lost characters: 437个方面问题 (4个方面37个问题).
RUN_PAIR = re.compile(r"(?<!\d)(?P<run>\d{2,5})(?:个|大)方面(?:共)?(?:具体)?问题")
MAX_CATEGORIES = 20  # more 方面 than this is no report's list of categories
AUTHORITATIVE = re.compile(r"截至|截止|目前")
SEPARATE_SCOPE = re.compile(r"移交|立行立改问题|信访")
# A leader's own share of the problems (书记领办3个问题, 主动认领11个反馈问题), not the report's total.
SHARE = re.compile(r"领办|认领|牵头|包案|领衔|督办")
# ... unless the clause says the whole lot was taken on (党组共认领3个方面14个问题, 问题全部认领).
WHOLE = re.compile(r"全部|共|照单全收|全盘")
# A breakdown of the feedback into finer items (梳理出了31个具体问题, 细化为60项): not the problems fed back.
BREAKDOWN = re.compile(r"(?:梳理出了?|梳理为|细化为|细化出|细化成|分解为|分解成|拆分为|拆解为)(?:共|了)?$")
CLAUSE_BREAK = re.compile(r"[,,;;、()()]")
# A clause that returns to the feedback itself ('移交问题线索3件,反馈问题21个'): the separate scope ends.
FEEDBACK_CLAUSE = re.compile(r"[,,;;](?=[^,,;;]{0,6}反馈)")


def _sentences(text: str, offset: int) -> list[tuple[int, str]]:
    return [(offset + m.start(), m.group(0)) for m in re.finditer(r"[^。\n]+[。]?", text)]


def _counts_in(sentence: str, pos: int) -> list[StatedCount]:
    found: list[StatedCount] = []
    scope_of: dict[int, str] = {}
    taken: list[tuple[int, int]] = []

    def clause(m: re.Match) -> str:
        """The comma-delimited clause around a count (a leader's share is said in one clause)."""
        starts = [b.end() for b in CLAUSE_BREAK.finditer(sentence, 0, m.start())]
        stop = CLAUSE_BREAK.search(sentence, m.end())
        return sentence[starts[-1] if starts else 0:stop.start() if stop else len(sentence)]

    separate = _separate_ranges(sentence)
    firm_keys: set[int] = set()   # counts kept without a problem count beside them

    def add(key: str, m: re.Match) -> None:
        start, end = m.span("c") if "c" in m.re.groupindex else m.span()   # c: the count itself, when the
        if any(s < end and start < e for s, e in taken):                   # pattern reads words around it
            return
        around = clause(m)
        if SHARE.search(around) and not WHOLE.search(around):
            return
        prefix = "transferred_" if any(a <= m.start() < b for a, b in separate) else ""
        value = to_int(m["n"])
        if key in ("categories", "problems") and m["n"] == "一":
            return  # "一个问题一个问题深入研究" is an idiom, not a count
        if key == "problems" and (BREAKDOWN.search(sentence, 0, start) or REMAINDER.search(sentence, 0, m.start())):
            return
        if value is not None:
            taken.append((start, end))
            found.append(StatedCount(prefix + key, value, sentence[start:end], (pos + start, pos + end)))
            scope_of[len(found) - 1] = prefix

    for pattern in (STATUS_THEN_NUM, NUM_THEN_STATUS):
        for m in pattern.finditer(sentence):
            key = next(k for k, _ in STATUS_WORDS if m.group(k))
            add(key, m)
    for count in _run_pair(sentence, pos, taken):
        scope_of[len(found)] = ""
        found.append(count)
    for m in ASPECT_PROBLEMS.finditer(sentence):
        if to_int(m["n"]) and to_int(m["n"]) <= MAX_CATEGORIES:
            before = len(found)
            add("categories", m)
            firm_keys.update(range(before, len(found)))
    # "14个问题38个具体问题": the first number counts groups of problems, not problems.
    for key, pattern in (("categories", ASPECTS), ("categories", GROUPS), ("problems", SPECIFIC),
                         ("problems", PROBLEMS), ("problems", PROBLEMS_AFTER)):
        for m in pattern.finditer(sentence):
            add(key, m)
    for pattern in (TASKS, TASKS_AFTER):
        for m in pattern.finditer(sentence):
            add("tasks", m)
    _all_done(sentence, pos, found, scope_of, separate)
    # "N个方面" alone is too common a phrase ("从…5个方面构建责任链"); it counts problem groups
    # only beside a problem count ("3大方面12个问题", "五个方面共44个问题").
    scopes_with_problems = {scope_of[i] for i, c in enumerate(found) if c.key == scope_of[i] + "problems"}
    return [c for i, c in enumerate(found)
            if i in firm_keys or not (c.key == scope_of[i] + "categories" and scope_of[i] not in scopes_with_problems)]


def _all_done(sentence: str, pos: int, found: list[StatedCount], scope_of: dict[int, str],
              separate: list[tuple[int, int]]) -> None:
    """'问题9个,已全部整改完成': the problem count just before the phrase is also the count completed
    (only when the sentence states no completed count of its own, and not in a separate scope:
    '立行立改问题均已整改完成' says nothing of the rest)."""
    if any(c.key == "completed" for c in found):
        return
    for m in ALL_DONE.finditer(sentence):
        if any(a <= m.start() < b for a, b in separate):
            continue
        before = [(i, c) for i, c in enumerate(found) if c.span[1] - pos <= m.start()]
        if not before:
            continue
        i, last = max(before, key=lambda ic: ic[1].span[1])
        if last.key != "problems" or scope_of[i]:
            continue
        start = last.span[0] - pos
        scope_of[len(found)] = ""
        found.append(StatedCount("completed", last.value, sentence[start:m.end()], (last.span[0], pos + m.end())))
        return


def _run_pair(sentence: str, pos: int, taken: list[tuple[int, int]]) -> list[StatedCount]:
    """'437个方面问题': more 方面 than any report has, so the digits are a category count run into a
    problem count. The split keeps categories <= problems and both plausible (a few categories, at
    most 30 problems each); the values are `inferred` (reports.model.StatedCount)."""
    out = []
    for m in RUN_PAIR.finditer(sentence):
        run = m["run"]
        if int(run) <= MAX_CATEGORIES or any(s < m.end() and m.start() < e for s, e in taken):
            continue
        splits = [(int(run[:k]), int(run[k:])) for k in range(1, len(run))
                  if not run[k:].startswith("0") and 1 <= int(run[:k]) <= MAX_CATEGORIES]
        splits = [(a, b) for a, b in splits if a <= b <= 30 * a]
        if len(splits) != 1:
            continue  # no split, or more than one that fits: leave the count unread
        a, b = splits[0]
        span = (pos + m.start(), pos + m.end())
        out += [StatedCount("categories", a, m.group(0), span), StatedCount("problems", b, m.group(0), span)]
        taken.append((m.start(), m.end()))
    return out


def _separate_ranges(sentence: str) -> list[tuple[int, int]]:
    """Where counts belong to a separate scope (移交, 立行立改问题, 信访): from the marker's clause to the
    sentence end ('巡察移交的4个立行立改问题,已完成整改4个'), or only to the closing parenthesis when the
    marker sits in one ('(含立行立改问题2个),阶段性完成整改3个' goes back to the main count), or to a
    clause that returns to the feedback ('移交问题线索3件,反馈问题21个')."""
    ranges = []
    for m in SEPARATE_SCOPE.finditer(sentence):
        before = sentence[:m.start()]
        opened = max(before.rfind("("), before.rfind("（"))
        if opened > max(before.rfind(")"), before.rfind("）")):
            close = min((i for i in (sentence.find(")", m.end()), sentence.find("）", m.end())) if i >= 0),
                        default=len(sentence))
            ranges.append((opened, close))
        else:
            starts = [b.end() for b in CLAUSE_BREAK.finditer(sentence, 0, m.start())]
            back = FEEDBACK_CLAUSE.search(sentence, m.end())
            ranges.append((starts[-1] if starts else 0, back.start() if back else len(sentence)))
    return ranges


def find_stated_counts(text: str, start: int, end: int) -> list[StatedCount]:
    """Counts in text[start:end], those from '截至目前…' style sentences first (they are the report's
    current totals; an earlier '立足13个问题制定方案' is a plan figure)."""
    ranked: list[tuple[int, int, StatedCount]] = []
    for order, (pos, sentence) in enumerate(_sentences(text[start:end], start)):
        rank = 0 if AUTHORITATIVE.search(sentence) else 1
        ranked.extend((rank, order, c) for c in _counts_in(sentence, pos))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return _of_tasks([c for _, _, c in ranked])


def _classifier(count: StatedCount) -> str | None:
    m = re.search(rf"(?:\d|{CN_COUNT_CLASS})({CLS})", count.text)
    return m.group(1) if m else None


def _of_tasks(counts: list[StatedCount]) -> list[StatedCount]:
    """A status count whose nearest count before it (in text order) is of tasks or measures in the same
    classifier counts tasks done, not problems ('142项整改任务已完成129项', '制定整改措施176项。截至
    4月底,已完成158项'), when no problem count could hold it: none is stated, or all are smaller.
    '6大类29项问题,分解整改任务81项。已整改27项' stays problems. It is kept as tasks_<status>."""
    renamed: dict[int, StatedCount] = {}
    last: StatedCount | None = None
    most = max((c.value for c in counts if c.key == "problems"), default=0)
    for c in sorted(counts, key=lambda c: c.span):
        if c.key in ("problems", "tasks"):
            last = c
        elif c.key in STATUS_CODES and last is not None and last.key == "tasks" \
                and _classifier(c) == _classifier(last) and c.value > most:
            renamed[id(c)] = StatedCount("tasks_" + c.key, c.value, c.text, c.span)
    return [renamed.get(id(c), c) for c in counts]

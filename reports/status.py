"""Status phrases, one definition: how far a problem's rectification got (counts, texts, headings).
See docs/decisions.md (Reading reports nobody here has seen)."""
from __future__ import annotations

import re

from .grammar import HAN, HAN_RE

__all__ = ["RESULT_OR_PLAN", "STATUS_CODES", "STATUS_FIELD_NAME", "STATUS_NAMES", "STATUS_PARTS", "STATUS_PHRASE", "STATUS_WORDS", "find_status", "heading_status", "noted_status", "status_code", "status_sentence"]

STATUS_CODES = ("completed", "basically_completed", "in_progress", "long_term", "immediate")
# Chinese names of the codes, shown to users.
STATUS_NAMES = {"completed": "已完成", "basically_completed": "基本完成", "in_progress": "正在整改",
                "long_term": "长期坚持", "immediate": "立行立改"}
# The codes whose stated counts add up to the problem total: 立行立改 problems are also counted as completed.
STATUS_PARTS = tuple(code for code in STATUS_CODES if code != "immediate")
# Ordered longest first: "基本完成整改" must win over "完成整改" at the same place.
STATUS_WORDS: list[tuple[str, str]] = [
    ("basically_completed", r"基本完成整改|基本整改到位|基本完成"),
    ("long_term", r"需要?持续努力整改|(?:需要?)?长期坚持|作为长期任务|转入常态化|需长期整改|长期整改|持续整改|需要?持续推进|常态长效推进"),
    ("in_progress", r"阶段性完成整改|阶段性完成|正在整改|正在(?:加紧|加快|积极|全力)?推进|整改中|取得阶段性(?:成果|成效|进展)|阶段性成效|持续推进"
                    r"|(?:正在|仍在)进行|仍在推进|推进中|办理中|落实中|(?<![存正])在办"),
    ("completed", r"(?<![保争])按期完成|已?整改闭环|已完成整改|已经完成整改|已经完成|已全部完成|完成整改|已整改到位|整改到位|已整改完成|整改完成(?!时间|时限|日期)|已整改完毕|整改完毕|已办结|已完成|已整改销号|整改销号|已整改|已销号|同意销号|已落实"),
    ("immediate", r"已立行立改|立行立改"),
]

STATUS_PHRASE = re.compile(
    r"(?:此项工作)?需要?长期坚持|(?:巡[察视]期间)?已立行立改|已整改到位|已完成整改|整改完成(?!时间|时限|日期)|基本完成整改"
    r"|正在(?:整改|推进)|取得阶段性(?:成果|成效|进展)|持续推进中|(?<=问题)立行立改")
# A section heading that is a status, not a topic: 已整改完成的问题, 正在推进整改的问题(5个), 需长期坚持的问题.
_HEADING = re.compile(r"^(?P<s>.{2,16}?)的?(?:问题|事项|整改事项)(?:清单)?$")


# A status field's whole value that is the bare verb (办理结果：完成 / 进展：办结): done, as the field's name says.
BARE_DONE = ("完成", "办结", "完成。", "办结。")


def status_code(phrase: str) -> str | None:
    """completed / basically_completed / in_progress / long_term / immediate for a status phrase."""
    for key, pattern in STATUS_WORDS:
        if re.search(pattern, phrase):
            return key
    return None


# A sentence that reports where the work stands or what comes next, not an action taken: a result
# (目前思政课教师配备已达标 / 截至9月底,…已整改完成), a plan (下一步,…将… / 今后将… / …将继续…), or progress
# on the rest (线索核查工作仍在进行中 / 剩余…正在推进 / …将于2026年3月前完成). Both outside authors (E, F)
# count none of these as measures (reports/parse/measures.py judges unnumbered sentences only: an
# enumerated item, 一是…, is the author's own count); a status clause in one is the problem's status.
RESULT_OR_PLAN = re.compile(
    r"^(?:目前|截至|截止|至此|当前|下一步|下步|今后|剩余|其余|(?:该|此)项?(?:问题|工作|项))"
    r"|^[^,，]{0,16}?将(?:继续|持续|长期|坚持)"
    r"|^[^,，]{2,16}?(?:仍在|仍需|尚需|正在)(?:进行|推进|办理|完善|持续推进|长期推进|长期坚持)"
    r"|^[^,，]{2,16}?(?:将于|预计于?|计划于?).{0,16}?(?:前|底)?完成[。;;]?$")

_ANY_STATUS = re.compile("|".join(f"(?:{pattern})" for _, pattern in STATUS_WORDS))
_SENTENCES = re.compile(r"[^。;;!?！？\n]+")
_CLAUSES = re.compile(r"[^,，]+")
_FIELD_LABEL = re.compile(rf"^\s*(?:[{HAN}]{{2,6}}\s*[:：]|[【\[][{HAN}]{{2,6}}[】\]])")
_WHEN = re.compile(r"\d+\s*(?:年|月[底初中旬]*|日)|[上中下]旬|年底|月底")
# The problem or task itself as a status sentence's subject: 该问题 / 此项工作 / 该项整改 (no more content).
_ITSELF = re.compile(r"^\s*(?:目前|截至目前)?[,，]?\s*(?:该|此|这|相关)(?:个|项)?(?:问题|工作|任务|整改|事项)?(?:的)?(?:整改)?(?:工作)?")
STATUS_SENTENCE_SLACK = 5   # other characters a status sentence may hold: 目前,该问题已完成整改 (目前该问题)


# 已 as a scan misreads it (己完成, 巳完成) before a status verb: the same word.
_MISREAD_YI = re.compile(r"(?<!自)[己巳](?=完成|整改|办结|销号|全部|经完成|于)")


def status_sentence(sentence: str) -> str | None:
    """The status word of a sentence that says nothing but a status (已完成。 目前,该问题已完成整改。
    整改进展:已完成整改。), else None. A longer sentence around the word (已完成学习计划的制定) is a
    measure that uses it.

    >>> status_sentence("目前,该问题已完成整改。"), status_sentence("已完成学习计划的制定。")
    ('已完成整改', None)
    """
    sentence = _MISREAD_YI.sub("已", sentence)
    m = _ANY_STATUS.search(sentence)
    if not m:
        return None
    rest = sentence[:m.start()] + sentence[m.end():]
    rest = _FIELD_LABEL.sub("", rest)             # 整改进展: / 完成情况: / 整改状态: is a field's name
    rest = _ITSELF.sub("", rest)                  # 该项工作正在持续推进: the item itself is the subject
    rest = _WHEN.sub("", rest)                    # 此项已于7月底整改到位: the date is not more content
    return m.group(0) if len(HAN_RE.findall(rest)) <= STATUS_SENTENCE_SLACK else None


def noted_status(sentence: str) -> str | None:
    """`status_sentence` of a sentence that may close with a note on the status in brackets
    (基本完成(方案已报县政府,待审批) / 整改状态:基本完成(剩余3份合同正在协商))."""
    return status_sentence(sentence) or status_sentence(re.sub(r"[(（][^()（）]*[)）]?\s*$", "", sentence))


# A status in brackets at the head of a rectification, before its measures: (已完成)一是… / 【持续推进】….
_HEAD_TAG = re.compile(r"^\s*[(（【\[](?P<s>[^()（）【】\[\]]{2,12})[)）】\]]")
# The name of a field that states the status: …状态 / …进度 (整改状态, 进展状态, 【进度】), a completion's
# 情况 (完成情况, 销号情况, 办结情况), a result or verdict (整改结果, 办理结果, 评估结论, 验收结论), or a yes/no question on it (是否完成 / 是否整改到位: 是 / 否(…)).
STATUS_FIELD_NAME = (rf"(?:[{HAN}]{{0,4}}(?:状态|进度)|(?:完成|销号|办结|办理)情况|(?:整改|办理|评估|验收|考核)(?:结果|结论)"
                     rf"|是否[{HAN}]{{2,4}})")
# What sets its value off: a colon or a bracket's close, or a dash (整改状态——已完成).
FIELD_SEP = r"\s*(?:[:：】\]]|—{1,2}|-{2})\s*"
# A field that states the status (完成情况:基本完成,… / 整改状态:持续推进 / 【进度】持续推进): its first clause.
STATUS_FIELD = re.compile(rf"(?P<name>{STATUS_FIELD_NAME}){FIELD_SEP}(?P<v>[^,，。;；\n]{{1,16}})")


# A completion-date field holding a full date (整改完成时间：2025年8月30日), not a planned one (计划完成时间：…);
# a word there (整改完成时间：长期坚持) is read as a status.
_DONE_ON = re.compile(r"(?<!计划)(?<!预计)(?<![拟应])(?:整改|实际)?(?:完成|办结|销号)(?:时间|日期)\s*[:：]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def find_status(rectification: str) -> str | None:
    """The status phrase a report states for a problem (此项工作需要长期坚持, 巡察期间已立行立改), or a
    sentence that is nothing but a status (…制定学习计划。已完成。): inside a longer sentence
    (已完成学习计划的制定) such a word describes a measure, not the problem's status.

    >>> find_status("制定学习计划。已完成。"), find_status("已完成学习计划的制定。")
    ('已完成', None)
    """
    rectification = _MISREAD_YI.sub("已", rectification)
    tag = _HEAD_TAG.match(rectification)
    if tag and status_sentence(tag["s"]) == tag["s"].strip():
        return tag["s"].strip()   # 【整改情况】(已完成)一是…: the report tags the rectification outright
    m = STATUS_PHRASE.search(rectification)
    if m:
        return m.group(0)
    if _DONE_ON.search(rectification):
        return STATUS_NAMES["completed"]   # 整改完成时间:2025年8月30日: the day it was done, so done
    for field in STATUS_FIELD.finditer(rectification):
        # 整改状态:基本完成(剩余3份合同正在协商): the status before a bracketed note on it; 未销号(持续推进) /
        # 否(正在推进): a negative answer whose note says where the work stands
        value, *note = re.split(r"[(（]", field["v"])
        if value.strip() in BARE_DONE:
            return STATUS_NAMES["completed"]   # 办理结果：完成 — the field says what 完成 is about
        if found := status_sentence(field["v"]) or status_sentence(value) or (note and status_sentence(note[0])):
            return found
        asked = field["name"][2:] if field["name"].startswith("是否") and value.strip() == "是" else ""
        if asked and (found := status_sentence("已" + asked) or status_sentence(asked)):   # 是否完成:是 -> 已完成
            return found
    sentences = _SENTENCES.findall(rectification)
    for sentence in sentences:
        found = status_sentence(sentence)
        if found:
            return found
    # A status as a clause of a longer sentence: its last (…,现正在核查中,整改持续推进。), or any clause of a
    # sentence on where the work stands (目前整改正在进行中,计划年底前完成。); nearest the paragraph's end,
    # where reports conclude. A clause leading an action (立行立改,及时解除…协议) describes that action.
    for sentence in reversed(sentences):
        clauses = _CLAUSES.findall(sentence)
        if len(clauses) < 2:
            continue
        if RESULT_OR_PLAN.match(clauses[1].strip()) and (found := status_sentence(clauses[0])):
            return found   # 基本完成,剩余3处…后实施 / 持续推进,预计…: the status, then a note on what remains
        for clause in reversed(clauses if RESULT_OR_PLAN.match(sentence.strip()) else clauses[-1:]):
            if found := noted_status(clause):   # 暂缓销号,持续推进(剩余2间待改造): the note in brackets
                return found
    return _closing_predicate(sentences[-1]) if sentences else None


# A paragraph's last clause that ends on a status as its predicate, after 已: …11处违法占地已于2025年9月全部
# 整改到位。 The subject may be long (what was put right); an aim or an order (督促…整改到位) has no 已.
_CLOSING_STATUS = re.compile(rf"已[^,，]*?(?P<s>{_ANY_STATUS.pattern})\s*$")


def _closing_predicate(sentence: str) -> str | None:
    m = _CLOSING_STATUS.search(_CLAUSES.findall(sentence)[-1]) if _CLAUSES.findall(sentence) else None
    return m["s"] if m else None


def heading_status(title: str) -> str | None:
    """The status a section heading gives all its problems, as written ('已整改完成'), or None when the
    heading names a topic (贯彻落实…方面) rather than a status."""
    m = _HEADING.match(title.strip())
    if not m or status_code(m["s"]) is None:
        return None
    return m["s"]

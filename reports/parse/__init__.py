"""Parse a report's text into a `Report` record: header, stated counts, categories and problems.
Never invents: a missing field stays None, a disagreement is a warning (docs/decisions.md, Parsing)."""
from __future__ import annotations

import hashlib
import os
import re

from reports.grammar.markers import parse_marker
from reports.grammar.noise import is_noise_line
from reports.grammar.script import to_simplified
from reports.model import Report, walk_categories
from reports.shared.notices import Notice

from .counts import find_stated_counts
from .dates import SIGNATURE_DATE_TEXT
from .enumerated import read_enumerated
from .header import Header, parse_header
from .induced import read_induced, undecorated_fields, unseen_notation
from .layout import is_narrative, mark_rectification_items
from .legend import apply_legend
from .lines import Line, split_lines
from .measures import RECT_LABEL
from .rectlist import attach_rectification_list
from .roles import read_learned
from .schemes import SHALLOW, choose_scheme, find_problem_part, heading_part
from .statusrows import apply_status_codes, apply_status_rows
from .structure import CONTACT_LABEL, SIGNATURE_ORG_TEXT, STATED_IN_TITLE, read_categories
from .table import read_table

__all__ = ["parse_file", "parse_source", "parse_text", "read_body", "report_id", "stated_counts"]

TERMINAL = ("。", "!", "?", "”", "」", "』", ")", "）", "…")
# The last line of a complete report: the signature's date, a contact line or the signing body.
CLOSING_LINE = re.compile(rf"^({SIGNATURE_DATE_TEXT}|.*{CONTACT_LABEL}.*|{SIGNATURE_ORG_TEXT})$")


def report_id(text: str) -> str:
    """sha256 of the text with all whitespace removed, first 16 hex: the same report re-saved with
    other line breaks or indentation keeps its id, so ingest stays idempotent."""
    return hashlib.sha256(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()[:16]


def parse_text(text: str, *, source_path: str = "", source_format: str = "txt",
               encoding: str | None = None, reader: str = "auto") -> Report:
    """Traditional text is parsed (and searched) in Simplified; the original stays in
    `Report.display_text` with every span valid in both (reports/grammar/script.py). ``reader``: "auto"
    (shipped), "rules" (the tuned and induced readers, no learned candidate), "grammar" (the document's
    own enumeration alone), "learned" (the learned line roles alone); bench.eval_layouts compares them.

    >>> report = parse_text("\\n".join([
    ...     "中共某某市文学艺术界联合会党组关于巡察整改进展情况的通报",
    ...     "根据市委统一部署,2023年3月1日至4月30日,市委第三巡察组对市文联党组进行了巡察。",
    ...     "一、贯彻落实党的路线方针政策方面",
    ...     "(一)理论学习不深入。", "整改情况:已完成整改。制定学习计划,每月集中学习一次。",
    ...     "(二)意识形态责任制落实不到位。", "整改情况:正在整改。",
    ...     "二、全面从严治党方面",
    ...     "(一)公务接待不规范。", "整改情况:已完成整改。"]))
    >>> report.unit, report.inspection.inspector, report.inspection.start.iso
    ('中共某某市文学艺术界联合会党组', '市委第三巡察组', '2023-03-01')
    >>> [c.title for c in report.categories]
    ['贯彻落实党的路线方针政策方面', '全面从严治党方面']
    >>> [(p.id, p.text, p.status) for c in report.categories for p in c.problems]
    [('1.1', '理论学习不深入。', '已完成整改'), ('1.2', '意识形态责任制落实不到位。', '正在整改'), ('2.1', '公务接待不规范。', '已完成整改')]
    """
    original = text
    simplified = to_simplified(text)
    if simplified is not None:
        text = simplified
    header, body = read_body(text)
    table = read_table(text, body)
    lined = _beside_status_table(text, header.body_start, body, table, reader) if table else None
    if lined is not None:   # problems numbered in the text, their status in a table at the end
        categories, sections, part, narrative = lined
    elif table or (categories := read_enumerated(text, body)):   # a problem table, or findings enumerated
        categories = table or categories                          # in paragraphs: whatever the numbering
        sections = []
        part = [ln for ln in body if ln.start >= _preamble_end(categories, [], len(text))]
        narrative = False
    else:
        categories, sections, part, narrative = _read_lines(text, header.body_start, body, reader)
    if not narrative:
        attach_rectification_list(text, categories, body)   # 二、问题 1. 2. | 三、整改 1. 2.
        apply_legend(text, categories)   # √ / △ defined by the report's own legend
        apply_status_rows(text, categories, body)   # (一)一是　简称　已完成: rows after the problems
        apply_status_codes(text, categories, body)   # 综上，A1、B2已完成整改，C1…: a sentence naming codes
    items = mark_rectification_items(categories, text) if narrative else 0
    report = Report(
        id=report_id(original), script="traditional" if simplified is not None else "simplified",
        display_text=original if simplified is not None else None, text=text, source_path=source_path, source_format=source_format,
        encoding=encoding, title=header.title, unit=header.unit, unit_short=header.unit_short,
        level=header.level, region=header.region, inspection=header.inspection,
        report_date=header.report_date, publish_date=header.publish_date,
        categories=categories, sections=sections)
    preamble_end = _preamble_end(categories, part, len(text))
    report.stated = _with_title_counts(text, header.title, find_stated_counts(text, header.body_start, preamble_end))
    report.truncated = _looks_truncated(body)
    report.warnings.extend(_warnings(report, has_part=bool(part)))
    if narrative:
        report.warnings.append(Notice("rectification_items", {"items": items}))
    return report


def read_body(text: str) -> tuple[Header, list[Line]]:
    """The header and the body's lines (web chrome dropped, a bullet before a form's field dropped) of a
    Simplified text: what every structure reader reads, and what the learned reader's training labels."""
    lines = split_lines(text)
    noise = {ln.start for ln in lines if is_noise_line(ln.text)}
    header = parse_header(text, lines, noise)
    return header, undecorated_fields([ln for ln in lines if ln.start >= header.body_start and ln.start not in noise])


def _read_lines(text: str, body_start: int, body: list[Line], reader: str) -> tuple:
    """(categories, sections, part, narrative) read from numbered lines: the tuned schemes, a narrative's
    headings, and the document's own enumeration where it explains the report better (``reader="grammar"``:
    that enumeration alone)."""
    if reader == "learned":   # the learned line roles alone (reports/parse/roles.py)
        learned = read_learned(text, body, stated_counts(text, body_start, body))
        categories, sections = learned if learned else ([], [])
        return categories, sections, (body if categories else []), is_narrative(categories, text)
    if reader == "grammar":
        induced = read_induced(text, body, stated_counts(text, body_start, body).get("problems"))
        categories, sections = induced[:2] if induced else ([], [])
        return categories, sections, (body if categories else []), is_narrative(categories, text)
    scheme = choose_scheme(body)
    part = find_problem_part(body, scheme)
    categories, sections = read_categories(text, part, scheme)
    narrative = is_narrative(categories, text)
    if not categories:
        headings = read_categories(text, heading_part(body), SHALLOW, split_unlabelled=False)
        if is_narrative(headings[0], text):
            (categories, sections), narrative, part = headings, True, heading_part(body)
    counts = stated_counts(text, body_start, body)   # one scan: a 1 MB report's preamble scan costs 0.25 s
    chosen = _prefer_induced(text, counts, body, (categories, sections, part, narrative))
    return _prefer_learned(text, counts, body, chosen) if reader == "auto" else chosen


TABLE_CAPTION = 30   # characters: a caption line above a table, not a sentence
STATUS_TABLE_MATCH = 4   # characters of a row's problem cell that must open the problem read from the text


def _beside_status_table(text: str, body_start: int, body: list[Line], table, reader: str) -> tuple | None:
    """A table that gives no measures (序号 | 问题 | 完成情况, often at the end) beside problems numbered in
    the text before it: the text's reading, with each problem's status from its row. None unless the
    rows and the problems match one for one (same count, each row's cell opens its problem's text)."""
    rows = [p for c in table for p in c.problems]
    if any(p.measures for p in rows):
        return None
    first_row = min(p.span[0] for p in rows)
    cut = next((k for k, ln in enumerate(body) if "\t" in ln.text), len(body))
    before = [ln for ln in body[:cut] if ln.start < first_row]
    if before and len(before[-1].text) <= TABLE_CAPTION and not before[-1].text.endswith(TERMINAL):
        before = before[:-1]   # the table's caption (附表:整改进展情况) is no part of the last problem
    lined = _read_lines(text, body_start, before, reader)
    problems = [p for c in lined[0] for p in c.problems]
    if len(problems) != len(rows) or lined[3]:
        return None
    if any(not re.sub(r"\s+", "", p.text).startswith(re.sub(r"\s+", "", r.text)[:STATUS_TABLE_MATCH])
           for p, r in zip(problems, rows, strict=True)):
        return None
    for p, r in zip(problems, rows, strict=True):
        p.status = r.status or p.status
    return lined


TITLE_SCAN = 600   # characters from the top where a title's lines are looked for


def _with_title_counts(text: str, title: str | None, stated: list) -> list:
    """The preamble's counts, and the title's (关于县委巡察反馈3个方面7个问题整改进展情况的通报) for what the
    preamble does not state: some reports count their problems only in the title."""
    if not title:
        return stated
    have = {s.key for s in stated}
    extra = [s for ln in split_lines(text, 0, min(len(text), TITLE_SCAN)) if ln.text in title   # a title over two lines
             for s in find_stated_counts(text, ln.start, ln.end) if s.key not in have]
    return stated + extra


def _rectified(categories) -> int:
    return sum(1 for p in walk_categories(categories) if p.rectification_span)


def stated_counts(text: str, body_start: int, body: list[Line]) -> dict[str, int]:
    """The counts the report states before its first rectification label or its first heading that counts
    its own section's problems (一、…方面（共3个问题）) (problems, categories, …):
    evidence for which induced level holds the problems. The first statement of each key counts."""
    first_label = next((ln.start for ln in body if RECT_LABEL.match(ln.text)
                        or (STATED_IN_TITLE.search(ln.text) and parse_marker(ln.text))), len(text))
    out: dict[str, int] = {}
    for s in find_stated_counts(text, body_start, first_label):
        out.setdefault(s.key, s.value)
    return out


def _prefer_induced(text: str, counts: dict[str, int], body: list[Line], tuned: tuple) -> tuple:
    """The tuned readers' result, unless the document's own enumeration (reports/parse/induced.py) finds
    a problem level in a notation they do not read and explains the report better: more problems with
    a rectification, exactly the stated count where the tuned reading misses it, or as many
    rectifications where most tuned problems open with a marker it did not read as one, or the same
    problems under two or more categories where the tuned reading found one. In notations they know
    (nested another way) only the stated count, not contradicted by the stated categories, decides."""
    categories = tuned[0]
    stated = counts.get("problems")
    found = sum(len(c.problems) for c in categories)
    leaves = sum(1 for p in walk_categories(categories) if not p.children)
    aspects = counts.get("categories")
    # else a known notation stays theirs; a count met only by the leaves (1、方面 read as problems, (1) as
    # their subs) while the stated categories are not met is missed too
    missed = stated is not None and (stated not in (found, leaves)
                                     or (stated != found and aspects not in (None, len(categories))))
    induced = read_induced(text, body, stated, unseen_only=not missed)
    if induced is None:
        return tuned
    got = sum(len(c.problems) for c in induced[0])
    if not unseen_notation(induced[2], body):
        # notations the tuned readers know, nested another way (1.方面 (一)问题): the induced reading
        # only when it finds the stated problem count where the tuned reading misses it, the stated
        # category count (if any) agrees, and no rectification is lost
        counted = (got == stated and aspects in (None, len(induced[0]))
                   and _rectified(induced[0]) >= _rectified(categories))
        return (induced[0], induced[1], body, is_narrative(induced[0], text)) if counted else tuned
    tops = [p for c in categories for p in c.problems]
    unread = sum(1 for p in tops if parse_marker(p.text) is not None)   # 问题1 森林…: a marker read as text
    better = _rectified(induced[0]) > _rectified(categories) or (
        stated is not None and got == stated and stated not in (found, leaves)) or (
        2 * unread > len(tops) and _rectified(induced[0]) >= _rectified(categories)) or (
        len(induced[0]) >= 2 and len(categories) <= 1 and got == found   # 第一方面: headings the tuned missed
        and _rectified(induced[0]) >= _rectified(categories))
    if not better and found:
        return tuned
    return induced[0], induced[1], body, is_narrative(induced[0], text)   # items of work, in a notation of its own


def _counted(categories) -> tuple[int, int]:
    """(problems, leaf problems) of a reading: a report's stated count may count either."""
    return (sum(len(c.problems) for c in categories),
            sum(1 for p in walk_categories(categories) if not p.children))


def _prefer_learned(text: str, counts: dict[str, int], body: list[Line], chosen: tuple) -> tuple:
    """The reading chosen so far, unless it misses the report's stated problem count and the learned
    line-role reading (reports/parse/roles.py) finds it exactly, with the stated category count (if the
    report gives one) and at least as many rectifications: the same evidence rule that weighs the
    induced reading, with the learned reading as one more candidate."""
    stated = counts.get("problems")
    if stated is None or stated in _counted(chosen[0]):
        return chosen
    learned = read_learned(text, body, counts)
    if learned is None or stated not in _counted(learned[0]):
        return chosen
    aspects = counts.get("categories")
    if aspects not in (None, len(learned[0])) or _rectified(learned[0]) < _rectified(chosen[0]):
        return chosen
    return learned[0], learned[1], body, is_narrative(learned[0], text)


def parse_source(src) -> Report:
    """Parse a `reports.read.SourceText`."""
    return parse_text(src.text, source_path=src.path, source_format=src.format, encoding=src.encoding)


def parse_file(path: str | os.PathLike) -> Report:
    from reports.read import read_source
    return parse_source(read_source(path))


def _preamble_end(categories, part: list[Line], default: int) -> int:
    """Where the preamble (and its stated counts) ends: the first category heading, or the first
    problem when the report has no category headings (its one category has no span of its own)."""
    if categories and categories[0].span[1] > 0:
        return categories[0].span[0]
    if categories and categories[0].problems:
        return categories[0].problems[0].span[0]
    return part[0].start if part else default


def _looks_truncated(body: list[Line]) -> bool:
    if not body:
        return False
    last = body[-1].text
    return not (last.endswith(TERMINAL) or CLOSING_LINE.match(last.replace(" ", "")))


def _warnings(report: Report, *, has_part: bool) -> list[Notice]:
    out: list[Notice] = []
    found = report.found()
    if not has_part or not report.categories:
        out.append(Notice("no_problem_section"))
    if report.truncated:
        out.append(Notice("truncated", {"tail": report.text.rstrip()[-20:].replace("\n", " ")}))
    problems = sorted({s.value for s in report.stated if s.key == "problems"})
    if len(problems) > 1:
        out.append(Notice("stated_counts_differ", {"counts": problems}))
    stated = report.stated_value("problems")
    if stated is not None and found["problems"] and stated not in (found["problems"], found["leaf_problems"]):
        out.append(Notice("stated_problems_mismatch",
                          {"stated": stated, "found": found["problems"], "leaf": found["leaf_problems"]}))
    categories = report.stated_value("categories")
    if categories is not None and found["categories"] and categories != found["categories"]:
        out.append(Notice("stated_categories_mismatch", {"stated": categories, "found": found["categories"]}))
    for c in report.categories:
        if c.stated_problems is not None and c.stated_problems != len(c.problems):
            out.append(Notice("category_problems_mismatch",
                              {"ordinal": c.ordinal, "stated": c.stated_problems, "found": len(c.problems)}))
    return out

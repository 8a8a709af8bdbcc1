"""Phenomena of the fifth pass (docs/decisions.md, "Fifth pass: authors R and S"), each on small documents built
here in wordings of their own (not the outside authors')."""
from __future__ import annotations

import pytest

from reports.grammar.markers import parse_marker
from reports.status import find_status, status_code

_OPEN = ("中共某某区文旅局党组关于巡察反馈意见整改情况的报告\n"
         "2024年3月1日至4月30日，区委第二巡察组对区文旅局党组开展了巡察，反馈2个方面3个问题。\n")
_CLOSE = "\n欢迎广大干部群众对巡察整改落实情况进行监督。\n中共某某区文旅局党组\n2024年10月8日\n"


def _read(text: str, name: str = "报告.txt"):
    from reports.parse import parse_source
    from reports.read import read_bytes

    return parse_source(read_bytes(text.encode("utf-8"), name))


def _shape(report):
    return [(p.text[:6], p.status and status_code(p.status), len(p.measures), len(p.children))
            for c in report.categories for p in c.problems]


@pytest.mark.parametrize(("line", "label", "index"), [
    ("首先，巡查记录不完整", "{w},", 1), ("最后：经费使用不规范", "{w}:", None), ("No.3 巡查记录", "No.{d}", 3),
    ("第2个问题：经费使用", "第{d}个问题:", 2), ("【RW-07】经费使用", "【{a}{d}】", 7), ("4｜反馈问题：经费", "{d}|", 4),
    ("问题(二)", "问题({c})", 2), ("02 关于队伍建设方面", "{d}", 2)])
def test_new_marker_shapes(line, label, index):
    """Ordinal words, Latin number prefixes, 第N个问题, task codes of letters, bars, a bracket after the prefix and
    a zero-padded number set apart are markers; an ordinal word inside prose and a plain figure are not."""
    m = parse_marker(line)
    assert m is not None and m.shape.label() == label and m.index == index


@pytest.mark.parametrize("line", ["首先要加强学习", "2 个单位", "01号文件", "问题(一、二)"])
def test_prose_is_no_marker(line):
    assert parse_marker(line) is None


def test_ordinal_words_open_problems_under_part_headings_and_counts_come_from_the_title():
    """首先，/其次，/最后， restarting under 第一部分 headings (full-width space), a verdict field on its own line,
    and the counts stated only in the title."""
    text = ("中共某某区文旅局党组\n关于区委巡察反馈2个方面3个问题整改情况的报告\n"
            "2024年3月1日至4月30日，区委第二巡察组对区文旅局党组开展了巡察。截至9月底，已完成2个。\n"
            "第一部分　文物保护方面\n首先，文物巡查记录不完整。\n整改举措：修订巡查规程；配备巡查终端。\n办理结果：完成\n"
            "最后，修缮经费使用不规范。\n整改举措：开展专项审计。\n办理结果：推进中\n"
            "第二部分　队伍建设方面\n首先，支部组织生活不严肃。\n整改举措：制定支部年度计划。\n办理结果：完成\n"
            "欢迎社会各界监督，联系电话：0000-1234567。\n中共某某区文旅局党组\n2024年10月8日\n")
    report = _read(text)
    assert [c.title for c in report.categories] == ["文物保护方面", "队伍建设方面"]
    assert _shape(report) == [("文物巡查记录", "completed", 2, 0), ("修缮经费使用", "in_progress", 1, 0),
                              ("支部组织生活", "completed", 1, 0)]
    assert report.stated_value("problems") == 3 and report.stated_value("categories") == 2


def test_a_headings_own_count_with_a_status_summary_is_no_report_count():
    """一、…方面（共2个问题，已完成1个、推进中1个）: the title drops the bracket, and the report's count is not 2."""
    text = (_OPEN.replace("反馈2个方面3个问题。", "反馈问题细化为3个事项。")
            + "一、文物保护方面（共2个问题，已完成1个、推进中1个）\n第1个问题：文物巡查记录不完整。\n整改情况：修订巡查规程。\n"
            "〔截至9月底〕已完成\n第2个问题：修缮经费使用不规范。\n整改情况：开展专项审计。\n〔截至9月底〕持续推进\n"
            "二、队伍建设方面（共1个问题，已完成）\n第3个问题：支部组织生活不严肃。\n整改情况：制定支部年度计划。\n"
            "〔截至9月底〕已完成" + _CLOSE)
    report = _read(text)
    assert [c.title for c in report.categories] == ["文物保护方面", "队伍建设方面"]
    assert [s for s, *_ in _shape(report)] == ["文物巡查记录", "修缮经费使用", "支部组织生活"]
    assert report.stated_value("problems") != 2


def test_records_one_per_line_with_bars_read_as_a_table():
    """N｜反馈问题：…｜整改措施：…｜进展：… under category headings: one problem per record, its status field."""
    text = (_OPEN + "一、文物保护方面\n1｜反馈问题：文物巡查记录不完整。｜整改措施：修订巡查规程；配备巡查终端。｜进展：已整改到位\n"
            "2｜反馈问题：修缮经费使用不规范。｜整改措施：开展专项审计。｜进展：持续推进\n"
            "二、队伍建设方面\n3｜反馈问题：支部组织生活不严肃。｜整改措施：制定支部年度计划。｜进展：长期坚持" + _CLOSE)
    report = _read(text)
    assert [c.title for c in report.categories] == ["文物保护方面", "队伍建设方面"]
    assert [(s, st) for s, st, *_ in _shape(report)] == [("文物巡查记录", "completed"), ("修缮经费使用", "in_progress"),
                                                         ("支部组织生活", "long_term")]


def test_bracketed_topic_headings_and_a_response_opener_inside_the_paragraph():
    """【…方面】 lines (no number) above 1. problems restarting, each finding's paragraph turning to the response
    with 针对该问题，: categories, and the rectification split off the finding."""
    text = (_OPEN + "【文物保护方面】\n1.文物巡查记录不完整。针对该问题，修订巡查规程；配备巡查终端。此项整改现已整改完毕。\n"
            "2.修缮经费使用不规范。针对该问题，开展专项审计。此项整改正在加快推进。\n"
            "【队伍建设方面】\n1.支部组织生活不严肃。针对该问题，制定支部年度计划。此项整改现已整改完毕。" + _CLOSE)
    report = _read(text)
    assert [c.title for c in report.categories] == ["文物保护方面", "队伍建设方面"]
    assert [p.text for c in report.categories for p in c.problems] == ["文物巡查记录不完整。", "修缮经费使用不规范。",
                                                                       "支部组织生活不严肃。"]
    assert [st for _, st, *_ in _shape(report)] == ["completed", "in_progress", "completed"]


def test_a_prefixed_bracket_number_alone_on_its_line_with_bulleted_parts():
    """问题(一) alone on a line, the finding below it; a part list in Markdown bullets (- 表现1：…), each with its
    own rectification: sub-problems."""
    text = ("# 中共某某区文旅局党组关于巡察反馈意见整改情况的报告\n\n"
            "2024年3月1日至4月30日，区委第二巡察组对区文旅局党组开展了巡察，反馈2个方面3个问题。\n\n"
            "## （一）文物保护方面\n\n#### 问题(一)\n\n文物巡查记录不完整。\n\n整改：修订巡查规程。\n\n*状态：已完成*\n\n"
            "#### 问题(二)\n\n修缮工作存在短板，具体表现为：\n\n- 表现1：经费使用不规范。\n  整改：开展专项审计。\n"
            "  *状态：已完成*\n- 表现2：进度滞后。\n  整改：倒排工期。\n  *状态：正在推进*\n\n"
            "## （二）队伍建设方面\n\n#### 问题(一)\n\n支部组织生活不严肃。\n\n整改：制定支部年度计划。\n\n*状态：已完成*\n")
    report = _read(text, "报告.md")
    assert [c.title for c in report.categories] == ["文物保护方面", "队伍建设方面"]
    assert _shape(report) == [("文物巡查记录", "completed", 1, 0), ("修缮工作存在", None, 0, 2),
                              ("支部组织生活", "completed", 1, 0)]


def test_a_page_numbering_categories_in_spans_with_labelled_findings_and_badges():
    """A page set out with a number in its own span (01) before each category, findings opened by 问题：, and
    a badge line (▶ 已完成) closing each: categories, problems and statuses."""
    sec = ('<section><span style="font-weight:bold">0{n}</span><span>{t}</span></section>')
    item = '<section><p><strong>问题：</strong>{p}</p><p><strong>整改：</strong>{m}</p><p>▶ {s}</p></section>'
    body = (sec.format(n=1, t="关于文物保护方面") + item.format(p="文物巡查记录不完整。", m="修订巡查规程。", s="已完成")
            + item.format(p="修缮经费使用不规范。", m="开展专项审计。", s="持续推进")
            + sec.format(n=2, t="关于队伍建设方面") + item.format(p="支部组织生活不严肃。", m="制定支部年度计划。", s="已完成"))
    html = ("<html><body><h1>中共某某区文旅局党组关于巡察反馈意见整改情况的报告</h1>"
            "<p>2024年3月1日至4月30日，区委第二巡察组对区文旅局党组开展了巡察，反馈2个方面3个问题。</p>"
            + body + "<p>欢迎广大干部群众对巡察整改落实情况进行监督。</p></body></html>")
    report = _read(html, "报告.html")
    assert [c.title for c in report.categories] == ["关于文物保护方面", "关于队伍建设方面"]
    assert _shape(report) == [("文物巡查记录", "completed", 1, 0), ("修缮经费使用", "in_progress", 1, 0),
                              ("支部组织生活", "completed", 1, 0)]


def test_a_count_met_only_by_leaves_does_not_keep_categories_read_as_problems():
    """1、方面 headings, (1) problems, ① parts: the stated 3 problems and 2 categories are the (1) level, even
    though the 1、 headings' leaves also number 3."""
    text = (_OPEN + "1、关于文物保护方面\n（1）文物巡查记录不完整。\n整改情况：修订巡查规程。已完成整改。\n"
            "（2）修缮工作存在短板，主要体现在：\n①经费使用不规范。\n整改情况：开展专项审计。已完成整改。\n"
            "②进度滞后。\n整改情况：倒排工期。正在推进。\n2、关于队伍建设方面\n（1）支部组织生活不严肃。\n"
            "整改情况：制定支部年度计划。已完成整改。" + _CLOSE)
    report = _read(text)
    assert [c.title for c in report.categories] == ["关于文物保护方面", "关于队伍建设方面"]
    assert [len(p.children) for c in report.categories for p in c.problems] == [0, 2, 0]


def test_a_status_word_defined_by_the_reports_legend():
    """（评级说明：甲＝已完成整改；乙＝整改推进中）, then 评级：甲 under each problem: the status, not a measure."""
    text = (_OPEN + "（评级说明：甲＝已完成整改；乙＝整改推进中）\n一、文物保护方面\n1.文物巡查记录不完整。\n"
            "整改措施：修订巡查规程；配备巡查终端。\n评级：甲\n2.修缮经费使用不规范。\n整改措施：开展专项审计。\n评级：乙\n"
            "二、队伍建设方面\n1.支部组织生活不严肃。\n整改措施：制定支部年度计划。\n评级：甲" + _CLOSE)
    assert _shape(_read(text)) == [("文物巡查记录", "completed", 2, 0), ("修缮经费使用", "in_progress", 1, 0),
                                   ("支部组织生活", "completed", 1, 0)]


@pytest.mark.parametrize(("rect", "code"), [
    ("开展专项审计。验收结论：经区整改办验收，已完成。", "completed"), ("倒排工期。此项工作仍在推进。", "in_progress"),
    ("开展专项审计。整改工作基本完成，台账建设正在完善。", "basically_completed"),
    ("开展专项审计。完成情况：按期完成", "completed"), ("进度：已整改闭环", "completed"),
    ("进度：常态长效推进", "long_term")])
def test_status_wordings(rect, code):
    assert status_code(find_status(rect) or "") == code


def test_keeping_a_practice_up_closes_a_measure_not_a_status():
    """…并坚持常态长效。 ends an action (corpus 004): no status."""
    assert find_status("由财务科牵头，规范小额采购行为，并坚持常态长效。") is None


def test_header_a_column_before_a_bar_a_slash_dated_signature_and_a_stay_from_a_day_on():
    """动态｜中共…关于…的报告 (a page's column before a bar), 自D起…为期两个月 (a start, no end), the signature dated
    2024/10/8: the unit without the column, the start, no end, and the report date."""
    text = ("工作动态｜中共某某区文旅局党组关于巡察反馈意见整改情况的报告\n"
            "区委第二巡察组自2024年3月1日起对中共某某区文旅局党组开展了为期两个月的常规巡察，反馈2个方面3个问题。\n"
            "一、文物保护方面\n1.文物巡查记录不完整。\n整改情况：修订巡查规程。已完成整改。\n"
            "2.修缮经费使用不规范。\n整改情况：开展专项审计。已完成整改。\n二、队伍建设方面\n1.支部组织生活不严肃。\n"
            "整改情况：制定支部年度计划。已完成整改。\n欢迎广大干部群众对巡察整改落实情况进行监督。\n中共某某区文旅局党组\n2024/10/8\n")
    report = _read(text)
    assert report.unit == "中共某某区文旅局党组"
    assert report.inspection.start.iso == "2024-03-01" and report.inspection.end is None
    assert report.report_date.iso == "2024-10-08"

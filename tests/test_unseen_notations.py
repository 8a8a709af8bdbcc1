"""Notations of the third pass (docs/decisions.md, "Third pass: author L as development set"): marker families
by glyph block, series and code, pictograph bullets, and the status and table forms around them, each on
small documents built here in wordings of their own (not the outside author's)."""
from __future__ import annotations

import pytest

from reports.grammar.markers import induce_families, parse_marker
from reports.parse.lines import split_lines


@pytest.mark.parametrize("line", ["甲方：某某公司", "乙类传染病防控", "A4纸打印", "─────────", "其中，3人", "═══ 表 ═══"])
def test_third_pass_prose_is_no_marker(line):
    assert parse_marker(line) is None


def test_a_glyph_block_is_one_list():
    """⑴ ⑵ problems holding ① ② items are two families: a list keeps to one glyph block, as 1. and (1) do."""
    lines = split_lines("\n".join(["⑴车辆管理不严。", "⑵食堂管理不规范，表现在：", "①采购无台账。", "②账目不清。",
                                   "⑶接待超标。"]))
    fams = {f.shape.block: f.items for f in induce_families(lines)}
    assert sorted(fams.values()) == [[0, 1, 4], [2, 3]]


def test_a_code_counts_within_its_letter():
    """A1 A2 | B1: the letter moves on and the number restarts, one family, as 1-1 1-2 | 2-1."""
    lines = split_lines("\n".join(["A1 甲", "A2 乙", "B1 丙", "B2 丁", "C1 戊"]))
    (fam,) = induce_families(lines)
    assert [len(r) for r in fam.runs] == [2, 2, 1]


_OPEN = ("中共某某区水务局党组关于巡察反馈意见整改情况的报告\n"
         "2024年3月1日至4月30日，区委第三巡察组对区水务局党组开展了巡察，反馈2个方面3个问题。\n")
_CLOSE = "\n欢迎监督。\n中共某某区水务局党组\n2024年10月8日\n"


def _read_report(text: str):
    from reports.parse import parse_source
    from reports.read import read_bytes

    return parse_source(read_bytes(text.encode("utf-8"), "报告.txt"))


def test_a_table_pasted_one_cell_per_line():
    """Header names on lines of their own, then rows of as many lines, each opening with its number; a
    heading between rows starts a category (a Word table pasted as text)."""
    rows = ["编号", "存在问题", "整改举措", "完成情况",
            "（一）工程建设方面", "1", "河道清淤验收不严。", "修订验收办法；开展复查。", "已完成",
            "2", "招标文件把关不细。", "建立审核清单。", "正在推进",
            "（二）队伍建设方面", "3", "支部活动形式单一。", "开展主题党日。", "已完成"]
    report = _read_report(_OPEN + "\n".join(rows) + _CLOSE)
    assert [(c.title, [(p.id, p.text, p.status, len(p.measures)) for p in c.problems]) for c in report.categories] == [
        ("工程建设方面", [("1", "河道清淤验收不严。", "已完成", 2), ("2", "招标文件把关不细。", "正在推进", 1)]),
        ("队伍建设方面", [("3", "支部活动形式单一。", "已完成", 1)])]


def test_a_table_aligned_with_spaces_and_wrapped_cells():
    """A fixed-width table: cells cut by display column, a cell wrapped onto the lines below joined back."""
    rows = ["序号  存在问题              整改举措                  完成情况",
            "（一）工程建设方面",
            "1     河道清淤验收不严，    修订验收办法；开展        已完成",
            "      部分标段未复测。      复查。",
            "",
            "2     招标文件把关不细。    建立审核清单。            正在推进",
            "（二）队伍建设方面",
            "3     支部活动形式单一。    开展主题党日；建立        已完成",
            "                            活动台账。"]
    report = _read_report(_OPEN + "\n".join(rows) + _CLOSE)
    assert [(c.title, [(p.text, p.status, len(p.measures)) for p in c.problems]) for c in report.categories] == [
        ("工程建设方面", [("河道清淤验收不严,部分标段未复测。", "已完成", 2), ("招标文件把关不细。", "正在推进", 1)]),
        ("队伍建设方面", [("支部活动形式单一。", "已完成", 2)])]


def test_short_lines_and_spaced_words_are_no_table():
    from reports.read.texttables import text_tables

    prose = "\n".join(["通报", "一、基本情况", "领导小组", "工作专班", "督导组", "1", "2", "某某  某某  某某", "正文。"])
    assert text_tables(prose) == prose


@pytest.mark.parametrize(("rect", "code"), [
    ("修订制度。\n是否整改到位：是", "completed"),                 # a yes/no question on the work
    ("修订制度。\n是否办结：否（正在推进，预计年底完成）", "in_progress"),   # no, and the note says where it stands
    ("修订制度。\n整改状态——基本完成（待上级批复）", "basically_completed"),   # a dash for the colon
    ("修订制度。\n销号情况：未销号（需长期坚持）", "long_term"),          # not closed: the bracket decides
    ("修订制度。\n办理进度：在办", "in_progress"),
])
def test_status_fields_in_other_forms(rect, code):
    from reports.status import find_status, status_code

    assert status_code(find_status(rect) or "") == code


def test_no_status_from_a_word_inside_a_finding():
    from reports.status import status_sentence

    assert status_sentence("存在办公用房超标问题") is None


def test_a_status_column_in_the_reports_own_words():
    """Short words in a status column (办结 / 跟进) defined by the report's own legend (办结=已完成整改)."""
    from reports.status import status_code

    rows = ["（状态栏：办结=已完成整改；跟进=正在推进）", "序号\t问题\t整改措施\t状态",
            "1\t河道清淤验收不严。\t修订验收办法。\t办结", "2\t招标文件把关不细。\t建立审核清单。\t跟进"]
    report = _read_report(_OPEN + "\n".join(rows) + _CLOSE)
    assert [status_code(p.status) for p in report.problems()] == ["completed", "in_progress"]


def test_statuses_given_by_code_in_a_closing_sentence():
    """综上 names the problems by their codes: each code takes the status written after it, and the
    sentence is no measure of the last problem."""
    from reports.status import status_code

    text = (_OPEN + "A. 工程建设方面\nA1 河道清淤验收不严。\n整改措施：修订验收办法；开展复查。\n"
            "A2 招标文件把关不细。\n整改措施：建立审核清单。\nB. 队伍建设方面\nB1 支部活动形式单一。\n"
            "整改措施：开展主题党日；建立活动台账。\n综上，A1和B1等2个问题已完成整改，A2问题正在推进。\n" + _CLOSE)
    report = _read_report(text)
    assert [(p.label, status_code(p.status), len(p.measures)) for p in report.problems()] == [
        ("A1", "completed", 2), ("A2", "in_progress", 1), ("B1", "completed", 2)]


def test_a_dash_joins_the_finding_and_its_rectification():
    """…不够。——整改：… in one paragraph: the dash and a bare 整改 label split finding from rectification."""
    text = (_OPEN + "一、工程建设方面\n其一，河道清淤验收不严。——整改：修订验收办法；开展复查。\n整改状态：已完成\n"
            "其二，招标文件把关不细。——整改：建立审核清单。\n整改状态：持续推进\n"
            "二、队伍建设方面\n其一，支部活动形式单一。——整改：开展主题党日。\n整改状态：已完成\n" + _CLOSE)
    report = _read_report(text)
    assert [(p.text, len(p.measures)) for p in report.problems()] == [
        ("河道清淤验收不严。", 2), ("招标文件把关不细。", 1), ("支部活动形式单一。", 1)]


def test_a_merged_category_cell_in_an_html_table():
    """A category cell spanning rows (rowspan) is missing from the rows below it; those rows still open with
    their number, so the merged column is the category's."""
    from reports.parse import parse_source
    from reports.read import read_bytes

    rows = [("1", '<td rowspan="2">工程建设方面</td>', "河道清淤验收不严。"), ("2", "", "招标文件把关不细。"),
            ("3", "<td>队伍建设方面</td>", "支部活动形式单一。")]
    body = "".join(f"<tr><td>{n}</td>{cat}<td>{p}</td><td>修订办法。</td><td>已完成</td></tr>" for n, cat, p in rows)
    html = (f"<html><body><p>{_OPEN}</p><table><tr><th>序号</th><th>问题类别</th><th>存在问题</th><th>整改措施</th>"
            f"<th>完成情况</th></tr>{body}</table><p>{_CLOSE}</p></body></html>")
    report = parse_source(read_bytes(html.encode("utf-8"), "报告.html"))
    assert [(c.title, [p.id for p in c.problems]) for c in report.categories] == [
        ("工程建设方面", ["1", "2"]), ("队伍建设方面", ["3"])]


@pytest.mark.parametrize(("text", "team"), [
    ("根据省交通运输厅党组统一部署，省交通运输厅党组第三巡视组于2024年进驻", "省交通运输厅党组第三巡视组"),
    ("经市烟草专卖局党委第一巡察组反馈", "市烟草专卖局党委第一巡察组"),
    ("县委第二巡察组对我局开展了巡察", "县委第二巡察组"),   # a committee level stays as it was
])
def test_a_systems_own_team_keeps_its_party_body(text, team):
    from reports.grammar.teams import find_teams

    assert [t.canonical() for t in find_teams(text)] == [team]


def test_markdown_front_matter_is_not_the_page():
    from reports.read.markdown import strip_markdown

    md = '---\ntitle: "某某局党组关于整改情况的通报"\ndate: 2024-05-06\ntags: [巡察]\n---\n\n# 某某局党组关于整改情况的通报\n\n正文。'
    assert strip_markdown(md) == "\n某某局党组关于整改情况的通报\n\n正文。"
    assert strip_markdown("---\n\n正文。") == "\n正文。"   # a rule, not front matter


def test_measures_follow_the_authors_own_bullets_and_skip_a_noted_status():
    """A bullet list under the label counts one measure per item, whatever commas an item holds; a status
    line with a note in brackets is no measure; a status in tortoise-shell brackets ends a rectification."""
    text = (_OPEN + "一、工程建设方面\n（一）河道清淤验收不严。\n整改措施：\n• 修订验收办法，开展复查；\n• 建立台账。\n"
            "整改进度：基本完成（待区政府批复）\n（二）招标文件把关不细。\n整改措施：建立审核清单。〔已完成〕\n"
            "二、队伍建设方面\n（一）支部活动形式单一。\n整改措施：开展主题党日。〔需长期坚持〕\n下一步，局党组将持续巩固整改成果。\n" + _CLOSE)
    report = _read_report(text)
    assert [(len(p.measures), p.status) for p in report.problems()] == [
        (2, "基本完成"), (1, "已完成"), (1, "需长期坚持")]


def test_a_date_under_the_title_dates_an_unsigned_report():
    text = ("中共某某区水务局党组\n关于巡察反馈意见整改情况的报告\n（2024年10月8日）\n"
            "2024年3月1日至4月30日，区委第三巡察组对区水务局党组开展了巡察。\n一、工程建设方面\n（一）河道清淤验收不严。\n"
            "整改措施：修订验收办法。\n（二）招标文件把关不细。\n整改措施：建立审核清单。\n")
    report = _read_report(text)
    assert report.report_date is not None and report.report_date.iso == "2024-10-08"
    assert report.text[slice(*report.report_date.span)] == "2024年10月8日"


def test_a_signature_name_broken_over_two_lines_is_one_body():
    text = (_OPEN.replace("中共某某区水务局党组关于", "关于") + "一、工程建设方面\n（一）河道清淤验收不严。\n整改措施：修订验收办法。\n"
            "（二）招标文件把关不细。\n整改措施：建立审核清单。\n中共某某区水利水务综合执法局\n第三执法大队委员会\n2024年10月8日\n")
    assert _read_report(text).unit == "中共某某区水利水务综合执法局第三执法大队委员会"


def test_a_table_aligned_with_ideographic_spaces_and_numbered_1_dot():
    """The same table shape set with 　 (two columns wide each) and rows numbered 1. / 2.; a run of text goes
    to the column it starts in even when the copy is a column or two off."""
    rows = ["编号　　存在问题　　　　　　　　整改举措　　　　　　　　　　完成情况",
            "1.　　 河道清淤验收不严。　　　修订验收办法；开展复查。　　已完成",
            "2.　　 招标文件把关不细。　　 建立审核清单。　　　　　　　正在推进",
            "3.　　 支部活动形式单一。　　　开展主题党日。　　　　　　　已完成"]
    report = _read_report(_OPEN + "\n".join(rows) + _CLOSE)
    assert [(p.text, p.status, len(p.measures)) for p in report.problems()] == [
        ("河道清淤验收不严。", "已完成", 2), ("招标文件把关不细。", "正在推进", 1), ("支部活动形式单一。", "已完成", 1)]

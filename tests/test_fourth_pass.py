"""Phenomena of the fourth pass (docs/decisions.md, "Fourth pass: authors N and O as development sets"), each on
small documents built here in wordings of their own (not the outside authors')."""
from __future__ import annotations

from reports.status import find_status

_OPEN = ("中共某某区文旅局党组关于巡察反馈意见整改情况的报告\n"
         "2024年3月1日至4月30日，区委第二巡察组对区文旅局党组开展了巡察，反馈2个方面3个问题。\n")
_CLOSE = "\n欢迎广大干部群众对巡察整改落实情况进行监督。\n中共某某区文旅局党组\n2024年10月8日\n"


def _read_report(text: str, stated: str = "2个方面3个问题"):
    from reports.parse import parse_source
    from reports.read import read_bytes

    return parse_source(read_bytes(text.replace("2个方面3个问题", stated).encode("utf-8"), "报告.txt"))


def _shape(report):
    return [(p.text[:6], p.status, len(p.measures), len(p.children)) for c in report.categories for p in c.problems]


def test_unlabelled_measure_lines_under_a_problem_are_its_measures():
    """（1）（2） lines of work right under a problem, then one progress line for the problem: its measures,
    one per line, not sub-problems; a status first on the progress line, then a note on what remains."""
    text = (_OPEN + "一、文物保护方面\n1.文物巡查记录不完整，部分巡查流于形式。\n（1）修订文物巡查规程，明确巡查频次；\n"
            "（2）为12处文保单位配备巡查终端；\n（3）组织文保员专题培训2期。\n推进情况：已完成整改。\n"
            "2.文物修缮经费使用不规范。\n（1）对2022年以来修缮经费开展专项审计；\n（2）收回违规支出3.2万元。\n"
            "推进情况：基本完成，剩余1个项目待区财政局复核后结算。\n"
            "二、队伍建设方面\n1.支部组织生活不严肃。\n（1）制定支部年度工作计划；\n（2）开展支部书记述职评议。\n"
            "推进情况：持续推进。" + _CLOSE)
    assert _shape(_read_report(text)) == [("文物巡查记录", "已完成整改", 3, 0), ("文物修缮经费", "基本完成", 2, 0),
                                          ("支部组织生活", "持续推进", 2, 0)]


def test_measures_tagged_one_by_one_under_an_overall_line():
    """1. 2. measure lines each closing with its own status, then an overall line (总体进展): the measures
    count one per line and the problem's status is the overall line's, not a measure's."""
    text = (_OPEN + "一、文物保护方面\n（一）文物巡查记录不完整，部分巡查流于形式。\n1.修订文物巡查规程（已完成）；\n"
            "2.为12处文保单位配备巡查终端（持续推进）。\n总体进展：基本完成\n"
            "（二）文物修缮经费使用不规范。\n1.对修缮经费开展专项审计（已完成）；\n2.建立经费使用台账（长期坚持）；\n"
            "3.收回违规支出3.2万元（已完成）。\n总体进展：已完成" + _CLOSE)
    assert _shape(_read_report(text, "1个方面2个问题")) == [("文物巡查记录", "基本完成", 2, 0), ("文物修缮经费", "已完成", 3, 0)]


def test_sub_problems_with_their_own_rectification_stay_sub_problems():
    """The same numbering holding shortcomings, each with its own rectification: sub-problems, untouched."""
    text = (_OPEN + "一、文物保护方面\n1.文物安全管理存在漏洞。\n（1）巡查记录不完整，部分巡查流于形式。\n"
            "整改情况：修订巡查规程。已完成整改。\n（2）消防设施老化，部分灭火器过期。\n整改情况：更换灭火器40具。已完成整改。\n"
            "2.文物修缮经费使用不规范。\n整改情况：开展专项审计。该问题正在整改。" + _CLOSE)
    assert _shape(_read_report(text, "1个方面2个问题")) == [("文物安全管理", None, 0, 2), ("文物修缮经费", "正在整改", 1, 0)]


def test_shortcomings_listed_under_a_problem_are_not_folded():
    """（1）（2） shortcomings listed together, with one status line after them: the list states shortcomings,
    so it stays a list of sub-problems."""
    text = (_OPEN + "一、文物保护方面\n1.文物安全管理存在漏洞。\n（1）巡查记录不规范，部分巡查流于形式；\n"
            "（2）消防设施维护不到位，部分灭火器过期未更换。\n推进情况：已完成整改。\n"
            "2.文物修缮经费使用不规范。\n整改情况：开展专项审计。该问题正在整改。" + _CLOSE)
    assert [len(p.children) for c in _read_report(text, "1个方面2个问题").categories for p in c.problems] == [2, 0]


def test_a_status_then_a_note_on_what_remains():
    assert find_status("基本完成，剩余2处点位待验收。") == "基本完成"
    assert find_status("持续推进，预计2025年6月底前完成。") == "持续推进"
    assert find_status("立行立改，及时解除租赁协议。") is None   # a clause leading an action describes it


def test_a_category_closing_sentence_gives_statuses_by_position():
    """No status under any problem; each category closes with one sentence naming its problems by position,
    or all of them with a named exception. The sentence is no part of the last problem's work."""
    text = (_OPEN + "一、文物保护方面\n1.文物巡查记录不完整。\n整改情况：修订巡查规程；配备巡查终端。\n"
            "2.文物修缮经费使用不规范。\n整改情况：开展专项审计；收回违规支出3.2万元。\n"
            "以上2个问题中，第2个问题已整改到位；第1个问题因终端采购周期较长，目前仍在持续推进。\n"
            "二、队伍建设方面\n1.支部组织生活不严肃。\n整改情况：制定支部年度工作计划；开展述职评议。\n"
            "2.干部培训覆盖面不广。\n整改情况：举办业务培训班3期。\n"
            "以上问题均已完成整改，其中第1个问题局党组将作为长期任务持续抓好。" + _CLOSE)
    report = _read_report(text, "2个方面4个问题")
    assert [(p.status, len(p.measures)) for p in report.problems()] == [
        ("持续推进", 2), ("已整改到位", 2), ("作为长期任务", 2), ("已完成整改", 1)]
    assert "以上" not in list(report.problems())[1].rectification


def test_a_status_closing_a_paragraph_after_a_long_subject():
    assert find_status("开展专项整治；建立巡查机制。经区住建局复核，8处违建已于2024年9月全部整改到位。") == "整改到位"
    assert find_status("截至目前，2个项目已恢复运营，相关工作正在持续推进，预计年底前完成。") == "持续推进"
    assert find_status("督促施工单位于9月底前整改到位，并组织复查。") is None   # an order, not a status


def _html_text(body: str) -> str:
    from reports.read import read_bytes

    page = f"<html><head><title>某某局党组关于巡察整改情况的通报</title></head><body><div>{body}</div></body></html>"
    return read_bytes(page.encode("utf-8"), "通报.html").text


def test_a_key_value_table_reads_as_the_form_it_is():
    """One small table per problem, a header cell naming each field beside its value: each row is that field
    (整改措施：…), as in a form; a table with column headers stays a table."""
    text = _html_text("<table><caption>第1项</caption><tr><th>存在问题</th><td>河道清淤验收不严。</td></tr>"
                      "<tr><th>整改举措</th><td>修订验收办法；<br>开展复查。</td></tr>"
                      "<tr><th>完成情况</th><td>已完成</td></tr></table>"
                      "<table><tr><th>序号</th><th>存在问题</th></tr><tr><td>1</td><td>招标文件把关不细。</td></tr></table>")
    assert "存在问题:河道清淤验收不严。\n整改举措:修订验收办法; 开展复查。\n完成情况:已完成" in text
    assert "序号\t存在问题\n1\t招标文件把关不细。" in text


def test_a_number_set_in_its_own_inline_element_is_set_apart():
    """<span>问题3</span> glued to the statement: the number is the item's marker, not a word of it."""
    text = _html_text("<p><span class='no'>问题3</span>河道清淤验收不严。</p><p><b>注</b>以上为摘要。</p>")
    assert "问题3 河道清淤验收不严。" in text and "注以上为摘要。" in text


def test_status_words_of_acceptance_verdicts_and_scanned_text():
    """An acceptance verdict (同意销号 / 暂缓销号，持续推进（…） / 转入常态化管理) and 已 as a scan misreads it
    (己完成, 巳完成) are statuses; 自己完成 is not one."""
    assert find_status("验收结论：同意销号。") == "同意销号"
    assert find_status("验收结论：暂缓销号，持续推进（剩余1处待改造）。") == "持续推进"
    assert find_status("验收结论：转入常态化管理。") == "转入常态化"
    assert find_status("完成情况：己完成") == "已完成" and find_status("完成情况：巳完成整改") == "已完成整改"
    assert find_status("由党员自己完成学习笔记，支部每月检查。") is None


def test_a_ledger_exported_as_csv_reads_as_its_table():
    """Title and preamble padded with commas, a header of column names, rows with quoted cells holding commas
    and line breaks: the table's rows, one problem each, the category from its column."""
    from reports.read.csvrows import csv_rows

    ledger = ("某某局党组关于巡察整改情况的通报,,,,\n\"2024年3月1日至4月30日，区委第二巡察组开展巡察，反馈2个方面3个问题。\",,,,\n"
              "编号,所属方面,存在问题,整改举措,进度\n"
              "1,工程建设方面,\"河道清淤验收不严，台账缺失。\",\"1.修订验收办法；\n2.开展复查。\",已完成\n"
              "2,工程建设方面,招标文件把关不细。,建立审核清单。,正在推进\n"
              "3,队伍建设方面,支部活动形式单一。,开展主题党日。,已完成\n欢迎监督。,,,,\n")
    out = csv_rows(ledger)
    assert out.split("\n")[:4] == ["某某局党组关于巡察整改情况的通报", "2024年3月1日至4月30日，区委第二巡察组开展巡察，反馈2个方面3个问题。",
                                   "编号\t所属方面\t存在问题\t整改举措\t进度",
                                   "1\t工程建设方面\t河道清淤验收不严，台账缺失。\t1.修订验收办法； 2.开展复查。\t已完成"]
    assert csv_rows("甲,乙\n丙,丁\n") == "甲,乙\n丙,丁\n"   # no header of names: not a table
    report = _read_report(ledger.replace("欢迎监督。", "欢迎广大干部群众对巡察整改落实情况进行监督。"))
    assert [(c.title, [(p.text[:6], p.status, len(p.measures)) for p in c.problems]) for c in report.categories] == [
        ("工程建设方面", [("河道清淤验收", "已完成", 2), ("招标文件把关", "正在推进", 1)]),
        ("队伍建设方面", [("支部活动形式", "已完成", 1)])]


def test_cards_one_per_problem_read_as_a_table():
    """Blocks of the same fields parted by rules, each opening with its running number: one row per card, the
    category a field value; a status with a note in brackets; 已落实 / 落实中 are statuses."""
    from reports.read.records import record_rows

    def card(n, kind, problem, work, state):
        return f"〔编号〕{n}\n〔类别〕{kind}\n〔问题〕{problem}\n〔措施〕{work}\n〔状态〕{state}\n".replace("〔", "【").replace("〕", "】")

    cards = "\n－－－－－－－－\n".join([card(1, "工程建设方面", "河道清淤验收不严。", "修订验收办法；开展复查。", "已落实"),
                                   card(2, "工程建设方面", "招标文件把关不细。", "建立审核清单。", "落实中（待区财政局复核）"),
                                   card(3, "队伍建设方面", "支部活动形式单一。", "开展主题党日。", "已落实")])
    rows = record_rows("前言。\n" + cards + "\n结语。")
    assert rows.split("\n")[:3] == ["前言。", "编号\t类别\t问题\t措施\t状态", "1\t工程建设方面\t河道清淤验收不严。\t修订验收办法；开展复查。\t已落实"]
    assert record_rows("【问题1】甲\n【整改措施】乙\n【完成情况】丙\n\n【问题2】丁\n【整改措施】戊\n【完成情况】己\n").startswith("【问题1】")
    report = _read_report(_OPEN + cards + _CLOSE)
    assert [(c.title, [(p.text[:6], p.status, len(p.measures)) for p in c.problems]) for c in report.categories] == [
        ("工程建设方面", [("河道清淤验收", "已落实", 2), ("招标文件把关", "落实中", 1)]),
        ("队伍建设方面", [("支部活动形式", "已落实", 1)])]


def test_a_status_badge_after_the_statement_reads_as_a_tag():
    """<em class="badge">正在推进</em> closing a problem's line: the page's colour is a tag, written in brackets;
    a status word inside the running text is left as it is."""
    text = _html_text("<p>1.河道清淤验收不严。<em class='badge'>正在推进</em></p><p>已完成<b>整改</b>的事项另行公布。</p>")
    assert "1.河道清淤验收不严。【正在推进】" in text and "已完成整改的事项另行公布。" in text


def test_yi_shi_paragraphs_under_a_problem_that_announces_them_are_its_sub_problems():
    """…存在短板，具体有：then 一是… / 二是… paragraphs, each with its own rectification: sub-problems; 一是 items
    inside a rectification stay measures. A closing sentence on the item's own status is no measure."""
    text = (_OPEN + "一、文物保护方面\n1.文物安全管理存在短板，具体有：\n一是巡查记录不规范，部分巡查流于形式。\n"
            "整改情况：修订巡查规程；配备巡查终端。经区文旅局复核，该问题已整改到位。\n"
            "二是消防设施维护不到位，部分灭火器过期。\n整改情况：更换灭火器40具。目前，此项工作正在推进。\n"
            "2.文物修缮经费使用不规范。\n整改情况：一是开展专项审计；二是收回违规支出3.2万元。该问题已完成整改。" + _CLOSE)
    report = _read_report(text, "1个方面2个问题")
    assert [(p.text[:6], p.status, len(p.measures)) for p in report.problems()] == [
        ("文物安全管理", None, 0), ("巡查记录不规", "已整改到位", 2), ("消防设施维护", "正在推进", 1), ("文物修缮经费", "已完成整改", 2)]


def test_completion_date_fields_and_struck_through_statuses():
    """整改完成时间 holding a day is done, a planned day (计划完成时间) is not, a word there is the status and the
    field's name is none (整改完成 inside it); struck-through text (~~…~~, <del>) is deleted text."""
    from reports.read.markdown import strip_markdown

    assert find_status("修订办法。\n整改完成时间：2024年8月30日") == "已完成"
    assert find_status("修订办法。\n计划完成时间：2025年12月31日") is None
    assert find_status("修订办法。\n整改完成时间：长期坚持") == "长期坚持"
    assert "~~" not in strip_markdown("- 整改状态：~~正在推进~~ 已完成") and "正在推进" not in strip_markdown(
        "- 整改状态：~~正在推进~~ 已完成")
    assert "正在推进" not in _html_text("<p>整改状态：<del>正在推进</del> 已完成</p>")


def test_inspection_dates_with_weekdays_and_an_end_day_alone():
    """2024年3月4日（星期一）至4月12日（星期五） and 2024年3月1日至29日 are ranges; the feedback date after them."""
    for period, end in (("2024年3月4日（星期一）至4月12日（星期五）", "2024-04-12"), ("2024年3月4日至29日", "2024-03-29")):
        text = (f"中共某某区文旅局党组关于巡察反馈意见整改情况的报告\n区委第二巡察组于{period}对区文旅局党组开展了巡察，"
                "并于2024年5月20日（星期一）反馈了巡察意见。\n一、文物保护方面\n（一）河道清淤验收不严。\n整改措施：修订验收办法。\n"
                "（二）招标文件把关不细。\n整改措施：建立审核清单。\n")
        ins = _read_report(text).inspection
        assert (ins.start.iso, ins.end.iso, ins.feedback.iso) == ("2024-03-04", end, "2024-05-20")

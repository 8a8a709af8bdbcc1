"""The parser on the demo corpus and on small reports built from its real lines."""
from __future__ import annotations

import re

import pytest

from reports.grammar.teams import parse_team
from reports.parse import parse_text, report_id
from reports.shared.notices import Notice

EXPECTED = {
    # prefix: (categories, problems, leaf problems)
    "000": (3, 12, 12),
    "001": (1, 7, 7),
    "002": (4, 11, 24),
    "003": (14, 38, 38),
    "004": (5, 44, 59),
}

HEADER = {
    "000": dict(unit="中共张家界市文学艺术界联合会党组", unit_short="市文联", kind="巡察", inspector="市委第三巡察组",
                start="2020-03-10", end="2020-04-20", feedback="2020-07-28", level="市", region="湖南省张家界市"),
    "001": dict(unit="中共庆阳市文联党组", unit_short="市文联", kind="巡察", inspector="市委第三巡察组",
                start="2022-08-19", end="2022-11-15", feedback="2023-01-16", level="市", region="甘肃省庆阳市"),
    "002": dict(unit="中共山东省作家协会党组", unit_short="省作协", kind="巡视", inspector="省委第十一巡视组",
                start="2021-03-09", end="2021-06-05", feedback="2021-08-03", level="省", region="山东省"),
    "003": dict(unit="中共政协桑植县委员会党组", unit_short="桑植县政协", kind="巡察", inspector="市委第七巡察组",
                start="2020-05-11", end="2020-06-19", feedback="2020-07-27", level="县"),
    "004": dict(unit="中共益阳市文化旅游广电体育局党组", unit_short="市文旅广体局", kind="巡察",
                inspector="市委第四巡察组", start="2022-03-21", end="2022-06-20", feedback=None, level="市"),
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_counts_on_corpus(corpus_reports, prefix):
    cats, problems, leaves = EXPECTED[prefix]
    assert corpus_reports[prefix].found() == {"categories": cats, "problems": problems, "leaf_problems": leaves}


@pytest.mark.parametrize("prefix", sorted(HEADER))
def test_header_fields_on_corpus(corpus_reports, prefix):
    r = corpus_reports[prefix]
    want = HEADER[prefix]
    got = dict(unit=r.unit, unit_short=r.unit_short, kind=r.inspection.kind, inspector=r.inspection.inspector,
               start=r.inspection.start and r.inspection.start.iso, end=r.inspection.end and r.inspection.end.iso,
               feedback=r.inspection.feedback and r.inspection.feedback.iso, level=r.level, region=r.region)
    assert {k: got[k] for k in want} == want


def test_conflicting_stated_counts_are_surfaced(corpus_reports):
    r = corpus_reports["000"]  # "立足3大方面13个问题" and "截止目前…3大方面12个问题"
    assert r.stated_value("problems") == 12
    assert sorted(s.value for s in r.stated if s.key == "problems") == [12, 13]
    assert Notice("stated_counts_differ", {"counts": [12, 13]}) in r.warnings
    assert r.stated_value("completed") == 12
    assert r.stated_value("transferred_completed") == 4


def test_title_prefix_and_web_chrome_removed(corpus_reports):
    r = corpus_reports["000"]
    assert r.title == "中共张家界市文学艺术界联合会党组关于巡察整改进展情况的通报"
    assert r.publish_date.iso == "2020-12-07" and r.report_date.iso == "2020-10-15"


def test_truncated_report_with_table_of_contents(corpus_reports):
    r = corpus_reports["001"]
    assert r.title == "中共庆阳市文联党组关于五届市委第一轮巡察整改进展情况的通报"  # not a TOC line
    assert r.inspection.round == "五届市委第一轮"
    assert r.truncated and any(w.code == "truncated" for w in r.warnings)
    assert r.stated_value("problems") == 25 and r.stated_value("completed") == 22
    assert r.stated_value("in_progress") == 2 and r.stated_value("long_term") == 1
    assert any(w.code == "stated_problems_mismatch" and (w.params["stated"], w.params["found"]) == (25, 7)
               for w in r.warnings)
    first = r.categories[0]
    assert first.stated_problems == 7 and first.title.startswith("聚焦党中央")
    assert [p.label for p in first.problems][:2] == ["问题一:", "问题二:"]
    assert first.problems[0].measures and first.problems[0].text == "学习贯彻习近平总书记重要讲话精神不够深入。"
    # "2022年11月15市委第三巡察组" has no 日 and must not swallow the team name
    assert r.inspection.end.text == "2022年11月15"


def test_two_line_title_and_restarting_numbering(corpus_reports):
    r = corpus_reports["002"]
    assert r.title == "中共山东省作家协会党组关于十一届省委第九轮巡视整改进展情况的通报"
    assert r.inspection.round == "十一届省委第九轮"
    assert r.inspection.end.year_inferred and r.inspection.feedback.year_inferred
    ids = [p.id for p in r.problems()]
    assert ids[:3] == ["1.1", "1.1.1", "1.1.2"] and "4.2.2" in ids
    sub = r.find_problem("1.1.1")
    assert sub.text.startswith("关于落实习近平总书记关于文学艺术创作") and sub.text.endswith("方面。")
    assert [m.label for m in sub.measures] == ["①", "②", "③", "④"]
    assert r.find_problem("1.2.1").status == "此项工作需要长期坚持"
    # (五) has no problems: kept as a section, not a category
    assert [s["title"] for s in r.sections] == ["关于巡视移交问题线索和信访件办理情况"]


def test_report_without_title_takes_unit_from_signature(corpus_reports):
    r = corpus_reports["003"]
    assert r.title is None
    assert r.stated_value("categories") == 14 and r.stated_value("problems") == 38
    assert r.stated_value("completed") == 35 and r.stated_value("basically_completed") == 3
    assert r.report_date.iso == "2020-10-28"


def test_numbering_read_as_sequence(corpus_reports):
    r = corpus_reports["004"]
    p44 = r.find_problem("44")
    assert p44.text.startswith("2018年预算执行审计")  # "44.2018年…" is problem 44, not 44.2018
    p26 = r.find_problem("26")
    assert p26.text == "“靠山吃山、靠水吃水”现象仍然存在。挤占专项资金"
    assert [c.id for c in p26.children] == ["26.1", "26.2"]
    labels = [m.label for m in r.find_problem("26.2").measures]
    assert any(lb.startswith("博物馆") for lb in labels) and any(lb.startswith("图书馆") for lb in labels)
    assert r.find_problem("43").status == "巡察期间已立行立改"
    assert r.categories[4].title == "已立行立改问题"
    assert r.stated_value("completed") == 42 and r.stated_value("in_progress") == 2


def test_every_span_points_at_its_text(corpus_reports):
    for r in corpus_reports.values():
        for p in r.problems():
            assert re.sub(r"\s*\n\s*", "", r.text[p.span[0]:p.span[1]]) == p.text
            for m in p.measures:
                assert re.sub(r"\s*\n\s*", "", r.text[m.span[0]:m.span[1]]).strip(" ,,;;") == m.text


# --- small reports built from real lines ------------------------------------------------

OPENING = ("根据市委统一部署,2020年3月10日至2020年4月20日,市委第三巡察组对市文联进行了巡察。"
           "2020年7月28日,巡察组向市文联党组反馈了巡察意见。")


def build(*body: str, title: str = "中共张家界市文学艺术界联合会党组关于巡察整改进展情况的通报") -> str:
    return "\n\n".join([title, OPENING, "二、巡察反馈问题整改进展情况", *body])


def test_rectification_continues_over_paragraphs():
    r = parse_text(build(
        "(一)反馈问题:组织建设存在薄弱环节",
        "3.党组领导弱化,核心作用发挥不力。",
        "整改情况:一是强化党组领导。",
        "二是严肃党内政治生活,严格执行民主集中制。",
        "4.班子成员违反组织纪律。有的班子成员未如实报告个人事项。",
        "整改情况:认真组织班子成员学习。对个别班子成员漏报的个人事项,责成整改。"))
    p3, p4 = r.categories[0].problems
    assert [m.label for m in p3.measures] == ["一是", "二是"]
    assert [m.text for m in p4.measures] == ["认真组织班子成员学习。", "对个别班子成员漏报的个人事项,责成整改。"]


def test_problem_labels_with_digits():
    r = parse_text(build("(一)反馈问题:组织建设存在薄弱环节", "问题1:党组领导弱化。", "整改情况:一是强化党组领导。",
                         "问题2:班子成员违反组织纪律。", "进展情况:认真组织班子成员学习。"))
    assert [(p.id, p.label) for p in r.problems()] == [("1", "问题1:"), ("2", "问题2:")]


def test_numbers_inside_rectification_are_not_problems():
    r = parse_text(build(
        "(一)反馈问题:组织建设存在薄弱环节",
        "1.党组领导弱化。",
        "整改情况:逐项整改:",
        "3.制定并落实《市文联党组落实全面从严治党主体责任实施细则》。",
        "2.班子成员违反组织纪律。",
        "整改情况:认真组织班子成员学习。"))
    assert [p.id for p in r.problems()] == ["1", "2"]
    assert "实施细则" in r.find_problem("1").rectification


def test_sentence_broken_across_paragraphs_is_one_measure():
    r = parse_text(build(
        "(一)反馈问题:组织建设存在薄弱环节",
        "1.党组领导弱化。",
        "整改情况:一是对个别班子成员漏报的个人事项,党组书记与之做专题",
        "谈话,责成整改。二是加强学习。"))
    assert [m.text for m in r.find_problem("1").measures] == [
        "对个别班子成员漏报的个人事项,党组书记与之做专题谈话,责成整改。", "加强学习。"]


@pytest.mark.parametrize("written, canonical", [
    ("市委第三巡察组", "市委第三巡察组"),
    ("市委巡察组第三组", "市委第三巡察组"),
    ("第三巡查组", "市委第三巡察组"),
    ("省委第十一巡视组", "省委第十一巡视组"),
    ("市委第3巡察组", "市委第三巡察组"),
    ("省委第13巡视组", "省委第十三巡视组"),
])
def test_inspector_forms(written, canonical):
    assert parse_team(written).canonical("市委") == canonical


def test_chinese_numerals_round_trip():
    from reports.grammar.numerals import cn_to_int, int_to_cn
    assert [int_to_cn(n) for n in (3, 10, 11, 20, 23, 99)] == ["三", "十", "十一", "二十", "二十三", "九十九"]
    assert all(cn_to_int(int_to_cn(n)) == n for n in range(1, 100))


def test_self_reference_is_not_a_short_name():
    text = ("中共益阳市文化旅游广电体育局党组关于市委第四巡察组巡察反馈意见整改落实情况的通报\n"
            "根据市委统一部署,市委第四巡察组从2022年3月21日至6月20日对我局党组开展了巡察。\n"
            "市文旅广体局党组召开专题会议。市文旅广体局认真整改。\n二、巡察反馈问题整改进展情况\n"
            "(一)反馈问题:学习不够\n1.学习不够深入。\n整改情况:一是加强学习。")
    r = parse_text(text)
    assert r.unit_short == "市文旅广体局"
    assert r.inspection.end.iso == "2022-06-20" and r.inspection.end.year_inferred


def test_no_problem_section_is_a_warning_not_an_invention():
    r = parse_text("中共某某局党组关于巡察整改进展情况的通报\n" + OPENING + "\n我们将继续努力。")
    assert r.categories == [] and Notice("no_problem_section") in r.warnings
    assert r.inspection.inspector == "市委第三巡察组"


def test_report_id_ignores_whitespace_only_changes():
    assert report_id("一、巡察\n\n1.问题。") == report_id("一、巡察\r\n  1.问题。")
    assert report_id("一、巡察") != report_id("二、巡察")


# --- the same report in every input format parses to the same records ---------------------

def _records(report) -> tuple:
    return (report.unit, report.unit_short, report.inspection.inspector, report.inspection.start.iso,
            report.found(), [(p.id, p.text, [m.text for m in p.measures]) for p in report.problems()])


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html", "gb18030"])
@pytest.mark.parametrize("prefix", ["002", "003", "004"])
def test_every_format_parses_like_the_txt(tmp_path, corpus_reports, fmt, prefix):
    from fixtures_build import body_lines, build_docx_numbered, build_gov_html, build_pdf, corpus_text

    from reports.parse import parse_file
    lines = body_lines(prefix)
    if fmt == "docx":
        path = build_docx_numbered(lines, tmp_path / "r.docx")
    elif fmt == "pdf":
        path = build_pdf(lines, tmp_path / "r.pdf")
    elif fmt == "html":
        path = build_gov_html(lines[0], lines[1:], tmp_path / "r.html", encoding="gb18030")
    else:
        path = tmp_path / "r.txt"
        path.write_bytes(corpus_text(prefix).encode("gb18030"))
    got, want = parse_file(path), corpus_reports[prefix]
    assert got.found() == want.found()
    if fmt == "pdf":  # the CID test font lacks a few glyphs (·, no-break space); compare structure only
        assert [p.id for p in got.problems()] == [p.id for p in want.problems()]
        assert got.unit == want.unit and got.inspection.inspector == want.inspection.inspector
    else:
        assert _records(got) == _records(want)


def test_shallow_report_with_categories_at_top_level():
    """一、 categories, (一) problems, 1. sub-problems: the level that owns 整改情况 is the problem level."""
    text = "\n".join([
        "中共某某县教育局党组关于县委巡察整改情况的通报",
        "根据县委统一部署,2021年4月6日至5月28日,县委第二巡察组对县教育局党组进行了常规巡察。"
        "2021年7月9日,巡察组向县教育局党组反馈了巡察意见。",
        "截至目前,反馈的2个方面5个问题已完成整改4个,正在整改1个。",
        "一、关于党的政治建设方面",
        "(一)理论中心组学习流于形式。", "整改情况:一是制定年度学习计划。二是每月集中学习。",
        "(二)意识形态工作责任制落实不到位。", "整改情况:一是成立意识形态工作领导小组。",
        "二、关于全面从严治党方面",
        "(一)“三重一大”决策制度执行不严。", "整改情况:修订《局党组议事规则》。",
        "(二)财务管理不规范。",
        "1.报销手续不全。", "整改情况:一是严格执行报销审批制度。",
        "2.固定资产未登记入账。", "整改情况:一是开展资产清查。此项工作需要长期坚持。",
        "中共某某县教育局党组", "2021年10月20日"])
    r = parse_text(text)
    assert [(c.label, c.title) for c in r.categories] == [("一、", "关于党的政治建设方面"), ("二、", "关于全面从严治党方面")]
    assert [p.id for p in r.problems()] == ["1.1", "1.2", "2.1", "2.2", "2.2.1", "2.2.2"]
    assert r.found() == {"categories": 2, "problems": 4, "leaf_problems": 5}
    assert r.stated_value("problems") == 5 and not r.warnings
    assert [m.text for m in r.find_problem("1.1").measures] == ["制定年度学习计划。", "每月集中学习。"]
    assert r.find_problem("2.2.2").status == "此项工作需要长期坚持"

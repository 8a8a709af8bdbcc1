"""The document's own enumeration (reports/grammar/markers.py, reports/parse/induced.py and legend.py): marker shapes, families,
levels and the problem level, on small documents built here; end to end through parse_text for notations
the tuned readers do not know."""
from __future__ import annotations

import pytest

from reports.grammar.markers import induce_families, induce_levels, marker_index, parse_marker
from reports.parse import parse_text
from reports.parse.induced import choose_levels
from reports.parse.legend import read_legend
from reports.parse.lines import split_lines
from reports.read import read_bytes

HEAD = ("中共某某县文化旅游局党组关于县委巡察整改进展情况的通报\n"
        "根据县委统一部署,2024年3月1日至4月30日,县委第一巡察组对县文化旅游局党组进行了巡察。\n")
TAIL = "欢迎广大干部群众对巡察整改落实情况进行监督。\n中共某某县文化旅游局党组\n2024年10月8日\n"


@pytest.mark.parametrize(("line", "label", "index", "body"), [
    ("问题1:学习不够", "问题{d}:", 1, "学习不够"),
    ("问题12 学习不够", "问题{d}", 12, "学习不够"),
    ("1-1 干部轮岗不够", "{d}-{d}", 1, "干部轮岗不够"),
    ("2.3、接待超标", "{d}-{d}.", 3, "接待超标"),
    ("01.制度不全", "{d}.", 1, "制度不全"),
    ("【一】政治建设", "【{c}】", 1, "政治建设"),
    ("一)学习不深入", "{c})", 1, "学习不深入"),
    ("1)学习不深入", "{d})", 1, "学习不深入"),
    ("(一)学习不深入", "({c})", 1, "学习不深入"),
    ("第一方面:政治建设方面", "第{c}方面:", 1, "政治建设方面"),
    ("反馈问题第三项:车辆管理", "反馈问题第{c}项:", 3, "车辆管理"),
    ("第十二,财务", "第{c},", 12, "财务"),
    ("③招标", "{o}", 3, "招标"),
    ("⑵招标", "{o}", 2, "招标"),
    ("b.招标", "{a}.", 2, "招标"),
    ("▲ 医保基金管理", "▲", None, "医保基金管理"),
    ("■医保基金管理", "■", None, "医保基金管理"),
    # the third pass (docs/decisions.md, "Third pass: author L as development set")
    ("㈢ 食堂管理不规范", "{o}", 3, "食堂管理不规范"),      # parenthesised ideograph
    ("㊁食堂管理不规范", "{o}", 2, "食堂管理不规范"),       # circled ideograph
    ("❷ 食堂管理不规范", "{o}", 2, "食堂管理不规范"),      # dingbat digit: a number, not a bullet
    ("丁、财务管理方面", "{g}.", 4, "财务管理方面"),        # the heavenly stems 甲乙丙丁…
    ("3️⃣ 财务管理方面", "{d}\u20e3", 3, "财务管理方面"),   # keycap digit, emoji selector and all
    ("4\u20e3财务管理方面", "{d}\u20e3", 4, "财务管理方面"),
    ("C2 车辆使用登记不全", "{a}{d}", 2, "车辆使用登记不全"),   # a code: category letter + item number
    ("D-3 车辆使用登记不全", "{a}{d}", 3, "车辆使用登记不全"),
    ("其三，车辆使用登记不全", "其{c},", 3, "车辆使用登记不全"),
    ("🟢 车辆使用登记不全", "🟢", None, "车辆使用登记不全"),    # any pictograph as a bullet
    ("➜整改：建立台账", "➜", None, "整改：建立台账"),
])
def test_marker_shapes(line, label, index, body):
    m = parse_marker(line)
    assert m is not None and m.shape.label() == label and m.index == index and line[m.body:] == body
    match = m.shape.pattern().match(line)
    assert match is not None and match["t"] == body
    if index is not None:
        assert marker_index(match["n"]) == index


@pytest.mark.parametrize("line", ["2023年以来,开展学习", "1.5亿元资金", "一,是加强", "10 个单位", "整改情况:已完成",
                                  "加强学习。", "是非曲直", "(一、未闭合"])
def test_prose_is_no_marker(line):
    assert parse_marker(line) is None


def _lines(*texts: str):
    return split_lines("\n".join(texts))


def test_family_restarts_and_runs_on():
    restart = {f.shape.label(): f for f in induce_families(_lines("一、甲", "1.a", "2.b", "二、乙", "1.c", "2.d"))}
    assert [len(r) for r in restart["{d}."].runs] == [2, 2] and restart["{c}."].items == [0, 3]
    run_on = {f.shape.label(): f for f in induce_families(_lines("一、甲", "1.a", "2.b", "二、乙", "3.c", "4.d"))}
    assert [len(r) for r in run_on["{d}."].runs] == [4]
    levels = induce_levels(list(run_on.values()))
    assert [levels.depth(k) for k, _ in enumerate(levels.families)] == [0, 1]   # run-on items nest all the same


def test_stray_number_is_left_out():
    lines = _lines("1.甲", "2.乙", "7.离群", "3.丙")
    fam = induce_families(lines)[0]
    assert fam.items == [0, 1, 3]


def test_single_marker_is_no_family():
    assert induce_families(_lines("一、基本情况", "正文", "1)只有一项")) == []


def test_levels_by_nesting():
    lines = _lines("【一】甲方面", "一)问题a", "(1)具体a", "(2)具体b", "二)问题b", "【二】乙方面", "一)问题c", "(1)具体c")
    levels = induce_levels(induce_families(lines))
    depth = {f.shape.label(): levels.depth(k) for k, f in enumerate(levels.families)}
    assert depth == {"【{c}】": 0, "{c})": 1, "({d})": 2}


def test_in_paragraph_enumeration_is_no_family():
    """一是…二是… inside a paragraph never forms a level; on lines of their own under a label they are the
    measures' enumeration, never the problem level."""
    lines = _lines("一、甲方面", "1)理论学习不深入。", "整改措施:一是制定计划;二是集中学习。", "2)接待不规范。",
                   "整改措施:一是退费;二是修订办法。", "三是加强监督。", "四是建立台账。")
    assert {f.shape.label() for f in induce_families(lines)} == {"{d})", "{c}是"}
    assert {f.shape.label() for f in induce_families(lines[:5])} == {"{d})"}
    reading = choose_levels(lines)
    assert reading.levels.families[reading.problem].shape.label() == "{d})"


def test_other_scripts():
    assert [parse_marker(t).index for t in ("Ⅲ、政治", "ⅱ.学习", "叁、政治建设", "拾贰、财务", "(壹)接待", "一是加强")] == [
        3, 2, 3, 12, 1, 1]


def test_problem_level_follows_labels():
    lines = _lines("一、整改工作开展情况", "成立领导小组。", "二、反馈问题整改情况", "【一】政治建设方面", "1)学习不深入。",
                   "整改情况:已完成整改。", "2)接待不规范。", "整改情况:正在整改。", "【二】组织建设方面", "1)支部生活不规范。",
                   "整改情况:已完成整改。", "三、下一步工作", "1)巩固成果。", "2)健全机制。")
    reading = choose_levels(lines)
    fams = reading.levels.families
    assert fams[reading.problem].shape.label() == "{d})"
    assert fams[reading.category].shape.label() == "【{c}】"


def test_stated_count_chooses_the_level_without_labels():
    lines = _lines("一、甲方面", "1)学习不深入。", "2)接待不规范。", "二、乙方面", "1)支部生活不规范。")
    reading = choose_levels(lines, stated=3)
    assert reading.levels.families[reading.problem].shape.label() == "{d})"
    assert choose_levels(lines, stated=None) is None   # no evidence: no reading


def _problems(report):
    return [(c.title, [(p.id, p.text, p.status) for top in c.problems for p in top.walk()]) for c in report.categories]


def test_unseen_brackets_and_right_parens():
    report = parse_text(HEAD + "反馈问题2个方面3个问题。\n"
                        "【一】党的政治建设方面\n一)理论学习不深入。\n整改措施:一是制定学习计划;二是每月集中学习。\n整改结果:已完成整改。\n"
                        "二)意识形态责任制落实不到位。\n整改措施:专题研究意识形态工作。\n整改结果:已完成整改。\n"
                        "【二】全面从严治党方面\n一)财务报销把关不严。\n整改措施:全面清查报销凭证。\n整改结果:正在整改。\n" + TAIL)
    assert _problems(report) == [
        ("党的政治建设方面", [("1.1", "理论学习不深入。", "已完成整改"), ("1.2", "意识形态责任制落实不到位。", "已完成整改")]),
        ("全面从严治党方面", [("2.1", "财务报销把关不严。", "正在整改")])]
    assert [len(p.measures) for p in list(report.problems())] == [2, 1, 1]


def test_compound_numbers_and_plans_after():
    report = parse_text(HEAD + "反馈问题4个。\n第一方面:决策部署方面\n1-1 河长制落实不到位。\n整改情况:建立巡河台账。已完成整改。\n"
                        "1-2 取水监管薄弱。\n整改情况:核查取水口120个。正在整改。\n第二方面:全面从严治党方面\n"
                        "2-1 公务用车管理不规范。\n整改情况:推行网上派车。已完成整改。\n2-2 廉政风险防控不到位。\n"
                        "整改情况:梳理廉政风险点52个。已完成整改。\n三、下一步工作\n1)巩固整改成果。\n2)健全长效机制。\n" + TAIL)
    assert [c.title for c in report.categories] == ["决策部署方面", "全面从严治党方面"]
    assert [p.id for p in list(report.problems())] == ["1.1", "1.2", "2.1", "2.2"]
    assert list(report.problems())[-1].rectification == "梳理廉政风险点52个。已完成整改。"   # 下一步 is no part of it


def test_bullets_with_form_fields_first():
    report = parse_text(HEAD + "反馈问题2个。\n一、整改工作开展情况\n党组高度重视。\n二、反馈问题整改落实情况\n"
                        "▲ 药品采购监管不严。\n责任单位:医政科\n整改时限:2024年12月\n整改措施:开展药品采购专项检查。\n整改结果:已完成整改。\n"
                        "▲ 医保基金管理存在漏洞。\n责任单位:医保科\n整改措施:建立智能监控系统。\n整改结果:需长期坚持。\n"
                        "三、下一步工作\n▲ 巩固整改成果。\n▲ 健全长效机制。\n" + TAIL)
    assert [(p.text, p.status) for p in list(report.problems())] == [("药品采购监管不严。", "已完成整改"),
                                                              ("医保基金管理存在漏洞。", "需长期坚持")]
    assert [[m.text for m in p.measures] for p in list(report.problems())] == [["开展药品采购专项检查。"], ["建立智能监控系统。"]]


def test_zero_padded_numbers():
    report = parse_text(HEAD + "01.学校食堂管理不规范。\n整改情况:开展财务审计。已完成整改。\n"
                        "02.培训经费使用不规范。\n整改情况:修订管理办法。正在整改。\n" + TAIL)
    assert [(p.id, p.text) for p in list(report.problems())] == [("1", "学校食堂管理不规范。"), ("2", "培训经费使用不规范。")]


def test_status_symbols_by_the_reports_own_legend():
    assert read_legend("注:√表示已完成整改,△表示正在整改。") == {"√": "已完成整改", "△": "正在整改"}
    report = parse_text(HEAD + "反馈问题2个。(注:√表示已完成整改,△表示正在整改)\n一、反馈问题整改情况\n"
                        "1)√ 建筑市场监管不严。\n整改措施:查处违规项目5个。\n2)△ 保障房分配管理不规范。\n整改措施:全面复核分配情况。\n"
                        + TAIL)
    assert [(p.text, p.status) for p in list(report.problems())] == [("建筑市场监管不严。", "已完成整改"),
                                                              ("保障房分配管理不规范。", "正在整改")]


def test_markdown_report():
    md = ("# 中共某某县林业局党组关于县委巡察整改进展情况的通报\n\n根据县委统一部署,县委第五巡察组对县林业局党组进行了巡察,"
          "反馈问题2个。\n\n## 二、反馈问题整改情况\n\n**问题1** 森林防火责任落实不到位。\n\n> 整改情况:建立巡护制度。已完成整改。\n\n"
          "**问题2** 林地审批管理不规范。\n\n> 整改情况:开展专项清理。正在整改。\n\n中共某某县林业局党组\n\n2024年10月8日\n")
    src = read_bytes(md.encode("utf-8"), "通报.md")
    assert src.format == "md" and "**" not in src.text and "#" not in src.text
    report = parse_text(src.text, source_format=src.format)
    assert [(p.text, p.status) for p in list(report.problems())] == [("森林防火责任落实不到位。", "已完成整改"),
                                                              ("林地审批管理不规范。", "正在整改")]


def test_html_ordered_list_keeps_its_numbers():
    page = ("<html><body><div><p>二、反馈问题整改情况</p><ol start='3'><li>学习不深入。</li><li>接待不规范。</li></ol>"
            "<ul><li>巩固成果</li></ul></div></body></html>")
    assert read_bytes(page.encode("utf-8"), "a.html").text.splitlines()[1:] == ["3.学习不深入。", "4.接待不规范。", "• 巩固成果"]


def test_next_steps_list_is_not_problems():
    """A report whose only numbered list is 下一步工作 (no labels, no stated count) has no induced problems."""
    lines = _lines("一、整改工作开展情况", "党组高度重视。", "二、下一步工作", "1)巩固整改成果。", "2)健全长效机制。")
    assert choose_levels(lines) is None


def test_bullet_categories_over_bullet_problems():
    report = parse_text(HEAD + "反馈问题3个。\n■ 政治建设方面\n● 理论学习不深入。\n整改情况:制定学习计划。已完成整改。\n"
                        "● 意识形态工作不到位。\n整改情况:专题研究。已完成整改。\n■ 组织建设方面\n● 支部活动不规范。\n"
                        "整改情况:开展规范化建设。正在整改。\n" + TAIL)
    assert _problems(report) == [
        ("政治建设方面", [("1", "理论学习不深入。", "已完成整改"), ("2", "意识形态工作不到位。", "已完成整改")]),
        ("组织建设方面", [("3", "支部活动不规范。", "正在整改")])]


def test_status_table_at_the_end():
    """Problems numbered in the text (反馈问题第一项:), their status in a table after them."""
    report = parse_text(HEAD + "反馈问题2个。\n反馈问题第一项:理论学习不深入。\n整改措施:制定学习计划。\n"
                        "反馈问题第二项:支部活动不规范。\n整改措施:开展规范化建设。\n附表:整改进展情况\n序号\t问题\t完成情况\n"
                        "1\t理论学习不深入\t已完成\n2\t支部活动不规范\t正在推进\n" + TAIL)
    assert [(p.text, p.status, p.rectification) for p in report.problems()] == [
        ("理论学习不深入。", "已完成", "制定学习计划。"), ("支部活动不规范。", "正在推进", "开展规范化建设。")]


def test_html_definition_list():
    page = ("<html><body><div><p>" + HEAD.replace("\n", "</p><p>") + "反馈问题2个。</p><dl><dt>问题1:理论学习不深入。</dt>"
            "<dd>整改情况:制定学习计划。已完成整改。</dd><dt>问题2:支部活动不规范。</dt><dd>整改情况:开展规范化建设。正在整改。</dd>"
            "</dl><p>中共某某县文化旅游局党组</p><p>2024年10月8日</p></div></body></html>")
    src = read_bytes(page.encode("utf-8"), "a.html")
    report = parse_text(src.text, source_format="html")
    assert [(p.text, p.status) for p in report.problems()] == [("理论学习不深入。", "已完成整改"),
                                                              ("支部活动不规范。", "正在整改")]


def test_status_tags_are_evidence_for_the_problem_level():
    """No rectification labels: items carrying their status in brackets are the problem level."""
    report = parse_text(HEAD + "【一】政治建设方面\n一)理论学习不深入。(已完成整改)\n制定年度学习计划。\n"
                        "二)意识形态工作不到位。(正在整改)\n专题研究意识形态工作。\n【二】组织建设方面\n"
                        "一)支部组织生活不规范。(已完成整改)\n开展支部规范化建设。\n" + TAIL)
    assert [(c.title, [(p.id, p.status, p.rectification) for p in c.problems]) for c in report.categories] == [
        ("政治建设方面", [("1.1", "已完成整改", "制定年度学习计划。"), ("1.2", "正在整改", "专题研究意识形态工作。")]),
        ("组织建设方面", [("2.1", "已完成整改", "开展支部规范化建设。")])]


def test_unmarked_category_headings_over_restarting_problems():
    """政治建设方面 on a line of its own (bold lost) above each restart of 1. 2.: categories, not text."""
    report = parse_text(HEAD + "反馈问题4个。\n政治建设方面\n1.理论学习不深入。\n整改情况:制定学习计划。已完成整改。\n"
                        "2.意识形态工作不到位。\n整改情况:专题研究。已完成整改。\n全面从严治党方面\n1.惠农资金监管不严。\n"
                        "整改情况:开展专项检查。正在整改。\n2.公务接待不规范。\n整改情况:修订接待办法。已完成整改。\n" + TAIL)
    assert [(c.title, [p.id for p in c.problems]) for c in report.categories] == [
        ("政治建设方面", ["1.1", "1.2"]), ("全面从严治党方面", ["2.1", "2.2"])]
    assert [len(p.measures) for p in report.problems()] == [1, 1, 1, 1]


def test_the_documents_own_rectification_fields():
    """整改举措: / 完成情况: repeated under each 1) item are this report's labels (no 整改情况: anywhere);
    整改时限: names when, not the work."""
    report = parse_text(HEAD + "一、整改工作开展情况\n党组高度重视。\n二、反馈问题整改情况\n1)占道经营整治不彻底。\n整改时限:2024年6月\n"
                        "整改举措:开展专项整治行动。\n完成情况:已完成。\n2)执法记录仪使用不规范。\n整改时限:2024年9月\n"
                        "整改举措:修订管理办法。\n完成情况:正在推进。\n三、下一步工作\n1)巩固整改成果。\n2)健全长效机制。\n" + TAIL)
    assert [(p.text, p.status, [m.text for m in p.measures]) for p in report.problems()] == [
        ("占道经营整治不彻底。", "已完成", ["开展专项整治行动。"]), ("执法记录仪使用不规范。", "正在推进", ["修订管理办法。"])]


def test_a_field_of_the_form_is_no_unmarked_head():
    """反馈问题第1项: items with 整改时限: right above 整改措施: (a head's place): the field is the form's,
    so the items stay the problems and 5.1 5.2 their sub-problems."""
    report = parse_text(HEAD + "(一)政治建设方面\n反馈问题第1项:理论学习不深入。\n整改时限:2024年9月30日\n"
                        "整改措施:制定学习计划。\n整改状态:已完成\n反馈问题第2项:廉洁风险防控薄弱,具体表现为:\n"
                        "2.1 招标管理不规范。\n整改时限:2024年10月31日\n整改措施:上线监管系统。\n整改状态:已完成\n"
                        "2.2 采购率偏低。\n整改时限:长期坚持\n整改措施:出台采购办法。\n整改状态:基本完成(剩余3份合同正在协商)\n"
                        "(二)组织建设方面\n反馈问题第3项:支部活动不规范。\n整改时限:2024年8月31日\n整改措施:开展规范化建设。\n"
                        "整改状态:已完成(销号时间:2024年8月29日)\n下一步,党组将对正在推进的问题持续跟踪。\n" + TAIL)
    assert [(p.id, p.text, p.status) for p in report.problems()] == [
        ("1", "理论学习不深入。", "已完成"), ("2", "廉洁风险防控薄弱,具体表现为:", None),
        ("2.1", "招标管理不规范。", "已完成"), ("2.2", "采购率偏低。", "基本完成"), ("3", "支部活动不规范。", "已完成")]


def test_bullets_before_fields_and_the_documents_own_finding_label():
    """▲ findings with ◆ 整改情况: and ● 整改状态: under them (the glyphs decorate fields), and a finding label
    the document repeats (【巡察反馈】“…”) with the status bracketed at the rectification's head."""
    md = parse_text(HEAD + "■ 政治建设方面\n▲ 理论学习不深入。\n◆ 整改情况:制定学习计划。\n● 整改状态:已完成\n"
                    "▲ 意识形态工作不到位。\n◆ 整改情况:专题研究。\n● 整改状态:持续推进\n" + TAIL)
    assert [(p.text, p.status) for p in md.problems()] == [("理论学习不深入。", "已完成"), ("意识形态工作不到位。", "持续推进")]
    quoted = parse_text(HEAD + "一)政治建设方面\n1)【巡察反馈】“理论学习不深入。”\n【整改情况】(已完成)一是制定学习计划;二是开展专题学习。\n"
                        "2)【巡察反馈】“意识形态工作不到位。”\n【整改情况】(需长期坚持)一是专题研究。\n" + TAIL)
    assert [(p.text, p.status) for p in quoted.problems()] == [("理论学习不深入。", "已完成"),
                                                               ("意识形态工作不到位。", "需长期坚持")]


def test_tagged_number_lines_and_status_rows_named_by_markers():
    """问题1【整改状态:已完成】 alone on a line, the finding on the next; and 一是 findings whose statuses come
    only from rows after the signature that name them by their markers ((一)一是　简称　已完成)."""
    tagged = parse_text(HEAD + "第一方面:政治建设方面\n问题1【整改状态:已完成】\n理论学习不深入。\n整改情况:制定学习计划。\n"
                        "问题2【整改状态:持续推进】\n意识形态工作不到位。\n整改情况:专题研究。\n" + TAIL)
    assert [(p.text, p.status) for p in tagged.problems()] == [("理论学习不深入。", "已完成"), ("意识形态工作不到位。", "持续推进")]
    rows = parse_text(HEAD + "(一)政治建设方面\n一是理论学习不深入。\n整改措施:制定学习计划。\n二是意识形态工作不到位。\n"
                      "整改措施:专题研究。\n(二)组织建设方面\n一是支部活动不规范。\n整改措施:开展规范化建设。\n" + TAIL
                      + "附件\n序号\u3000\u3000问题简称\u3000\u3000整改进展\n(一)一是\u3000学习不深入\u3000\u3000已完成\n"
                      "(一)二是\u3000意识形态\u3000\u3000持续推进\n(二)一是\u3000支部活动\u3000\u3000需长期坚持\n")
    assert [(p.text, p.status) for p in rows.problems()] == [
        ("理论学习不深入。", "已完成"), ("意识形态工作不到位。", "持续推进"), ("支部活动不规范。", "需长期坚持")]


def test_a_markdown_table_pasted_into_text():
    src = read_bytes((HEAD + "| 巡察反馈问题 | 整改落实情况 |\n|---|---|\n| 一、政治建设方面 | |\n"
                      "| 1.理论学习不深入。 | 整改措施:①制定学习计划;②开展专题学习。完成情况:已完成 |\n"
                      "| 2.意识形态工作不到位。 | 整改措施:①专题研究。完成情况:需长期坚持 |\n" + TAIL).encode("utf-8"), "a.txt")
    report = parse_text(src.text)
    assert [(c.title, [(p.id, p.text, p.status, len(p.measures)) for p in c.problems]) for c in report.categories] == [
        ("政治建设方面", [("1", "理论学习不深入。", "已完成", 2), ("2", "意识形态工作不到位。", "需长期坚持", 1)])]


def test_known_notations_nested_the_other_way_round():
    """1.方面 over (一)问题 (the tuned readers take 1. for problems and (一) for categories): the induced
    reading wins because it finds the 4 problems and 2 categories the report states."""
    report = parse_text(HEAD + "巡察反馈问题共2个方面4个问题。\n一、整改工作开展情况\n党组高度重视。\n二、反馈问题整改落实情况\n"
                        "1.政治建设方面\n(一)理论学习不深入。\n责任单位:办公室\n整改措施:制定学习计划。\n整改结果:已完成\n"
                        "(二)意识形态工作不到位。\n责任单位:办公室\n整改措施:专题研究。\n整改结果:已完成\n"
                        "2.组织建设方面\n(一)支部活动不规范。\n责任单位:机关党委\n整改措施:开展规范化建设。\n整改结果:持续推进\n"
                        "(二)发展党员不规范。\n责任单位:机关党委\n整改措施:开展专项检查。\n整改结果:已完成\n" + TAIL)
    assert [(c.title, [(p.id, p.status) for p in c.problems]) for c in report.categories] == [
        ("政治建设方面", [("1.1", "已完成"), ("1.2", "已完成")]), ("组织建设方面", [("2.1", "持续推进"), ("2.2", "已完成")])]

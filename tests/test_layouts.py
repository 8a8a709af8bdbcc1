"""Issue 9 layouts: status-split reports, wrapped item texts, narrative reports without itemised
problems (written from the issue's description: the corpus and dev set have no such report)."""
from __future__ import annotations

import pytest

from bench.eval_layouts import SET
from embeddings.table import Filters, ProblemTable
from reports.parse import parse_text
from reports.status import status_code
from reports.store.serialize import report_to_json

HEAD = ("中共益阳市财政局党组关于巡察整改进展情况的通报\n"
        "根据市委统一部署,2024年3月15日至6月12日,市委第一巡察组对市财政局党组开展了巡察。2024年8月13日,"
        "巡察组向市财政局党组反馈了巡察意见。\n一、整改工作开展情况\n党组召开专题会议研究部署。\n")

STATUS_SPLIT = HEAD + (
    "二、巡察反馈问题整改落实情况\n"
    "(一)已整改完成的问题(2个)\n"
    "1.关于“理论学习不深入”问题的整改。\n"
    "整改情况:一是制定学习计划。二是开展专题学习。此项工作需要长期坚持。\n"
    "2.关于“财务报销审核不严”问题的整改。\n"
    "整改情况:修订财务报销制度。\n"
    "(二)正在推进整改的问题(1个)\n"
    "3.关于“制度建设滞后”问题的整改。\n"
    "整改情况:已完成制度清理,正在修订3项制度。\n")

NARRATIVE = (
    "中共某某大学委员会关于巡视整改进展情况的通报\n"
    "根据中央统一部署,2023年4月10日至6月30日,中央第十二巡视组对某某大学党委开展了常规巡视。2023年9月5日,"
    "中央巡视组向某某大学党委反馈了巡视意见。按照有关要求,现将巡视整改进展情况予以公布。\n"
    "一、提高政治站位,以高度政治责任感抓好巡视整改\n学校党委把巡视整改作为重大政治任务。\n"
    "二、坚持问题导向,扎实推进巡视整改落实\n"
    "(一)深入学习贯彻习近平新时代中国特色社会主义思想\n"
    "1.健全理论学习常态长效机制。学校党委修订理论学习中心组学习制度,全年开展集体学习12次。\n"
    "2.推动党的创新理论进教材进课堂。开设专题课程8门。\n"
    "(二)全面贯彻党的教育方针\n"
    "3.完善思政课建设体系。出台思政课建设实施方案。\n"
    "4.加强师德师风建设。修订师德考核办法。\n"
    "三、持续深化整改,巩固拓展巡视整改成果\n学校党委将持续抓好整改。\n")


def _problems(d: dict) -> list[dict]:
    return [p for c in d["categories"] for p in c["problems"]]


def test_status_split_sections_give_each_problem_its_status():
    d = report_to_json(parse_text(STATUS_SPLIT))
    problems = _problems(d)
    assert [p["status_code"] for p in problems] == ["completed", "completed", "in_progress"]
    assert all(p["kind"] == "problem" for p in problems)
    assert d["found"]["problems"] == 3


def test_wrapped_item_text_is_the_finding_and_the_span_keeps_the_wrapper():
    r = parse_text(STATUS_SPLIT)
    p = r.find_problem("1")
    assert p.text == "理论学习不深入"
    assert r.text[p.span[0]:p.span[1]] == "关于“理论学习不深入”问题的整改。"


def test_narrative_report_headings_are_rectification_items():
    r = parse_text(NARRATIVE)
    d = report_to_json(r)
    items = _problems(d)
    assert len(items) == 4 and {p["kind"] for p in items} == {"rectification_item"}
    assert d["found"]["problems"] == 0 and d["found"]["leaf_problems"] == 0
    assert any("does not list its problems" in w for w in d["warnings"])
    assert not any("no problem section" in w for w in d["warnings"])
    assert d["inspection"]["inspector"] == "中央第十二巡视组"
    assert items[0]["text"] == "健全理论学习常态长效机制。"
    assert items[0]["measures"] == ["学校党委修订理论学习中心组学习制度,全年开展集体学习12次。"]


def test_itemised_reports_stay_problems(corpus_reports):
    for r in corpus_reports.values():
        assert {p.kind for p in r.problems()} == {"problem"}
        assert all(k in ("problem", "rectification_item") for p in r.problems() for k in [p.kind])


def test_every_problem_in_json_carries_kind_and_status_code(corpus_reports):
    def walk(ps):
        for p in ps:
            yield p
            yield from walk(p["children"])
    for r in corpus_reports.values():
        for p in walk(_problems(report_to_json(r))):
            assert p["kind"] == "problem" and "status_code" in p


def test_search_can_include_or_exclude_rectification_items():
    rows = []
    for r in (parse_text(STATUS_SPLIT), parse_text(NARRATIVE)):
        rows += [{"report_id": r.id, "id": p.id, "text": p.text, "item_kind": p.kind, "kind": r.inspection.kind}
                 for p in r.problems()]
    table = ProblemTable(rows)
    assert table.mask(Filters()) is None
    only_problems = table.mask(Filters.of({"item_kind": "problem"}))
    only_items = table.mask(Filters.of({"item_kind": "rectification_item"}))
    assert int(only_problems.sum()) == 3 and int(only_items.sum()) == 4
    assert not (only_problems & only_items).any()


def test_narrative_report_with_headings_only():
    # The same report without numbered items: (一)/(二) headings followed by paragraphs of work.
    text = NARRATIVE.replace("1.健全理论学习常态长效机制。", "(一)健全理论学习常态长效机制\n") \
        .replace("2.推动党的创新理论进教材进课堂。", "(二)推动党的创新理论进教材进课堂\n") \
        .replace("(一)深入学习贯彻习近平新时代中国特色社会主义思想\n", "") \
        .replace("(二)全面贯彻党的教育方针\n", "") \
        .replace("3.完善思政课建设体系。", "(三)完善思政课建设体系\n") \
        .replace("4.加强师德师风建设。", "(四)加强师德师风建设\n")
    r = parse_text(text)
    items = list(r.problems())
    assert [p.text for p in items] == ["健全理论学习常态长效机制", "推动党的创新理论进教材进课堂",
                                       "完善思政课建设体系", "加强师德师风建设"]
    assert {p.kind for p in items} == {"rectification_item"} and r.found()["problems"] == 0
    assert items[0].rectification.startswith("学校党委修订理论学习中心组学习制度")
    assert r.text[slice(*items[0].span)] == "健全理论学习常态长效机制"
    assert any(w.code == "rectification_items" for w in r.warnings)


def test_store_keeps_item_kind_and_the_traditional_original(tmp_path):
    import opencc

    from reports.store import Store
    traditional = opencc.OpenCC("s2t").convert(STATUS_SPLIT)
    narrative, trad = parse_text(NARRATIVE), parse_text(traditional)
    with Store(tmp_path / "x.db") as st:
        st.add(narrative)
        st.add(trad)
        back = st.load(narrative.id)
        assert {p.kind for p in back.problems()} == {"rectification_item"} and back.found()["problems"] == 0
        summary = {s["report_id"]: s for s in st.summaries()}
        assert summary[narrative.id]["found"]["problems"] == 0 and summary[trad.id]["found"]["problems"] == 3
        back = st.load(trad.id)
        assert back.script == "traditional" and back.display_text == traditional
        rows = {(r["report_id"], r["item_kind"], r["kind"]) for r in st.problem_rows()}
        assert rows == {(narrative.id, "rectification_item", "巡视"), (trad.id, "problem", "巡察")}


# -- issue 22: a central-inspection report told as narrative; status-split findings without wrappers --

CENTRAL_HEAD = (
    "中共某某集团有限公司党组关于巡视整改进展情况的通报\n"
    "根据中央统一部署,2023年4月10日至6月30日,中央第十二巡视组对某某集团有限公司党组开展了常规巡视。2023年9月5日,"
    "中央巡视组向某某集团有限公司党组反馈了巡视意见。按照巡视工作有关要求,现将巡视整改进展情况予以公布。\n"
    "一、提高政治站位,把巡视整改作为重大政治任务抓紧抓实\n"
    "集团党组召开党组会议专题学习巡视反馈意见,成立巡视整改工作领导小组,党组书记任组长。\n"
    "二、坚持问题导向,逐条逐项抓好整改落实\n")
# Thirteen problems named only inside headings; each followed by paragraphs of work, no labels.
CENTRAL_TOPICS = (
    ("贯彻落实党中央重大决策部署", ("服务国家战略站位不够高", "科技创新投入不足", "防范化解重大风险不到位")),
    ("落实全面从严治党", ("主体责任压得不实", "违反中央八项规定精神问题仍有发生", "重点领域廉洁风险防控不力",
                          "监督执纪问责偏松偏软")),
    ("领导班子和干部队伍建设", ("选人用人把关不严", "年轻干部培养力度不够", "基层党组织建设薄弱")),
    ("巡视、审计等监督发现问题整改", ("上轮巡视整改不彻底", "审计发现问题整改不到位", "整改长效机制不健全")),
)


def central_narrative(numbered: bool = True) -> str:
    parts, n = [CENTRAL_HEAD], 0
    for k, (area, problems) in enumerate(CENTRAL_TOPICS, 1):
        parts.append(f"({'一二三四'[k - 1]})关于{area}方面问题的整改\n")
        for problem in problems:
            n += 1
            head = f"{n}." if numbered else ""
            parts.append(f"{head}关于{problem}问题的整改。集团党组制定专项工作方案,明确责任部门和完成时限。\n"
                         "修订完善相关制度3项,开展专项检查2次,推动问题整改到位。\n")
    parts.append("三、巩固深化整改成果,推动高质量发展\n集团党组将持续抓好巡视整改。\n")
    return "".join(parts)


def test_central_narrative_report_lists_no_problems():
    r = parse_text(central_narrative())
    d = report_to_json(r)
    items = list(r.problems())
    assert d["found"]["problems"] == 0 and len(items) == 13
    assert {p.kind for p in items} == {"rectification_item"}
    assert items[0].text == "关于服务国家战略站位不够高问题的整改。"
    assert items[0].rectification.startswith("集团党组制定专项工作方案")
    assert any(w.code == "rectification_items" for w in r.warnings)


def test_central_narrative_with_headings_only():
    # The same report with (一)…(四) headings over unnumbered paragraphs that each open 关于…问题的整改.
    text = central_narrative(numbered=False)
    r = parse_text(text)
    assert r.found()["problems"] == 0
    items = list(r.problems())
    assert len(items) >= 4 and {p.kind for p in items} == {"rectification_item"}


def test_problems_with_labelled_rectification_stay_problems():
    # 关于…问题 headings followed by 整改情况: are an itemised problem list, not a narrative.
    text = central_narrative().replace("集团党组制定专项工作方案", "整改情况:集团党组制定专项工作方案") \
        .replace("问题的整改。整改情况:", "的问题。\n整改情况:")
    r = parse_text(text)
    assert r.found()["problems"] == 13 and {p.kind for p in r.problems()} == {"problem"}


@pytest.mark.parametrize("item, finding", [
    ("关于“理论学习不深入”问题的整改。", "理论学习不深入"),
    ("关于“理论学习不深入”问题整改情况", "理论学习不深入"),
    ("关于“落实“第一议题”制度不到位”问题的整改", "落实“第一议题”制度不到位"),
    ("关于「财务报销审核不严」的问题", "财务报销审核不严"),
    ("关于“制度建设滞后”问题的整改(已完成)", "制度建设滞后"),
    ("关于理论学习不深入问题的整改情况", "理论学习不深入"),
    ("关于“三重一大”事项决策不规范问题的整改落实情况:", "“三重一大”事项决策不规范"),
])
def test_status_split_findings_are_stored_without_their_wrapper(item, finding):
    text = STATUS_SPLIT.replace("关于“理论学习不深入”问题的整改。", item)
    r = parse_text(text)
    p = r.find_problem("1")
    assert p.kind == "problem" and p.text == finding
    assert r.text[p.span[0]:p.span[1]] == item


def test_about_aspect_items_keep_their_text():
    # 002's '1、关于…方面' items are not wrappers: nothing says 整改.
    text = STATUS_SPLIT.replace("关于“理论学习不深入”问题的整改。", "关于理论学习方面")
    assert parse_text(text).find_problem("1").text == "关于理论学习方面"


_FLAT_HEAD = ("关于市文化局巡察整改进展情况的通报\n\n根据市委统一部署，2023年3月1日至4月30日，市委第二巡察组对市文化局党组"
              "进行了巡察。现将整改进展情况予以公布。\n\n")


def _flat(report) -> list[tuple[int, str, list[tuple[str, str, str | None]]]]:
    return [(c.ordinal, c.title, [(p.id, p.text, p.status) for p in c.problems]) for c in report.categories]


def test_categories_without_a_bracket_level_and_numbering_that_runs_on():
    """一、category then 1. 2. | 3. 4.: the 一、 headings are the categories (no (一) level), and a
    rectification written inside the problem's paragraph is split off at its label."""
    text = _FLAT_HEAD + ("一、贯彻落实党的路线方针政策方面\n1. 理论学习不深入。整改措施：制定学习计划。已完成。\n"
                         "2. 意识形态责任制落实不到位。整改措施：健全制度。正在整改。\n二、全面从严治党方面\n"
                         "3. 财务报销手续不全。整改措施：规范报销。已完成。\n三、组织建设方面\n4. 三会一课制度执行不严。\n")
    report = parse_text(text)
    assert _flat(report) == [
        (1, "贯彻落实党的路线方针政策方面", [("1", "理论学习不深入。", "已完成"), ("2", "意识形态责任制落实不到位。", "正在整改")]),
        (2, "全面从严治党方面", [("3", "财务报销手续不全。", "已完成")]),
        (3, "组织建设方面", [("4", "三会一课制度执行不严。", None)])]
    assert report.categories[0].problems[0].measures[0].text == "制定学习计划。"


def test_categories_without_a_bracket_level_and_numbering_that_restarts():
    text = _FLAT_HEAD + ("一、贯彻落实党的路线方针政策方面\n1. 理论学习不深入。\n整改情况：制定学习计划。已完成。\n"
                         "二、全面从严治党方面\n1. 财务报销手续不全。\n整改情况：规范报销。已完成。\n")
    assert _flat(parse_text(text)) == [(1, "贯彻落实党的路线方针政策方面", [("1.1", "理论学习不深入。", "已完成")]),
                                       (2, "全面从严治党方面", [("2.1", "财务报销手续不全。", "已完成")])]


def test_a_next_steps_list_is_not_a_category():
    """Only the numbered section with rectifications holds problems; 下一步's 1. 2. restart without any."""
    text = _FLAT_HEAD + ("一、整改工作总体情况\n局党组高度重视，成立领导小组。\n二、反馈问题整改情况\n1. 理论学习不深入。\n"
                         "整改情况：制定学习计划。已完成。\n2. 财务报销手续不全。\n整改情况：规范报销。已完成。\n"
                         "三、下一步工作打算\n1. 持续巩固整改成果。\n2. 建立长效机制。\n")
    assert [(p.id, p.text) for c in parse_text(text).categories for p in c.problems] == [
        ("1", "理论学习不深入。"), ("2", "财务报销手续不全。")]


def test_the_closing_is_no_problems_rectification():
    """The invitation to supervise, the contacts, the signature and the date close the report; a
    report whose last problem runs straight into them must not take them as measures."""
    text = _FLAT_HEAD + ("一、贯彻落实党的路线方针政策方面\n（一）理论学习不深入。\n整改情况：制定学习计划。已完成。\n"
                         "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请及时向我们反映。\n"
                         "联系电话：0731-1234567\n中共市文化局党组\n2023年7月1日\n")
    report = parse_text(text)
    last = report.categories[-1].problems[-1]
    assert last.rectification == "制定学习计划。已完成。" and last.status == "已完成"
    assert report.report_date.iso == "2023-07-01"


def _layout_scores(folder: str, reader: str = "auto"):
    import json
    from collections import Counter

    from bench.eval_layouts import SET, score_report

    root = SET.parent / folder
    hits, totals = Counter(), Counter()
    for gold in sorted((root / "gold").glob("*.json")):
        h, t, _ = score_report(min((root / "reports").glob(f"{gold.stem}.*")), json.loads(gold.read_text("utf-8")),
                               reader)
        hits.update(h)
        totals.update(t)
    return hits, totals


def test_author_f_layouts_read_as_their_gold():
    """Author F's 12 layouts (tests/gold/author_f/, the held-out set of E's rules; bench/RESULTS.md has
    its held-out figure): every problem found, stated counts and statuses right, measure counts all
    but F's own borderline cases."""
    hits, totals = _layout_scores("author_f")
    assert hits["problem_found"] == totals["problem_found"] and totals["extra_problems"] == 0
    for field in ("stated_problems", "stated_categories", "category_title", "report_date", "inspector"):
        assert hits[field] == totals[field], field
    assert hits["status"] == totals["status"]
    assert hits["measures"] >= 80   # F counts comma-joined actions; the rest are its own ±1 cases


def test_author_h_layouts_read_as_their_gold():
    """Author H's 12 layouts (tests/gold/author_h/: tables as .html and as tabbed text, PDF copies,
    问题N/整改N pairs, 一是 findings, ①/第一,/(1)/第一、 numbering, two lists, joint reports). Scored held
    out on arrival (bench/RESULTS.md: 61/85 problems found); every rule since is a grammar tested on
    built reports above, and this holds the whole set at what they reach (in-sample)."""
    hits, totals = _layout_scores("author_h")
    assert totals["problem_found"] == 85 and totals["extra_problems"] == 0
    assert hits["unit"] >= totals["unit"] - 1   # 11: the joint string where H's gold takes the first body
    for field in ("problem_found", "status", "measures", "categories", "category_title", "inspection_start",
                  "inspection_end", "feedback_date", "report_date", "stated_problems", "stated_categories",
                  "stated_completed"):
        assert hits[field] == totals[field], field


@pytest.mark.parametrize("reader", ["auto", "grammar"])
def test_author_j_layouts_read_as_their_gold(reader):
    """Author J's 12 layouts (tests/gold/author_j/: 问题N【状态】 lines, <ol> items, ▲/◆/● bullets, 一）/1）,
    a pipe table in text, 一是 findings with statuses in an end table, <dl>, 1.方面 (一)问题, 1-1 with a
    legend, 【一】/01., 反馈问题第N项 with 5.1 subs, 第一类). Scored held out on arrival (bench/RESULTS.md:
    40/95 problems found shipped, 46/95 grammar-only); held here in-sample, in both readers."""
    hits, totals = _layout_scores("author_j", reader)
    assert totals["problem_found"] == 95 and totals["extra_problems"] == 0
    for field in ("problem_found", "categories", "category_title", "inspector"):   # 06/08: a system's own team
        assert hits[field] == totals[field], field
    assert hits["status"] == totals["status"] and hits["measures"] >= totals["measures"] - 7   # J counts its own lists


@pytest.mark.parametrize("reader", ["auto", "grammar"])
def test_author_l_layouts_read_as_their_gold(reader):
    """Author L's 12 layouts (tests/gold/author_l/: 甲、/㈠, an HTML table with a merged category column, .md
    front matter and bullets, A./A1 codes with statuses in a closing sentence, emoji markers, （壹）/⑴ with ①
    subs, a table pasted one cell per line, 是否完成, 第1条/→进度, a PDF copy with a contents page, ◎/其一
    with ——整改, a fixed-width table with wrapped cells). Held out twice (bench/RESULTS.md: 44/91 problems
    found on main before this pass), the development set of the third pass: held here in both readers."""
    hits, totals = _layout_scores("author_l", reader)
    assert totals["problem_found"] == 91 and totals["extra_problems"] == 0
    for field in ("problem_found", "categories", "category_title", "status", "unit", "inspector", "report_date",
                  "stated_problems", "stated_categories", "stated_completed"):
        assert hits[field] == totals[field], field
    assert hits["measures"] >= totals["measures"] - 2   # L's own comma judgements (04 B3, 05 second problem)


def test_author_n_layouts_read_as_their_gold():
    """Author N's 12 layouts (tests/gold/author_n/: 1.1/2.3.1 decimals, an HTML accordion with badges, an OCR
    copy, unnumbered 针对“…”的问题 paragraphs, one card per problem, ❶ with acceptance verdicts, one key/value
    table per problem, a CSV ledger, .md auto-numbering with struck-through statuses, [1] with task fractions,
    a combined report, lost Word numbering). Held out in session 8 (bench/RESULTS.md: 48/95 found), the
    development set of the fourth pass: held here at what it reaches (in-sample)."""
    hits, totals = _layout_scores("author_n")
    assert totals["problem_found"] == 95 and totals["extra_problems"] == 0
    assert hits["problem_found"] >= 85 and hits["status"] >= 79 and hits["measures"] >= 64
    for field in ("inspection_end", "stated_problems", "stated_categories"):
        assert hits[field] == totals[field], field


def test_author_o_layouts_read_as_their_gold():
    """Author O's 12 ordinary layouts (tests/gold/author_o/: full-sentence categories, unlabelled measure lines
    under a problem, 一是 sub-problem paragraphs, 原因剖析/整改成效, Word HTML, a one-cell CMS page, bold .md
    titles, per-category closing sentences, 针对该问题, status first, a range in the heading, per-measure
    statuses under an overall line). The development set of the fourth pass: held here (in-sample)."""
    hits, totals = _layout_scores("author_o")
    assert totals["problem_found"] == 101 and totals["extra_problems"] == 0
    for field in ("problem_found", "status", "categories", "unit", "report_date", "inspection_start",
                  "inspection_end", "feedback_date", "stated_problems", "stated_categories", "stated_completed"):
        assert hits[field] == totals[field], field
    assert hits["measures"] >= 81   # O's own comma and rule-6 judgements on unenumerated paragraphs


@pytest.mark.parametrize("reader", ["auto", "grammar"])
def test_author_r_layouts_read_as_their_gold(reader):
    """Author R's 12 layouts real reports use that earlier sets do not (tests/gold/author_r/: 首先/其次/最后 under
    第一部分, a TRS page with ⒈, a newspaper reprint with 【…方面】 and 整改过程中，, .md 问题（一） with - 表现N
    parts, No.1 with a colour legend, a WeChat page with 01 spans and ▶ badges, 第N个问题 under counted headings,
    【ZG-01】 codes, 1、/(1)/① with bracketed fields, ｜-parted records, ㊀/ⅰ with a verdict line). Scored on
    arrival (bench/RESULTS.md: 40/99 problems found on main), the development set of the fifth pass: held here
    in both readers (in-sample)."""
    hits, totals = _layout_scores("author_r", reader)
    assert totals["problem_found"] == 99
    if reader == "grammar":   # 07's labelled findings under 01 spans are read by the learned candidate only
        assert hits["problem_found"] >= 92 and hits["status"] >= 92
        return
    assert totals["extra_problems"] == 0
    for field in ("problem_found", "status", "categories", "category_title", "unit", "inspector", "inspection_start",
                  "inspection_end", "report_date", "stated_categories"):
        assert hits[field] == totals[field], field
    assert hits["measures"] >= 91   # R's own comma and result-sentence judgements


@pytest.mark.parametrize("reader", ["auto", "grammar"])
def test_author_s_layouts_read_as_their_gold(reader):
    """Author S's 12 ordinary reports with the variety of real writers (tests/gold/author_s/). Read well on
    arrival (101/101 found, status 96); the fifth pass's status wordings lift status: held here (in-sample)."""
    hits, totals = _layout_scores("author_s", reader)
    assert totals["problem_found"] == 101 and totals["extra_problems"] == 0
    for field in ("problem_found", "categories", "category_title", "unit", "report_date", "inspection_start",
                  "inspection_end", "stated_categories"):
        assert hits[field] == totals[field], field
    assert hits["status"] >= 99 and hits["measures"] >= 90


def test_author_e_layouts_read_as_their_gold():
    """Author E wrote 14 reports in 14 layouts and their gold records before the parser was measured on
    them (tests/gold/author_e/); bench.eval_layouts scores them field by field. Held here: every
    header field, stated count, status and measure count of a found problem, and every problem
    (05's bold-style headings without numbers included)."""
    import json
    from collections import Counter
    from pathlib import Path

    from bench.eval_layouts import SET, score_report

    hits, totals = Counter(), Counter()
    for gold in sorted((SET / "gold").glob("*.json")):
        h, t, _ = score_report(SET / "reports" / f"{gold.stem}.txt", json.loads(Path(gold).read_text("utf-8")))
        hits.update(h)
        totals.update(t)
    for field in ("unit", "inspector", "inspection_start", "inspection_end", "report_date", "stated_problems",
                  "stated_categories", "stated_completed", "status", "measures"):
        assert hits[field] == totals[field], field
    assert hits["problem_found"] == totals["problem_found"] and totals["extra_problems"] == 0


def _unnumbered(category_marks: tuple[str, str] | None) -> str:
    """Problems as unnumbered heading lines, each right above its rectification labels."""
    first, second = category_marks or ("", "")
    lines = [_FLAT_HEAD.rstrip("\n")]
    if first:
        lines.append(f"{first}思想建设方面")
    lines += ["学习制度执行不严", "整改措施：一是制定学习计划;二是建立学习档案。", "落实情况：该问题已完成整改。",
              "意识形态阵地管理薄弱", "整改措施：修订阵地管理办法。", "落实情况：正在整改。"]
    if second:
        lines.append(f"{second}作风建设方面")
    lines += ["公务接待超标准", "整改措施：一是清退超标费用;二是约谈相关人员。", "落实情况：该问题已完成整改。",
              "欢迎广大干部群众对巡察整改落实情况进行监督。", "中共市文化局党组", "2023年7月1日"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("marks", [("一、", "二、"), ("（一）", "（二）"), None])
def test_problems_as_unnumbered_headings(marks):
    """A problem written as a heading line without a number (bold in the original) is the line right
    above its rectification label, whether the categories are 一、, (一) or absent."""
    report = parse_text(_unnumbered(marks))
    got = [(c.title, [(p.text, p.status, len(p.measures)) for p in c.problems]) for c in report.categories]
    problems = [("学习制度执行不严", "已完成整改", 2), ("意识形态阵地管理薄弱", "正在整改", 1), ("公务接待超标准", "已完成整改", 2)]
    if marks:
        assert got == [("思想建设方面", problems[:2]), ("作风建设方面", problems[2:])]
    else:
        assert got == [("", problems)]


def test_a_continuation_paragraph_is_no_unnumbered_problem():
    """In a numbered report a paragraph between two labels (二是… / a plain sentence) continues the
    rectification: numbered problems keep the rectifications that follow them."""
    text = _FLAT_HEAD + ("二、反馈问题整改情况\n（一）思想建设方面\n1.学习制度执行不严。\n整改措施：一是制定学习计划。\n"
                         "二是建立学习档案。\n落实情况：已完成整改。\n2.意识形态阵地管理薄弱。\n整改措施：修订阵地管理办法。\n"
                         "同时开展专项检查\n落实情况：正在整改。\n3.公务接待超标准。\n整改措施：清退超标费用。\n")
    report = parse_text(text)
    assert [(p.id, p.text) for p in report.problems()] == [
        ("1", "学习制度执行不严。"), ("2", "意识形态阵地管理薄弱。"), ("3", "公务接待超标准。")]


def test_a_closing_paragraph_that_opens_with_a_resolution_is_no_measure():
    """The invitation to supervise may follow a closing remark in the same paragraph (…将以此次巡察整改为
    契机…。欢迎…监督。联系电话:…): the paragraph is the closing, not the last problem's measure."""
    text = _FLAT_HEAD + ("一、贯彻落实党的路线方针政策方面\n（一）理论学习不深入。\n整改情况：制定学习计划;建立学习档案。\n"
                         "局党组将以此次巡察整改为契机，持续巩固整改成果。欢迎广大干部群众对巡察整改落实情况进行监督。"
                         "联系电话：0731-1234567。\n中共市文化局党组\n2023年7月1日\n")
    last = parse_text(text).categories[-1].problems[-1]
    assert [m.text for m in last.measures] == ["制定学习计划", "建立学习档案。"]


def test_progress_fields_beside_labelled_actions_are_no_measures():
    """整改措施: names the actions; a separate 落实情况:/完成情况: reports results and status, so its
    sentences are not measures. Where 整改进展: is the only label, it holds the actions."""
    text = _FLAT_HEAD + ("一、贯彻落实党的路线方针政策方面\n1.理论学习不深入。\n整改措施：一是制定学习计划;二是建立学习档案。\n"
                         "落实情况：2024年以来开展集中学习7次,该问题已完成整改。\n2.财务报销手续不全。\n"
                         "整改进展：修订报销制度。开展专项检查。\n")
    first, second = parse_text(text).categories[0].problems
    assert [m.text for m in first.measures] == ["制定学习计划", "建立学习档案。"] and first.status == "已完成整改"
    assert [m.text for m in second.measures] == ["修订报销制度。", "开展专项检查。"]


@pytest.mark.parametrize("sentence", ["目前思政课教师配备已达标。", "截至9月底,4个村集体经济收入均已突破10万元。",
                                      "下一步,局党组将持续跟踪问效。", "街道党工委将坚持标准不降、力度不减。",
                                      "线索核查工作仍在进行中。", "剩余2个支部书记选配工作正在推进。",
                                      "项目竣工决算工作将于2026年3月前完成。"])
def test_results_and_plans_are_no_measures(sentence):
    """A sentence saying where the work stands or what comes next is not an action taken; an action
    that starts with 将 (将…纳入考核) still is."""
    text = _FLAT_HEAD + f"一、贯彻落实党的路线方针政策方面\n1.理论学习不深入。\n整改情况：修订学习制度。将学习情况纳入考核。{sentence}\n"
    problem = parse_text(text).categories[0].problems[0]
    assert [m.text for m in problem.measures] == ["修订学习制度。", "将学习情况纳入考核。"]


@pytest.mark.parametrize("tail, status", [("对问题线索已移交纪委,现正在核查中,整改持续推进。", "持续推进"),
                                          ("目前整改正在进行中,计划年底前完成。", "正在进行"),
                                          ("该问题需常态化监管,将长期坚持。", "长期坚持"),
                                          ("立行立改,及时解除委托经营协议。", None)])
def test_a_status_clause_of_a_longer_sentence(tail, status):
    """A status said as a clause (…,整改持续推进。) is the problem's status when it closes its sentence or
    the sentence says where the work stands (目前…); a clause leading an action describes that action."""
    text = _FLAT_HEAD + f"一、贯彻落实党的路线方针政策方面\n1.理论学习不深入。\n整改情况：修订学习制度。{tail}\n"
    assert parse_text(text).categories[0].problems[0].status == status


def test_closed_items_count_as_completed():
    """已销号 (the item closed on the ledger) is a completed count."""
    text = _FLAT_HEAD.replace("现将整改进展情况予以公布。", "共认领问题6个,截至公示之日已销号5个,剩余1个正在推进。") + (
        "一、贯彻落实党的路线方针政策方面\n1.理论学习不深入。\n整改情况：修订学习制度。\n")
    report = parse_text(text)
    assert (report.stated_value("problems"), report.stated_value("completed")) == (6, 5)


@pytest.mark.parametrize("rect, measures", [
    ("制定帮扶方案,为4个薄弱村各选派1名干部驻村,引进深加工项目1个。", 3),
    ("对公务接待开展全面检查,清退违规费用4.6万元,对3名责任人进行批评教育。", 2),  # a result is no action
    ("制定前置事项清单,明确6大类31项前置事项。", 1),                           # 明确 spells out the list
    ("建立联动机制,事件平均办结时间由5.2天缩短至2.6天。", 1),                   # a figure is a result
    ("一是制定帮扶方案,为4个薄弱村各选派1名干部驻村;二是引进深加工项目1个。", 2),  # the author's own count
])
def test_comma_joined_actions_are_measures_each(rect, measures):
    """An unnumbered sentence that joins actions with commas holds one measure per action (how outside
    authors count); results, elaborations and enumerated items are not split."""
    text = _FLAT_HEAD + f"一、贯彻落实党的路线方针政策方面\n1.理论学习不深入。\n整改情况：{rect}\n"
    assert len(parse_text(text).categories[0].problems[0].measures) == measures


def test_a_page_number_inside_a_rectification_is_no_part_of_a_measure():
    """A printed page's number ("- 2 -") between two paragraphs of one rectification is chrome."""
    text = _FLAT_HEAD + ("一、贯彻落实党的路线方针政策方面\n1.理论学习不深入。\n整改情况：建立学习台账;\n\n- 2 -\n\n"
                         "对学习滞后的2个支部挂牌督办。\n")
    problem = parse_text(text).categories[0].problems[0]
    assert [m.text for m in problem.measures] == ["建立学习台账", "对学习滞后的2个支部挂牌督办。"]


def test_a_breakdown_of_the_feedback_is_not_its_problem_count():
    """针对巡察反馈的11项问题,…梳理出了31个具体问题: 11 problems were fed back; 31 is the breakdown."""
    text = _FLAT_HEAD.replace("现将整改进展情况予以公布。", "针对巡察反馈的11项问题,制定整改方案,梳理出了31个具体问题,86项整改措施。") + (
        "一、贯彻落实党的路线方针政策方面\n1.理论学习不深入。\n整改情况：修订学习制度。\n")
    assert parse_text(text).stated_value("problems") == 11


_TABLE_HEAD = ("<html><head><meta charset='utf-8'><title>中共某某县水利局党组关于县委巡察整改进展情况的通报</title></head><body>"
               "<div class='article'><h1>中共某某县水利局党组关于县委巡察整改进展情况的通报</h1><p>根据县委统一部署，2024年3月1日至"
               "4月30日，县委第二巡察组对县水利局党组开展了巡察，5月20日反馈了巡察意见。反馈问题共3个，已完成整改2个。</p>")
_TABLE_TAIL = "</table><p>欢迎广大干部群众对巡察整改落实情况进行监督。</p><p>中共某某县水利局党组</p><p>2024年8月1日</p></div></body></html>"


def _table_report(tmp_path, rows: str, header: str) -> object:
    from reports.parse import parse_file
    path = tmp_path / "r.html"
    path.write_text(_TABLE_HEAD + f"<table border='1'><tr>{header}</tr>" + rows + _TABLE_TAIL, "utf-8")
    return parse_file(path)


def test_a_problem_table_gives_one_problem_per_row(tmp_path):
    """序号 | 反馈问题 | 整改措施 | 责任单位 | 完成情况: each row a problem, read by its columns; a cell's
    paragraphs stay on the row's line."""
    header = "<th>序号</th><th>反馈问题</th><th>整改措施</th><th>责任单位</th><th>完成情况</th>"
    rows = ("<tr><td>1</td><td>理论学习不深入。</td><td><p>一是制定学习计划；</p><p>二是建立学习档案。</p></td><td>办公室</td><td>已完成</td></tr>"
            "<tr><td>2</td><td>河湖管护责任落实不到位。</td><td>开展专项行动，清理违建17处。</td><td>河湖股</td><td>正在推进</td></tr>"
            "<tr><td>3</td><td>公务用车管理不规范。</td><td>修订公务用车管理办法。</td><td>办公室</td><td>已完成</td></tr>")
    report = _table_report(tmp_path, rows, header)
    got = [(p.id, p.text, p.status, [m.text for m in p.measures]) for p in report.problems()]
    assert got == [("1", "理论学习不深入。", "已完成", ["制定学习计划", "建立学习档案。"]),
                   ("2", "河湖管护责任落实不到位。", "正在推进", ["开展专项行动,清理违建17处。"]),
                   ("3", "公务用车管理不规范。", "已完成", ["修订公务用车管理办法。"])]
    assert (report.stated_value("problems"), report.stated_value("completed")) == (3, 2)
    assert report.text[slice(*list(report.problems())[1].span)] == "河湖管护责任落实不到位。"


def test_a_problem_table_with_a_merged_category_column(tmp_path):
    """A 问题类别 column spanning its rows (rowspan) groups the problems; the rows below it lack the cell."""
    header = "<th>问题类别</th><th>序号</th><th>存在问题</th><th>整改落实情况</th>"
    rows = ("<tr><td rowspan='2'>政治建设方面</td><td>1</td><td>理论学习不深入。</td><td>制定学习计划。已完成整改。</td></tr>"
            "<tr><td>2</td><td>意识形态责任制落实不到位。</td><td>健全责任制度。正在整改。</td></tr>"
            "<tr><td>作风建设方面</td><td>3</td><td>公务用车管理不规范。</td><td>修订公务用车管理办法。</td></tr>")
    report = _table_report(tmp_path, rows, header)
    assert [(c.title, [(p.id, p.status, len(p.measures)) for p in c.problems]) for c in report.categories] == [
        ("政治建设方面", [("1", "已完成整改", 1), ("2", "正在整改", 1)]), ("作风建设方面", [("3", None, 1)])]


def test_a_table_of_other_things_is_no_problem_table():
    """A table without a problem column and a rectification column (联系人 | 电话) is not read as problems."""
    text = _FLAT_HEAD + "一、贯彻落实党的路线方针政策方面\n1.理论学习不深入。\n整改情况：制定学习计划。\n单位\t联系人\t电话\n办公室\t张三\t1234567\n"
    assert [p.text for p in parse_text(text).problems()] == ["理论学习不深入。"]


def test_a_problem_table_in_a_word_file(tmp_path):
    """The same table in a .docx (its rows read as tab-joined lines) gives the same problems."""
    import docx

    from reports.parse import parse_file
    doc = docx.Document()
    doc.add_paragraph("中共某某县水利局党组关于县委巡察整改进展情况的通报")
    doc.add_paragraph("根据县委统一部署，2024年3月1日至4月30日，县委第二巡察组对县水利局党组开展了巡察。")
    rows = [("序号", "巡察反馈问题", "整改措施", "整改时限", "整改进展"),
            ("1", "理论学习不深入。", "制定学习计划;建立学习档案。", "2024年6月", "已完成"),
            ("2", "公务用车管理不规范。", "修订公务用车管理办法。", "长期坚持", "正在整改")]
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_paragraph("2024年8月1日")
    doc.save(tmp_path / "r.docx")
    report = parse_file(tmp_path / "r.docx")
    assert [(p.id, p.text, p.status, len(p.measures)) for p in report.problems()] == [
        ("1", "理论学习不深入。", "已完成", 2), ("2", "公务用车管理不规范。", "正在整改", 1)]


def test_a_form_of_labelled_findings_without_numbers():
    """Blocks of fields with no numbering (问题描述:… 整改措施:… 责任人:… 完成情况:…): each labelled
    finding is a problem, however long; who/when fields and the status field are no measures."""
    block = ("问题描述：{p}\n整改措施：{m}\n责任人：办公室主任\n完成情况：{s}\n")
    text = _FLAT_HEAD + "一、反馈问题整改情况\n" + "".join(block.format(p=p, m=m, s=s) for p, m, s in (
        ("理论学习不深入，学习制度执行不严，中心组学习流于形式，个别党员参学率偏低，学习笔记照抄照搬。", "制定学习计划;建立学习档案。", "已完成"),
        ("公务用车管理不规范。", "修订公务用车管理办法。", "正在整改"),
        ("财务报销审核不严。", "开展财务专项检查。", "已完成"))) + "中共市文化局党组\n2023年7月1日\n"
    report = parse_text(text)
    assert [(p.id, p.text[:7], p.status, len(p.measures)) for p in report.problems()] == [
        ("1", "理论学习不深入", "已完成", 2), ("2", "公务用车管理不", "正在整改", 1), ("3", "财务报销审核不", "已完成", 1)]


def _marked(mark, cats=("（一）", "（二）")) -> str:
    """Problems numbered by `mark(n)` under categories numbered `cats`, inside a report's 二、 part
    (categories 一、 are the parts themselves)."""
    parts = "" if cats[0] == "一、" else "一、整改工作开展情况\n局党组高度重视。\n二、反馈问题整改情况\n"
    return _FLAT_HEAD + parts + (
        f"{cats[0]}思想建设方面\n{mark(1)}学习制度执行不严。整改情况：制定学习计划;建立学习档案。已完成整改。\n"
        f"{mark(2)}意识形态阵地管理薄弱。\n整改措施：修订阵地管理办法。\n完成情况：正在推进。\n"
        f"{cats[1]}作风建设方面\n{mark(1)}公务接待超标准。整改情况：清退超标费用。已完成整改。"
        "(完成时限:2023年6月底,完成情况:已完成)\n"
        "三、下一步工作\n第一,持续巩固整改成果。\n第二,建立长效机制。\n")


@pytest.mark.parametrize("mark, cats", [(lambda n: "①②"[n - 1], ("（一）", "（二）")),
                                        (lambda n: f"第{'一二'[n - 1]}，", ("（一）", "（二）")),
                                        (lambda n: f"({n})", ("一、", "二、")),
                                        (lambda n: f"{n}．", ("第一、", "第二、"))])
def test_problems_numbered_without_1_dot(mark, cats):
    """A report whose problems are numbered ①②, 第一,第二, or (1)(2) under 一、 (and none 1.) reads
    them as its problem level under the numbered headings above them; 第一、 inside a part is a
    category heading above 1. problems; a 下一步 list (第一,…) after the problem part is none;
    bracketed fields after a rectification (完成时限:…,完成情况:…) are no measure."""
    report = parse_text(_marked(mark, cats))
    got = [(c.title, [(p.text, status_code(p.status) if p.status else None, len(p.measures)) for p in c.problems])
           for c in report.categories]
    assert got == [("思想建设方面", [("学习制度执行不严。", "completed", 2), ("意识形态阵地管理薄弱。", "in_progress", 1)]),
                   ("作风建设方面", [("公务接待超标准。", "completed", 1)])]


def _hard_wrap(paragraphs: list[str], width: int = 24) -> str:
    """Paragraphs as text copied out of a PDF: broken every `width` characters, a paragraph's first
    line indented, a page number and a running title after the 16th line."""
    lines = []
    for para in paragraphs:
        chunks = [para[i:i + width] for i in range(0, len(para), width)]
        lines += ["    " + chunks[0], *chunks[1:]]
    page = ["", "                        — 1 —", "", "　　　市文化局巡察整改进展情况通报", ""]
    lines[16:16] = page
    lines += [*page[:2], "", "\u3000\u3000\u3000市文化局巡察整改进展情况通报", "", "                        — 2 —"]
    return "\n".join(lines) + "\n"


def test_text_copied_from_a_pdf_is_read_as_paragraphs(tmp_path):
    """Lines broken at the margin (even inside a label: 完成|情况:) are joined into their paragraphs;
    page numbers and the running title between pages are dropped."""
    from reports.parse import parse_file
    paragraphs = ["根据市委统一部署，2023年3月1日至4月30日，市委第二巡察组对市文化局党组进行了巡察。2023年5月20日，"
                  "巡察组向市文化局党组反馈了巡察意见。反馈3个方面3个问题，截至目前已完成整改2个。",
                  "一、思想建设方面",
                  "1.理论学习不深入，中心组学习制度执行不严，学习研讨流于形式。整改措施：制定学习计划；建立学习档案。完成情况：已完成。",
                  "2.意识形态阵地管理薄弱，网站和公众号审核把关不严。整改措施：修订阵地管理办法；开展专项检查。完成情况：正在推进。",
                  "二、作风建设方面",
                  "1.公务接待超标准，部分接待未履行审批手续，接待清单不全。整改措施：清退超标费用；约谈相关人员。完成情况：已完成。"]
    path = tmp_path / "r.txt"
    path.write_text("中共某某市文化局党组关于巡察整改进展情况的通报\n\n" + _hard_wrap(paragraphs), "utf-8")
    report = parse_file(path)
    assert (report.inspection.start.iso, report.inspection.feedback.iso) == ("2023-03-01", "2023-05-20")
    assert report.stated_value("completed") == 2
    assert [(p.text[:8], status_code(p.status), len(p.measures)) for p in report.problems()] == [
        ("理论学习不深入,", "completed", 2), ("意识形态阵地管理", "in_progress", 2), ("公务接待超标准,", "completed", 2)]
    assert "巡察整改进展情况通报" not in report.text.split("\n", 3)[3]


def test_text_that_is_not_wrapped_is_read_as_it_is():
    from reports.read.unwrap import join_hard_wraps
    for path in sorted((SET.parent.parent.parent / "data" / "reports").glob("*.txt")):
        text = path.read_text("utf-8")
        assert join_hard_wraps(text) == text, path.name


@pytest.mark.parametrize("modifier", ["乡村振兴专项", "就业社保领域专项", "常规"])
def test_an_inspection_named_by_its_topic_still_dates_the_opening(modifier):
    """对X开展了乡村振兴专项巡察: a topic of several words before 巡察 is still the opening sentence."""
    text = ("中共某某镇委员会关于巡察整改进展情况的通报\n根据县委统一部署，2025年5月6日至6月6日，县委第五巡察组对某某镇党委开展了"
            f"{modifier}巡察。7月1日，县委第五巡察组向镇党委反馈了巡察意见。\n一、思想建设方面\n1.理论学习不深入。\n整改情况：制定学习计划。\n")
    ins = parse_text(text).inspection
    assert (ins.start.iso, ins.end.iso, ins.feedback.iso) == ("2025-05-06", "2025-06-06", "2025-07-01")


def test_a_table_flattened_to_tabbed_text(tmp_path):
    """A Word table pasted as text: tab-separated cells, category rows (一、…方面) inside it, measures
    numbered inline (1.…;2.…), and a 整改情况 column beside 整改措施 that reports the status."""
    from reports.parse import parse_file
    rows = ["序号\t反馈问题\t整改措施\t完成时限\t整改情况", "一、思想建设方面",
            "1\t理论学习不深入。\t1.制定学习计划；2.建立学习档案；3.开展专题研讨2次。\t2023年6月\t已完成",
            "二、作风建设方面",
            "2\t公务接待超标准。\t1.清退超标费用1.2万元；2.约谈相关人员。\t长期坚持\t持续推进"]
    path = tmp_path / "r.txt"
    path.write_text("中共某某市文化局党组关于巡察整改进展情况的通报\n根据市委统一部署，2023年3月1日至4月30日，市委第二巡察组对市文化局"
                    "党组进行了巡察。巡察反馈问题涉及2个方面共2条，已完成整改1条。\n" + "\n".join(rows) + "\n", "utf-8")
    report = parse_file(path)
    assert [(c.title, [(p.id, status_code(p.status), len(p.measures)) for p in c.problems]) for c in report.categories] == [
        ("思想建设方面", [("1", "completed", 3)]), ("作风建设方面", [("2", "in_progress", 2)])]
    assert (report.stated_value("categories"), report.stated_value("problems"), report.stated_value("completed")) == (2, 2, 1)


def test_problem_and_rectification_numbered_in_pairs():
    """问题1:… then 整改1:…: the numbered 整改 line is the problem's rectification, its 整改结果: field
    the status and no measure."""
    text = _FLAT_HEAD + ("二、反馈问题整改情况\n问题1：理论学习不深入。\n整改1：制定学习计划;建立学习档案。整改结果：已销号。\n"
                         "问题2：公务接待超标准。\n整改2：清退超标费用;约谈相关人员。整改结果：持续推进，截至目前已清退3笔，剩余2笔正在办理。\n")
    got = [(p.text, status_code(p.status), [m.text for m in p.measures]) for p in parse_text(text).problems()]
    assert got == [("理论学习不深入。", "completed", ["制定学习计划", "建立学习档案。"]),
                   ("公务接待超标准。", "in_progress", ["清退超标费用", "约谈相关人员。"])]


@pytest.mark.parametrize("sentence, status", [("该项工作正在持续推进。", "in_progress"), ("此项工作需长期坚持。", "long_term"),
                                              ("这项任务的整改工作正在推进。", "in_progress")])
def test_a_status_sentence_about_the_item_itself(sentence, status):
    text = _FLAT_HEAD + f"一、思想建设方面\n1.理论学习不深入。\n整改情况：制定学习计划。{sentence}\n"
    problem = parse_text(text).categories[0].problems[0]
    assert status_code(problem.status) == status and [m.text for m in problem.measures] == ["制定学习计划。"]


_TWO_LISTS = _FLAT_HEAD + ("一、整改工作开展情况\n局党组高度重视。\n二、巡察反馈的主要问题\n1.理论学习不深入。\n2.公务接待超标准。\n三、{title}\n"
                           "1.{a}制定学习计划;建立学习档案。{s1}\n2.{b}清退超标费用。{s2}\n")


def test_a_problem_list_and_a_rectification_list_numbered_alike():
    """二、 lists the problems, 三、 their rectifications with the same numbers (1.针对…问题:…): item k is
    problem k's rectification, and no extra problem."""
    text = _TWO_LISTS.format(title="整改落实情况", a="针对学习问题：", b="针对接待问题：", s1="已整改完成。", s2="正在持续推进。")
    report = parse_text(text)
    assert [(p.text, status_code(p.status), [m.text for m in p.measures]) for p in report.problems()] == [
        ("理论学习不深入。", "completed", ["制定学习计划", "建立学习档案。"]), ("公务接待超标准。", "in_progress", ["清退超标费用。"])]


def test_a_plan_list_numbered_like_the_problems_is_no_rectification():
    text = _TWO_LISTS.format(title="下一步工作", a="", b="", s1="", s2="")
    assert [p.rectification for p in parse_text(text).problems()] == ["", ""]


def test_findings_and_rectifications_enumerated_in_paragraphs():
    """巡察指出:一是…;二是… then 整改情况:一是…(已完成);二是…: item k of the finding is a problem and
    item k of the rectification its rectification, its bracketed status its status; a finding that
    does not enumerate is one problem."""
    text = _FLAT_HEAD + ("一、思想建设方面\n巡察指出：一是理论学习不深入;二是意识形态阵地管理薄弱。\n"
                         "整改情况：一是制定学习计划,开展专题研讨2次(已完成);二是修订阵地管理办法(持续推进)。\n"
                         "二、作风建设方面\n巡察指出：公务接待超标准。\n整改情况：清退超标费用,约谈相关人员。已完成整改。\n")
    report = parse_text(text)
    assert [(c.title, [(p.text, status_code(p.status), len(p.measures)) for p in c.problems]) for c in report.categories] == [
        ("思想建设方面", [("理论学习不深入", "completed", 2), ("意识形态阵地管理薄弱", "in_progress", 1)]),
        ("作风建设方面", [("公务接待超标准。", "completed", 2)])]


@pytest.mark.parametrize("rect, measures", [("制定人才规划,面向高校招聘毕业生8名,与职业学院共建实训基地。", 3),
                                            ("与公安部门建立联合执法机制。", 1)])
def test_a_clause_opening_with_a_partner_is_an_action(rect, measures):
    text = _FLAT_HEAD + f"一、思想建设方面\n1.人才队伍结构不优。\n整改情况：{rect}\n"
    assert len(parse_text(text).categories[0].problems[0].measures) == measures


def test_aspects_of_problems_count_categories_without_a_problem_count():
    """对巡视反馈的3个方面问题,梳理形成整改任务52项: 3 categories and no problem count; a bare 5个方面
    (从5个方面构建责任链) still counts nothing."""
    text = _FLAT_HEAD.replace("现将整改进展情况予以公布。", "对巡视反馈的3个方面问题,梳理形成整改任务52项。") + (
        "一、思想建设方面\n1.理论学习不深入。\n整改情况：制定学习计划。\n")
    report = parse_text(text)
    assert (report.stated_value("categories"), report.stated_value("problems")) == (3, None)
    bare = parse_text(text.replace("对巡视反馈的3个方面问题,", "从5个方面构建责任链,"))
    assert bare.stated_value("categories") is None


@pytest.mark.parametrize("heading, unit", [
    ("中共某某职业学院委员会 某某职业学院关于巡视整改进展情况的通报", "中共某某职业学院委员会"),
    ("中共某某职业学院委员会\n某某职业学院\n关于巡视整改进展情况的通报", "中共某某职业学院委员会"),
    ("中共某某职业学院委员会\n中共某某职业学院图书馆支部委员会\n关于巡视整改进展情况的通报",
     "中共某某职业学院委员会、中共某某职业学院图书馆支部委员会")])
def test_a_joint_report_is_its_party_organisations(heading, unit):
    """A title naming several bodies (on one line or a line each): the unit is the party organisation(s)
    answering to the inspection (joined with 、, as a joint signature is), not the administration co-signing."""
    text = (heading + "\n根据省委统一部署，2025年3月17日至5月23日，省委第十一巡视组对某某职业学院党委开展了常规巡视。\n"
            "一、思想建设方面\n1.理论学习不深入。\n整改情况：制定学习计划。\n")
    assert parse_text(text).unit == unit

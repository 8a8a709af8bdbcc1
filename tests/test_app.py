"""The Streamlit app, headless (streamlit.testing AppTest), on the demo corpus.

One workspace per module, built with `Workspace(tmp).ingest([DEMO_CORPUS])` and handed to the app
through XUNCHA_HOME; the app's first run brings the graph and the search index up to date (that is
the slow part: the model loads once and stays in the process's resource cache for the module).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from conftest import IMG, SCRIPT, hostile_text
from streamlit.testing.v1 import AppTest

from ui.service.workspace import DEMO_CORPUS, Workspace

APP = str(Path(__file__).resolve().parent.parent / "ui" / "web" / "app.py")
TIMEOUT = 300  # the first run embeds the corpus; later runs take well under a second

@pytest.fixture(scope="module")
def home(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-ws")
    with Workspace(root) as ws:
        outcomes = ws.ingest([DEMO_CORPUS])
    assert all(o.status == "ingested" for o in outcomes)
    mp = pytest.MonkeyPatch()
    mp.setenv("XUNCHA_HOME", str(root))
    yield root
    mp.undo()


@pytest.fixture(scope="module")
def summaries(home):
    with Workspace(home) as ws:
        return {s["report_id"]: s for s in ws.reports()}


def report_of(summaries: dict, needle: str) -> str:
    return next(rid for rid, s in summaries.items() if needle in (s.get("unit") or ""))


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_blocks(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.proto.allow_html]


def text_of(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [s.value for s in at.success] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [s.value for s in at.subheader]
    return "\n".join(parts)


def search(at: AppTest, query: str) -> AppTest:
    at.text_area(key="search_q_input").input(query)
    at.button[0].click()
    return run(at)


def hit_units(at: AppTest) -> list[str]:
    """Units of the results on the current page (the bold title attribute of each result header)."""
    return re.findall(r'<b title="([^"]*)">', "\n".join(html_blocks(at)))


def assert_no_raw_markup(at: AppTest) -> None:
    for block in html_blocks(at):
        assert "<script" not in block and "<img" not in block, block[:300]


# -- first run and navigation -----------------------------------------------------------------

@pytest.mark.slow
def test_first_run_syncs_index_and_shows_search(home):
    at = run(new_app())
    assert [t.value for t in at.title] == ["相似问题检索"]
    assert not at.error
    with Workspace(home) as ws:
        assert ws.search.status()["stale"] is False  # the app's first run synced graph and index
        assert ws.search.status()["count"] > 100
    assert "试试这些示例" in [p.label for p in at.get("button_group")] or at.get("button_group")


def test_every_page_renders_without_errors(home):
    at = run(new_app())
    for page, title in [("views/detail.py", "问题详情"), ("views/entities.py", "实体关系"),
                        ("views/unit.py", "单位画像"), ("views/upload.py", "导入报告"),
                        ("views/themes.py", "共性问题"), ("views/search.py", "相似问题检索")]:
        at.switch_page(page)
        run(at)
        assert title in [t.value for t in at.title]


def test_problem_counts_use_the_same_words_everywhere(home, summaries):
    """问题 as numbered, and 条 (子问题 counted one by one) where ledger and themes count: the sidebar
    says both, the themes page's total equals the sidebar's 条 and the ledger's rows."""
    problems = sum(s["found"]["problems"] for s in summaries.values())
    items = sum(s["found"]["leaf_problems"] for s in summaries.values())
    assert items > problems  # the corpus has problems with 子问题 (省作协, 益阳)
    at = run(new_app())
    sidebar = [c.value for c in at.sidebar.caption]
    assert any(f"{problems} 个问题(按子问题计 {items} 条)" in c for c in sidebar), sidebar
    at.switch_page("views/themes.py")
    run(at)
    assert any(f"共 {items} 条问题归入" in c.value for c in at.caption), [c.value for c in at.caption]
    with Workspace(home) as ws:
        assert len(ws.ledger_rows()) == items
    assert "末级" not in text_of(at)


# -- search -----------------------------------------------------------------------------------

def test_search_returns_results_from_several_units(home):
    at = search(run(new_app()), "理论学习流于形式")   # no floor: the whole ranked list, tiered
    assert not at.error
    assert len(hit_units(at)) == 5  # the strongest few first
    blocks = "\n".join(html_blocks(at))
    assert "高度相关" in blocks and any("高度相关" in m.value for m in at.markdown)
    at.button(key=next(b.key for b in at.button if b.key and b.key.endswith("_more"))).click()
    run(at)
    units = hit_units(at)
    assert len(units) > 5 and len(set(units)) >= 3
    blocks = "\n".join(html_blocks(at))
    assert '<mark class="xc-hit">流于形式</mark>' in blocks
    assert "中心组" in blocks
    assert at.expander and any("整改措施" in e.label for e in at.expander)
    assert any("来自" in m.value and "个单位" in m.value for m in at.markdown)
    assert at.query_params["q"] == ["理论学习流于形式"] or at.query_params["q"] == "理论学习流于形式"


def test_search_shows_more_on_request(home):
    at = run(new_app())
    at = search(at, "意识形态工作责任制落实不到位")
    first = re.findall(r"<b>#(\d+)</b>", "\n".join(html_blocks(at)))
    more = next(b for b in at.button if b.key and b.key.endswith("_more"))
    more.click()
    run(at)
    after = re.findall(r"<b>#(\d+)</b>", "\n".join(html_blocks(at)))
    assert first == ["1", "2", "3", "4", "5"] and after[5] == "6" and len(after) > 5


def test_off_domain_query_finds_nothing(home):
    at = search(run(new_app()), "今天天气很好我们去公园散步")
    assert not at.error and hit_units(at) == []
    assert any("没有与此相关的问题" in w.value for w in at.warning)


def test_a_dense_first_answer_never_says_there_is_none(home, monkeypatch):
    """Right after start (jieba still loading) the page answers from the vectors alone; for
    公务接待不规范 they judged "no answer" and the page said 库中没有与此相关的问题, though the words
    find 执行中央八项规定精神不严格 (a high-tier hit). An empty dense-first answer waits for the words."""
    import embeddings.service as service
    from ui.web import state

    monkeypatch.setattr(state, "keyword_index_ready", lambda: False)   # as if the warm-up had not loaded jieba yet
    monkeypatch.setattr(service, "tokenizer_loaded", lambda: False)
    at = search(run(new_app()), "公务接待不规范")
    assert not at.error and hit_units(at)
    assert not any("没有与此相关" in w.value for w in at.warning)
    assert not any("关键词索引加载中" in i.value for i in at.info)
    assert "八项规定" in "\n".join(html_blocks(at))


def test_filters_narrow_results(home, summaries):
    at = search(run(new_app()), "理论学习流于形式")
    before = set(hit_units(at))
    unit = summaries[report_of(summaries, "益阳")]["unit"]
    at.selectbox(key="f_unit").set_value(unit)
    run(at)
    after = hit_units(at)
    assert after and set(after) == {unit} and len(before) > 1
    at.selectbox(key="f_unit").set_value("全部")
    at.segmented_control(key="f_level").set_value("县级")
    run(at)
    assert set(hit_units(at)) == {"中共政协桑植县委员会党组"}
    at.segmented_control(key="f_level").set_value(None)
    at.selectbox(key="f_year").set_value(2022)
    run(at)
    years = re.findall(r"(\d{4}) 年", "\n".join(html_blocks(at)))
    assert years and set(years) == {"2022"}
    at.selectbox(key="f_year").set_value("全部")
    at.selectbox(key="f_type").set_value("理论学习")
    run(at)
    types = re.findall(r"类型:([^<·]*)", "\n".join(html_blocks(at)))
    assert types and all("理论学习" in t for t in types)


def test_exclude_my_unit(home, summaries):
    at = search(run(new_app()), "理论学习流于形式")
    mine = hit_units(at)[0]
    at.selectbox(key="my_unit").set_value(mine)
    run(at)
    at.toggle(key="f_exclude_mine").set_value(True)
    run(at)
    assert hit_units(at) and mine not in hit_units(at)


def test_catalog_counts_what_the_summaries_count(home, summaries):
    """The sidebar's workspace line and unit pickers read SQL aggregates (ui.service.catalog), never every
    summary: they must say what the summaries say, unit by unit."""
    from ui.service.catalog import catalog

    with Workspace(home) as ws:
        cat = catalog(ws.store)
    assert cat.reports == len(summaries)
    assert cat.problems == sum(s["found"]["problems"] for s in summaries.values())
    assert cat.items == sum(s["found"]["leaf_problems"] for s in summaries.values())
    assert {e.unit: (e.display, e.reports) for e in cat.units} == {
        s["unit"]: (s["unit_short"], (rid,)) for rid, s in summaries.items()}
    assert [e.problems for e in cat.units] == sorted((s["found"]["problems"] for s in summaries.values()), reverse=True)
    assert set(cat.regions) == {s["region"] for s in summaries.values()}


def test_pickers_list_the_most_frequent_and_take_a_typed_name(home, summaries, monkeypatch):
    """Past pickers.CHOICES units or categories, a picker lists the most frequent (by problems) and says so;
    a name typed instead (a part of one) filters by substring, and 本单位 typed resolves to its unit."""
    from ui.web import pickers

    monkeypatch.setattr(pickers, "CHOICES", 2)
    pickers.clear()
    at = search(run(new_app()), "理论学习流于形式")
    by_problems = sorted(summaries.values(), key=lambda s: -s["found"]["problems"])
    listed = at.selectbox(key="f_unit").options
    assert len(listed) == 3 and set(listed[1:]) == {s["unit_short"] for s in by_problems[:2]}
    assert "共 5 个" in at.selectbox(key="f_unit").help and len(at.selectbox(key="my_unit").options) == 2
    assert len(at.selectbox(key="f_category").options) == 3
    small, others = by_problems[-1], by_problems[:-1]  # not listed: typed, a part of its name
    typed = next(small["unit_short"][:n] for n in range(2, len(small["unit_short"]) + 1)
                 if not any(small["unit_short"][:n] in name for s in others for name in (s["unit"], s["unit_short"])))
    # AppTest cannot type into a picker: a new session starts with the typed value, as the widget returns it
    at = new_app()
    at.query_params["q"] = "理论学习流于形式"
    at.session_state["f_unit"] = typed
    run(at)
    assert set(hit_units(at)) == {small["unit"]}
    assert typed in at.selectbox(key="f_unit").options  # the typed text shown as the pick
    assert "按包含匹配" in at.selectbox(key="f_unit").help
    run(at)  # and it stays
    assert set(hit_units(at)) == {small["unit"]}
    assert pickers.search_units(typed) == small["unit"]
    assert pickers.search_units(small["unit_short"]) == small["unit"]
    assert pickers.search_units("党组") is None  # several units: no single one
    at = new_app()
    at.query_params["q"] = "意识形态工作责任制落实不到位"
    at.session_state["f_category"] = "意识形态"
    run(at)
    cats = re.findall(r"类别:([^<·]*)", "\n".join(html_blocks(at)))
    assert cats and all("意识形态" in c for c in cats)
    monkeypatch.undo()
    pickers.clear()


def test_unusable_query_is_a_message_not_a_traceback(home):
    at = search(run(new_app()), "!!!???")
    assert at.error and "!!!" in at.error[0].value.replace("\\", "")


# -- detail -----------------------------------------------------------------------------------

def open_page(page: str, **params) -> AppTest:
    at = run(new_app())
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    return run(at)


def test_detail_shows_source_measures_entities_and_similar(home, summaries):
    rid = report_of(summaries, "张家界")
    with Workspace(home) as ws:
        report = ws.report(rid)
    problem = next(p for p in report.problems() if p.measures and p.rectification_span)
    at = open_page("views/detail.py", report=rid, problem=problem.id)
    assert not at.error
    blocks = "\n".join(html_blocks(at))
    assert '<span class="problem">' in blocks  # the problem span highlighted in the source context
    assert '<span class="rect' in blocks
    for measure in problem.measures[:2]:
        assert measure.text[:20].replace("<", "&lt;") in blocks
    subheaders = [s.value for s in at.subheader]
    assert {"原文", "整改措施", "涉及实体", "其他单位的同类问题及整改做法"} <= set(subheaders)
    similar_units = re.findall(r'<div class="xc-meta"><b title="([^"]*)">[^<]*</b> · <span class="xc-tier', blocks)
    assert similar_units and report.unit not in similar_units  # other units only


def test_detail_without_params_offers_a_picker(home):
    at = open_page("views/detail.py")
    assert any("请选择一个问题" in i.value for i in at.info)


def test_detail_unknown_report_is_an_error_message(home):
    at = open_page("views/detail.py", report="0000000000000000", problem="1")
    assert at.error and "不在工作区" in at.error[0].value


# -- unit -------------------------------------------------------------------------------------

def test_unit_page_flags_stated_count_conflict(home, summaries):
    at = open_page("views/unit.py", report=report_of(summaries, "张家界"))
    errors = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "不一致" in errors and "12" in errors and "13" in errors
    assert any(s.value == "问题类别" for s in at.subheader)
    table = next(m.value for m in at.markdown if "xc-cat" in m.value)  # problems per category: full titles, bars
    assert "xc-bar" in table and "自述问题数" not in table  # 张家界 states no count per category
    assert "覃文乐" in str([d.value for d in at.dataframe])  # people and roles


def test_unit_page_flags_truncation(home, summaries):
    at = open_page("views/unit.py", report=report_of(summaries, "庆阳"))
    errors = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "截断" in errors
    warnings = "\n".join(w.value for w in at.warning)
    assert "25" in warnings  # stated 25, found 7


def test_unit_page_shows_audit_and_concreteness(home, summaries):
    at = open_page("views/unit.py", report=report_of(summaries, "桑植"))
    assert not at.error  # 003 has no count, date or truncation finding
    assert {"整改核查", "重复出现的问题"} <= {s.value for s in at.subheader}
    assert any("空泛" in e.label for e in at.expander)  # e.g. 25: "坚持精简原则,统筹安排各项会议。"
    tables = [d.value for d in at.dataframe]
    assert any("具体程度" in t.columns and "依据" in t.columns for t in tables)


def test_unit_page_opens_on_the_most_complete_report(home, summaries):
    """Not the truncated 庆阳 report: a whole one without count warnings, the largest of those."""
    at = open_page("views/unit.py")
    picked = at.selectbox(key="unit_pick").value
    s = summaries[picked]
    assert not s["truncated"] and not s["warnings"]
    assert s["found"]["problems"] == max(x["found"]["problems"] for x in summaries.values()
                                         if not x["truncated"] and not x["warnings"])
    assert not at.error
    assert any("一致" in x.value for x in at.success)



def open_unit_page_typed(typed: str) -> AppTest:
    """单位画像 with ``typed`` in its report picker (AppTest cannot type into a picker: the session
    starts with the typed value, as the widget returns it)."""
    at = run(new_app())
    at.session_state["unit_pick"] = typed
    at.switch_page("views/unit.py")
    return run(at)


def test_unit_picker_takes_a_typed_name(home, summaries):
    """The report pickers accept typed text (a large workspace lists only some reports): a part of a
    unit's name picks its report; a text naming no report says so and keeps a report shown."""
    at = open_unit_page_typed("桑植")
    assert at.selectbox(key="unit_pick").value == report_of(summaries, "桑植")
    assert not at.info
    at = open_unit_page_typed("不存在的单位名称")
    assert any("不存在的单位名称" in i.value for i in at.info)
    assert at.selectbox(key="unit_pick").value in summaries
    at = open_unit_page_typed("党组")  # several reports: the first by label, and how many matched
    assert any("有 5 份报告与「党组」匹配" in i.value for i in at.info)


def test_report_pickers_list_at_most_the_cap_and_keep_the_linked_report(home, summaries, monkeypatch):
    """With the cap below the number of reports, a picker lists the cap plus the linked report and says
    how to reach the others; the report detail page's picker likewise."""
    from ui.web import pickers, report_picker

    monkeypatch.setattr(pickers, "CHOICES", 2)
    pickers.clear()
    report_picker.clear()
    try:
        by_problems = sorted(summaries.values(), key=lambda s: -s["found"]["problems"])
        linked = by_problems[-1]["report_id"]   # the fewest problems: not among the listed two
        at = open_page("views/unit.py", report=linked)
        box = at.selectbox(key="unit_pick")
        assert box.value == linked and len(box.options) == 3
        assert "共 5 份" in box.help
        problem = state_problem(home, linked)
        at = open_page("views/detail.py", report=linked, problem=problem)
        box = next(b for b in at.selectbox if b.label == "报告(单位)")
        assert box.value == linked and len(box.options) == 3 and "共 5 份" in box.help
    finally:
        pickers.clear()
        report_picker.clear()


def state_problem(home, report_id: str) -> str:
    with Workspace(home) as ws:
        return next(iter(ws.report(report_id).problems())).id

# -- entities ---------------------------------------------------------------------------------

def component_args(at: AppTest) -> list[dict]:
    """The JSON arguments of every custom component (the graph) on the page."""
    import json
    out = []
    for el in at.get("component_instance") or []:
        out.append(json.loads(el.proto.json_args))
    return out


def test_entity_page_starts_with_a_workspace_overview(home, summaries):
    at = open_page("views/entities.py")
    assert not at.error
    assert "工作区概览" in [s.value for s in at.subheader]
    graphs = component_args(at)
    assert len(graphs) == 1
    kinds = [n["data"]["kind"] for n in graphs[0]["elements"]["nodes"]]
    assert kinds.count("Unit") == len({s["unit"] for s in summaries.values()})
    assert "InspectionTeam" in kinds and "Person" in kinds and "Regulation" in kinds
    assert set(kinds) <= {"Unit", "InspectionTeam", "Person", "Regulation"}
    labels = {e["data"]["label"] for e in graphs[0]["elements"]["edges"]}
    assert {"被巡察", "见于"} <= labels
    ids = {n["data"]["id"] for n in graphs[0]["elements"]["nodes"]}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in graphs[0]["elements"]["edges"])


def test_entity_page_graph_properties_expand_and_path(home):
    with Workspace(home) as ws:
        person = ws.graph.resolve("覃文乐", "Person")
        unit = ws.graph.resolve("市文旅广体局", "Unit")
    at = open_page("views/entities.py", entity=person)
    assert not at.error
    assert "覃文乐" in "\n".join(html_blocks(at))
    assert any("人员" in b for b in html_blocks(at))  # legend and type chip
    before = len(at.session_state["ent"]["nodes"])
    at.button(key="ent_expand").click()
    run(at)
    assert len(at.session_state["ent"]["nodes"]) >= before
    at.selectbox(key="ent_path_b").set_value(unit)
    run(at)
    at.button(key="ent_path_go").click()
    run(at)
    path = [b for b in html_blocks(at) if 'class="xc-path"' in b]
    assert path and "覃文乐" in path[0] and "文化旅游广电体育局" in path[0]


# -- upload -----------------------------------------------------------------------------------

def upload(at: AppTest, files: list[tuple[str, bytes, str]]) -> AppTest:
    at.file_uploader[0].set_value(files)
    run(at)
    at.button(key="upload_go").click()
    return run(at)


def test_upload_duplicate_and_hostile_files(home):
    at = open_page("views/upload.py")
    corpus_file = next(DEMO_CORPUS.glob("003_*.txt"))
    at = upload(at, [(corpus_file.name, corpus_file.read_bytes(), "text/plain"),
                     ("scan.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "application/pdf"),
                     ("binary.txt", bytes(range(256)) * 8, "text/plain"),
                     (f"{SCRIPT}.html", f"<html><body>{SCRIPT}{IMG}</body></html>".encode(), "text/html")])
    infos = [i.value for i in at.info]
    errors = [e.value.replace("\\", "") for e in at.error]
    assert any("重复" in i and corpus_file.name.split("_")[0] in i.replace("\\", "") for i in infos)
    assert len(errors) == 3, errors
    assert any("scan.pdf" in e and "PDF" in e for e in errors)
    assert any("binary.txt" in e and "二进制" in e for e in errors)
    assert any("alert(1)" in e and "没有文字" in e for e in errors)
    assert "导入结果" in text_of(at) and "未导入 3 个" in text_of(at)
    for e in at.error:  # the hostile name is Markdown-escaped, so it renders as text
        assert "<script>" not in e.value


def test_uploaded_report_is_seen_everywhere_escaped_then_removed(home):
    at = open_page("views/upload.py")
    at = upload(at, [("hostile.txt", hostile_text().encode("utf-8"), "text/plain")])
    assert any("已导入" in s.value for s in at.success), [s.value for s in at.success]
    with Workspace(home) as ws:
        rid = next(s["report_id"] for s in ws.reports() if SCRIPT in (s.get("unit") or ""))
        assert ws.search.status()["stale"] is False  # the upload synced graph and index
        problem = next(p for p in ws.report(rid).problems() if IMG in p.text)
        unit_node = ws.graph.resolve(f"张家界市{SCRIPT}文联", "Unit")
    # search sees it at once, with the markup shown as text
    at.switch_page("views/search.py")
    run(at)
    at = search(at, "学习贯彻落实习近平总书记在文艺工作座谈会上的重要讲话精神走过场")
    blocks = "\n".join(html_blocks(at))
    assert "&lt;img src=x onerror=alert(1)&gt;" in blocks
    assert_no_raw_markup(at)
    # detail, unit and entity pages
    for page, params in [("views/detail.py", {"report": rid, "problem": problem.id}),
                         ("views/unit.py", {"report": rid}), ("views/entities.py", {"entity": unit_node})]:
        at = open_page(page, **params)
        assert all("不一致" in e.value for e in at.error), [e.value for e in at.error]  # 12 vs 13, as in 000
        assert_no_raw_markup(at)
        assert "&lt;script&gt;" in "\n".join(html_blocks(at)) or page == "views/detail.py"
    # remove it again
    at = open_page("views/upload.py")
    at.selectbox(key="remove_pick").set_value(rid)
    run(at)
    at.checkbox(key="remove_sure").check()
    run(at)
    at.button(key="remove_go").click()
    run(at)
    assert any("已删除" in s.value for s in at.success)
    with Workspace(home) as ws:
        assert rid not in {s["report_id"] for s in ws.reports()}


def test_themes_page_maps_units_by_problem_type(home):
    """共性问题: the unit x type map names units by their display names, every count links to the
    cell's problems, and following a link lists exactly those problems with the deciding keywords."""
    at = open_page("views/themes.py")
    blocks = "\n".join(html_blocks(at))
    table = next(b for b in html_blocks(at) if 'class="xc-tm"' in b)
    for name in ("张家界市文联", "庆阳市文联", "山东省作协", "桑植县政协", "益阳市文旅广体局"):
        assert f'<th class="xc-tm-unit">{name}</th>' in table
    assert "三重一大" in table and "?ptype=major_matters&amp;punit=" in table
    assert "问题类型" in blocks
    at = open_page("views/themes.py", ptype="major_matters", punit="桑植县政协")
    listed = "\n".join(html_blocks(at))
    assert "桑植县政协 · 三重一大" in "\n".join(m.value for m in at.markdown)
    assert "“三重一大”讨论研究程序不到位" in listed and "依据:三重一大" in listed

"""The app in a real browser: `xuncha ui` in a subprocess on a free loopback port, driven by
headless Chromium (Debian's /usr/bin/chromium through Playwright's Python package; never
`playwright install`). Screenshots go to tests/artifacts/ (gitignored).

Run: `make test-browser` (installs Chromium, then pytest -m browser), or
HF_HUB_OFFLINE=1 python -m pytest tests/test_browser.py -q where Chromium is installed (marked `browser`).
"""
from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import IMG, SCRIPT, english_words, ingest_hostile

from bench.live_app import CHROMIUM, CHROMIUM_ARGS, running_app
from ui.service.workspace import DEMO_CORPUS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# `make test` deselects these (marker `browser`); selected without Chromium they skip (and say so in
# the summary); `make test-browser` installs
# Chromium and sets XUNCHA_REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping.
REQUIRED = os.environ.get("XUNCHA_REQUIRE_BROWSER") == "1"
MISSING = f"{CHROMIUM} not found: browser tests skipped (run `make test-browser`, which installs Debian's chromium)"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not REQUIRED and not Path(CHROMIUM).exists(), reason=MISSING),
]
if REQUIRED and not Path(CHROMIUM).exists():
    raise RuntimeError(MISSING)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """Everything a page does that it must not: dialogs (an executed alert), requests off the loopback."""

    def __init__(self, page):
        self.dialogs: list[str] = []
        self.external: list[str] = []
        page.on("dialog", self._dialog)
        page.on("request", self._request)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request) -> None:
        if not request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            self.external.append(request.url)


def new_page(browser):
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page.set_default_timeout(60_000)
    return page, Watch(page)


def wait_idle(page, ms: int = 800) -> None:
    """Until Streamlit has finished the current run (no running indicator), then a short settle."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    page.wait_for_timeout(ms)


def shot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main container, so grow the viewport to fit it."""
    size = page.viewport_size
    height = page.evaluate("() => (document.querySelector('[data-testid=\"stMain\"]') || document.body).scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 6000))})
    page.wait_for_timeout(600)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size(size)


# -- the demo workspace, built by the app on first run --------------------------------------------

class App(str):
    """The running app's URL (what the tests format into addresses), and its workspace directory."""

    workspace: Path


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-demo")
    with running_app(root / "ws", root / "server.log") as url:
        app = App(url)
        app.workspace = root / "ws"
        yield app


def test_first_run_search_detail_entities(browser, demo_app):
    page, watch = new_page(browser)
    page.goto(demo_app)
    # first run: the demo corpus is ingested and indexed with visible progress, then the search page
    with contextlib.suppress(sync_api.TimeoutError):
        page.wait_for_selector('[data-testid="stProgress"]', timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "00_first_run_progress.png"))
    page.wait_for_selector("text=相似问题检索", timeout=240_000)
    page.get_by_role("textbox", name="检索内容").wait_for(timeout=240_000)
    wait_idle(page)
    shot(page, "01_search_empty.png")
    page.goto(f"{demo_app}/?min=0")  # every candidate: this test is about reading across units, not the floor
    page.get_by_role("textbox", name="检索内容").wait_for(timeout=120_000)
    wait_idle(page)

    page.get_by_role("textbox", name="检索内容").fill("理论学习流于形式,学习记录不全")
    page.get_by_role("button", name="检索", exact=True).click()
    page.wait_for_selector("mark.xc-hit", timeout=120_000)
    wait_idle(page)
    page.get_by_role("button", name="显示更多", exact=False).click()  # the 5 strongest first, more on request
    page.wait_for_function("() => document.querySelectorAll('div.xc-meta').length > 5", timeout=60_000)
    wait_idle(page)
    units = set(page.locator("div.xc-meta b[title]").evaluate_all("els => els.map(e => e.title)"))
    assert len(units) >= 3, units
    page.get_by_text("整改措施(", exact=False).first.click()  # unfold the first result's measures
    page.wait_for_timeout(500)
    shot(page, "02_search_results.png")

    page.get_by_role("link", name="查看原文与详情").first.click()
    page.wait_for_selector(".xc-context .problem", timeout=60_000)
    wait_idle(page, 1500)
    assert "report=" in page.url and "problem=" in page.url
    assert page.get_by_text("其他单位的同类问题及整改做法").is_visible()
    shot(page, "03_detail.png")

    page.get_by_role("link", name="实体关系").first.click()
    page.get_by_text("选择实体(可输入名称搜索)").wait_for()
    page.goto(f"{demo_app}/entities?entity={quote('Person:张家界市文学艺术界联合会/覃文乐')}")
    frame = page.frame_locator('iframe[title*="st_link_analysis"]')
    frame.locator("#cy canvas").first.wait_for(timeout=60_000)
    wait_idle(page, 2500)
    assert page.get_by_role("button", name="展开邻居").is_visible()
    page.get_by_role("button", name="展开邻居").click()
    wait_idle(page, 2500)
    # a path from this person to another unit
    page.locator('[data-testid="stSelectbox"]').filter(has_text="终点").click()
    page.keyboard.type("益阳市文旅广体局(被巡察单位")  # a unit by its display name (its full name in the label too)
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="查找路径").click()
    page.wait_for_selector("div.xc-path", timeout=60_000)
    wait_idle(page, 2500)
    path = page.inner_text("div.xc-path")
    assert "覃文乐" in path and "益阳市文旅广体局" in path
    shot(page, "04_entities.png")

    from reports.parse import parse_file
    zhangjiajie = parse_file(next(DEMO_CORPUS.glob("000_*.txt"))).id
    page.goto(f"{demo_app}/unit?report={zhangjiajie}")
    page.get_by_text("问题数量:报告自述与实际识别").wait_for()
    wait_idle(page, 1500)
    assert "报告前后所称问题总数不一致:12、13" in page.inner_text("body")  # 张家界 states 12 and 13 (the audit)
    shot(page, "05_unit.png")

    # upload: a corpus file again (duplicate) and a file that is not a report (error)
    page.get_by_role("link", name="导入报告").first.click()
    page.get_by_text("选择一个或多个整改情况通报文件").wait_for()
    corpus_file = next(DEMO_CORPUS.glob("003_*.txt"))
    page.locator('input[type="file"]').set_input_files([
        {"name": corpus_file.name, "mimeType": "text/plain", "buffer": corpus_file.read_bytes()},
        {"name": "binary.txt", "mimeType": "text/plain", "buffer": bytes(range(256)) * 8},
    ])
    page.get_by_role("button", name="开始导入").click()
    page.get_by_text("导入结果").wait_for(timeout=120_000)
    wait_idle(page)
    body = page.inner_text("body")
    assert "重复" in body and "二进制" in body
    shot(page, "06_upload.png")

    assert watch.dialogs == []
    assert watch.external == [], f"requests left the machine: {watch.external[:5]}"


def test_common_problems_page_shows_unit_by_type_map(browser, demo_app):
    """共性问题 in a real browser: the unit x type map with the five display names; a count is a
    link that lists that unit's problems of that type."""
    page, watch = new_page(browser)
    page.goto(f"{demo_app}/themes")
    page.wait_for_selector("table.xc-tm", timeout=480_000)
    wait_idle(page, 1500)
    heads = page.locator("table.xc-tm th.xc-tm-unit").all_inner_texts()
    assert set(heads) == {"张家界市文联", "庆阳市文联", "山东省作协", "桑植县政协", "益阳市文旅广体局"}, heads
    page.locator("table.xc-tm").scroll_into_view_if_needed()
    shot(page, "07_common_problems_type_map.png")
    page.locator('table.xc-tm a[href*="ptype=major_matters"]').first.click()
    page.wait_for_selector("text=桑植县政协 · 三重一大", timeout=120_000)
    wait_idle(page, 1500)
    assert "“三重一大”讨论研究程序不到位" in page.inner_text("body")
    shot(page, "08_type_map_cell.png")
    assert watch.dialogs == [] and watch.external == []


ENGLISH_LEFT = ("Page not found", "Upload", "per file", "No selected elements", "Drag and drop")


def test_no_english_left_in_routes_uploader_and_graph(browser, demo_app):
    """What Streamlit and the graph component bring in English: the /search route, the uploader's
    drop zone, the graph's empty side panel and toolbar titles."""
    page, watch = new_page(browser)
    page.goto(f"{demo_app}/search?q={quote('理论学习流于形式')}")
    page.wait_for_selector("mark.xc-hit", timeout=240_000)  # the search page, with the query carried over
    wait_idle(page)
    body = page.inner_text("body")
    assert "相似问题检索" in body and not any(e in body for e in ENGLISH_LEFT), body[:500]

    page.goto(f"{demo_app}/upload")
    uploader = page.locator('[data-testid="stFileUploaderDropzone"]')
    uploader.wait_for()
    wait_idle(page)
    text = uploader.inner_text()
    assert not any(e in text for e in ENGLISH_LEFT), text
    drawn = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid="stFileUploaderDropzone"] [data-testid="stMarkdownContainer"],'
        + ' [data-testid="stFileUploaderDropzoneInstructions"] > div')]
        .map(el => getComputedStyle(el, '::after').content)""")
    assert any("选择文件" in c for c in drawn) and any("每个文件不超过" in c and "MB" in c for c in drawn), drawn
    shot(page, "11_uploader_zh.png")

    page.goto(f"{demo_app}/entities")
    page.get_by_text("工作区概览").wait_for()
    frame = page.frame_locator('iframe[title*="st_link_analysis"]')
    frame.locator("#cy canvas").first.wait_for(timeout=60_000)
    wait_idle(page, 2500)
    graph_frame = page.locator('iframe[title*="st_link_analysis"]').first.element_handle().content_frame()
    panel = graph_frame.evaluate("() => document.getElementById('infopanel').innerText")
    titles = graph_frame.evaluate("() => [...document.querySelectorAll('[title]')].map(e => e.title)")
    assert "单击节点或连线查看详情" in graph_frame.content() and "No selected elements" not in graph_frame.content()
    assert "No selected" not in panel and titles and all(not t.isascii() for t in titles if t != "JSON"), titles
    nodes = graph_frame.evaluate("() => document.getElementById('cy')._cyreg.cy.nodes().map(n => n.data('kind'))")
    assert {"Unit", "InspectionTeam", "Person", "Regulation"} <= set(nodes)
    assert not any(e in page.inner_text("body") for e in ENGLISH_LEFT)
    shot(page, "12_entities_overview.png")
    assert watch.dialogs == [] and watch.external == []


def test_checklist_page_renders_in_chinese_and_downloads_both_files(browser, demo_app):
    """自查清单 (issue 26): reached from 单位画像, peers and ranked types in Chinese only, and both
    downloads are files python-docx and openpyxl open, holding the same unit and types."""
    import re

    import docx
    from openpyxl import load_workbook

    from reports.parse import parse_file

    page, watch = new_page(browser)
    zhangjiajie = parse_file(next(DEMO_CORPUS.glob("000_*.txt"))).id
    page.goto(f"{demo_app}/unit?report={zhangjiajie}")
    page.get_by_text("问题数量:报告自述与实际识别").wait_for(timeout=480_000)
    wait_idle(page)
    page.get_by_role("link", name="自查清单:同类单位被发现最多的问题及整改做法").click()
    page.get_by_text("常见问题类型").wait_for(timeout=120_000)
    wait_idle(page, 1500)
    assert "/briefing" in page.url
    # what a reader sees in the page and the sidebar: material icons are glyphs a ligature font draws from
    # their names (keyboard_arrow_right), so those names are left out; report ids and file suffixes are allowed
    body = "\n".join(page.locator(f'[data-testid="{part}"]').inner_text() for part in ("stMain", "stSidebar"))
    icons = set(page.evaluate("""() => [...document.querySelectorAll('span, i')]
        .filter(e => getComputedStyle(e).fontFamily.includes('Material')).map(e => e.textContent.trim())"""))
    for icon in sorted(icons, key=len, reverse=True):
        body = body.replace(icon, "") if icon else body
    assert "庆阳市文联" in body and "山东省作协" in body and "同为文联" in body
    assert "一、" in body and "个同类单位有此类问题" in body and "来源:" in body
    latin = re.findall(r"[A-Za-z]{2,}", re.sub(r"\b[0-9a-f]{16}\b|\.(?:docx|xlsx)\b", "", body))
    assert not latin, latin[:10]
    shot(page, "13_checklist.png")

    files = {}
    for fmt, label in (("docx", "下载文档(.docx)"), ("xlsx", "下载表格(.xlsx)")):
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=label).click()
        files[fmt] = ARTIFACTS / f"checklist.{fmt}"
        download.value.save_as(files[fmt])
        assert download.value.suggested_filename == f"自查清单_张家界市文联.{fmt}"
    doc = docx.Document(str(files["docx"]))
    assert doc.paragraphs[0].text == "自查清单:张家界市文联"
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    sheet = load_workbook(files["xlsx"])["自查清单"]
    types = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert headings and len(headings) == len(types)
    assert all(t in h for t, h in zip(types, headings, strict=True))
    assert types[0] in body

    page.goto(f"{demo_app}/briefing?unit={quote('桑植县政协')}")
    page.get_by_text("常见问题类型").wait_for(timeout=120_000)
    wait_idle(page, 1500)
    assert "没有同行业(政协)的单位" in page.inner_text("body")
    shot(page, "14_checklist_fallback.png")
    assert watch.dialogs == [] and watch.external == []


# -- a hostile report: markup in the unit name, a problem, a person and a document ------------------

@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    from ui.service.workspace import Workspace

    root = tmp_path_factory.mktemp("browser-xss")
    with Workspace(root / "ws") as ws:
        rid = ingest_hostile(ws)
        ws.ingest([next(DEMO_CORPUS.glob("003_*.txt"))])
        ws.sync()
        report = ws.report(rid)
        problem = next(p for p in report.problems() if IMG in p.text)
        unit = ws.graph.resolve(f"张家界市{SCRIPT}文联", "Unit")
        person = next(n for n, d in ws.graph.graph.nodes(data=True) if d.get("type") == "Person" and IMG in d["name"])
    with running_app(root / "ws", root / "server.log") as url:
        yield {"url": url, "report": rid, "problem": problem.id, "unit": unit, "person": person}


def test_markup_in_reports_is_shown_as_text_everywhere(browser, hostile_app):
    page, watch = new_page(browser)
    url = hostile_app["url"]

    page.goto(f"{url}/?q={quote('学习贯彻落实习近平总书记在文艺工作座谈会上的重要讲话精神走过场')}&min=0")
    # result cards (a first answer may be semantic-only while the keyword index loads: no <mark> yet)
    page.wait_for_selector("div.xc-meta", timeout=180_000)
    wait_idle(page)
    body = page.inner_text("body")
    assert IMG in body  # the problem text, literally
    shot(page, "07_xss_search.png")

    page.goto(f"{url}/detail?report={hostile_app['report']}&problem={quote(hostile_app['problem'])}")
    page.wait_for_selector(".xc-context .problem")
    wait_idle(page, 1500)
    body = page.inner_text("body")
    assert IMG in body  # in the problem statement and its highlighted source paragraph
    shot(page, "08_xss_detail.png")

    page.goto(f"{url}/unit?report={hostile_app['report']}")
    page.get_by_text("问题数量:报告自述与实际识别").wait_for()
    wait_idle(page, 1500)
    body = page.inner_text("body")
    assert f"中共张家界市{SCRIPT}文联党组" in body  # unit name
    shot(page, "09_xss_unit.png")

    for node in (hostile_app["unit"], hostile_app["person"]):
        page.goto(f"{url}/entities?entity={quote(node)}")
        frame = page.frame_locator('iframe[title*="st_link_analysis"]')
        frame.locator("#cy canvas").first.wait_for(timeout=60_000)
        wait_idle(page, 2500)
        # select every node in turn: the component's side panel writes node data with innerHTML
        graph_frame = page.locator('iframe[title*="st_link_analysis"]').first.element_handle().content_frame()
        cy = "document.getElementById('cy')._cyreg.cy"
        hostile = graph_frame.evaluate(f"() => {cy}.nodes().filter(n => n.data('label').includes('alert(')"
                                       " || n.data('label').includes('<img')).map(n => n.id())")
        if node == hostile_app["unit"]:
            # the unit's graph label is its display name (张家界市文联: the report's own 市文联 names it),
            # so no label carries the markup; its full name, markup and all, shows as text on the page
            labels = graph_frame.evaluate(f"() => {cy}.nodes().map(n => n.data('label'))")
            assert "张家界市文联" in labels, labels
            assert any("文联" in line and "alert(1)" in line for line in page.inner_text("body").splitlines())
            continue
        assert hostile, "no node carries the hostile name"
        panels = []
        for node_id in hostile:
            graph_frame.evaluate(f"() => {{ {cy}.elements().unselect(); {cy}.getElementById('{node_id}').select(); }}")
            page.wait_for_timeout(500)  # the side panel updates on a debounce
            panels.append(graph_frame.evaluate("() => document.getElementById('infopanel').innerText"))
        assert all("alert(1)" in text for text in panels), panels  # markup shown as text in the side panel
        assert any(SCRIPT in text or IMG in text for text in panels), panels
        name = "李四" if node == hostile_app["person"] else "文联"
        assert any(name in line and "alert(1)" in line for line in page.inner_text("body").splitlines())
    shot(page, "10_xss_entities.png")

    assert watch.dialogs == [], f"script ran: {watch.dialogs}"
    assert watch.external == []


# -- everyday use, second pass (issue 24) ------------------------------------------------------------

# What a person can read on a page: visible text (not Material icon ligatures, not text drawn at size 0
# or hidden), tooltips (title) and input placeholders; the graph component's frame included.
PAGE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest('script, style, noscript')) continue;
    const cs = getComputedStyle(el), box = el.getBoundingClientRect();
    if (cs.fontFamily.includes('Material') || cs.visibility === 'hidden' || cs.display === 'none'
        || parseFloat(cs.fontSize) === 0 || box.width < 1 || box.height < 1) continue;
    out.push(node.textContent);
  }
  document.querySelectorAll('[title], input[placeholder], textarea[placeholder]').forEach(e => {
    if (e.tagName !== 'IFRAME') out.push(e.getAttribute('title') || e.getAttribute('placeholder') || '');
  });
  document.querySelectorAll('*').forEach(e => {
    const after = getComputedStyle(e, '::after').content;
    if (after && after !== 'none' && after !== 'normal') out.push(after.replace(/^"|"$/g, ''));
  });
  return out.join('\\n');
}"""


def page_english(page) -> list[str]:
    words = english_words(page.evaluate(PAGE_TEXT))
    for frame in page.frames[1:]:
        with contextlib.suppress(Exception):
            words += english_words(frame.evaluate(PAGE_TEXT))
    return words


def open_ready(page, url: str, wait_for: str | None = None) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=300_000)  # the first run builds the demo
    if wait_for:
        page.wait_for_selector(wait_for, timeout=120_000)
    wait_idle(page, 1500)


def test_five_unit_picks_in_a_row_each_show_the_picked_unit(browser, demo_app):
    """单位画像: every pick shows its unit (every second one used to be ignored); the picker lists units
    by display name; a link to a report that is not there says so."""
    from ui.service.workspace import Workspace

    page, watch = new_page(browser)
    open_ready(page, f"{demo_app}/unit", "text=问题数量:报告自述与实际识别")
    with Workspace(demo_app.workspace) as ws:
        ids = {s["unit_short"]: s["report_id"] for s in ws.reports()}
    picker = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first
    shown = []
    for name in ("山东省作协", "益阳市文旅广体局", "张家界市文联", "桑植县政协", "庆阳市文联"):
        picker.click()
        page.keyboard.type(name)
        page.keyboard.press("Enter")
        wait_idle(page, 1500)
        header = page.locator('div.xc-text[title]').first
        shown.append(header.inner_text())
        assert page.url.endswith(f"report={ids[name]}"), page.url  # the pick written back to the link
    assert shown == ["山东省作协", "益阳市文旅广体局", "张家界市文联", "桑植县政协", "庆阳市文联"], shown
    page.reload()  # the link the picks wrote keeps the last one
    wait_idle(page, 1500)
    assert page.locator('div.xc-text[title]').first.inner_text() == "庆阳市文联"
    page.goto(f"{demo_app}/unit?report=0000000000000000")
    page.get_by_text("链接中的报告 0000000000000000 不在工作区中").wait_for()
    shot(page, "13_unit_bad_link.png")
    assert watch.dialogs == [] and watch.external == []


def test_sidebar_pickers_take_a_typed_name(browser, demo_app):
    """本单位 and 问题类别 take what is typed (past pickers.CHOICES they list only the most frequent): a part of
    a unit's name picks that unit; a keyword typed as the category narrows the results to categories
    holding it."""
    page, watch = new_page(browser)
    open_ready(page, f"{demo_app}/?q={quote('意识形态工作责任制落实不到位')}", "div.xc-meta b[title]")
    sidebar = page.locator('[data-testid="stSidebar"]')
    mine = sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="本单位")
    mine.click()
    page.keyboard.type("桑植县")
    offer = page.locator('[role="option"][data-key="__creatable__"] > div')  # Streamlit's "Add: 桑植县"
    offer.wait_for()
    said = offer.evaluate("e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::before').content]")
    assert said == ["0px", '"使用输入的文字(回车)"'], said
    page.keyboard.press("Enter")
    wait_idle(page, 1500)
    assert mine.locator("input").input_value() == "桑植县政协"  # the typed part resolved to its unit
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="问题类别").click()
    page.keyboard.type("意识形态")
    page.keyboard.press("Enter")
    wait_idle(page, 1500)
    metas = page.locator("div.xc-meta").all_inner_texts()
    categories = [m.split("类别:")[1].split(" · ")[0] for m in metas if "类别:" in m]
    assert categories and all("意识形态" in c for c in categories), categories
    assert watch.dialogs == [] and watch.external == []


def test_unit_profile_says_what_it_knows(browser, demo_app):
    """A report that states no count is not called consistent; categories with their full titles; the
    concreteness in words; a problem cut off by the truncation called so, not vague."""
    from reports.parse import parse_file

    shandong = parse_file(next(DEMO_CORPUS.glob("002_*.txt")))
    page, _ = new_page(browser)
    open_ready(page, f"{demo_app}/unit?report={shandong.id}", "table.xc-cat")
    body = page.inner_text("body")
    assert "报告没有说明问题总数,无从比对" in body and "报告自述数量与识别结果一致" not in body
    table = page.inner_text("table.xc-cat")
    assert "自述问题数" not in table  # no category states one
    for c in shandong.categories:
        assert c.title in table, c.title  # the whole title, never cut
    cells = page.locator('[data-testid="stDataFrame"] td').all_inner_texts()
    grades = [c for c in cells if re.fullmatch(r"(空泛|较空泛|一般|较具体|具体)\(\d\.\d 分\)", c)]
    assert grades and not any(re.fullmatch(r"0\.\d+", c) for c in cells), cells[:40]  # words, not a raw 0.50
    assert "回应问题:" in body and "无法判断" in body
    shot(page, "14_unit_profile.png")

    qingyang = parse_file(next(DEMO_CORPUS.glob("001_*.txt")))
    last = list(qingyang.problems())[-1].id
    open_ready(page, f"{demo_app}/unit?report={qingyang.id}", "table.xc-cat")
    body = page.inner_text("body")
    assert f"问题{last}的整改情况在原文截断处中断" in body and f"问题{last}的整改措施较空泛" not in body


def test_overview_and_path_graphs_carry_readable_labels(browser, demo_app):
    """实体关系: every node of the overview and of a path is drawn with its label at a readable size;
    the side panel closed is a one-line hint, open a panel wide enough to read."""
    page, watch = new_page(browser)
    open_ready(page, f"{demo_app}/entities", 'iframe[title*="st_link_analysis"]')
    frame = page.locator('iframe[title*="st_link_analysis"]').first.element_handle().content_frame()
    frame.wait_for_function("() => document.getElementById('cy')._cyreg && document.getElementById('cy')._cyreg.cy",
                            timeout=60_000)
    page.wait_for_timeout(2500)
    cy = "document.getElementById('cy')._cyreg.cy"
    drawn = frame.evaluate(f"""() => {{ const cy = {cy}; return cy.nodes().map(n => ({{
        label: n.style('label'), px: parseFloat(n.style('font-size')) * cy.zoom(),
        min: parseFloat(n.style('min-zoomed-font-size')) }})) }}""")
    assert len(drawn) >= 20
    assert all(d["label"].strip() for d in drawn), drawn
    assert all(d["px"] >= 9 and d["px"] >= d["min"] for d in drawn), sorted(d["px"] for d in drawn)[:5]
    panel = frame.evaluate("""() => { const p = document.getElementById('infopanel'), r = p.getBoundingClientRect();
        return {w: r.width, h: r.height, text: p.innerText,
                turn: getComputedStyle(p.querySelector('.infopanel__help')).transform} }""")
    assert panel["text"].strip() == "单击节点或连线查看详情" and panel["turn"] == "none" and panel["h"] < 60, panel
    shot(page, "15_entities_overview_labels.png")
    unit = frame.evaluate(f"() => {cy}.nodes().filter(n => n.data('kind') === 'Unit')[0].id()")
    frame.evaluate(f"() => {{ {cy}.elements().unselect(); {cy}.getElementById('{unit}').select(); }}")
    page.wait_for_timeout(800)
    width = frame.evaluate("() => document.getElementById('infopanel').getBoundingClientRect().width")
    assert width >= 200, width

    page.goto(f"{demo_app}/entities?entity={quote('Person:张家界市文学艺术界联合会/覃文乐')}")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="终点").wait_for()
    wait_idle(page, 1500)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="终点").click()
    page.keyboard.type("益阳市文旅广体局(被巡察单位")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="查找路径").click()
    page.wait_for_selector("div.xc-path", timeout=60_000)
    wait_idle(page, 3000)
    frame = page.locator('iframe[title*="st_link_analysis"]').first.element_handle().content_frame()
    on_path = frame.evaluate(f"""() => {{ const cy = {cy}; return cy.nodes('[onpath = 1]').map(n => ({{
        label: n.style('label'), px: parseFloat(n.style('font-size')) * cy.zoom() }})) }}""")
    assert len(on_path) >= 3 and all(d["label"].strip() and d["px"] >= 9 for d in on_path), on_path
    shot(page, "16_entities_path_labels.png")
    assert watch.dialogs == [] and watch.external == []


def test_similar_cards_keep_the_parts_a_unit_reports_by(browser, demo_app):
    """A similar problem whose measures are reported by parts of the unit (博物馆 / 文化馆 / 图书馆) shows
    each part as a heading, and a measure two parts share once, pointed to from the other."""
    from ui.service.workspace import Workspace
    from ui.web.render import measure_part

    with Workspace(demo_app.workspace) as ws:
        found = None
        for rid in ws.store.report_ids():
            for p in ws.report(rid).problems():
                if found or p.children:
                    continue
                for hit in ws.search.similar(rid, p.id, k=6):
                    q = ws.report(hit["report_id"]).find_problem(hit["problem_id"])
                    parts = {measure_part(m.label) for m in q.measures} - {""}
                    if len(parts) >= 2:
                        found = (rid, p.id, parts)
                        break
    assert found, "no similar hit with measures by parts in the demo corpus"
    rid, pid, parts = found
    page, _ = new_page(browser)
    open_ready(page, f"{demo_app}/detail?report={rid}&problem={quote(pid)}", "text=其他单位的同类问题及整改做法")
    page.wait_for_selector("div.xc-part", timeout=60_000)
    headings = set(page.locator("div.xc-part").all_inner_texts())
    assert parts <= headings, (parts, headings)
    items = page.locator("ol.xc-text li:not(.xc-same)").all_inner_texts()
    cards = page.locator('[data-testid="stVerticalBlockBorderWrapper"]').filter(has=page.locator("div.xc-part"))
    for card in cards.all():
        texts = card.locator("ol.xc-text li:not(.xc-same)").all_inner_texts()
        assert len(texts) == len(set(texts)), texts  # no measure repeated within a card
    assert items
    shot(page, "17_similar_parts.png")


NOT_A_PAGE = "这页不存在"


def test_no_english_on_any_page(browser, demo_app):
    """Every page, the 页面不存在 page and Streamlit's menu: no English a person has to read."""
    from reports.parse import parse_file

    report = parse_file(next(DEMO_CORPUS.glob("004_*.txt")))
    page, watch = new_page(browser)
    pages = [("/", "textarea"), (f"/?q={quote('理论学习流于形式')}", "div.xc-meta"),
             (f"/detail?report={report.id}&problem=26.2", "text=其他单位的同类问题及整改做法"),
             ("/entities", 'iframe[title*="st_link_analysis"]'), (f"/unit?report={report.id}", "table.xc-cat"),
             ("/themes", "table.xc-tm"), (f"/briefing?unit={quote('桑植县政协')}", "h1"),
             ("/upload", '[data-testid="stFileUploaderDropzone"]'),
             (f"/{quote(NOT_A_PAGE)}", "text=页面不存在"), ("/no-such-page", "text=页面不存在")]
    for path, ready in pages:
        open_ready(page, f"{demo_app}{path}", ready)
        page.wait_for_timeout(1500)
        assert page_english(page) == [], (path, page_english(page))
        assert not page.locator('[role="dialog"]').count(), path  # no "Page not found" dialog
        assert not page.locator('[data-testid="stMainMenu"]').count(), path  # no English ⋮ menu
    assert "没有「no-such-page」这个页面" in page.inner_text("body")
    shot(page, "18_page_not_found.png")
    open_ready(page, f"{demo_app}/", "textarea")
    page.keyboard.press("Tab")  # the keyboard user's first stop: the skip link, in Chinese
    assert page_english(page) == []
    assert watch.dialogs == [] and watch.external == []


def test_uploads_refused_in_chinese_and_a_duplicate_without_old_warnings(browser, demo_app):
    """Files Streamlit would refuse in English ("… files are not allowed") reach the reader and are
    refused in Chinese; a duplicate is one line, without the stored report's warnings."""
    page, _ = new_page(browser)
    open_ready(page, f"{demo_app}/upload", '[data-testid="stFileUploaderDropzone"]')
    truncated = next(DEMO_CORPUS.glob("001_*.txt"))  # stored already, with three warnings
    page.locator('input[type="file"]').set_input_files([
        {"name": "旧通报.doc", "mimeType": "application/msword", "buffer": bytes.fromhex("d0cf11e0a1b11ae1") + bytes(512)},
        {"name": "坏文件.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf at all"},
        {"name": "数据.bin", "mimeType": "application/octet-stream", "buffer": bytes(range(256))},
        {"name": truncated.name, "mimeType": "text/plain", "buffer": truncated.read_bytes()},
    ])
    page.get_by_role("button", name="开始导入").click()
    page.get_by_text("导入结果").wait_for(timeout=120_000)
    wait_idle(page, 1500)
    body = page.inner_text("body")
    assert "not allowed" not in body and "no %PDF" not in body
    assert "旧版 Word 格式,请另存为 .docx" in body and "缺少 PDF 文件头" in body
    assert "不是可导入的报告格式" in body and "与库中已有报告相同(庆阳市文联),未重复导入" in body
    assert "正文疑似不完整" not in body  # the stored report's warnings are not the upload's news
    assert page_english(page) == []
    shot(page, "19_upload_refused_zh.png")

"""The 自查清单 page, headless (Streamlit AppTest) on the corpus: reachable from the navigation and
from 单位画像, deep links by unit and report, the thin-evidence notes, links to every source, both
downloads, and Chinese only."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from ui.service.workspace import DEMO_CORPUS, Workspace

APP = str(Path(__file__).resolve().parent.parent / "ui" / "web" / "app.py")
PAGE = "views/briefing.py"
TIMEOUT = 300  # the first run brings the search index up to date
# What may be written in Latin letters on the page: report ids (hex) and the two file suffixes.
ALLOWED_LATIN = re.compile(r"\b[0-9a-f]{16}\b|\.(?:docx|xlsx)\b")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    root = tmp_path_factory.mktemp("briefing-ui")
    with Workspace(root) as ws:
        assert all(o.status == "ingested" for o in ws.ingest([DEMO_CORPUS]))
        ids = {s["unit_short"]: s["report_id"] for s in ws.reports()}
    mp = pytest.MonkeyPatch()
    mp.setenv("XUNCHA_HOME", str(root))
    yield ids
    mp.undo()


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(page: str = PAGE, **params) -> AppTest:
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    return run(at)


def plain(value: str) -> str:
    """What a reader sees of a Markdown/HTML block: no style sheet, no tags, no escapes."""
    value = re.sub(r"<style>.*?</style>", "", value, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", value)).replace("\\", "")


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [c.value for c in at.caption] + [t.value for t in at.title] + [s.value for s in at.subheader]
    parts += [e.label for e in at.expander] + [b.proto.label for b in at.get("download_button")]
    parts += [x.label for x in at.selectbox] + [x.label for x in at.text_input]
    parts += [p.proto.label for p in at.get("page_link")]
    return "\n".join(plain(p) for p in parts)


def links(at: AppTest) -> list[tuple[str, str, str]]:
    """(page, query string, label) of every page link on the page."""
    return [(p.proto.page, p.proto.query_string, p.proto.label) for p in at.get("page_link")]


def test_the_page_is_in_the_navigation_and_linked_from_the_unit_page(home):
    at = open_page("views/unit.py", report=home["张家界市文联"])
    assert any(page.endswith("briefing") and f"report={home['张家界市文联']}" in query
               for page, query, _ in links(at)), links(at)
    at = open_page()
    assert [t.value for t in at.title] == ["自查清单"]


def test_deep_link_by_report_shows_peers_types_sources_and_downloads(home):
    at = open_page(report=home["张家界市文联"])
    text = page_text(at)
    assert "张家界市文联" in text and "行业:文联" in text
    peers = next(m.value for m in at.markdown if "xc-peers" in m.value)
    assert re.findall(r"<li><b>([^<]+)</b>", peers)[:2] == ["庆阳市文联", "山东省作协"]
    assert "同为文联" in peers.split("</li>")[0]
    assert any("仅 2 个" in plain(w.value) for w in at.warning)
    labels = [plain(e.label) for e in at.expander]
    assert labels and labels[0].startswith("一、") and "3 个同类单位有此类问题" in labels[0]
    detail = [(q, label) for page, q, label in links(at) if page.endswith("detail")]
    others = [q for q, label in detail if not label.startswith("本单位")]
    assert len(others) >= 2 * len(labels)  # each listed problem and measure links to its source
    assert all(home["张家界市文联"] not in q for q in others)
    assert any(home["张家界市文联"] in q for q, label in detail if label.startswith("本单位"))
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["下载文档(.docx)", "下载表格(.xlsx)"]


def test_no_sector_peer_says_so(home):
    at = open_page(unit="桑植县政协")
    notes = [plain(w.value) for w in at.warning]
    assert any("没有同行业(政协)" in n for n in notes), notes
    assert at.query_params["unit"] in (["桑植县政协"], "桑植县政协")


def test_a_unit_outside_the_workspace_by_its_full_name(home):
    at = open_page()
    at.text_input(key="brief_other").input("中共湖南省作家协会党组")
    run(at)
    text = page_text(at)
    assert "湖南省作协" in text and "行业:作协" in text and "不在工作区中" in text
    peers = next(m.value for m in at.markdown if "xc-peers" in m.value)
    assert re.findall(r"<li><b>([^<]+)</b>", peers)[0] == "山东省作协"


def test_the_page_is_chinese_only(home):
    """No English of the app's own; Latin letters the reports themselves write (a measure's QQ群) are
    quotations, not interface."""
    from fixtures_build import corpus_latin_words

    quoted = corpus_latin_words()
    for params in ({"unit": "张家界市文联"}, {"unit": "桑植县政协", "level": "市"}):
        at = open_page(**params)
        latin = [w for w in re.findall(r"[A-Za-z]{2,}", ALLOWED_LATIN.sub("", page_text(at))) if w not in quoted]
        assert not latin, latin[:10]


def test_the_downloads_are_the_briefing_files(home):
    import docx
    from openpyxl import load_workbook

    from ui.service.briefing import build_briefing
    from ui.service.briefing_export import briefing_docx, briefing_xlsx

    at = open_page(unit="益阳市文旅广体局")
    assert len(at.get("download_button")) == 2
    import os
    with Workspace(os.environ["XUNCHA_HOME"]) as ws:
        b = build_briefing(ws, "益阳市文旅广体局").to_json()
    doc = docx.Document(io.BytesIO(briefing_docx(b)))
    assert doc.paragraphs[0].text == "自查清单:益阳市文旅广体局"
    assert load_workbook(io.BytesIO(briefing_xlsx(b)))["自查清单"].max_row == len(b["types"]) + 1


def test_markup_in_a_peers_name_and_problems_stays_text(tmp_path, monkeypatch):
    """A peer whose unit name, problem and document carry HTML (conftest.hostile_text): shown as text
    in the peer list, the examples and the links, never as markup."""
    from conftest import IMG, SCRIPT, corpus_file, ingest_hostile

    with Workspace(tmp_path / "ws") as ws:
        ingest_hostile(ws)
        ws.ingest([corpus_file("001"), corpus_file("002")])
    monkeypatch.setenv("XUNCHA_HOME", str(tmp_path / "ws"))
    at = open_page(unit="庆阳市文联")
    blocks = [m.value for m in at.markdown if m.proto.allow_html]
    assert blocks and not any("<script" in b or "<img" in b for b in blocks)
    peers = next(b for b in blocks if "xc-peers" in b)
    assert html.escape(SCRIPT) in peers  # the hostile unit is a peer (its name still says 文联), as text
    assert any(html.escape(IMG) in b for b in blocks), "the hostile problem is an example, escaped"

"""巡前研判 / 自查清单 on the corpus: peers by sector, level and kind, types ranked by peer units,
every example from another unit with its span, the target's own standing, the CLI contract and the
.docx/.xlsx exports (ui/service/briefing.py, ui/service/briefing_export.py, ui/cli/briefing.py)."""
from __future__ import annotations

import io
import json
import re

import pytest
from conftest import ROOT, assert_user_error, corpus_file, xuncha

from reports.shared.notices import XunchaError
from ui.service.briefing import build_briefing
from ui.service.briefing_export import ITEM_STYLE, SOURCE_STYLE, briefing_docx, briefing_xlsx, write_briefing
from ui.service.workspace import DEMO_CORPUS, Workspace

UNITS = ("张家界市文联", "庆阳市文联", "山东省作协", "桑植县政协", "益阳市文旅广体局")
CONTRACT_TYPE_KEYS = {"type", "peer_units", "examples", "measures", "target"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """The five corpus reports (the briefing reads the store only: no index needed)."""
    root = tmp_path_factory.mktemp("briefing") / "ws"
    with Workspace(root) as w:
        assert all(o.status == "ingested" for o in w.ingest([DEMO_CORPUS]))
        yield w


@pytest.fixture(scope="module")
def briefings(ws):
    return {u: build_briefing(ws, u).to_json() for u in UNITS}


def leaf_types(ws) -> dict[str, dict[str, set[str]]]:
    """display name -> type id -> problem ids: computed here from the store, not by the service."""
    rows = ws.store.problem_rows()
    parents = {(r["report_id"], r["parent_id"]) for r in rows if r["parent_id"]}
    out: dict[str, dict[str, set[str]]] = {}
    for r in rows:
        if (r["report_id"], r["id"]) in parents or r["item_kind"] != "problem":
            continue
        for t in r["type_ids"]:
            out.setdefault(r["unit_short"], {}).setdefault(t, set()).add(f"{r['report_id']}/{r['id']}")
    return out


def test_zhangjiajie_peers_are_led_by_the_literary_federations(briefings):
    b = briefings["张家界市文联"]
    names = [p["unit_short"] for p in b["peers"]]
    assert names[:2] == ["庆阳市文联", "山东省作协"], names
    assert b["peers"][0]["relation"] == "sector" and "同为文联" in b["peers"][0]["why"]
    assert b["peers"][1]["relation"] == "family" and "文艺界联合会" in b["peers"][1]["why"]
    assert "同为市级单位" in b["peers"][0]["why"] and "同为被巡察单位" in b["peers"][0]["why"]
    assert "桑植县政协" not in names and "张家界市文联" not in names
    assert b["sector"]["name"] == "文联" and b["fallback"] is False
    assert b["thin"] is True and any("仅 2 个" in n for n in b["notes"]), b["notes"]  # two of its sector family


def test_sangzhi_has_no_sector_peer_and_falls_back_to_level_and_kind(briefings):
    b = briefings["桑植县政协"]
    assert b["sector"]["name"] == "政协"
    assert b["fallback"] is True and b["thin"] is True
    assert any("没有同行业(政协)" in n and "同层级或同类型" in n for n in b["notes"]), b["notes"]
    assert b["peers"], "a fallback still names peers"
    for p in b["peers"]:
        assert p["relation"] == "none"
        assert p["kind"] == "巡察" and "同为被巡察单位" in p["why"]  # no 县 peer: the same kind
    assert b["peers"][0]["unit_short"] == "张家界市文联"  # the same kind and the same city (桑植县 is in 张家界)
    assert "同在张家界市" in b["peers"][0]["why"]


def test_types_are_ranked_by_peer_units_counted_from_the_store(ws, briefings):
    truth = leaf_types(ws)
    for unit, b in briefings.items():
        counts = [t["peer_units"] for t in b["types"]]
        assert counts == sorted(counts, reverse=True), unit
        peers = {p["unit_short"] for p in b["peers"]}
        for t in b["types"]:
            having = {u for u in peers if t["type_id"] in truth.get(u, {})}
            assert t["peer_units"] == len(having) and set(t["peer_names"]) == having, (unit, t["type"])
            assert t["problems"] == sum(len(truth[u][t["type_id"]]) for u in having)
            assert set(t) >= CONTRACT_TYPE_KEYS
        # every type some peer had is listed
        assert {t["type_id"] for t in b["types"]} == {x for u in peers for x in truth.get(u, {})}


def test_ranking_is_by_units_not_lines(briefings):
    """益阳 has many more problems than the literary federations: a type only it had never outranks
    one every peer had."""
    b = briefings["张家界市文联"]
    top = b["types"][0]
    assert top["peer_units"] == len(b["peers"])
    single = [t for t in b["types"] if t["peer_units"] == 1]
    assert single and all(t["note"].startswith("仅 1 个同类单位") for t in single)
    assert b["types"].index(single[0]) > b["types"].index(top)


def test_every_listed_problem_is_another_units_and_carries_its_span(ws, briefings):
    for unit, b in briefings.items():
        own = set(b["report_ids"])
        peer_reports = {rid for p in b["peers"] for rid in p["report_ids"]}
        assert own and not own & peer_reports
        for t in b["types"]:
            assert 1 <= len(t["examples"]) <= 3
            assert len(t["examples"]) >= min(2, t["problems"]), t["type"]  # 2-3 when there are that many
            for item in t["examples"] + t["measures"]:
                assert item["report_id"] in peer_reports and item["unit_short"] != b["unit_short"]
                start, end = item["span"]
                source = ws.report(item["report_id"]).text[start:end]
                text, spanned = "".join(item["text"].split()), "".join(source.split())
                # the span is the item's own source text (a measure's span may keep its closing ;)
                assert text in spanned and len(spanned) - len(text) <= 2, (unit, item, source)
                assert item["link"] == f"detail?report={item['report_id']}&problem={item['problem_id']}"
            names = [e["unit_short"] for e in t["examples"]]
            assert len(set(names)) == min(len(names), t["peer_units"])  # one per peer unit before a second


def test_measures_are_the_most_concrete_of_the_type(ws, briefings):
    from reports.analysis.concreteness import assess

    b = briefings["张家界市文联"]
    with_measures = [t for t in b["types"] if t["measures"]]
    assert len(with_measures) >= len(b["types"]) // 2
    for t in with_measures:
        for m in t["measures"]:
            assert 0 < m["concreteness"] <= 1
            assert m["problem_id"] in {pid.split("/")[1] for u in t["peer_names"]
                                       for pid in leaf_types(ws)[u][t["type_id"]] if pid.startswith(m["report_id"])}
    # the score is reports.analysis.concreteness.assess of the measure alone
    m = with_measures[0]["measures"][0]
    report = ws.report(m["report_id"])
    problem = report.find_problem(m["problem_id"])
    measure = next(x for x in problem.measures if list(x.span) == m["span"])
    from dataclasses import replace
    alone = replace(problem, rectification=measure.text, rectification_span=measure.span, measures=[])
    assert round(assess(alone, report.text, ws.stored_mentions(m["report_id"])).score, 3) == m["concreteness"]


def test_the_target_says_whether_it_had_the_type(ws, briefings):
    truth = leaf_types(ws)
    for unit, b in briefings.items():
        for t in b["types"]:
            had = t["type_id"] in truth.get(unit, {})
            assert t["target"]["had"] is had, (unit, t["type"])
            assert len(t["target"]["problems"]) == len(truth.get(unit, {}).get(t["type_id"], ()))
    # 山东省作协 states 需要长期坚持 for some of its problems: the least advanced status is shown
    statuses = {t["target"]["status_code"] for t in briefings["山东省作协"]["types"]}
    assert "long_term" in statuses


def test_a_unit_outside_the_workspace_by_its_full_name(ws):
    b = build_briefing(ws, "中共湖南省作家协会党组").to_json()
    assert b["in_workspace"] is False and b["report_ids"] == []
    assert b["sector"]["name"] == "作协" and b["level"] == "省" and b["kind"] == "巡视" and b["kind_inferred"]
    assert b["peers"][0]["unit_short"] == "山东省作协"
    assert b["peers"][0]["why"].startswith("同为作协;同为省级单位;同为被巡视单位")
    assert all(t["target"]["had"] is False and t["target"]["known"] is False for t in b["types"])
    assert any("不在工作区中" in n for n in b["notes"])
    health = build_briefing(ws, "中共张家界市卫生健康委员会党组").to_json()
    assert health["sector"]["name"] == "卫生健康" and health["fallback"] is True
    assert health["peers"] and all(p["relation"] == "none" for p in health["peers"])


def test_another_spelling_of_a_stored_unit_is_that_unit(ws):
    b = build_briefing(ws, "甘肃省庆阳市文学艺术界联合会").to_json()
    assert b["in_workspace"] is True and b["unit_short"] == "庆阳市文联"
    assert "庆阳市文联" not in [p["unit_short"] for p in b["peers"]]


def test_sector_and_level_options(ws):
    b = build_briefing(ws, "桑植县政协", sector="文联").to_json()
    assert b["fallback"] is False and b["sector"]["name"] == "文联"
    assert [p["unit_short"] for p in b["peers"]][:2] == ["张家界市文联", "庆阳市文联"]
    only_province = build_briefing(ws, "张家界市文联", level="省级").to_json()
    assert [p["unit_short"] for p in only_province["peers"]] == ["山东省作协"]
    assert {t["peer_units"] for t in only_province["types"]} == {1}
    county = build_briefing(ws, "张家界市文联", level="县").to_json()  # no 县 文联: the 县 units of its kind
    assert county["fallback"] is True and [p["unit_short"] for p in county["peers"]] == ["桑植县政协"]
    assert any("没有同行业(文联)的县级单位,改以同为被巡察单位的县级单位作参照" in n for n in county["notes"])


@pytest.mark.parametrize("kwargs,code", [
    ({"unit": "文联"}, "unit_ambiguous"),
    ({"unit": "某某单位"}, "unit_unrecognised"),
    ({"unit": "张家界市文联", "sector": "航天"}, "unknown_sector"),
    ({"unit": "张家界市文联", "level": "乡"}, "bad_level"),
    ({"unit": "张家界市文联", "kind": "检查"}, "bad_kind"),
])
def test_bad_input_is_a_coded_error(ws, kwargs, code):
    with pytest.raises(XunchaError) as exc:
        build_briefing(ws, **kwargs)
    assert exc.value.code == code
    assert exc.value.chinese()


def test_two_rounds_of_one_unit_are_one_unit_never_its_own_peer(tmp_path):
    later = ROOT / "tests" / "data" / "recurring" / "zhangjiajie_wenlian_2023.txt"
    with Workspace(tmp_path / "ws") as w:
        w.ingest([corpus_file("000"), later, corpus_file("001"), corpus_file("003")])
        b = build_briefing(w, "张家界市文联").to_json()
    assert len(b["report_ids"]) == 2
    assert [p["unit_short"] for p in b["peers"]] == ["庆阳市文联"]  # 桑植县政协 shares no sector
    assert all(e["report_id"] not in b["report_ids"] for t in b["types"] for e in t["examples"])


# -- exports -----------------------------------------------------------------------------------------

def test_docx_holds_the_same_items_with_headings_numbers_and_sources(briefings, tmp_path):
    import docx

    b = briefings["张家界市文联"]
    path = write_briefing(b, tmp_path / "清单.docx")
    doc = docx.Document(str(path))
    paras = doc.paragraphs
    assert paras[0].style.name == "Title" and "张家界市文联" in paras[0].text
    headings = [p.text for p in paras if p.style.name == "Heading 2"]
    assert len(headings) == len(b["types"])
    for h, t in zip(headings, b["types"], strict=True):
        assert t["type"] in h and f"{t['peer_units']} 个同类单位" in h
    items = [p.text for p in paras if p.style.name == ITEM_STYLE]
    sources = [p.text for p in paras if p.style.name == SOURCE_STYLE]
    listed = [x for t in b["types"] for x in t["examples"] + t["measures"]]
    assert len(items) == len(b["peers"]) + len(listed) and len(sources) == len(listed)
    for text, source, x in zip(items[len(b["peers"]):], sources, listed, strict=True):
        assert text.split(". ", 1)[0].isdigit() and x["text"] in text
        assert x["report_id"] in source and f"问题 {x['problem_id']}" in source and str(x["span"][0]) in source
    body = "\n".join(p.text for p in paras)
    assert all(p["why"] in body for p in b["peers"]) and all(n in body for n in b["notes"])
    assert docx.Document(io.BytesIO(briefing_docx(b))).paragraphs[0].text == paras[0].text


def test_xlsx_holds_one_row_per_type_and_one_per_item(briefings):
    from openpyxl import load_workbook

    b = briefings["桑植县政协"]
    wb = load_workbook(io.BytesIO(briefing_xlsx(b)))
    assert wb.sheetnames == ["自查清单", "典型问题与做法", "同类单位", "说明"]
    rows = list(wb["自查清单"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [t["type"] for t in b["types"]]
    assert [r[3] for r in rows] == [t["peer_units"] for t in b["types"]]
    items = list(wb["典型问题与做法"].iter_rows(min_row=2, values_only=True))
    assert len(items) == sum(len(t["examples"]) + len(t["measures"]) for t in b["types"])
    assert all(r[7] and r[8] and r[9] is not None for r in items)  # report, problem, span start
    peers = list(wb["同类单位"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in peers] == [p["unit_short"] for p in b["peers"]]
    notes = [r[1] for r in wb["说明"].iter_rows(values_only=True) if r[0] == "说明"]
    assert notes == b["notes"]


# -- the command line ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_ws(ws):
    return ws.root


def test_cli_json_has_the_contract_keys(cli_ws):
    proc = xuncha("briefing", "张家界市文联", "--json", ws=cli_ws)
    assert proc.returncode == 0, proc.stderr
    b = json.loads(proc.stdout)
    assert {"unit", "peers", "thin", "types"} <= set(b)
    assert all({"unit", "unit_short", "why"} <= set(p) for p in b["peers"])
    for t in b["types"]:
        assert set(t) >= CONTRACT_TYPE_KEYS and isinstance(t["peer_units"], int)
        assert all({"report_id", "problem_id", "unit_short", "text"} <= set(e) for e in t["examples"])
        assert all({"text", "concreteness", "unit_short"} <= set(m) for m in t["measures"])
        assert {"had", "status_code"} <= set(t["target"])


def test_cli_text_is_chinese_and_exports_both_files(cli_ws, tmp_path):
    import docx
    from openpyxl import load_workbook

    out_docx, out_xlsx = tmp_path / "a.docx", tmp_path / "a.xlsx"
    proc = xuncha("briefing", "桑植县政协", "--export", str(out_docx), "--export", str(out_xlsx), ws=cli_ws)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("自查清单:桑植县政协")
    assert any(line.startswith("注意:没有同行业(政协)") for line in lines)
    assert any(line.startswith("一、") for line in lines) and "来源:" in proc.stdout
    # concreteness as a grade a reader knows (较具体(4.1 分)), never a raw 0.83
    grades = re.findall(r"具体程度 ([^)]*\))", proc.stdout)
    assert grades and all(re.fullmatch(r"(?:空泛|较空泛|一般|较具体|具体)\(\d\.\d 分\)", g) for g in grades)
    assert docx.Document(str(out_docx)).paragraphs[0].text == "自查清单:桑植县政协"
    assert load_workbook(out_xlsx).sheetnames[0] == "自查清单"
    assert f"已写入 {out_docx}" in proc.stderr


def test_cli_bad_input_is_one_chinese_line(cli_ws, tmp_path):
    assert_user_error(xuncha("briefing", "张家界市文联", "--export", str(tmp_path / "x.pdf"), ws=cli_ws),
                      "x.pdf", ".docx")
    assert not (tmp_path / "x.pdf").exists()
    assert_user_error(xuncha("briefing", "张家界市文联", "--sector", "航天", ws=cli_ws), "未知的行业")
    assert_user_error(xuncha("briefing", "文联", ws=cli_ws), "不唯一")

"""Issue 9: every header form, Traditional Chinese and crawler glosses, each on a line from the dev
set or the corpus where one exists, otherwise a line written from the form's description."""
from __future__ import annotations

import json
from pathlib import Path

import opencc
import pytest
from conftest import CORPUS_FILES

from reports.grammar.normalize import normalize
from reports.grammar.teams import find_teams, parse_team
from reports.parse import parse_text
from reports.parse.dates import find_dates, resolve_sequence
from reports.read import read_bytes, read_source
from reports.store.serialize import report_to_json

DEVSET = Path("/work/shared/devset/openings.jsonl")
S2T = opencc.OpenCC("s2t").convert


def opening(team: str, target: str = "区财政局党组", dates: str = "2024年3月15日至6月12日",
            feedback: str = "2024年8月13日") -> str:
    return (f"根据区委统一部署,{dates},{team}对{target}开展了巡察。{feedback},巡察组向{target}反馈了巡察意见。\n"
            "一、整改工作情况\n二、巡察反馈问题整改进展情况\n(一)反馈问题:学习不够\n1.学习不够深入。\n整改情况:一是加强学习。")


@pytest.mark.parametrize("written, canonical, round_", [
    ("巡察二组", "区委第二巡察组", None),
    ("巡视二组", "区委第二巡视组", None),
    ("县委巡察三组", "县委第三巡察组", None),                         # dev set (闽清 page)
    ("市委第四轮第五巡察组", "市委第五巡察组", "市委第四轮"),
    ("十二届市委第一巡察组", "市委第一巡察组", "十二届市委"),
    ("九届区委第一轮常规巡察第四巡察组", "区委第四巡察组", "九届区委第一轮"),  # dev set (卫东 page)
    ("专项巡察组", "区委专项巡察组", None),
    ("区委营商环境专项巡察组", "区委营商环境专项巡察组", None),         # dev set (南沙 page)
    ("机动巡察组", "区委机动巡察组", None),
    ("提级交叉巡察组", "区委提级交叉巡察组", None),
    ("对村巡察第四组", "区委对村巡察第四组", None),
    ("区委4个巡察组", "区委4个巡察组", None),
    ("中央第八巡视组", "中央第八巡视组", None),
    ("省委第十一巡视组", "省委第十一巡视组", None),
    ("州委第二巡察组", "州委第二巡察组", None),
    ("盟委第三巡察组", "盟委第三巡察组", None),
    ("旗委第一巡察组", "旗委第一巡察组", None),
    ("县委第12巡察组", "县委第十二巡察组", None),
])
def test_team_forms_in_an_opening(written, canonical, round_):
    team = parse_team(written)
    assert team is not None and team.text == written and team.canonical("区委") == canonical
    assert team.round == round_
    r = parse_text(opening(written))
    assert r.inspection.inspector == canonical
    assert r.inspection.inspector_text == written


def test_two_teams_in_one_report():
    teams = find_teams("市委第一巡察组、第六巡察组分别对")
    assert [t.canonical() for t in teams] == ["市委第一巡察组", "市委第六巡察组"]
    r = parse_text(opening("第一巡察组、第六巡察组"))
    assert r.inspection.inspector == "区委第一巡察组、区委第六巡察组"


def test_team_grammar_is_the_one_the_entities_and_graph_use():
    from graph.names import is_generic_team, qualify_team
    from reports.entities import extract_entities
    assert qualify_team("市委第三巡察组", "湖南省张家界市") == "张家界市委第三巡察组"
    assert is_generic_team("市委巡察组") and not is_generic_team("市委专项巡察组")
    teams = [m.canonical for m in extract_entities("市委巡察组第三组对市文联开展了巡察。",
                                                    unit="中共张家界市文学艺术界联合会党组")
             if m.type == "inspection_team"]
    assert teams == ["张家界市委第三巡察组"]
    # a one-character county keeps its level (攸县县委), in the entity reader and the graph alike
    teams = [m.canonical for m in extract_entities("县委第一巡察组对县财政局开展了巡察。", unit="中共攸县财政局党组")
             if m.type == "inspection_team"]
    assert teams == [qualify_team("县委第一巡察组", "湖南省株洲市攸县")] == ["攸县县委第一巡察组"]


@pytest.mark.parametrize("dates, start, end", [
    ("2024年3月至6月", "2024-03", "2024-06"),
    ("2024年3月上旬至5月下旬", "2024-03", "2024-05"),
    ("2023年12月至2024年2月", "2023-12", "2024-02"),
    ("2023年11月28日至2024年3月20日", "2023-11-28", "2024-03-20"),       # dev set (汕头 page)
    ("2024年3月17日至3月22日、5月5日至7月12日", "2024-03-17", "2024-07-12"),
    ("2024年9月6日至11月20日", "2024-09-06", "2024-11-20"),             # dev set: end year carried
])
def test_inspection_date_forms(dates, start, end):
    r = parse_text(opening("区委第一巡察组", dates=dates, feedback="2024年8月13日" if "2023" not in dates
                           else "2024年4月13日"))
    assert (r.inspection.start.iso, r.inspection.end.iso) == (start, end)


def test_year_inferred_from_the_report_date_and_never_after_it():
    text = ("根据区委统一部署,11月5日至12月20日,区委第一巡察组对区财政局党组开展了巡察。1月8日,巡察组向区财政局党组"
            "反馈了巡察意见。\n一、整改工作情况\n加强学习。\n中共区财政局党组\n2025年3月1日")
    r = parse_text(text)
    assert (r.inspection.start.iso, r.inspection.end.iso, r.inspection.feedback.iso) == \
        ("2024-11-05", "2024-12-20", "2025-01-08")
    assert r.inspection.start.year_inferred


def test_month_dates_do_not_read_durations():
    assert [d.text for d in find_dates("历时3个月,2024年3月10日")] == ["2024年3月10日"]
    assert [v.iso for v in resolve_sequence(find_dates("6月中旬"), 2024)] == ["2024-06"]


def test_feedback_told_in_the_next_paragraph():
    # dev set (昆明 page): the feedback sentence opens the paragraph after the opening.
    text = ("根据区委统一安排部署,2021年11月8日至12月20日,区委第一巡察组对区民政局党组开展常规巡察。\n"
            "2022年1月27日,区委第一巡察组向区民政局党组反馈巡察情况。\n一、整改情况\n加强学习。")
    assert parse_text(text).inspection.feedback.iso == "2022-01-27"


@pytest.mark.parametrize("target, feedback_to, unit", [
    ("东昌府区", "东昌府区委", "东昌府区委"),                     # dev set: a place means its party committee
    ("芜湖市", "芜湖市", "芜湖市委"),
    ("内蒙古自治区", "内蒙古自治区党委", "内蒙古自治区党委"),
    ("龙穴街道党工委及延伸对龙穴社区党支部", "龙穴街道党工委", "龙穴街道党工委"),
    ("洪梅镇党委和10个村(社区)党组织", "洪梅镇党委", "洪梅镇党委"),
    ("市人力资源和社会保障局党组", "市人力资源和社会保障局党组", "市人力资源和社会保障局党组"),
    ("县委宣传部(含县融媒体中心、县社科联)", "县委宣传部", "县委宣传部(含县融媒体中心、县社科联)"),
    ("中共明珠湾开发建设管理局(简称明珠湾管理局)党组", "明珠湾管理局党组", "中共明珠湾开发建设管理局党组"),
    ("区民政局、区科信局等4家单位", "各单位", None),
])
def test_unit_from_the_opening(target, feedback_to, unit):
    text = (f"根据省委统一部署,2022年11月14日至2023年1月13日,省委第六巡视组对{target}开展了常规巡视。"
            f"2023年3月23日,省委巡视组向{feedback_to}反馈了巡视意见。\n一、整改情况\n加强学习。")
    assert parse_text(text).unit == unit


def test_unit_when_the_opening_says_we():
    body = ("根据市委统一部署,2024年3月15日至6月12日,市委第一巡察组对我局开展了巡察。2024年8月13日,巡察组向我局"
            "反馈了巡察意见。\n一、整改情况\n加强学习。")
    assert parse_text(body).unit is None
    assert parse_text("发布机构:益阳市财政局\n" + body).unit == "益阳市财政局"
    assert parse_text("文件名称:中共益阳市财政局党组关于巡察整改进展情况的通报\n" + body).unit == "中共益阳市财政局党组"
    assert parse_text(body + "\n中共益阳市财政局党组\n2024年12月1日").unit == "中共益阳市财政局党组"


def test_two_units_reporting_jointly():
    title = "中共益阳市财政局党组、中共益阳市税务局党组关于巡察整改进展情况的通报\n"
    body = ("根据市委统一部署,2024年3月15日至6月12日,市委第一巡察组对我们开展了联合巡察。\n一、整改情况\n加强学习。")
    assert parse_text(title + body).unit == "中共益阳市财政局党组、中共益阳市税务局党组"
    signed = body + "\n中共益阳市财政局党组\n中共益阳市税务局党组\n2024年12月1日"
    assert parse_text(signed).unit == "中共益阳市财政局党组、中共益阳市税务局党组"


def test_a_leaders_share_is_not_the_total():
    # dev set pattern (武汉 page): the secretary's own share of the problems.
    text = opening("区委第一巡察组").replace("一、整改工作情况", "一、整改工作情况\n区委书记带头领办3个问题。")
    assert parse_text(text).stated_value("problems") is None


def test_pinyin_glosses_are_removed_with_spans_kept():
    original = "加強衛(wèi)生（shēng）管理(a)"
    text, offsets = normalize(original)
    assert text == "加強衛生管理(a)"
    assert original[slice(*offsets.span_to_original((3, 5)))].startswith("生")


def _records(text: str) -> dict:
    d = report_to_json(parse_text(text))
    for key in ("report_id", "script"):
        d.pop(key)
    return d


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name[:3])
def test_corpus_in_traditional_parses_to_the_same_records(path):
    text = read_source(path).text
    traditional = S2T(text)
    assert traditional != text
    r = parse_text(traditional)
    assert r.script == "traditional" and r.display_text == traditional and len(r.text) == len(traditional)
    assert _records(traditional) == _records(text)
    p = next(r.problems())
    assert traditional[p.span[0]:p.span[1]] == S2T(p.text)[:p.span[1] - p.span[0]] or "\n" in text[slice(*p.span)]


@pytest.mark.skipif(not DEVSET.exists(), reason="dev set not present")
def test_dev_pages_in_traditional_parse_to_the_same_records():
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    for n, row in enumerate(rows):
        text = read_bytes(row["text"].encode("utf-8"), f"p{n}.txt").text
        assert _records(S2T(text)) == _records(text), row["url"]


def test_simplified_text_is_not_converted():
    for path in CORPUS_FILES:
        assert parse_text(read_source(path).text).script == "simplified"

"""Header fields in the forms an outside author's openings use (session 7): each rule on a small text
built from the form's description, read the way `xuncha parse` reads a file (bytes -> read -> parse)."""
from __future__ import annotations

import pytest

from reports.grammar.noise import is_publish_info
from reports.grammar.teams import find_teams
from reports.parse import parse_source
from reports.parse.counts import find_stated_counts
from reports.read import read_bytes


def parse(text: str):
    return parse_source(read_bytes(text.encode("utf-8"), "opening.txt"))


def page(dates: str = "2024年3月15日至6月12日", feedback: str = "2024年8月13日", team: str = "区委第三巡察组",
         counts: str = "", target: str = "区财政局党组", byline: str = "") -> str:
    return (f"中共某区财政局党组关于巡察整改进展情况的通报\n{byline}\n根据区委统一部署,{dates},{team}对{target}开展了"
            f"常规巡察。{feedback},巡察组向局党组反馈了巡察意见。\n一、整改工作总体情况\n{counts}\n二、反馈问题整改情况\n"
            "(一)学习方面\n1.学习不够深入。整改情况:已完成整改。\n(二)作风方面\n1.作风不实。整改情况:正在整改。")


def stated(sentence: str) -> dict[str, int]:
    text = read_bytes(sentence.encode("utf-8"), "s.txt").text
    out: dict[str, int] = {}
    for c in find_stated_counts(text, 0, len(text)):
        out.setdefault(c.key, c.value)
    return out


@pytest.mark.parametrize("dates, start, end", [
    ("2024.3.15—6.12", "2024-03-15", "2024-06-12"),            # dotted, year once
    ("2024-03-15至06-12", "2024-03-15", "2024-06-12"),         # ISO, year once
    ("2024/3/15～6/12", "2024-03-15", "2024-06-12"),           # slash, full-width tilde
    ("2024年3月15日——6月12日", "2024-03-15", "2024-06-12"),     # double dash
    ("2024年3月15日–6月12日", "2024-03-15", "2024-06-12"),      # en dash
    ("二〇二四年三月十五日至六月十二日", "2024-03-15", "2024-06-12"),  # Chinese numerals, year once
    ("二〇二四年十一月中旬至十二月下旬", "2024-11", "2024-12"),     # Chinese numerals, by 旬
    ("二〇二四年三月至六月", "2024-03", "2024-06"),                # Chinese numerals, by month
    ("自2024年3月15日起至6月12日", "2024-03-15", "2024-06-12"),     # 起至
    ("2024年11月15日至2025年1月12日", "2024-11-15", "2025-01-12"),  # two years
    ("3月15日至6月12日", "2024-03-15", "2024-06-12"),            # year only on the feedback date after
    ("2024年3—6月", "2024-03", "2024-06"),                        # one 月 for both months
    ("2024.3—2024.6", "2024-03", "2024-06"),                      # dotted months
    ("2024.03-2024.06", "2024-03", "2024-06"),
])
def test_range_notations(dates, start, end):
    insp = parse(page(dates=dates)).inspection
    assert (insp.start.iso, insp.end.iso, insp.feedback.iso) == (start, end, "2024-08-13")


def test_year_told_after_the_range_steps_back_over_new_year():
    insp = parse(page(dates="11月15日至12月20日", feedback="2025年2月10日")).inspection
    assert (insp.start.iso, insp.end.iso) == ("2024-11-15", "2024-12-20") and insp.start.year_inferred


def test_a_modifier_of_a_special_inspection_may_be_long():
    r = parse(page().replace("开展了常规巡察", "开展了水利工程建设和资金管理专项巡察"))
    assert r.inspection.start.iso == "2024-03-15" and r.inspection.kind == "巡察"


def test_a_posts_timestamp_is_its_byline_and_dates_this_year():
    assert is_publish_info("原创 清风某县 清风某县 2025年06月18日 17:45 浙江")
    assert is_publish_info("某某发布 2025-05-14 17:30")
    assert not is_publish_info("2025年6月18日,市委第三巡察组向局党组反馈了巡察意见,会议于17:45结束。" * 2)
    r = parse(page(dates="今年4月7日至6月6日", feedback="8月5日", byline="清廉某区 2025年09月22日 18:02 重庆"))
    assert (r.inspection.start.iso, r.inspection.end.iso, r.inspection.feedback.iso) == \
        ("2025-04-07", "2025-06-06", "2025-08-05")


def test_last_year_is_the_year_before_the_post():
    r = parse(page(dates="去年4月7日至6月6日", feedback="8月5日", byline="某某发布 2025-03-02 09:00"))
    assert (r.inspection.start.iso, r.inspection.feedback.iso) == ("2024-04-07", "2024-08-05")


@pytest.mark.parametrize("team, inspector", [
    ("建德市委第二巡察组", "建德市委第二巡察组"),       # another place's team: cross inspection
    ("攸县县委第一巡察组", "攸县县委第一巡察组"),
    ("集团党委第二巡察组", "集团党委第二巡察组"),       # an enterprise group's own team
    ("集团公司党委第一巡察组", "集团公司党委第一巡察组"),
    ("自治区党委第七巡视组", "自治区党委第七巡视组"),
    ("县委第一专项巡察组", "县委第一专项巡察组"),       # numbered and special
    ("县委第三交叉巡察组", "县委第三交叉巡察组"),
])
def test_inspector_forms(team, inspector):
    assert parse(page(team=team)).inspection.inspector == inspector


def test_a_place_is_only_taken_whole_and_right_before_the_level():
    teams = find_teams("中共佛山市南海区委关于省委第二巡视组巡视反馈意见")
    assert [(t.text, t.place) for t in teams] == [("省委第二巡视组", None)]
    assert find_teams("建德市委第二巡察组")[0].span == (0, 9)


def test_we_with_a_party_organ_is_no_unit():
    r = parse(page(target="我局党组").replace("中共某区财政局党组关于", "关于"))
    assert r.unit is None


@pytest.mark.parametrize("sentence, problems, completed", [
    ("巡察反馈问题共计29个,已完成整改24个、正在推进5个。", 29, 24),                 # 共计
    ("反馈问题十二个,已整改完成十个,其余两个问题正在推进。", 12, 10),                # a remainder is no total
    ("截至目前,已整改完成14个,剩余2个问题正在推进。反馈问题16个。", 16, 14),
    ("对反馈的3个方面12项问题,已整改10项,剩余2项正在推进。", 12, 10),
    ("巡察反馈问题9个,已全部整改完成。", 9, 9),                                    # all done, no number
    ("反馈问题18个,其中立行立改问题均已整改完成。", 18, None),                      # ...of a separate scope only
    ("移交问题线索3件,反馈问题21个,已整改到位19个。", 21, 19),                       # clues are not problems
    ("针对反馈的3个方面13个问题,细化整改任务42项。截至10月底,已整改销号11个。", 13, 11),
    ("针对反馈的共6大类29项问题,分解整改任务81项。已整改27项,2项正在推进。", 29, 27),  # 项 of problems
    ("细化整改任务142项,已完成129项,完成率90.8%。", None, None),                  # tasks, not problems
    ("制定整改措施176项。截至4月底,已完成158项,其余18项正在推进。", None, None),
    ("整改完成率91%。", None, None),
    ("反馈问题分为4个方面。", None, None),
    ("反馈问题20个,其中已完成整改16个,基本完成3个,阶段性完成1个。", 20, 16),
    ("反馈问题18个,已整改完毕16个,整改率88.9%。", 18, 16),
])
def test_stated_counts(sentence, problems, completed):
    text = read_bytes(sentence.encode("utf-8"), "s.txt").text
    counts = find_stated_counts(text, 0, len(text))
    first = {}
    for c in counts:
        first.setdefault(c.key, c.value)
    assert (first.get("problems"), first.get("completed")) == (problems, completed)


def test_task_counts_done_are_kept_as_tasks():
    assert stated("细化整改任务142项,已完成129项。") == {"tasks": 142, "tasks_completed": 129}


def test_a_timed_sentence_is_not_a_byline():
    assert not is_publish_info("2024年8月13日 15:00,召开巡察反馈会议")


def test_a_cross_inspection_team_keeps_its_own_place_as_an_entity():
    from reports.entities import extract_entities
    r = parse(page(team="建德市委第二巡察组").replace("中共某区财政局党组", "中共桐庐县分水镇委员会"))
    teams = [m.canonical for m in extract_entities(r.text, unit=r.unit) if m.type == "inspection_team"]
    assert teams and set(teams) == {"建德市委第二巡察组"}

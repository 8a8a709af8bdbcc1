"""Audit findings on the corpus and on edited copies of it (issue 16)."""
from __future__ import annotations

import pytest

from reports.analysis.audit import AUDIT_CODES, SEVERITY, audit_report
from reports.parse import parse_text
from reports.shared.notices import MESSAGES

REPORT_LEVEL = {"count_conflict", "count_mismatch", "truncated", "date_order"}


def codes(findings, problem_level: bool = False) -> set[str]:
    return {f.code for f in findings if (f.problem_id is not None) == problem_level}


def test_zhangjiajie_states_two_totals(corpus_reports):
    findings = audit_report(corpus_reports["000"])
    conflict = [f for f in findings if f.code == "count_conflict"]
    assert len(conflict) == 1
    assert sorted(s["value"] for s in conflict[0].evidence["statements"]) == [12, 13]
    assert "12" in conflict[0].message and "13" in conflict[0].message


def test_qingyang_is_truncated_and_short_of_its_count(corpus_reports):
    findings = audit_report(corpus_reports["001"])
    assert {"truncated", "count_mismatch"} <= codes(findings)
    mismatch = next(f for f in findings if f.code == "count_mismatch" and f.evidence["key"] == "problems")
    assert (mismatch.evidence["stated"], mismatch.evidence["found"]) == (25, 7)


def test_sangzhi_is_clean(corpus_reports):
    assert not codes(audit_report(corpus_reports["003"])) & (REPORT_LEVEL | {"status_sum"})


def test_feedback_before_inspection_breaks_date_order(corpus_reports):
    text = corpus_reports["003"].text
    assert "2020年7月27日,市委巡察组" in text
    report = parse_text(text.replace("2020年7月27日,市委巡察组", "2020年4月27日,市委巡察组"))
    findings = [f for f in audit_report(report) if f.code == "date_order"]
    assert findings, "feedback moved before the inspection must be reported"
    assert findings[0].evidence["dates"]["feedback"]["iso"] == "2020-04-27"
    assert "反馈" in findings[0].message


def test_status_counts_that_do_not_add_up(corpus_reports):
    text = corpus_reports["003"].text.replace("已完成整改35个", "已完成整改33个")
    findings = [f for f in audit_report(parse_text(text)) if f.code == "status_sum"]
    assert len(findings) == 1
    assert findings[0].evidence["sum"] == 36 and findings[0].evidence["stated_total"] == 38


SMALL = """根据市委统一部署,2021年3月1日至4月30日,市委第一巡察组对某某局党组进行了巡察。2021年5月20日,巡察组反馈了意见。
截至9月30日,反馈的3个问题已完成整改3个。
二、巡察反馈问题整改进展情况
(一)政治建设方面
1.理论学习不深入。
整改情况:一是进一步加强学习。二是此项工作需要长期坚持。
2.财务管理不规范。
整改情况:2021年6月10日印发《某某局财务报销管理办法》,清退违规发放补贴12000元,对2名责任人进行诫勉谈话。
3.会议记录不完整。
某某局党组
2021年10月8日
"""


def test_problem_level_findings_on_a_small_report():
    report = parse_text(SMALL)
    assert report.found()["problems"] == 3
    findings = audit_report(report)
    by_problem = {(f.problem_id, f.code) for f in findings}
    assert ("1", "vague_rectification") in by_problem
    assert ("1", "status_contradiction") in by_problem   # all 3 reported done, yet 长期坚持
    assert ("3", "no_measures") in by_problem
    assert not {code for pid, code in by_problem if pid == "2"}
    assert not codes(findings) & REPORT_LEVEL


@pytest.mark.parametrize("code", AUDIT_CODES)
def test_every_code_has_a_chinese_message(code):
    assert SEVERITY[code] in ("error", "warning", "info")
    english, chinese = MESSAGES[code]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english)


def test_findings_serialise_to_the_contract(corpus_reports):
    for report in corpus_reports.values():
        for f in audit_report(report):
            d = f.to_json()
            assert set(d) >= {"report_id", "problem_id", "code", "severity", "message", "evidence"}
            assert d["report_id"] == report.id and d["code"] in AUDIT_CODES
            assert "{" not in d["message"] and "{" not in d["message_en"]


def test_a_problem_cut_off_by_the_truncation_is_called_so(corpus_reports):
    """庆阳's report stops inside its last problem's rectification: the audit says it is cut off
    (rectification_truncated), not vague; no other corpus problem is."""
    report = corpus_reports["001"]
    last = list(report.problems())[-1]
    findings = {(f.problem_id, f.code) for f in audit_report(report)}
    assert (last.id, "rectification_truncated") in findings and (last.id, "vague_rectification") not in findings
    cut = [(k, f.problem_id) for k, r in corpus_reports.items() for f in audit_report(r)
           if f.code == "rectification_truncated"]
    assert cut == [("001", last.id)]

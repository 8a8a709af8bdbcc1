"""单位画像: one unit's report (team, dates, stated vs found counts and audit findings with evidence,
rectification concreteness, problems recurring across rounds, people, documents, problems per category).
Deep link: ?report=<report id>."""
from __future__ import annotations

from collections import Counter, defaultdict

import streamlit as st

from reports.shared import notices
from ui.service.text import AUDIT_LABELS, concreteness_label
from ui.web import render, report_picker, state

DETAIL_PAGE = "views/detail.py"
ENTITY_PAGE = "views/entities.py"
BRIEFING_PAGE = "views/briefing.py"


def pick_report() -> str | None:
    """The unit picked here or named by ?report=. The link is followed once, when it changes; after
    that the picker rules and writes its pick back to the link (so every pick shows, and reloading
    the page keeps it). A link naming no stored report says so instead of quietly showing another."""
    if state.no_reports_notice():
        return None
    by_id = report_picker.summaries_by_id()
    linked = st.query_params.get("report")
    bad_link = None
    if linked and linked != st.session_state.get("unit_linked"):
        st.session_state["unit_linked"] = linked
        if linked in by_id:
            st.session_state["unit_pick"] = linked
        else:
            bad_link = linked
    # a typed name (the picker accepts one: it lists only some reports in a large workspace) means a report
    picked, notice = report_picker.resolve(st.session_state.get("unit_pick"))
    st.session_state["unit_pick"] = picked if picked in by_id else most_complete(list(by_id.values()))
    current = by_id[st.session_state["unit_pick"]]
    hints = [f"全称:{current.get('unit') or current['report_id']}", report_picker.help_text()]
    pick = st.selectbox("单位", report_picker.choices(st.session_state["unit_pick"]), key="unit_pick",
                        placeholder="选择或输入单位", format_func=report_picker.label, accept_new_options=True,
                        help="\n\n".join(h for h in hints if h))
    if notice:
        st.info(notice, icon=":material/search:")
    if bad_link:
        st.warning(render.md(notices.render("link_unknown_report",
                                            {"report_id": bad_link, "shown": state.unit_name(by_id[pick])})),
                   icon=":material/link_off:")
    if st.query_params.get("report") != pick:
        st.query_params["report"] = pick
    st.session_state["unit_linked"] = pick  # our own link: only a link that changes overrides the picker
    return pick


def most_complete(summaries: list[dict]) -> str:
    """The report to open on: not truncated, fewest warnings (count conflicts), most problems; never a
    truncated report when a whole one exists (the first thing a visitor sees)."""
    best = min(summaries, key=lambda s: (bool(s.get("truncated")), len(s.get("warnings") or ()),
                                         -s["found"]["problems"], s.get("unit") or "", s["report_id"]))
    return best["report_id"]


def _date(d) -> str:
    if d is None:
        return "—"
    return d.iso + ("(年份推定)" if getattr(d, "year_inferred", False) else "")


def header(report, summary: dict) -> None:
    st.markdown(f'<div class="xc-text" style="font-size:1.25rem;font-weight:600" title="{render.esc(report.unit)}">'
                f'{render.esc(state.unit_name(summary) if summary else report.unit or report.id)}</div>'
                f'<div class="xc-meta">{render.esc(report.unit or "")}{" · " if report.unit and report.title else ""}'
                f'{render.esc(report.title or "")}</div>', unsafe_allow_html=True)
    i = report.inspection
    fields = [
        ("巡察(视)组", i.inspector + (f"(原文:{i.inspector_text})" if i.inspector_text and i.inspector_text != i.inspector
                                     else "") if i.inspector else None),
        ("类型", i.kind), ("层级", f"{report.level}级" if report.level else None), ("地区", report.region),
        ("轮次", i.round), ("进驻时间", f"{_date(i.start)} 至 {_date(i.end)}" if i.start or i.end else None),
        ("反馈时间", _date(i.feedback) if i.feedback else None),
        ("通报日期", report.report_date.iso if report.report_date else None),
        ("发布日期", report.publish_date.iso if report.publish_date else None),
        ("来源文件", report.source_path.rsplit("/", 1)[-1] if report.source_path else None),
    ]
    cells = "".join(f'<div class="xc-field"><div class="xc-meta">{render.esc(k)}</div>'
                    f'<div>{render.esc(v) if v else "—"}</div></div>' for k, v in fields)
    st.markdown(f'<div class="xc-fields">{cells}</div>', unsafe_allow_html=True)


REPORT_CODES = ("count_conflict", "count_mismatch", "status_sum", "truncated", "date_order")


def counts(report, findings: list[dict]) -> None:
    """Stated vs found; every report-level audit finding (reports.analysis.audit) spelled out with its source."""
    st.subheader("问题数量:报告自述与实际识别")
    found = report.found()
    distinct = sorted({s.value for s in report.stated if s.key == "problems"})
    stated_categories = report.stated_value("categories")
    c = st.columns(4)
    c[0].metric("自述问题数", " / ".join(map(str, distinct)) if distinct else "未说明",
                help=None if distinct else "报告正文没有写明反馈了多少个问题,无从与识别结果比对。")
    c[1].metric("识别出的问题", found["problems"],
                help=f"{render.problem_count(found['problems'], found['leaf_problems'])}。{render.ITEMS_HELP}")
    c[2].metric("自述方面数", stated_categories if stated_categories is not None else "未说明")
    c[3].metric("识别出的方面", found["categories"])
    flags = [f for f in findings if f["code"] in REPORT_CODES]
    for f in flags:
        quotes = ";".join(f"「{s['text']}」" for s in f["evidence"].get("statements", []))
        text = f["message"] + (f"。原文:{quotes}" if quotes else "")
        (st.error if f["severity"] == "error" else st.warning)(render.md(text), icon=":material/warning:")
    others = [w for w in report.warnings if w.code not in SHOWN_ABOVE]
    for w in others:
        st.info(render.md(w.chinese()), icon=":material/info:")
    if not flags and not others:
        if distinct:
            st.success(notices.render("counts_agree", {}), icon=":material/check_circle:")
        else:  # nothing stated: nothing agrees or disagrees
            st.info(notices.render("counts_unstated", {}), icon=":material/info:")
    progress: dict[str, int] = {}
    for s in report.stated:
        if s.key in render.STATUS_LABELS:
            progress.setdefault(render.STATUS_LABELS[s.key], s.value)
    if progress:
        st.markdown("**报告自述整改进度:** " + ";".join(f"{k} {v} 个" for k, v in progress.items()))


# Parser warning codes the audit findings above already explain (with the report's own words).
SHOWN_ABOVE = frozenset({"stated_counts_differ", "truncated", "stated_problems_mismatch", "stated_categories_mismatch",
                         "category_problems_mismatch"})


def problem_findings(report, findings: list[dict], concreteness: dict[str, dict]) -> None:
    """Problem-level audit findings with their evidence, and every problem's rectification concreteness."""
    st.subheader("整改核查")
    rows = [f for f in findings if f["problem_id"] is not None]
    if rows:
        for f in rows:
            with st.expander(f"{AUDIT_LABELS.get(f['code'], f['code'])} · {render.shorten(f['message'], 60)}",
                             icon=":material/rule:"):
                p = report.find_problem(f["problem_id"])
                if p is not None:
                    st.markdown(f"**问题 {render.md(p.id)}:** {render.md(render.shorten(p.text, 160))}")
                ev = f["evidence"]
                if ev.get("phrase"):
                    st.markdown(f"**报告所称:** {render.md(ev.get('reported'))};**整改情况原文:** 「{render.md(ev['phrase'])}」")
                if ev.get("rectification"):
                    st.caption(render.md(render.shorten(ev["rectification"], 200)))
                st.page_link(DETAIL_PAGE, label="查看问题详情", query_params={"report": report.id, "problem": f["problem_id"]})
    else:
        st.success("每个问题都有整改措施,未发现状态矛盾或空泛的整改。", icon=":material/check_circle:")
    if concreteness:
        cut = {pid for pid, c in concreteness.items() if c.get("truncated")}
        table = [{"问题": pid, "具体程度": "原文截断" if pid in cut else concreteness_label(c["score"]),
                  "依据": ";".join(x for x in (
                      "原文截断,整改情况不全" if c.get("truncated") else "", _evidence("文件", c["documents"]), _evidence("时间", c["dates"]), _evidence("数量", c["counts"]),
                      _evidence("资金", c["money"]), _evidence("追责", c["discipline"]),
                      _evidence("制度", c["systems"])) if x) or "无可核查内容",
                  "回应问题": "原文截断" if pid in cut else ADDRESSES[c["addresses_problem"]]}
                 for pid, c in concreteness.items()]
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"具体程度": st.column_config.TextColumn(help=CONCRETENESS_HELP),
                                    "回应问题": st.column_config.TextColumn(help=ADDRESSES_HELP)})
        st.caption(f"具体程度:{CONCRETENESS_HELP} 回应问题:{ADDRESSES_HELP}")


CONCRETENESS_HELP = ("按整改情况中可核查的内容估计:印发的文件、完成时间、数量、资金、问责和建立的制度越多越具体;"
                     "括号内为按人工 1-5 分评分拟合的预测分。")
ADDRESSES = {True: "是", False: "否", None: "无法判断"}
ADDRESSES_HELP = ("整改情况是否针对问题本身:是 = 明显沿用了问题原文的说法;否 = 几乎没有提到;"
                  "无法判断 = 问题原文太短,或重合程度介于两者之间。")


def _evidence(label: str, items: list[str]) -> str:
    return f"{label}:{'、'.join(items[:3])}" if items else ""


def recurring(report, links: list[dict]) -> None:
    """Problems of this unit that come back in a later round (or that this round repeats)."""
    mine = [r for r in links if report.id in (r["earlier"]["report_id"], r["later"]["report_id"])]
    st.subheader("重复出现的问题")
    if not mine:
        st.caption("没有发现该单位在前后两轮巡察中重复出现的问题(需要同一单位不同轮次的报告)。")
        return
    st.dataframe([{"前一轮": f"{r['earlier']['date'] or ''} 问题{r['earlier']['problem_id']}:{r['earlier']['text']}",
                   "后一轮": f"{r['later']['date'] or ''} 问题{r['later']['problem_id']}:{r['later']['text']}",
                   "相似度": r["score"]} for r in mine], hide_index=True, width="stretch")


def categories(report) -> None:
    """Each category with its full title and a bar of its problems (an HTML table: a chart's axis cut
    the titles to a dozen characters); the 自述 column only when the report states a count for some."""
    st.subheader("问题类别")
    if not report.categories:
        st.info("没有识别出问题类别。")
        return
    stated = any(c.stated_problems is not None for c in report.categories)
    most = max((len(c.problems) for c in report.categories), default=0) or 1
    head = "<th>序号</th><th>类别</th><th>识别问题数</th><th>按子问题计</th>" + ("<th>自述问题数</th>" if stated else "")
    rows = []
    for c in report.categories:
        leaves = sum(1 for p in c.problems for q in p.walk() if not q.children)
        bar = (f'<span class="xc-bar" style="width:{round(6 * len(c.problems) / most, 2)}rem"></span>'
               f'{len(c.problems)}')
        rows.append(f"<tr><td>{render.esc(c.label or c.ordinal)}</td><td>{render.esc(c.title)}</td>"
                    f"<td class=\"xc-num\">{bar}</td><td class=\"xc-num\">{leaves}</td>"
                    + (f"<td class=\"xc-num\">{'' if c.stated_problems is None else c.stated_problems}</td>"
                       if stated else "") + "</tr>")
    st.markdown(f'<table class="xc-cat"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>',
                unsafe_allow_html=True)
    with st.expander("全部问题清单", icon=":material/list:"):
        for c in report.categories:
            st.markdown(f"**{render.md(c.label or c.ordinal)} {render.md(c.title)}**")
            for p in c.problems:
                for q in p.walk():
                    indent = "  " * q.id.count(".") if q.parent_id else ""
                    st.page_link(DETAIL_PAGE, label=f"{indent}{q.id}. {render.md(render.shorten(q.text, 60))}",
                                 query_params={"report": report.id, "problem": q.id})



RELATION_LABELS = {"staff": "任职人员", "contact": "联系人", "named": "提及人员"}


def people_and_references(report_id: str) -> None:
    """The unit's people (a post there, a contact, a name without a post) apart from the people whose
    speeches or instructions the report cites; a web page's credits (编辑:…) are not listed."""
    mentions = state.mentions(report_id)
    people: dict[str, dict] = {}
    cited: dict[str, dict] = {}
    for m in mentions:
        attrs = m.get("attrs") or {}
        if m["type"] != "person" or attrs.get("credit"):
            continue
        if attrs.get("relation") == "cited":
            c = cited.setdefault(m["canonical"], {"姓名": m["canonical"], "职务": set(), "引用次数": 0})
            c["引用次数"] += 1
            if m.get("role"):
                c["职务"].update(render_roles(m["role"]))
            continue
        p = people.setdefault(m["canonical"], {"姓名": m["canonical"], "职务": set(), "单位": set(), "关系": set(),
                                               "提及次数": 0})
        p["提及次数"] += 1
        p["关系"].add(RELATION_LABELS.get(attrs.get("relation") or "", "提及人员"))
        if m.get("role"):
            p["职务"].update(r for r in render_roles(m["role"]))
        org = attrs.get("org")
        if org:
            p["单位"].add(org)
    left, right = st.columns(2)
    with left:
        st.subheader("人员及职务")
        if people:
            st.dataframe([{**p, "职务": "、".join(sorted(p["职务"])), "单位": "、".join(sorted(p["单位"])),
                           "关系": "、".join(sorted(p["关系"]))}
                          for p in sorted(people.values(), key=lambda p: -p["提及次数"])],
                         hide_index=True, width="stretch")
        else:
            st.caption("报告中没有识别出人员。")
        if cited:
            st.markdown("**报告引用其讲话、批示的人员**(不是本单位人员)")
            st.dataframe([{**c, "职务": "、".join(sorted(c["职务"]))}
                          for c in sorted(cited.values(), key=lambda c: -c["引用次数"])],
                         hide_index=True, width="stretch")
    refs: dict[str, Counter] = defaultdict(Counter)
    written: dict[str, Counter] = defaultdict(Counter)
    for m in mentions:
        if m["type"] in ("regulation", "document"):
            refs[m["type"]][m["canonical"]] += 1
            written[m["canonical"]][m["name"]] += 1
    with right:
        st.subheader("引用的法规和文件")
        rows = [{"类型": "党内法规" if t == "regulation" else "文件",
                 "名称": f"《{written[name].most_common(1)[0][0]}》", "次数": n}
                for t in ("regulation", "document") for name, n in refs[t].most_common()]
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch")
        else:
            st.caption("报告中没有识别出引用的法规或文件。")


def render_roles(role: str) -> list[str]:
    from graph.names import split_roles
    return split_roles(role)


def main() -> None:
    st.title("单位画像")
    rid = pick_report()
    if not rid:
        return
    report = state.load_report(rid)
    if report is None:
        st.error("该报告已不在工作区中。", icon=":material/warning:")
        return
    summary = report_picker.summaries_by_id().get(rid, {})
    header(report, summary)
    st.page_link(BRIEFING_PAGE, label="自查清单:同类单位被发现最多的问题及整改做法", icon=":material/checklist:",
                 query_params={"report": rid})
    findings = state.safe(state.audit, rid) or []
    counts(report, findings)
    categories(report)
    problem_findings(report, findings, state.safe(state.concreteness, rid) or {})
    recurring(report, state.safe(state.recurrences) or [])
    people_and_references(rid)
    unit_node = state.workspace().graph.report_unit(rid)
    if unit_node:
        st.page_link(ENTITY_PAGE, label="在「实体关系」中查看该单位", icon=":material/hub:",
                     query_params={"entity": unit_node})


main()

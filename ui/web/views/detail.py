"""问题详情: one problem in its source paragraph, its measures and status, entities, and similar problems
in other units with how each fixed it. Deep link: ?report=<report id>&problem=<problem id>."""
from __future__ import annotations

import streamlit as st

from graph.names import MENTION_TYPES
from ui.web import render, report_picker, state

ENTITY_PAGE = "views/entities.py"
UNIT_PAGE = "views/unit.py"


def pick_problem() -> tuple[str | None, str | None]:
    """The problem from the URL, else chosen here (and then written to the URL)."""
    report_id = st.query_params.get("report")
    problem_id = st.query_params.get("problem")
    if state.no_reports_notice():
        return None, None
    by_id = report_picker.summaries_by_id()
    with st.expander("选择问题", expanded=not (report_id and problem_id), icon=":material/list:"):
        c1, c2 = st.columns([2, 3])
        ids = report_picker.choices(report_id)
        typed = c1.selectbox("报告(单位)", ids, index=ids.index(report_id) if report_id in by_id else None,
                             format_func=report_picker.label, placeholder="选择或输入单位的报告",
                             accept_new_options=True, help=report_picker.help_text())
        rid, notice = report_picker.resolve(typed)
        if notice:
            c1.caption(notice)
        pid = None
        if rid:
            report = state.load_report(rid)
            problems = [p.id for p in report.problems()] if report else []
            labels = {p.id: f"{p.id}. {render.shorten(p.text, 50)}" for p in report.problems()} if report else {}
            index = problems.index(problem_id) if rid == report_id and problem_id in problems else None
            pid = c2.selectbox("问题", problems, index=index, format_func=labels.get, placeholder="选择一个问题")
    if rid and pid and (rid, pid) != (report_id, problem_id):
        st.query_params.update({"report": rid, "problem": pid})
        return rid, pid
    return (report_id, problem_id) if report_id and problem_id else (rid, pid)


def problem_mentions(report_id: str, problem) -> list[dict]:
    """Store mentions whose span lies inside the problem statement or its rectification."""
    spans = [problem.span] + ([problem.rectification_span] if problem.rectification_span else [])
    out = []
    for m in state.mentions(report_id):
        s, e = m["span"]
        if any(a <= s and e <= b for a, b in spans):
            out.append(m)
    return out


def show_source(report, problem, mentions: list[dict]) -> None:
    spans = [tuple(m["span"]) for m in mentions]
    st.markdown(f'<div class="xc-context">{render.source_context(report, problem, spans)}</div>',
                unsafe_allow_html=True)
    st.markdown(render.legend([]) + '<span class="xc-meta"><span class="problem" style="background:#ffe08a">'
                '&nbsp;黄色&nbsp;</span> 问题原文 · <span style="background:#e3f2e1">&nbsp;绿色&nbsp;</span> 整改情况 · '
                '<span style="border-bottom:2px solid #1f77b4">下划线</span> 识别出的实体</span>',
                unsafe_allow_html=True)


def show_measures(problem) -> None:
    status = render.STATUS_LABELS.get(problem.status or "", problem.status) if problem.status else "报告未标注"
    st.markdown(f"**整改状态:** {render.md(status)}")
    if not problem.measures:
        st.caption("报告未列出该问题的整改措施。")
        return
    st.markdown(render.measure_list(problem.measures), unsafe_allow_html=True)


def show_entities(mentions: list[dict]) -> None:
    if not mentions:
        st.caption("该问题及其整改情况中没有识别出人员、法规、文件等实体。")
        return
    seen: dict[tuple[str, str], dict] = {}
    for m in mentions:
        seen.setdefault((m["type"], m["canonical"]), m)
    rows = []
    for (kind, canonical), m in seen.items():
        node_type = MENTION_TYPES.get(kind, kind)
        rows.append({"类型": render.type_label(node_type), "名称": canonical,
                     "原文写法": m["name"] if m["name"] != canonical else "", "职务": m.get("role") or ""})
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption("在「实体关系」页面可查看这些实体与其他单位、问题的关联。")


def show_similar(report_id: str, problem_id: str) -> None:
    st.subheader("其他单位的同类问题及整改做法")
    hits = state.safe(state.similar, report_id, problem_id, 6)
    if hits is None:
        return
    if not hits:
        st.info("其他单位的报告中没有找到相似问题。", icon=":material/search_off:")
        return
    for row in range(0, len(hits), 3):
        cols = st.columns(3)
        for col, hit in zip(cols, hits[row:row + 3], strict=False):
            with col.container(border=True):
                st.markdown(f'<div class="xc-meta"><b title="{render.esc(hit.get("unit"))}">'
                            f'{render.esc(hit.get("unit_short") or hit.get("unit"))}</b> · {render.tier_badge(hit)} {render.esc(render.score_label(hit))}</div>'
                            f'<div class="xc-meta">{render.esc(render.shorten(hit.get("category") or "", 36))}</div>',
                            unsafe_allow_html=True)
                st.markdown(f'<div class="xc-text">{render.highlight_terms(hit["text"], hit.get("matched_terms") or [])}'
                            "</div>", unsafe_allow_html=True)
                measures = state.problem_measures(hit["report_id"], hit["problem_id"], hit.get("measures") or [])
                st.markdown("**整改做法:**" if measures else "*未列出整改措施*")
                if measures:
                    st.markdown(render.measure_list(measures, style="font-size:0.9rem"), unsafe_allow_html=True)
                st.page_link("views/detail.py", label="查看详情", icon=":material/arrow_forward:",
                             query_params={"report": hit["report_id"], "problem": hit["problem_id"]})


def main() -> None:
    st.title("问题详情")
    report_id, problem_id = pick_problem()
    if not (report_id and problem_id):
        st.info("请选择一个问题,或从「相似问题检索」的结果点击「查看原文与详情」进入。", icon=":material/lightbulb:")
        return
    report = state.load_report(report_id)
    if report is None:
        st.error(f"报告 {render.md(report_id)} 不在工作区中(可能已被删除)。", icon=":material/warning:")
        return
    problem = report.find_problem(problem_id)
    if problem is None:
        st.error(f"报告中没有编号为 {render.md(problem_id)} 的问题。", icon=":material/warning:")
        return
    category = next((c for c in report.categories if c.ordinal == problem.category_ordinal), None)
    summary = next((x for x in state.report_summaries() if x["report_id"] == report.id), {})
    unit = state.unit_name(summary) if summary else report.unit or report.id
    st.markdown(f'<div class="xc-meta"><b title="{render.esc(report.unit)}">{render.esc(unit)}</b> · '
                f'{render.esc(report.inspection.kind or "")}'
                f' {render.esc(report.inspection.inspector or "")} · 问题 {render.esc(problem.id)}'
                f'{" · 类别:" + render.esc(category.title) if category else ""}</div>', unsafe_allow_html=True)
    st.markdown(f'<div class="xc-text" style="font-size:1.1rem;font-weight:600;margin:0.4rem 0 0.8rem">'
                f'{render.esc(problem.text)}</div>', unsafe_allow_html=True)
    mentions = problem_mentions(report.id, problem)
    left, right = st.columns([3, 2])
    with left:
        st.subheader("原文")
        show_source(report, problem, mentions)
    with right:
        st.subheader("整改措施")
        show_measures(problem)
        st.subheader("涉及实体")
        show_entities(mentions)
        st.page_link(UNIT_PAGE, label="查看该单位画像", icon=":material/apartment:",
                     query_params={"report": report.id})
    st.divider()
    show_similar(report.id, problem.id)


main()

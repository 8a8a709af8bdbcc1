"""相似问题检索: free text or a pasted problem -> similar problems across units, with filters,
highlighted matching terms, each unit's rectification measures, and links to the detail.

A query with an answer in this corpus gets its ranked list, each hit tiered 高度相关 / 可能相关 (no
relevance floor hides a result); one with none says so. Shown a few at a time: the strongest
FIRST_SHOWN first, MORE_STEP more per click. The sidebar's 最低相关度 is optional (0 by default)."""
from __future__ import annotations

import hashlib

import streamlit as st

from ui.web import pickers, render, state

FIRST_SHOWN = 5
MORE_STEP = 10
MAX_RESULTS = 50
DETAIL_PAGE = "views/detail.py"
EXAMPLES = ["理论学习流于形式", "意识形态工作责任制落实不到位", "三重一大事项未集体决策",
            "公务接待不规范", "党支部组织生活不规范", "财务管理制度不健全"]
MODES = {"hybrid": "综合(语义+关键词)", "dense": "仅语义", "lexical": "仅关键词"}
ALL = "全部"


def _use_example(text: str) -> None:
    st.session_state["search_q_input"] = text
    st.session_state["search_q"] = text


def _pick_example() -> None:
    choice = st.session_state.get("search_example")
    if choice:
        _use_example(choice)
        st.session_state["search_example"] = None


def _linked_min_pct() -> int:
    """The slider's start: a deep link's ``min`` (0-100, e.g. ``/?q=…&min=50``), else 0: no floor."""
    raw = str(st.query_params.get("min", "")).strip()
    return int(raw) if raw.isdigit() and int(raw) <= 100 else 0


def query_box() -> str:
    if "search_q" not in st.session_state:
        st.session_state["search_q"] = st.query_params.get("q", "")
        st.session_state["search_q_input"] = st.session_state["search_q"]
    with st.form("search_form", border=False, enter_to_submit=True):
        text = st.text_area("检索内容", key="search_q_input", height=96,
                            placeholder="输入问题描述,或粘贴一段巡察反馈的问题原文,例如:中心组理论学习流于形式,学习记录不全",
                            help="按 Ctrl+Enter 或点击「检索」。支持整段粘贴,系统按语义和关键词综合匹配。")
        submitted = st.form_submit_button("检索", type="primary", icon=":material/search:")
    if submitted:
        st.session_state["search_q"] = (text or "").strip()
    query = st.session_state.get("search_q", "")
    if query:
        st.query_params["q"] = query
    elif "q" in st.query_params:
        del st.query_params["q"]
    if not query:
        st.pills("试试这些示例", EXAMPLES, key="search_example", on_change=_pick_example)
    return query


def current_filters() -> tuple[dict, str, float]:
    """The filters as the sidebar widgets hold them (their session state; the defaults on a first
    run), read before the widgets are drawn: the results come first on the page and the sidebar
    after, so a first visit's answer does not wait for ten widgets and their scripts."""
    ss = st.session_state
    unit, region, category, ptype, year = (ss.get(k, ALL) for k in ("f_unit", "f_region", "f_category", "f_type",
                                                                       "f_year"))
    level, kind, mine = ss.get("f_level"), ss.get("f_kind"), ss.get("my_unit")
    filters: dict = {
        "unit": None if unit == ALL else unit,
        "region": None if region == ALL else region,
        "category": None if category in (ALL, None, "") else category,
        "level": level.removesuffix("级") if level else None,
        "year": None if year == ALL else int(year),
        "kind": kind or None,
        "type": None if ptype == ALL else ptype,
    }
    if ss.get("f_exclude_mine") and mine:
        filters["exclude_report"] = list(pickers.unit_options().get(mine, []))
    min_pct = ss.get("f_min_score", _linked_min_pct())
    return filters, ss.get("f_mode", next(iter(MODES))), min_pct / 100


def filter_widgets() -> None:
    """The sidebar's filter widgets; current_filters reads their values."""
    opts = pickers.filter_options()
    ss = st.session_state
    with st.sidebar:
        st.markdown("**筛选条件**")
        names = pickers.unit_display()
        unit = ss.get("f_unit")
        hints = [pickers.unit_hover(unit), pickers.capped("单位", len(names)),
                 "输入的名称按包含匹配单位全称或简称。" if unit and unit != ALL and unit not in names else None]
        # a typed unit (not in the listed choices) filters by substring, as the search table does
        st.selectbox("单位", [ALL, *pickers.unit_choices(None if unit == ALL else unit)], key="f_unit",
                     placeholder="选择或输入单位", format_func=lambda u: names.get(u, u), accept_new_options=True,
                     help="\n\n".join(h for h in hints if h) or None)
        st.selectbox("地区", [ALL, *opts["regions"]], key="f_region", placeholder="选择地区")
        category = ss.get("f_category")
        listed = [ALL, *opts["categories"]]
        st.selectbox("问题类别", listed if category in (None, "", *listed) else [*listed, category], key="f_category",
                     placeholder="选择或输入类别", accept_new_options=True,
                     help="\n\n".join(h for h in ("可输入关键词(如「意识形态」)查找类别,回车后按包含该关键词筛选。",
                                                    pickers.capped("类别", opts.get("category_count", 0))) if h))
        st.selectbox("问题类型", [ALL, *opts.get("types", [])], key="f_type", placeholder="选择问题类型",
                     help="按巡视巡察常用问题分类筛选(见「共性问题」页的单位 × 问题类型)。")
        st.selectbox("年份", [ALL, *opts["years"]], key="f_year", placeholder="选择年份", format_func=lambda y: y if y == ALL else f"{y} 年")
        st.segmented_control("层级", [f"{v}级" for v in opts["levels"]], key="f_level")
        st.segmented_control("巡视/巡察", opts["kinds"] or ["巡视", "巡察"], key="f_kind")
        mine = st.session_state.get("my_unit")
        st.toggle("排除本单位", key="f_exclude_mine", disabled=not mine,
                  help="只看其他单位的同类问题。本单位在上方「本单位」中选择。")
        if not mine:
            st.caption("选择「本单位」后可排除本单位自己的问题。")
        st.radio("匹配方式", list(MODES), format_func=MODES.get, key="f_mode")
        st.slider("最低相关度(可选)", 0, 100, _linked_min_pct(), step=1, format="%d%%", key="f_min_score",
                  help="相关度是系统估计的「该问题与检索内容属于同类问题」的概率,各匹配方式含义相同。"
                       "默认 0:不按分数截断,按「高度相关 / 可能相关」分档显示全部结果。")


def show_hit(hit: dict, mode: str) -> None:
    with st.container(border=True):
        meta = [f"<b>#{hit['rank']}</b>",
                f'<b title="{render.esc(hit.get("unit"))}">{render.esc(hit.get("unit_short") or hit.get("unit"))}</b>']
        if hit.get("category"):
            meta.append(f"类别:{render.esc(render.shorten(hit['category'], 40))}")
        meta += [render.esc(x) for x in (f"{hit['year']} 年" if hit.get("year") else None, hit.get("kind"),
                                          f"问题 {hit['problem_id']}") if x]
        if hit.get("types"):
            meta.append(f"类型:{render.esc('、'.join(hit['types']))}")
        left, right = st.columns([6, 1])
        left.markdown(f'<div class="xc-meta">{" · ".join(meta)}</div>', unsafe_allow_html=True)
        right.markdown(f'<div class="xc-meta" style="text-align:right" title="相关度 {hit["score"]:.4f}">'
                       f'{render.tier_badge(hit)} <b>{render.esc(render.score_label(hit, mode))}</b></div>',
                       unsafe_allow_html=True)
        if hit.get("parent_text"):
            st.markdown(f'<div class="xc-meta">所属问题:{render.esc(render.shorten(hit["parent_text"], 80))}</div>',
                        unsafe_allow_html=True)
        st.markdown(f'<div class="xc-text">{render.highlight_terms(hit["text"], hit.get("matched_terms") or [])}</div>',
                    unsafe_allow_html=True)
        state.measures_and_source(hit.get("measures") or [], hit["report_id"], hit["problem_id"])



def main() -> None:
    st.title("相似问题检索")
    st.caption("查找其他单位被巡察(视)反馈的同类问题,以及他们是怎么整改的。")
    if state.no_reports_notice():
        return
    query = query_box()
    filters, mode, min_score = current_filters()
    try:
        results(query, filters, mode, min_score)
    finally:
        filter_widgets()  # after the results, on every path (a widget left out of a run loses its value)


def results(query: str, filters: dict, mode: str, min_score: float) -> None:
    if not query:
        st.info("在上方输入问题描述后点击「检索」,或点选一个示例。", icon=":material/lightbulb:")
        return
    # one "show more" counter per query and filter set, so a new search starts with the strongest few
    signature = repr((query, sorted((k, str(v)) for k, v in filters.items()), mode, min_score))
    shown_key = "search_shown_" + hashlib.sha1(signature.encode("utf-8")).hexdigest()[:10]
    # right after start jieba's dictionary is still loading: answer from the vectors first, say so
    partial = mode != "dense" and not state.keyword_index_ready()
    with st.spinner("正在检索…(首次检索需加载语义模型,请稍候)"):
        hits = state.safe(state.search, query, MAX_RESULTS, filters, "dense" if partial else mode, min_score)
        if partial and hits == []:
            # the vectors alone judged it unanswered; words can still answer it (公务接待不规范), and
            # "库中没有" must not rest on half the evidence: wait for the keyword side and ask again
            state.load_keyword_side()
            partial = False
            hits = state.safe(state.search, query, MAX_RESULTS, filters, mode, min_score)
    mode = "dense" if partial else mode
    if partial and hits is not None:
        st.info(render.DENSE_FIRST_NOTICE, icon=":material/hourglass_top:")
    if hits is None:
        return
    if not hits:
        scope = "在当前筛选范围内" if any(filters.values()) else "库中"
        floor = f",或调低「最低相关度」(现为 {min_score:.0%})" if min_score else ""
        st.warning(f"{scope}没有与此相关的问题。可以换一种说法、放宽筛选条件{floor}。", icon=":material/search_off:")
        return
    shown = min(int(st.session_state.get(shown_key, FIRST_SHOWN)), len(hits))
    units = {h.get("unit") for h in hits[:shown]}
    st.markdown(render.tier_summary(hits) + f";先显示最相关的 **{shown}** 个,来自 **{len(units)}** 个单位")
    if not any(h.get("tier") == "high" for h in hits):
        st.info("最相近的结果相关度也不高:库中可能没有完全同类的问题,请对照原文判断。", icon=":material/info:")
    for hit in hits[:shown]:
        show_hit(hit, mode)
    if shown < len(hits):
        more = min(MORE_STEP, len(hits) - shown)
        if st.button(f"显示更多({more} 个)", key=f"{shown_key}_more", icon=":material/expand_more:"):
            st.session_state[shown_key] = shown + more
            st.rerun()

main()

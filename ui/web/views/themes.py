"""共性问题: themes shared across units (table, unit x theme heatmap, problems by unit, ledger download).
Deep link: ?theme=<theme id>."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.service.text import term_labels
from ui.web import render, state
from ui.web.views import type_map

DETAIL_PAGE = "views/detail.py"
TABLE_KEY = "themes_table"
PICK_KEY = "themes_pick"
MAX_HEATMAP_THEMES = 40
ITEM_COLUMN = "问题条数"  # themes count problems with their 子问题 one by one (render.ITEMS_HELP)


@st.cache_resource(show_spinner=False)
def _fallback_service(path: str):
    """A ThemeService for a Workspace that does not offer ``ws.themes`` yet (one per process)."""
    from ui.service.themes import ThemeService
    return ThemeService.from_workspace(state.get_workspace(path))


def service():
    ws = state.workspace()
    return ws.themes if hasattr(ws, "themes") else _fallback_service(state.root())


@st.cache_data(show_spinner=False, max_entries=8)
def _snapshot(path: str, gen: int) -> dict:
    svc = service()
    svc.sync()  # recomputes only if stale; writes Theme nodes into the graph for the ledger
    return svc.snapshot()


@st.cache_data(show_spinner=False, max_entries=8)
def _measures(path: str, gen: int) -> dict[str, list[str]]:
    return {f"{r['report_id']}/{r['id']}": r["measures"] for r in state.get_workspace(path).store.problem_rows()}


@st.cache_data(show_spinner=False, max_entries=4)
def _ledger(path: str, gen: int, fmt: str) -> bytes:
    from ui.service.ledger import ledger_bytes

    return ledger_bytes(state.get_workspace(path).ledger_rows(), fmt)


@st.cache_data(show_spinner=False, max_entries=32)
def _members(path: str, gen: int, theme_id: str) -> list[dict]:
    """One theme's members with their texts, read from the store (themes.json holds their keys)."""
    theme = service().theme(theme_id)
    return theme["members"] if theme is not None else []


def unit_label(doc: dict) -> dict[str, str]:
    m = doc["unit_theme"]
    return dict(zip(m["units"], m.get("unit_labels") or m["unit_short"], strict=True))


def themes_table(doc: dict, cross_only: bool) -> tuple[pd.DataFrame, list[dict]]:
    labels = unit_label(doc)
    shown = [t for t in doc["themes"] if t["unit_count"] >= (2 if cross_only else 1)]
    df = pd.DataFrame([{"主题": t["label"], "涉及单位数": t["unit_count"], ITEM_COLUMN: t["size"],
                        "问题类型": t.get("type") or "", "关键词": "、".join(term_labels(t["terms"])[:6]),
                        "涉及单位": "、".join(labels.get(u, u) for u in t["units"]),
                        "编号": t["id"]} for t in shown])
    return df, shown


def pick_theme(shown: list[dict]) -> dict | None:
    """The theme picked by a table row, the select box or ?theme=; they stay in step."""
    if not shown:
        return None
    by_id = {t["id"]: t for t in shown}
    rows = (st.session_state.get(TABLE_KEY) or {}).get("selection", {}).get("rows", [])
    linked = st.query_params.get("theme")
    if rows and rows[0] < len(shown) and st.session_state.get("themes_last_row") != rows[0]:
        st.session_state["themes_last_row"] = rows[0]
        st.session_state[PICK_KEY] = shown[rows[0]]["id"]
    elif linked in by_id and st.session_state.get("themes_linked") != linked:
        st.session_state["themes_linked"] = linked
        st.session_state[PICK_KEY] = linked
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state[PICK_KEY] = shown[0]["id"]
    pick = st.selectbox("查看主题", list(by_id), key=PICK_KEY, placeholder="选择主题",
                        format_func=lambda i: f"{by_id[i]['label']}({by_id[i]['unit_count']} 个单位,{render.problem_items(by_id[i]['size'])})")
    if st.query_params.get("theme") != pick:
        st.query_params["theme"] = pick
    st.session_state["themes_linked"] = pick  # our own link: only a changed ?theme= overrides the pick
    return by_id[pick]


def heatmap(doc: dict, shown: list[dict]) -> None:
    import altair as alt

    m = doc["unit_theme"]
    labels = unit_label(doc)
    col = {tid: n for n, tid in enumerate(m["themes"])}
    order = [t["label"] for t in shown[:MAX_HEATMAP_THEMES]]
    data = pd.DataFrame([{"单位": labels.get(u, u), "主题": t["label"], ITEM_COLUMN: row[col[t["id"]]]}
                         for u, row in zip(m["units"], m["counts"], strict=True) for t in shown[:MAX_HEATMAP_THEMES]])
    if data.empty:
        return
    data = data[data[ITEM_COLUMN] > 0]  # an empty cell stays white
    chart = alt.Chart(data).mark_rect(stroke="white").encode(
        x=alt.X("主题:N", sort=order, title=None,
                axis=alt.Axis(labelAngle=-35, labelLimit=180, orient="top", labelOverlap=False)),
        y=alt.Y("单位:N", sort=[labels.get(u, u) for u in m["units"]], title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color(f"{ITEM_COLUMN}:Q", scale=alt.Scale(scheme="oranges", domainMin=0), legend=None),
        tooltip=["单位:N", "主题:N", f"{ITEM_COLUMN}:Q"],
    ).properties(height=alt.Step(36))
    text = alt.Chart(data).mark_text(fontSize=12).encode(
        x=alt.X("主题:N", sort=order), y=alt.Y("单位:N", sort=[labels.get(u, u) for u in m["units"]]),
        text=f"{ITEM_COLUMN}:Q")
    chart = chart + text
    st.altair_chart(chart, width="stretch")
    if len(shown) > MAX_HEATMAP_THEMES:
        st.caption(f"热力图显示涉及单位最多的前 {MAX_HEATMAP_THEMES} 个主题。")


def theme_detail(doc: dict, theme: dict) -> None:
    measures = _measures(state.root(), state.generation())
    labels = unit_label(doc)
    st.subheader(f"{theme['label']}")
    st.markdown(" ".join(render.chip(t, "#637939") for t in term_labels(theme["terms"])[:8]), unsafe_allow_html=True)
    st.caption(f"{theme['unit_count']} 个单位,{render.problem_items(theme['size'])}。按单位列出问题及其整改措施。")
    by_unit: dict[str, list[dict]] = {}
    for m in _members(state.root(), state.generation(), theme["id"]):
        by_unit.setdefault(m["unit"], []).append(m)
    for unit, members in sorted(by_unit.items(), key=lambda kv: -len(kv[1])):
        st.markdown(f'<div class="xc-text" style="font-weight:600;margin-top:0.8rem">{render.esc(labels.get(unit, unit))}'
                    f'<span class="xc-meta">({render.esc(unit)})</span></div>', unsafe_allow_html=True)
        for m in members:
            show_member(m, measures.get(f"{m['report_id']}/{m['problem_id']}", []))


def show_member(m: dict, measures: list[str]) -> None:
    with st.container(border=True):
        meta = [f"问题 {m['problem_id']}"] + ([f"类别:{render.shorten(m['category'], 36)}"] if m.get("category") else [])
        st.markdown(f'<div class="xc-meta">{" · ".join(render.esc(x) for x in meta)}</div>'
                    f'<div class="xc-text">{render.esc(m["text"])}</div>', unsafe_allow_html=True)
        state.measures_and_source(measures, m["report_id"], m["problem_id"])


LEDGER_HELP = "每条问题一行:有子问题的问题按子问题逐条列出,上级问题写在「上级问题」列。"


def downloads() -> None:
    path, gen = state.root(), state.generation()
    left, right, _ = st.columns([1, 1, 3])
    left.download_button("下载问题台账(Excel)", data=_ledger(path, gen, "xlsx"), file_name="问题台账.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         icon=":material/download:", key="ledger_xlsx", help=LEDGER_HELP)
    right.download_button("下载问题台账(CSV)", data=_ledger(path, gen, "csv"), file_name="问题台账.csv",
                          mime="text/csv", icon=":material/download:", key="ledger_csv", help=LEDGER_HELP)



def main() -> None:
    st.title("共性问题")
    st.caption("把各单位被反馈的问题按内容自动归为主题,找出多个单位共有的问题,并查看各单位是怎样整改的。")
    if state.no_reports_notice():
        return
    with st.spinner("正在归纳共性问题…"):
        doc = state.safe(_snapshot, state.root(), state.generation())
    if doc is None:
        return
    if not doc["themes"]:
        st.info("问题太少,还归纳不出主题。", icon="💡")
        return
    cross = sum(t["unit_count"] >= 2 for t in doc["themes"])
    a, b, c = st.columns(3)
    a.metric("主题", len(doc["themes"]))
    b.metric("跨单位主题", cross)
    c.metric("单位", len(doc["unit_theme"]["units"]))
    st.caption(f"共 {render.problem_items(sum(t['size'] for t in doc['themes']))}归入 {len(doc['themes'])} 个主题"
               "(有子问题的问题按子问题逐条计,与问题台账的行数一致)。", help=render.ITEMS_HELP)
    cross_only = st.toggle("只看跨单位的主题", value=cross > 0, key="themes_cross_only")
    df, shown = themes_table(doc, cross_only)
    if not shown:
        st.info("没有跨单位的主题。关闭上方开关可查看全部主题。")
        return
    st.markdown("**主题一览**(点击一行查看该主题的问题;点击表头可排序)")
    st.dataframe(df, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=TABLE_KEY,
                 column_config={"主题": st.column_config.TextColumn(width="medium"),
                                "涉及单位数": st.column_config.NumberColumn(format="%d"),
                                "关键词": st.column_config.TextColumn(width="large"),
                                "编号": st.column_config.TextColumn(width="small")})
    st.markdown("**单位 × 主题**(颜色越深,该单位在该主题下的问题条数越多)")
    heatmap(doc, shown)
    type_map.show()
    downloads()
    st.divider()
    theme = pick_theme(shown)
    if theme is not None:
        theme_detail(doc, theme)


main()

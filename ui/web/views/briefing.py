"""自查清单 (巡前研判): the problem types inspections most often found in units like the chosen one,
with representative problems (source one click away), the most concrete measures, whether the unit
had the type itself, and .docx/.xlsx downloads. The service: ui/service/briefing.py.
Deep links: ?unit=<display or full name, also of a unit outside the workspace>, ?report=<report id>
(from 单位画像), &sector=<行业>&level=<省|市|县>."""
from __future__ import annotations

import streamlit as st

from ui.service.text import concreteness_label
from ui.web import render, state

DETAIL_PAGE = "views/detail.py"
AUTO_SECTOR = "按单位名称判断"
ALL_LEVELS = "全部层级"
PICK_KEY, OTHER_KEY, SECTOR_KEY, LEVEL_KEY = "brief_pick", "brief_other", "brief_sector", "brief_level"
OPEN_TYPES = 3  # the first types are unfolded; the rest are one click away


@st.cache_data(show_spinner=False, max_entries=8)
def _units(path: str, gen: int) -> list[tuple[str, str, tuple[str, ...]]]:
    """(display name, full name, report ids) of every unit of the workspace, by display name."""
    from ui.service.briefing import unit_profiles

    profiles = unit_profiles(state.get_workspace(path).reports())
    return sorted(((p.unit_short, p.unit, p.report_ids) for p in profiles), key=lambda u: u[0])


@st.cache_data(show_spinner=False, max_entries=32)
def _briefing(path: str, gen: int, unit: str, sector: str | None, level: str | None) -> dict:
    from ui.service.briefing import build_briefing

    return build_briefing(state.get_workspace(path), unit, sector=sector, level=level).to_json()


@st.cache_data(show_spinner=False, max_entries=32)
def _file(path: str, gen: int, unit: str, sector: str | None, level: str | None, fmt: str) -> bytes:
    from ui.service.briefing_export import briefing_bytes

    return briefing_bytes(_briefing(path, gen, unit, sector, level), fmt)


def _sector_names() -> list[str]:
    from reports.analysis.sectors import sector_table

    return [s.name for s in sector_table().sectors.values()]


def choose() -> tuple[str | None, str | None, str | None]:
    """(unit, sector, level) from the widgets, seeded once from the URL and written back to it."""
    units = _units(state.root(), state.generation())
    names = [u[0] for u in units]
    by_report = {rid: u[0] for u in units for rid in u[2]}
    by_full = {u[1]: u[0] for u in units}
    linked = st.query_params.get("unit")
    report = st.query_params.get("report")
    seed = (linked, report, st.query_params.get("sector"), st.query_params.get("level"))
    if st.session_state.get("brief_seed") != seed:  # a new deep link (or the first visit) sets the widgets
        st.session_state["brief_seed"] = seed
        mine = by_full.get(st.session_state.get("my_unit") or "")
        picked = by_report.get(report or "") or (linked if linked in names else by_full.get(linked or "")) or mine
        st.session_state[PICK_KEY] = picked if picked in names else names[0]
        st.session_state[OTHER_KEY] = linked if linked and linked not in names and linked not in by_full else ""
        st.session_state[SECTOR_KEY] = seed[2] if seed[2] in _sector_names() else AUTO_SECTOR
        st.session_state[LEVEL_KEY] = seed[3] if seed[3] in ("省", "市", "县") else ALL_LEVELS
    c1, c2 = st.columns([2, 3])
    pick = c1.selectbox("单位", names, key=PICK_KEY, placeholder="选择单位", help="工作区中的单位;同一单位的多轮报告合为一个单位。")
    other = c2.text_input("或输入其他单位的全称(可以不在工作区中)", key=OTHER_KEY,
                          placeholder="例如:中共某某市卫生健康委员会党组",
                          help="按单位名称判断行业和层级,再找工作区中的同类单位。")
    c3, c4 = st.columns(2)
    sector = c3.selectbox("行业", [AUTO_SECTOR, *_sector_names()], key=SECTOR_KEY, placeholder="选择行业",
                          help="按哪个行业找同类单位;默认由单位名称判断。")
    level = c4.selectbox("同类单位的层级", [ALL_LEVELS, "省", "市", "县"], key=LEVEL_KEY, placeholder="选择层级")
    unit = (other or "").strip() or pick
    params = {"unit": unit, **({"sector": sector} if sector != AUTO_SECTOR else {}),
              **({"level": level} if level != ALL_LEVELS else {})}
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
        st.session_state["brief_seed"] = (unit, None, params.get("sector"), params.get("level"))
    return unit, (sector if sector != AUTO_SECTOR else None), (level if level != ALL_LEVELS else None)


def peers(b: dict) -> None:
    """The peers as a list a reader (and the browser's find) can read: name, full name, why."""
    st.subheader(f"同类单位({len(b['peers'])} 个)")
    if b["peers"]:
        rows = "".join(f'<li><b>{render.esc(p["unit_short"])}</b> <span class="xc-meta">{render.esc(p["unit"])} · '
                       f'{render.esc(p.get("level") or "层级不明")}级 · {render.esc(p.get("kind") or "—")}</span><br>'
                       f'{render.esc(p["why"])}</li>' for p in b["peers"])
        st.markdown(f'<ol class="xc-text xc-peers">{rows}</ol>', unsafe_allow_html=True)
    for note in b.get("notes") or []:
        st.warning(render.md(note), icon=":material/info:")


def downloads(unit: str, sector: str | None, level: str | None, b: dict) -> None:
    from ui.service.briefing_export import MIME, export_name

    c1, c2, _ = st.columns([1, 1, 2])
    for col, fmt, label in ((c1, "docx", "下载文档(.docx)"), (c2, "xlsx", "下载表格(.xlsx)")):
        data = state.safe(_file, state.root(), state.generation(), unit, sector, level, fmt)
        if data is not None:
            col.download_button(label, data=data, file_name=export_name(b, fmt), mime=MIME[fmt],
                                icon=":material/download:", key=f"brief_dl_{fmt}")


def _item(text: str, source: str, report_id: str, problem_id: str, n: int) -> None:
    st.markdown(f'<div class="xc-text">{n}. {render.esc(text)}</div>'
                f'<div class="xc-meta">来源:{render.esc(source)}</div>', unsafe_allow_html=True)
    st.page_link(DETAIL_PAGE, label="查看原文", icon=":material/arrow_forward:",
                 query_params={"report": report_id, "problem": problem_id})


def types(b: dict) -> None:
    from reports.grammar.numerals import int_to_cn
    from ui.service.briefing_text import NO_MEASURES, source_text, target_text, type_heading

    st.subheader("常见问题类型")
    st.caption("按有此类问题的同类单位数排序(不是按问题条数);每类附典型问题、同类单位最具体的整改做法,"
               "以及本单位是否也有过此类问题。")
    if not b["types"]:
        st.info("同类单位中没有可列出的问题。", icon=":material/info:")
        return
    for n, t in enumerate(b["types"], 1):
        label = f"{int_to_cn(n) if n < 100 else n}、{type_heading(t)}"
        with st.expander(render.md(label), expanded=n <= OPEN_TYPES):
            if t.get("definition"):
                st.caption(render.md(t["definition"]))
            if t.get("note"):
                st.caption(render.md(f"注意:{t['note']}"))
            mine = target_text(t["target"])
            (st.warning if t["target"]["had"] else st.info)(render.md(mine), icon=":material/fact_check:")
            for p in t["target"].get("problems") or []:
                st.page_link(DETAIL_PAGE, label=render.md(f"本单位问题 {p['problem_id']}:{render.shorten(p['text'], 50)}"),
                             query_params={"report": p["report_id"], "problem": p["problem_id"]})
            st.markdown("**典型问题**")
            for k, e in enumerate(t["examples"], 1):
                _item(e["text"], source_text(e), e["report_id"], e["problem_id"], k)
            if t["measures"]:
                st.markdown("**整改做法**(按具体程度:可核查的文件、时间、数量等越多越靠前)")
                for k, m in enumerate(t["measures"], 1):
                    _item(f"{m['text']}(具体程度 {concreteness_label(m['concreteness'])})", source_text(m), m["report_id"], m["problem_id"], k)
            else:
                st.caption(NO_MEASURES)


def main() -> None:
    st.title("自查清单")
    st.caption("巡前研判与自查:同类单位(同行业、同层级、同为巡视或巡察)在巡视巡察中最常被发现的问题,"
               "以及它们最具体的整改做法。")
    if state.no_reports_notice():
        return
    unit, sector, level = choose()
    if not unit:
        return
    b = state.safe(_briefing, state.root(), state.generation(), unit, sector, level)
    if b is None:
        return
    from ui.service.briefing_text import profile_text

    st.markdown(f'<div class="xc-text" style="font-size:1.2rem;font-weight:600">{render.esc(b.get("unit_short") or b["unit"])}'
                f'</div><div class="xc-meta">{render.esc(b["unit"])} · {render.esc(profile_text(b))}</div>',
                unsafe_allow_html=True)
    downloads(unit, sector, level, b)
    peers(b)
    types(b)


main()

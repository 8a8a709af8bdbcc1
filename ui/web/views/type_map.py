"""共性问题页的「单位 × 问题类型」: counts per unit and problem type, each a link that lists those
problems below the map (?ptype=<type id>&punit=<display name>)."""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from ui.web import render, state

TYPE_KEY, UNIT_KEY = "ptype", "punit"


@st.cache_data(show_spinner=False, max_entries=8)
def _records(path: str, gen: int) -> list[dict]:
    from reports.store.problem_list import problem_records

    return problem_records(state.get_workspace(path).store)


def cell_link(type_id: str, unit: str) -> str:
    return "?" + urlencode({TYPE_KEY: type_id, UNIT_KEY: unit})


def map_html(matrix: dict) -> str:
    """The map as an HTML table: types (grouped) down, units across, counts shaded and linked."""
    top = max((n for row in matrix["counts"] for n in row), default=0) or 1
    head = "".join(f'<th class="xc-tm-unit">{render.esc(u)}</th>' for u in matrix["units"])
    rows, group = [], None
    for t, counts in zip(matrix["types"], matrix["counts"], strict=True):
        if t["group"] != group:
            group = t["group"]
            rows.append(f'<tr><td class="xc-tm-group" colspan="{len(matrix["units"]) + 1}">{render.esc(group)}</td></tr>')
        cells = []
        for unit, n in zip(matrix["units"], counts, strict=True):
            if not n:
                cells.append("<td></td>")
                continue
            alpha = 0.12 + 0.6 * n / top
            cells.append(f'<td style="background:rgba(214,96,39,{alpha:.2f})">'
                         f'<a href="{render.esc(cell_link(t["id"], unit))}" target="_self" '
                         f'title="{render.esc(unit)} · {render.esc(t["name"])}">{n}</a></td>')
        rows.append(f'<tr><th class="xc-tm-type">{render.esc(t["name"])}</th>{"".join(cells)}</tr>')
    style = ("<style>.xc-tm{border-collapse:collapse;font-size:0.9rem}.xc-tm td,.xc-tm th{border:1px solid #eee;"
             "padding:3px 8px;text-align:center}.xc-tm th.xc-tm-type{text-align:left;font-weight:500}"
             ".xc-tm td.xc-tm-group{text-align:left;font-weight:600;background:#f6f6f6}"
             ".xc-tm a{text-decoration:none;font-weight:600;color:#222}</style>")
    return f'{style}<table class="xc-tm"><tr><th>问题类型</th>{head}</tr>{"".join(rows)}</table>'


def show() -> None:
    """The map, and under it the problems of the clicked cell."""
    from reports.analysis.problemtypes import taxonomy
    from reports.store.problem_list import unit_type_matrix

    records = state.safe(_records, state.root(), state.generation())
    if not records:
        return
    matrix = unit_type_matrix(records)
    st.markdown("**单位 × 问题类型**(按巡视巡察常用问题分类;数字为问题数,一个问题可属两类;点击数字查看这些问题)")
    st.markdown(f'<div class="xc-type-map">{map_html(matrix)}</div>', unsafe_allow_html=True)
    type_id, unit = st.query_params.get(TYPE_KEY), st.query_params.get(UNIT_KEY)
    chosen = taxonomy().resolve(type_id) if type_id else None
    if chosen is None or unit not in matrix["units"]:
        return
    picked = [r for r in records if r["leaf"] and r["unit_short"] == unit and chosen.id in r["type_ids"]]
    st.markdown(f"**{render.esc(unit)} · {render.esc(chosen.name)}**({len(picked)} 个问题)")
    st.caption(chosen.definition)
    for r in picked:
        with st.container(border=True):
            evidence = next((e for e in r["type_evidence"] if e["type_id"] == chosen.id), None)
            why = "、".join((evidence or {}).get("keywords") or (evidence or {}).get("context_keywords") or [])
            meta = [f"问题 {r['problem_id']}", f"类别:{render.shorten(r['category'], 36)}"] + ([f"依据:{why}"] if why else [])
            st.markdown(f'<div class="xc-meta">{" · ".join(render.esc(x) for x in meta)}</div>'
                        f'<div class="xc-text">{render.esc(r["text"])}</div>', unsafe_allow_html=True)
            state.measures_and_source(r["measures"], r["report_id"], r["problem_id"])

"""实体关系: an entity's neighbourhood as an interactive graph, its properties, and a path between
two entities; deep link ?entity=<node id> (docs/decisions.md, "UI")."""
from __future__ import annotations

import hashlib

import streamlit as st
from st_link_analysis import Event, st_link_analysis

from graph.query import public_attrs
from reports.shared import notices
from ui.service.text import attr_rows
from ui.web import entity_picker as entity_picker_rows
from ui.web import render, state
from ui.web.graph_component import LAYOUT, edge_styles, localize, styles

GRAPH_KEY = "entity_graph"
OVERVIEW_KEY = "entity_overview"
OVERVIEW_TOP = 12  # people and regulations shown in the overview, most connected first
OVERVIEW_UNITS = 40  # units the overview draws at most, most connected first (the caption says of how many)
MAX_NEIGHBOURS = 40
TABLE_ROWS = 100  # rows of the 相邻实体 table, the relations stated by the most reports first
SOURCES = 10  # source reports named in the properties, the latest first
MAX_NODES = 220
DEFAULT_HIDDEN = ("Category",)
GRAPH_TYPES = ("Unit", "Organization", "Person", "InspectionTeam", "Regulation", "Document", "Work", "Place",
               "Problem", "Report", "Category", "Theme")
UNIT_PAGE = "views/unit.py"
DETAIL_PAGE = "views/detail.py"


def opaque(node: str) -> str:
    return "n" + hashlib.sha1(node.encode("utf-8")).hexdigest()[:12]


def caption(d: dict, node: str) -> str:
    t = d.get("type")
    if t == "Problem":
        return f"问题{d.get('problem_id', '')}:{render.shorten(d.get('text') or d.get('name') or '', 16)}"
    if t == "Report":
        return f"通报·{d.get('display') or d.get('unit_short') or render.shorten(d.get('unit') or d.get('name') or '', 12)}"
    if t == "Category":
        return f"类别:{render.shorten(d.get('name') or '', 14)}"
    if t == "ProblemType":
        return f"类型:{d.get('name') or ''}"
    return render.shorten(d.get("display") or d.get("name") or node, 18)



# -- session state -------------------------------------------------------------------------------

def _session() -> dict:
    return st.session_state.setdefault("ent", {"center": None, "nodes": [], "selected": None, "path": [],
                                                "ids": {}, "hidden": 0, "mount": 0})


def graph_key() -> str:
    """The component's key; bumped (remount, fresh layout) when the node set is replaced or a path
    is added. Expansions keep the key: the component lays new neighbours out around the old ones."""
    return f"{GRAPH_KEY}_{_session()['mount']}"


def set_center(node: str, types: set[str]) -> None:
    s = _session()
    shown, hidden = state.workspace().graph.ranked_neighbours(node, types, MAX_NEIGHBOURS)
    s.update(center=node, nodes=[node, *shown], selected=node, path=[], hidden=hidden, mount=s["mount"] + 1)


def expand(node: str, types: set[str]) -> None:
    graph = state.workspace().graph
    s = _session()
    if not graph.attrs([node]):
        return
    shown, hidden = graph.ranked_neighbours(node, types, MAX_NEIGHBOURS)
    have = set(s["nodes"])
    s["nodes"] += [n for n in shown if n not in have][: max(0, MAX_NODES - len(have))]
    s["hidden"] = hidden
    s["selected"] = node


def _on_graph_event() -> None:
    value = st.session_state.get(graph_key()) or {}
    s = _session()
    data = value.get("data") or {}
    ids = data.get("node_ids") or ([data["target_id"]] if data.get("target_id") else [])
    nodes = [s["ids"][i] for i in ids if i in s["ids"]]
    if not nodes:
        return
    action = value.get("action")
    types = set(st.session_state.get("ent_show_types") or GRAPH_TYPES)
    if action == "expand":
        expand(nodes[0], types)
    elif action == "remove":
        keep = {s["center"], *s["path"]}
        s["nodes"] = [n for n in s["nodes"] if n not in nodes or n in keep]
    elif action == "select":
        s["selected"] = nodes[0]


# -- picking --------------------------------------------------------------------------------------

def entity_picker() -> str | None:
    if not entity_picker_rows.options():
        st.info("知识图谱中还没有实体。请先到「导入报告」页面导入报告。", icon=":material/folder_open:")
        return None
    present = state.workspace().graph.node_types()
    wanted = st.pills("实体类型", [t for t in state.ENTITY_TYPES if t in present], selection_mode="multi",
                      format_func=render.type_label, key="ent_types", help="不选则包括全部类型")
    types = tuple(wanted) or state.ENTITY_TYPES
    linked = st.query_params.get("entity")
    if linked and st.session_state.get("ent_linked") != linked and entity_picker_rows.row(linked):
        st.session_state["ent_linked"] = linked
        st.session_state["ent_pick"] = linked
    # a typed name (the picker lists only the most connected entities) means an entity
    picked, notice = entity_picker_rows.resolve(st.session_state.get("ent_pick"), types)
    if picked and entity_picker_rows.row(picked)[1] not in types:
        picked = None
    st.session_state["ent_pick"] = picked
    ids, by_id = entity_picker_rows.choices(types, picked)
    pick = st.selectbox("选择实体(可输入名称搜索)", ids, key="ent_pick", placeholder="输入人名、单位、法规或文件名称…",
                        format_func=lambda n: entity_picker_rows.label(by_id.get(n)), accept_new_options=True,
                        help=f"列出关联最多的 {len(ids)} 个实体;其他实体可输入名称中的几个字后按回车。")
    if notice:
        st.info(notice, icon=":material/search:")
    if pick and pick in by_id and st.query_params.get("entity") != pick:
        st.query_params["entity"] = pick
    return pick if pick in by_id else None


# -- drawing --------------------------------------------------------------------------------------

def elements(nodes: list[str], center: str | None, path: list[str],
             links: list[tuple[str, str, str]] | None = None) -> dict:
    """Cytoscape elements for `nodes`; `links` (source, target, edge type) default to the graph's
    own edges among them."""
    s = _session()
    graph = state.workspace().graph
    keep = graph.attrs(nodes)
    on_path = set(path)
    out_nodes = []
    for n, d in keep.items():
        oid = opaque(n)
        s["ids"][oid] = n
        ctx = graph.context(n)
        data = {"id": oid, "label": caption(d, n), "kind": d.get("type") or "",
                "类型": render.esc(render.type_label(d.get("type"))), "名称": render.esc(d.get("name") or n)}
        if ctx:
            data["说明"] = render.esc(ctx)
        if d.get("type") == "Person" and d.get("roles"):
            data["职务"] = render.esc("、".join(sorted(d["roles"])))
        data["来源报告数"] = len(d.get("reports") or ())
        data["center"] = 1 if n == center else 0
        data["onpath"] = 1 if n in on_path else 0
        out_nodes.append({"data": data})
    edges = []
    for u, v, k in (graph.edges_among(keep) if links is None else links):
        if u not in keep or v not in keep:
            continue
        eid = "e" + hashlib.sha1(f"{u}|{v}|{k}".encode()).hexdigest()[:12]
        both = 1 if (u in on_path and v in on_path) else 0
        edges.append({"data": {"id": eid, "source": opaque(u), "target": opaque(v),
                               "label": render.EDGE_LABELS.get(k, render.esc(k)), "onpath": both}})
    return {"nodes": out_nodes, "edges": edges}


def draw_graph(s: dict) -> None:
    data = elements(s["nodes"], s["center"], s["path"])
    types = sorted({n["data"]["kind"] for n in data["nodes"]}, key=lambda t: GRAPH_TYPES.index(t)
                   if t in GRAPH_TYPES else 99)
    st.markdown(f'<div class="xc-meta">图例:{render.legend(types)}</div>', unsafe_allow_html=True)
    localize()
    st_link_analysis(data, layout=LAYOUT, node_styles=styles(types), edge_styles=edge_styles(), height=560,
                     key=graph_key(), on_change=_on_graph_event, node_actions=["expand", "remove"],
                     events=[Event("select", "tap", "node")])
    hint = "单击节点查看属性,双击节点(或选中后点左上角按钮)展开其邻居;选中后按 Delete 可从图中移除。"
    if s.get("hidden"):
        hint += f" 最近一次展开另有 {s['hidden']} 个邻居因数量过多未画出,可在右侧「相邻实体」表中查看。"
    st.caption(hint)


# -- properties -----------------------------------------------------------------------------------

def _sources(reports: list[str]) -> str:
    """The latest SOURCES of an entity's reports by their units' names, and how many more there are."""
    ws = state.workspace()
    dates, names = ws.store.report_dates(reports), ws.store.unit_names()
    latest = sorted(reports, key=lambda r: (dates.get(r, ""), r), reverse=True)
    shown = "、".join(names.get(r, r) for r in latest[:SOURCES])
    return shown + (f" 等 {len(reports)} 份(列出最近的 {SOURCES} 份)" if len(reports) > SOURCES else "")


def properties(node: str, types: set[str]) -> None:
    svc = state.workspace().graph
    d = svc.attrs([node]).get(node, {})   # not the profile: its spans are every report's (thousands)
    st.markdown(f'{render.chip(render.type_label(d.get("type")), render.TYPE_COLORS.get(d.get("type"), "#999"))}'
                f' <b style="font-size:1.05rem" title="{render.esc(d.get("full_name") or d.get("name") or node)}">'
                f'{render.esc(d.get("display") or d.get("name") or node)}</b>'
                + (f'<div class="xc-meta">{render.esc(d["name"])}</div>'
                   if d.get("display") and d.get("name") and d["display"] != d["name"] else ""),
                unsafe_allow_html=True)
    if d.get("type") == "Problem" and d.get("text"):
        st.markdown(render.paragraph(d["text"]), unsafe_allow_html=True)
    rows = [{"属性": label, "值": value} for label, value in attr_rows(public_attrs(d))]
    aliases = [a for a in d.get("aliases", ()) if a != d.get("name")]
    if aliases:
        rows.append({"属性": "别名/原文写法", "值": "、".join(sorted(aliases))})
    if d.get("reports"):
        rows.append({"属性": "来源报告", "值": _sources(sorted(d["reports"]))})
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    if c1.button("展开邻居", key="ent_expand", icon=":material/open_in_full:", width="stretch"):
        expand(node, types)
        st.rerun()
    if node != _session()["center"] and c2.button("设为中心", key="ent_recenter", icon=":material/center_focus_strong:",
                                                   width="stretch"):
        set_center(node, types)
        st.session_state["ent_pick"] = node if d.get("type") in state.ENTITY_TYPES else None
        st.rerun()
    if d.get("type") == "Problem":
        st.page_link(DETAIL_PAGE, label="查看问题详情", icon=":material/article:",
                     query_params={"report": d["report_id"], "problem": d["problem_id"]})
    elif d.get("type") == "Report":
        st.page_link(UNIT_PAGE, label="查看单位画像", icon=":material/apartment:",
                     query_params={"report": d["report_id"]})
    neighbours, total = svc.top_neighbours(node, TABLE_ROWS, attributes=False)
    if neighbours:
        with st.expander(f"相邻实体({total})", icon=":material/lan:"):
            st.dataframe([{"关系": render.EDGE_LABELS.get(r["edge"], r["edge"]) + ("→" if r["direction"] == "out" else "←"),
                           "类型": render.type_label(r["type"]), "名称": r["name"] or r["id"],
                           "来源报告数": r["report_count"]} for r in neighbours],
                         hide_index=True, width="stretch")
            if total > len(neighbours):
                st.caption(notices.render("graph_neighbors_capped",
                                          {"total": total, "shown": len(neighbours), "left": total - len(neighbours)}))


# -- path -----------------------------------------------------------------------------------------

def path_finder(center: str, types: set[str]) -> None:
    st.subheader("两个实体之间的关联路径")
    for key in ("ent_path_a", "ent_path_b"):   # a typed name means an entity (the lists are capped)
        if st.session_state.get(key):
            st.session_state[key] = entity_picker_rows.resolve(st.session_state[key], state.ENTITY_TYPES)[0]
    if st.session_state.get("ent_path_center") != center:
        st.session_state["ent_path_center"] = center
        st.session_state["ent_path_a"] = center
    ids, by_id = entity_picker_rows.choices(state.ENTITY_TYPES, center, st.session_state.get("ent_path_a"),
                                            st.session_state.get("ent_path_b"))
    c1, c2, c3 = st.columns([3, 3, 2])
    a = c1.selectbox("起点", ids, key="ent_path_a", format_func=lambda n: entity_picker_rows.label(by_id.get(n)),
                     placeholder="选择起点实体", accept_new_options=True)
    b = c2.selectbox("终点", ids, key="ent_path_b", format_func=lambda n: entity_picker_rows.label(by_id.get(n)),
                     placeholder="选择终点实体", accept_new_options=True)
    avoid = c3.multiselect("绕开类型", ["Place", "Category", "Report", "InspectionTeam", "Organization"],
                           default=["Place", "Category"], format_func=render.type_label, key="ent_path_avoid", placeholder="不绕开",
                           help="地区、问题类别等节点几乎连接一切,默认绕开,以找出更有意义的关联。")
    if st.button("查找路径", key="ent_path_go", icon=":material/route:", disabled=not (a and b)):
        if a == b:
            st.warning("起点和终点是同一个实体。")
            return
        result = state.safe(state.workspace().graph.shortest_path, a, b, avoid)
        if result is None:
            st.session_state["ent_path_result"] = None
            return
        st.session_state["ent_path_result"] = result
        s = _session()
        path_nodes = [n["id"] for n in result["nodes"]]
        s["path"] = path_nodes
        s["nodes"] = list(dict.fromkeys([*s["nodes"], *path_nodes]))
        s["mount"] += 1
        st.rerun()
    result = st.session_state.get("ent_path_result")
    if result:
        st.markdown(path_html(result), unsafe_allow_html=True)
        st.caption(f"路径长度 {result['length']} 步;路径上的节点和关系已在上方图中用红色标出。")


def path_html(result: dict) -> str:
    nodes = result["nodes"]
    edge_of = {}
    for e in result["edges"]:
        edge_of.setdefault(frozenset((e["source"], e["target"])), []).append(e)
    parts = []
    shown = state.workspace().graph.attrs([n["id"] for n in nodes])
    for i, n in enumerate(nodes):
        d = shown.get(n["id"], {})
        tip = " · ".join(x for x in (render.type_label(n.get("type")), d.get("full_name") or
                                     (n.get("name") if d.get("display") else None)) if x)
        parts.append(render.chip(d.get("display") or n.get("name") or n["id"],
                                 render.TYPE_COLORS.get(n.get("type"), "#999"), title=tip))
        if i + 1 < len(nodes):
            es = edge_of.get(frozenset((n["id"], nodes[i + 1]["id"])), [])
            label = "/".join(dict.fromkeys(render.EDGE_LABELS.get(e["type"], e["type"]) for e in es)) or "—"
            parts.append(f'<span class="xc-arrow">—{render.esc(label)}—</span>')
    return f'<div class="xc-path">{"".join(parts)}</div>'


# -- overview (before anything is picked) -------------------------------------------------------

def _on_overview_event() -> None:
    """A node tapped in the overview becomes the picked entity."""
    value = st.session_state.get(OVERVIEW_KEY) or {}
    data = value.get("data") or {}
    ids = data.get("node_ids") or ([data["target_id"]] if data.get("target_id") else [])
    nodes = [_session()["ids"][i] for i in ids if i in _session()["ids"]]
    if nodes and value.get("action") == "select":
        st.session_state["ent_pick"] = nodes[0]
        st.session_state["ent_types"] = []  # the picker shows every type, so the tapped node is among its options


def overview() -> None:
    graph = state.workspace().graph
    nodes, links = graph.overview(OVERVIEW_TOP, OVERVIEW_UNITS)
    if not nodes:
        return
    data = elements(nodes, None, [], links)
    types = sorted({n["data"]["kind"] for n in data["nodes"]}, key=lambda t: GRAPH_TYPES.index(t)
                   if t in GRAPH_TYPES else 99)
    st.subheader("工作区概览")
    st.markdown(f'<div class="xc-meta">图例:{render.legend(types)}</div>', unsafe_allow_html=True)
    localize()
    st_link_analysis(data, layout=LAYOUT, node_styles=styles(types), edge_styles=edge_styles(), height=520,
                     key=OVERVIEW_KEY, on_change=_on_overview_event, events=[Event("select", "tap", "node")])
    total = graph.count("Unit")
    units = "全部被巡察单位和巡察(视)组" if total <= OVERVIEW_UNITS else f"关联最多的 {OVERVIEW_UNITS} 个被巡察单位及其巡察(视)组"
    st.caption(f"{units},以及关联最多的 {OVERVIEW_TOP} 名人员和 {OVERVIEW_TOP} 部党内法规;"
               "「见于」表示该人员或法规出现在这个单位的报告中。单击节点查看它的全部关系。")
    if total > OVERVIEW_UNITS:
        st.info(notices.render("graph_overview_capped", {"total": total, "shown": OVERVIEW_UNITS}),
                icon=":material/filter_alt:")


def main() -> None:
    st.title("实体关系")
    st.caption("人员、单位、巡察组、党内法规和文件之间的关联,全部来自已导入报告的原文。")
    pick = entity_picker()
    if not pick:
        if entity_picker_rows.options():
            st.info("在上方选择一个实体(可输入名称搜索),或单击下图中的节点,查看它与其他单位、人员、法规和问题的关系。",
                    icon=":material/lightbulb:")
            overview()
        return
    graph = state.workspace().graph
    if not graph.attrs([pick]):
        st.error("该实体已不在知识图谱中(报告可能已被删除)。", icon=":material/warning:")
        return
    present = graph.node_types()
    offered = [t for t in GRAPH_TYPES if t in present]
    shown_types = st.pills("图中显示的类型", offered, selection_mode="multi", key="ent_show_types",
                           default=[t for t in offered if t not in DEFAULT_HIDDEN],
                           format_func=render.type_label)
    types = set(shown_types or GRAPH_TYPES)
    s = _session()
    if s["center"] != pick or st.session_state.get("ent_types_seen") != sorted(types):
        st.session_state["ent_types_seen"] = sorted(types)
        set_center(pick, types)
        st.session_state["ent_path_result"] = None
    s["nodes"] = list(graph.attrs(s["nodes"]))
    if s["selected"] is None or not graph.attrs([s["selected"]]):
        s["selected"] = s["center"]
    left, right = st.columns([5, 2])
    with left:
        draw_graph(s)
    with right:
        st.subheader("属性")
        properties(s["selected"] or pick, types)
    st.divider()
    path_finder(pick, types)


main()

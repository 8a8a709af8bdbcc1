"""The Streamlit app (`xuncha ui` runs it): navigation, first-run bootstrap, sidebar, styles;
one module per page in views/ (docs/decisions.md, "UI")."""
from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from reports.shared import notices
from reports.shared.notices import XunchaError
from ui.web import pickers, render, resources, state

HERE = Path(__file__).resolve().parent
log = logging.getLogger("xuncha.ui")

CSS = """
<style>
mark.xc-hit { background: #ffe08a; padding: 0 1px; border-radius: 2px; }
.xc-text { line-height: 1.75; font-size: 0.98rem; }
.xc-context { line-height: 1.9; font-size: 0.98rem; background: #fafafa; border: 1px solid #eee;
  border-radius: 6px; padding: 0.8rem 1rem; max-height: 28rem; overflow-y: auto; }
.xc-context .problem { background: #ffe08a; font-weight: 600; }
.xc-context .rect { background: #e3f2e1; }
.xc-context .entity { border-bottom: 2px solid #1f77b4; }
.xc-chip { display: inline-block; color: #fff; border-radius: 10px; padding: 1px 9px; margin: 2px 4px 2px 0;
  font-size: 0.8rem; white-space: nowrap; }
.xc-meta { color: #555; font-size: 0.88rem; }
.xc-tier { border-radius: 8px; padding: 0 7px; font-size: 0.8rem; white-space: nowrap; }
.xc-tier-high { background: #e3f2e1; color: #1b5e20; }
.xc-tier-possible { background: #f1f1f1; color: #555; }
.xc-path { line-height: 2.2; }
.xc-fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0.5rem 1.2rem;
  margin: 0.6rem 0 1rem; }
.xc-field > div:last-child { font-size: 1rem; }
.xc-arrow { color: #888; margin: 0 4px; font-size: 0.85rem; }
table.xc-cat { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.8rem; font-size: 0.95rem; }
table.xc-cat th { text-align: left; color: #555; font-weight: 500; border-bottom: 1px solid #ddd; padding: 4px 8px;
  white-space: nowrap; }
table.xc-cat td { border-bottom: 1px solid #eee; padding: 5px 8px; vertical-align: top; line-height: 1.6; }
table.xc-cat td.xc-num { white-space: nowrap; text-align: left; }
.xc-bar { display: inline-block; height: 0.75rem; background: #1f77b4; border-radius: 2px; margin-right: 6px;
  vertical-align: middle; }
.xc-part { font-weight: 600; margin: 0.3rem 0 0.1rem; font-size: 0.92rem; }
li.xc-same { color: #888; }
/* Streamlit's English key hints under inputs ("Press Enter to apply"); each input's help says it in Chinese */
[data-testid="InputInstructions"] { display: none; }
/* a picker that takes a typed value offers it as "Add: <text>" (English, in one text node): said in Chinese */
[role="option"][data-key="__creatable__"] > div { font-size: 0 !important; }
[role="option"][data-key="__creatable__"] > div::before { content: "使用输入的文字(回车)"; font-size: 0.95rem; }
/* the keyboard user's first stop ("Skip to main content") */
a[data-testid="stSkipToContent"] { font-size: 0 !important; }
a[data-testid="stSkipToContent"]::after { content: "跳到正文"; font-size: 1rem; }
</style>
"""

# No page icons: Streamlit makes the current page's icon the favicon, and a material icon becomes
# a fonts.gstatic.com URL (users are air-gapped; the browser test fails on any off-machine request).
PAGES = [
    ("views/search.py", "相似问题检索", "search"),
    ("views/detail.py", "问题详情", "detail"),
    ("views/entities.py", "实体关系", "entities"),
    ("views/unit.py", "单位画像", "unit"),
    ("views/themes.py", "共性问题", "themes"),
    ("views/briefing.py", "自查清单", "briefing"),
    ("views/upload.py", "导入报告", "upload"),
]


HOME = "search"  # the first page, served at "/"


NOT_FOUND = "not-found"  # the hidden page an unknown address opens


def pages() -> list[st.Page]:
    """The pages, plus a hidden /search that forwards to the first page (served at "/"), and a hidden
    page saying, in Chinese, that an address names no page (Streamlit's own answer is an English
    "Page not found" dialog)."""
    ws = state.workspace()
    out, home = [], None
    for path, title, url in PAGES:
        # on the class: the instance's cached_property would load the graph and themes before the first answer
        if url == "themes" and not (hasattr(type(ws), "themes") and (HERE / path).exists()):
            continue  # themes across units come with a later piece of work (ws.themes + the page)
        if url == HOME:  # its own url_path is never shown ("/"): renamed to free HOME for the alias
            out.append(home := st.Page(path, title=title, url_path=f"{url}-home", default=True))
        else:
            out.append(st.Page(path, title=title, url_path=url))
    out.append(st.Page(lambda: st.switch_page(home, query_params=st.query_params.to_dict()), title=home.title,
                       url_path=HOME, visibility="hidden"))
    out.append(st.Page(lambda: not_found(home), title="页面不存在", url_path=NOT_FOUND, visibility="hidden"))
    _route_unknown({p.url_path for p in out})
    return out


def _route_unknown(known: set[str]) -> None:
    """An address no page has (/foo, /a/b) is sent to the hidden 页面不存在 page before Streamlit
    resolves it, so its English dialog never opens; the name asked for is kept for the message."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)
    if manager is None or manager.intended_page_script_hash:
        return
    asked = (manager.intended_page_name or "").strip("/")
    if asked and asked not in known:
        st.session_state["page_not_found"] = asked
        manager.set_script_intent("", NOT_FOUND)


def not_found(home: st.Page) -> None:
    st.title("页面不存在")
    asked = st.session_state.pop("page_not_found", None)
    st.warning(render.md(notices.render("page_not_found", {"page": asked}) if asked else "没有这个页面"),
               icon=":material/link_off:")
    st.page_link(home, label=f"打开首页:{home.title}", icon=":material/home:")


def sidebar(box) -> None:
    """The workspace line and 本单位, into ``box`` (a sidebar container made before the page ran). Reads
    the workspace catalog (one object per store generation), never every report's summary: a rerun's
    cost does not grow with the store."""
    with box:
        cat = pickers.workspace_catalog()
        st.caption(f"工作区:{cat.reports} 份报告,{render.problem_count(cat.problems, cat.items)}", help=render.ITEMS_HELP)
        names = pickers.unit_display()
        mine = st.session_state.get("my_unit")
        hover = pickers.unit_hover(mine)
        more = pickers.capped("单位", len(names))
        st.selectbox("本单位", pickers.unit_choices(mine), index=None, key="my_unit", placeholder="选择本单位(可选)",
                     format_func=lambda u: names.get(u, u), accept_new_options=True, on_change=_resolve_mine,
                     help="选定后,检索时可一键排除本单位自己的问题,只看其他单位的同类问题和整改做法。"
                          + (f"\n\n{more}" if more else "") + (f"\n\n{hover}" if hover else ""))


def _resolve_mine() -> None:
    """A typed 本单位 (a name not in the listed choices) becomes the unit it names, when exactly one
    does; otherwise it is cleared, with a notice: 本单位 is one unit (its reports are excluded)."""
    typed = st.session_state.get("my_unit")
    if not typed or typed in pickers.unit_display():
        return
    unit = pickers.search_units(typed)
    st.session_state["my_unit"] = unit
    if unit is None:
        st.toast(f"没有找到唯一的单位「{typed}」:请输入单位全称或简称中的更多字。", icon=":material/search_off:")


def main() -> None:
    # No menu items: Streamlit's menu and its About dialog are English ("Made with Streamlit"), and with
    # client.toolbarMode=minimal (xuncha ui) an empty menu is not drawn at all.
    st.set_page_config(page_title=state.APP_TITLE, layout="wide",
                       menu_items={"Get help": None, "Report a bug": None, "About": None})
    st.markdown(CSS, unsafe_allow_html=True)
    try:
        nav = st.navigation(pages())
        state.bootstrap()
        top = st.sidebar.container()  # keeps its place at the top of the sidebar, filled after the page:
        try:                          # a deep link's answer is sent before these widgets
            nav.run()
        finally:
            sidebar(top)  # on every path: a widget left out of a run loses its value
    except XunchaError as exc:  # the user's input (a file, a name): one Chinese line
        st.error(f"页面出错:{render.md(exc.chinese())}", icon=":material/block:")
    except Exception:  # a bug: never a traceback on screen; the server log keeps it
        log.exception("page failed")
        st.error(f"页面出错:{render.INTERNAL_ERROR}", icon=":material/block:")
    resources.page_done()  # the warm-up loads jieba now, not while the first page is being computed


if __name__ == "__main__":
    main()

"""导入报告: upload one or many reports (txt/docx/pdf/html) with per-file progress and outcome,
then bring the graph and the search index up to date; list and remove stored reports."""
from __future__ import annotations

import logging
import math

import streamlit as st

from reports.read import MAX_BYTES
from reports.shared import notices
from ui.web import render, resources, state

log = logging.getLogger("xuncha.ui")

MAX_MB = max(1, math.ceil(MAX_BYTES / (1024 * 1024)))  # the reader's own bound, not Streamlit's 200 MB default
BUTTON_TEXT = "选择文件"
LIMIT_TEXT = f"每个文件不超过 {MAX_MB} MB · 支持 TXT、DOCX、PDF、HTML"

# Streamlit's drop zone has fixed English ("Upload", "200MB per file • TXT, …") and no parameter for
# it: the English nodes are hidden and the Chinese drawn in their place (checked in tests/test_browser.py).
UPLOADER_CSS = f"""
<style>
[data-testid="stFileUploaderDropzone"] button[data-testid^="stBaseButton"] [data-testid="stMarkdownContainer"] p
  {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button[data-testid^="stBaseButton"] [data-testid="stMarkdownContainer"]::after
  {{ content: "{BUTTON_TEXT}"; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div > span {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after
  {{ content: "{LIMIT_TEXT}"; font-size: 0.875rem; color: rgba(49, 51, 63, 0.6); }}
</style>
"""
ICONS = {"ingested": ":material/check_circle:", "duplicate": ":material/content_copy:",
         "skipped": ":material/block:", "error": ":material/error:"}


def _reset_uploader() -> None:
    st.session_state["upload_nonce"] = st.session_state.get("upload_nonce", 0) + 1


def upload_section() -> None:
    st.subheader("上传报告")
    nonce = st.session_state.get("upload_nonce", 0)
    st.markdown(UPLOADER_CSS, unsafe_allow_html=True)
    # No `type=`: Streamlit's own refusal of a file type is English ("… files are not allowed"); every
    # file is taken and the reader names what it cannot read, in Chinese (the command line's words).
    files = st.file_uploader("选择一个或多个整改情况通报文件", accept_multiple_files=True,
                             key=f"upload_files_{nonce}", max_upload_size=MAX_MB,
                             help="支持 txt(UTF-8/GBK 等编码自动识别)、docx、pdf(需有文字层)、html、md(Markdown,如公众号文章)。"
                                  "同一报告重复导入会被识别并跳过。")
    if st.button("开始导入", type="primary", icon=":material/upload:", disabled=not files, key="upload_go"):
        outcomes = ingest(files)
        st.session_state["upload_outcomes"] = outcomes
        _reset_uploader()
        st.rerun()
    outcomes = st.session_state.get("upload_outcomes")
    if outcomes:
        show_outcomes(outcomes)


def ingest(files) -> list[dict]:
    ws = state.workspace()
    bar = st.progress(0.0, text="准备导入…")
    outcomes = []
    for n, f in enumerate(files):
        bar.progress(n / len(files), text=f"正在导入 {n + 1}/{len(files)}:{f.name}")
        try:
            o = ws.ingest_bytes(f.name, f.getvalue())
            outcomes.append({"name": f.name, "status": o.status, "unit": o.unit, "report_id": o.report_id,
                             "message": o.chinese(), "problems": (o.found or {}).get("problems"),
                             # a duplicate's warnings belong to the report already stored: said when it was
                             "warnings": [w.chinese() for w in o.warnings] if o.status == "ingested" else []})
        except Exception:  # ingest_bytes reports errors itself; this is a last resort (a bug: logged)
            log.exception("upload of %s failed", f.name)
            outcomes.append({"name": f.name, "status": "error", "unit": None, "report_id": None,
                             "message": render.INTERNAL_ERROR, "problems": None, "warnings": []})
    bar.progress(1.0, text=f"已处理 {len(files)} 个文件")
    if any(o["status"] == "ingested" for o in outcomes):
        state.safe(state.run_sync, ws, "正在更新知识图谱和检索索引…")
        state.invalidate()
    names = {s["report_id"]: state.unit_name(s) for s in state.report_summaries()}
    for o in outcomes:  # the unit by the name every page shows (known once the report is stored)
        o["unit"] = names.get(o["report_id"]) or o["unit"]
    return outcomes


def show_outcomes(outcomes: list[dict]) -> None:
    counts = {s: sum(o["status"] == s for o in outcomes) for s in ICONS}
    st.markdown(f"**导入结果:** 已导入 {counts['ingested']} 个 · 重复 {counts['duplicate']} 个 · "
                f"未导入 {counts['skipped'] + counts['error']} 个")
    for o in outcomes:
        label = render.outcome_label(o["status"])
        if o["status"] == "ingested":
            detail = f"{o['unit'] or '未识别单位'},识别出 {o['problems'] or 0} 个问题"
        elif o["status"] == "duplicate":
            detail = notices.render("duplicate_of", {"unit": o["unit"] or o["report_id"]})
        else:
            detail = o["message"] or "无法导入"
        box = {"ingested": st.success, "duplicate": st.info, "skipped": st.warning, "error": st.error}[o["status"]]
        box(render.md(f"{o['name']}:{label} — {detail}"), icon=ICONS[o["status"]])
        for w in o.get("warnings") or []:
            st.caption(f":material/warning: {render.md(o['name'])}:{render.md(w)}")
    if st.button("清除结果", key="upload_clear"):
        st.session_state.pop("upload_outcomes", None)
        st.rerun()


def reports_section() -> None:
    st.subheader("已导入的报告")
    summaries = state.report_summaries()
    if not summaries:
        st.info("工作区还没有报告。", icon=":material/folder_open:")
        return
    rows = [{"单位": state.unit_name(s), "巡察(视)组": s.get("inspector") or "",
             "进驻时间": s.get("start") or "", "识别问题数": s["found"]["problems"],
             "自述问题数": "未说明" if s["stated"].get("problems") is None else str(s["stated"]["problems"]),
             "正文截断": "是" if s.get("truncated") else "", "提示": len(s.get("warnings") or []),
             "全称": s.get("unit") or "", "报告编号": s["report_id"]} for s in summaries]
    st.dataframe(rows, hide_index=True, width="stretch")
    with st.expander("删除报告", icon=":material/delete:"):
        by_id = {s["report_id"]: s for s in summaries}
        rid = st.selectbox("选择要删除的报告", list(by_id), index=None, key="remove_pick",
                           format_func=lambda r: f"{state.unit_name(by_id[r])}({r})",
                           placeholder="选择报告")
        sure = st.checkbox("确认删除(该报告的问题、实体和检索索引条目都会被移除)", key="remove_sure", disabled=not rid)
        busy = resources.rebuilding(state.root()) is not None
        if busy:
            st.caption(notices.render("remove_after_rebuild", {}))
        if st.button("删除", key="remove_go", type="primary", disabled=not (rid and sure) or busy,
                     icon=":material/delete:"):
            removed = state.safe(state.workspace().remove, rid)
            if removed:
                state.safe(state.run_sync, state.workspace(), "正在更新知识图谱和检索索引…")
                state.invalidate()
                st.session_state["remove_done"] = state.unit_name(by_id[rid])
            elif removed is False:
                st.session_state["remove_done"] = None
                st.warning("该报告已不在工作区中。")
            for key in ("remove_pick", "remove_sure"):
                st.session_state.pop(key, None)
            st.rerun()
    done = st.session_state.pop("remove_done", None)
    if done:
        st.success(render.md(f"已删除:{done}"), icon=":material/delete:")


def main() -> None:
    st.title("导入报告")
    st.caption("上传巡视/巡察整改进展情况通报;导入后检索、图谱和单位画像会立即包含新数据。")
    upload_section()
    st.divider()
    reports_section()


main()

"""Resources shared by every page and session: one workspace per process, store-derived lists cached
by the store generation (docs/decisions.md, "UI")."""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import streamlit as st

from reports.shared.notices import Notice, XunchaError
from ui.service.workspace import DEMO_CORPUS, Workspace, default_root
from ui.web import resources
from ui.web.render import INTERNAL_ERROR, md, measure_list

__all__ = [
    "APP_TITLE",
    "bootstrap",
    "generation",
    "get_workspace",
    "invalidate",
    "load_report",
    "mentions",
    "problem_measures",
    "report_summaries",
    "root",
    "run_sync",
    "safe",
    "search",
    "similar",
    "unit_name",
    "warm_up",
    "workspace",
]

log = logging.getLogger("xuncha.ui")
APP_TITLE = "巡察整改知识库"
SYNC_STAGES = {
    "graph": "构建知识图谱", "scan": "扫描问题", "embed": "生成语义向量", "tokenize": "分词",
    "lexical": "构建关键词索引", "index": "构建向量索引", "table": "整理检索表", "save": "保存索引",
    "themes": "归纳共性问题",
}
REBUILD_POLL_S = 3.0  # how often the background re-embed's progress is redrawn
ENTITY_TYPES = ("Unit", "Organization", "Person", "InspectionTeam", "Regulation", "Document", "Work",
                "Place", "Theme")


def root() -> str:
    """The workspace directory: $XUNCHA_HOME (set by `xuncha ui --workspace`) or ./workspace."""
    return str(default_root().expanduser().resolve())


def get_workspace(path: str) -> Workspace:
    """One Workspace per directory per process, shared by all sessions (ui.web.resources: made
    without Streamlit, so `xuncha ui` can open and warm it before the first session)."""
    return resources.workspace(path)


def workspace() -> Workspace:
    return get_workspace(root())


def generation() -> int:
    return workspace().store.generation()


def invalidate() -> None:
    """After an ingest or a removal: drop every derived cache (they are keyed by generation too,
    this only frees memory sooner)."""
    st.cache_data.clear()
    _summaries.clear()  # the pickers' per-generation objects (ui.web.pickers) are small: two kept at most


def safe(fn, *args, **kwargs) -> Any:
    """Run a service call; a failure becomes a Chinese one-line st.error, never a traceback.
    Returns None on failure."""
    try:
        return fn(*args, **kwargs)
    except XunchaError as exc:
        st.error(md(exc.chinese()), icon=":material/warning:")
    except Exception:  # a bug, not the user's input: the user sees one line; the log keeps the traceback
        log.exception("UI call %s failed", getattr(fn, "__name__", fn))
        st.error(f"操作失败:{INTERNAL_ERROR}", icon=":material/block:")
    return None


# -- first run: demo corpus, then graph and index ------------------------------------------------

def bootstrap() -> None:
    """Build the demo workspace on first run and bring graph and index up to date, with progress.
    Runs before every page; costs two cheap checks when nothing is to be done. After an upgrade that
    changed the embedded text, the page answers from the earlier build while the re-embed runs in the
    background (``_answer_meanwhile``)."""
    ws = workspace()
    if resources.ready(ws):
        if resources.rebuild_done(root()):
            invalidate()
            st.toast(Notice("index_rebuilt").chinese(), icon=":material/check_circle:")
        warm_up()
        return
    if _answer_meanwhile(ws):
        warm_up()
        return
    with resources.locks(root())["bootstrap"]:
        built, synced = 0, False
        placeholder = st.empty()
        with placeholder.container():
            if ws.is_empty():
                built = _build_demo(ws)
            if not resources.ready(ws):
                run_sync(ws, "正在准备知识图谱和检索索引(首次启动或数据更新后需要一点时间)…")
                invalidate()
                synced = True
        placeholder.empty()
        if built:
            st.toast(f"演示工作区已建好:{built} 份示例报告已导入并建立索引。", icon=":material/check_circle:")
        elif synced:
            st.toast("知识图谱和检索索引已更新。", icon=":material/check_circle:")
    warm_up()


def _answer_meanwhile(ws: Workspace) -> bool:
    """While a re-embed is due and the last build can still answer (embeddings/index_sync.py,
    ``earlier_build``): start the re-embed in the background (once per workspace), show the notice with
    its progress, and let the page answer from that build; False (sync first) when it cannot answer."""
    earlier = ws.search.index.earlier_build()
    if earlier is None or earlier.pending is None:
        return False
    job = resources.rebuild(root())
    _rebuild_notice(job, earlier.pending.params["missing"])
    return True


@st.fragment(run_every=REBUILD_POLL_S)
def _rebuild_notice(job: resources.Rebuild, missing: int) -> None:
    """The notice and the re-embed's progress, redrawn every few seconds; once it has committed, the
    whole page runs again (from the new build, without the notice)."""
    if job.error is not None:
        st.warning(md(job.error.chinese()), icon=":material/warning:")
        return
    if not job.running:
        st.rerun()
    st.info(Notice("index_rebuilding", {"missing": missing}).chinese(), icon=":material/autorenew:")
    st.progress(*stage_progress(job.stage, job.done, job.total, empty=0.0))


def _build_demo(ws: Workspace) -> int:
    corpus = Path(os.environ.get("XUNCHA_DEMO_CORPUS") or DEMO_CORPUS)
    st.info(f"工作区为空,正在用示例报告({corpus.name}/)建立演示工作区…", icon=":material/inventory_2:")
    bar = st.progress(0.0, text="导入示例报告…")

    def progress(_stage: str, done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"导入示例报告 {done}/{total}")

    outcomes = ws.ingest([corpus], progress=progress)
    bad = [o for o in outcomes if o.status == "error"]
    for o in bad:
        st.warning(md(f"{Path(o.path).name}:{o.chinese()}"))
    bar.progress(1.0, text=f"已导入 {len(outcomes) - len(bad)} 份示例报告")
    return len(outcomes) - len(bad)


def stage_progress(stage: str, done: int, total: int, *, empty: float = 1.0) -> tuple[float, str]:
    """A sync stage's progress as st.progress takes it: (fraction in [0, 1], label with the counts);
    ``empty``: the fraction of a stage with nothing to count (a sync's: done; a job not yet counting: 0)."""
    label = SYNC_STAGES.get(stage, stage)
    fraction = done / total if total else empty
    return min(max(fraction, 0.0), 1.0), (f"{label} {done:,}/{total:,}" if total > 1 else label)


def run_sync(ws: Workspace, title: str) -> None:
    """ws.sync with one progress bar per stage (graph, then the search index's stages); while a background
    re-embed runs, nothing: the first page run after it brings in what was stored meanwhile."""
    if resources.rebuilding(root()) is not None:
        st.info(Notice("index_rebuild_later").chinese(), icon=":material/schedule:")
        return
    st.caption(title)
    bar = st.progress(0.0, text="准备中…")
    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(*stage_progress(stage, done, total))

    with resources.locks(root())["encoder"]:
        ws.sync(progress)
    bar.progress(1.0, text=f"索引已更新(用时 {time.perf_counter() - started:.0f} 秒)")


def no_reports_notice() -> bool:
    """When the workspace has no reports: say so, link to 导入报告, and return True. Asks the store
    whether any report is stored, not for every report's summary (1.2 CPU s at 4,500 reports, before
    a deep link's first answer)."""
    if not workspace().is_empty():
        return False
    st.info("工作区还没有报告。请先到「导入报告」页面上传整改情况通报。", icon=":material/folder_open:")
    st.page_link("views/upload.py", label="去导入报告", icon=":material/upload_file:")
    return True


def problem_measures(report_id: str, problem_id: str, texts: list[str] | None = None) -> list:
    """A stored problem's measures with their labels (reports.model.Measure: the part of the unit they
    belong to); a search hit carries only the texts, so `texts` stand in when the report is gone."""
    from reports.model import Measure

    report = load_report(report_id)
    problem = report.find_problem(problem_id) if report else None
    if problem is not None and problem.measures:
        return list(problem.measures)
    return [Measure(t, (0, 0)) for t in texts or ()]


def measures_and_source(measures: list[str], report_id: str, problem_id: str) -> None:
    """A problem's rectification measures, folded, and the link to its source and detail page."""
    if measures:
        with st.expander(f"整改措施({len(measures)} 条)", icon=":material/task_alt:"):
            st.markdown(measure_list(problem_measures(report_id, problem_id, measures)), unsafe_allow_html=True)
    else:
        st.caption("报告未列出该问题的整改措施")
    st.page_link("views/detail.py", label="查看原文与详情", icon=":material/arrow_forward:",
                 query_params={"report": report_id, "problem": problem_id})


def warm_up() -> None:
    """Load what the first search needs (index, query encoder, tokenizer) in the background, once
    per workspace per process, so the first search does not wait for it (`xuncha ui` starts it
    before the server; this covers AppTest and a workspace the bootstrap just built)."""
    resources.warm_up(root())


# -- queries (cached by store generation) --------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=256, ttl=3600)
def _search(path: str, gen: int, query: str, k: int, filters: tuple, mode: str, min_score: float | None
            ) -> list[dict]:
    ws = get_workspace(path)
    with resources.locks(path)["encoder"]:  # waits for the warm-up instead of loading the model twice
        return ws.search.search(query, k=k, filters=dict(filters), mode=mode, min_score=min_score)


def load_keyword_side() -> None:
    """Load jieba now (or wait for the warm-up loading it): a search that must not answer dense-only."""
    from embeddings.lexical import get_tokenizer
    get_tokenizer()


def keyword_index_ready() -> bool:
    """False while jieba still loads after start; the search page then shows dense results first."""
    from embeddings.lexical import tokenizer_loaded
    return tokenizer_loaded()


def search(query: str, k: int, filters: dict, mode: str, min_score: float | None = None) -> list[dict]:
    """The query's ranked hits with tiers ([] when it has no answer), cut only by an explicit ``min_score``."""
    frozen = tuple(sorted((key, tuple(v) if isinstance(v, list) else v) for key, v in filters.items()
                          if v not in (None, "", [], ())))
    return _search(root(), generation(), query, k, frozen, mode, min_score)


@st.cache_data(show_spinner=False, max_entries=256, ttl=3600)
def _similar(path: str, gen: int, report_id: str, problem_id: str, k: int) -> list[dict]:
    return get_workspace(path).search.similar(report_id, problem_id, k=k)


def similar(report_id: str, problem_id: str, k: int = 6) -> list[dict]:
    return _similar(root(), generation(), report_id, problem_id, k)


@st.cache_resource(show_spinner=False, max_entries=2)
def _summaries(path: str, gen: int) -> tuple[dict, ...]:
    return tuple(get_workspace(path).reports())


def report_summaries() -> tuple[dict, ...]:
    """Every report's summary (Store.summaries), one shared object per generation: read it, never change
    it (st.cache_resource hands every caller the same dicts; cache_data unpickled all of them, 0.1 s at
    10,000 reports, on each call). A page drawn on every rerun reads workspace_catalog instead."""
    return _summaries(root(), generation())


@st.cache_data(show_spinner=False, max_entries=64)
def _report(path: str, gen: int, report_id: str):
    return get_workspace(path).report(report_id)


def load_report(report_id: str):
    return _report(root(), generation(), report_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _mentions(path: str, gen: int, report_id: str) -> list[dict]:
    return get_workspace(path).store.mentions(report_id)


def mentions(report_id: str) -> list[dict]:
    return _mentions(root(), generation(), report_id)


def unit_name(summary: dict) -> str:
    return summary.get("unit_short") or summary.get("unit") or summary["report_id"]


@st.cache_data(show_spinner=False, max_entries=32)
def _audit(path: str, gen: int, report_id: str) -> list[dict]:
    return [f.to_json() for f in get_workspace(path).audit(report_id)]


def audit(report_id: str) -> list[dict]:
    """Audit findings of one report (reports.analysis.audit), as contract JSON."""
    return _audit(root(), generation(), report_id)


@st.cache_data(show_spinner=False, max_entries=32)
def _concreteness(path: str, gen: int, report_id: str) -> dict[str, dict]:
    return {pid: c.to_json() for (_, pid), c in get_workspace(path).concreteness([report_id]).items()}


def concreteness(report_id: str) -> dict[str, dict]:
    """problem id -> rectification concreteness and its evidence, for one report."""
    return _concreteness(root(), generation(), report_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _recurrences(path: str, gen: int) -> list[dict]:
    return [r.to_json() for r in get_workspace(path).recurrences()]


def recurrences() -> list[dict]:
    """Every recurring-problem link in the workspace (embeddings.recurrence)."""
    return _recurrences(root(), generation())

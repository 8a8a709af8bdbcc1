"""The app's process-wide resources, made without Streamlit: one Workspace and one set of locks per
directory, the background warm-up of the search service, and the background re-embed after an upgrade
changed the embedded text. Streamlit-free so that `xuncha ui` can start the warm-up before the server
exists, and the first browser session finds the index and the query encoder loaded (docs/decisions.md,
"Fast ingest and a fast first answer", "Upgrades that change the embedded text")."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reports.shared.ioerrors import reason_line
from reports.shared.notices import Notice
from ui.service.workspace import LOG_FILE, Workspace

__all__ = ["Rebuild", "locks", "page_done", "ready", "rebuild", "rebuild_done", "rebuilding", "warm_up", "workspace"]

log = logging.getLogger("xuncha.ui")
_guard = threading.Lock()
_workspaces: dict[str, Workspace] = {}
_locks: dict[str, dict[str, threading.Lock]] = {}
_warmed: set[str] = set()  # workspaces whose warm-up has started (it loads everything)
_page_done = threading.Event()  # a first page has been drawn in this process
_rebuilds: dict[str, Rebuild] = {}  # workspace -> its background re-embed (the last one started)
KEYWORD_WAIT_S = 30.0  # jieba loads after the first page, or this long after the index if nobody comes


def workspace(path: str) -> Workspace:
    """One Workspace per directory per process, shared by all sessions (its store, graph and
    search service are thread-safe for reads; writes take their own locks)."""
    with _guard:
        ws = _workspaces.get(path)
        if ws is None:
            ws = _workspaces[path] = Workspace(path)
        return ws


def locks(path: str) -> dict[str, threading.Lock]:
    """``bootstrap``: one first-run build at a time; ``encoder``: one index load or sync at a time;
    ``reembed``: one background re-embed at a time."""
    with _guard:
        return _locks.setdefault(path, {"bootstrap": threading.Lock(), "encoder": threading.Lock(),
                                        "reembed": threading.Lock()})


def ready(ws: Workspace) -> bool:
    """Whether the workspace has reports and an index in step with them (nothing to build first)."""
    if ws.is_empty():
        return False
    try:
        return not ws.search.status().get("stale")
    except Exception:  # an unreadable manifest: a sync rebuilds it
        return False


def warm_up(path: str, *, check: bool = False, after: Callable[[], None] | None = None) -> None:
    """Load what the first search needs in a background thread, once per workspace per process:
    the index state and the query encoder (a dense answer), then, once a first page has been
    drawn, jieba's dictionary (the keyword side; the search page answers dense-only until it is in). ``check``: do nothing
    for a workspace that must first be built or synced (the app's first-run bootstrap does that,
    then calls this again). ``after``: wait for it first (`xuncha ui`: until the server listens)."""
    with _guard:
        if path in _warmed:
            return
        if not check:
            _warmed.add(path)
    threading.Thread(target=_load, args=(path, check, after), name="xuncha-warm-up", daemon=True).start()


def page_done() -> None:
    """A page run has finished (the app calls this after each run): keyword loading may start."""
    _page_done.set()


def _load(path: str, check: bool, after: Callable[[], None] | None) -> None:
    try:
        if after is not None:
            after()
        ws = workspace(path)
        if check:
            if not ready(ws):
                return
            with _guard:
                if path in _warmed:  # a session's bootstrap got there first
                    return
                _warmed.add(path)
        with locks(path)["encoder"]:  # what a dense search needs: index state and the query encoder (fast)
            ws.search.ensure_ready()
            ws.search.query_encoder  # noqa: B018 - loads and keeps it
        # jieba's dictionary (~0.4 s of interpreter time, embeddings/jieba_dict.py) waits for the first
        # page, whose script run it would otherwise slow down; until it is in, searches answer
        # dense-only and say so (measured: first answer ~0.7 s sooner than a hybrid one)
        _page_done.wait(KEYWORD_WAIT_S)
        from embeddings.lexical import DeferredLexical, get_tokenizer
        get_tokenizer()
        with locks(path)["encoder"]:   # the BM25 index, which the state defers (a dense answer needs none)
            lexical = ws.search.ensure_ready().lexical
            if isinstance(lexical, DeferredLexical):
                lexical.index()
    except Exception:
        log.exception("warming up the search service failed")


@dataclass
class Rebuild:
    """A background re-embed of one workspace's index: how far it is (what the page shows), and how it ended."""

    stage: str = "scan"
    done: int = 0
    total: int = 0
    running: bool = True
    error: Notice | None = None   # it failed: the earlier build keeps answering
    seen: bool = False            # a page has taken note that it finished (rebuild_done)

    def progress(self, stage: str, done: int, total: int, *_more: object) -> None:
        self.stage, self.done, self.total = stage, done, total


def rebuild(path: str) -> Rebuild:
    """Start the re-embed of workspace ``path`` in a thread of this process unless one runs or failed
    (once per process: a failure is shown, not retried on every rerun); the job the page shows.

    The thread works on a Workspace of its own (its own store connection and search index object), so
    the shared one's readers keep answering from the earlier build, never waiting for the writer; a
    crash or kill before its commit leaves that build as it was (the manifest is written last)."""
    with _guard:
        job = _rebuilds.get(path)
        if job is not None and (job.running or job.error is not None):
            return job
        job = _rebuilds[path] = Rebuild()
    threading.Thread(target=_rebuild, args=(path, job), name="xuncha-reembed", daemon=True).start()
    return job


def _rebuild(path: str, job: Rebuild) -> None:
    try:
        with locks(path)["reembed"], Workspace(path) as writer:
            writer.sync(job.progress)   # the index (a full re-embed), then whatever follows it (themes)
    except Exception as exc:
        log.exception("re-embedding the search index in the background failed")
        job.error = Notice("index_rebuild_failed", {"reason": reason_line(exc), "log": str(Path(path) / LOG_FILE)})
    finally:
        job.running = False


def rebuilding(path: str) -> Rebuild | None:
    """The background re-embed of ``path`` while it runs: a page's own sync waits for it (the reports it
    stores are taken in by the sync that follows it) and removals wait (the earlier build answers only
    while every report it shows is stored)."""
    with _guard:
        job = _rebuilds.get(path)
        return job if job is not None and job.running else None


def rebuild_done(path: str) -> bool:
    """True once, to the first page run after a background re-embed of ``path`` committed (it drops the
    derived caches and says so)."""
    with _guard:
        job = _rebuilds.get(path)
        if job is None or job.running or job.error is not None or job.seen:
            return False
        job.seen = True
        return True

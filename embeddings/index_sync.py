"""Keeping the search index in step with the store: the committed state readers load, and sync.

Split from service.py (queries) so that the writer side is its own: ``SearchService`` holds one
``IndexSync`` and asks it for the ``QueryState`` its queries run against; how a state's Searcher is
configured (calibration, fusion) is the query side's business, handed in as ``searcher_options``, so
this module imports nothing of service.py. Layout of ``search/`` and the commit protocol: manifest.py.

``IndexSync`` is the coordinator (when to load, sync or answer from the last build; the writer lock)
and holds one part per job: ``EncoderSlot`` (encoder_slot.py: the model spec and the loaded encoder),
``VectorSide`` (index_vectors.py: the FAISS vectors and their diff against the store), ``TokenSide``
(index_tokens.py: cached BM25 tokens and the BM25 index), ``TableSide`` (index_table.py: the
persisted search table readers load instead of every store row), ``EngineSlot`` (index_engine.py: the
backend serving the index) and ``IndexCommit`` (index_commit.py: writing a build, dropping old files).
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reports.shared.ioerrors import io_reason
from reports.shared.notices import Notice
from reports.shared.progress import Progress

from .doc_texts import recipe_stamp
from .encoder_slot import EncoderSlot
from .engines.base import SearchEngine
from .index import VectorIndex
from .index_commit import IndexCommit
from .index_engine import EngineSlot
from .index_pending import PendingNotice, queryable
from .index_table import LazyTokens, TableSide
from .index_tokens import LexicalPlan, TokenSide
from .index_vectors import VectorSide
from .lexical import LexicalIndex
from .manifest import (
    DamagedIndexFile,
    IndexInconsistent,
    Manifest,
    SearchIndexError,
    known_model_name,
    read_manifest,
    read_manifest_or_none,
)
from .search import Searcher
from .table import KeyTable, ProblemTable
from .writer_lock import writer_active, writing

__all__ = ["IndexSync", "QueryState", "SearcherOptions", "writer_active", "writing"]  # the lock: writer_lock.py

log = logging.getLogger("xuncha.search")


@dataclass
class QueryState:
    """What queries run against; matches one manifest build and one store generation."""

    generation: int
    manifest: Manifest
    table: ProblemTable
    vectors: VectorIndex
    lexical: LexicalIndex
    tokens: Mapping[int, list[str]]
    searcher: Searcher
    # set on a build of an earlier version answering while its re-embed is due: readers show it
    pending: Notice | None = None


@dataclass
class _Synced:
    generation: int
    vectors: VectorIndex
    tokens: Mapping[int, list[str]]   # read a problem at a time from the build's file (LazyTokens)


SearcherOptions = Callable[[str | None, ProblemTable, VectorIndex], dict]
"""(model, table, vectors) -> the Searcher's options for a state (embeddings.service.searcher_options)."""


class IndexSync:
    """The search index of one workspace and the document encoder that builds it (module docstring).

    ``root``/``store``/``model``/``encoder``/``cache_dir`` and the recipes are as SearchService's;
    ``searcher_options`` configures the Searcher of each query state."""

    def __init__(self, root: str | Path, store, model: str | None, *, searcher_options: SearcherOptions,
                 encoder=None, cache_dir: str | Path | None = None, doc_kind: str, doc_recipe: str,
                 lex_recipe: str, tokens_version: str, search_dir: str) -> None:
        self.root = Path(root)
        self.dir = self.root / search_dir
        self.store = store
        self.doc_kind = doc_kind
        self.doc_recipe = doc_recipe
        self.lex_recipe = lex_recipe
        self.tokens_version = tokens_version
        self._searcher_options = searcher_options
        self.encoders = EncoderSlot(self.dir, model, encoder=encoder, cache_dir=cache_dir)
        self.engines = EngineSlot(self.dir, lex_recipe)
        self.vectors = VectorSide(self.dir, store, self.encoders, doc_kind=doc_kind, doc_recipe=doc_recipe)
        self.tokens = TokenSide(self.dir, store, lex_recipe=lex_recipe, tokens_version=tokens_version)
        self.table = TableSide(self.dir, store)
        self.doc_stamp = recipe_stamp(doc_recipe)   # recorded and compared: the recipe, and the types' stamp
        self.committer = IndexCommit(self.dir, encoders=self.encoders, engines=self.engines, tokens=self.tokens,
                                     tables=self.table, doc_kind=doc_kind, doc_recipe=self.doc_stamp)
        self.pending = PendingNotice(self.dir, store)
        self._state: QueryState | None = None
        self._mutex = threading.RLock()
        manifest = read_manifest_or_none(self.dir)  # a damaged one is reported by the first query
        if manifest is not None:
            wanted = encoder.name if encoder is not None else known_model_name(model) if model else None
            self.encoders.check_model(manifest, wanted, model)

    # -- the parts' entry points, here so callers hold one object --------------------------------
    def spec(self, manifest: Manifest | None) -> str | None:
        """EncoderSlot.spec: the encoder spec in force."""
        return self.encoders.spec(manifest)

    def check_model(self, manifest: Manifest, name: str | None, spec: str | None) -> None:
        """EncoderSlot.check_model: ModelMismatchError when ``name`` cannot query or extend the index."""
        self.encoders.check_model(manifest, name, spec)

    @property
    def encoder(self):
        """EncoderSlot.encoder: the document encoder, loaded on first use and kept."""
        return self.encoders.encoder

    def preload_encoder(self) -> None:
        """EncoderSlot.preload: load the document encoder in a background thread."""
        self.encoders.preload()

    def join_preload(self) -> None:
        """EncoderSlot.join_preload: wait for a preload (before the process exits, say)."""
        self.encoders.join_preload()

    @property
    def model_name(self) -> str | None:
        return self.encoders.model_name

    def engine_for(self, manifest: Manifest | None) -> SearchEngine:
        """EngineSlot.engine_for: the engine the index is served by."""
        return self.engines.engine_for(manifest)

    def verify_lexical(self, manifest: Manifest) -> None:
        """TokenSide.verify: read the build's BM25 index and token cache as a query would (doctor)."""
        self.tokens.verify(manifest)

    def verify_table(self, manifest: Manifest) -> tuple[str, str]:
        """TableSide.verify: (state, reason) of the build's persisted search table (doctor)."""
        return self.table.verify(manifest)

    def table_fresh(self) -> bool:
        """Whether the committed build has a usable search table for the store's generation (repair)."""
        manifest = read_manifest(self.dir)
        return manifest is not None and manifest.generation == self.store.generation() \
            and self.table.verify(manifest)[0] == "ok"

    # -- state ---------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Manifest summary plus whether the index lags behind the store."""
        manifest = read_manifest(self.dir)
        generation = self.store.generation()
        if manifest is None:
            return {"indexed": False, "generation": generation, "stale": True}
        return {"indexed": True, "stale": manifest.generation != generation or not self._compatible(manifest),
                "reembed_due": self.reembed_due(manifest), "generation": generation, **manifest.to_json()}

    def _compatible(self, manifest: Manifest) -> bool:
        """Whether the index was built the way this code builds it (else a full re-embed is due)."""
        return manifest.doc_kind == self.doc_kind and manifest.doc_recipe == self.doc_stamp

    def reembed_due(self, manifest: Manifest | None) -> bool:
        """Whether the build's problems were embedded otherwise than this code embeds them (an upgrade changed
        the recipe or the types' stamp): a full re-embed is due; readers answer from the build meanwhile."""
        return manifest is not None and not self._compatible(manifest)

    def ensure_ready(self, *, progress: Progress | None = None) -> QueryState:
        """The in-memory state for the store's current generation, syncing the index if it lags."""
        with self._mutex:  # one UI process may query from several threads
            return self._ensure_ready(progress)

    def _ensure_ready(self, progress: Progress | None) -> QueryState:
        generation = self.store.generation()
        if self._state is not None and self._state.generation == generation and self._state.pending is None:
            return self._state
        for _ in range(3):
            manifest = read_manifest(self.dir)
            current = manifest is not None and manifest.generation == generation and self._compatible(manifest) \
                and manifest.tokenizer == self.tokens_version
            if not current:   # a re-embed due: answer from the last build meanwhile (docs/decisions.md)
                due = self.reembed_due(manifest)
                committed = self._committed_state(manifest) if due or writer_active(self.root) else None
                if committed is not None:
                    return committed
                return self._sync_or_committed(manifest, progress)
            try:
                self._state = self._load_state(manifest, generation)
                return self._state
            except FileNotFoundError:  # a concurrent sync replaced the build between reads: retry
                continue
            except (IndexInconsistent, DamagedIndexFile) as exc:
                log.warning("%s; updating the search index", exc)
                self.sync(progress=progress)
                return self._state_after_sync()
        raise SearchIndexError("index_unstable", path=str(self.dir))

    def earlier_build(self) -> QueryState | None:
        """The last committed build while a re-embed is due, if it can answer meanwhile (its ``pending``
        notice set), else None; never syncs (the app answers from it and re-embeds in the background)."""
        with self._mutex:
            manifest = read_manifest(self.dir)
            return self._committed_state(manifest) if self.reembed_due(manifest) else None

    def _state_after_sync(self) -> QueryState:
        """The query state of what the last sync committed (a writer's sync does not build it)."""
        if self._state is None:
            manifest = read_manifest(self.dir)
            assert manifest is not None and self._synced is not None
            self._state = self._load_state(manifest, self._synced.generation)
        return self._state

    def _sync_or_committed(self, manifest: Manifest | None, progress: Progress | None) -> QueryState:
        """Catch the index up; if that fails for want of disk (or another I/O fault), answer from
        the last committed build with a warning rather than not at all."""
        try:
            self.sync(progress=progress)
        except (OSError, RuntimeError, sqlite3.Error) as exc:
            reason = io_reason(exc)
            if reason is None:
                raise
            committed = self._committed_state(manifest)
            if committed is None:
                raise SearchIndexError("index_not_saved", path=str(self.dir), reason=reason) from exc
            log.warning("%s: 检索索引无法更新(%s),结果来自上次的索引(第 %d 代)", self.dir, reason,
                        committed.generation)
            return committed
        return self._state_after_sync()

    def _committed_state(self, manifest: Manifest | None) -> QueryState | None:
        """Serve the last committed build over the problems it holds while another process writes (ingest,
        remove, reindex) or a re-embed is due (``reembed_due``: an hour at 300k problems) instead of waiting;
        None if it cannot answer (no build, another tokenizer, model or dimension, damaged files, a report of
        it removed): the caller then syncs, i.e. waits. Not trusted as current: each query looks again."""
        if manifest is None or not queryable(manifest, self.tokens_version, self.encoders.loaded):
            return None
        state = self._state
        if state is not None and state.manifest.files == manifest.files:
            return self._pending(state)
        try:
            vectors = VectorIndex.load(self.dir / manifest.files["vectors"], mmap=True)
            table = self.table.committed(manifest, vectors)
            if table is None or table.size != len(vectors) or vectors.dim != manifest.dim:
                return None  # a report of this build was removed meanwhile, or the file is not the build's
            tokens = LazyTokens(lambda: self.tokens.read(manifest.files.get("tokens")))
            lexical = self.tokens.for_reader(manifest.files.get("lexical"), table, tokens)
        except (OSError, RuntimeError, ValueError, KeyError, IndexInconsistent, DamagedIndexFile) as exc:
            log.info("last committed search index unusable (%s); updating it first", exc)
            return None
        log.info("answering from search index build %s (generation %d): %s", manifest.files.get("vectors"),
                 manifest.generation, "a re-embed is due" if self.reembed_due(manifest) else "another process writes")
        self._state = self._pending(self._make_state(manifest.generation, manifest, table, vectors, lexical, tokens))
        return self._state

    def _pending(self, state: QueryState) -> QueryState:   # with its notice (index_pending.py) if a re-embed is due
        if self.reembed_due(state.manifest):
            state.pending = self.pending.of(state.manifest, state.table.size)
        return state

    def _load_state(self, manifest: Manifest, generation: int) -> QueryState:
        """The build's persisted table, vectors and BM25 matrix: no store row is read, and the token
        lists only if the BM25 matrix must be built again (docs/decisions.md, issue 23 third pass)."""
        table = self.table.load(manifest)
        vectors = self.vectors.load(manifest)
        if len(vectors) != table.size or not np.array_equal(np.sort(vectors.ids()), np.sort(table.uids)):
            raise IndexInconsistent(f"{len(vectors)} vectors for {table.size} problems")
        tokens = LazyTokens(lambda: self.tokens.read(manifest.files.get("tokens")))
        lexical = self.tokens.for_reader(manifest.files.get("lexical"), table, tokens)
        self.engines.catch_up(manifest, table, vectors, tokens)
        return self._make_state(generation, manifest, table, vectors, lexical, tokens)

    def _make_state(self, generation, manifest, table, vectors, lexical, tokens) -> QueryState:
        searcher = self.engine_for(manifest).searcher(table, vectors, lexical,
                                                      **self._searcher_options(manifest.model, table, vectors))
        return QueryState(generation, manifest, table, vectors, lexical, tokens, searcher)

    # -- sync ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time per workspace (a second ingest's sync waits for the first); while
        held, readers in other processes answer from the last committed build."""
        with writing(self.root):
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(self.dir / ".lock", "a+") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def sync(self, progress: Progress | None = None, *, rebuild: bool = False,
             rebuild_engine: bool = False) -> dict[str, Any]:
        """Bring the index in line with the store: embed new problems, drop removed ones
        (``rebuild`` re-embeds everything; ``rebuild_engine`` only refills the engine from the cache).

        ``progress(stage, done, total)`` is called with stages "scan", "embed", "lexical", "save".
        Returns counts: added, removed, total, kind, generation, seconds.
        """
        started = time.perf_counter()
        report: Progress = progress or (lambda stage, done, total: None)
        with self._mutex, self.lock():
            manifest = read_manifest_or_none(self.dir) if rebuild else read_manifest(self.dir)
            generation = self.store.generation()
            report("scan", 0, 1)
            full = rebuild or manifest is None or not self._compatible(manifest)
            switch = rebuild_engine or self.engines.switching(manifest)   # reindex --backend: no re-embed
            # the writer reads the rows of new reports only; an external engine wants every row
            external = self.engines.external(manifest)
            table = ProblemTable(self.store.problem_rows()) if external else KeyTable(self.store.problem_keys())
            report("scan", 1, 1)
            if manifest is not None and not full:
                self.check_model(manifest, self.encoder.name if self.encoders.loaded else None,
                                 self.encoders.requested_model)
            # tokens first: one core's work, beside a graph sync in another process (Workspace.sync);
            # the embedding after it takes both cores
            tokens = self.tokens.sync(table, manifest, report)
            vectors = None if full else self.vectors.try_load(manifest)
            added, removed, vectors, vectors_changed = self.vectors.sync(table, vectors, report)
            tokens_changed = tokens.changed
            lexical: LexicalIndex | LexicalPlan | None = None
            if manifest is not None and not (full or tokens_changed):   # the same problems: kept as it is
                lexical = self.tokens.reuse_lexical(manifest.files.get("lexical"), table, legacy=False)
            lexical_changed = lexical is None
            if lexical is None:   # written by the commit: updated per added and removed problem
                report("lexical", 0, 1)
                lexical = self.tokens.plan(manifest, tokens, full=full)
            report("lexical", 1, 1)
            if switch or (external and (vectors_changed or tokens_changed or full)):
                self.engines.sync(manifest, table, vectors, tokens, report, rebuild=full or switch)
            if full or switch or vectors_changed or tokens_changed or lexical_changed \
                    or manifest.generation != generation or not self.table.usable(manifest):
                columns = self.table.next(manifest, table, full=full, report=report)
                manifest = self.committer.commit(manifest, generation, table, vectors, lexical, tokens,
                                                 vectors_changed or full, tokens_changed, lexical_changed, report,
                                                 columns=columns)
            # later stages (themes, recurrence) read a few problems' lists: from the committed file, by row
            name = manifest.files.get("tokens")
            committed = LazyTokens(lambda: self.tokens.read(name))
            if isinstance(table, ProblemTable):
                if not isinstance(lexical, LexicalIndex):
                    lexical = LexicalIndex.load(self.dir / manifest.files["lexical"])
                self._state = self._make_state(generation, manifest, table, vectors, lexical, committed)
            else:   # queries build their state from the files when they come (readers do anyway)
                self._state = None
            self._synced = _Synced(generation, vectors, committed)
        seconds = time.perf_counter() - started
        if added or removed:
            log.info("search index: +%d -%d problems (%d total, %s) in %.1fs", added, removed, table.size,
                     vectors.kind, seconds)
        return {"added": added, "removed": removed, "total": table.size, "kind": vectors.kind,
                "generation": generation, "seconds": round(seconds, 3),
                **self.engine_for(manifest).describe()}

    _synced: _Synced | None = None

    def index_data(self) -> _Synced:
        """(generation, vectors, tokens) of the index, without building the query state when this
        process has just synced it (themes and recurrence in the writer read these)."""
        synced = self._synced
        if synced is not None and synced.generation == self.store.generation():
            return synced
        state = self.ensure_ready()
        return _Synced(state.generation, state.vectors, state.tokens)

    def reindex(self, model: str | None = None, progress: Progress | None = None, *,
                backend: str | None = None, uri: str | None = None) -> dict[str, Any]:
        """Re-embed every problem, with ``model`` if given (the only way to change the model), served
        by ``backend`` (a name in engines.REGISTRY; None keeps the current one) at ``uri`` (a backend that
        takes one).

        A backend switch alone re-embeds nothing: the new engine is filled from the cached vectors."""
        if backend is not None or uri is not None:
            manifest = read_manifest_or_none(self.dir)
            self.engines.switch(backend, uri, manifest)
            if model is None and manifest is not None and self._compatible(manifest):
                self._state = None
                return self.sync(progress, rebuild_engine=True)
        self.encoders.for_rebuild(model)
        self._state = None
        return self.sync(progress, rebuild=True)

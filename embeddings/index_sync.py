"""Keeping the search index in step with the store: the committed state readers load, and sync.

Split from service.py (queries) so that the writer side (embed new problems, tokenise, save files
under a fresh build token, commit the manifest) is one module. ``SearchService`` holds one
``IndexSync`` and asks it for the ``QueryState`` its queries run against; how a state's Searcher is
configured (calibration, fusion) is the query side's business, handed in as ``searcher_options``, so
this module imports nothing of service.py. Layout of ``search/`` and the commit protocol: manifest.py.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import re
import secrets
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reports.read.limits import (
    MAX_EMBED_CHARS_PROBLEM,
    MAX_EMBED_CHARS_REPORT,
    MAX_TOKENIZE_CHARS_PROBLEM,
    MAX_TOKENIZE_CHARS_REPORT,
)
from reports.shared.atomic import atomic_dir, write_json
from reports.shared.ioerrors import io_reason
from reports.shared.progress import Progress

from .doc_texts import capped_texts
from .engines import DEFAULT_BACKEND, open_engine, uri_backends
from .engines import backend as backend_entry  # ``backend`` is reindex's parameter
from .engines.base import SearchEngine
from .index import VectorIndex, choose_kind, problem_uid, problem_uids
from .lexical import LexicalIndex, get_tokenizer
from .manifest import (
    Manifest,
    ModelMismatchError,
    SearchIndexError,
    known_model_name,
    read_manifest,
    read_manifest_or_none,
    versions,
    write_manifest,
)
from .search import Searcher
from .table import ProblemTable
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
    tokens: dict[int, list[str]]
    searcher: Searcher


@dataclass
class KeyTable:
    """The store's problems as keys only (what a sync diffs against the index): row i <-> ``uids[i]``."""

    report_id: list[str]
    problem_id: list[str]
    uids: np.ndarray
    size: int

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        self.report_id = [k[0] for k in keys]
        self.problem_id = [str(k[1]) for k in keys]
        self.uids = problem_uids(keys)
        self.size = len(keys)


@dataclass
class _Synced:
    generation: int
    vectors: VectorIndex
    tokens: dict[int, list[str]]


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
        self.requested_model = model
        self.cache_dir = cache_dir
        self.doc_kind = doc_kind
        self.doc_recipe = doc_recipe
        self.lex_recipe = lex_recipe
        self.tokens_version = tokens_version
        self._searcher_options = searcher_options
        self._encoder = encoder
        self._state: QueryState | None = None
        self._mutex = threading.RLock()
        manifest = read_manifest_or_none(self.dir)  # a damaged one is reported by the first query
        if manifest is not None:
            wanted = encoder.name if encoder is not None else known_model_name(model) if model else None
            self.check_model(manifest, wanted, model)

    # -- model -------------------------------------------------------------------------------
    def spec(self, manifest: Manifest | None) -> str | None:
        """The encoder spec in force: the one asked for, else the one the index was built with."""
        if self.requested_model is not None:
            return self.requested_model
        return manifest.model_spec if manifest is not None else None

    def check_model(self, manifest: Manifest, name: str | None, spec: str | None) -> None:
        """ModelMismatchError when model ``name`` cannot query or extend the index of ``manifest``."""
        if name is None or name == manifest.model or not manifest.model or not manifest.count:
            return  # an empty index holds no vectors to disagree with
        raise ModelMismatchError("model_mismatch", directory=str(self.dir), built=manifest.model, asked=name,
                                 spec_note=f" (from {spec!r})" if spec and spec != name else "",
                                 rebuild=spec or name)

    @property
    def encoder(self):
        """The document encoder, loaded on first use and kept (query latency excludes the model load)."""
        self.join_preload()
        return self._load_encoder()

    _preload: threading.Thread | None = None

    def preload_encoder(self) -> None:
        """Load the document encoder in a background thread, so its load (~5 s of imports and weights)
        overlaps other work: ingest starts it once its parse workers run (docs/decisions.md, "Scale to a
        province"). ``encoder`` waits for it; a failure here is left for ``encoder`` to raise."""
        if self._encoder is not None or self._preload is not None:
            return

        def load() -> None:
            try:
                self._load_encoder()
            except Exception as exc:  # the caller's own `encoder` access loads again and reports it
                log.debug("preloading the embedding model failed: %s", exc)

        self._preload = threading.Thread(target=load, name="xuncha-encoder-preload", daemon=True)
        self._preload.start()

    def join_preload(self) -> None:
        """Wait for a preload started by ``preload_encoder`` (before the process exits, say)."""
        if self._preload is not None:
            self._preload.join()

    def _load_encoder(self):
        if self._encoder is None:
            from .encoder import load_encoder

            manifest = read_manifest(self.dir)
            spec = self.spec(manifest)
            started = time.perf_counter()
            self._encoder = load_encoder(spec, cache_dir=self.cache_dir)
            log.info("loaded embedding model %s in %.1fs", self._encoder.name, time.perf_counter() - started)
            if manifest is not None:
                try:
                    self.check_model(manifest, self._encoder.name, spec)
                except ModelMismatchError:
                    self._encoder = None
                    raise
        return self._encoder

    @property
    def model_name(self) -> str | None:
        manifest = read_manifest(self.dir)
        return manifest.model if manifest else (self._encoder.name if self._encoder else None)

    # -- state ---------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Manifest summary plus whether the index lags behind the store."""
        manifest = read_manifest(self.dir)
        generation = self.store.generation()
        if manifest is None:
            return {"indexed": False, "generation": generation, "stale": True}
        return {"indexed": True, "stale": manifest.generation != generation or not self._compatible(manifest),
                "generation": generation, **manifest.to_json()}

    def _compatible(self, manifest: Manifest) -> bool:
        """Whether the index was built the way this code builds it (else a full re-embed is due)."""
        return manifest.doc_kind == self.doc_kind and manifest.doc_recipe == self.doc_recipe

    def ensure_ready(self, *, progress: Progress | None = None) -> QueryState:
        """The in-memory state for the store's current generation, syncing the index if it lags."""
        with self._mutex:  # one UI process may query from several threads
            return self._ensure_ready(progress)

    def _ensure_ready(self, progress: Progress | None) -> QueryState:
        generation = self.store.generation()
        if self._state is not None and self._state.generation == generation:
            return self._state
        for _ in range(3):
            manifest = read_manifest(self.dir)
            current = manifest is not None and manifest.generation == generation and self._compatible(manifest) \
                and manifest.tokenizer == self.tokens_version
            if not current:
                committed = self._committed_state(manifest) if writer_active(self.root) else None
                if committed is not None:
                    return committed
                return self._sync_or_committed(manifest, progress)
            try:
                self._state = self._load_state(manifest, generation)
                return self._state
            except FileNotFoundError:  # a concurrent sync replaced the build between reads: retry
                continue
            except (_Inconsistent, _Damaged) as exc:
                log.warning("%s; updating the search index", exc)
                self.sync(progress=progress)
                return self._state_after_sync()
        raise SearchIndexError("index_unstable", path=str(self.dir))

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
        """While another process writes (ingest, remove, reindex), serve the last committed build
        over the problems it holds instead of waiting for the writer's embedding; None if there is
        no usable build (then the caller syncs, i.e. waits). The state is not cached: the next
        query looks again."""
        if manifest is None or not self._compatible(manifest) or manifest.tokenizer != self.tokens_version:
            return None
        state = self._state
        if state is not None and state.manifest.files == manifest.files:
            return state
        try:
            vectors = VectorIndex.load(self.dir / manifest.files["vectors"])
            have = set(vectors.ids().tolist())
            rows = [r for r in self.store.problem_rows() if problem_uid(r["report_id"], str(r["id"])) in have]
            table = ProblemTable(rows)
            if table.size != len(vectors):
                return None  # a report of this build was removed meanwhile
            tokens = self._read_tokens(manifest.files.get("tokens"))
            lexical = self._load_lexical(manifest.files.get("lexical"), table, tokens)
        except (OSError, RuntimeError, ValueError, KeyError, _Inconsistent, _Damaged) as exc:
            log.info("last committed search index unusable (%s); waiting for the writer", exc)
            return None
        log.info("search index is being updated by another process; answering from build %s (generation %d)",
                 manifest.files.get("vectors"), manifest.generation)
        self._state = self._make_state(manifest.generation, manifest, table, vectors, lexical, tokens)
        return self._state

    def _load_state(self, manifest: Manifest, generation: int) -> QueryState:
        table = ProblemTable(self.store.problem_rows())
        path = self.dir / manifest.files.get("vectors", "vectors-missing.faiss")
        try:
            vectors = VectorIndex.load(path)
        except FileNotFoundError:
            raise
        except (OSError, RuntimeError, ValueError) as exc:
            raise _Damaged(path, exc) from exc
        if len(vectors) != table.size or not np.array_equal(np.sort(vectors.ids()), np.sort(table.uids)):
            raise _Inconsistent(f"{len(vectors)} vectors for {table.size} problems")
        tokens = self._read_tokens(manifest.files.get("tokens"))
        lexical = self._load_lexical(manifest.files.get("lexical"), table, tokens)
        engine = self.engine_for(manifest)
        if backend_entry(engine.name).external and engine.count() != table.size:  # e.g. a sync interrupted before it
            self._sync_engine(manifest, table, vectors, tokens, _progress(None), rebuild=False)
        return self._make_state(generation, manifest, table, vectors, lexical, tokens)

    def _make_state(self, generation, manifest, table, vectors, lexical, tokens) -> QueryState:
        searcher = self.engine_for(manifest).searcher(table, vectors, lexical,
                                                      **self._searcher_options(manifest.model, table, vectors))
        return QueryState(generation, manifest, table, vectors, lexical, tokens, searcher)

    # -- engine ------------------------------------------------------------------------------------
    _engine: SearchEngine | None = None
    _engine_key: tuple[str, str | None] | None = None
    _backend: tuple[str, str | None] | None = None   # set by reindex(backend=...) until committed

    def _wanted_backend(self, manifest: Manifest | None) -> tuple[str, str | None]:
        if self._backend is not None:
            return self._backend
        if manifest is None:
            return DEFAULT_BACKEND, None
        return manifest.backend or DEFAULT_BACKEND, manifest.backend_uri

    def engine_for(self, manifest: Manifest | None) -> SearchEngine:
        """The engine the index is served by (the manifest's backend, or the one reindex switches to)."""
        key = self._wanted_backend(manifest)
        if self._engine is None or self._engine_key != key:
            if self._engine is not None:
                self._engine.close()
            self._engine = open_engine(key[0], self.dir, key[1], lex_recipe=self.lex_recipe)
            self._engine_key = key
        return self._engine

    def _sync_engine(self, manifest: Manifest | None, table: ProblemTable, vectors: VectorIndex,
                     tokens: dict[int, list[str]], report: Progress, *, rebuild: bool) -> None:
        """Bring an external engine in line with the table (one over the workspace's files has nothing to do)."""
        engine = self.engine_for(manifest)
        if rebuild:
            engine.drop()
        added, removed = engine.sync(table, vectors, tokens, report)
        if added or removed:
            log.info("%s engine: +%d -%d problems", engine.name, added, removed)

    def verify_lexical(self, manifest: Manifest) -> None:
        """Read the build's BM25 index and token cache as a query would; OSError/ValueError naming what
        cannot be read (doctor), KeyError when the manifest records none."""
        LexicalIndex.load(self.dir / manifest.files["lexical"])
        try:
            self._read_tokens(manifest.files["tokens"])
        except _Damaged as exc:
            raise ValueError(str(exc)) from exc

    def _reuse_lexical(self, name: str | None, table: ProblemTable) -> LexicalIndex | None:
        """The saved BM25 index if it was built over exactly these problems in this order."""
        if not name:
            return None
        directory = self.dir / name
        try:
            order = json.loads((directory / "uids.json").read_text("utf-8"))
            if np.array_equal(np.asarray(order, dtype=np.int64), table.uids):
                return LexicalIndex.load(directory)
        except (OSError, ValueError, KeyError) as exc:
            log.info("lexical index not reusable (%s); rebuilding it from cached tokens", exc)
        return None

    def _load_lexical(self, name: str | None, table: ProblemTable, tokens: dict[int, list[str]]) -> LexicalIndex:
        reused = self._reuse_lexical(name, table)
        if reused is not None:
            return reused
        missing = [u for u in table.uids.tolist() if u not in tokens]
        if missing:
            raise _Inconsistent(f"{len(missing)} problems have no cached tokens")
        return LexicalIndex([tokens[u] for u in table.uids.tolist()])

    def _read_tokens(self, name: str | None) -> dict[int, list[str]]:
        """Cached BM25 tokens by problem uid; _Damaged naming the file if it is not what we wrote."""
        if not name:
            return {}
        path = self.dir / name
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise _Damaged(path, exc) from exc
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), dict):
            raise _Damaged(path, "not a tokens file")
        if data.get("tokenizer") != self.tokens_version:
            return {}
        try:  # one str object per distinct token (JSON makes one per occurrence: 11 kB per problem at 8k problems)
            intern = sys.intern
            return {int(k): [intern(t) for t in v] for k, v in data["tokens"].items()}
        except (TypeError, ValueError) as exc:
            raise _Damaged(path, exc) from exc

    # -- sync ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
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
        report = _progress(progress)
        with self._mutex, self._lock():
            manifest = read_manifest_or_none(self.dir) if rebuild else read_manifest(self.dir)
            generation = self.store.generation()
            report("scan", 0, 1)
            full = rebuild or manifest is None or not self._compatible(manifest)
            switch = rebuild_engine or (manifest is not None and self._wanted_backend(manifest) != (
                manifest.backend or DEFAULT_BACKEND, manifest.backend_uri))   # reindex --backend: no re-embed
            # the writer reads the rows of new reports only; an external engine wants every row
            external = backend_entry(self._wanted_backend(manifest)[0]).external
            table = ProblemTable(self.store.problem_rows()) if external else KeyTable(self.store.problem_keys())
            report("scan", 1, 1)
            if manifest is not None and not full:
                self.check_model(manifest, self.encoder.name if self._encoder else None, self.requested_model)
            vectors = None if full else self._try_load_vectors(manifest)
            added, removed, vectors, vectors_changed = self._sync_vectors(table, vectors, report)
            tokens, tokens_changed = self._sync_tokens(table, manifest, report)
            lexical = None
            if manifest is not None and not (full or vectors_changed or tokens_changed):
                lexical = self._reuse_lexical(manifest.files.get("lexical"), table)
            lexical_changed = lexical is None
            if lexical is None:
                report("lexical", 0, 1)
                lexical = LexicalIndex([tokens[u] for u in table.uids.tolist()])
            report("lexical", 1, 1)
            if switch or (external and (vectors_changed or tokens_changed or full)):
                self._sync_engine(manifest, table, vectors, tokens, report, rebuild=full or switch)
            if full or switch or vectors_changed or tokens_changed or lexical_changed \
                    or manifest.generation != generation:
                manifest = self._commit(manifest, generation, table, vectors, lexical, tokens,
                                        vectors_changed or full, tokens_changed, lexical_changed, report)
            if isinstance(table, ProblemTable):
                self._state = self._make_state(generation, manifest, table, vectors, lexical, tokens)
            else:   # queries build their state from the files when they come (readers do anyway)
                self._state = None
            self._synced = _Synced(generation, vectors, tokens)
        seconds = time.perf_counter() - started
        if added or removed:
            log.info("search index: +%d -%d problems (%d total, %s) in %.1fs", added, removed, table.size,
                     vectors.kind, seconds)
        return {"added": added, "removed": removed, "total": table.size, "kind": vectors.kind,
                "generation": generation, "seconds": round(seconds, 3),
                **self.engine_for(manifest).describe()}

    def _try_load_vectors(self, manifest: Manifest) -> VectorIndex | None:
        path = self.dir / manifest.files.get("vectors", "vectors-missing.faiss")
        try:
            vectors = VectorIndex.load(path)
        except (OSError, RuntimeError, ValueError) as exc:
            log.warning("%s: search index file unreadable (%s); re-embedding every problem", path,
                        " ".join(str(exc).split())[:200])
            return None
        return vectors if vectors.dim == manifest.dim else None

    def _sync_vectors(self, table: ProblemTable, vectors: VectorIndex | None, report: Progress):
        """(added, removed, index, changed): the diff between the index's ids and the store's."""
        have = vectors.ids() if vectors is not None else np.zeros(0, np.int64)
        gone = np.setdiff1d(have, table.uids)
        new_pos = np.flatnonzero(~np.isin(table.uids, have))
        if vectors is None:
            vectors = VectorIndex(self.encoder.dim if len(new_pos) or self._encoder else 384)
        if len(gone):
            vectors.remove(gone)
        if len(new_pos):
            texts = self._texts(table, new_pos, self.doc_recipe, MAX_EMBED_CHARS_PROBLEM, MAX_EMBED_CHARS_REPORT)
            report("embed", 0, len(texts))
            vecs = self.encoder.encode(texts, kind=self.doc_kind,
                                       progress=report)
            if vectors.dim != vecs.shape[1]:
                vectors = VectorIndex(vecs.shape[1])
            vectors.add(table.uids[new_pos], vecs)
        changed = bool(len(gone) or len(new_pos))
        kind = choose_kind(len(vectors))
        if kind != vectors.kind:
            report("index", 0, 1)
            ids = vectors.ids()
            vectors = VectorIndex.build(ids, vectors.vectors(ids), kind=kind)
            changed = True
            report("index", 1, 1)
        return len(new_pos), len(gone), vectors, changed

    def _sync_tokens(self, table: ProblemTable, manifest: Manifest | None, report: Progress):
        cached: dict[int, list[str]] = {}
        if manifest is not None and manifest.tokenizer == self.tokens_version:
            try:
                cached = self._read_tokens(manifest.files.get("tokens"))
            except (OSError, _Damaged) as exc:
                log.warning("%s; tokenising every problem again", exc)
                cached = {}
        uids = table.uids.tolist()
        missing = [i for i, u in enumerate(uids) if u not in cached]
        tokenizer = get_tokenizer()
        texts = self._texts(table, np.asarray(missing, dtype=np.int64), self.lex_recipe, MAX_TOKENIZE_CHARS_PROBLEM,
                            MAX_TOKENIZE_CHARS_REPORT)
        for n, (i, text) in enumerate(zip(missing, texts, strict=True)):
            cached[uids[i]] = [sys.intern(t) for t in tokenizer.tokenize(text)]
            if n % 500 == 0:
                report("tokenize", n, len(missing))
        keep = set(uids)
        tokens = {u: t for u, t in cached.items() if u in keep}
        changed = bool(missing) or len(tokens) != len(cached)
        return tokens, changed

    def _texts(self, table, positions: np.ndarray, recipe: str, per_problem: int, per_report: int) -> list[str]:
        """The recipe's texts of rows ``positions`` of ``table`` (a ProblemTable, or a KeyTable whose
        rows are then read for the reports they belong to only)."""
        if isinstance(table, ProblemTable) or not len(positions):
            return capped_texts(table, positions.tolist(), recipe, per_problem, per_report) if len(positions) else []
        reports = sorted({table.report_id[int(i)] for i in positions})
        rows = ProblemTable(self.store.problem_rows(reports, types=False))   # texts only
        return capped_texts(rows, [rows.pos[int(table.uids[int(i)])] for i in positions], recipe, per_problem,
                            per_report)

    _synced: _Synced | None = None

    def index_data(self) -> _Synced:
        """(generation, vectors, tokens) of the index, without building the query state when this
        process has just synced it (themes and recurrence in the writer read these)."""
        synced = self._synced
        if synced is not None and synced.generation == self.store.generation():
            return synced
        state = self.ensure_ready()
        return _Synced(state.generation, state.vectors, state.tokens)

    def _commit(self, old: Manifest | None, generation: int, table: ProblemTable, vectors: VectorIndex,
                lexical: LexicalIndex, tokens: dict[int, list[str]], vectors_changed: bool,
                tokens_changed: bool, lexical_changed: bool, report: Progress) -> Manifest:
        """Write new files under a fresh token, then the manifest; finally drop unreferenced files."""
        token = f"{generation}-{secrets.token_hex(4)}"
        files = dict(old.files) if old is not None else {}
        report("save", 0, 4)
        if vectors_changed or "vectors" not in files:
            files["vectors"] = f"vectors-{token}.faiss"
            vectors.save(self.dir / files["vectors"])
            files["ids"] = f"ids-{token}.json"
            idmap = {str(u): [table.report_id[i], table.problem_id[i]] for i, u in enumerate(table.uids.tolist())}
            write_json(self.dir / files["ids"], {"ids": idmap})
        report("save", 1, 4)
        if tokens_changed or "tokens" not in files:
            files["tokens"] = f"tokens-{token}.json"
            payload = {"tokenizer": self.tokens_version, "tokens": {str(u): t for u, t in tokens.items()}}
            write_json(self.dir / files["tokens"], payload)
        report("save", 2, 4)
        if lexical_changed or "lexical" not in files:
            files["lexical"] = f"lexical-{token}"
            self._save_lexical(self.dir / files["lexical"], lexical, table)
        report("save", 3, 4)
        encoder_info = self._encoder.info() if self._encoder is not None else (old.encoder if old else {})
        model = self._encoder.name if self._encoder is not None else (old.model if old else "")
        spec = self.requested_model if self.requested_model is not None else (old.model_spec if old else None)
        manifest = Manifest(model=model, model_spec=spec, dim=vectors.dim, doc_kind=self.doc_kind,
                            doc_recipe=self.doc_recipe, index_kind=vectors.kind, count=len(vectors),
                            generation=generation, files=files, versions=versions(),
                            tokenizer=self.tokens_version, encoder=_jsonable(encoder_info),
                            backend=self._wanted_backend(old)[0], backend_uri=self._wanted_backend(old)[1])
        write_manifest(self.dir, manifest)
        report("save", 4, 4)
        self._collect_garbage(set(files.values()))
        self._backend = None   # committed: the manifest names the backend from here on
        return manifest

    def _save_lexical(self, directory: Path, lexical: LexicalIndex, table: ProblemTable) -> None:
        with atomic_dir(directory) as tmp:
            lexical.save(tmp)
            (tmp / "uids.json").write_text(json.dumps(table.uids.tolist()), "utf-8")

    def _collect_garbage(self, keep: set[str]) -> None:
        for path in self.dir.iterdir():
            name = path.name
            if name in keep or name in ("manifest.json", ".lock"):
                continue
            if not re.match(r"^(vectors-|ids-|tokens-|lexical-|\.)", name):
                continue  # not ours
            if name.startswith(".") and time.time() - path.stat().st_mtime < 3600:
                continue  # a temp file of a writer that may still be running
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def reindex(self, model: str | None = None, progress: Progress | None = None, *,
                backend: str | None = None, uri: str | None = None) -> dict[str, Any]:
        """Re-embed every problem, with ``model`` if given (the only way to change the model), served
        by ``backend`` (a name in engines.REGISTRY; None keeps the current one) at ``uri`` (a backend that
        takes one).

        A backend switch alone re-embeds nothing: the new engine is filled from the cached vectors."""
        if backend is not None or uri is not None:
            manifest = read_manifest_or_none(self.dir)
            current = self._wanted_backend(manifest)
            entry = backend_entry(backend or current[0])
            if uri is not None and not entry.takes_uri:
                raise SearchIndexError("uri_unsupported", backends=", ".join(uri_backends()))
            self._backend = (entry.name, uri if entry.takes_uri else None)
            if model is None and manifest is not None and self._compatible(manifest):
                self._state = None
                return self.sync(progress, rebuild_engine=True)
        if model is not None:
            self.requested_model = model
            self._encoder = None
        elif self.requested_model is None:
            manifest = read_manifest_or_none(self.dir)
            self.requested_model = manifest.model_spec if manifest else None
        from .encoder import load_encoder

        if self._encoder is None:
            self._encoder = load_encoder(self.requested_model, cache_dir=self.cache_dir)
        self._state = None
        return self.sync(progress, rebuild=True)


class _Inconsistent(Exception):
    """Index files disagree with the store; a sync repairs it."""


class _Damaged(Exception):
    """An index file that cannot be read as what we wrote; one line naming it. A sync rewrites it."""

    def __init__(self, path: Path, reason: object) -> None:
        self.path = path
        super().__init__(f"{path}: damaged search index file ({' '.join(str(reason).split())[:200]})")


def _progress(callback: Progress | None) -> Progress:
    if callback is None:
        return lambda stage, done, total: None
    return callback


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))

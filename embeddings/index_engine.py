"""Which engine serves the search index (engines/: FAISS+BM25 over the workspace's files, or an
external one such as Milvus), the engine itself, and bringing an external engine in line with the
index's problems.

One of the parts ``IndexSync`` (index_sync.py) holds. The backend is the manifest's, until
``reindex --backend`` asks for another: that wish is held here until the commit names it."""
from __future__ import annotations

import logging
from pathlib import Path

from reports.shared.progress import Progress

from .engines import DEFAULT_BACKEND, open_engine, uri_backends
from .engines import backend as backend_entry
from .engines.base import SearchEngine
from .index import VectorIndex
from .manifest import Manifest, SearchIndexError
from .table import ProblemTable

__all__ = ["EngineSlot"]

log = logging.getLogger("xuncha.search")


class EngineSlot:
    """The engine of the index in ``directory`` (opened once per backend and URI, kept)."""

    def __init__(self, directory: Path, lex_recipe: str) -> None:
        self.dir = directory
        self.lex_recipe = lex_recipe
        self._engine: SearchEngine | None = None
        self._engine_key: tuple[str, str | None] | None = None
        self._switch: tuple[str, str | None] | None = None   # set by reindex(backend=...) until committed

    def wanted(self, manifest: Manifest | None) -> tuple[str, str | None]:
        """(backend, uri) the index is to be served by: a pending switch, else the manifest's."""
        if self._switch is not None:
            return self._switch
        if manifest is None:
            return DEFAULT_BACKEND, None
        return manifest.backend or DEFAULT_BACKEND, manifest.backend_uri

    def switching(self, manifest: Manifest | None) -> bool:
        """Whether the wanted backend differs from the one ``manifest`` records (reindex --backend)."""
        return manifest is not None and self.wanted(manifest) != (manifest.backend or DEFAULT_BACKEND,
                                                                  manifest.backend_uri)

    def external(self, manifest: Manifest | None) -> bool:
        """Whether the wanted backend keeps its own copy of the problems (and so wants every row)."""
        return backend_entry(self.wanted(manifest)[0]).external

    def switch(self, backend: str | None, uri: str | None, manifest: Manifest | None) -> None:
        """Serve the index by ``backend`` (None: the current one) at ``uri`` from the next commit on;
        SearchIndexError for a URI given to a backend that takes none."""
        entry = backend_entry(backend or self.wanted(manifest)[0])
        if uri is not None and not entry.takes_uri:
            raise SearchIndexError("uri_unsupported", backends=", ".join(uri_backends()))
        self._switch = (entry.name, uri if entry.takes_uri else None)

    def committed(self) -> None:
        """The manifest names the backend from here on."""
        self._switch = None

    def engine_for(self, manifest: Manifest | None) -> SearchEngine:
        """The engine the index is served by (the manifest's backend, or the one reindex switches to)."""
        key = self.wanted(manifest)
        if self._engine is None or self._engine_key != key:
            if self._engine is not None:
                self._engine.close()
            self._engine = open_engine(key[0], self.dir, key[1], lex_recipe=self.lex_recipe)
            self._engine_key = key
        return self._engine

    def sync(self, manifest: Manifest | None, table: ProblemTable, vectors: VectorIndex,
             tokens: dict[int, list[str]], report: Progress, *, rebuild: bool) -> None:
        """Bring an external engine in line with the table (one over the workspace's files has nothing to do)."""
        engine = self.engine_for(manifest)
        if rebuild:
            engine.drop()
        added, removed = engine.sync(table, vectors, tokens, report)
        if added or removed:
            log.info("%s engine: +%d -%d problems", engine.name, added, removed)

    def catch_up(self, manifest: Manifest, table: ProblemTable, vectors: VectorIndex,
                 tokens: dict[int, list[str]]) -> None:
        """Fill an external engine that holds another number of problems than the committed build
        (e.g. a sync interrupted before it) when a reader loads that build."""
        engine = self.engine_for(manifest)
        if backend_entry(engine.name).external and engine.count() != table.size:
            self.sync(manifest, table, vectors, tokens, lambda stage, done, total: None, rebuild=False)

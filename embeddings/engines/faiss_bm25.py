"""The embedded default engine: the workspace's FAISS and BM25 files, as the search service writes them.
See docs/decisions.md (Search backends)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reports.shared.progress import Progress

from ..index import VectorIndex
from ..lexical import LexicalIndex
from ..search import ProblemTable, Searcher
from .base import SearchEngine

__all__ = ["FaissBM25Engine", "open_engine"]


class FaissBM25Engine(SearchEngine):
    """Searcher over the workspace's FAISS vectors and BM25 index, exactly as built by the service."""

    name = "faiss"

    def __init__(self, vectors: VectorIndex | None = None) -> None:
        self._vectors = vectors

    def ids(self) -> np.ndarray:
        return self._vectors.ids() if self._vectors is not None else np.zeros(0, np.int64)

    def add(self, table: ProblemTable, positions: np.ndarray, vectors: np.ndarray,
            tokens: dict[int, list[str]]) -> None:
        if self._vectors is None:
            self._vectors = VectorIndex(vectors.shape[1])
        self._vectors.add(table.uids[positions], vectors)

    def remove(self, uids: Sequence[int] | np.ndarray) -> int:
        return self._vectors.remove(uids) if self._vectors is not None else 0

    def sync(self, table: ProblemTable, vectors: VectorIndex, tokens: dict[int, list[str]],
             progress: Progress | None = None) -> tuple[int, int]:
        """The service's own sync already brought ``vectors`` in line with the table."""
        self._vectors = vectors
        return 0, 0

    def searcher(self, table: ProblemTable, vectors: VectorIndex, lexical: LexicalIndex, **options: Any
                 ) -> Searcher:
        self._vectors = vectors
        return Searcher(table, vectors, lexical, **options)


def open_engine(search_dir: Path, uri: str | None, **options: Any) -> FaissBM25Engine:
    """The registry's entry point: the files are the service's own, so nothing to connect to."""
    return FaissBM25Engine()

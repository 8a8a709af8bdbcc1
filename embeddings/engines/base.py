"""The search engine interface: engines supply candidates, embeddings/search.Searcher ranks and shapes.
Why candidates and not rankings: docs/decisions.md (Search backends)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from reports.shared.progress import Progress

from ..index import VectorIndex
from ..lexical import LexicalIndex
from ..search import Filters, Hit, ProblemTable, Searcher

__all__ = ["SearchEngine"]


class SearchEngine(ABC):
    """One backend. ``sync`` makes it hold exactly the table's problems; ``searcher`` queries it."""

    name: str = ""

    @abstractmethod
    def ids(self) -> np.ndarray:
        """Every problem uid the engine holds (int64, any order)."""

    def count(self) -> int:
        """How many problems the engine holds."""
        return len(self.ids())

    @abstractmethod
    def add(self, table: ProblemTable, positions: np.ndarray, vectors: np.ndarray,
            tokens: dict[int, list[str]]) -> None:
        """Add (or replace) the problems at ``positions`` of ``table`` with their vectors and BM25 tokens."""

    @abstractmethod
    def remove(self, uids: Sequence[int] | np.ndarray) -> int:
        """Remove problems by uid (absent ones are ignored); how many were removed."""

    @abstractmethod
    def searcher(self, table: ProblemTable, vectors: VectorIndex, lexical: LexicalIndex, **options: Any
                 ) -> Searcher:
        """A Searcher over this engine for ``table`` (the workspace's vectors and BM25 index as built);
        ``options`` are Searcher's own fields (fusion, calibration, ...)."""

    def sync(self, table: ProblemTable, vectors: VectorIndex, tokens: dict[int, list[str]],
             progress: Progress | None = None) -> tuple[int, int]:
        """Add what the table has and the engine lacks, remove what the table lost: (added, removed)."""
        have = self.ids()
        gone = np.setdiff1d(have, table.uids)
        new_pos = np.flatnonzero(~np.isin(table.uids, have))
        removed = self.remove(gone) if len(gone) else 0
        step = 2000
        for start in range(0, len(new_pos), step):
            chunk = new_pos[start:start + step]
            self.add(table, chunk, vectors.vectors(table.uids[chunk]), tokens)
            if progress is not None:
                progress("engine", start + len(chunk), len(new_pos))
        return len(new_pos), removed

    def search(self, table: ProblemTable, vectors: VectorIndex, lexical: LexicalIndex,
               qvec: np.ndarray | None, tokens: Sequence[str], k: int = 10,
               filters: Filters | None = None, mode: str = "hybrid", searcher_options: dict | None = None,
               **options: Any) -> list[Hit]:
        """Top-``k`` hits for an encoded, tokenised query (fusion and shaping as in Searcher.search);
        ``searcher_options`` are the Searcher's own (calibration, fusion: embeddings.service.searcher_options)."""
        searcher = self.searcher(table, vectors, lexical, **(searcher_options or {}))
        return searcher.search(qvec, tokens, k=k, filters=filters, mode=mode, **options)

    def similar(self, table: ProblemTable, vectors: VectorIndex, lexical: LexicalIndex, uid: int,
                tokens: Sequence[str], k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
                searcher_options: dict | None = None, **options: Any) -> list[Hit]:
        """Problems like the stored problem ``uid`` from other reports: its own vector and tokens as the
        query, its report excluded."""
        pos = table.pos[int(uid)]
        base = filters or Filters()
        filters = Filters.of({**base.to_json(),
                              "exclude_report": (*base.exclude_report, table.report_id[pos])})
        qvec = vectors.vectors([int(uid)])[0]
        return self.search(table, vectors, lexical, qvec, tokens, k=k, filters=filters, mode=mode,
                           searcher_options=searcher_options, **options)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name}

    def drop(self) -> None:
        """Empty the engine before a full refill (an engine over the workspace's files has nothing to drop)."""
        return None

    def close(self) -> None:
        """Release connections (nothing by default)."""
        return None

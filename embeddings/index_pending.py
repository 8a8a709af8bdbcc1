"""A build of an earlier version answering while its re-embed is due (docs/decisions.md, "Upgrades
that change the embedded text"): whether a build can still answer queries as this code asks them,
and the notice readers show with its answers (how many stored problems it lacks).

Used by ``IndexSync._committed_state`` (index_sync.py), the one path that serves a last committed
build; the notice is what the CLI prints (a logged warning carrying it) and the app shows."""
from __future__ import annotations

import logging
from pathlib import Path

from reports.shared.notices import Notice

from .manifest import Manifest

__all__ = ["PendingNotice", "queryable"]

log = logging.getLogger("xuncha.search")


def queryable(manifest: Manifest, tokens_version: str, encoder) -> bool:
    """Whether a build answers queries as this code asks them, whatever its document side: BM25 over the
    same tokens, and the vectors of the encoder in use (model and dimension) when one is loaded (when
    none is, the query encoder checks the model itself: SearchService.query_encoder)."""
    return manifest.tokenizer == tokens_version and (
        encoder is None or (encoder.name == manifest.model and encoder.dim == manifest.dim))


class PendingNotice:
    """The ``index_reembed_due`` notice of the builds of the index in ``directory`` over ``store``: the
    count of stored problems a build lacks is read once per store generation and build, not per query."""

    def __init__(self, directory: Path, store) -> None:
        self.dir = directory
        self.store = store
        self._last: tuple[int, str, Notice] | None = None

    def of(self, manifest: Manifest, size: int) -> Notice:
        """The notice for ``manifest``'s build of ``size`` problems; a new one is also logged as a warning
        (the CLI prints it in Chinese; the app's server log keeps it)."""
        generation, build = self.store.generation(), manifest.files.get("vectors", "")
        if self._last is not None and self._last[:2] == (generation, build):
            return self._last[2]
        missing = max(self.store.problem_count() - size, 0)
        notice = Notice("index_reembed_due", {"built": manifest.doc_recipe, "missing": missing})
        if self._last is None or self._last[2] != notice:
            log.warning("%s: %s", self.dir, notice.english(), extra={"notice": notice})
        self._last = (generation, build, notice)
        return notice

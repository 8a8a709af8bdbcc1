"""The vectors side of the search index: reading a build's FAISS file, and the sync's diff of the
index's problem ids against the store's (embed the new problems, drop the removed ones, re-choose
the FAISS kind for the new size).

One of the parts ``IndexSync`` (index_sync.py) holds; it embeds with the encoder of the
``EncoderSlot`` it is given."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from reports.read.limits import MAX_EMBED_CHARS_PROBLEM, MAX_EMBED_CHARS_REPORT
from reports.shared.ioerrors import reason_line
from reports.shared.progress import Progress

from .doc_texts import row_texts
from .encoder_slot import EncoderSlot
from .heap import mapped_blocks
from .index import VectorIndex, choose_kind
from .manifest import DamagedIndexFile, Manifest
from .table import KeyTable, ProblemTable

__all__ = ["VectorSide"]

log = logging.getLogger("xuncha.search")


class VectorSide:
    """The vectors of the index in ``directory`` over ``store``'s problems, embedded as ``doc_kind``
    texts of recipe ``doc_recipe`` by ``encoders``."""

    def __init__(self, directory: Path, store, encoders: EncoderSlot, *, doc_kind: str, doc_recipe: str) -> None:
        self.dir = directory
        self.store = store
        self.encoders = encoders
        self.doc_kind = doc_kind
        self.doc_recipe = doc_recipe

    def load(self, manifest: Manifest) -> VectorIndex:
        """The build's vectors, for queries (memory-mapped: never changed in place, a sync loads its
        own); FileNotFoundError if a concurrent sync replaced the build, DamagedIndexFile if the file
        is not what we wrote."""
        path = self.dir / manifest.files.get("vectors", "vectors-missing.faiss")
        try:
            return VectorIndex.load(path, mmap=True)
        except FileNotFoundError:
            raise
        except (OSError, RuntimeError, ValueError) as exc:
            raise DamagedIndexFile(path, exc) from exc

    def try_load(self, manifest: Manifest) -> VectorIndex | None:
        """The build's vectors to extend, or None (with a warning) when they must all be embedded again."""
        path = self.dir / manifest.files.get("vectors", "vectors-missing.faiss")
        try:
            with mapped_blocks():   # its lists mapped, so that the copies an add makes give their space back
                vectors = VectorIndex.load(path)
        except (OSError, RuntimeError, ValueError) as exc:
            log.warning("%s: search index file unreadable (%s); re-embedding every problem", path,
                        reason_line(exc))
            return None
        return vectors if vectors.dim == manifest.dim else None

    def sync(self, table: ProblemTable | KeyTable, vectors: VectorIndex | None, report: Progress):
        """(added, removed, index, changed): the diff between the index's ids and the store's."""
        have = vectors.ids() if vectors is not None else np.zeros(0, np.int64)
        gone = np.setdiff1d(have, table.uids)
        new_pos = np.flatnonzero(~np.isin(table.uids, have))
        if vectors is None:
            vectors = VectorIndex(self.encoders.encoder.dim if len(new_pos) or self.encoders.loaded else 384)
        if len(gone):
            with mapped_blocks():
                vectors.remove(gone)
        if len(new_pos):
            texts = row_texts(self.store, table, new_pos, self.doc_recipe, MAX_EMBED_CHARS_PROBLEM,
                              MAX_EMBED_CHARS_REPORT)
            report("embed", 0, len(texts))
            vecs = self.encoders.encoder.encode(texts, kind=self.doc_kind, progress=report)
            if vectors.dim != vecs.shape[1]:
                vectors = VectorIndex(vecs.shape[1])
            with mapped_blocks():   # each list it grows is copied (embeddings/heap.py)
                vectors.add(table.uids[new_pos], vecs)
        changed = bool(len(gone) or len(new_pos))
        kind = choose_kind(len(vectors))
        if kind != vectors.kind:
            report("index", 0, 1)
            ids = vectors.ids()
            with mapped_blocks():
                vectors = VectorIndex.build(ids, vectors.vectors(ids), kind=kind)
            changed = True
            report("index", 1, 1)
        return len(new_pos), len(gone), vectors, changed

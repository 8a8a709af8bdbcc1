"""The backend registry: the one place that knows which search engines exist (faiss: the workspace's
files; milvus: Milvus Lite or a server), what each is called and what it can do.

The CLI's choices, the manifest's default, URI checks and the writer's "does this engine hold its
own copy" all read ``REGISTRY``; each engine's code lives in its own module, imported only when that
backend is opened. A new backend is a module with ``open_engine(search_dir, uri, **options)`` and a
row here. Why and how: docs/decisions.md (Search backends), docs/deploy.md."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reports.shared.notices import XunchaError

if TYPE_CHECKING:   # the registry stays import-light: the manifest reads its default
    from .base import SearchEngine

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "REGISTRY", "Backend", "UnknownBackend", "backend", "open_engine",
           "uri_backends"]


class UnknownBackend(XunchaError, ValueError):
    """A backend name not in the registry (the manifest and the CLI only let known ones through)."""


@dataclass(frozen=True)
class Backend:
    """One search backend as the rest of the code sees it."""

    name: str         # the value of --backend and of the manifest's ``backend``
    label: str        # how plain output names it
    help: str         # what --backend's help says of it
    module: str       # the engine module in this package (imported on open)
    takes_uri: bool   # it can serve an index elsewhere (--uri, a manifest's backend_uri)
    external: bool    # it holds its own copy of the index, which a sync must fill


REGISTRY: tuple[Backend, ...] = (
    Backend("faiss", "FAISS(工作区内)", "工作区内的 FAISS 与 BM25 文件", "faiss_bm25", takes_uri=False, external=False),
    Backend("milvus", "Milvus", "默认 Milvus Lite,文件在 工作区/search/milvus.db,或用 --uri 指定服务器", "milvus",
            takes_uri=True, external=True),
)
BACKENDS: tuple[str, ...] = tuple(b.name for b in REGISTRY)
DEFAULT_BACKEND = REGISTRY[0].name


def backend(name: str | None) -> Backend:
    """The backend called ``name`` (None: the default); UnknownBackend for an unknown name."""
    name = name or DEFAULT_BACKEND
    for entry in REGISTRY:
        if entry.name == name:
            return entry
    raise UnknownBackend("unknown_backend", backends=", ".join(BACKENDS), backend=name)


def uri_backends() -> tuple[str, ...]:
    """The backends that take a URI (what --uri implies when --backend is not given: the first)."""
    return tuple(b.name for b in REGISTRY if b.takes_uri)


def open_engine(name: str | None, search_dir: Path, uri: str | None = None, **options) -> SearchEngine:
    """The engine of backend ``name`` for the index in ``search_dir``; UnknownBackend for an unknown name."""
    entry = backend(name)
    module = importlib.import_module(f"{__name__}.{entry.module}")
    return module.open_engine(Path(search_dir), uri if entry.takes_uri else None, **options)

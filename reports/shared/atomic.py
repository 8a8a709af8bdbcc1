"""Atomic file writes (temp file beside the target, fsync, rename): every file a workspace writes
goes through here, so a crash leaves the old file or the new one; the new file gets the umask's mode,
not mkstemp's 0600 (docs/decisions.md, "Store", "Everyday use")."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_dir", "atomic_path", "write_bytes", "write_json", "write_text"]


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temp path to write to (for writers that want a file name, e.g. faiss.write_index); it
    replaces `path` when the block ends without error, and is removed otherwise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _target_mode(path))
    finally:
        os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_dir(path: str | os.PathLike, *, is_complete: Callable[[Path], bool] | None = None) -> Iterator[Path]:
    """A temp directory beside ``path`` to fill (mode from the umask, not mkdtemp's 0700); renamed to
    ``path`` when the block ends without error and removed otherwise, so a crash never leaves a half
    directory that later runs would trust. When another process renamed its own into place first,
    that one is kept if ``is_complete`` says it is whole (else the rename's error is raised)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        os.chmod(tmp, 0o777 & ~current_umask())
        yield tmp
        try:
            os.replace(tmp, path)
        except OSError:
            if is_complete is None or not is_complete(path):
                raise
        _fsync_dir(path.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, data, *, indent: int | None = None) -> Path:
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=indent,
                                       separators=None if indent else (",", ":")))


def _target_mode(path: Path) -> int:
    """The permission bits `path` should end with: those of the file it replaces, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process umask, read without changing it where Linux shows it (os.umask() can only set it,
    which would race with other threads creating files)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""The workspace writer lock: writers (ingest, remove, sync) hold it shared; readers that find it
held answer from the last committed index instead of waiting (docs/decisions.md, Faults and limits)."""
from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

__all__ = ["WRITER_LOCK", "writer_active", "writing"]

WRITER_LOCK = ".writer.lock"
_HELD: dict[str, int] = {}  # workspace -> how many `writing` blocks this process is inside


@contextlib.contextmanager
def writing(root: Path) -> Iterator[None]:
    """Mark the workspace as being written (ingest, remove, sync): a shared lock, so several
    writers may hold it; readers test it with ``writer_active``. Re-entrant per process."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    key = str(root.resolve())
    with open(root / WRITER_LOCK, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        _HELD[key] = _HELD.get(key, 0) + 1
        try:
            yield
        finally:
            _HELD[key] -= 1
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def writer_active(root: Path) -> bool:
    """Whether another process holds ``writing`` on this workspace right now (a process that
    writes itself is the one to sync, so its own hold does not count)."""
    path = Path(root) / WRITER_LOCK
    if not path.exists() or _HELD.get(str(Path(root).resolve()), 0) > 0:
        return False
    try:
        with open(path, "a+") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            return False
    except OSError:
        return False

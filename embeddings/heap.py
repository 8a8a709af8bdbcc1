"""The writer's C heap while it loads and extends the FAISS index: large blocks mapped, so a freed one
goes back to the system.

glibc raises its mmap threshold each time a mapped block is freed (up to 32 MB), after which blocks of
that size come from the heap, whose freed space the process keeps. A sync's FAISS add grows each IVF
list it touches by copying it (~240 KB per list at 318,000 problems); once the threshold has risen the
copies come from the heap and the old lists' space stays in the process: adding 1,590 vectors to the
318,000-problem index cost +256 MB of RSS, with the threshold held at glibc's default (128 KB) +25 MB.
Held only around the index's load and changes: held while encoding, every batch's activations would be
fresh mapped pages (+13-16 CPU s of page faults for 1,600 texts, measured); afterwards the threshold is
set to glibc's dynamic maximum, where it would have risen anyway (docs/decisions.md, issue 23, fifth
pass). Elsewhere than glibc this does nothing.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import threading
from collections.abc import Iterator

__all__ = ["mapped_blocks"]

M_MMAP_THRESHOLD = -3              # glibc's mallopt parameter (malloc.h)
HELD = 128 * 1024                  # glibc's starting threshold
AFTER = 32 * 1024 * 1024           # glibc's largest dynamic threshold on 64-bit systems
_lock = threading.Lock()
_depth = 0


def _mallopt():
    name = ctypes.util.find_library("c")
    try:
        mallopt = getattr(ctypes.CDLL(name), "mallopt", None) if name else None
    except OSError:
        return None
    if mallopt is not None:
        mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt


_MALLOPT = _mallopt()


@contextlib.contextmanager
def mapped_blocks() -> Iterator[None]:
    """Within: blocks of 128 KB and more are mapped (and unmapped when freed). Nested or from several
    threads, the outermost exit sets the threshold back to glibc's dynamic maximum."""
    global _depth
    with _lock:
        _depth += 1
        if _MALLOPT is not None and _depth == 1:
            _MALLOPT(M_MMAP_THRESHOLD, HELD)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _MALLOPT is not None and _depth == 0:
                _MALLOPT(M_MMAP_THRESHOLD, AFTER)

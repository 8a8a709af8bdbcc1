"""The writer's C heap: large blocks always mapped, so a freed one goes back to the system.

glibc raises its mmap threshold each time a mapped block is freed (up to 32 MB), after which blocks of
that size come from the heap, whose freed space the process keeps. A sync's FAISS add grows each IVF
list it touches by copying it (~240 KB per list at 318,000 problems); once the threshold has risen the
copies come from the heap and the old lists' space stays in the process: adding 1,590 vectors to the
318,000-problem index cost +256 MB of RSS, with the threshold held at glibc's default (128 KB) +25 MB
(docs/decisions.md, issue 23, fifth pass). Elsewhere than glibc this does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging

__all__ = ["hold_mmap_threshold"]

log = logging.getLogger("xuncha.search")

M_MMAP_THRESHOLD = -3          # glibc's mallopt parameter (malloc.h)
DEFAULT_THRESHOLD = 128 * 1024  # glibc's starting value
_held = False


def hold_mmap_threshold(size: int = DEFAULT_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``size`` for the rest of the process (a writer calls it before it
    loads the index to extend); True when it is in force."""
    global _held
    if _held:
        return True
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        mallopt = None
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _held = mallopt(M_MMAP_THRESHOLD, int(size)) == 1
    if not _held:
        log.info("mallopt(M_MMAP_THRESHOLD) refused; freed index lists may stay in the writer's heap")
    return _held

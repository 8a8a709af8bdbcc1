"""Name the cause of an I/O failure (full disk, read-only or unwritable workspace, bad media) in
one short phrase (a code of the one message table, reports/shared/notices.py), whether it came from the OS
(OSError) or from SQLite (sqlite3.Error).

Why one module: the ingest loop, the sync step and the CLI's top-level handler all turn the same
failures into the one-line messages of docs/decisions.md "Faults"; they must agree on the words.
"""
from __future__ import annotations

import errno
import sqlite3

from .notices import render

__all__ = ["REASON_CHARS", "io_code", "io_reason", "is_disk_full", "reason_line"]

REASON_CHARS = 200   # an error message quotes at most this much of a library's own text

# The causes as codes of the one message table (reports/shared/notices.py, "io_*").
_ERRNO_CODES = {
    errno.ENOSPC: "io_disk_full",
    errno.EDQUOT: "io_quota",
    errno.EROFS: "io_read_only_fs",
    errno.EACCES: "io_no_permission",
    errno.EPERM: "io_no_permission",
    errno.EIO: "io_error",
}
_SQLITE_CODES = (
    ("database or disk is full", "io_disk_full"),
    ("attempt to write a readonly database", "io_read_only_db"),
    ("disk i/o error", "io_error"),
    ("database disk image is malformed", "io_db_damaged"),
    ("file is not a database", "io_db_damaged"),
    ("unable to open database file", "io_db_unopenable"),
)


def io_code(exc: BaseException) -> str | None:
    """The code of the cause of ``exc`` if it is an I/O failure we recognise, else None."""
    seen = 0
    while exc is not None and seen < 8:  # follow __cause__/__context__: wrappers hide the OSError
        if isinstance(exc, OSError) and exc.errno in _ERRNO_CODES:
            return _ERRNO_CODES[exc.errno]
        if isinstance(exc, sqlite3.Error):
            text = str(exc).lower()
            for needle, code in _SQLITE_CODES:
                if needle in text:
                    return code
        text = str(exc).lower()
        if "no space left on device" in text or "disk is full" in text:
            return "io_disk_full"  # e.g. faiss's RuntimeError wrapping a failed fwrite
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def io_reason(exc: BaseException, lang: str = "zh") -> str | None:
    """The cause of ``exc`` as a short phrase (Chinese by default) if we recognise it, else None."""
    code = io_code(exc)
    return render(code, {}, lang) if code is not None else None


def is_disk_full(exc: BaseException) -> bool:
    return io_code(exc) == "io_disk_full"


def reason_line(reason: object, limit: int = REASON_CHARS) -> str:
    r"""A library's error text as one line a message can quote: whitespace runs (tracebacks, grpc's
    multi-line details) folded, cut at ``limit`` characters.

    >>> reason_line("bad\n  zip   file")
    'bad zip file'
    """
    return " ".join(str(reason).split())[:limit]

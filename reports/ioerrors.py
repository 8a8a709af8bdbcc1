"""Name the cause of an I/O failure (full disk, read-only or unwritable workspace, bad media) in
one short Chinese phrase, whether it came from the OS (OSError) or from SQLite (sqlite3.Error).

Why one module: the ingest loop, the sync step and the CLI's top-level handler all turn the same
failures into the one-line messages of docs/decisions.md "Faults"; they must agree on the words.
"""
from __future__ import annotations

import errno
import sqlite3

__all__ = ["DISK_FULL", "io_reason", "is_disk_full"]

DISK_FULL = "磁盘已满"
_ERRNO_REASONS = {
    errno.ENOSPC: DISK_FULL,
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "文件系统只读",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EIO: "磁盘读写错误",
}
_SQLITE_REASONS = (
    ("database or disk is full", DISK_FULL),
    ("attempt to write a readonly database", "数据库只读"),
    ("disk i/o error", "磁盘读写错误"),
    ("database disk image is malformed", "数据库文件已损坏(运行 xuncha doctor)"),
    ("file is not a database", "数据库文件已损坏(运行 xuncha doctor)"),
    ("unable to open database file", "无法打开数据库文件"),
)


def io_reason(exc: BaseException) -> str | None:
    """The cause of ``exc`` in Chinese if it is an I/O failure we recognise, else None."""
    seen = 0
    while exc is not None and seen < 8:  # follow __cause__/__context__: wrappers hide the OSError
        if isinstance(exc, OSError) and exc.errno in _ERRNO_REASONS:
            return _ERRNO_REASONS[exc.errno]
        if isinstance(exc, sqlite3.Error):
            text = str(exc).lower()
            for needle, reason in _SQLITE_REASONS:
                if needle in text:
                    return reason
        text = str(exc).lower()
        if "no space left on device" in text or "disk is full" in text:
            return DISK_FULL  # e.g. faiss's RuntimeError wrapping a failed fwrite
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def is_disk_full(exc: BaseException) -> bool:
    return io_reason(exc) == DISK_FULL

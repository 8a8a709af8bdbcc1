"""Where the CLI's tracebacks go: a log file in the workspace (``<workspace>/logs/xuncha.log``),
never the terminal. The terminal gets one line per warning and one line for a failure, naming
the log file (docs/decisions.md "Faults").
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from logging.handlers import RotatingFileHandler
from pathlib import Path

from reports.ioerrors import io_reason
from reports.paths import cache_dir, default_workspace

__all__ = ["LOG_FILE", "crash_line", "installed", "workspace_from_argv"]

LOG_FILE = Path("logs") / "xuncha.log"
_MAX_BYTES = 1024 * 1024   # the log is bounded: 1 MB, 3 old files kept
_BACKUPS = 3


class _OneLine(logging.Formatter):
    """The message only, whitespace collapsed; tracebacks stay in the file."""

    def format(self, record: logging.LogRecord) -> str:
        text = " ".join(record.getMessage().split())
        return text if record.levelno < logging.WARNING else f"{record.levelname.lower()}: {text}"


class _QuietFileHandler(RotatingFileHandler):
    """The log file must never become a failure of its own (a full disk): a write that fails
    turns the handler off instead of printing logging's own traceback."""

    def handleError(self, record: logging.LogRecord) -> None:
        self.setLevel(logging.CRITICAL + 1)

    def close(self) -> None:
        with suppress(OSError):
            super().close()


def workspace_from_argv(argv: list[str]) -> Path:
    """The workspace a command line names (--workspace X, --workspace=X, $XUNCHA_HOME, ./workspace)."""
    for i, arg in enumerate(argv):
        if arg == "--workspace" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--workspace="):
            return Path(arg.split("=", 1)[1])
    return default_workspace()


def _log_path(root: Path) -> Path:
    return root / LOG_FILE if root.is_dir() else cache_dir("logs") / LOG_FILE.name


@contextmanager
def installed(root: Path) -> Iterator[None]:
    """During the block: warnings to stderr as one line each; everything (with tracebacks) to
    the log file. Removed afterwards, so one process may run several commands (tests)."""
    logger = logging.getLogger()
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(_OneLine())
    handlers: list[logging.Handler] = [console]
    try:
        path = _log_path(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _QuietFileHandler(path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8",
                                      delay=True)
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(handler)
    except OSError:
        pass  # an unwritable workspace: the terminal line still says what failed
    level = logger.level
    for h in handlers:
        logger.addHandler(h)
    logger.setLevel(min(level or logging.WARNING, logging.INFO))
    try:
        yield
    finally:
        for h in handlers:
            logger.removeHandler(h)
            h.close()
        logger.setLevel(level)


def crash_line(exc: BaseException, root: Path) -> str:
    """Log ``exc`` with its traceback to the log file; the one line to print instead."""
    text = "".join(traceback.format_exception(exc))
    where = _log_path(root)
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        with open(where, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        where = None
    reason = io_reason(exc) or f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    tail = f"; 详情见 {where}" if where else ""
    place = f"{root}: " if root.is_dir() else ""
    return f"xuncha: {place}出错: {reason}{tail}"

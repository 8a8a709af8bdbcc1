"""Where the CLI's log goes: a file in the workspace (``<workspace>/logs/xuncha.log``) takes every
record with its traceback; the terminal gets one Chinese line per warning xuncha itself raised and
one line for a failure, naming the log file (docs/decisions.md "Faults", "Everyday use, second pass").

What reaches the terminal: a record carrying a notice (``extra={"notice": Notice(...)}``) or one of
xuncha's own warnings listed in ``reports.shared.notices.LOG_FORMATS``, rendered in Chinese from its code;
any other warning of xuncha's as one generic line naming the log file; nothing from third-party
libraries (gRPC, transformers: their English lines stay in the file); nothing marked
``extra={"console": False}`` (a traceback the command already reported in its own words).
"""
from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from logging.handlers import RotatingFileHandler
from pathlib import Path

from reports.shared.ioerrors import io_reason, reason_line
from reports.shared.notices import LOG_FORMATS, Notice, XunchaError, render
from reports.shared.paths import cache_dir, default_workspace
from ui.service.workspace import LOG_FILE

__all__ = ["LOG_FILE", "crash_line", "installed", "log_path", "workspace_from_argv"]

_MAX_BYTES = 1024 * 1024   # the log is bounded: 1 MB, 3 old files kept
_BACKUPS = 3


def log_path(root: Path) -> Path:
    """The log file for workspace ``root``: inside it once it exists, else the user's cache."""
    return root / LOG_FILE if root.is_dir() else cache_dir("logs") / LOG_FILE.name


class _Console(logging.Formatter):
    """One Chinese line per record the terminal shows (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def notice(self, record: logging.LogRecord) -> Notice | None:
        notice = getattr(record, "notice", None)
        if isinstance(notice, Notice):
            return notice
        return log_notice(record.msg, record.args)

    def format(self, record: logging.LogRecord) -> str:
        notice = self.notice(record)
        text = notice.chinese() if notice else render("log_warning", {"log": str(log_path(self.root))})
        return f"{'错误' if record.levelno >= logging.ERROR else '注意'}:{' '.join(text.split())}"


class _ConsoleFilter(logging.Filter):
    def __init__(self, formatter: _Console) -> None:
        super().__init__()
        self.formatter = formatter

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "console", True) is False:
            return False
        if self.formatter.notice(record) is not None:
            return True
        return record.name == "xuncha" or record.name.startswith("xuncha.")


class _WorkspaceLog(RotatingFileHandler):
    """The log file, opened at the first record: by then an ingest has made its workspace, so its
    tracebacks land in that workspace's log. It must never become a failure of its own (a full
    disk): a write that fails turns the handler off instead of printing logging's own traceback."""

    def __init__(self, root: Path) -> None:
        self.root = root
        super().__init__(log_path(root), maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8", delay=True)

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is None:
            path = log_path(self.root)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                self.setLevel(logging.CRITICAL + 1)
                return
            self.baseFilename = os.path.abspath(path)
        super().emit(record)

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


@contextmanager
def installed(root: Path) -> Iterator[None]:
    """During the block: warnings to stderr as one Chinese line each; everything from INFO up (with
    tracebacks) to the log file. Removed afterwards, so one process may run several commands (tests)."""
    logger = logging.getLogger()
    formatter = _Console(root)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(formatter)
    console.addFilter(_ConsoleFilter(formatter))
    handler = _WorkspaceLog(root)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [console, handler]
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
    """Log ``exc`` with its traceback to the log file; the one Chinese line to print instead."""
    text = "".join(traceback.format_exception(exc))
    where: Path | None = log_path(root)
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        with open(where, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        where = None
    place = f"{root}: " if root.is_dir() else ""
    reason = io_reason(exc)
    if reason:
        tail = f";详情见 {where}" if where else ""
        return f"xuncha:{place}出错:{reason}{tail}"
    error = XunchaError("internal_error", reason=f"{type(exc).__name__}: {reason_line(exc, 300)}",
                        log=str(where)) if where else XunchaError("internal_error_no_log", reason=type(exc).__name__)
    return f"xuncha:{place}{error.chinese()}"


def log_notice(msg: object, args: tuple | dict | None) -> Notice | None:
    """The notice for one of xuncha's own log warnings (LOG_FORMATS), None for any other record.
    An argument that is a XunchaError (a query's reason) is kept as its notice, rendered per language."""
    entry = LOG_FORMATS.get(msg) if isinstance(msg, str) else None
    if entry is None:
        return None
    code, names = entry
    values = args if isinstance(args, tuple) else ()
    params = {}
    for name, value in zip(names, values, strict=False):
        params[name] = value.notice if isinstance(value, XunchaError) else value
    if code == "env_ignored" and "name" not in params:
        params["name"] = "XUNCHA_MAX_SECONDS_PER_FILE"
    return Notice(code, params)

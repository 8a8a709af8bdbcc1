"""Bounds every read obeys, and the one error a file that cannot be read becomes.

Limits are checked before the expensive step they guard (file size before reading, zip member
sizes before inflating, HTML depth/element count before walking); see docs/decisions.md "Limits".
"""
from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

_DEFAULT_MAX_MB = 20
_MIB = 1024 * 1024
_ENV_MAX = "XUNCHA_MAX_FILE_MB"


def _max_bytes_from_env() -> int:
    """Size limit in bytes: XUNCHA_MAX_FILE_MB if set to a positive number, else 20 MiB."""
    raw = os.environ.get(_ENV_MAX, "").strip()
    if not raw:
        return _DEFAULT_MAX_MB * _MIB
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if mb <= 0:
        log.warning("ignoring %s=%r (not a positive number); using %d MB", _ENV_MAX, raw, _DEFAULT_MAX_MB)
        return _DEFAULT_MAX_MB * _MIB
    return int(mb * _MIB)


MAX_BYTES: int = _max_bytes_from_env()


def _limit() -> int:
    """The env var wins when set at call time (tests, long-running UI); else the module value."""
    return _max_bytes_from_env() if os.environ.get(_ENV_MAX) else MAX_BYTES


class ReadError(Exception):
    """A file that cannot be read as report text. ``str(e)`` is one line: ``"{path}: {reason}"``."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{self.path}: {self.reason}")


"""The one reader of the JSON data files xuncha ships (search calibration, lexicon, problem-type taxonomy):
a missing, oversized or malformed file is a coded error naming the file and the reason, not a traceback.
Writing goes through reports/shared/atomic.py; these files are only read."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from reports.shared.ioerrors import reason_line
from reports.shared.notices import XunchaError

__all__ = ["DATA_FILES", "MAX_DATA_BYTES", "DataFileError", "read_data_json"]

# what -> (English, Chinese) name of the data file, for the error line.
DATA_FILES: dict[str, tuple[str, str]] = {
    "calibration": ("search calibration", "检索相关度校准"),
    "lexicon": ("search lexicon", "检索词表"),
    "taxonomy": ("problem-type taxonomy", "问题类型表"),
    "sectors": ("sector vocabulary", "单位行业分类表"),
    "concreteness": ("rectification concreteness weights", "整改具体程度权重"),
}
MAX_DATA_BYTES = 16 * 1024 * 1024   # the shipped files are a few kB; a bound, not a budget


class DataFileError(XunchaError, ValueError):
    """A data file that parses but is not what xuncha wrote (code data_invalid): a missing key, a
    duplicate id. A ValueError too, so callers that fall back on a bad file keep doing so."""

    def __init__(self, path: str | os.PathLike, what: str, reason: object) -> None:
        en, zh = DATA_FILES[what]
        super().__init__("data_invalid", path=str(path), what=zh, what_en=en,
                         reason=reason_line(reason))


def read_data_json(path: str | os.PathLike, what: str) -> Any:
    """The parsed JSON of data file `path` (`what` is a DATA_FILES key); XunchaError data_missing /
    data_unreadable / data_not_json otherwise."""
    path = Path(path)
    en, zh = DATA_FILES[what]
    names = {"path": str(path), "what": zh, "what_en": en}
    try:
        size = path.stat().st_size
        if size > MAX_DATA_BYTES:
            raise XunchaError("data_unreadable", **names, reason=f"{size:,} bytes > {MAX_DATA_BYTES:,}")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise XunchaError("data_missing", **names) from None
    except OSError as exc:
        raise XunchaError("data_unreadable", **names, reason=exc.strerror or type(exc).__name__) from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise XunchaError("data_not_json", **names, reason=f"not UTF-8 at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise XunchaError("data_not_json", **names, reason=f"{exc.msg}, line {exc.lineno} column {exc.colno}") from None

"""Bounds every read obeys, and the one error a file that cannot be read becomes.

Limits are checked before the expensive step they guard (file size before reading, zip member
sizes before inflating, HTML depth/element count before walking); see docs/decisions.md "Limits".
"""
from __future__ import annotations

import bisect
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from reports.shared.notices import Notice, XunchaError

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


# Every code a ReadError carries (the `code` of an ingest outcome that could not be read; docs/cli.md
# lists them, tests/test_cli_plain.py checks that the readers raise no other).
READ_CODES: tuple[str, ...] = (
    "no_such_file", "permission_denied", "cannot_open", "is_directory", "not_regular_file", "cannot_read",
    "unsupported_format", "too_large", "empty_file", "blank_file", "binary", "bad_bom", "undecodable",
    "legacy_office", "bad_docx", "docx_part_too_large", "docx_too_large", "pdf_encrypted", "bad_pdf",
    "pdf_no_text", "pdf_no_unicode", "html_too_many_elements", "html_too_deep", "no_text",
)


class ReadError(XunchaError):
    """A file that cannot be read as report text: a code from reports/shared/notices.py; ``str(e)`` is one
    line, ``"{path}: {reason}"``."""

    def __init__(self, path: str | os.PathLike[str], code: str, /, **params: object) -> None:
        self.path = str(path)
        super().__init__(code, path=self.path, **params)

    @property
    def reason(self) -> str:
        return self.notice.english()



# --------------------------------------------------------------------------- bounds on work
# Each is checked before the step it guards; the figures and why: docs/decisions.md "Limits".

MAX_DOCX_PART_BYTES = 32 * _MIB     # one inflated zip member (document.xml of a 100-page report: ~2 MB)
MAX_DOCX_TOTAL_BYTES = 64 * _MIB    # all inflated members together
MAX_HTML_ELEMENTS = 100_000         # start tags in a page (a long government page: ~5,000)
MAX_HTML_DEPTH = 256                # element nesting (libxml2's own default; real pages: < 40)
MAX_SECONDS_PER_FILE = 120.0        # reading + parsing + entity extraction of one file
MAX_EMBED_CHARS_PROBLEM = 2_000     # e5 reads 512 tokens (~600 hanzi); beyond that only costs time
MAX_EMBED_CHARS_REPORT = 400_000    # all problems of one report together
MAX_TOKENIZE_CHARS_PROBLEM = 20_000  # text of one problem given to jieba for BM25
MAX_TOKENIZE_CHARS_REPORT = 2_000_000
MAX_ENTITY_CHARS_LINE = 5_000       # entity extraction reads this much of one line (paragraphs: < 2,000)
MAX_ENTITY_CHARS_REPORT = 200_000   # ... and of one report (the largest corpus report: ~67,000)


def embed_caps(lengths: list[int], per_problem: int = MAX_EMBED_CHARS_PROBLEM,
               per_report: int = MAX_EMBED_CHARS_REPORT) -> list[int]:
    """How many leading characters of each problem of one report are embedded.

    Every problem keeps at most ``per_problem``; if the report still exceeds ``per_report``, all
    problems share that budget equally (at least 100 characters each), so no problem is dropped."""
    caps = [min(n, per_problem) for n in lengths]
    if sum(caps) <= per_report:
        return caps
    share = max(100, per_report // max(1, len(lengths)))
    return [min(c, share) for c in caps]


def embed_warnings(report) -> list[Notice]:
    """One warning per problem of a parsed report whose text is longer than what gets embedded."""
    problems = list(report.problems())
    caps = embed_caps([len(p.text) for p in problems])
    return [Notice("embed_cut", {"problem": p.id, "chars": len(p.text), "cap": cap,
                                 "per_problem": MAX_EMBED_CHARS_PROBLEM, "per_report": MAX_EMBED_CHARS_REPORT})
            for p, cap in zip(problems, caps, strict=True) if cap < len(p.text)]


def entity_text(text: str) -> tuple[str, list[tuple[int, int]], list[Notice]]:
    """What entity extraction may read of ``text``: each line up to MAX_ENTITY_CHARS_LINE, the
    whole up to MAX_ENTITY_CHARS_REPORT. Returns the kept text, its pieces as (offset in kept
    text, offset in ``text``) for mapping spans back (`to_original`), and one warning per cut."""
    if len(text) <= MAX_ENTITY_CHARS_REPORT and all(
            len(ln) <= MAX_ENTITY_CHARS_LINE for ln in text.split("\n")):
        return text, [(0, 0)], []
    parts: list[str] = []
    pieces: list[tuple[int, int]] = []
    kept = pos = long_lines = 0
    for line in text.split("\n"):
        room = MAX_ENTITY_CHARS_REPORT - kept
        if room <= 0:
            break
        take = min(len(line), MAX_ENTITY_CHARS_LINE, room)
        long_lines += len(line) > MAX_ENTITY_CHARS_LINE
        pieces.append((kept, pos))
        parts.append(line[:take] + "\n")
        kept += take + 1
        pos += len(line) + 1
    warnings: list[Notice] = []
    if long_lines:
        warnings.append(Notice("entity_lines_cut", {"lines": long_lines, "limit": MAX_ENTITY_CHARS_LINE}))
    if pos < len(text):
        warnings.append(Notice("entity_report_cut", {"chars": len(text), "limit": MAX_ENTITY_CHARS_REPORT}))
    return "".join(parts), pieces, warnings


def to_original(offset: int, pieces: list[tuple[int, int]]) -> int:
    """An offset in `entity_text`'s kept text as an offset in the original text."""
    i = bisect.bisect_right(pieces, (offset, float("inf"))) - 1
    kept_at, orig_at = pieces[max(i, 0)]
    return orig_at + offset - kept_at


class FileTimeout(XunchaError):
    """Raised inside a `time_limit` block when the file's time is up (code file_timeout); the block
    does not know the file, so the caller names it: ``FileTimeout(e.seconds, path=name)``."""

    def __init__(self, seconds: float, path: str = "") -> None:
        self.seconds = seconds
        super().__init__("file_timeout", path=path, seconds=seconds)


@contextmanager
def time_limit(seconds: float = MAX_SECONDS_PER_FILE) -> Iterator[None]:
    """Raise FileTimeout if the block runs longer than ``seconds``.

    Uses SIGALRM, so it applies in the main thread only (the CLI); elsewhere (UI worker threads)
    the other limits still bound the work. Never wrap a database commit in it."""
    env = os.environ.get("XUNCHA_MAX_SECONDS_PER_FILE", "").strip()
    try:
        seconds = float(env) if env else seconds
    except ValueError:
        log.warning("ignoring XUNCHA_MAX_SECONDS_PER_FILE=%r (not a number)", env)
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise FileTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

"""One file -> one report record with its entity mentions: the CPU-bound half of ingest (read, parse,
entities), run in worker processes when a batch is large enough; storing stays in the one writer
process, one transaction per report. Why a pool and its bounds: docs/decisions.md ("Ingest speed")."""
from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace

from reports.analysis.problemtypes import TypeMatch, classify_report
from reports.model import Mention, Report
from reports.parse import parse_source
from reports.read import SourceText, read_source
from reports.read.limits import READ_CODES, FileTimeout, embed_warnings, entity_text, time_limit, to_original
from reports.shared.ioerrors import io_reason
from reports.shared.notices import Notice, XunchaError

__all__ = ["OUTCOME_CODES", "POOL_MIN_FILES", "WORKERS_ENV", "IngestOutcome", "Prepared", "duplicate_outcome", "failure_outcome",
           "pool_workers", "prepare", "prepare_all", "report_mentions"]

log = logging.getLogger("xuncha")

# The `code` an ingest outcome may carry, by what happened (docs/cli.md renders this list):
OUTCOME_CODES: dict[str, tuple[str, ...]] = {
    "skipped": ("legacy_word", "image", "unsupported"),               # a file that is not a report format
    "duplicate": ("duplicate",),
    "error": ("url", *READ_CODES, "not_a_report", "file_timeout", "not_stored_io", "ingest_failed", "worker_died"),
}

WORKERS_ENV = "XUNCHA_INGEST_WORKERS"   # 0 or 1: read and parse in this process
POOL_MIN_FILES = 6                      # below this, starting workers (~1 s each) costs more than it saves
_IN_FLIGHT_PER_WORKER = 4               # files submitted ahead per worker: bounds memory held in results


@dataclass
class IngestOutcome:
    """What happened to one input file; `status` is ingested | duplicate | skipped | error. `skipped`
    is a file found in a folder that is not a report format (an old .doc, a scan): named, not read."""

    path: str
    status: str
    report_id: str | None = None
    unit: str | None = None
    message: str = ""  # English, one line naming the file (the JSON contract); people read `chinese()`
    found: dict = field(default_factory=dict)
    warnings: list[Notice] = field(default_factory=list)
    notice: Notice | None = None  # why it failed or was skipped
    seconds: dict[str, float] = field(default_factory=dict)  # per stage (read, parse, entities, store); not in JSON
    traceback: str = ""  # an internal failure's traceback, for the writer process to log; not in JSON

    @classmethod
    def failed(cls, name: str, error: XunchaError, report: Report | None = None) -> IngestOutcome:
        return cls(name, "error", report.id if report else None, report.unit if report else None, str(error),
                   notice=error.notice)

    def chinese(self) -> str:
        return self.notice.chinese() if self.notice else ""

    def to_json(self) -> dict:
        return {"path": self.path, "status": self.status, "report_id": self.report_id, "unit": self.unit,
                "message": self.message, "found": self.found, "warnings": [w.english() for w in self.warnings],
                "code": self.notice.code if self.notice else None,
                "warning_codes": [w.to_json() for w in self.warnings]}


@dataclass
class Prepared:
    """A parsed report ready to store: its mentions, its problems' types (problem id -> types) and the
    offset map back to the original file."""

    name: str
    report: Report
    mentions: list[Mention]
    offsets_json: str
    seconds: dict[str, float]
    types: dict[str, list[TypeMatch]] | None = None


def duplicate_outcome(name: str, report: Report, stored_id: str | None = None) -> IngestOutcome:
    """The outcome of a file whose report is already stored; ``report_id`` names the stored one (a
    copy in another format or page wrapping has its own text id), and its warnings are not repeated."""
    stored_id = stored_id or report.id
    duplicate = Notice("duplicate", {"report_id": stored_id})
    return IngestOutcome(name, "duplicate", stored_id, report.unit, duplicate.english(), report.found(),
                         [], duplicate)


def report_mentions(report: Report) -> list:
    """Entity mentions, read within the limits of reports.read.limits.entity_text (warnings added)."""
    from reports.entities import extract_entities
    text, pieces, warnings = entity_text(report.text)
    report.warnings.extend(warnings)
    mentions = extract_entities(text, unit=report.unit, unit_short=report.unit_short)
    if len(pieces) == 1:
        return mentions
    return [replace(m, span=(to_original(m.span[0], pieces), to_original(m.span[1], pieces))) for m in mentions]


def prepare(name: str, read: Callable[[], SourceText],
            is_stored: Callable[[str], bool] | None = None) -> Prepared | IngestOutcome:
    """Read, parse and extract entities under the per-file time limit (the main thread of whichever
    process runs it); failures come back as outcomes, never as exceptions, so a batch goes on."""
    seconds: dict[str, float] = {}
    try:
        with time_limit():
            t0 = time.perf_counter()
            source = read()
            t1 = time.perf_counter()
            report = parse_source(source)
            t2 = time.perf_counter()
            seconds.update(read=t1 - t0, parse=t2 - t1)
            if not report.categories:
                return IngestOutcome.failed(name, XunchaError("not_a_report", path=name), report)
            if is_stored is not None and is_stored(report.id):   # no entity work for a known report
                return duplicate_outcome(name, report)
            mentions = report_mentions(report)
            t3 = time.perf_counter()
            types = classify_report(report)   # here, in the workers, not in the one writer
            seconds.update(entities=t3 - t2, types=time.perf_counter() - t3)
        report.warnings.extend(embed_warnings(report))
        return Prepared(name, report, mentions, source.offsets.to_json(), seconds, types)
    except Exception as exc:  # every failure becomes that file's outcome
        return failure_outcome(name, exc)


def failure_outcome(name: str, exc: BaseException) -> IngestOutcome:
    """The outcome for a file whose reading, parsing or storing raised ``exc``."""
    if isinstance(exc, FileTimeout):
        return IngestOutcome.failed(name, FileTimeout(exc.seconds, path=name))
    if isinstance(exc, XunchaError):
        return IngestOutcome.failed(name, exc)
    trace = "".join(traceback.format_exception(exc))  # logged by the writer process (Workspace), never here:
    if isinstance(exc, (OSError, sqlite3.Error)):     # a worker process has no log of its own
        reason = io_reason(exc) or " ".join(str(exc).split())  # a full disk: not stored, and why
        outcome = IngestOutcome.failed(name, XunchaError("not_stored_io", path=name, reason=reason))
    else:  # a parser bug must not stop the batch
        outcome = IngestOutcome.failed(name, XunchaError("ingest_failed", path=name, reason=repr(exc)))
    outcome.traceback = trace
    return outcome


def _prepare_file(path: str, is_stored: Callable[[str], bool] | None) -> Prepared | IngestOutcome:
    return prepare(path, lambda: read_source(path), is_stored)


def _prepare_path(path: str) -> Prepared | IngestOutcome:
    """Worker entry point (top level so the pool can name it); the writer finds duplicates."""
    return _prepare_file(path, None)


def pool_workers(files: int) -> int:
    """How many worker processes a batch of ``files`` gets: none for small batches or one core;
    XUNCHA_INGEST_WORKERS overrides (0 or 1 = none)."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env:
        try:
            wanted = int(env)
        except ValueError:
            log.warning("ignoring %s=%r (not a whole number)", WORKERS_ENV, env)
        else:
            return min(wanted, files) if wanted > 1 and files > 1 else 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if files < POOL_MIN_FILES or cores < 2:
        return 0
    return min(cores, 8, files)


def prepare_all(paths: Sequence[str], is_stored: Callable[[str], bool]) -> Iterator[Prepared | IngestOutcome]:
    """Prepared reports (or failure outcomes) in the order of ``paths``. Workers are fed a bounded
    window of files. A dying worker (killed for memory, say) breaks the whole pool, so the files then
    go one at a time until the one that kills its worker is found; it alone fails (never retried here,
    where it could take the writer down), and full speed resumes after it."""
    workers = pool_workers(len(paths))
    if not workers:
        for path in paths:
            yield _prepare_file(path, is_stored)
        return
    # fork: workers start in milliseconds with the parent's loaded dictionaries and never re-run the
    # caller's script (spawn re-imports an unguarded __main__); they run only Python parsing code.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    done = 0
    if method == "fork":  # the first file here: forked workers then inherit every loaded dictionary and cache
        yield _prepare_file(paths[0], is_stored)
        done = 1
    full = workers * _IN_FLIGHT_PER_WORKER
    window = full
    while done < len(paths):
        with ProcessPoolExecutor(workers if window > 1 else 1, mp_context=multiprocessing.get_context(method)) as pool:
            try:
                for result in _results(pool, paths, done, window):
                    done += 1
                    yield result
            except BrokenProcessPool:
                if window > 1:
                    log.warning("an ingest worker died; finding the file that kills it, one file at a time")
                    window = 1
                else:
                    yield IngestOutcome.failed(paths[done], XunchaError("worker_died", path=paths[done]))
                    done += 1
                    window = full


def _results(pool: ProcessPoolExecutor, paths: Sequence[str], start: int, window: int) -> Iterator:
    pending: deque[Future] = deque()
    queued = start
    while pending or queued < len(paths):
        while queued < len(paths) and len(pending) < window:
            pending.append(pool.submit(_prepare_path, paths[queued]))
            queued += 1
        yield pending.popleft().result()

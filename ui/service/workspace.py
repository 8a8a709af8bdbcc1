"""The one service both faces (CLI and Streamlit) use: open a workspace, ingest, remove, list;
derived artifacts are rebuilt from the store when they lag (docs/decisions.md, "Layout and packaging")."""
from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from reports.concreteness import Concreteness
from reports.ioerrors import io_reason
from reports.model import Mention, Report
from reports.notices import Notice, XunchaError
from reports.parse import parse_source
from reports.progress import Progress
from reports.read import SUPPORTED_SUFFIXES, SourceText, read_bytes, read_source
from reports.read.limits import FileTimeout, embed_warnings, entity_text, time_limit, to_original
from reports.store import Store

__all__ = ["DEMO_CORPUS", "IngestOutcome", "Input", "Workspace", "collect_files", "default_root", "report_mentions",
           "scan", "skip_notice", "skip_reason", "unit_key"]

log = logging.getLogger("xuncha")
DEMO_CORPUS = Path(__file__).resolve().parents[2] / "data" / "reports"


def default_root() -> Path:
    return Path(os.environ.get("XUNCHA_HOME") or "workspace")


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


# Files a folder may hold beside reports, and why they are not read (DESIGN.md section 6: ingest names
# every file it does not take); the reasons are notice codes (reports/notices.py).
LEGACY_WORD = (".doc", ".wps")
IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic")
URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)", re.IGNORECASE)


def skip_reason(path: Path) -> str:
    """The notice code for a file of a folder that is not a report format."""
    suffix = path.suffix.lower()
    if suffix in LEGACY_WORD:
        return "legacy_word"
    if suffix in IMAGES:
        return "image"
    return "unsupported"


def skip_notice(code: str) -> Notice:
    return Notice(code, {"supported": " ".join(SUPPORTED_SUFFIXES)} if code == "unsupported" else {})


@dataclass(frozen=True)
class Input:
    """One thing to ingest: a file to read, or one that is named and not read (`skip` is its reason code)."""

    path: str
    skip: str | None = None


def scan(paths: Iterable[str | os.PathLike]) -> list[Input]:
    """Files named, plus every visible file under folders (sorted): supported ones to read, the rest
    named with the reason they are skipped. Missing paths are kept so that ingest reports them by
    name; a web address is never turned into a path (that would fold its // into /)."""
    out: list[Input] = []
    for raw in paths:
        if isinstance(raw, str) and URL.match(raw):
            out.append(Input(raw, "url"))
            continue
        path = Path(raw)
        if not path.is_dir():
            out.append(Input(str(path)))
            continue
        for p in sorted(path.rglob("*")):
            if not p.is_file() or any(part.startswith(".") for part in p.relative_to(path).parts):
                continue
            ok = p.suffix.lower() in SUPPORTED_SUFFIXES
            out.append(Input(str(p), None if ok else skip_reason(p)))
    return out


def collect_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The files `scan` would read."""
    return [Path(i.path) for i in scan(paths) if i.skip is None]


class Workspace:
    """`model` picks the encoder for a new search index (None: the index's own, or the default)."""

    def __init__(self, root: str | os.PathLike | None = None, model: str | None = None):
        self.root = Path(root) if root is not None else default_root()
        self.root.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.store = Store(self.root / "xuncha.db")

    # -- derived services (built from the store, loaded on first use) ----------------------
    @cached_property
    def search(self):
        from embeddings.service import SearchService
        return SearchService(self.root, self.store, self.model)

    @cached_property
    def graph(self):
        from graph.service import GraphService
        return GraphService(self.root, self.store)

    @cached_property
    def themes(self):
        from ui.service.themes import ThemeService
        return ThemeService(self.root, self.store, self.search, self.graph)

    def sync(self, progress: Progress | None = None) -> None:
        """Bring the graph and the search index in line with the store (after ingest/remove).
        Skipping it is safe: both catch up by themselves on first use."""
        from embeddings.writer_lock import writing

        with writing(self.root):
            self.graph.sync(progress=progress)
            self.search.sync(progress=progress)
            self.themes.sync(progress=progress)
            self.graph.set_recurrence((r.later.report_id, r.later.problem_id, r.earlier.report_id,
                                       r.earlier.problem_id, r.score) for r in self.recurrences())

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- ingest / remove ---------------------------------------------------------------
    def ingest(self, paths: Iterable[str | os.PathLike], progress: Progress | None = None,
               on_outcome: Callable[[IngestOutcome], None] | None = None) -> list[IngestOutcome]:
        """Ingest files and folders; a bad file is reported and skipped, never stops the batch.
        ``on_outcome`` sees each file's outcome as soon as it is stored (throughput display)."""
        from embeddings.writer_lock import writing

        inputs = scan(paths)
        outcomes = []
        with writing(self.root):  # searches elsewhere answer from the last index meanwhile
            for n, item in enumerate(inputs):
                if progress:
                    progress("ingest", n, len(inputs))
                if item.skip:
                    notice = skip_notice(item.skip)
                    status = "error" if item.skip == "url" else "skipped"  # a URL was named: an error, not a folder's extra
                    outcomes.append(IngestOutcome(item.path, status, message=f"{item.path}: {notice.english()}",
                                                  notice=notice))
                else:
                    outcomes.append(self._ingest_one(item.path, lambda p=item.path: read_source(p)))
                if on_outcome:
                    on_outcome(outcomes[-1])
        if progress:
            progress("ingest", len(inputs), len(inputs))
        return outcomes

    def ingest_bytes(self, name: str, data: bytes) -> IngestOutcome:
        """Ingest an uploaded file (the UI's path)."""
        return self._ingest_one(name, lambda: read_bytes(data, name))

    def _ingest_one(self, name: str, read: Callable[[], SourceText]) -> IngestOutcome:
        """Read, parse and store one file. Reading and parsing run under the per-file time limit;
        storing does not (a commit is never interrupted). The outcome says what really happened."""
        try:
            with time_limit():
                source = read()
                report = parse_source(source)
                if not report.categories:
                    return IngestOutcome.failed(name, XunchaError("not_a_report", path=name), report)
                if self.store.contains(report.id):
                    return _duplicate(name, report)
                mentions = report_mentions(report)
            report.warnings.extend(embed_warnings(report))
            if not self.store.add(report, mentions, source.offsets.to_json()):
                return _duplicate(name, report)
            return IngestOutcome(name, "ingested", report.id, report.unit, "", report.found(), report.warnings)
        except XunchaError as exc:
            return IngestOutcome.failed(name, exc)
        except FileTimeout as exc:
            return IngestOutcome.failed(name, XunchaError("file_timeout", path=name, seconds=exc.args[0]))
        except (OSError, sqlite3.Error) as exc:  # a full disk: the outcome says it was not stored, and why
            log.debug("ingest failed for %s", name, exc_info=True)
            reason = io_reason(exc) or " ".join(str(exc).split())
            return IngestOutcome.failed(name, XunchaError("not_stored_io", path=name, reason=reason))
        except Exception as exc:  # a parser bug must not stop the batch or lose stored data
            log.debug("ingest failed for %s", name, exc_info=True)
            return IngestOutcome.failed(name, XunchaError("ingest_failed", path=name, reason=repr(exc)))

    def remove(self, report_id: str) -> bool:
        from embeddings.writer_lock import writing

        with writing(self.root):
            return self.store.remove(report_id)

    # -- reads ---------------------------------------------------------------------------
    def reports(self) -> list[dict]:
        return self.store.summaries()

    def report(self, report_id: str) -> Report | None:
        return self.store.load(report_id)

    def ledger_rows(self) -> list[dict]:
        """The problem ledger, with each problem's theme once themes have been computed."""
        from ui.service.ledger import ledger_rows
        return ledger_rows(self.store, self.theme_labels(), self.concreteness_scores())

    def theme_labels(self) -> dict[tuple[str, str], str]:
        """(report_id, problem_id) -> label of its theme across units."""
        return self.themes.labels()

    # -- audit, recurrence, concreteness ------------------------------------------------------
    def stored_mentions(self, report_id: str) -> list[Mention]:
        """A stored report's entity mentions as records (what the audit and concreteness read)."""
        return [Mention(m["type"], m["name"], m["canonical"], tuple(m["span"]), m["role"], m["attrs"])
                for m in self.store.mentions(report_id)]

    def audit(self, report_id: str | None = None) -> list:
        """Audit findings (reports.audit.Finding) for one report, or every report in the workspace."""
        from reports.audit import audit_report
        ids = [report_id] if report_id else self.store.report_ids()
        out = []
        for rid in ids:
            report = self.store.load(rid)
            if report is None:
                raise KeyError(rid)
            out.extend(audit_report(report, self.stored_mentions(rid)))
        return out

    def concreteness(self, report_ids: Iterable[str] | None = None) -> dict[tuple[str, str], Concreteness]:
        """(report_id, problem_id) -> rectification concreteness, for every problem with a rectification."""
        from reports.concreteness import assess
        out = {}
        for rid in (report_ids if report_ids is not None else self.store.report_ids()):
            report = self.store.load(rid)
            if report is None:
                continue
            mentions = self.stored_mentions(rid)
            for p in report.problems():
                if p.rectification.strip():
                    out[(rid, p.id)] = assess(p, report.text, mentions)
        return out

    def concreteness_scores(self, report_ids: Iterable[str] | None = None) -> dict[tuple[str, str], float]:
        """(report_id, problem_id) -> concreteness rounded to 3 places: the `concreteness` field of the
        ledger and of `xuncha problems --json` (a problem without rectification is absent: null)."""
        return {k: round(c.score, 3) for k, c in self.concreteness(report_ids).items()}

    def recurrences(self, unit: str | None = None) -> list:
        """Problems of a unit's later report repeating one of its earlier reports
        (embeddings.recurrence.Recurrence), over the search index's vectors and tokens."""
        from embeddings.recurrence import find_recurrences, leaf_problem_rows
        rows = [{**r, "unit_key": unit_key(r["unit"], r["region"])}
                for r in leaf_problem_rows(self.store.problem_rows())
                if r.get("item_kind", "problem") == "problem"]  # narrative work headings are not findings
        if not rows:
            return []
        _, vectors, tokens = self.search.problem_vectors([(r["report_id"], r["id"]) for r in rows])
        return find_recurrences(rows, vectors, tokens, unit=unit)

    def is_empty(self) -> bool:
        return not self.store.report_ids()


def unit_key(unit: str | None, region: str | None) -> str | None:
    """The resolved unit reports are grouped by for recurrence: the organisation's name (the party
    group wrapper removed: 中共某某局党组 = 某某局) plus its region, never the file it came from."""
    if not unit:
        return None
    from graph.names import unit_canonical
    return f"{unit_canonical(unit)}@{region or ''}"


def _duplicate(name: str, report: Report) -> IngestOutcome:
    duplicate = Notice("duplicate")
    return IngestOutcome(name, "duplicate", report.id, report.unit, duplicate.english(), report.found(),
                         report.warnings, duplicate)


def report_mentions(report: Report) -> list:
    """Entity mentions, read within the limits of reports.read.limits.entity_text (warnings added)."""
    from dataclasses import replace

    from reports.entities import extract_entities
    text, pieces, warnings = entity_text(report.text)
    report.warnings.extend(warnings)
    mentions = extract_entities(text, unit=report.unit, unit_short=report.unit_short)
    if len(pieces) == 1:
        return mentions
    return [replace(m, span=(to_original(m.span[0], pieces), to_original(m.span[1], pieces))) for m in mentions]

"""The one service both faces (CLI and Streamlit) use: open a workspace, ingest, remove, list;
derived artifacts are rebuilt from the store when they lag (docs/decisions.md, "Layout and packaging")."""
from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from reports.ioerrors import io_reason
from reports.model import Report
from reports.notices import Notice, XunchaError
from reports.parse import parse_source
from reports.progress import Progress
from reports.read import SUPPORTED_SUFFIXES, SourceText, read_bytes, read_source
from reports.read.limits import FileTimeout, embed_warnings, entity_text, time_limit, to_original
from reports.store import Store

__all__ = ["DEMO_CORPUS", "IngestOutcome", "Workspace", "collect_files", "default_root", "report_mentions"]

log = logging.getLogger("xuncha")
DEMO_CORPUS = Path(__file__).resolve().parents[2] / "data" / "reports"


def default_root() -> Path:
    return Path(os.environ.get("XUNCHA_HOME") or "workspace")


@dataclass
class IngestOutcome:
    """What happened to one input file; `status` is ingested | duplicate | error."""

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

    def line(self) -> str:
        if self.status == "error":
            return f"error      {self.path}: {self.chinese()}"
        counts = self.found
        detail = f"{counts.get('problems', 0)} problems" if counts else ""
        return f"{self.status:<10} {self.path}  [{self.report_id}] {self.unit or ''} {detail}".rstrip()


def collect_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named, plus supported files found under folders (sorted, hidden ones skipped).
    Missing paths are kept so that ingest reports them by name."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                              and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            out.append(path)
    return out


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
        from embeddings.index_sync import writing

        with writing(self.root):
            self.graph.sync(progress=progress)
            self.search.sync(progress=progress)
            self.themes.sync(progress=progress)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- ingest / remove ---------------------------------------------------------------
    def ingest(self, paths: Iterable[str | os.PathLike], progress: Progress | None = None) -> list[IngestOutcome]:
        """Ingest files and folders; a bad file is reported and skipped, never stops the batch."""
        from embeddings.index_sync import writing

        files = collect_files(paths)
        outcomes = []
        with writing(self.root):  # searches elsewhere answer from the last index meanwhile
            for n, path in enumerate(files):
                if progress:
                    progress("ingest", n, len(files))
                outcomes.append(self._ingest_one(str(path), lambda p=path: read_source(p)))
        if progress:
            progress("ingest", len(files), len(files))
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
        from embeddings.index_sync import writing

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
        return ledger_rows(self.store, self.theme_labels())

    def theme_labels(self) -> dict[tuple[str, str], str]:
        """(report_id, problem_id) -> label of its theme across units."""
        return self.themes.labels()

    def is_empty(self) -> bool:
        return not self.store.report_ids()


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

"""The one service both faces (CLI and Streamlit) use: open a workspace, ingest, remove, list.

A workspace directory holds `xuncha.db` (the system of record) and the artifacts derived from it
(vector index, graph), which are rebuilt from the store whenever they lag behind it.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

from reports.model import Report
from reports.parse import parse_source
from reports.read import SUPPORTED_SUFFIXES, ReadError, SourceText, read_bytes, read_source
from reports.store import Store

__all__ = ["DEMO_CORPUS", "SKIP_REASONS", "IngestOutcome", "Input", "Workspace", "collect_files", "default_root",
           "reason_text", "scan", "skip_reason"]

log = logging.getLogger("xuncha")
DEMO_CORPUS = Path(__file__).resolve().parents[2] / "data" / "reports"
Progress = Callable[[int, int, str], None]
StageProgress = Callable[[str, int, int], None]


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
    message: str = ""
    found: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    code: str | None = None  # why a file was skipped or refused before reading: a SKIP_REASONS code

    def to_json(self) -> dict:
        return asdict(self)


# Files a folder may hold beside reports, and why they are not read (DESIGN.md section 6: ingest names
# every file it does not take). (English for the JSON message, Chinese for people.)
LEGACY_WORD = (".doc", ".wps")
IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic")
URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)", re.IGNORECASE)
SKIP_REASONS = {
    "legacy_word": ("legacy Word format; save it as .docx", "旧版 Word 格式,请另存为 .docx"),
    "image": ("an image or scan, no text to read; give the .docx/.pdf text version or run OCR first",
              "图片/扫描件,没有可读的文字;请提供 .docx/.pdf 文字版,或先做文字识别(OCR)"),
    "unsupported": ("not a report format (supported: {supported})", "不是可导入的报告格式(支持 {supported})"),
    "url": ("a web address, not a file: save the page as .html in the browser first, then ingest that file",
            "这是网址,不是文件:请先在浏览器中把网页另存为 .html 文件,再导入该文件"),
}


def skip_reason(path: Path) -> str:
    """The SKIP_REASONS code for a file of a folder that is not a report format."""
    suffix = path.suffix.lower()
    if suffix in LEGACY_WORD:
        return "legacy_word"
    if suffix in IMAGES:
        return "image"
    return "unsupported"


def reason_text(code: str, lang: str = "zh") -> str:
    english, chinese = SKIP_REASONS[code]
    return (chinese if lang == "zh" else english).format(supported=" ".join(SUPPORTED_SUFFIXES))


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

    def sync(self, progress: StageProgress | None = None) -> None:
        """Bring the graph and the search index in line with the store (after ingest/remove).
        Skipping it is safe: both catch up by themselves on first use."""
        graph_progress = (lambda done, total, _name: progress("graph", done, total)) if progress else None
        self.graph.sync(progress=graph_progress)
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
        inputs = scan(paths)
        outcomes = []
        for n, item in enumerate(inputs):
            if progress:
                progress(n, len(inputs), item.path)
            if item.skip == "url":
                outcomes.append(IngestOutcome(item.path, "error", message=f"{item.path}: {reason_text('url', 'en')}",
                                             code="url"))
            elif item.skip:
                outcomes.append(IngestOutcome(item.path, "skipped", message=reason_text(item.skip, "en"), code=item.skip))
            else:
                outcomes.append(self._ingest_one(item.path, lambda p=item.path: read_source(p)))
        if progress:
            progress(len(inputs), len(inputs), "")
        return outcomes

    def ingest_bytes(self, name: str, data: bytes) -> IngestOutcome:
        """Ingest an uploaded file (the UI's path)."""
        return self._ingest_one(name, lambda: read_bytes(data, name))

    def _ingest_one(self, name: str, read: Callable[[], SourceText]) -> IngestOutcome:
        try:
            source = read()
            report = parse_source(source)
            if not report.categories:
                return IngestOutcome(name, "error", report.id, report.unit,
                                     f"{name}: no problem section found (not a rectification report?)")
            if self.store.contains(report.id):
                return IngestOutcome(name, "duplicate", report.id, report.unit, "already in the workspace",
                                     report.found(), report.warnings)
            added = self.store.add(report, _mentions(report), source.offsets.to_json())
            status = "ingested" if added else "duplicate"
            return IngestOutcome(name, status, report.id, report.unit, "", report.found(), report.warnings)
        except ReadError as exc:
            return IngestOutcome(name, "error", message=str(exc))
        except Exception as exc:  # a parser bug must not stop the batch or lose stored data
            log.exception("ingest failed for %s", name)
            return IngestOutcome(name, "error", message=f"{name}: internal error while ingesting ({exc!r})")

    def remove(self, report_id: str) -> bool:
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


def _mentions(report: Report) -> list:
    from reports.entities import extract_entities
    return extract_entities(report.text, unit=report.unit, unit_short=report.unit_short)

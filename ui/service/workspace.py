"""The one service both faces (CLI and Streamlit) use: open a workspace, ingest, remove, list;
derived artifacts are rebuilt from the store when they lag (docs/decisions.md, "Layout and packaging")."""
from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from reports.model import Mention, Report
from reports.read import SUPPORTED_SUFFIXES, read_bytes
from reports.shared.notices import Notice
from reports.shared.paths import STORE_FILE
from reports.shared.paths import default_workspace as default_root  # the name the faces import
from reports.shared.progress import Progress
from reports.store import Store

from .artifacts import Beside, artifacts, is_fresh
from .ingest import (
    IngestOutcome,
    Prepared,
    duplicate_outcome,
    failure_outcome,
    pool_workers,
    prepare,
    prepare_all,
    report_mentions,
)

__all__ = ["DEMO_CORPUS", "LOG_FILE", "IngestOutcome", "Input", "Workspace", "collect_files", "default_root", "report_mentions",
           "scan", "skip_notice", "skip_reason", "skipped_outcome", "unit_key"]

if TYPE_CHECKING:   # the rubric and its date grammar: ~0.1 s of every command's (and the app's) start
    from reports.analysis.concreteness import Concreteness

log = logging.getLogger("xuncha")
LOG_FILE = Path("logs") / "xuncha.log"  # inside a workspace: every traceback of the CLI and the app
# The encoder preload starts once this many files have been stored: by then prepare_all's pool has forked
# every worker (the first file is parsed in this process, the pool starts for the second).
PRELOAD_AFTER = 2
DEMO_CORPUS = Path(__file__).resolve().parents[2] / "data" / "reports"


# Files a folder may hold beside reports, and why they are not read (docs/cli.md: ingest names
# every file it does not take); the reasons are notice codes (reports/shared/notices.py).
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


def skipped_outcome(path: str, code: str) -> IngestOutcome:
    """The outcome of a file that is not read (skip_reason's code); a web address named as a path is
    an error (it was asked for), anything else a skipped file."""
    notice = skip_notice(code)
    status = "error" if code == "url" else "skipped"
    return IngestOutcome(path, status, message=f"{path}: {notice.english()}", notice=notice)


@dataclass(frozen=True)
class Input:
    """One thing to ingest: a file to read, or one that is named and not read (`skip` is its reason code)."""

    path: str
    skip: str | None = None


def scan(paths: Iterable[str | os.PathLike]) -> list[Input]:
    """Files named, plus every visible file under folders (sorted): supported ones to read, the rest
    named with the reason they are skipped (the same for a file named on its own as in a folder).
    Missing paths are kept so that ingest reports them by name; a web address is never turned into
    a path (that would fold its // into /)."""
    out: list[Input] = []
    for raw in paths:
        if isinstance(raw, str) and URL.match(raw):
            out.append(Input(raw, "url"))
            continue
        path = Path(raw)
        if not path.is_dir():  # a file named on its own gets the outcome it would get in a folder
            known = not path.suffix or path.suffix.lower() in SUPPORTED_SUFFIXES or not path.is_file()
            out.append(Input(str(path), None if known else skip_reason(path)))
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

    def __init__(self, root: str | os.PathLike | None = None, model: str | None = None,
                 progress: Progress | None = None):
        self.root = Path(root) if root is not None else default_root()
        self.root.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.store = Store(self.root / STORE_FILE, progress=progress)   # progress: an older store's migration

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
        """Bring every derived artifact (ui/service/artifacts.py) that lags the store in line with it
        (after ingest/remove); one that is fresh is left alone. Skipping it is safe: each catches up
        by itself on first use. An artifact may catch up in another process (``start_beside``: the
        graph, while the index tokenises and embeds here); it is finished before any artifact after it."""
        with self.writing():
            beside: dict[str, Beside] = {}   # catch-ups running in another process meanwhile
            try:
                for artifact in artifacts(self):
                    for name in artifact.after:
                        if name in beside:
                            beside.pop(name).finish()
                    if is_fresh(artifact):
                        continue
                    started = getattr(artifact, "start_beside", lambda _: None)(progress)
                    if started is None:
                        artifact.rebuild(progress)
                    else:
                        beside[artifact.name] = started
                while beside:
                    beside.popitem()[1].finish()
            finally:
                for started in beside.values():   # failing anyway: the children end before the lock is let go
                    started.wait()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Mark the workspace as being written while the block runs (re-entrant): readers elsewhere
        answer from the last committed index meanwhile. The service layer's one way to take the
        writer lock (embeddings/writer_lock.py); the index takes it too when a query starts a sync."""
        from embeddings.writer_lock import writing

        with writing(self.root):
            yield

    def _recurrence_units(self) -> tuple[dict[str, str], dict[str, str]]:
        """(report -> unit key now, report -> unit key when the RECURS links were computed)."""
        units = {rid: unit_key(unit, region) for rid, unit, region in self.store.conn.execute(
            "SELECT id, unit, region FROM reports")}
        covered = self.graph.fragments.note("recurrence_units")
        return units, covered if isinstance(covered, dict) else {}

    def recurrence_touched(self) -> set[str]:
        """The units whose reports changed since the RECURS links were computed (all, if never)."""
        units, covered = self._recurrence_units()
        if not covered:
            return set(units.values())
        return {units[r] for r in units if r not in covered} | {covered[r] for r in covered if r not in units}

    def sync_recurrence(self, *, full: bool = False) -> None:
        """RECURS links for the units whose reports changed since the links were computed (a unit's
        links depend on its own reports only, so the others are kept: equal to recomputing all);
        ``full`` recomputes every unit's."""
        units, covered = self._recurrence_units()
        covered = {} if full else covered
        touched = {units[r] for r in units if r not in covered} | {covered[r] for r in covered if r not in units}
        if covered and not touched:
            return
        keep = [link for link in self.graph.links("RECURS") if link[0] in units and link[2] in units
                and units[link[0]] not in touched and units[link[2]] not in touched] if covered else []
        reports = [r for r, key in units.items() if key in touched] if covered else None
        self.graph.set_recurrence(keep + self.recurrence_links(units, reports))
        self.graph.fragments.set_note("recurrence_units", dict(units))

    def recurrence_links(self, units: dict[str, str | None], report_ids: list[str] | None) -> list:
        """The RECURS links of these reports' units (ui/service/recurrence_sync.py: keys and one unit's
        vectors at a time, the links ``recurrences`` finds)."""
        from ui.service.recurrence_sync import recurrence_links

        return recurrence_links(self.store, self.search.problem_vectors, units, report_ids)

    def close(self) -> None:
        if "search" in self.__dict__:
            self.search.join_preload()   # never exit with the model half-loaded in a thread
        if "graph" in self.__dict__:
            self.graph.close()
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- ingest / remove ---------------------------------------------------------------
    def ingest(self, paths: Iterable[str | os.PathLike], progress: Progress | None = None,
               on_outcome: Callable[[IngestOutcome], None] | None = None,
               preload_encoder: bool = False) -> list[IngestOutcome]:
        """Ingest files and folders; a bad file is reported and skipped, never stops the batch.
        ``on_outcome`` sees each file's outcome as soon as it is stored (throughput display).
        ``preload_encoder``: a sync follows, so load the document encoder in a thread of this process
        while the parse workers run (the writer mostly waits for them meanwhile)."""
        inputs = scan(paths)
        readable = [str(item.path) for item in inputs if not item.skip]
        outcomes = []
        # started once the pool has forked (its workers must not inherit a half-done import)
        preload_after = PRELOAD_AFTER if preload_encoder and pool_workers(len(readable)) else None
        done = 0
        with self.writing(), closing(prepare_all(readable, self.store.contains)) as prepared:
            # searches elsewhere answer from the last index meanwhile; closing() ends the workers
            for n, item in enumerate(inputs):
                if progress:
                    progress("ingest", n, len(inputs))
                if item.skip:
                    outcomes.append(skipped_outcome(item.path, item.skip))
                else:
                    outcomes.append(self._store(next(prepared)))
                    done += 1
                    if done == preload_after:
                        self.search.preload_encoder()
                if on_outcome:
                    on_outcome(outcomes[-1])
        if progress:
            progress("ingest", len(inputs), len(inputs))
        return outcomes

    def ingest_bytes(self, name: str, data: bytes) -> IngestOutcome:
        """Ingest an uploaded file (the UI's path): an old .doc or an image gets the outcome it gets
        from the command line, the same words."""
        if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES and Path(name).suffix:
            return skipped_outcome(name, skip_reason(Path(name)))
        return self._store(prepare(name, lambda: read_bytes(data, name), self.store.contains))

    def _store(self, prepared: Prepared | IngestOutcome) -> IngestOutcome:
        """Store a prepared report (one transaction; never under the time limit, so a commit is never
        interrupted; the store itself finds a duplicate). The outcome says what really happened."""
        if isinstance(prepared, IngestOutcome):
            return self._logged(prepared)
        name, report = prepared.name, prepared.report
        started = time.perf_counter()
        try:
            stored = self.store.add(report, prepared.mentions, prepared.offsets_json, prepared.types)
        except Exception as exc:  # the outcome names the file and why it was not stored
            return self._logged(failure_outcome(name, exc))
        if not stored:
            return duplicate_outcome(name, report, self.store.duplicate_of(report))
        seconds = {**prepared.seconds, "store": time.perf_counter() - started}
        return IngestOutcome(name, "ingested", report.id, report.unit, "", report.found(), report.warnings,
                             seconds=seconds)

    def _logged(self, outcome: IngestOutcome) -> IngestOutcome:
        """A failure's traceback into the workspace log (ERROR: the log file takes INFO and up; not on
        the terminal, where the outcome line already says what happened), and the log named in its message."""
        if outcome.traceback:
            log.error("ingest of %s failed\n%s", outcome.path, outcome.traceback.rstrip(), extra={"console": False})
            if outcome.notice is not None and outcome.notice.code == "ingest_failed":
                outcome.notice = Notice("ingest_failed", {**outcome.notice.params, "log": str(self.root / LOG_FILE)})
        return outcome

    def remove(self, report_id: str) -> bool:
        with self.writing():
            return self.store.remove(report_id)

    def reindex(self, model: str | None = None, progress: Progress | None = None, *, backend: str | None = None,
                uri: str | None = None) -> dict:
        """Re-embed every problem (``model``: a new model), or move the index to ``backend``; themes and
        SIMILAR_TO edges follow new vectors (a backend switch alone changes none). Returns the index's summary."""
        with self.writing():
            summary = self.search.reindex(model=model, progress=progress, backend=backend, uri=uri)
            summary["model"] = self.search.model_name
            if model is not None or backend is None:
                self.themes.sync(progress=progress)
        return summary

    def repair(self, checks, progress: Progress | None = None) -> list[str]:
        """Rebuild what ``checks`` (doctor.diagnose) found not ok; ui/service/doctor.repair."""
        from ui.service.doctor import repair

        with self.writing():
            return repair(self, checks, progress)

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
        """Audit findings (reports.analysis.audit.Finding) for one report, or every report in the workspace."""
        from reports.analysis.audit import audit_report
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
        from reports.analysis.concreteness import assess_report
        out = {}
        for rid in (report_ids if report_ids is not None else self.store.report_ids()):
            report = self.store.load(rid)
            if report is None:
                continue
            out.update({(rid, pid): c for pid, c in assess_report(report, self.stored_mentions(rid)).items()})
        return out

    def concreteness_scores(self, report_ids: Iterable[str] | None = None) -> dict[tuple[str, str], float]:
        """(report_id, problem_id) -> concreteness rounded to 3 places: the `concreteness` field of the
        ledger and of `xuncha problems --json` (a problem without rectification is absent: null)."""
        return {k: round(c.score, 3) for k, c in self.concreteness(report_ids).items()}

    def recurrences(self, unit: str | None = None, report_ids: list[str] | None = None) -> list:
        """Problems of a unit's later report repeating one of its earlier reports
        (embeddings.recurrence.Recurrence), over the search index's vectors and tokens; ``report_ids``
        limits the rows read to those reports (whole units, for an exact result)."""
        from embeddings.recurrence import find_recurrences, leaf_problem_rows
        if report_ids is not None and not report_ids:
            return []
        rows = [{**r, "unit_key": unit_key(r["unit"], r["region"])}
                for r in leaf_problem_rows(self.store.problem_rows(report_ids, types=False))
                if r.get("item_kind", "problem") == "problem"]  # narrative work headings are not findings
        if not rows:
            return []
        _, vectors, tokens = self.search.problem_vectors([(r["report_id"], r["id"]) for r in rows])
        return find_recurrences(rows, vectors, tokens, unit=unit)

    def is_empty(self) -> bool:
        """Whether no report is stored: one indexed probe (the app asks on every rerun; reading every
        report id cost 0.16 s at 10,000 reports)."""
        return not self.store.conn.execute("SELECT EXISTS (SELECT 1 FROM reports)").fetchone()[0]


def unit_key(unit: str | None, region: str | None) -> str | None:
    """The resolved unit reports are grouped by for recurrence: the organisation's name (the party
    group wrapper removed: 中共某某局党组 = 某某局) plus its region, never the file it came from."""
    if not unit:
        return None
    from graph.names import unit_canonical
    return f"{unit_canonical(unit)}@{region or ''}"

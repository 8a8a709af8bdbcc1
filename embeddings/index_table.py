"""The search table of an index build (``table-<token>/``, embeddings/table_columns.py): readers load
it instead of reading every store row; the writer makes the next one from the last and the rows of
the reports a sync added, and writes it with every commit.

Stamped with the store generation it reflects and the problem-type classifier's version
(reports.analysis.problemtypes.types_version): a table of another generation or classifier is never
used (a reader syncs, which rebuilds it; doctor shows it stale). One of the parts ``IndexSync``
(index_sync.py) holds. Why: docs/decisions.md, "Scale to a province (issue 23)", third pass."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import numpy as np

from reports.analysis.problemtypes import types_version
from reports.shared.progress import Progress

from .index import VectorIndex, problem_uid
from .manifest import DamagedIndexFile, IndexInconsistent, Manifest, read_manifest_or_none
from .table import KeyTable, ProblemTable
from .table_columns import Columns, TableFileError

__all__ = ["LazyTokens", "TableSide"]

log = logging.getLogger("xuncha.search")


class TableSide:
    """The persisted tables of the index in ``directory`` over ``store``'s problems."""

    def __init__(self, directory: Path, store) -> None:
        self.dir = directory
        self.store = store

    def stamp(self, generation: int) -> dict:
        return {"generation": generation, "types_version": types_version()}

    def _read(self, manifest: Manifest, *, any_generation: bool = False, any_classifier: bool = False) -> Columns:
        """The build's columns; IndexInconsistent when none is recorded or it is stale, DamagedIndexFile
        when it cannot be read (missing while the manifest still names it, or not whole).
        ``any_generation``: the last build's, for a sync to refresh (stale only when the classifier
        changed, since the types of every row are then due again). ``any_classifier``: the build as it
        was committed, types of an earlier classifier included (a reader answering from a build of an
        earlier version while its re-embed is due: index_sync._committed_state)."""
        name = manifest.files.get("table")
        if not name:
            raise IndexInconsistent("the search index has no persisted table (built before it had one)")
        path = self.dir / name
        try:
            columns, stamp = Columns.load(path)
        except FileNotFoundError as exc:
            now = read_manifest_or_none(self.dir)
            if now is not None and now.files.get("table") == name:   # not a concurrent commit: gone
                raise DamagedIndexFile(path, "missing") from exc
            raise
        except TableFileError as exc:
            raise DamagedIndexFile(path, exc) from exc
        if (stamp.get("types_version") != types_version() and not any_classifier) or (not any_generation and (
                stamp.get("generation") != manifest.generation or columns.size != manifest.count)):
            raise IndexInconsistent(f"{path}: search table of generation {stamp.get('generation')}, classifier "
                                    f"{stamp.get('types_version')} (index at {manifest.generation}, classifier "
                                    f"{types_version()}; {columns.size} rows for {manifest.count} problems)")
        return columns

    def load(self, manifest: Manifest, *, any_classifier: bool = False) -> ProblemTable:
        """The table a reader queries: the build's columns, statements read from the store when shown
        (``any_classifier``: as committed, see ``_read``)."""
        return ProblemTable(columns=self._read(manifest, any_classifier=any_classifier), details=self.store.problem_texts)

    def committed(self, manifest: Manifest, vectors: VectorIndex) -> ProblemTable | None:
        """The table of the last committed build as it was (its types from the classifier of its time),
        for a reader answering from it (index_sync._committed_state): its persisted one if every report
        it shows is still stored (None if not), else one from the stored rows it indexed (a build
        without a table)."""
        try:
            table = self.load(manifest, any_classifier=True)
        except (IndexInconsistent, DamagedIndexFile):
            have = set(vectors.ids().tolist())
            return ProblemTable([r for r in self.store.problem_rows() if problem_uid(r["report_id"], str(r["id"])) in have])
        shown = {table.columns.reports[k] for k in np.unique(table.columns.report).tolist()}
        return table if shown <= set(self.store.report_ids()) else None

    def verify(self, manifest: Manifest) -> tuple[str, str]:
        """(state, reason) for doctor: "ok", "missing" (not recorded), "stale" or "damaged"."""
        try:
            self._read(manifest)
        except IndexInconsistent as exc:
            return ("missing" if not manifest.files.get("table") else "stale"), str(exc)
        except (DamagedIndexFile, FileNotFoundError) as exc:
            return "damaged", str(exc)
        return "ok", ""

    def usable(self, manifest: Manifest | None) -> bool:
        """Whether the build's table can be read as it is (a sync whose build is otherwise current
        writes one when not: missing, damaged or of another classifier; logged)."""
        if manifest is None:
            return False
        try:
            self._read(manifest)
        except (IndexInconsistent, DamagedIndexFile, FileNotFoundError) as exc:
            log.info("%s; the sync writes a search table", exc)   # next() says what it is built from
            return False
        return True

    def next(self, manifest: Manifest | None, table: ProblemTable | KeyTable, *, full: bool,
             report: Progress) -> Columns:
        """The columns of the build a sync commits, in ``table``'s order: the last build's table plus the
        rows of the reports it lacks (every row when there is no usable last table, or ``full``)."""
        if isinstance(table, ProblemTable):   # an external engine's sync read every row already
            return Columns.gather(table.uids, [table.columns], self.store.report_fields())
        old = None
        if manifest is not None and not full:
            try:
                old = self._read(manifest, any_generation=True)
            except (IndexInconsistent, DamagedIndexFile, FileNotFoundError) as exc:
                log.warning("%s; updating the search index", exc)   # the table is built again from the rows
        have = old.uids if old is not None else np.zeros(0, np.int64)
        new = ~np.isin(table.uids, have)
        reports = sorted({table.report_id[int(i)] for i in np.flatnonzero(new)})
        report("table", 0, len(reports) or 1)
        rows = self.store.problem_rows(reports if old is not None else None) if reports else []
        sources = [c for c in (old, Columns.from_rows(rows)) if c is not None]
        columns = Columns.gather(table.uids, sources, self.store.report_fields())
        report("table", len(reports) or 1, len(reports) or 1)
        return columns

    def save(self, directory: Path, columns: Columns, generation: int) -> None:
        columns.save(directory, self.stamp(generation))


class LazyTokens(Mapping):
    """A build's BM25 token lists, read from the tokens file the first time any is asked for: a query
    needs none (the BM25 matrix is saved; `similar` re-derives one problem's), a sync or a theme
    clustering needs them all."""

    def __init__(self, read: Callable[[], dict[int, list[str]]]) -> None:
        self._read = read
        self._tokens: dict[int, list[str]] | None = None

    @property
    def loaded(self) -> dict[int, list[str]]:
        if self._tokens is None:
            self._tokens = self._read()
        return self._tokens

    def __getitem__(self, uid: int) -> list[str]:
        return self.loaded[uid]

    def __iter__(self) -> Iterator[int]:
        return iter(self.loaded)

    def __len__(self) -> int:
        return len(self.loaded)

"""The lexical side of the search index: the cached BM25 tokens of every problem (tokenise only the
new ones), and the BM25 index over them (reused when built over exactly these problems, else updated
from the last build's: rows of removed problems dropped, the added ones' counts merged in).

One of the parts ``IndexSync`` (index_sync.py) holds; doctor reads a build through ``verify``.
Why per report: docs/decisions.md, "Scale to a province (issue 23)", fifth pass."""
from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reports.read.limits import MAX_TOKENIZE_CHARS_PROBLEM, MAX_TOKENIZE_CHARS_REPORT
from reports.shared.atomic import atomic_dir
from reports.shared.progress import Progress

from .array_file import ArrayFileError
from .bm25_counts import TermCounts, counts_of_rows, is_counts_dir, update_counts
from .doc_texts import row_texts
from .lexical import DeferredLexical, LexicalIndex, get_tokenizer
from .manifest import DamagedIndexFile, IndexInconsistent, Manifest
from .table import KeyTable, ProblemTable
from .token_file import TokenFileError, TokenLists, open_tokens, verify_tokens, write_token_rows

__all__ = ["LexicalPlan", "TokenSide", "TokenSync"]

log = logging.getLogger("xuncha.search")


@dataclass
class TokenSync(Mapping):
    """The token lists of a sync: the rows of the last build's file still stored (``keep``), read from
    the file when asked for, and the lists tokenised now (``added``); ``write`` makes the next file."""

    base: TokenLists | None
    keep: np.ndarray | None
    added: dict[int, list[str]] = field(default_factory=dict)
    changed: bool = False

    def __getitem__(self, uid: int) -> list[str]:
        if uid in self.added:
            return self.added[uid]
        if self.base is None:
            raise KeyError(uid)
        row = self.base.row_of(uid)
        if self.keep is not None and not self.keep[row]:
            raise KeyError(uid)
        return self.base.row(row)

    def __iter__(self) -> Iterator[int]:
        if self.base is not None:
            yield from self.base.uids[self.keep].tolist() if self.keep is not None else self.base.uids.tolist()
        yield from self.added

    def __len__(self) -> int:
        kept = 0 if self.base is None else int(self.keep.sum()) if self.keep is not None else len(self.base)
        return kept + len(self.added)

    def write(self, path: Path, tokenizer: str) -> None:
        write_token_rows(path, tokenizer, self.base, self.keep, self.added)


@dataclass
class LexicalPlan:
    """How a commit writes the next BM25 files: from the last build's (``previous``) when there is one of
    this format and tokenizer, else from the token file the commit has just written."""

    previous: Path | None
    tokens: Mapping[int, Sequence[str]]


class TokenSide:
    """The tokens and BM25 files of the index in ``directory`` over ``store``'s problems, tokenised
    from texts of recipe ``lex_recipe``; a tokens file of another ``tokens_version`` counts as empty."""

    def __init__(self, directory: Path, store, *, lex_recipe: str, tokens_version: str) -> None:
        self.dir = directory
        self.store = store
        self.lex_recipe = lex_recipe
        self.tokens_version = tokens_version

    def verify(self, manifest: Manifest) -> None:
        """Read the build's BM25 index and token cache as a query and a sync would, every id checked in
        blocks; OSError/ValueError naming what cannot be read (doctor), KeyError when none is recorded."""
        directory = self.dir / manifest.files["lexical"]
        if is_counts_dir(directory):
            TermCounts.verify(directory)
        else:
            LexicalIndex.load(directory)
        path = self.dir / manifest.files["tokens"]
        try:
            verify_tokens(path, self.tokens_version)
        except TokenFileError as exc:
            raise ValueError(str(DamagedIndexFile(path, exc))) from exc

    def reuse_lexical(self, name: str | None, table: ProblemTable | KeyTable, *,
                      legacy: bool = True) -> LexicalIndex | None:
        """The saved BM25 index if it was built over exactly these problems in this order (``legacy``:
        a bm25s build of an earlier version counts too; a sync wants one it can update)."""
        if not name:
            return None
        directory = self.dir / name
        try:
            if (legacy or is_counts_dir(directory)) and np.array_equal(LexicalIndex.order(directory), table.uids):
                return LexicalIndex.load(directory)
        except (OSError, ValueError, KeyError) as exc:
            log.info("lexical index not reusable (%s); rebuilding it from cached tokens", exc)
        return None

    def load_lexical(self, name: str | None, table: ProblemTable, tokens: Mapping[int, list[str]]) -> LexicalIndex:
        """The build's BM25 index, or one built from ``tokens``; IndexInconsistent if a problem has none."""
        reused = self.reuse_lexical(name, table)
        if reused is not None:
            return reused
        missing = [u for u in table.uids.tolist() if u not in tokens]
        if missing:
            raise IndexInconsistent(f"{len(missing)} problems have no cached tokens")
        return LexicalIndex([tokens[u] for u in table.uids.tolist()])

    def for_reader(self, name: str | None, table: ProblemTable,
                   tokens: Mapping[int, list[str]]) -> LexicalIndex | DeferredLexical:
        """A reader's BM25 index of a build: loaded when a query first needs it if one is saved (a dense
        answer needs none), else built from ``tokens`` now (IndexInconsistent when they lack some)."""
        if name and LexicalIndex.saved(self.dir / name):
            return DeferredLexical(lambda: self.load_lexical(name, table, tokens))
        return self.load_lexical(name, table, tokens)

    def plan(self, manifest: Manifest | None, tokens: TokenSync, *, full: bool) -> LexicalPlan:
        """How the next BM25 files are made: updated from the last build's unless ``full``, or it was made
        by another tokenizer or an earlier version (bm25s: then they are built once from the tokens)."""
        name = manifest.files.get("lexical") if manifest is not None else None
        if full or not name or manifest.tokenizer != self.tokens_version or not is_counts_dir(self.dir / name):
            return LexicalPlan(None, tokens)
        return LexicalPlan(self.dir / name, tokens)

    def save_lexical(self, directory: Path, lexical: LexicalIndex | LexicalPlan, table: ProblemTable | KeyTable,
                     tokens_file: Path) -> None:
        """Write the BM25 files of ``table``'s rows: ``lexical`` itself, or as planned (updated from the
        last build's, else counted from ``tokens_file``, the build's token lists)."""
        with atomic_dir(directory) as tmp:
            if isinstance(lexical, LexicalIndex):
                lexical.save(tmp, table.uids)
                return
            if lexical.previous is not None:
                try:
                    if update_counts(lexical.previous, tmp, table.uids, lexical.tokens):
                        return
                    log.info("BM25 rows of %s out of the store's order; counting them again", lexical.previous)
                except (OSError, ValueError, KeyError) as exc:   # counted again from the token lists below
                    log.warning("%s; updating the search index", DamagedIndexFile(lexical.previous, exc))
            lists = TokenLists(tokens_file)
            order = np.argsort(lists.uids, kind="stable")
            at = np.minimum(np.searchsorted(lists.uids[order], table.uids), max(len(order) - 1, 0))
            rows = order[at] if len(order) else np.zeros(0, np.int64)
            if len(rows) != table.size or (table.size and not np.array_equal(lists.uids[rows], table.uids)):
                raise IndexInconsistent(f"{tokens_file}: token lists missing for some problems")
            try:
                counts = counts_of_rows(lists.vocab, lists.indptr, lists.ids(), rows)
            except ArrayFileError as exc:
                raise DamagedIndexFile(tokens_file, exc) from exc
            counts.save(tmp, table.uids)

    def read(self, name: str | None) -> Mapping[int, list[str]]:
        """Cached BM25 tokens by problem uid, read a row at a time; DamagedIndexFile naming the file if it
        is not what we wrote."""
        if not name:
            return {}
        path = self.dir / name
        try:
            return open_tokens(path, self.tokens_version)
        except TokenFileError as exc:
            raise DamagedIndexFile(path, exc) from exc

    def sync(self, table: ProblemTable | KeyTable, manifest: Manifest | None, report: Progress) -> TokenSync:
        """The build's token lists of the table's problems: the last file's rows still stored, and the
        problems it lacks tokenised now (a file of an earlier version or another tokenizer: every one)."""
        cached: Mapping[int, list[str]] = {}
        if manifest is not None and manifest.tokenizer == self.tokens_version:
            try:
                cached = self.read(manifest.files.get("tokens"))
            except (OSError, DamagedIndexFile) as exc:
                log.warning("%s; tokenising every problem again", exc)
        base = cached if isinstance(cached, TokenLists) else None
        have = base.uids if base is not None else np.fromiter(cached, dtype=np.int64, count=len(cached))
        keep = np.isin(base.uids, table.uids) if base is not None else None
        added: dict[int, list[str]] = {}
        if base is None and cached:   # a JSON file of an earlier version: the kept lists move to the new file
            wanted = set(table.uids.tolist())
            added = {u: t for u, t in cached.items() if u in wanted}
        missing = np.flatnonzero(~np.isin(table.uids, have))
        tokenizer = get_tokenizer()
        texts = row_texts(self.store, table, missing, self.lex_recipe, MAX_TOKENIZE_CHARS_PROBLEM,
                          MAX_TOKENIZE_CHARS_REPORT)
        uids = table.uids.tolist()
        for n, (i, text) in enumerate(zip(missing.tolist(), texts, strict=True)):
            added[uids[i]] = [sys.intern(t) for t in tokenizer.tokenize(text)]
            if n % 500 == 0:
                report("tokenize", n, len(missing))
        # a file to write: problems added or removed, or none of this tokenizer and format to keep
        changed = bool(len(missing)) or (keep is not None and not keep.all()) \
            or (base is None and (bool(added) or manifest is not None))
        return TokenSync(base, keep, added, changed)

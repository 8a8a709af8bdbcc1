"""The lexical side of the search index: the cached BM25 tokens of every problem (tokenise only the
new ones), and the BM25 index over them (reused when built over exactly these problems, else built
again from the tokens).

One of the parts ``IndexSync`` (index_sync.py) holds; doctor reads a build through ``verify``."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import numpy as np

from reports.read.limits import MAX_TOKENIZE_CHARS_PROBLEM, MAX_TOKENIZE_CHARS_REPORT
from reports.shared.atomic import atomic_dir
from reports.shared.progress import Progress

from .doc_texts import row_texts
from .lexical import LexicalIndex, get_tokenizer
from .manifest import DamagedIndexFile, IndexInconsistent, Manifest
from .table import KeyTable, ProblemTable

__all__ = ["TokenSide"]

log = logging.getLogger("xuncha.search")


class TokenSide:
    """The tokens and BM25 files of the index in ``directory`` over ``store``'s problems, tokenised
    from texts of recipe ``lex_recipe``; a tokens file of another ``tokens_version`` counts as empty."""

    def __init__(self, directory: Path, store, *, lex_recipe: str, tokens_version: str) -> None:
        self.dir = directory
        self.store = store
        self.lex_recipe = lex_recipe
        self.tokens_version = tokens_version

    def verify(self, manifest: Manifest) -> None:
        """Read the build's BM25 index and token cache as a query would; OSError/ValueError naming what
        cannot be read (doctor), KeyError when the manifest records none."""
        LexicalIndex.load(self.dir / manifest.files["lexical"])
        try:
            self.read(manifest.files["tokens"])
        except DamagedIndexFile as exc:
            raise ValueError(str(exc)) from exc

    def reuse_lexical(self, name: str | None, table: ProblemTable | KeyTable) -> LexicalIndex | None:
        """The saved BM25 index if it was built over exactly these problems in this order."""
        if not name:
            return None
        directory = self.dir / name
        try:
            order = json.loads((directory / "uids.json").read_text("utf-8"))
            if np.array_equal(np.asarray(order, dtype=np.int64), table.uids):
                return LexicalIndex.load(directory)
        except (OSError, ValueError, KeyError) as exc:
            log.info("lexical index not reusable (%s); rebuilding it from cached tokens", exc)
        return None

    def load_lexical(self, name: str | None, table: ProblemTable, tokens: dict[int, list[str]]) -> LexicalIndex:
        """The build's BM25 index, or one built from ``tokens``; IndexInconsistent if a problem has none."""
        reused = self.reuse_lexical(name, table)
        if reused is not None:
            return reused
        missing = [u for u in table.uids.tolist() if u not in tokens]
        if missing:
            raise IndexInconsistent(f"{len(missing)} problems have no cached tokens")
        return LexicalIndex([tokens[u] for u in table.uids.tolist()])

    def save_lexical(self, directory: Path, lexical: LexicalIndex, table: ProblemTable | KeyTable) -> None:
        """Write ``lexical`` with the problem order ``reuse_lexical`` checks."""
        with atomic_dir(directory) as tmp:
            lexical.save(tmp)
            (tmp / "uids.json").write_text(json.dumps(table.uids.tolist()), "utf-8")

    def read(self, name: str | None) -> dict[int, list[str]]:
        """Cached BM25 tokens by problem uid; DamagedIndexFile naming the file if it is not what we wrote."""
        if not name:
            return {}
        path = self.dir / name
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise DamagedIndexFile(path, exc) from exc
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), dict):
            raise DamagedIndexFile(path, "not a tokens file")
        if data.get("tokenizer") != self.tokens_version:
            return {}
        try:  # one str object per distinct token (JSON makes one per occurrence: 11 kB per problem at 8k problems)
            intern = sys.intern
            return {int(k): [intern(t) for t in v] for k, v in data["tokens"].items()}
        except (TypeError, ValueError) as exc:
            raise DamagedIndexFile(path, exc) from exc

    def sync(self, table: ProblemTable | KeyTable, manifest: Manifest | None, report: Progress):
        """(tokens, changed): the build's cached tokens of the table's problems, the new ones tokenised."""
        cached: dict[int, list[str]] = {}
        if manifest is not None and manifest.tokenizer == self.tokens_version:
            try:
                cached = self.read(manifest.files.get("tokens"))
            except (OSError, DamagedIndexFile) as exc:
                log.warning("%s; tokenising every problem again", exc)
                cached = {}
        uids = table.uids.tolist()
        missing = [i for i, u in enumerate(uids) if u not in cached]
        tokenizer = get_tokenizer()
        texts = row_texts(self.store, table, np.asarray(missing, dtype=np.int64), self.lex_recipe,
                          MAX_TOKENIZE_CHARS_PROBLEM, MAX_TOKENIZE_CHARS_REPORT)
        for n, (i, text) in enumerate(zip(missing, texts, strict=True)):
            cached[uids[i]] = [sys.intern(t) for t in tokenizer.tokenize(text)]
            if n % 500 == 0:
                report("tokenize", n, len(missing))
        keep = set(uids)
        tokens = {u: t for u, t in cached.items() if u in keep}
        changed = bool(missing) or len(tokens) != len(cached)
        return tokens, changed

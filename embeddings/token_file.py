"""The file of a build's cached BM25 token lists: arrays, not JSON, read a row at a time.

``uids`` (int64), ``indptr`` (int64, row i's tokens are ``ids[indptr[i]:indptr[i+1]]``), ``ids`` (int32 into
``vocab``), ``vocab`` (a unicode array) and ``tokenizer`` in one ``.npz`` (stored, ``allow_pickle=False``).
Why arrays: as JSON every occurrence was a Python str (1.9 GB peak at 143,100 problems). Why a row at a
time (``TokenLists``): a sync appends the added problems' lists to the kept ones, copying the rest as
blocks of ids (``write_token_rows``), and later stages ask for a few problems' lists; neither needs a
Python list per stored problem (docs/decisions.md, issue 23, third and fifth passes). A token file
written as JSON by earlier versions is still read (as a dict).
"""
from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from reports.shared.atomic import atomic_path
from reports.shared.ioerrors import reason_line

from .array_file import ArrayFile, ArrayFileError, ArrayWriter

__all__ = ["TOKENS_SUFFIX", "TokenFileError", "TokenLists", "open_tokens", "read_tokens", "verify_tokens",
           "write_token_rows", "write_tokens"]

TOKENS_SUFFIX = ".npz"
_BLOCK = 1 << 22   # ids copied per read: 16 MB


class TokenFileError(ValueError):
    """A tokens file that is not what a writer wrote (the reason; the caller names the file)."""


class TokenLists(Mapping):
    """uid -> token list of an ``.npz`` tokens file: the small arrays (uids, row bounds, vocabulary) are
    read when opened, the token ids are mapped and a list is made when asked for (TokenFileError when
    the file is not whole). ``version`` is the tokenizer that made it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            with np.load(self.path, allow_pickle=False) as npz:
                self.version = str(npz["tokenizer"])
                self.uids, self.indptr = npz["uids"], npz["indptr"]
                vocab = npz["vocab"]
            self._ids = ArrayFile.member(self.path, "ids")
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise TokenFileError(reason_line(exc)) from exc
        if len(self.indptr) != len(self.uids) + 1 or self.indptr[0] != 0 or self.indptr[-1] != self._ids.length \
                or (np.diff(self.indptr) < 0).any() or self._ids.dtype.kind not in "iu":
            raise TokenFileError("token lists out of range")
        self.vocab: list[str] = [sys.intern(w) for w in vocab.tolist()]
        self._order: np.ndarray | None = None
        self._sorted = self.uids
        self._mapped: np.ndarray | None = None

    def ids(self) -> np.ndarray:
        """Every row's token ids, one after another (mapped, read when touched)."""
        if self._mapped is None:
            self._mapped = np.asarray(self._ids.memmap())   # a plain view: slicing a memmap subclass costs more
        return self._mapped

    def row_of(self, uid: int) -> int:
        """The file's row of ``uid``; KeyError when it has none."""
        if self._order is None:
            self._order = np.argsort(self.uids, kind="stable")
            self._sorted = self.uids[self._order]
        i = int(np.searchsorted(self._sorted, uid))
        if i >= len(self._sorted) or self._sorted[i] != uid:
            raise KeyError(uid)
        return int(self._order[i])

    def row(self, row: int) -> list[str]:
        vocab = self.vocab
        try:   # an id past the vocabulary: not a file we wrote (doctor's verify checks every one)
            return [vocab[i] for i in self.ids()[int(self.indptr[row]):int(self.indptr[row + 1])].tolist()]
        except IndexError as exc:
            raise TokenFileError("token lists out of range") from exc

    def __getitem__(self, uid: int) -> list[str]:
        return self.row(self.row_of(uid))

    def __contains__(self, uid: object) -> bool:
        try:
            self.row_of(int(uid))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            return False
        return True

    def __iter__(self) -> Iterator[int]:
        return iter(self.uids.tolist())

    def __len__(self) -> int:
        return len(self.uids)

    def id_blocks(self, start: int, stop: int) -> Iterator[np.ndarray]:
        """The token ids of rows ``start:stop``, read in blocks (a sync copies kept rows this way)."""
        lo, hi = int(self.indptr[start]), int(self.indptr[stop])
        for a in range(lo, hi, _BLOCK):
            yield self._ids.read(a, min(a + _BLOCK, hi))

    def verify(self) -> None:
        """Every token id inside the vocabulary, read in blocks (doctor); TokenFileError if not."""
        for block in self.id_blocks(0, len(self.uids)):
            if len(block) and (block.min() < 0 or block.max() >= len(self.vocab)):
                raise TokenFileError("token lists out of range")


def open_tokens(path: Path, tokenizer: str) -> Mapping[int, list[str]]:
    """uid -> token list of the file at ``path``, read a row at a time ({} when another tokenizer
    version made it: they are recomputed; a dict for a JSON file of an earlier version).
    FileNotFoundError when it is not there, TokenFileError when it is not whole."""
    if path.suffix != TOKENS_SUFFIX:
        return _read_json(path, tokenizer)
    lists = TokenLists(path)
    return lists if lists.version == tokenizer else {}


def read_tokens(path: Path, tokenizer: str) -> dict[int, list[str]]:
    """Every token list of the file at ``path`` as a dict (as ``open_tokens``; for small files and tests)."""
    lists = open_tokens(path, tokenizer)
    try:
        return dict(lists.items())
    except ArrayFileError as exc:
        raise TokenFileError(str(exc)) from exc


def verify_tokens(path: Path, tokenizer: str) -> None:
    """Read the file as a sync would, every id checked, without a list per problem (doctor)."""
    lists = open_tokens(path, tokenizer)
    if isinstance(lists, TokenLists):
        try:
            lists.verify()
        except ArrayFileError as exc:
            raise TokenFileError(str(exc)) from exc


def write_tokens(path: Path, tokenizer: str, tokens: Mapping[int, Sequence[str]]) -> None:
    """Write ``tokens`` (uid -> token list) made by tokenizer version ``tokenizer``, atomically."""
    write_token_rows(path, tokenizer, None, None, tokens)


def write_token_rows(path: Path, tokenizer: str, base: TokenLists | None, keep: np.ndarray | None,
                     added: Mapping[int, Sequence[str]]) -> None:
    """Write the rows of ``base`` where ``keep`` is true (copied as blocks of ids, in their order), then
    ``added`` (uid -> token list), atomically: a sync's next token file costs the added lists plus a
    copy of the kept ids, not a Python list per stored problem."""
    vocab = list(base.vocab) if base is not None else []
    index = {w: i for i, w in enumerate(vocab)}
    if len(index) != len(vocab):
        raise TokenFileError("vocabulary repeats a token")
    new_ids = [np.fromiter((index.setdefault(t, len(index)) for t in ts), dtype=np.int32, count=len(ts))
               for ts in added.values()]
    vocab = list(index)
    if base is not None and keep is not None and keep.any():
        runs = _runs(keep)
        kept_uids, kept_lengths = base.uids[keep], np.diff(base.indptr)[keep]
    else:
        runs, kept_uids, kept_lengths = [], np.zeros(0, np.int64), np.zeros(0, np.int64)
    uids = np.concatenate([kept_uids, np.fromiter(added, dtype=np.int64, count=len(added))])
    lengths = np.concatenate([kept_lengths, np.fromiter(map(len, new_ids), dtype=np.int64, count=len(new_ids))])
    indptr = np.zeros(len(uids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in (("tokenizer", np.array(tokenizer)), ("uids", uids), ("indptr", indptr),
                            ("vocab", np.array(vocab or [""], dtype=str))):
            with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, array, allow_pickle=False)
        with zf.open("ids.npy", "w", force_zip64=True) as fh:
            writer = ArrayWriter(fh, np.int32, int(indptr[-1]))
            for start, stop in runs:
                for block in base.id_blocks(start, stop):  # type: ignore[union-attr]
                    writer.write(block)
            for ids in new_ids:
                writer.write(ids)
            writer.close()


def _runs(keep: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of true values."""
    edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _read_json(path: Path, tokenizer: str) -> dict[int, list[str]]:
    """A tokens file of an earlier version (JSON)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise TokenFileError(reason_line(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("tokens"), dict):
        raise TokenFileError("not a tokens file")
    if data.get("tokenizer") != tokenizer:
        return {}
    try:  # one str object per distinct token (JSON makes one per occurrence)
        intern = sys.intern
        return {int(k): [intern(t) for t in v] for k, v in data["tokens"].items()}
    except (TypeError, ValueError) as exc:
        raise TokenFileError(str(exc)) from exc

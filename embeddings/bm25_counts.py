"""BM25 kept as term counts, weighted at query time: what a sync can update per added or removed report.

bm25s (the library the index used before) bakes idf and length normalisation into its matrix, so every
sync rebuilt it from every token list (+1.7 GB in the writer at 318,000 problems). Here the files hold
what does not depend on the rest of the corpus: for each term the rows (problems) it occurs in and how
often (column-major, so a query reads its own terms' columns), each row's length and the vocabulary.
N, the average length and each term's document frequency are known when a query comes, and the weights
are computed then, with the same formula and float steps as bm25s's Lucene variant (k1=1.5, b=0.75),
so scores are bit-identical to the matrix bm25s built (tests/test_bm25_counts.py).

Files of a build (``lexical-<token>/``): ``bm25.json`` (format, k1, b, sizes), ``uids.npy`` (int64, row
order = the search table's), ``lengths.npy`` (int32; an empty document counts 1, as bm25s's placeholder
token made it), ``indptr.npy`` (int64, per term), ``rows.npy`` (int32), ``tf.npy`` (uint16, int32 when a
count needs it) and ``vocab.json``; all read with ``allow_pickle=False``, the big ones memory-mapped.
Why: docs/decisions.md, "Scale to a province (issue 23)", fifth pass."""
from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from .array_file import ArrayFile, ArrayWriter

__all__ = [
    "FORMAT",
    "K1",
    "B",
    "CountsFileError",
    "TermCounts",
    "build_counts",
    "counts_of_docs",
    "counts_of_rows",
    "is_counts_dir",
    "update_counts",
]

FORMAT = "xuncha-bm25-counts"
VERSION = 1
K1, B = 1.5, 0.75     # bm25s's defaults, which the index used (Lucene variant)
_BLOCK = 1 << 21      # postings (or token ids) handled per step by the builders: ~20 MB of temporaries
_META, _VOCAB = "bm25.json", "vocab.json"


class CountsFileError(ValueError):
    """BM25 count files that are not what a writer wrote (the reason; the caller names the directory)."""


def is_counts_dir(directory: str | os.PathLike) -> bool:
    """Whether ``directory`` holds a build in this format (else it is bm25s's, from before)."""
    return (Path(directory) / _META).is_file()


class TermCounts:
    """Postings with counts (column-major), row lengths and vocabulary of one build; scores queries."""

    def __init__(self, vocab: list[str], indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray,
                 lengths: np.ndarray, *, k1: float = K1, b: float = B) -> None:
        self.vocab = vocab
        self.term = {t: i for i, t in enumerate(vocab)}
        self.indptr, self.rows, self.tf, self.lengths = indptr, rows, tf, lengths
        self.k1, self.b = float(k1), float(b)
        self.size = len(lengths)
        total = int(np.asarray(lengths, dtype=np.int64).sum())
        # bm25s: np.array(lengths).mean() -> float64(total) / n, exact for any sum below 2**53
        avg = np.float64(total) / self.size if self.size else np.float64(1.0)
        # bm25s's k1 * ((1 - b) + b * l_d / l_avg), the same operations in the same order, per row
        self._norm = self.k1 * ((1 - self.b) + self.b * np.asarray(lengths, dtype=np.float64) / avg)

    def df(self, term: int) -> int:
        return int(self.indptr[term + 1] - self.indptr[term])

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 of every row for the query, as bm25s computes it: per query token (repeats count
        again), idf (float32) times tf / (norm + tf) in float64, rounded to float32, summed in float32."""
        out = np.zeros(self.size, dtype=np.float32)
        for token in query_tokens:
            t = self.term.get(token)
            if t is None:
                continue
            lo, hi = int(self.indptr[t]), int(self.indptr[t + 1])
            if lo == hi:
                continue
            rows = np.asarray(self.rows[lo:hi])
            tf = np.asarray(self.tf[lo:hi]).astype(np.float64)
            idf = np.float64(np.float32(math.log(1 + (self.size - (hi - lo) + 0.5) / (hi - lo + 0.5))))
            part = self._norm.take(rows)   # in place from here: fewer temporaries, the same operations
            part += tf
            np.divide(tf, part, out=part)
            part *= idf
            np.add.at(out, rows, part.astype(np.float32))
        return out

    def known(self, tokens: Iterable[str]) -> list[str]:
        """The tokens some row holds, in order."""
        term, indptr = self.term, self.indptr
        return [t for t in tokens if t in term and indptr[term[t] + 1] > indptr[term[t]]]

    def memory_bytes(self) -> int:
        return int(sum(np.asarray(a).nbytes for a in (self.indptr, self.rows, self.tf, self.lengths, self._norm)))

    # -- files ---------------------------------------------------------------------------------
    def save(self, directory: Path, uids: np.ndarray) -> None:
        """Write into ``directory`` (the caller's temp directory: atomic_dir)."""
        for name, array in (("uids", np.asarray(uids, dtype=np.int64)), ("lengths", self.lengths),
                            ("indptr", self.indptr), ("rows", self.rows), ("tf", self.tf)):
            np.save(directory / f"{name}.npy", np.asarray(array), allow_pickle=False)
        _write_meta(directory, self.vocab, len(self.rows), self.size, self.k1, self.b)

    @classmethod
    def load(cls, directory: Path) -> TermCounts:
        """The build in ``directory``, its postings mapped; CountsFileError when it is not whole."""
        meta, files = _open(directory)
        return cls(_read_vocab(directory, meta), files["indptr"].read(), files["rows"].memmap(),
                   files["tf"].memmap(), files["lengths"].read(), k1=meta["k1"], b=meta["b"])

    @staticmethod
    def uids(directory: Path) -> np.ndarray:
        """The row order a build was written in (a reader uses it only if it is its table's)."""
        return np.load(Path(directory) / "uids.npy", allow_pickle=False)

    @staticmethod
    def verify(directory: Path) -> None:
        """Every file read and every row and term checked, in blocks (doctor); CountsFileError if not."""
        meta, files = _open(directory)
        indptr, n = files["indptr"].read(), files["lengths"].length
        if (np.diff(indptr) < 0).any() or (files["lengths"].read() < 0).any():
            raise CountsFileError("postings out of order")
        for rows in files["rows"].chunks(_BLOCK):
            if len(rows) and (rows.min() < 0 or rows.max() >= n):
                raise CountsFileError("postings name rows that are not there")
        if len(_read_vocab(directory, meta)) != len(indptr) - 1:
            raise CountsFileError("vocabulary and postings disagree")


def _write_meta(directory: Path, vocab: list[str], nnz: int, size: int, k1: float, b: float) -> None:
    (directory / _VOCAB).write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    meta = {"format": FORMAT, "version": VERSION, "method": "lucene", "k1": k1, "b": b, "size": size,
            "terms": len(vocab), "postings": nnz}
    (directory / _META).write_text(json.dumps(meta), "utf-8")


def _open(directory: Path) -> tuple[dict, dict[str, ArrayFile]]:
    directory = Path(directory)
    try:
        meta = json.loads((directory / _META).read_text("utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise CountsFileError("not a BM25 counts build of this version")
        files = {name: ArrayFile.open(directory / f"{name}.npy") for name in ("uids", "lengths", "indptr", "rows", "tf")}
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise CountsFileError(str(exc)) from exc
    n, terms = files["lengths"].length, files["indptr"].length - 1
    if files["uids"].length != n or meta.get("size") != n or meta.get("terms") != terms \
            or files["rows"].length != files["tf"].length or meta.get("postings") != files["rows"].length \
            or files["indptr"].dtype.kind not in "iu" or files["rows"].dtype.kind not in "iu" \
            or files["tf"].dtype.kind not in "iu" or files["lengths"].dtype.kind not in "iu":
        raise CountsFileError("files of different sizes")
    if terms >= 0 and files["indptr"].length:
        ends = files["indptr"].read(0, 1).tolist() + files["indptr"].read(terms, terms + 1).tolist()
        if ends != [0, files["rows"].length]:
            raise CountsFileError("postings out of range")
    return meta, files


def _read_vocab(directory: Path, meta: dict) -> list[str]:
    try:
        vocab = json.loads((Path(directory) / _VOCAB).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise CountsFileError(str(exc)) from exc
    if not isinstance(vocab, list) or len(vocab) != meta["terms"]:
        raise CountsFileError("vocabulary and postings disagree")
    return vocab


# -- building --------------------------------------------------------------------------------------
DocBlocks = Callable[[], Iterator[tuple[int, np.ndarray, np.ndarray]]]
"""Yields (first row, token counts per row, their token ids) for consecutive blocks of rows, in order."""


def _pairs(first: int, lengths: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term, row, count) of a block, sorted by term then row."""
    n = max(len(lengths), 1)
    local = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    keys, counts = np.unique(ids.astype(np.int64) * n + local, return_counts=True)
    return keys // n, keys % n + first, counts


def build_counts(blocks: DocBlocks, vocab: list[str], size: int) -> TermCounts:
    """Counts over every row from ``blocks`` (read twice: term frequencies, then placing the postings),
    so the temporaries are one block's and the result is the postings themselves."""
    df = np.zeros(len(vocab), dtype=np.int64)
    lengths = np.zeros(size, dtype=np.int32)
    top = 0
    for first, lens, ids in blocks():
        terms, _, counts = _pairs(first, lens, ids)
        df += np.bincount(terms, minlength=len(vocab))
        lengths[first:first + len(lens)] = np.maximum(lens, 1)   # bm25s's placeholder token in empty ones
        top = max(top, int(counts.max(initial=0)))
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    rows = np.empty(int(indptr[-1]), dtype=np.int32)
    tf = np.empty(int(indptr[-1]), dtype=np.uint16 if top <= np.iinfo(np.uint16).max else np.int32)
    fill = indptr[:-1].copy()
    for first, lens, ids in blocks():
        terms, block_rows, counts = _pairs(first, lens, ids)
        starts = np.flatnonzero(np.diff(terms, prepend=-1))
        within = np.arange(len(terms)) - np.repeat(starts, np.diff(np.append(starts, len(terms))))
        at = fill[terms] + within
        rows[at], tf[at] = block_rows, counts
        fill[terms[starts]] += np.diff(np.append(starts, len(terms)))
    return TermCounts(vocab, indptr, rows, tf, lengths)


def counts_of_docs(docs: Sequence[Sequence[str]]) -> TermCounts:
    """Counts of in-memory token lists (row i = ``docs[i]``)."""
    index: dict[str, int] = {}
    lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    ids = np.fromiter((index.setdefault(t, len(index)) for d in docs for t in d), dtype=np.int64, count=int(lens.sum()))
    bounds = np.concatenate([[0], np.cumsum(lens)])

    def blocks() -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        step = max(1, _BLOCK // max(1, int(lens.mean()) if len(lens) else 1))
        for a in range(0, len(docs), step):
            b = min(a + step, len(docs))
            yield a, lens[a:b], ids[bounds[a]:bounds[b]]
    return build_counts(blocks, list(index), len(docs))


def counts_of_rows(vocab: list[str], indptr: np.ndarray, ids: np.ndarray, rows: np.ndarray) -> TermCounts:
    """Counts whose row i is row ``rows[i]`` of a token file (``indptr``, ``ids`` into ``vocab``; ``ids``
    may be mapped: a block of rows' ids is gathered at a time)."""
    starts, lens = indptr[rows], indptr[rows + 1] - indptr[rows]
    per = max(1, _BLOCK // max(1, int(lens.mean()) if len(lens) else 1))

    def blocks() -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        for a in range(0, len(rows), per):
            b = min(a + per, len(rows))
            s, n = starts[a:b], lens[a:b]
            before = np.concatenate([[0], np.cumsum(n)[:-1]]) if len(n) else n
            at = np.repeat(s - before, n) + np.arange(int(n.sum()), dtype=np.int64)
            yield a, n, np.asarray(ids[at])
    return build_counts(blocks, vocab, len(rows))


def update_counts(previous: Path, directory: Path, uids: np.ndarray,
                  tokens: Mapping[int, Sequence[str]]) -> bool:
    """Write into ``directory`` the build over rows ``uids`` from the one in ``previous``: rows of problems
    no longer in ``uids`` dropped, the rest renumbered, the new ones' postings (their token lists from
    ``tokens``) merged into each term's column; a block of postings at a time. False (nothing written)
    when the kept rows are not in ``uids``'s order (then the caller builds afresh)."""
    meta, files = _open(previous)
    old_uids = files["uids"].read()
    order = np.argsort(uids, kind="stable")
    at = np.searchsorted(uids[order], old_uids)
    found = at < len(uids)
    found[found] = uids[order][at[found]] == old_uids[found]
    pos = np.full(len(old_uids), -1, dtype=np.int64)
    pos[found] = order[at[found]]
    if (np.diff(pos[found]) <= 0).any():
        return False
    added_rows = np.setdiff1d(np.arange(len(uids)), pos[found])
    vocab = _read_vocab(previous, meta)
    index = {t: i for i, t in enumerate(vocab)}
    lists = [tokens[int(u)] for u in uids[added_rows].tolist()]
    lens = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    ids = np.fromiter((index.setdefault(t, len(index)) for d in lists for t in d), dtype=np.int64, count=int(lens.sum()))
    vocab = list(index)
    new_terms, new_rows, new_tf = _pairs(0, lens, ids)
    new_rows = added_rows[new_rows] if len(new_rows) else new_rows
    lengths = np.zeros(len(uids), dtype=np.int32)
    lengths[pos[found]] = files["lengths"].read()[found]
    lengths[added_rows] = np.maximum(lens, 1)

    old_indptr = files["indptr"].read()
    removed = 0
    if not found.all():
        for rows in files["rows"].chunks(_BLOCK):
            removed += int((~found[rows]).sum())
    nnz = files["rows"].length - removed + len(new_rows)
    tf_dtype = np.result_type(files["tf"].dtype, np.uint16 if new_tf.max(initial=0) <= 65535 else np.int32)
    counts = np.zeros(len(vocab), dtype=np.int64)
    with open(directory / "rows.npy", "wb") as fr, open(directory / "tf.npy", "wb") as ft:
        rows_out, tf_out = ArrayWriter(fr, np.int32, nnz), ArrayWriter(ft, tf_dtype, nnz)
        c0 = 0
        while c0 < len(vocab):
            c1 = len(vocab) if c0 >= len(old_indptr) - 1 else \
                max(c0 + 1, min(len(old_indptr) - 1, int(np.searchsorted(old_indptr, old_indptr[c0] + _BLOCK, "right")) - 1))
            cols, rows, tf = _old_block(files, old_indptr, c0, c1, found, pos)
            a, b = np.searchsorted(new_terms, [c0, c1])
            cols, rows = np.concatenate([cols, new_terms[a:b]]), np.concatenate([rows, new_rows[a:b]])
            tf = np.concatenate([tf.astype(tf_dtype), new_tf[a:b].astype(tf_dtype)])
            sort = np.lexsort((rows, cols))
            rows_out.write(rows[sort])
            tf_out.write(tf[sort])
            counts[c0:c1] = np.bincount(cols - c0, minlength=c1 - c0)
            c0 = c1
        rows_out.close()
        tf_out.close()
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    for name, array in (("uids", np.asarray(uids, dtype=np.int64)), ("lengths", lengths), ("indptr", indptr)):
        np.save(directory / f"{name}.npy", array, allow_pickle=False)
    _write_meta(directory, vocab, nnz, len(uids), meta["k1"], meta["b"])
    return True


def _old_block(files: dict[str, ArrayFile], indptr: np.ndarray, c0: int, c1: int, found: np.ndarray,
               pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term, new row, count) of the previous build's postings of terms c0:c1 whose rows are kept."""
    top = min(c1, len(indptr) - 1)
    if c0 >= top:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    lo, hi = int(indptr[c0]), int(indptr[top])
    rows, tf = files["rows"].read(lo, hi), files["tf"].read(lo, hi)
    cols = np.repeat(np.arange(c0, top, dtype=np.int64), np.diff(indptr[c0:top + 1]))
    keep = found[rows]
    return cols[keep], pos[rows[keep]], tf[keep]

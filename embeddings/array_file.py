"""One-dimensional ``.npy`` arrays read and written in pieces: a plain file or a stored member of an
``.npz``, located once (where its data starts, its dtype and length), then read by ranges, mapped, or
written from chunks whose total is known in advance.

Why: a search-index sync copies the last build's token ids and BM25 postings into the next build. Loading
them whole held the store's size in the writer's memory (44M token ids at 318,000 problems); read and
written a block at a time, a sync holds one block (docs/decisions.md, issue 23, fifth pass). Plain
``numpy.save``/``numpy.load`` (``allow_pickle=False``) read every file written here."""
from __future__ import annotations

import os
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy

__all__ = ["ArrayFile", "ArrayFileError", "ArrayWriter"]

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")   # a zip member's local file header (30 bytes)
_LOCAL_SIGNATURE = 0x04034B50


class ArrayFileError(ValueError):
    """Not a one-dimensional .npy array this module can read in place (the reason)."""


@dataclass(frozen=True)
class ArrayFile:
    """Where a 1-D array's data lies in a file: ``offset`` bytes in, ``length`` items of ``dtype``."""

    path: Path
    offset: int
    dtype: np.dtype
    length: int

    @classmethod
    def open(cls, path: str | os.PathLike) -> ArrayFile:
        """A ``.npy`` file; FileNotFoundError, or ArrayFileError when it is not a 1-D plain array."""
        return cls._at(Path(path), 0)

    @classmethod
    def member(cls, path: str | os.PathLike, name: str) -> ArrayFile:
        """The array ``name`` (without ``.npy``) of an ``.npz`` written with ``numpy.savez`` (stored, not
        compressed); ArrayFileError when it is missing, compressed or not a 1-D plain array."""
        path = Path(path)
        try:
            with zipfile.ZipFile(path) as zf:
                info = zf.getinfo(f"{name}.npy")
        except KeyError as exc:
            raise ArrayFileError(f"no array {name!r}") from exc
        except zipfile.BadZipFile as exc:
            raise ArrayFileError(str(exc)) from exc
        if info.compress_type != zipfile.ZIP_STORED:
            raise ArrayFileError(f"array {name!r} is compressed")
        with open(path, "rb") as fh:
            fh.seek(info.header_offset)
            head = fh.read(_LOCAL_HEADER.size)
        if len(head) != _LOCAL_HEADER.size or _LOCAL_HEADER.unpack(head)[0] != _LOCAL_SIGNATURE:
            raise ArrayFileError(f"array {name!r}: bad zip header")
        name_len, extra_len = _LOCAL_HEADER.unpack(head)[-2:]
        return cls._at(path, info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)

    @classmethod
    def _at(cls, path: Path, start: int) -> ArrayFile:
        with open(path, "rb") as fh:
            fh.seek(start)
            try:
                version = npy.read_magic(fh)
                reader = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
                shape, _fortran, dtype = reader(fh)
            except ValueError as exc:
                raise ArrayFileError(str(exc)) from exc
            offset = fh.tell()
            size = os.fstat(fh.fileno()).st_size
        if len(shape) != 1 or dtype.hasobject:
            raise ArrayFileError(f"not a one-dimensional plain array (shape {shape}, {dtype})")
        if offset + shape[0] * dtype.itemsize > size:
            raise ArrayFileError("array data cut short")
        return cls(path, offset, dtype, int(shape[0]))

    def read(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Items ``start:stop`` (a fresh array; nothing else of the file is kept)."""
        stop = self.length if stop is None else min(stop, self.length)
        count = max(stop - start, 0)
        with open(self.path, "rb") as fh:
            out = np.fromfile(fh, dtype=self.dtype, count=count, offset=self.offset + start * self.dtype.itemsize)
        if len(out) != count:
            raise ArrayFileError("array data cut short")
        return out

    def chunks(self, size: int) -> Iterator[np.ndarray]:
        """The whole array, ``size`` items at a time."""
        for start in range(0, self.length, size):
            yield self.read(start, start + size)

    def memmap(self) -> np.ndarray:
        """The array mapped read-only (pages are read when touched)."""
        if not self.length:
            return np.zeros(0, dtype=self.dtype)
        return np.memmap(self.path, dtype=self.dtype, mode="r", offset=self.offset, shape=(self.length,))


class ArrayWriter:
    """A 1-D array of ``length`` items of ``dtype`` written in pieces to ``fh`` (a file or an ``.npz``
    member opened for writing): the header first, then each ``write``; ``close`` checks the count."""

    def __init__(self, fh: BinaryIO, dtype: np.dtype | type | str, length: int) -> None:
        self.fh = fh
        self.dtype = np.dtype(dtype)
        self.length = int(length)
        self.written = 0
        npy.write_array_header_2_0(fh, {"descr": npy.dtype_to_descr(self.dtype), "fortran_order": False,
                                         "shape": (self.length,)})

    def write(self, part: np.ndarray) -> None:
        part = np.ascontiguousarray(part, dtype=self.dtype)
        if self.written + len(part) > self.length:
            raise ValueError(f"more than {self.length} items written")
        self.fh.write(part.tobytes())
        self.written += len(part)

    def close(self) -> None:
        if self.written != self.length:
            raise ValueError(f"{self.written} of {self.length} items written")

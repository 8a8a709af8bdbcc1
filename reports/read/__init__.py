"""Turn a report file (.txt .docx .pdf .html .md) into normalised text the parser reads.

One entry point per source (`read_source` for paths, `read_bytes` for uploads). Each format has
a small extractor that returns the text as a reader would see it on the page; `normalize` then
maps full-width ASCII and odd spaces to one spelling and keeps an exact offset map back, so
every span the project stores points at the words the user supplied.

Everything that can go wrong with a user's file becomes one `ReadError` whose message names the
file and says what is wrong in plain English; the CLI prints it as is.

Modules: ``formats`` (which extractor), ``encodings`` (txt/html bytes to text), ``docx``, ``pdf``,
``html`` (the extractors) and ``limits`` (every bound on the work a file may cause, checked before
that work starts; docs/decisions.md "Faults and limits").
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reports.grammar.normalize import OffsetMap, normalize

from .csvrows import csv_rows
from .docx import _read_docx
from .encodings import _read_txt
from .formats import _choose_format
from .html import _read_html
from .limits import _MIB, MAX_BYTES, ReadError, _limit
from .markdown import _read_md, pipe_tables
from .pdf import _read_pdf
from .records import bar_records, record_rows
from .texttables import text_tables
from .unwrap import join_hard_wraps

__all__ = ["MAX_BYTES", "SUPPORTED_SUFFIXES", "ReadError", "SourceText", "read_bytes", "read_source"]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".docx", ".pdf", ".html", ".htm", ".md")


@dataclass(frozen=True)
class SourceText:
    """A file read as text. Spans everywhere in the project index into `text`."""

    path: str
    format: str            # "txt" | "docx" | "pdf" | "html" | "md"
    encoding: str | None   # "utf-8", "utf-8-sig", "gb18030", ...; None for docx/pdf
    original: str          # text as decoded/extracted, before normalisation
    text: str              # normalised text
    offsets: OffsetMap = field(repr=False)  # indices in `text` -> indices in `original`


# --------------------------------------------------------------------------- entry points


def read_source(path: str | os.PathLike[str]) -> SourceText:
    """Read a report file from disk. Raises ReadError for anything that is not readable text."""
    name = str(path)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ReadError(name, "no_such_file") from None
    except PermissionError:
        raise ReadError(name, "permission_denied") from None
    except OSError as e:
        raise ReadError(name, "cannot_open", reason=str(e.strerror or e)) from None
    if p.is_dir():
        raise ReadError(name, "is_directory")
    if not p.is_file():
        raise ReadError(name, "not_regular_file")
    _check_suffix(name)
    _check_size(name, st.st_size)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ReadError(name, "cannot_read", reason=str(e.strerror or e)) from None
    return _read(data, name)


def read_bytes(data: bytes, name: str) -> SourceText:
    """Read an upload. The format comes from `name`'s suffix, overridden by unambiguous content
    (a PDF header, a Word zip), because uploads are often misnamed.

    >>> source = read_bytes("关于巡察整改进展情况的通报\\n整改情况:已完成整改。".encode("gb18030"), "通报.txt")
    >>> source.format, source.encoding, source.text.splitlines()
    ('txt', 'gb18030', ['关于巡察整改进展情况的通报', '整改情况:已完成整改。'])
    >>> read_bytes("<p>整改情况:已完成整改。</p>".encode(), "通报.html").text
    '整改情况:已完成整改。'
    >>> read_bytes(b"\\xd0\\xcf\\x11\\xe0", "通报.doc")
    Traceback (most recent call last):
    reports.read.limits.ReadError: 通报.doc: unsupported format .doc (legacy binary Word; save it as .docx) ...
    """
    _check_suffix(name)
    _check_size(name, len(data))
    return _read(bytes(data), name)


def _check_suffix(name: str) -> None:
    suffix = Path(name).suffix.lower()
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        hint = " (legacy binary Word; save it as .docx)" if suffix in (".doc", ".wps") else ""
        raise ReadError(name, "unsupported_format", suffix=suffix, hint=hint, supported=" ".join(SUPPORTED_SUFFIXES))


def _check_size(name: str, size: int) -> None:
    limit = _limit()
    if size > limit:
        raise ReadError(name, "too_large", size_mb=size / _MIB, limit_mb=round(limit / _MIB, 2))
    if size == 0:
        raise ReadError(name, "empty_file")


def _read(data: bytes, name: str) -> SourceText:
    fmt = _choose_format(data, name)
    original, encoding = _EXTRACTORS[fmt](data, name)
    if fmt == "txt":
        original = pipe_tables(original)   # a Markdown table pasted into a .txt: rows of cells
        original = text_tables(original)   # a table pasted a cell per line, or aligned with spaces
        original = csv_rows(original)   # a ledger exported as CSV
        original = record_rows(original)   # a ledger set out one card per row
        original = bar_records(original)   # a ledger set out one record per line, fields parted by bars
    if fmt in ("txt", "md"):
        original = join_hard_wraps(original)   # text copied out of a PDF: lines broken at the margin
    text, offsets = normalize(original)
    if not text.strip():
        raise ReadError(name, "blank_file") if fmt == "txt" else ReadError(name, "no_text", fmt=fmt)
    return SourceText(name, fmt, encoding, original, text, offsets)




_EXTRACTORS: dict[str, Callable[[bytes, str], tuple[str, str | None]]] = {
    "txt": _read_txt, "docx": _read_docx, "pdf": _read_pdf, "html": _read_html, "md": _read_md,
}

"""Which extractor a file goes to: the suffix, overridden by unambiguous content."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from .encodings import _strip_bom
from .limits import ReadError

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b",
                         re.IGNORECASE | re.DOTALL)


def _is_docx_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _choose_format(data: bytes, name: str) -> str:
    """Suffix first, but unambiguous content wins: a PDF named .txt is still a PDF."""
    suffix = Path(name).suffix.lower()
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04") and (suffix == ".docx" or _is_docx_zip(data)):
        return "docx"
    if head.startswith(_OLE_MAGIC):
        raise ReadError(name, "legacy_office")
    if suffix == ".docx":
        return "docx"
    if suffix == ".pdf":
        return "pdf"
    if suffix in (".html", ".htm") or _HTML_START.match(_strip_bom(head)):
        return "html"
    if suffix == ".md":
        return "md"   # Markdown (a WeChat article saved as text): read as text, its markup stripped
    return "txt"



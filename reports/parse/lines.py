"""Lines of a report with their offsets, so every structural match keeps its exact span."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Line", "split_lines"]


@dataclass(frozen=True)
class Line:
    """A non-blank line, stripped; `start`/`end` index the stripped content in the report text."""

    start: int
    end: int
    text: str


def split_lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """Split text[start:end] into stripped, non-blank lines with absolute offsets."""
    end = len(text) if end is None else end
    out: list[Line] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        raw = text[pos:stop]
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            s = pos + lead
            out.append(Line(s, s + len(stripped), stripped))
        pos = stop + 1
    return out

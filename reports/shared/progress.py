"""The one progress callback every long operation takes: ``progress(stage, done, total)``, with
stages such as "ingest", "graph", "scan", "embed", "lexical", "save", "themes" (docs/decisions.md)."""
from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress"]

Progress = Callable[[str, int, int], None]

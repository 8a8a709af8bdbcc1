"""Text shortening both faces share (labels, table cells, CLI lines): one definition for the CLI and the
web app, which never import each other (docs/architecture.md)."""
from __future__ import annotations

__all__ = ["shorten"]


def shorten(text: str | None, n: int) -> str:
    """Whitespace folded, cut to `n` characters with an ellipsis: labels, tooltips, table cells."""
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n] + "…"

"""Traditional Chinese (繁體) reports: detect, convert to Simplified, keep every character's position.
See docs/decisions.md (Reading reports nobody here has seen, Traditional Chinese)."""
from __future__ import annotations

from functools import lru_cache

from reports.grammar import CJK_RE

__all__ = ["is_traditional", "to_simplified"]

# Share of Chinese characters that must change under t2s for a text to count as Traditional:
# Simplified text changes almost none (a stray 著 or 乾 at most), Traditional text changes 20-40%.
THRESHOLD = 0.05
MIN_CHANGED = 5
SAMPLE = 20_000


@lru_cache(maxsize=1)
def _converter():
    import opencc
    return opencc.OpenCC("t2s")


def _convert_aligned(text: str) -> str:
    """t2s with the length of every line unchanged."""
    conv = _converter().convert
    whole = conv(text)
    if len(whole) == len(text) and whole.count("\n") == text.count("\n") and all(
            len(a) == len(b) for a, b in zip(whole.split("\n"), text.split("\n"), strict=True)):
        return whole
    out = []
    for line in text.split("\n"):
        converted = conv(line)
        if len(converted) != len(line):
            converted = "".join(c if len(c := conv(ch)) == 1 else ch for ch in line)
        out.append(converted)
    return "\n".join(out)


def is_traditional(text: str, simplified: str | None = None) -> bool:
    """True when enough of the Chinese characters are Traditional forms."""
    simplified = _convert_aligned(text) if simplified is None else simplified
    if simplified == text:
        return False
    changed = sum(map(str.__ne__, text, simplified))  # only Chinese characters ever change
    return changed >= MIN_CHANGED and changed >= THRESHOLD * len(CJK_RE.findall(text))


def to_simplified(text: str) -> str | None:
    """The Simplified text, same length as `text`, or None when `text` is not Traditional. A head that
    converts to itself settles it without converting a long text whole."""
    head = text[:SAMPLE]
    if len(text) > SAMPLE and _converter().convert(head) == head:
        return None
    simplified = _convert_aligned(text)
    return simplified if is_traditional(text, simplified) else None

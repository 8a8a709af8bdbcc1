"""Inspection vocabulary as concepts (lexicon.json, each with its source rule): a text containing any form
gets the concept's token, so 一把手 meets 主要负责人. Why and measured: docs/decisions.md (Search quality)."""
from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

from reports.shared.datafiles import DataFileError, read_data_json

__all__ = ["LEXICON_PATH", "Concept", "Lexicon", "default_lexicon"]

LEXICON_PATH = Path(__file__).with_name("lexicon.json")
MAX_FORM_CHARS = 20   # bound on one form; longer ones are refused when the file is read


@dataclass(frozen=True)
class Concept:
    id: str
    label: str
    forms: tuple[str, ...]
    source: str

    @property
    def token(self) -> str:
        return f"#{self.id}"


class Lexicon:
    """Concepts and a matcher from text to concept tokens (pure computation once built)."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        self.concepts = tuple(concepts)
        pairs: list[tuple[str, str]] = []
        for c in self.concepts:
            for form in c.forms:
                pairs.append((_norm(form), c.token))
        # longest forms first: cheap early hits for the long, specific ones
        self._forms = tuple(sorted(set(pairs), key=lambda p: (-len(p[0]), p)))
        blob = "\n".join(f"{f}\t{t}" for f, t in sorted(self._forms))
        self.version = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]
        self._matcher = _automaton(self._forms)
        self._order = {c.token: n for n, c in reversed(list(enumerate(self.concepts)))}
        self._labels = {c.token: c.label for c in reversed(self.concepts)}

    def tokens(self, text: str) -> list[str]:
        """Concept tokens of ``text``, each once, in lexicon order."""
        text = _norm(text)
        if not text:
            return []
        found = {token for _, tokens in self._matcher.iter(text) for token in tokens}
        return sorted(found, key=self._order.__getitem__)

    def expand(self, text: str) -> str:
        """``text`` followed by the labels of the concepts it mentions, for the dense side: e5 then
        sees the formal name (民主集中制) beside the spoken one (一把手先定调). Measured in
        bench/RESULTS.md ("## Search")."""
        labels = self.labels(self.tokens(text))
        return f"{text}（{'、'.join(labels)}）" if labels else text

    def labels(self, tokens: Iterable[str]) -> list[str]:
        """Human labels of concept tokens (for showing why a hit matched)."""
        return [self._labels[t] for t in tokens if t in self._labels]

    @classmethod
    def from_json(cls, data: dict, origin: str = "lexicon") -> Lexicon:
        concepts = []
        for n, c in enumerate(data.get("concepts", []), start=1):
            forms = tuple(str(f) for f in c.get("forms", []) if str(f).strip())
            if not c.get("id") or not forms:
                raise DataFileError(origin, "lexicon", f"concept {n} needs an id and at least one form")
            if any(len(f) > MAX_FORM_CHARS for f in forms):
                raise DataFileError(origin, "lexicon", f"concept {c['id']} has a form longer than {MAX_FORM_CHARS} characters")
            concepts.append(Concept(str(c["id"]), str(c.get("label", c["id"])), forms, str(c.get("source", ""))))
        return cls(concepts)

    @classmethod
    def load(cls, path: str | Path = LEXICON_PATH) -> Lexicon:
        return cls.from_json(read_data_json(path, "lexicon"), str(path))


def _automaton(forms: Iterable[tuple[str, str]]) -> ahocorasick.Automaton:
    """One Aho-Corasick automaton over every form: a text is scanned once, whatever the lexicon's
    size (testing each form with ``in`` cost 0.14 ms per text at 1,727 forms, at ingest and per query)."""
    by_form: dict[str, list[str]] = {}
    for form, token in forms:
        by_form.setdefault(form, []).append(token)
    automaton = ahocorasick.Automaton()
    for form, tokens in by_form.items():
        automaton.add_word(form, tuple(tokens))
    automaton.make_automaton()
    return automaton


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicon (embeddings/lexicon.json), read once per process."""
    return Lexicon.load()

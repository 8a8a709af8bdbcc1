"""Entity types and the punctuation sets every extractor shares."""
from __future__ import annotations

TYPES = ("organization", "person", "regulation", "document", "inspection_team", "place", "work")
TITLE_CLASSES = ("regulation", "central", "superior", "own", "work")

_CLAUSE_END = set(",，。;；:：!！?？\n")
_SENTENCE_END = set("。;；\n")
_NON_ACTOR_FLAGS = ("v", "p", "c", "u", "d", "r", "m", "q", "f", "t", "y", "e", "o", "x", "a", "l", "i")

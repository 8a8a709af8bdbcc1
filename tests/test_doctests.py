"""The examples in the docstrings of the pure entry points run and hold: a reader can trust them
(issue 25). Each module must have examples, so deleting them fails here too."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("reports.parse", "reports.grammar.numerals", "reports.grammar.markers", "reports.parse.legend", "reports.read.markdown", "reports.grammar.teams", "reports.read", "reports.shared.paths", "embeddings.search", "reports.status", "reports.parse.dates")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, raise_on_error=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed (see output)"

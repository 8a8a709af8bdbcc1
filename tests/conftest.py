"""Shared fixtures: the demo corpus, parsed once per session, and throwaway workspaces."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "reports"
CORPUS_FILES = sorted(CORPUS.glob("*.txt"))


def corpus_file(prefix: str) -> Path:
    """The corpus file whose name starts with `prefix` ("000" … "004")."""
    return next(p for p in CORPUS_FILES if p.name.startswith(prefix))


@pytest.fixture(scope="session")
def corpus_reports():
    """Every corpus report parsed, keyed by its file prefix ("000" … "004")."""
    from reports.parse import parse_file
    return {p.name[:3]: parse_file(p) for p in CORPUS_FILES}


@pytest.fixture
def workspace(tmp_path):
    from ui.service.workspace import Workspace
    ws = Workspace(tmp_path / "ws")
    yield ws
    ws.close()

"""Where xuncha keeps files, one definition each: the user cache (``$XDG_CACHE_HOME/xuncha``, default
``~/.cache/xuncha``), the default workspace (``$XUNCHA_HOME`` or ``./workspace``) and the store's file
name inside a workspace. Converted models keep their own override, ``$XUNCHA_MODEL_DIR``
(embeddings/convert.py), and default to ``cache_dir("models")``."""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STORE_FILE", "cache_dir", "default_workspace"]

# The SQLite store, the workspace's system of record (docs/decisions.md, "Layout and packaging").
STORE_FILE = "xuncha.db"


def cache_dir(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/xuncha/<parts>`` (``~/.cache`` when XDG_CACHE_HOME is unset or empty).

    >>> cache_dir("jieba").parts[-2:]
    ('xuncha', 'jieba')
    """
    env = os.environ.get("XDG_CACHE_HOME")
    base = Path(env).expanduser() if env else Path.home() / ".cache"
    return base.joinpath("xuncha", *parts)


def default_workspace() -> Path:
    """The workspace a command uses when none is named: ``$XUNCHA_HOME`` or ``./workspace``."""
    return Path(os.environ.get("XUNCHA_HOME") or "workspace")

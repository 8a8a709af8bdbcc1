"""jieba's default prefix dictionary (~500k entries) from a JSON-lines cache read in pieces.

jieba's own loader reads its marshal cache in ~0.8-1 s (measured on the 2-core box); the same
dictionary read as CHUNK-entry JSON pieces takes ~0.3-0.4 s, and no step holds the interpreter lock
for more than ~30 ms, so a Streamlit server loading its keyword index in the background keeps
serving pages (docs/decisions.md, "Fast ingest and a fast first answer"). The cache is built from
jieba's own loader the first time and keyed by jieba's version and dictionary file: the dictionary,
and therefore every token, is jieba's.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from reports.shared.atomic import write_text
from reports.shared.paths import cache_dir

__all__ = ["CHUNK", "cache_path", "initialize"]

log = logging.getLogger("xuncha.search")
CHUNK = 20_000
FORMAT = 1


def cache_path() -> Path:
    """``$XDG_CACHE_HOME/xuncha/jieba/`` (default ``~/.cache``), one file per jieba version and dictionary."""
    import jieba

    dictionary = Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME
    stat = dictionary.stat()
    key = f"{FORMAT}|{jieba.__version__}|{dictionary}|{stat.st_size}|{stat.st_mtime_ns}"
    return cache_dir("jieba") / f"prefix-{hashlib.sha256(key.encode()).hexdigest()[:16]}.jsonl"


def initialize(tokenizer) -> None:
    """Give a fresh ``jieba.Tokenizer`` on the default dictionary its prefix dictionary: from the
    cache, else from jieba's own loader (then the cache is written for next time; best effort)."""
    if tokenizer.dictionary is not None:  # a custom dictionary: jieba's own loader and cache
        tokenizer.initialize()
        return
    path = cache_path()
    try:
        tokenizer.FREQ, tokenizer.total = _read(path)
        tokenizer.initialized = True
        return
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("jieba dictionary cache %s unusable (%s); rebuilding it", path, exc)
    tokenizer.initialize()
    try:
        _write(path, tokenizer.FREQ, tokenizer.total)
    except OSError as exc:
        log.info("jieba dictionary cache not written (%s)", exc)


def _read(path: Path) -> tuple[dict[str, int], int]:
    with open(path, encoding="utf-8") as f:
        head = json.loads(f.readline())
        if head.get("format") != FORMAT:
            raise ValueError(f"format {head.get('format')!r}")
        freq: dict[str, int] = {}
        for _ in range(int(head["chunks"])):
            freq.update(json.loads(f.readline()))  # one piece: the lock is free between pieces
    if len(freq) != head["entries"]:
        raise ValueError(f"{len(freq)} entries, header says {head['entries']}")
    return freq, int(head["total"])


def _write(path: Path, freq: dict[str, int], total: int) -> None:
    items = list(freq.items())
    chunks = [json.dumps(dict(items[i:i + CHUNK]), ensure_ascii=False, separators=(",", ":"))
              for i in range(0, len(items), CHUNK)]
    head = json.dumps({"format": FORMAT, "total": total, "entries": len(items), "chunks": len(chunks)})
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, "\n".join([head, *chunks]) + "\n")

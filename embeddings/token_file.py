"""The file of a build's cached BM25 token lists: arrays, not JSON.

Why: the writer reads every token list at each sync (BM25's idf is baked into bm25s's matrix, so it is
rebuilt over all of them). As JSON (`{"tokens": {uid: [token, ...]}}`) that meant one Python str per
token occurrence while parsing: 1.9 GB peak for 143,100 problems' 19.6M occurrences, most of the
writer's ~10 kB per stored problem. Here: ``uids`` (int64), ``indptr`` (int64, row i's tokens are
``ids[indptr[i]:indptr[i+1]]``), ``ids`` (int32 into ``vocab``), ``vocab`` (a unicode array) and
``tokenizer`` in one ``.npz`` read with ``allow_pickle=False``; every list holds the vocabulary's one
str object per distinct token. Token files written as JSON by earlier versions are still read
(docs/decisions.md, "Scale to a province (issue 23)", third pass).
"""
from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from reports.shared.atomic import atomic_path
from reports.shared.ioerrors import reason_line

__all__ = ["TOKENS_SUFFIX", "TokenFileError", "read_tokens", "write_tokens"]

TOKENS_SUFFIX = ".npz"


class TokenFileError(ValueError):
    """A tokens file that is not what a writer wrote (the reason; the caller names the file)."""


def write_tokens(path: Path, tokenizer: str, tokens: Mapping[int, list[str]]) -> None:
    """Write ``tokens`` (uid -> token list) made by tokenizer version ``tokenizer``, atomically."""
    vocab: dict[str, int] = {}
    n = len(tokens)
    lengths = np.fromiter((len(t) for t in tokens.values()), dtype=np.int64, count=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    ids = np.fromiter((vocab.setdefault(t, len(vocab)) for ts in tokens.values() for t in ts), dtype=np.int32,
                      count=int(indptr[-1]))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, tokenizer=np.array(tokenizer), uids=np.fromiter(tokens, dtype=np.int64, count=n),
                 indptr=indptr, ids=ids, vocab=np.array(list(vocab) or [""], dtype=str))


def read_tokens(path: Path, tokenizer: str) -> dict[int, list[str]]:
    """uid -> token list of the file at ``path``; {} when another tokenizer version made it (they are
    recomputed). FileNotFoundError when it is not there, TokenFileError when it is not whole."""
    if path.suffix != TOKENS_SUFFIX:
        return _read_json(path, tokenizer)
    try:
        with np.load(path, allow_pickle=False) as npz:
            if str(npz["tokenizer"]) != tokenizer:
                return {}
            uids, indptr, ids, vocab = npz["uids"], npz["indptr"], npz["ids"], npz["vocab"]
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise TokenFileError(reason_line(exc)) from exc
    if len(indptr) != len(uids) + 1 or (len(indptr) and (indptr[0] != 0 or indptr[-1] != len(ids))) \
            or (np.diff(indptr) < 0).any() or (len(ids) and (ids.min() < 0 or ids.max() >= len(vocab))):
        raise TokenFileError("token lists out of range")
    words = np.array([sys.intern(w) for w in vocab.tolist()], dtype=object)
    flat = words[ids]   # one pointer per occurrence, to the vocabulary's str objects
    bounds = indptr.tolist()
    return {u: flat[bounds[i]:bounds[i + 1]].tolist() for i, u in enumerate(uids.tolist())}


def _read_json(path: Path, tokenizer: str) -> dict[int, list[str]]:
    """A tokens file of an earlier version (JSON)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise TokenFileError(reason_line(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("tokens"), dict):
        raise TokenFileError("not a tokens file")
    if data.get("tokenizer") != tokenizer:
        return {}
    try:  # one str object per distinct token (JSON makes one per occurrence)
        intern = sys.intern
        return {int(k): [intern(t) for t in v] for k, v in data["tokens"].items()}
    except (TypeError, ValueError) as exc:
        raise TokenFileError(str(exc)) from exc

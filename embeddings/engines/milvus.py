"""Milvus engine: one collection (dense, BM25 over an analyzed text, filter fields) on Milvus Lite or a server.
Schema, analyzers, filters as expressions: docs/decisions.md (Search backends); running it: docs/deploy.md."""
from __future__ import annotations

import json
import logging
import os
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reports.shared.ioerrors import reason_line

from ..index import VectorIndex
from ..lexical import STOPWORDS, LexicalIndex
from ..search import Filters, ProblemTable, Searcher
from .base import SearchEngine
from .milvus_expr import filter_expr

__all__ = ["ANALYZERS", "COLLECTION", "MILVUS_URI_ENV", "MilvusEngine", "MilvusSearcher", "milvus_uri", "open_engine"]

log = logging.getLogger("xuncha.search")

COLLECTION = os.environ.get("XUNCHA_MILVUS_COLLECTION", "xuncha_problems")
ANALYZERS: tuple[str, ...] = ("tokens", "jieba")
ANALYZER = "tokens"
MAX_TEXT_CHARS = 20_000        # VARCHAR lengths are bytes: 20k CJK characters fit in 65535
MAX_LIMIT = 16_384             # Milvus's largest topk
LEXICAL_SCORE_DEPTH = 1_000    # BM25 scores fetched when the caller wants scores beyond the top list
BM25_K1, BM25_B = 1.5, 0.75    # as embeddings/lexical.LexicalIndex
_PUNCT = tuple("，。、；：？！“”‘’（）《》【】—…·,.;:?!\"'()[]<>-")
_STRING_FIELDS = {"report_id": 256, "unit": 1024, "unit_short": 512, "level": 32, "region": 512,
                  "kind": 32, "category": 1024, "item_kind": 64}
_SEARCH_ITEM_KINDS = ("problem", "rectification_item")


MILVUS_URI_ENV = "XUNCHA_MILVUS_URI"
MILVUS_LITE_FILE = "milvus.db"


def milvus_uri(search_dir: Path, recorded: str | None) -> str:
    """Where the Milvus collection lives: $XUNCHA_MILVUS_URI, else the URI the manifest recorded,
    else Milvus Lite in the workspace (kept relative in the manifest so a workspace can move)."""
    return os.environ.get(MILVUS_URI_ENV) or recorded or str(Path(search_dir) / MILVUS_LITE_FILE)


def open_engine(search_dir: Path, uri: str | None, **options: Any) -> MilvusEngine:
    """The registry's entry point (embeddings/engines/__init__.py)."""
    return MilvusEngine(milvus_uri(search_dir, uri), **options)


LITE_GRPC_OPTIONS = {"grpc.keepalive_time_ms": 2**31 - 1, "grpc.keepalive_permit_without_calls": False}


def _is_lite(uri: str) -> bool:
    return not uri.startswith(("http://", "https://", "tcp://", "unix:"))


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()[:MAX_TEXT_CHARS]


class MilvusEngine(SearchEngine):
    """Problems in a Milvus collection; ``uri`` is a Milvus Lite file path or a server address."""

    name = "milvus"

    def __init__(self, uri: str, *, collection: str = COLLECTION, analyzer: str = ANALYZER,
                 lex_recipe: str = "parent+text", token: str | None = None) -> None:
        if analyzer not in ANALYZERS:
            raise ValueError(f"Milvus analyzer must be one of {', '.join(ANALYZERS)}, not {analyzer!r}")
        from pymilvus import MilvusClient

        self.uri = uri
        self.collection = collection
        self.analyzer = analyzer
        self.lex_recipe = lex_recipe
        if _is_lite(uri):
            os.makedirs(os.path.dirname(os.path.abspath(uri)), exist_ok=True)
        token = token if token is not None else os.environ.get("XUNCHA_MILVUS_TOKEN", "")
        # Milvus Lite's server is a local process: keepalive pings (pymilvus sends one every 10 s, even
        # between calls) only make its gRPC server answer GOAWAY "too_many_pings", which gRPC's C core
        # prints on stderr. A local server needs no keepalive; a remote one keeps pymilvus's defaults.
        options = {"grpc_options": LITE_GRPC_OPTIONS} if _is_lite(uri) else {}
        try:
            self.client = MilvusClient(uri=uri, token=token, **options) if token else MilvusClient(uri=uri, **options)
        except Exception as exc:   # pymilvus raises its own and grpc's errors; the user needs one line
            from ..manifest import SearchIndexError

            reason = reason_line(exc)
            raise SearchIndexError("milvus_unreachable", uri=uri, reason=reason) from exc
        self._lock = threading.RLock()
        self._ready_dim: int | None = None    # the collection is known to exist for this dimension
        self._loaded = False                  # the existing collection was loaded by this client

    # -- schema ------------------------------------------------------------------------------
    def _analyzer_params(self) -> dict[str, Any]:
        if self.analyzer == "jieba":
            stop = sorted({*STOPWORDS, *_PUNCT})
            return {"tokenizer": {"type": "jieba", "mode": "search"},
                    "filter": [{"type": "stop", "stop_words": stop}]}
        # the text is already our tokens joined by spaces: split on whitespace and nothing else.
        # Milvus Lite knows only "standard" (a \w+ regex, which is the same split for these tokens)
        # and "jieba"; a Milvus server's "standard" would cut CJK into characters, so it gets "whitespace"
        if _is_lite(self.uri):
            return {"tokenizer": "standard", "filter": [{"type": "stop", "stop_words": ["\x00"]}]}
        return {"tokenizer": "whitespace"}

    def create(self, dim: int, *, drop: bool = False) -> None:
        """Create the collection for ``dim``-dimensional vectors (dropping an existing one if asked,
        or if it was made for another dimension or analyzer)."""
        from pymilvus import DataType, Function, FunctionType

        with self._lock:
            if not drop and self._ready_dim == dim:
                return
            self._ready_dim = None
            if self.client.has_collection(self.collection):
                if not drop and self._schema_matches(dim):
                    if not self._loaded:
                        self.client.load_collection(self.collection)
                        self._loaded = True
                    self._ready_dim = dim
                    return
                self.client.drop_collection(self.collection)
                self._loaded = False
            schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False,
                                               description=f"xuncha problems; analyzer={self.analyzer}")
            schema.add_field("id", DataType.INT64, is_primary=True)
            schema.add_field("text", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                             analyzer_params=self._analyzer_params())
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_field("dense", DataType.FLOAT_VECTOR, dim=int(dim))
            for field, length in _STRING_FIELDS.items():
                schema.add_field(field, DataType.VARCHAR, max_length=length)
            schema.add_field("year", DataType.INT64)
            schema.add_field("type_ids", DataType.VARCHAR, max_length=1024)   # " id1 id2 " (LIKE-matchable)
            schema.add_function(Function(name="text_bm25", function_type=FunctionType.BM25,
                                         input_field_names=["text"], output_field_names=["sparse"]))
            index = self.client.prepare_index_params()
            index.add_index(field_name="dense", index_type="FLAT" if _is_lite(self.uri) else "HNSW",
                            metric_type="IP", **({} if _is_lite(self.uri) else
                                                 {"params": {"M": 16, "efConstruction": 200}}))
            index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                            params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})
            self.client.create_collection(self.collection, schema=schema, index_params=index)
            self.client.load_collection(self.collection)
            self._ready_dim = dim

    def _schema_matches(self, dim: int) -> bool:
        info = self.client.describe_collection(self.collection)
        fields = {f["name"]: f for f in info.get("fields", [])}
        dense = fields.get("dense", {}).get("params", {})
        analyzer = fields.get("text", {}).get("params", {}).get("analyzer_params")
        try:
            analyzer = json.loads(analyzer) if isinstance(analyzer, str) else analyzer
        except ValueError:
            analyzer = None
        wanted = {"id", "text", "sparse", "dense", "year", "type_ids", *_STRING_FIELDS}
        return (int(dense.get("dim", -1)) == int(dim) and analyzer == self._analyzer_params()
                and wanted <= set(fields))

    def exists(self) -> bool:
        """Whether the collection exists; an existing one is loaded on first sight (a collection
        outlives the process that loaded it, and Milvus Lite starts every process with it released)."""
        if self._ready_dim is not None or self._loaded:
            return True
        with self._lock:
            if not self.client.has_collection(self.collection):
                return False
            self.client.load_collection(self.collection)
            self._loaded = True
        return True

    def flush(self) -> None:
        """Seal what was written so that it is indexed: Milvus Lite scans unsealed rows one by one
        (a 10k-problem query took seconds before a flush, tens of ms after; bench/RESULTS.md)."""
        with self._lock:
            if self.exists():
                self.client.flush(self.collection)

    def sync(self, table: ProblemTable, vectors: VectorIndex, tokens: dict[int, list[str]],
             progress=None) -> tuple[int, int]:
        added, removed = super().sync(table, vectors, tokens, progress)
        if added or removed:
            self.flush()
        return added, removed

    # -- contents ------------------------------------------------------------------------------
    def count(self) -> int:
        if not self.exists():
            return 0
        rows = self.client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def ids(self) -> np.ndarray:
        if not self.exists():
            return np.zeros(0, np.int64)
        out: list[int] = []
        if _is_lite(self.uri):
            # Milvus Lite's in-process gRPC server lacks AllocTimestamp, which the iterator asks for
            # first (it falls back by itself); keep the server's traceback out of the user's terminal
            logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
            logging.getLogger("pymilvus").setLevel(logging.ERROR)
        it = self.client.query_iterator(self.collection, batch_size=10_000, filter="", output_fields=["id"])
        try:
            while batch := it.next():
                out.extend(int(r["id"]) for r in batch)
        finally:
            it.close()
        return np.asarray(out, dtype=np.int64)

    def _text(self, table: ProblemTable, i: int, tokens: dict[int, list[str]]) -> str:
        if self.analyzer == "tokens":
            return " ".join(tokens.get(int(table.uids[i]), []))[:MAX_TEXT_CHARS]
        return _normalise(table.doc_text(i, self.lex_recipe))

    def add(self, table: ProblemTable, positions: np.ndarray, vectors: np.ndarray,
            tokens: dict[int, list[str]]) -> None:
        if not len(positions):
            return
        self.create(vectors.shape[1])
        rows = []
        for i, vec in zip(np.asarray(positions).tolist(), vectors, strict=True):
            row: dict[str, Any] = {"id": int(table.uids[i]), "text": self._text(table, i, tokens),
                                   "dense": np.asarray(vec, dtype=np.float32).tolist(),
                                   "year": int(table.year[i]),
                                   "type_ids": f" {' '.join(sorted(getattr(table, 'type_ids', [()] * table.size)[i]))} "[:1024]}
            for field, length in _STRING_FIELDS.items():
                value = table.value(field, i) if field != "report_id" else table.report_id[i]
                row[field] = str(value or "")[: length // 4]
            rows.append(row)
        with self._lock:
            self.client.upsert(self.collection, rows)

    def remove(self, uids: Sequence[int] | np.ndarray) -> int:
        ids = [int(u) for u in np.asarray(uids, dtype=np.int64).tolist()]
        if not ids or not self.exists():
            return 0
        with self._lock:
            result = self.client.delete(self.collection, ids=ids)
        return int(result.get("delete_count", len(ids)) if isinstance(result, dict) else len(ids))

    def drop(self) -> None:
        with self._lock:
            self._ready_dim = None
            self._loaded = False
            if self.client.has_collection(self.collection):
                self.client.drop_collection(self.collection)

    # -- queries -------------------------------------------------------------------------------
    def dense_search(self, qvec: np.ndarray, limit: int, expr: str) -> tuple[np.ndarray, np.ndarray]:
        """(uids, inner products), best first."""
        return self._search([np.asarray(qvec, dtype=np.float32).tolist()], "dense", "IP", limit, expr)

    def lexical_search(self, tokens: Sequence[str], limit: int, expr: str) -> tuple[np.ndarray, np.ndarray]:
        """(uids, BM25 scores), best first, for the query's tokens."""
        if not tokens:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return self._search([" ".join(tokens)], "sparse", "BM25", limit, expr)

    def _search(self, data: list, field: str, metric: str, limit: int, expr: str
                ) -> tuple[np.ndarray, np.ndarray]:
        if not self.exists() or limit <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        result = self.client.search(self.collection, data=data, anns_field=field, limit=min(limit, MAX_LIMIT),
                                    filter=expr, search_params={"metric_type": metric}, output_fields=["id"])
        hits = list(result[0]) if result else []
        ids = np.fromiter((int(h["id"]) for h in hits), dtype=np.int64, count=len(hits))
        scores = np.fromiter((float(h["distance"]) for h in hits), dtype=np.float32, count=len(hits))
        if metric == "BM25":   # Milvus Lite reports BM25 as a negated distance, a server as the score
            scores = np.abs(scores)
        return ids, scores

    def searcher(self, table: ProblemTable, vectors: VectorIndex, lexical: LexicalIndex, **options: Any
                 ) -> Searcher:
        return MilvusSearcher(table, vectors, lexical, engine=self, **options)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "uri": self.uri, "collection": self.collection, "analyzer": self.analyzer}

    def close(self) -> None:
        try:
            self.client.close()
        except Exception as exc:  # closing must not mask the caller's outcome
            log.debug("closing Milvus client: %s", exc)


class MilvusSearcher(Searcher):
    """Searcher whose dense and lexical candidates come from Milvus (filters pushed down as an
    expression, the table's mask applied on top); everything after candidates is Searcher's."""

    def __init__(self, table: ProblemTable, vectors: VectorIndex, lexical: LexicalIndex, *,
                 engine: MilvusEngine, **options: Any) -> None:
        super().__init__(table, vectors, lexical, **options)
        self.engine = engine
        self._local = threading.local()

    def search(self, qvec, tokens, k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
               extra_mask: np.ndarray | None = None, **options: Any):
        self._local.expr = filter_expr(filters or Filters())
        try:
            return super().search(qvec, tokens, k=k, filters=filters, mode=mode, extra_mask=extra_mask, **options)
        finally:
            self._local.expr = ""

    def _expr(self) -> str:
        return getattr(self._local, "expr", "")

    def _positions(self, uids: np.ndarray, scores: np.ndarray, mask: np.ndarray | None, n: int
                   ) -> tuple[np.ndarray, np.ndarray]:
        pos = np.fromiter((self.table.pos.get(int(u), -1) for u in uids), dtype=np.int64, count=len(uids))
        ok = pos >= 0   # a uid the table does not know (collection ahead of the store) is skipped
        if mask is not None:
            ok &= np.where(pos >= 0, mask[np.maximum(pos, 0)], False)
        return pos[ok][:n], scores[ok][:n]

    def _fetch(self, search, query, n: int, mask: np.ndarray | None, positive: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` allowed candidates: Milvus is asked for more while the mask (which can be stricter
        than the expression, e.g. where a clause was left out) leaves fewer than ``n`` of a full page."""
        depth = n if mask is None or mask.all() else min(MAX_LIMIT, 2 * n + 50)
        while True:
            uids, scores = search(query, depth, self._expr())
            fetched = len(uids)
            if positive:
                keep = scores > 0
                uids, scores = uids[keep], scores[keep]
            pos, sc = self._positions(uids, scores, mask, n)
            if len(pos) >= n or fetched < depth or depth >= MAX_LIMIT:
                return pos, sc
            depth = min(MAX_LIMIT, depth * 4)

    def dense_ranking(self, qvec: np.ndarray, n: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if mask is not None and not mask.any():
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return self._fetch(self.engine.dense_search, qvec, n, mask)

    def lexical_scores(self, tokens: Sequence[str], mask: np.ndarray | None) -> np.ndarray:
        """BM25 per row for the top LEXICAL_SCORE_DEPTH matches (0 elsewhere, as for no shared term)."""
        out = np.zeros(self.table.size, np.float32)
        if tokens and self.table.size:
            pos, scores = self.lexical_ranking(tokens, LEXICAL_SCORE_DEPTH, mask)
            if self.calibration is not None and len(pos):
                # Milvus picks the rows; their values come from the workspace BM25, the scale the
                # calibration was fitted on (Milvus's own BM25 is on another scale; docs/decisions.md)
                scores = self.lexical.scores(tokens)[pos]
            out[pos] = scores
        return out

    def lexical_ranking(self, tokens: Sequence[str], n: int, mask: np.ndarray | None,
                        scores: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if not tokens or not self.table.size or (mask is not None and not mask.any()):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if scores is not None:
            return super().lexical_ranking(tokens, n, mask, scores)
        return self._fetch(self.engine.lexical_search, tokens, n, mask, positive=True)

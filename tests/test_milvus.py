"""The Milvus engine (embeddings/engines/milvus.py) against embedded Milvus Lite: same results as
the FAISS engine on the same vectors and tokens, filters, incremental sync, backend switching."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from conftest import run_cli
from search_support import (
    FILTER_CASES,
    SD,
    SZ,
    YY,
    FakeEncoder,
    fake_loader,
    make_store,
)

from embeddings.engines.milvus_expr import filter_expr
from embeddings.manifest import SearchIndexError, read_manifest
from embeddings.search import Filters
from embeddings.service import SearchService

QUERIES = ["党组学习制度落实不到位", "三会一课制度落实不到位", "意识形态工作责任制落实不到位",
           "违规发放津贴补贴", "选人用人不规范", "形式主义官僚主义"]


def keys(hits) -> list[tuple[str, str]]:
    return [(h["report_id"], h["problem_id"]) for h in hits]


@pytest.fixture
def pair(tmp_path, corpus_reports):
    """Two workspaces over the same store contents and the same fake encoder: FAISS and Milvus Lite."""
    encoder = FakeEncoder()
    services = {}
    for backend in ("faiss", "milvus"):
        root = tmp_path / backend
        root.mkdir()
        store = make_store(root, corpus_reports.values())
        service = SearchService(root, store, encoder=encoder)
        service.sync()
        if backend == "milvus":
            encoder.encoded.clear()
            service.reindex(backend="milvus")
            assert encoder.encoded == []          # switching engines re-embeds nothing
        services[backend] = service
    yield services
    for service in services.values():
        service.store.close()


def test_reindex_switches_to_milvus_lite_in_the_workspace_and_records_it(pair):
    service = pair["milvus"]
    manifest = read_manifest(service.dir)
    assert manifest.backend == "milvus" and manifest.backend_uri is None
    assert (service.dir / "milvus.db").exists()
    engine = service.engine_for(manifest)
    assert engine.count() == len(service.store.problem_rows()) == 159
    service.reindex(backend="milvus")            # the same backend again: the collection is refilled
    assert engine.count() == 159 and read_manifest(service.dir).backend == "milvus"
    # a new service (a new process: Milvus Lite starts with the collection released) serves
    # queries from Milvus without being told
    expected = keys(service.search("选人用人不规范", k=5))
    engine.client.release_collection(engine.collection)
    fresh = SearchService(service.root, service.store, encoder=service.encoder)
    assert type(fresh.ensure_ready().searcher).__name__ == "MilvusSearcher"
    assert keys(fresh.search("选人用人不规范", k=5)) == expected


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_milvus_gives_the_faiss_results(pair, mode):
    for query in QUERIES:
        a = pair["faiss"].search(query, k=10, mode=mode)
        b = pair["milvus"].search(query, k=10, mode=mode)
        assert list(b[0])[:8] == list(a[0])[:8]        # the same JSON contract
        if mode == "dense":       # exact inner product on the same vectors: same ranking
            assert keys(a) == keys(b), query
            assert np.allclose([h["score"] for h in a], [h["score"] for h in b], atol=1e-4)
        else:                     # BM25 statistics may differ in detail: nearly the same top 10
            assert len(set(keys(a)) & set(keys(b))) >= 0.8 * len(a), (query, mode)
            assert len(a) == len(b), (query, mode)


@pytest.mark.parametrize("filters, check", [
    *FILTER_CASES,
    ({"exclude_report": [YY, SD]}, lambda h: h["report_id"] not in (YY, SD)),
    ({"unit": 'a"b%'}, lambda h: False),      # no such unit; the needle cannot break the expression
])
@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_filters_push_down_and_agree_with_faiss(pair, filters, check, mode):
    query = "党组学习制度落实不到位"
    a = pair["faiss"].search(query, k=100, filters=filters, mode=mode)
    b = pair["milvus"].search(query, k=100, filters=filters, mode=mode)
    assert all(check(h) for h in b), filters
    assert set(keys(a)) == set(keys(b)), filters


def test_filter_expressions():
    assert filter_expr(Filters()) == ""
    assert filter_expr(Filters.of({"level": "市级", "year": "2022"})) == 'level in ["市", "市级"] and year == 2022'
    assert filter_expr(Filters.of({"unit": "文联", "exclude_report": "x"})) == \
        '(unit like "%文联%" or unit_short like "%文联%") and report_id not in ["x"]'
    assert filter_expr(Filters.of({"category": '50%"'})) == ""        # left to the mask
    assert filter_expr(Filters.of({"type": "意识形态和网络阵地"})) == 'type_ids like "% ideology %"'


def test_remove_and_add_keep_milvus_in_step_with_the_store(pair, corpus_reports):
    service = pair["milvus"]
    store = service.store
    engine = service.engine_for(read_manifest(service.dir))
    removed = len(list(corpus_reports["002"].problems()))
    store.remove(SD)
    assert SD not in {h["report_id"] for h in service.search("形式主义官僚主义", k=100)}
    assert engine.count() == 159 - removed
    assert SD not in {h["report_id"] for h in
                      service.search("作协", k=100, mode="lexical")}
    store.add(corpus_reports["002"])
    hits = service.search("形式主义官僚主义", k=100, filters={"kind": "巡视"})
    assert hits and {h["report_id"] for h in hits} == {SD}
    assert engine.count() == 159
    assert sorted(engine.ids().tolist()) == sorted(service.ensure_ready().table.uids.tolist())


def test_similar_on_milvus_excludes_the_own_report(pair):
    a = pair["faiss"].similar(SZ, "17", k=10)
    b = pair["milvus"].similar(SZ, "17", k=10)
    assert len(b) == 10 and SZ not in {h["report_id"] for h in b}
    assert len(set(keys(a)) & set(keys(b))) >= 8


def test_engine_interface_search_and_similar(pair):
    """The engine's own search/similar (the backend interface), given the service's Searcher options,
    answer as the service's searcher does for the same encoded query."""
    from embeddings.lexical import get_tokenizer
    from embeddings.service import searcher_options
    service = pair["milvus"]
    state = service.ensure_ready()
    engine = service.engine_for(state.manifest)
    options = searcher_options(state.manifest.model, state.table, state.vectors)
    qvec = service.query_encoder.encode(["选人用人不规范"], kind="query")[0]
    tokens = get_tokenizer().tokenize("选人用人不规范")
    hits = engine.search(state.table, state.vectors, state.lexical, qvec, tokens, k=5, mode="hybrid",
                         searcher_options=options)
    expected = state.searcher.search(qvec, tokens, k=5, mode="hybrid")
    assert hits and keys([h.to_json() for h in hits]) == keys([h.to_json() for h in expected])
    uid = int(state.table.uids[state.table.pos[next(iter(state.table.pos))]])
    sim = engine.similar(state.table, state.vectors, state.lexical, uid, state.tokens[uid], k=5,
                         searcher_options=options)
    own = state.table.report_id[state.table.pos[uid]]
    assert sim and own not in {h.report_id for h in sim}


def test_switching_back_to_faiss(pair):
    service = pair["milvus"]
    before = keys(service.search("选人用人不规范", k=10, mode="dense"))
    service.reindex(backend="faiss")
    manifest = read_manifest(service.dir)
    assert manifest.backend == "faiss"
    assert type(service.ensure_ready().searcher).__name__ == "Searcher"
    assert keys(service.search("选人用人不规范", k=10, mode="dense")) == before
    with pytest.raises(SearchIndexError) as refused:
        service.reindex(backend="faiss", uri="http://localhost:19530")
    assert refused.value.code == "uri_unsupported" and refused.value.params["backends"] == "milvus"


def test_cli_reindex_backend_milvus(pair, monkeypatch, tmp_path):
    import embeddings.encoder as enc

    service = pair["faiss"]
    monkeypatch.setattr(enc, "load_encoder", fake_loader(service.encoder))
    result = run_cli("reindex", "--backend", "milvus", "--json", "--workspace", str(service.root))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["backend"] == "milvus" and summary["total"] == 159
    assert read_manifest(service.dir).backend == "milvus"
    queries = tmp_path / "q.txt"
    queries.write_text("\n".join(QUERIES[:3]), "utf-8")
    result = run_cli("search", "--batch", str(queries), "--json", "--workspace", str(service.root))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3 and all(len(hits) == 10 for hits in lines)


@pytest.mark.slow
def test_labelled_queries_overlap_between_backends(real_service, tmp_path):
    """With the real model, Milvus's top 10 overlaps FAISS's on the labelled queries (mean >= 0.8)
    and its nDCG@10 is within 0.02."""
    from conftest import ROOT

    from bench.evaluate import load_labels, score_run
    from embeddings.engines.milvus import MilvusEngine
    from embeddings.service import searcher_options

    labels = load_labels(ROOT / "bench" / "eval" / "queries.json")
    queries = [item.query for item in labels]
    state = real_service.ensure_ready()
    engine = MilvusEngine(str(tmp_path / "milvus.db"), lex_recipe=real_service.index.lex_recipe)
    engine.sync(state.table, state.vectors, state.tokens)
    faiss_runs = real_service.search_batch(queries, k=10)
    original = state.searcher
    try:
        state.searcher = engine.searcher(state.table, state.vectors, state.lexical,
                                         **searcher_options(state.manifest.model, state.table, state.vectors))
        milvus_runs = real_service.search_batch(queries, k=10)
    finally:
        state.searcher = original
        engine.close()
    overlap = np.mean([len(set(keys(a)) & set(keys(b))) / max(1, len(a))
                       for a, b in zip(faiss_runs, milvus_runs, strict=True)])
    ndcg = {}
    for name, runs in (("faiss", faiss_runs), ("milvus", milvus_runs)):
        by_query = dict(zip(queries, runs, strict=True))
        ndcg[name] = score_run(labels, lambda item, r=by_query: keys(r[item.query]))["nDCG@10"]
    assert overlap >= 0.8, overlap
    assert abs(ndcg["faiss"] - ndcg["milvus"]) <= 0.02, ndcg


def test_jieba_analyzer_collection_finds_the_phrase(pair, tmp_path):
    """Milvus's own jieba analyzer on the raw text (for collections other producers fill)."""
    from embeddings.engines.milvus import MilvusEngine
    from embeddings.index import problem_uid

    service = pair["faiss"]
    state = service.ensure_ready()
    engine = MilvusEngine(str(tmp_path / "jieba.db"), analyzer="jieba", lex_recipe=service.index.lex_recipe)
    assert engine.sync(state.table, state.vectors, state.tokens) == (159, 0)
    searcher = engine.searcher(state.table, state.vectors, state.lexical)
    hits = searcher.search(None, ["三会一课"], k=10, mode="lexical")
    t = state.table
    docs = [t.doc_text(t.pos[problem_uid(h.report_id, h.problem_id)], service.index.lex_recipe) for h in hits]
    assert docs and all("三会" in d or "一课" in d for d in docs)
    assert "三会一课" in docs[0]
    engine.close()


def test_unreachable_server_is_a_one_line_error(pair):
    with pytest.raises(SearchIndexError, match="cannot open Milvus"):
        pair["faiss"].reindex(backend="milvus", uri="http://127.0.0.1:1")
    result = run_cli("reindex", *["--backend", "faiss", "--uri", "http://x:1", "--workspace",
                               str(pair["faiss"].root)])
    assert result.exit_code == 1 and "--uri" in result.output and len(result.output.strip().splitlines()) == 1


def test_cli_reindex_to_milvus_prints_one_chinese_line(pair, monkeypatch, capfd):
    """`xuncha reindex --backend milvus` as a user runs it: the server's English tracebacks (Milvus
    Lite lacks a method pymilvus tries first) go to the workspace log, never the terminal."""
    import embeddings.encoder as enc
    from ui.cli import main

    service = pair["faiss"]
    monkeypatch.setattr(enc, "load_encoder", fake_loader(service.encoder))
    assert main(["reindex", "--backend", "milvus", "--workspace", str(service.root)]) == 0
    out, err = capfd.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("已用向量模型") and "检索引擎 Milvus" in lines[0], err
    assert "Exception" not in out + err and "Method not implemented" not in out + err


"""BM25 kept as term counts and weighted at query time (embeddings/bm25_counts.py): scores bit-identical
to the bm25s matrix the index used before; a sync updates the counts per added and removed report and
the result scores exactly as a build from every token list; a build of the earlier format (bm25s files,
a JSON token file) is read, checked by doctor and replaced by the next sync; a damaged one is named by
doctor and rebuilt by its repair."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from search_support import make_store

from embeddings.bm25_counts import counts_of_docs, is_counts_dir, update_counts
from embeddings.lexical import LexicalIndex, get_tokenizer


@pytest.fixture(scope="module")
def docs(corpus_reports) -> list[list[str]]:
    """Token lists of every corpus problem statement, and two empty documents."""
    tok = get_tokenizer()
    return [tok.tokenize(p.text) for r in corpus_reports.values() for p in r.problems()] + [[], []]


def _queries(docs: list[list[str]], n: int = 120, seed: int = 7) -> list[list[str]]:
    """Queries made of documents' tokens; some repeat a token or hold one no document has."""
    rng = random.Random(seed)
    full = [d for d in docs if d]
    out = []
    for i in range(n):
        d = rng.choice(full)
        q = rng.sample(d, min(len(d), rng.randint(1, 6)))
        out.append(q + q[:1] + ["从未出现的词"] if i % 4 == 0 else q)
    return out


def _bm25s(docs: list[list[str]]):
    import bm25s

    index = bm25s.BM25(k1=1.5, b=0.75)
    index.index([list(d) if d else ["\x00EMPTY"] for d in docs], show_progress=False)
    return index


def test_counts_score_exactly_as_bm25s(docs):
    """The same float steps as bm25s's Lucene BM25 (idf float32, tf part float64, summed in float32):
    every score equal to the bit, known tokens the same (bm25s's "" placeholder aside)."""
    reference, counts = _bm25s(docs), LexicalIndex(docs)
    assert counts.size == len(docs)
    for q in _queries(docs):
        ids = reference.get_tokens_ids(q)
        expected = reference.get_scores_from_ids(ids) if ids else np.zeros(len(docs), np.float32)
        assert np.array_equal(counts.scores(q), expected)
        assert counts.known(q) == [t for t in q if t in reference.vocab_dict]
    assert (counts.scores(["从未出现的词"]) == 0).all() and LexicalIndex([]).scores(["x"]).shape == (0,)


def _save(tmp_path, name: str, tokens: dict[int, list[str]], uids: list[int]):
    directory = tmp_path / name
    counts_of_docs([tokens[u] for u in uids]).save(_mkdir(directory), np.asarray(uids, dtype=np.int64))
    return directory


def _mkdir(path):
    path.mkdir(parents=True)
    return path


def test_updated_counts_equal_a_fresh_build(tmp_path, docs):
    """Add documents, remove some, add them back, insert between kept rows: each update scores every query
    exactly as counts built from the resulting documents; rows whose order changed are refused."""
    tokens = {1000 + i: d for i, d in enumerate(docs)}
    every = list(tokens)
    half = len(every) // 2
    steps = [every[:half], every, every[:10] + every[40:], every, every[::2] + every[1::2][:5]]
    previous = _save(tmp_path, "0", tokens, steps[0])
    queries = _queries(docs)
    for n, uids in enumerate(steps[1:], 1):
        if n == len(steps) - 1:   # every[1::2] rows now sit after every[::2]: not the earlier order
            assert not update_counts(previous, _mkdir(tmp_path / str(n)), np.asarray(uids, dtype=np.int64), tokens)
            break
        # the middle step inserts rows 10..39 between kept ones when the previous step lacked them
        assert update_counts(previous, _mkdir(tmp_path / str(n)), np.asarray(uids, dtype=np.int64), tokens)
        updated = LexicalIndex.load(tmp_path / str(n))
        fresh = LexicalIndex([tokens[u] for u in uids])
        assert np.array_equal(LexicalIndex.order(tmp_path / str(n)), uids)
        for q in queries:
            assert np.array_equal(updated.scores(q), fresh.scores(q))
        previous = tmp_path / str(n)
    inserted = _save(tmp_path, "gap", tokens, every[:10] + every[40:])
    assert update_counts(inserted, _mkdir(tmp_path / "filled"), np.asarray(every, dtype=np.int64), tokens)
    for q in queries:
        assert np.array_equal(LexicalIndex.load(tmp_path / "filled").scores(q), LexicalIndex(docs).scores(q))


def _service(root, store):
    from search_support import FakeEncoder

    from embeddings.service import SearchService

    return SearchService(root, store, encoder=FakeEncoder())


def _lexical(root) -> tuple[LexicalIndex, list[int]]:
    from embeddings.manifest import read_manifest

    manifest = read_manifest(root / "search")
    directory = root / "search" / manifest.files["lexical"]
    return LexicalIndex.load(directory), LexicalIndex.order(directory).tolist()


def test_a_sync_updates_bm25_per_report(tmp_path, corpus_reports, monkeypatch):
    """Reports ingested one by one, one removed, then added back: after each sync the saved BM25 scores
    exactly as one built from every token list, and no sync after the first counts every token list."""
    import embeddings.index_tokens as index_tokens
    from embeddings.manifest import read_manifest
    from embeddings.token_file import read_tokens
    from reports.store import Store

    store = Store(tmp_path / "xuncha.db")
    service = _service(tmp_path, store)
    reports = list(corpus_reports.values())
    store.add(reports[0])
    service.sync()
    monkeypatch.setattr(index_tokens, "counts_of_rows", lambda *a: pytest.fail("a sync counted every token list"))
    plan = [("add", r) for r in reports[1:]] + [("remove", reports[2]), ("add", reports[2])]
    for what, report in plan:
        store.add(report) if what == "add" else store.remove(report.id)
        service.sync()
        lexical, order = _lexical(tmp_path)
        manifest = read_manifest(tmp_path / "search")
        tokens = read_tokens(tmp_path / "search" / manifest.files["tokens"], manifest.tokenizer)
        assert is_counts_dir(tmp_path / "search" / manifest.files["lexical"]) and sorted(order) == sorted(tokens)
        fresh = LexicalIndex([tokens[u] for u in order])
        for q in _queries([tokens[u] for u in order], n=40):
            assert np.array_equal(lexical.scores(q), fresh.scores(q))
    store.close()


def _to_earlier_format(root) -> None:
    """Rewrite the build's BM25 files as bm25s saved them and its token file as JSON (earlier versions)."""
    import shutil

    from embeddings.manifest import read_manifest, write_manifest
    from embeddings.token_file import read_tokens

    search = root / "search"
    manifest = read_manifest(search)
    tokens = read_tokens(search / manifest.files["tokens"], manifest.tokenizer)
    directory = search / manifest.files["lexical"]
    order = LexicalIndex.order(directory).tolist()
    shutil.rmtree(directory)
    directory.mkdir()
    _bm25s([tokens[u] for u in order]).save(str(directory), show_progress=False)
    (directory / "size.json").write_text(json.dumps({"size": len(order)}), "utf-8")
    (directory / "uids.json").write_text(json.dumps(order), "utf-8")
    (search / manifest.files["tokens"]).unlink()
    manifest.files["tokens"] = manifest.files["tokens"].replace(".npz", ".json")
    (search / manifest.files["tokens"]).write_text(json.dumps(
        {"tokenizer": manifest.tokenizer, "tokens": {str(u): t for u, t in tokens.items()}}, ensure_ascii=False))
    write_manifest(search, manifest)


def _answers(service) -> list:
    return [[(h["report_id"], h["problem_id"], h["score"]) for h in service.search(q, k=8, mode="lexical")]
            for q in ("理论学习流于形式", "三重一大事项未集体决策", "公务接待", "中心组")]


def _doctor(root, store) -> dict[str, str]:
    from ui.service.artifacts import SearchArtifact

    class Ws:   # what SearchArtifact asks of a workspace
        search = _service(root, store)

    Ws.store = store
    return {c.name: c.state for c in SearchArtifact(Ws).state(store.generation(), {})}


def test_an_earlier_build_is_read_checked_and_upgraded(tmp_path, corpus_reports):
    """bm25s files and a JSON token file: a reader answers from them as before (same scores), doctor finds
    them whole, and the next sync writes counts (updated from then on) that answer the same."""
    reports = list(corpus_reports.values())
    store = make_store(tmp_path, reports[:-1])
    _service(tmp_path, store).sync()
    expected = _answers(_service(tmp_path, store))
    _to_earlier_format(tmp_path)
    assert _lexical(tmp_path)[0].legacy
    assert _answers(_service(tmp_path, store)) == expected
    assert _doctor(tmp_path, store)["lexical"] == "ok"
    writer = _service(tmp_path, store)
    store.add(reports[-1])
    writer.sync()
    assert not _lexical(tmp_path)[0].legacy
    from embeddings.manifest import read_manifest

    manifest = read_manifest(tmp_path / "search")
    assert manifest.files["tokens"].endswith(".npz") and _doctor(tmp_path, store)["lexical"] == "ok"
    store.remove(reports[-1].id)
    writer.sync()
    assert _answers(_service(tmp_path, store)) == expected
    rows = tmp_path / "search" / read_manifest(tmp_path / "search").files["lexical"] / "rows.npy"
    rows.write_bytes(rows.read_bytes()[:-8])
    assert _doctor(tmp_path, store)["lexical"] == "damaged"
    _service(tmp_path, store).reindex()   # what `doctor --repair` does for a damaged lexical part
    assert _doctor(tmp_path, store)["lexical"] == "ok" and _answers(_service(tmp_path, store)) == expected
    store.close()


def test_a_damaged_build_is_counted_again_by_the_next_sync(tmp_path, corpus_reports, caplog):
    """The last build's postings cut short: the next sync names the files as damaged and counts the BM25
    files from the token lists instead, which score as a fresh build."""
    from embeddings.manifest import read_manifest
    from embeddings.token_file import read_tokens

    reports = list(corpus_reports.values())
    store = make_store(tmp_path, reports[:-1])
    writer = _service(tmp_path, store)
    writer.sync()
    rows = tmp_path / "search" / read_manifest(tmp_path / "search").files["lexical"] / "rows.npy"
    rows.write_bytes(rows.read_bytes()[:-8])
    store.add(reports[-1])
    with caplog.at_level("WARNING", logger="xuncha.search"):
        writer.sync()
    assert "damaged search index file" in caplog.text and str(rows.parent) in caplog.text
    lexical, order = _lexical(tmp_path)
    manifest = read_manifest(tmp_path / "search")
    tokens = read_tokens(tmp_path / "search" / manifest.files["tokens"], manifest.tokenizer)
    fresh = LexicalIndex([tokens[u] for u in order])
    for q in _queries([tokens[u] for u in order], n=30):
        assert np.array_equal(lexical.scores(q), fresh.scores(q))
    store.close()

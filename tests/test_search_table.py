"""The search table's persisted columns (embeddings/table_columns.py): a table read from its files,
its statements read from the store for the rows shown, answers every filter, hit and document text
exactly as the table built from every store row; a sync's table built from the last one plus the
added reports equals one built afresh; a damaged file is named, never trusted."""
from __future__ import annotations

import numpy as np
import pytest
from search_support import FILTER_CASES, make_store

from embeddings.table import DOC_RECIPES, Filters, ProblemTable
from embeddings.table_columns import Columns, TableFileError


@pytest.fixture
def store(tmp_path, corpus_reports):
    s = make_store(tmp_path, corpus_reports.values())
    yield s
    s.close()


def _same(a: ProblemTable, b: ProblemTable) -> None:
    assert a.size == b.size and np.array_equal(a.uids, b.uids)
    assert a.report_id == list(b.report_id) and a.problem_id == list(b.problem_id)
    assert np.array_equal(a.heading_only, b.heading_only) and np.array_equal(a.year, b.year)
    for i in range(a.size):
        assert a.hit(i, 1, 0.5).to_json() == b.hit(i, 1, 0.5).to_json()
        assert list(a.type_ids[i]) == list(b.type_ids[i])
        for recipe in DOC_RECIPES:
            assert a.doc_text(i, recipe) == b.doc_text(i, recipe)
        assert np.array_equal(a.copies_of(i), b.copies_of(i))
    for filters, _ in FILTER_CASES:
        assert np.array_equal(a.mask(Filters.of(filters)), b.mask(Filters.of(filters)))
    assert a.mask(Filters.of({"type": "基层党建和组织生活"})).any()


def test_saved_columns_answer_as_the_rows_do(store, tmp_path):
    rows = store.problem_rows()
    full = ProblemTable(rows)
    Columns.from_rows(rows).save(tmp_path / "table", {"generation": store.generation()})
    columns, stamp = Columns.load(tmp_path / "table")
    assert stamp["generation"] == store.generation()
    asked: list = []

    def details(keys):
        asked.extend(keys)
        return store.problem_texts(keys)

    loaded = ProblemTable(columns=columns, details=details)
    assert not asked    # nothing is read from the store before a row is shown
    loaded.hit(0, 1, 0.5)
    assert len(asked) == 1
    _same(full, loaded)
    # the app's filter choices come from the columns, as they came from the rows
    from collections import Counter
    assert loaded.most_common("category") == [c for c, _ in Counter(r["category"] for r in rows).most_common()]
    assert loaded.present("level") == {r["level"] for r in rows}
    assert loaded.present_types() == {name for r in rows for name in r["types"]} != set()


def test_gathered_table_equals_a_fresh_one(store, corpus_reports):
    """Remove one report and add another: the table made from the last one and the added report's
    rows equals the table made from every row; unit_short follows the store's reports."""
    first = [r.id for r in list(corpus_reports.values())[:3]]
    old = Columns.from_rows(store.problem_rows(first))
    gone = first[1]
    store.remove(gone)
    added = [r.id for r in list(corpus_reports.values())[3:]]
    keys = store.problem_keys([r for r in store.report_ids() if r in set(first) | set(added)])
    from embeddings.index import problem_uids

    order = problem_uids(keys)
    fields = {r: f for r, f in store.report_fields().items() if r in {k[0] for k in keys}}
    gathered = Columns.gather(order, [old, Columns.from_rows(store.problem_rows(added))], fields)
    fresh = ProblemTable(store.problem_rows(list(fields)))
    _same(fresh, ProblemTable(columns=gathered, details=store.problem_texts))
    with pytest.raises(KeyError):   # a problem no source holds
        Columns.gather(order, [old], fields)


def test_damaged_table_is_named(store, tmp_path):
    columns = Columns.from_rows(store.problem_rows())
    columns.save(tmp_path / "t", {})
    data = (tmp_path / "t" / "columns.npz").read_bytes()
    (tmp_path / "t" / "columns.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(TableFileError, match="t"):
        Columns.load(tmp_path / "t")
    columns.codes["category"][0] = len(columns.values["category"]) + 5
    columns.save(tmp_path / "u", {})
    with pytest.raises(TableFileError, match="codes out of range"):
        Columns.load(tmp_path / "u")
    with pytest.raises(FileNotFoundError):
        Columns.load(tmp_path / "missing")


# -- the table of an index build (embeddings/index_table.py) -------------------------------------

def _service(root, store):
    from search_support import FakeEncoder

    from embeddings.service import SearchService

    return SearchService(root, store, encoder=FakeEncoder())


def _answers(service) -> list:
    return [[(h["report_id"], h["problem_id"], h["score"], h["text"], h["unit_short"], h["types"])
             for h in service.search(q, k=8)] for q in ("理论学习流于形式", "三重一大事项未集体决策", "公务接待")]


def _table_dir(root):
    from embeddings.manifest import read_manifest

    return root / "search" / read_manifest(root / "search").files["table"]


def test_a_reader_reads_no_store_row_and_no_token_list(tmp_path, corpus_reports, monkeypatch):
    """A fresh reader answers from the build's table, vectors and BM25 matrix: Store.problem_rows and the
    token file are never read; `similar` derives its problem's tokens as the sync did."""
    from embeddings.index_tokens import TokenSide
    from reports.store import Store

    store = make_store(tmp_path, corpus_reports.values())
    writer = _service(tmp_path, store)
    writer.sync()
    expected, similar = _answers(writer), writer.similar(*_some_problem(store), k=5)
    fresh = _service(tmp_path, store)
    monkeypatch.setattr(Store, "problem_rows", lambda *a, **k: pytest.fail("a reader read every row"))
    monkeypatch.setattr(TokenSide, "read", lambda *a, **k: pytest.fail("a reader read the token file"))
    assert _answers(fresh) == expected
    assert fresh.similar(*_some_problem(store), k=5) == similar
    store.close()


def _some_problem(store) -> tuple[str, str]:
    keys = store.problem_keys()
    return keys[len(keys) // 2]


def test_the_table_follows_ingest_and_removal(tmp_path, corpus_reports):
    """After each sync the persisted table equals one built from every row (report by report, then a
    removal): a sync builds it from the last table and the added reports only."""
    from embeddings.index_table import TableSide
    from embeddings.manifest import read_manifest
    from reports.store import Store

    store = Store(tmp_path / "xuncha.db")
    service = _service(tmp_path, store)
    reports, sizes = list(corpus_reports.values()), []
    for report in [*reports, None]:
        if report is not None:
            store.add(report)
        else:
            store.remove(reports[1].id)
        service.sync()
        table = TableSide(tmp_path / "search", store).load(read_manifest(tmp_path / "search"))
        _same(ProblemTable(store.problem_rows()), table)
        sizes.append(table.size)
    assert sizes == [*sorted(sizes[:-1]), sizes[-1]] and 0 < sizes[-1] < sizes[-2]
    store.close()


@pytest.mark.parametrize("fault", ["missing", "damaged", "stale"])
def test_an_unusable_table_is_never_used_and_is_rebuilt(tmp_path, corpus_reports, fault, caplog):
    """A table directory gone, not whole, or stamped by another classifier: a reader says why, the
    index is brought up to date (the table rebuilt from the rows), answers are the same, and doctor
    reported the part before."""
    import json
    import shutil

    from ui.service.artifacts import SearchArtifact

    store = make_store(tmp_path, corpus_reports.values())
    writer = _service(tmp_path, store)
    writer.sync()
    expected = _answers(writer)
    table = _table_dir(tmp_path)
    if fault == "missing":
        shutil.rmtree(table)
    elif fault == "damaged":
        (table / "columns.npz").write_bytes(b"PK\x03\x04 not a zip")
    else:
        meta = json.loads((table / "meta.json").read_text("utf-8"))
        (table / "meta.json").write_text(json.dumps({**meta, "types_version": "another-classifier"}), "utf-8")

    class Ws:   # what SearchArtifact asks of a workspace
        search = _service(tmp_path, store)

    Ws.store = store
    check = {c.name: c for c in SearchArtifact(Ws).state(store.generation(), {})}["table"]
    assert check.state == {"missing": "damaged", "damaged": "damaged", "stale": "stale"}[fault]
    assert not SearchArtifact(Ws).is_fresh()
    reader = _service(tmp_path, store)
    with caplog.at_level("WARNING", logger="xuncha.search"):
        assert _answers(reader) == expected
    assert "updating the search index" in caplog.text and str(table) in caplog.text
    assert _table_dir(tmp_path) != table and SearchArtifact(Ws).is_fresh()
    store.close()


def test_a_build_without_a_table_gets_one(tmp_path, corpus_reports):
    """An index written before tables existed (no "table" in its manifest): doctor says missing; the
    first reader brings it up to date and later readers load it."""
    from embeddings.manifest import read_manifest, write_manifest
    from ui.service.artifacts import SearchArtifact

    store = make_store(tmp_path, corpus_reports.values())
    writer = _service(tmp_path, store)
    writer.sync()
    expected = _answers(writer)
    manifest = read_manifest(tmp_path / "search")
    del manifest.files["table"]
    write_manifest(tmp_path / "search", manifest)

    class Ws:
        search = _service(tmp_path, store)

    Ws.store = store
    assert {c.name: c.state for c in SearchArtifact(Ws).state(store.generation(), {})}["table"] == "missing"
    assert _answers(_service(tmp_path, store)) == expected
    assert "table" in read_manifest(tmp_path / "search").files
    assert {c.name: c.state for c in SearchArtifact(Ws).state(store.generation(), {})}["table"] == "ok"
    store.close()


def test_token_file_round_trip_and_faults(tmp_path):
    """The token lists file (embeddings/token_file.py): what is written is read back, each distinct token
    one str object; another tokenizer's file reads as empty; a JSON file of an earlier version is read;
    a file that is not whole is named as such."""
    import json

    from embeddings.token_file import TokenFileError, read_tokens, write_tokens

    tokens = {5: ["三会一课", "落实", "落实"], 2**62 + 1: [], 7: ["#concept", "三会一课", "a1"]}
    write_tokens(tmp_path / "t.npz", "v1", tokens)
    back = read_tokens(tmp_path / "t.npz", "v1")
    assert back == tokens and list(back) == list(tokens)
    assert back[5][0] is back[7][1]
    assert read_tokens(tmp_path / "t.npz", "v2") == {}
    (tmp_path / "old.json").write_text(json.dumps({"tokenizer": "v1", "tokens": {str(k): v for k, v in tokens.items()}}))
    assert read_tokens(tmp_path / "old.json", "v1") == tokens
    data = (tmp_path / "t.npz").read_bytes()
    (tmp_path / "t.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(TokenFileError):
        read_tokens(tmp_path / "t.npz", "v1")
    write_tokens(tmp_path / "e.npz", "v1", {})
    assert read_tokens(tmp_path / "e.npz", "v1") == {}


def test_the_embedded_text_names_category_and_types_and_the_index_records_the_types_stamp(store, monkeypatch):
    """Problems are embedded as category + types + text (issue 21); a changed classifier changes those texts
    without changing any problem, so the index records the classifier's stamp beside the recipe and a
    different stamp means a full re-embed (index_sync._compatible)."""
    import embeddings.doc_texts as doc_texts
    import reports.analysis.problemtypes as problemtypes
    from embeddings.service import DOC_RECIPE

    table = ProblemTable(store.problem_rows())
    typed = next(i for i in range(table.size) if table.types[i] and table.value("category", i))
    text = table.doc_text(typed, DOC_RECIPE)
    assert text == f"{'、'.join([table.value('category', typed), *table.types[typed]])}：{table.text[typed]}"
    assert doc_texts.recipe_stamp("category+text") == "category+text"
    stamp = doc_texts.recipe_stamp(DOC_RECIPE)
    assert stamp == f"{DOC_RECIPE}@{problemtypes.types_version()}"
    monkeypatch.setattr(problemtypes, "types_version", lambda: "another-classifier")
    assert doc_texts.recipe_stamp(DOC_RECIPE) != stamp

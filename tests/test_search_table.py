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

"""The graph's node index (graph.index, graph.reader, graph.index_query): every answer the app and the
CLI read from it equals the merged graph's on the demo corpus, and adding or removing reports in any
order keeps it equal to an index built afresh."""
from __future__ import annotations

import itertools
import sqlite3

import pytest
import test_graph

from graph import index_query, query
from graph.index import INDEX_TABLES
from graph.local import neighbours_of
from graph.service import GraphService
from reports.model import Mention
from reports.shared.notices import XunchaError
from reports.store import Store

corpus_ws = test_graph.corpus_ws     # the same fixtures: the corpus ingested once (per module), a private copy
store_copy = test_graph.store_copy
ENTITY_TYPES = ("Unit", "Organization", "Person", "InspectionTeam", "Regulation", "Document", "Work", "Place", "Theme")


def with_links(svc: GraphService, ids: list[str]) -> None:
    """Similarity and recurrence links and two themes, some naming problems the store lacks. Each
    report's first and second stored problems (keys differ by layout: 1, 2 or 1.1, 1.1.1), so every
    link lands whatever order the reports were ingested in."""
    first, second = ({rid: svc.store.problem_keys([rid])[n][1] for rid in ids} for n in (0, 1))
    svc.set_similarity([(ids[0], first[ids[0]], ids[1], first[ids[1]], 0.5),
                        (ids[2], second[ids[2]], ids[3], first[ids[3]], 0.4),
                        (ids[1], first[ids[1]], ids[0], first[ids[0]], 0.5), (ids[0], first[ids[0]], "f" * 16, "1", 0.9)])
    svc.set_recurrence([(ids[4], first[ids[4]], ids[0], second[ids[0]], 0.8)])
    svc.set_themes([{"id": "t1", "label": "主题", "members": [(ids[0], first[ids[0]]), (ids[1], first[ids[1]]),
                                                            (ids[0], second[ids[0]])]},
                    {"id": "t2", "label": "", "members": [(ids[2], first[ids[2]]), ("f" * 16, "1")]}])


def index_rows(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        out = {t: sorted(conn.execute(f"SELECT * FROM {t}")) for t in INDEX_TABLES}
        out["gcount"] = [r for r in out["gcount"] if r[1]]
        return out
    finally:
        conn.close()


@pytest.fixture(scope="module")
def svc(corpus_ws, tmp_path_factory):
    root = tmp_path_factory.mktemp("graph_index_links")
    store = Store(root / "xuncha.db")
    corpus_ws.store.conn.backup(store.conn)
    service = GraphService(root, store)
    with_links(service, store.report_ids())
    yield service
    service.close()
    store.close()


def test_counts_picker_and_overview_equal_the_merged_graph(svc):
    G, ix = svc.graph, svc._index()
    assert ix is not None and G.number_of_edges() > 0
    assert svc.stats() == query.stats(G)
    assert {"Theme", "SIMILAR_TO", "RECURS", "IN_THEME"} <= set(svc.stats()["nodes_by_type"]) | set(svc.stats()["edges_by_type"])
    assert svc.entity_rows(ENTITY_TYPES) == query.entity_rows(G, ENTITY_TYPES)
    assert svc.entity_rows(ENTITY_TYPES, 7) == query.entity_rows(G, ENTITY_TYPES)[:7]
    assert svc.entity_rows({"Person"}, 3) == query.entity_rows(G, {"Person"})[:3]
    nodes, links = svc.overview(12)
    want_nodes, want_links = query.overview(G, 12)
    assert nodes == want_nodes and sorted(links) == sorted(want_links)
    assert svc.node_types() == {d["type"] for _, d in G.nodes(data=True)}
    for type_, by in itertools.product(("Person", "Regulation", "Unit", "Place", "Theme", "Document"),
                                       ("degree", "reports", "units")):
        assert svc.rankings(type_, by, 10) == query.rankings(G, type_, by, 10), (type_, by)
    assert svc.search_entities("%", ENTITY_TYPES, 50) == []   # typed text is literal, not a LIKE pattern
    found = svc.search_entities("文联", ENTITY_TYPES, 50)
    assert found and all("文联" in name or "文联" in ctx or "文联" in "".join(G.nodes[n].get("aliases", ()))
                         or "文联" in (G.nodes[n].get("display") or "") for n, _, name, ctx in found)


def test_every_node_reads_as_in_the_merged_graph(svc):
    G, ix = svc.graph, svc._index()
    for n, d in G.nodes(data=True):
        want = {k: v for k, v in d.items() if k not in ("spans", "by_report")}
        assert list(svc.attrs([n])[n].items()) == list(want.items()), n   # in the same order: the CLI prints them so
        assert ix.degree([n])[n] == G.degree(n), n
        assert svc.context(n) == query.context(G, n), n
        assert svc.profile(n) == query.profile(G, n), n
        rows = query.neighbors(G, n)
        assert svc.neighbour_rows(n) == [{k: r[k] for k in ("id", "type", "name", "context", "edge", "direction")}
                                         for r in rows], n
        if d["type"] not in ("Problem", "Category") or n.endswith("/1") or n.endswith("/2"):
            assert neighbours_of(ix, svc.fragments, n) == rows, n
        for types in ({"Person"}, {"Problem", "Unit", "Theme"}, set(query.NODE_TYPES)):
            assert svc.ranked_neighbours(n, types, 4) == query.ranked_neighbours(G, n, types, 4), n
    some = list(G.nodes)[::7]
    assert sorted(svc.edges_among(some)) == sorted(query.edges_among(G, some))
    for rid in svc.store.report_ids():
        assert svc.report_unit(rid) == query.report_unit(G, rid)
    assert svc.attrs(["nope"]) == {} and svc.report_unit("0" * 16) is None


def test_names_resolve_as_in_the_merged_graph(svc):
    G = svc.graph
    names = {"覃文乐", "纪律处分条例", "市文联", "张家界", "文联", "主题", "t2"}
    for _, d in G.nodes(data=True):
        names |= {d.get("name"), d.get("display"), *d.get("aliases", ())} - {None}
    for name, type_ in itertools.product(sorted(names), (None, "Person", "Unit", "Report")):
        try:
            want = query.resolve(G, name, type_)
        except XunchaError as exc:
            want = (type(exc), exc.code, getattr(exc, "candidates", None))
        try:
            got = svc.resolve(name, type_)
        except XunchaError as exc:
            got = (type(exc), exc.code, getattr(exc, "candidates", None))
        assert got == want, (name, type_)
    with pytest.raises(query.NotFound) as exc:
        svc.resolve("覃文东")
    assert exc.value.suggestions == query.suggest(G, "覃文东")


def test_paths_are_as_short_as_in_the_merged_graph(svc):
    G = svc.graph
    ents = [r[0] for r in query.entity_rows(G, ENTITY_TYPES)]
    for a, b in itertools.islice(itertools.combinations(ents[::5], 2), 120):
        for avoid in ((), ("Place", "Category")):
            try:
                want = query.shortest_path(G, a, b, avoid)
            except query.NoPath:
                with pytest.raises(query.NoPath):
                    svc.shortest_path(a, b, avoid)
                continue
            got = svc.shortest_path(a, b, avoid)
            path = [n["id"] for n in got["nodes"]]
            assert got["length"] == want["length"] and path[0] == a and path[-1] == b
            assert all(G.has_edge(u, v) or G.has_edge(v, u) for u, v in itertools.pairwise(path))
            assert not any(G.nodes[n]["type"] in avoid for n in path[1:-1])
            assert got["nodes"] == [query.node_summary(G, n) for n in path]
    with pytest.raises(XunchaError) as bound:
        index_query.shortest_path(svc._index(), ents[0], ents[-1], bound=2)
    assert bound.value.code == "graph_path_bound"


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_the_index_follows_reports_removed_and_added_in_any_order(store_copy, tmp_path, order):
    """After every sync the index equals one built afresh from the same fragments and links, and
    the service's answers equal the merged graph's."""
    root = store_copy.path.parent
    svc = GraphService(root, store_copy)
    ids = store_copy.report_ids()
    with_links(svc, ids)
    reports = {rid: (store_copy.load(rid), store_copy.mentions(rid)) for rid in ids}
    steps = ids if order == "forward" else list(reversed(ids))

    def check() -> None:
        fresh = tmp_path / f"fresh{check.n}.db"
        check.n += 1
        svc.fragments.conn.execute(f"VACUUM INTO '{fresh}'")
        rebuilt = GraphService(root, store_copy, filename=fresh.name)
        rebuilt.fragments.build_index()
        assert index_rows(svc.path) == index_rows(fresh)
        rebuilt.close()
        assert svc.stats() == query.stats(svc.graph)
        assert svc.entity_rows(ENTITY_TYPES) == query.entity_rows(svc.graph, ENTITY_TYPES)
    check.n = 0

    for rid in steps[:3]:
        store_copy.remove(rid)
        svc.sync()
        check()
    for rid in reversed(steps[:3]):
        report, mentions = reports[rid]
        store_copy.add(report, [Mention(m["type"], m["name"], m["canonical"], tuple(m["span"]), m["role"], m["attrs"])
                                for m in mentions])
        svc.sync()
        check()
    svc.close()


def test_a_file_without_the_index_is_read_by_merging_and_indexed_by_the_writer(store_copy):
    root = store_copy.path.parent
    svc = GraphService(root, store_copy)
    want = svc.stats(), svc.entity_rows(ENTITY_TYPES)
    svc.fragments.conn.execute("DELETE FROM meta WHERE key = 'index'")   # as written before the index
    svc.fragments.conn.execute("DELETE FROM gnode")
    svc.close()
    reader = GraphService(root, store_copy)
    assert not reader.fragments.index_ready()
    assert (reader.stats(), reader.entity_rows(ENTITY_TYPES)) == want     # merged, and nothing written
    assert not reader.fragments.index_ready()
    reader.sync()                                                          # the writer: indexed once
    assert reader.fragments.index_ready() and reader._index() is not None
    assert (reader.stats(), reader.entity_rows(ENTITY_TYPES)) == want
    reader.close()

"""Views of one entity and of the whole workspace that stay bounded however many reports name it: a
neighbour list capped at a limit (with its total, the edges stated by the most reports first) that reads
only the fragments its rows need, and an overview of the best-connected units only."""
from __future__ import annotations

import json

import networkx as nx
import pytest
import test_graph
import test_graph_index

import graph.local
from graph import query
from graph.local import rank_key, ranked_rows

corpus_ws = test_graph.corpus_ws
svc = test_graph_index.svc          # the corpus with links and themes, read from the node index
ENTITY = ("Unit", "Organization", "Person", "InspectionTeam", "Regulation", "Document", "Place")


def test_capped_neighbours_read_as_the_merged_graph_ranks_them(svc):
    G = svc.graph
    for n, d in G.nodes(data=True):
        if d["type"] == "Category":
            continue
        rows, total = svc.top_neighbours(n, 10_000)
        want, want_total = ranked_rows(G, n, 10_000)
        assert total == want_total == G.degree(n) and rows == want, n
        short, total = svc.top_neighbours(n, 3, attributes=False)
        assert total == G.degree(n) and short == [{k: r[k] for k in ("id", "type", "name", "context", "edge", "direction",
                                                                     "report_count")} for r in want[:3]], n
    unit = svc.resolve("市文旅广体局", "Unit")
    rows, total = svc.top_neighbours(unit, 5, types={"Problem"}, edge_types={"MENTIONS"})
    assert rows == ranked_rows(G, unit, 5, {"Problem"}, {"MENTIONS"})[0]
    assert total == sum(1 for r in query.neighbors(G, unit) if r["type"] == "Problem" and r["edge"] == "MENTIONS")


def test_rows_come_by_report_count_then_the_other_ends_connections(svc):
    G = svc.graph
    node = max((n for n, d in G.nodes(data=True) if d["type"] in ENTITY), key=G.degree)
    rows, total = svc.top_neighbours(node, 8)
    assert total == G.degree(node) > 8 and len(rows) == 8
    keys = [rank_key(node, (node, r["id"], r["edge"]) if r["direction"] == "out" else (r["id"], node, r["edge"]),
                     r["report_count"], G.degree(r["id"]), r["type"]) for r in rows]
    assert keys == sorted(keys) and all(r["report_count"] == len(r["reports"]) for r in rows)


def test_only_the_fragments_of_the_rows_shown_are_read(svc, monkeypatch):
    """An entity named by problems of several reports, asked for one problem, reads one fragment."""
    G = svc.graph

    def problem_reports(n: str) -> set[str]:
        return {G.nodes[p]["report_id"] for p in nx.all_neighbors(G, n) if G.nodes[p]["type"] == "Problem"}

    named = max((n for n, d in G.nodes(data=True) if d["type"] in ENTITY), key=lambda n: len(problem_reports(n)))
    assert len(problem_reports(named)) >= 2
    read: list[str] = []
    fragment_edges = svc.fragments.fragment_edges
    monkeypatch.setattr(svc.fragments, "fragment_edges", lambda rid: read.append(rid) or fragment_edges(rid))
    rows, total = svc.top_neighbours(named, 1, types={"Problem"})
    assert len(rows) == 1 and total > 1 and read == [rows[0]["reports"][0]]
    read.clear()
    svc.top_neighbours(named, 10, attributes=False)
    assert read == []


def test_an_edge_stated_by_many_reports_takes_its_details_from_the_latest(svc, monkeypatch):
    G = svc.graph
    node, edge = next((n, e) for n in G for e in G.edges(n, keys=True, data=True)
                      if G.nodes[n]["type"] in ENTITY and len(e[3]["reports"]) >= 2)
    monkeypatch.setattr(graph.local, "EDGE_REPORTS", 1)
    rows, _ = svc.top_neighbours(node, 10_000)
    row = next(r for r in rows if r["id"] == edge[1] and r["edge"] == edge[2] and r["direction"] == "out")
    dates = svc.store.report_dates(edge[3]["reports"])
    latest = max(edge[3]["reports"], key=lambda r: (dates[r], r))
    assert row["reports"] == [latest] and row["report_count"] == len(edge[3]["reports"])


@pytest.mark.parametrize("cap", [1, 2, 100])
def test_overview_draws_the_best_connected_units_and_their_teams(svc, cap):
    G = svc.graph
    nodes, links = svc.overview(12, cap)
    assert (nodes, sorted(links)) == (query.overview(G, 12, cap)[0], sorted(query.overview(G, 12, cap)[1]))
    units = [n for n in nodes if G.nodes[n]["type"] == "Unit"]
    every = sorted((n for n, d in G.nodes(data=True) if d["type"] == "Unit"), key=lambda n: (-G.degree(n), n))
    assert sorted(units) == sorted(every[:cap]) and svc.count("Unit") == len(every)
    teams = {n for n in nodes if G.nodes[n]["type"] == "InspectionTeam"}
    assert teams == {v for u in units for _, v, k in G.out_edges(u, keys=True) if k == "INSPECTED_BY"} or cap >= len(every)
    drawn = set(nodes)
    assert all(u in drawn and v in drawn for u, v, _ in links)


def test_cli_neighbors_says_how_many_it_left_out(corpus_ws):
    every = json.loads(test_graph.run(corpus_ws, "neighbors", "覃文乐", "--json").stdout)
    assert every["total"] == len(every["neighbors"]) > 2 and every["notices"] == []
    capped = json.loads(test_graph.run(corpus_ws, "neighbors", "覃文乐", "--limit", "2", "--json").stdout)
    assert capped["neighbors"] == every["neighbors"][:2] and capped["total"] == every["total"]
    assert [n["code"] for n in capped["notices"]] == ["graph_neighbors_capped"]
    text = test_graph.run(corpus_ws, "neighbors", "覃文乐", "--limit", "2")
    assert text.exit_code == 0 and len(text.stdout.splitlines()) == 4
    assert f"共 {every['total']} 条关系,按来源报告数列出前 2 条,其余 {every['total'] - 2} 条未列出" in text.stdout

"""The knowledge graph: schema facts on the corpus, provenance and incremental removal, exports, CLI."""
from __future__ import annotations

import csv
import json
import re
import sqlite3

import networkx as nx
import pytest
from conftest import CORPUS, corpus_file, run_cli, small_report

from graph.build import (
    add_report,
    add_similarity,
    build_graph,
    load_graph,
    remove_report,
    save_graph,
    set_themes,
)
from graph.export import export
from graph.query import (
    Ambiguous,
    NotFound,
    cooccurrence,
    ego,
    neighbors,
    rankings,
    resolve,
    shortest_path,
    stats,
)
from graph.service import GraphService
from reports.model import Mention
from reports.parse import parse_file
from reports.store import Store

ZJJ = "Unit:张家界市文学艺术界联合会"
QINGYANG = "Unit:庆阳市文联"
SANGZHI = "Unit:政协桑植县委员会"
SHANDONG = "Unit:山东省作家协会"
YIYANG = "Unit:益阳市文化旅游广电体育局"
DISCIPLINE = "Regulation:中国共产党纪律处分条例"


# -- fixtures ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_ws(tmp_path_factory):
    """The demo corpus ingested once (parser + entity extractor) into a workspace."""
    from ui.service.workspace import Workspace
    ws = Workspace(tmp_path_factory.mktemp("graph") / "ws")
    outcomes = ws.ingest([CORPUS])
    assert [o.status for o in outcomes] == ["ingested"] * 5, [o.message for o in outcomes]
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def G(corpus_ws):
    return GraphService(corpus_ws.root, corpus_ws.store).graph


@pytest.fixture
def store_copy(corpus_ws, tmp_path):
    """A private copy of the corpus store, for tests that remove reports."""
    copy = Store(tmp_path / "copy" / "xuncha.db")
    corpus_ws.store.conn.backup(copy.conn)
    yield copy
    copy.close()


def report_of(prefix: str) -> str:
    return parse_file(corpus_file(prefix)).id


def snapshot(G: nx.MultiDiGraph) -> tuple[dict, dict]:
    """Everything a graph holds, comparable with ==."""
    def clean(d: dict) -> dict:
        return {k: (sorted(v) if isinstance(v, set) else v) for k, v in d.items()}
    return ({n: clean(d) for n, d in G.nodes(data=True)},
            {(u, v, k): clean(d) for u, v, k, d in G.edges(keys=True, data=True)})


# -- the schema on the corpus --------------------------------------------------------------------

def test_person_holds_both_roles_at_the_unit(G):
    person = resolve(G, "覃文乐")
    assert person == "Person:张家界市文学艺术界联合会/覃文乐"
    edge = G.edges[person, ZJJ, "HOLDS_ROLE"]
    assert {"党组书记", "主席"} <= set(edge["roles"])
    assert G.nodes[ZJJ]["type"] == "Unit"


def test_staff_cited_people_and_page_credits(G):
    """Issue 22: national and provincial leaders whose speeches were studied are cited, not staff;
    the page editor is no person of any report; every staff edge names a post."""
    people = {d["name"]: n for n, d in G.nodes(data=True) if d.get("type") == "Person"}
    assert "谢航" not in people
    for name in ("李克强", "毛伟明"):
        node = people[name]
        assert G.nodes[node]["relation"] == "cited" and not G.nodes[node].get("seen_in")
        assert not [k for _, _, k in G.out_edges(node, keys=True) if k == "HOLDS_ROLE"]
        assert {k for _, _, k in G.in_edges(node, keys=True)} == {"CITES"}
    staff_edges = [d for _, _, k, d in G.edges(keys=True, data=True) if k == "HOLDS_ROLE"]
    assert staff_edges and all(d.get("roles") for d in staff_edges)
    holders = {u for u, _, k in G.edges(keys=True) if k == "HOLDS_ROLE"}
    assert all(G.nodes[u]["relation"] == "staff" for u in holders)
    assert people["卜永强"] in holders and people["蔡毅"] not in holders  # a contact person holds no post


def test_same_numbered_teams_of_two_cities_are_distinct(G):
    zjj, qy = "InspectionTeam:张家界市委第三巡察组", "InspectionTeam:庆阳市委第三巡察组"
    inspected = {team: {u for u, _, k in G.in_edges(team, keys=True) if k == "INSPECTED_BY"} for team in (zjj, qy)}
    assert inspected == {zjj: {ZJJ}, qy: {QINGYANG}}
    assert G.edges[ZJJ, zjj, "INSPECTED_BY"]["start"] == "2020-03-10"
    assert G.edges[QINGYANG, qy, "INSPECTED_BY"]["round"] == "五届市委第一轮"
    with pytest.raises(Ambiguous) as err:
        resolve(G, "市委第三巡察组")
    assert {node for node, _ in err.value.candidates} == {zjj, qy}


def test_discipline_regulation_is_cited_by_two_units(G):
    """What the corpus supports: 张家界市文联 cites it in its account of the rectification work (not in
    a problem), 桑植县政协 in problem 32's rectification; through problems alone the regulation
    shared by two units is 党政领导干部选拔任用工作条例 (山东省作协, 益阳市文旅广体局)."""
    rows = {r["id"]: {b["id"] for b in r["by"]} for r in cooccurrence(G, "Regulation", by="Unit")}
    assert rows[DISCIPLINE] == {ZJJ, SANGZHI}
    via_problems = {r["id"]: {b["id"] for b in r["by"]} for r in cooccurrence(G, "Regulation", via=["Problem"])}
    assert via_problems[DISCIPLINE] == {SANGZHI}
    assert via_problems["Regulation:党政领导干部选拔任用工作条例"] == {SHANDONG, YIYANG}


def test_every_node_and_edge_carries_provenance(G, corpus_ws):
    texts = {rid: corpus_ws.store.load(rid).text for rid in corpus_ws.store.report_ids()}
    items = list(G.nodes(data=True)) + [((u, v, k), d) for u, v, k, d in G.edges(keys=True, data=True)]
    for item, d in items:
        assert d["reports"] and set(d["spans"]) <= d["reports"], item
        for rid, spans in d["spans"].items():
            assert all(0 <= s < e <= len(texts[rid]) for s, e in spans), item
    for node, d in G.nodes(data=True):
        if d["type"] in ("Person", "Regulation"):  # the spans really point at the name
            for rid, spans in d["spans"].items():
                assert all(texts[rid][s:e].strip("《》") in d["aliases"] for s, e in spans), node


def test_problem_tree_matches_the_store(G, corpus_ws):
    rows = corpus_ws.store.problem_rows()
    problems = {n for n, d in G.nodes(data=True) if d["type"] == "Problem"}
    assert problems == {f"Problem:{r['report_id']}/{r['id']}" for r in rows}
    children = {(f"Problem:{r['report_id']}/{r['id']}", f"Problem:{r['report_id']}/{r['parent_id']}")
                for r in rows if r["parent_id"]}
    assert {(u, v) for u, v, k in G.edges(keys=True) if k == "CHILD_OF"} == children
    assert G.nodes[SANGZHI]["region"] == "湖南省张家界市桑植县"
    assert G.has_edge(SANGZHI, "Place:桑植县", "LOCATED_IN") and G.has_edge("Place:桑植县", "Place:张家界市",
                                                                          "LOCATED_IN")


def test_unit_issues_its_own_documents(G):
    issued = [v for _, v, k in G.out_edges(YIYANG, keys=True) if k == "ISSUED"]
    assert issued and all(G.nodes[v]["type"] == "Document" for v in issued)


# -- incremental removal -------------------------------------------------------------------------

def test_removing_a_report_drops_exactly_what_only_it_supported(G, store_copy):
    rid = report_of("000")
    before = G.copy()
    only_it = {n for n, d in before.nodes(data=True) if d["reports"] == {rid}}
    shared = {n for n, d in before.nodes(data=True) if rid in d["reports"] and len(d["reports"]) > 1}
    assert ZJJ in only_it and "Place:湖南省" in shared
    after = before.copy()
    remove_report(after, rid)
    items = list(after.nodes(data=True)) + [(e, d) for *e, d in after.edges(keys=True, data=True)]
    assert all(d["reports"] and rid not in d["reports"] and rid not in d["spans"] for _, d in items)
    assert not only_it & set(after.nodes)
    assert shared <= set(after.nodes)
    assert G.nodes["Place:湖南省"]["reports"] == before.nodes["Place:湖南省"]["reports"]  # copies stay apart
    assert rid in G.nodes["Place:湖南省"]["reports"]
    # and the result is exactly the graph built without that report
    store_copy.remove(rid)
    assert snapshot(after) == snapshot(build_graph(store_copy))


def test_graph_is_the_same_whatever_order_reports_arrive(store_copy):
    forward = build_graph(store_copy)
    backward = nx.MultiDiGraph(**forward.graph)
    for rid in reversed(store_copy.report_ids()):
        add_report(backward, store_copy, rid)
    assert snapshot(forward) == snapshot(backward)


def test_service_catches_up_with_the_store(store_copy, tmp_path, monkeypatch):
    """A sync stores the fragments of reports added and drops those removed: it never rebuilds, and
    the graph a reader assembles is the graph built from the store."""
    root = store_copy.path.parent
    svc = GraphService(root, store_copy)
    full = svc.graph.number_of_nodes()
    import graph.service as service_module
    monkeypatch.setattr(service_module.GraphService, "rebuild", lambda *a, **k: pytest.fail("rebuilt instead of caught up"))
    rid = report_of("001")
    store_copy.remove(rid)
    assert f"Report:{rid}" not in svc.graph
    assert svc.graph.graph["generation"] == store_copy.generation()
    assert svc.fragments.report_ids() == set(store_copy.report_ids())
    assert snapshot(GraphService(root, store_copy).graph) == snapshot(svc.graph) == snapshot(build_graph(store_copy))
    report = parse_file(corpus_file("001"))
    from reports.entities import extract_entities
    store_copy.add(report, extract_entities(report.text, unit=report.unit, unit_short=report.unit_short))
    fresh = GraphService(root, store_copy)  # a second process: merges the fragments, then catches up
    assert fresh.graph.number_of_nodes() == full and f"Report:{rid}" in fresh.graph
    assert snapshot(fresh.graph) == snapshot(build_graph(store_copy))


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_incremental_fragments_equal_a_rebuild_whatever_the_order(store_copy, order):
    """Reports removed and added back one at a time, each followed by a sync, in either order: the
    assembled graph (with links and themes) equals the one rebuilt from the store at every step."""
    root = store_copy.path.parent
    svc = GraphService(root, store_copy)
    ids = store_copy.report_ids()
    pairs = [(ids[0], "1", ids[1], "1", 0.5), (ids[2], "2", ids[3], "1", 0.4)]
    themes = [{"id": "t1", "label": "主题", "members": [(ids[0], "1"), (ids[1], "1")]}]
    svc.set_similarity(pairs)
    svc.set_themes(themes)
    reports = {rid: (store_copy.load(rid), store_copy.mentions(rid)) for rid in ids}
    steps = ids if order == "forward" else list(reversed(ids))

    def expected() -> nx.MultiDiGraph:
        G = build_graph(store_copy)
        set_themes(G, themes)
        add_similarity(G, pairs)
        return G

    for rid in steps[:3]:
        store_copy.remove(rid)
        svc.sync()
        assert snapshot(svc.graph) == snapshot(expected())
    for rid in reversed(steps[:3]):
        from reports.model import Mention
        report, mentions = reports[rid]
        store_copy.add(report, [Mention(m["type"], m["name"], m["canonical"], tuple(m["span"]), m["role"], m["attrs"])
                                for m in mentions])
        svc.sync()
        assert snapshot(GraphService(root, store_copy).graph) == snapshot(expected())


def test_unreadable_graph_file_is_rebuilt(store_copy):
    root = store_copy.path.parent
    (root / "graph.db").write_bytes(b"not a database at all" * 100)
    assert GraphService(root, store_copy).stats()["reports"] == 5


# -- persistence and exports ---------------------------------------------------------------------

def test_node_link_json_roundtrip(G, tmp_path):
    path = save_graph(G, tmp_path / "g.json")
    assert not list(tmp_path.glob(".g.json.*"))  # temp file renamed away
    assert snapshot(load_graph(path)) == snapshot(G)


def test_graphml_roundtrips_with_same_counts(G, tmp_path):
    [path] = export(G, "graphml", tmp_path)
    back = nx.read_graphml(path)
    assert (back.number_of_nodes(), back.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    person = back.nodes["Person:张家界市文学艺术界联合会/覃文乐"]
    assert "主席" in json.loads(person["roles"])


def test_neo4j_csv_headers_and_rows(G, tmp_path):
    files = export(G, "neo4j", tmp_path)
    typed = re.compile(r"^\w+(:(string\[\]|long|double|boolean))?$")
    ids, n_nodes, n_rels = set(), 0, 0
    for path in sorted(tmp_path.glob("nodes_*.csv")):
        header, *rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
        assert header[:3] == ["id:ID", "name", ":LABEL"] and all(typed.match(h) for h in header[3:]), header
        label = path.stem.removeprefix("nodes_")
        assert all(r[2].split(";")[0] == label and len(r) == len(header) for r in rows)
        ids |= {r[0] for r in rows}
        n_nodes += len(rows)
    for path in sorted(tmp_path.glob("rels_*.csv")):
        header, *rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
        assert header[:3] == [":START_ID", ":END_ID", ":TYPE"] and all(typed.match(h) for h in header[3:])
        assert all(r[0] in ids and r[1] in ids and r[2] == path.stem.removeprefix("rels_") for r in rows)
        n_rels += len(rows)
    assert (n_nodes, n_rels) == (G.number_of_nodes(), G.number_of_edges())
    script = (tmp_path / "import.sh").read_text(encoding="utf-8")
    assert "database import full" in script and script.count("--nodes=") + script.count("--relationships=") \
        == len(files) - 1
    with (tmp_path / "nodes_Unit.csv").open(encoding="utf-8", newline="") as fh:
        assert any(r[":LABEL"] == "Unit;Organization" for r in csv.DictReader(fh))


# -- queries -------------------------------------------------------------------------------------

def test_not_found_names_the_closest(G):
    with pytest.raises(NotFound) as err:
        resolve(G, "纪律处分条例")
    assert "中国共产党纪律处分条例" in err.value.suggestions
    with pytest.raises(NotFound) as err:
        resolve(G, "覃文东")
    assert "覃文乐" in err.value.suggestions


def test_path_and_neighbors(G):
    path = shortest_path(G, resolve(G, "覃文乐"), resolve(G, "中国共产党纪律处分条例"))
    assert path["length"] == 2 and path["nodes"][1]["type"] in ("Report", "Problem")
    types = {r["edge"] for r in neighbors(G, ZJJ)}
    assert {"ABOUT", "INSPECTED_BY", "HOLDS_ROLE", "LOCATED_IN"} <= types
    assert stats(G)["nodes_by_type"]["Report"] == 5
    sub = ego(G, ZJJ, radius=1, types=["Person"])
    assert ZJJ in sub and {d["type"] for n, d in sub.nodes(data=True) if n != ZJJ} == {"Person"}
    top = rankings(G, "Regulation", by="units", top=3)
    assert top[0]["score"] == 2 and DISCIPLINE in {r["id"] for r in top if r["score"] == 2}


def test_overview_shows_units_teams_and_the_most_connected_people_and_regulations(G):
    from graph.query import OVERVIEW_EDGE, overview
    nodes, links = overview(G, top=3)
    types = [G.nodes[n]["type"] for n in nodes]
    assert types.count("Unit") == 5 and types.count("InspectionTeam") == sum(
        d["type"] == "InspectionTeam" for _, d in G.nodes(data=True))
    assert types.count("Person") == 3 and types.count("Regulation") == 3
    people = [n for n in nodes if G.nodes[n]["type"] == "Person"]
    assert min(G.degree(n) for n in people) >= max(
        G.degree(n) for n, d in G.nodes(data=True) if d["type"] == "Person" and n not in people)
    present = set(nodes)
    assert all(u in present and v in present for u, v, _ in links)
    assert ("INSPECTED_BY" in {k for _, _, k in links}) and any(k == OVERVIEW_EDGE for _, _, k in links)
    assert (DISCIPLINE in present) == (DISCIPLINE in {r["id"] for r in rankings(G, "Regulation", top=3)})
    for u, v, k in links:  # a derived link joins a person/regulation to a unit whose report names it
        if k == OVERVIEW_EDGE:
            assert G.nodes[v]["type"] == "Unit" and not G.has_edge(u, v) and not G.has_edge(v, u)


# -- a small hand-built store: two 李军 in two units -----------------------------------------------

def _report(rid: str, unit: str, short: str, region: str, team: str, role: str, other_org: str | None):
    """conftest.small_report with hand-made mentions: 李军 in a role of the unit, a regulation, maybe an org."""
    canonical = unit.removeprefix("中共").removesuffix("党组")
    problem = "落实《中国共产党纪律处分条例》不到位。" + (f"与{other_org}沟通不够。" if other_org else "")
    report = small_report(rid, unit, short=short, region=region, level="市", problem=problem, team=team,
                          extra=f"{role}李军任组长。\n")
    at = report.text.index
    mentions = [Mention("person", "李军", "李军", (at("李军"), at("李军") + 2), role=role, attrs={"org": canonical}),
                Mention("regulation", "《中国共产党纪律处分条例》", "中国共产党纪律处分条例",
                        (at("《"), at("》") + 1))]
    if other_org:
        mentions.append(Mention("organization", other_org, other_org, (at(other_org), at(other_org) + len(other_org))))
    return report, mentions


A, B = "a" * 16, "b" * 16


@pytest.fixture
def small_store(tmp_path):
    store = Store(tmp_path / "small" / "xuncha.db")
    store.add(*_report(A, "中共张家界市文学艺术界联合会党组", "市文联", "湖南省张家界市", "市委第三巡察组", "主席", None))
    store.add(*_report(B, "中共庆阳市文联党组", "市文联", "甘肃省庆阳市", "市委第三巡察组", "党组书记",
                       "张家界市文学艺术界联合会"))
    yield store
    store.close()


def test_two_people_with_one_name_are_ambiguous(small_store):
    G = build_graph(small_store)
    with pytest.raises(Ambiguous) as err:
        resolve(G, "李军", type="person")
    assert dict(err.value.candidates) == {"Person:张家界市文学艺术界联合会/李军": "张家界市文学艺术界联合会",
                                          "Person:庆阳市文联/李军": "庆阳市文联"}
    assert resolve(G, "Person:庆阳市文联/李军") == "Person:庆阳市文联/李军"


def test_cli_lists_ambiguous_candidates_with_units(small_store):
    result = run_cli("graph", "neighbors", "李军", "--workspace", str(small_store.path.parent))
    assert result.exit_code == 1
    assert "庆阳市文联" in result.output and "张家界市文学艺术界联合会" in result.output
    assert "Traceback" not in result.output


def test_a_mentioned_unit_is_one_node_and_reverts_when_its_report_goes(small_store):
    G = build_graph(small_store)
    assert G.has_edge(f"Problem:{B}/1", ZJJ, "MENTIONS") and G.nodes[ZJJ]["reports"] == {A, B}
    remove_report(G, A)
    org = "Organization:张家界市文学艺术界联合会"
    assert ZJJ not in G and G.nodes[org]["reports"] == {B} and G.has_edge(f"Problem:{B}/1", org, "MENTIONS")
    add_report(G, small_store, A)
    assert snapshot(G) == snapshot(build_graph(small_store))


def test_similarity_and_themes_follow_their_problems(small_store):
    G = build_graph(small_store)
    assert add_similarity(G, [(A, "1", B, "1", 0.91), (A, "1", "c" * 16, "9", 0.5)]) == 1
    assert G.edges[f"Problem:{A}/1", f"Problem:{B}/1", "SIMILAR_TO"]["reports"] == {A, B}
    set_themes(G, [{"id": "t1", "label": "纪律", "members": [(A, "1"), (B, "1")]},
                   {"id": "t2", "label": "只有A", "members": [(A, "1")]}])
    assert G.nodes["Theme:t1"]["size"] == 2
    remove_report(G, B)
    assert not any(k == "SIMILAR_TO" for *_, k in G.edges(keys=True))
    assert G.nodes["Theme:t1"]["members"] == [[A, "1"]] and G.nodes["Theme:t2"]["reports"] == {A}
    remove_report(G, A)
    assert G.number_of_nodes() == 0


# -- the CLI on the corpus -----------------------------------------------------------------------

def run(corpus_ws, *args: str):
    return run_cli("graph", *args, "--workspace", str(corpus_ws.root))


def test_cli_neighbors_json(corpus_ws):
    result = run(corpus_ws, "neighbors", "覃文乐", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    roles = [r for r in data["neighbors"] if r["edge"] == "HOLDS_ROLE" and r["id"] == ZJJ]
    assert roles and "主席" in roles[0]["edge_attrs"]["roles"]
    assert "覃文乐" in result.stdout  # UTF-8, not ASCII-escaped


def test_cli_not_found_is_one_line_with_suggestions(corpus_ws):
    result = run(corpus_ws, "neighbors", "覃文东", "--json")
    assert result.exit_code == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "知识图谱中没有" in lines[0] and "覃文乐" in lines[0]


def test_cli_ambiguous_team_lists_units(corpus_ws):
    result = run(corpus_ws, "path", "市委第三巡察组", "覃文乐")
    assert result.exit_code == 1 and "庆阳市文联" in result.stderr and "张家界市文学艺术界联合会" in result.stderr


def test_cli_path_stats_export(corpus_ws, tmp_path):
    path = run(corpus_ws, "path", "覃文乐", "中国共产党纪律处分条例", "--json")
    assert path.exit_code == 0 and json.loads(path.stdout)["length"] == 2
    counts = json.loads(run(corpus_ws, "stats", "--json").stdout)
    assert counts["reports"] == 5 and counts["nodes_by_type"]["InspectionTeam"] >= 5
    for fmt in ("graphml", "json", "neo4j"):
        result = run(corpus_ws, "export", "--format", fmt, str(tmp_path / fmt), "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["nodes"] == counts["nodes"]
    assert (tmp_path / "neo4j" / "nodes_Person.csv").exists()


def test_cli_missing_workspace_is_a_user_error(tmp_path):
    result = run_cli("graph", "stats", "--workspace", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "没有工作区" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_sqlite_backup_copy_is_independent(corpus_ws, store_copy):
    """Guard for the fixtures above: removing from the copy leaves the module workspace whole."""
    store_copy.remove(report_of("004"))
    assert len(corpus_ws.store.report_ids()) == 5
    assert isinstance(store_copy.conn, sqlite3.Connection)


def test_service_lookups_the_views_use(corpus_ws):
    svc = GraphService(corpus_ws.root, corpus_ws.store)
    assert svc.report_unit(report_of("000")) == ZJJ
    assert svc.report_unit("0000000000000000") is None
    shown, hidden = svc.ranked_neighbours(ZJJ, {"Person"}, 3)
    people = {n for n in (*svc.graph.successors(ZJJ), *svc.graph.predecessors(ZJJ))
              if svc.graph.nodes[n].get("type") == "Person"}
    assert len(people) > 3 and len(shown) == 3 and hidden == len(people) - 3
    assert all(svc.attrs(shown)[n]["type"] == "Person" for n in shown)
    degrees = [svc.graph.degree(n) for n in shown]
    assert degrees == sorted(degrees, reverse=True)
    edges = svc.edges_among([ZJJ, *shown])
    assert edges and all({u, v} <= {ZJJ, *shown} for u, v, _ in edges)
    rows = svc.entity_rows({"Unit"})
    assert {r[0] for r in rows} >= {ZJJ, QINGYANG, SANGZHI, SHANDONG, YIYANG}
    assert all(r[1] == "Unit" and r[2] for r in rows)
    assert list(svc.attrs(["nope", ZJJ])) == [ZJJ] and "Unit" in svc.node_types()

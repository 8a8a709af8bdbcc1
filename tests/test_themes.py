"""Themes across units, the unit x theme map, "how others fixed it", and their CLI.

One workspace per module: the demo corpus is ingested and synced once, so the embedding model
loads once. Tests that change a workspace work on a copy. Themes are judged against the
hand-labelled topics in tests/gold/topics.json: a topic is matched to the theme that shares the
most problems with it, never to a label string.
"""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli

from embeddings.backends.sentence_transformer import PRECISION_ENV
from embeddings.themes import (
    DEFAULT_CONFIG,
    LABEL_STOPWORDS,
    ProblemSet,
    ThemeConfig,
    compute_themes,
    ctfidf_terms,
    leaf_rows,
    representative_phrase,
)
from reports.parse import parse_file
from ui.service import themes as theme_service_module
from ui.service.fix_finder import FixFinder, UnknownUnitError
from ui.service.fixes import (
    MERGE_THRESHOLD,
    MeasureKey,
    char_ngrams,
    detail_link,
    jaccard,
    merge_measures,
    near_duplicate,
    titles,
    usable_hits,
)
from ui.service.themes import THEMES_FILE, ThemeService
from ui.service.workspace import DEMO_CORPUS, Workspace

ROOT = Path(__file__).resolve().parent.parent
GOLD = json.loads((ROOT / "tests" / "gold" / "topics.json").read_text("utf-8"))
BENCH = ROOT / "bench" / "results" / "themes.json"
ZJJ = "fbe545c4025f9a17"     # 000 张家界市文联
QY = "7b3e89d1d0a8cdd9"      # 001 庆阳市文联
SD = "c5cdda18cb1b96e4"      # 002 山东省作协
SZ = "62ec06aef35113f0"      # 003 桑植县政协
YY = "7e881da2de6b8ab3"      # 004 益阳市文旅广体局
QUERY = "三会一课制度落实不到位"


@pytest.fixture(scope="module", autouse=True)
def fp32_documents():
    """Every workspace here embeds its documents in fp32, as bench.eval_themes does: bf16's roundings
    differ between CPUs' kernels (AMX, AVX512-BF16) and move the Louvain partition (ARI to the topics
    0.678 vs 0.646 on the corpus), fp32's do not, so the figures hold on any CPU."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PRECISION_ENV, "fp32")
        yield


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The demo corpus in a workspace, graph and search index synced, themes computed."""
    root = tmp_path_factory.mktemp("themes") / "ws"
    ws = Workspace(root)
    outcomes = ws.ingest([DEMO_CORPUS])
    assert all(o.status == "ingested" for o in outcomes)
    ws.sync()
    svc = ThemeService.from_workspace(ws)
    svc.sync()
    yield ws, svc
    ws.close()


def copy_workspace(ws: Workspace, dest: Path) -> Workspace:
    """A second workspace with the same contents (the WAL folded in first, so the copy is whole)."""
    ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(ws.root, dest)
    return Workspace(dest)


def topic(topic_id: str) -> set[tuple[str, str]]:
    return {tuple(m) for t in GOLD["topics"] if t["id"] == topic_id for m in t["members"]}


def best_theme(themes: list[dict], members: set[tuple[str, str]]) -> dict:
    """The theme sharing the most problems with a labelled topic (ties: the smaller theme)."""
    def overlap(t: dict) -> int:
        return len(members & {(m["report_id"], m["problem_id"]) for m in t["members"]})
    return max(themes, key=lambda t: (overlap(t), -t["size"]))


# -- the labelled topics -------------------------------------------------------------------------

def test_gold_topics_name_leaf_problems_once(built):
    ws, _ = built
    rows = ws.store.problem_rows()
    leaves = {(r["report_id"], str(r["id"])) for r in leaf_rows(rows)}
    seen: set[tuple[str, str]] = set()
    for t in GOLD["topics"]:
        members = {tuple(m) for m in t["members"]}
        assert members <= leaves, (t["id"], members - leaves)
        assert not members & seen, t["id"]
        seen |= members
    measures = {(r["report_id"], str(r["id"])): r["measures"] for r in rows}
    for pair in GOLD["measure_duplicates"]["pairs"]:
        for side in ("a", "b"):
            rid, pid, n = pair[side]
            assert measures[(rid, pid)][n].startswith(pair[f"{side}_text"])


# -- themes --------------------------------------------------------------------------------------

def test_theory_study_theme_spans_four_units(built):
    _, svc = built
    members = topic("theory")
    theme = best_theme(svc.themes(), members)
    shared = members & {(m["report_id"], m["problem_id"]) for m in theme["members"]}
    assert len(shared) >= len(members) / 2, theme["label"]
    assert theme["unit_count"] >= 4, (theme["label"], theme["units"])
    assert any("学习" in term for term in theme["terms"][:5]), theme["terms"]


def test_ideology_theme_spans_three_units(built):
    _, svc = built
    members = topic("ideology")
    theme = best_theme(svc.themes(), members)
    shared = members & {(m["report_id"], m["problem_id"]) for m in theme["members"]}
    assert len(shared) >= len(members) / 2, theme["label"]
    assert theme["unit_count"] >= 3, (theme["label"], theme["units"])
    assert theme["label"].startswith("意识形态和网络阵地：")


def agreement(themes: list[dict]) -> float:
    """Adjusted Rand index against the labelled topics, on the labelled problems (a problem in
    no theme is a cluster of its own)."""
    from sklearn.metrics import adjusted_rand_score

    label = {(m["report_id"], m["problem_id"]): t["id"] for t in themes for m in t["members"]}
    gold = {tuple(m): t["id"] for t in GOLD["topics"] for m in t["members"]}
    keys = sorted(gold)
    return adjusted_rand_score([gold[k] for k in keys], [label.get(k, f"alone:{k}") for k in keys])


def test_agreement_is_what_the_bench_reports(built):
    _, svc = built
    assert BENCH.is_file(), "run python -m bench.eval_themes"
    bench = json.loads(BENCH.read_text("utf-8"))
    assert bench["default_run"]["config"] == json.loads(DEFAULT_CONFIG.key()), "bench results are stale: rerun it"
    ari = agreement(svc.themes())
    assert ari == pytest.approx(bench["default_run"]["ari"], abs=0.02)
    assert ari >= 0.4


def test_themes_are_deterministic_and_ordered(built):
    _, svc = built
    problems, _ = svc._problem_set()
    a, b = compute_themes(problems), compute_themes(problems)
    assert a.themes == b.themes and a.pairs == b.pairs
    assert a.themes == svc.themes()
    order = [(-t["unit_count"], -t["size"]) for t in a.themes]
    assert order == sorted(order)
    assert len({t["id"] for t in a.themes}) == len(a.themes)
    themed = [(m["report_id"], m["problem_id"]) for t in a.themes for m in t["members"]]
    assert len(themed) == len(set(themed))
    assert len(themed) + len(a.unthemed) == len(problems)


def test_labels_name_the_dominant_type_and_a_member_phrase(built):
    """形式主义官僚主义：精简会议未达标 — a type from the taxonomy, then a member's own words; the
    c-TF-IDF terms stay available but are no longer the name."""
    from collections import Counter

    _, svc = built
    for t in svc.themes():
        firsts = Counter(m["types"][0] for m in t["members"] if m["types"])
        assert t["type"] in firsts and firsts[t["type"]] == max(firsts.values())
        kind, phrase = t["label"].split("：", 1)
        assert kind == t["type"]
        assert any(representative_phrase(m["text"]) == phrase and m["types"][0] == kind for m in t["members"]), t["label"]
        assert not set(t["terms"]) & LABEL_STOPWORDS
        for x in t["terms"]:
            assert not any(x != y and x in y for y in t["terms"]), t["terms"]
        assert t["unit_count"] == len(t["units"]) == len({m["unit"] for m in t["members"]})


def test_ctfidf_prefers_terms_shared_inside_a_theme():
    tokens = [["三会一课", "党费"], ["三会一课", "组织生活会"], ["意识形态", "舆情"], ["意识形态", "网络安全"]]
    terms = ctfidf_terms([[0, 1], [2, 3]], tokens)
    assert terms[0][0][0] == "三会一课" and terms[1][0][0] == "意识形态"
    assert all(t not in ("党费", "舆情") for t, _ in terms[0] + terms[1])  # in one problem only


def test_tiny_problem_sets():
    empty = ProblemSet([], np.zeros((0, 4), np.float32), [])
    assert compute_themes(empty).themes == []
    one = ProblemSet([{"report_id": "r", "id": "1", "unit": "u", "text": "x"}], np.ones((1, 4), np.float32), [["x"]])
    result = compute_themes(one)
    assert result.themes == [] and result.unthemed == [("r", "1")]


def test_cache_is_reused_and_settings_invalidate_it(built, monkeypatch):
    ws, svc = built
    doc = json.loads((ws.root / THEMES_FILE).read_text("utf-8"))
    assert doc["stamp"]["generation"] == ws.store.generation()
    assert doc["themes"] == svc.snapshot()["themes"]
    # lean on disk: members as keys (their texts come from the store), no pairs
    assert "pairs" not in doc and all(isinstance(m, list) and len(m) == 2 for t in doc["themes"] for m in t["members"])
    assert [[[m["report_id"], m["problem_id"]] for m in t["members"]] for t in svc.themes()] == \
        [t["members"] for t in doc["themes"]]

    def boom(*args, **kwargs):
        raise AssertionError("recomputed although the cache is current")

    monkeypatch.setattr(theme_service_module, "compute_themes", boom)
    assert ThemeService.from_workspace(ws).themes() == svc.themes()
    other = ThemeService.from_workspace(ws, ThemeConfig(resolution=DEFAULT_CONFIG.resolution + 1))
    with pytest.raises(AssertionError, match="recomputed"):
        other.themes()
    assert not list(ws.root.glob(f".{THEMES_FILE}.*"))  # no temp file left behind


def test_unit_theme_matrix(built):
    _, svc = built
    m = svc.unit_theme_matrix()
    themes = svc.themes()
    assert len(m["units"]) == 5 and m["themes"] == [t["id"] for t in themes]
    assert len(m["counts"]) == 5 and all(len(row) == len(themes) for row in m["counts"])
    assert sum(map(sum, m["counts"])) == sum(t["size"] for t in themes)
    for col, t in enumerate(themes):
        assert sum(row[col] > 0 for row in m["counts"]) == t["unit_count"]
    assert set(m["unit_labels"]) == {"张家界市文联", "庆阳市文联", "山东省作协", "桑植县政协", "益阳市文旅广体局"}
    assert representative_phrase("关于团结引导用力不足方面。") == "团结引导用力不足"


# -- graph -------------------------------------------------------------------------------------------

def test_graph_holds_themes_and_cross_unit_similarity(built):
    ws, svc = built
    G = ws.graph.graph
    themes = svc.themes()
    nodes = {d["theme_id"]: n for n, d in G.nodes(data=True) if d.get("type") == "Theme"}
    assert set(nodes) == {t["id"] for t in themes}
    in_theme = [(u, v) for u, v, k in G.edges(keys=True) if k == "IN_THEME"]
    assert len(in_theme) == sum(t["size"] for t in themes)
    assert all(G.nodes[u]["type"] == "Problem" for u, _ in in_theme)
    similar = [(u, v, d) for u, v, k, d in G.edges(keys=True, data=True) if k == "SIMILAR_TO"]
    assert len(similar) == len(svc.pairs()) == svc.snapshot()["stats"]["similar_pairs"] > 0
    for u, v, d in similar:
        assert G.nodes[u]["unit"] != G.nodes[v]["unit"]
        assert d["score"] >= DEFAULT_CONFIG.similar_min
    labels = ws.theme_labels()
    assert len(labels) == sum(t["size"] for t in themes)
    ledger = {(r["report_id"], r["problem_id"]): r["theme"] for r in ws.ledger_rows()}
    assert ledger[(SZ, "2")] == labels[(SZ, "2")] != ""
    assert svc.sync()["graph"] is None  # nothing to write a second time


def test_removing_a_report_updates_themes_and_graph(built, tmp_path):
    ws = copy_workspace(built[0], tmp_path / "copy")
    try:
        svc = ThemeService.from_workspace(ws)
        before = svc.themes()
        # the report that alone supports the most themes (政协履职 is 桑植's own, 执法 益阳's, ...)
        single = {}
        for t in before:
            if len(t["reports"]) == 1:
                single.setdefault(t["reports"][0], []).append(t["id"])
        assert single, "the corpus has themes that only one report supports"
        gone, only_it = max(single.items(), key=lambda kv: (len(kv[1]), kv[0]))
        assert ws.remove(gone)
        G = ws.graph.graph  # catches up with the store: what only that report supported is gone
        assert not [n for n, d in G.nodes(data=True) if d.get("type") == "Theme" and d.get("theme_id") in only_it]
        summary = svc.sync()
        assert summary["recomputed"] and summary["generation"] == ws.store.generation()
        after = svc.themes()
        assert after and all(m["report_id"] != gone for t in after for m in t["members"])
        assert not {t["id"] for t in after} & set(only_it)
        assert all(gone not in t["reports"] for t in after)
        G = ws.graph.graph
        theme_nodes = [d for _, d in G.nodes(data=True) if d.get("type") == "Theme"]
        assert {d["theme_id"] for d in theme_nodes} == {t["id"] for t in after}
        assert all(gone not in d["reports"] for d in theme_nodes)
        assert all(gone not in d["reports"] for _, _, k, d in G.edges(keys=True, data=True) if k == "SIMILAR_TO")
        assert json.loads((ws.root / THEMES_FILE).read_text("utf-8"))["stamp"]["generation"] == ws.store.generation()
    finally:
        ws.close()


# -- incremental updates (issue 23) -----------------------------------------------------------------

def _theme_view(svc: ThemeService) -> tuple:
    """What an update decides: theme ids with their members, pairs (scores to 5 places), unthemed; the
    graph holds exactly those pairs (an update that only adds patches them there: pair_changes)."""
    doc = svc.snapshot()
    themes = {t["id"]: sorted(tuple(m) for m in t["members"]) for t in doc["themes"]}
    pairs = sorted((tuple(p[:4]), round(p[4], 5)) for p in svc.pairs())
    assert sorted((tuple(p[:4]), round(p[4], 5)) for p in svc.graph.links("SIMILAR_TO")) == pairs
    assert doc["stats"]["similar_pairs"] == len(pairs)
    return themes, pairs, sorted(tuple(k) for k in doc["unthemed"])


def _base_workspace(built, dest: Path, keep: set[str]) -> Workspace:
    """A copy of the corpus workspace holding only the reports ``keep``, themes clustered on them."""
    ws = copy_workspace(built[0], dest)
    for rid in ws.store.report_ids():
        if rid not in keep:
            ws.remove(rid)
    ws.sync()
    ws.themes.sync(force=True)
    return ws


def _corpus_file(report_id: str) -> Path:
    return next(p for p in sorted(DEMO_CORPUS.glob("*.txt")) if parse_file(p).id == report_id)


def _add(ws: Workspace, report_id: str) -> None:
    assert [o.status for o in ws.ingest([_corpus_file(report_id)])] == ["ingested"]
    ws.sync()


def _same_view(a: tuple, b: tuple) -> None:
    """Two workspaces' updates decided the same: the same themes, members, pairs and unthemed problems;
    pair scores to the encoder's batch precision. A document's vector depends slightly on the texts
    that share its encoding batch (bf16 on CPUs that have it: ~1e-3 per component, ~2e-4 on a cosine),
    and reports added one by one are encoded in other batches than reports added together."""
    assert a[0] == b[0] and a[2] == b[2]
    assert [k for k, _ in a[1]] == [k for k, _ in b[1]]
    assert [s for _, s in a[1]] == pytest.approx([s for _, s in b[1]], abs=1e-3)


def test_incremental_themes_equal_a_rebuild_from_the_same_base_in_any_order(built, tmp_path):
    """Reports added one by one, or together, give the themes and SIMILAR_TO pairs that recomputing
    every neighbour list and every join from the same base gives; removing them again in either order
    too. Theme ids stay those of the base."""
    views = {}
    for name, steps, full in (("one-by-one", [[QY], [SZ]], False), ("reversed", [[SZ], [QY]], False),
                              ("together", [[QY, SZ]], False), ("rebuild", [[QY, SZ]], True)):
        ws = _base_workspace(built, tmp_path / name, {ZJJ, SD, YY})
        try:
            base_ids = {t["id"] for t in ws.themes.themes()}
            ws.themes.drift_threshold = 1.0   # never re-cluster here: the base stays fixed
            ws.themes.incremental_min = 0
            ws.themes.full_update = full
            for step in steps:
                for rid in step:
                    assert [o.status for o in ws.ingest([_corpus_file(rid)])] == ["ingested"]
                ws.sync()
            doc = ws.themes.snapshot()
            assert doc["stats"].get("incremental") and {t["id"] for t in doc["themes"]} <= base_ids
            assert any(r in (QY, SZ) for t in doc["themes"] for r, _ in t["members"])
            views[name] = _theme_view(ws.themes)
            if name == "one-by-one":   # and back: remove in both orders from copies of this state
                for order in ((QY, SZ), (SZ, QY)):
                    other = copy_workspace(ws, tmp_path / f"remove-{order[0]}")
                    try:
                        other.themes.drift_threshold, other.themes.incremental_min = 1.0, 0
                        other.remove(order[0])
                        other.sync()
                        views[f"remove-{order[0]}-first"] = _theme_view(other.themes)
                        other.remove(order[1])
                        other.sync()
                        views[f"removed-{order[0]}-first"] = _theme_view(other.themes)
                    finally:
                        other.close()
        finally:
            ws.close()
    for name in ("reversed", "together", "rebuild"):
        _same_view(views["one-by-one"], views[name])
    _same_view(views[f"removed-{QY}-first"], views[f"removed-{SZ}-first"])
    base_only = views[f"removed-{QY}-first"]
    assert all(k[0] not in (QY, SZ) for members in base_only[0].values() for k in members)


def test_incremental_themes_by_candidates_equal_the_exact_update(built, tmp_path, caplog):
    """Above ``candidate_min`` (lowered here) an update searches the candidate index kept beside
    themes-state.npz (embeddings/themes_candidates.py); with every problem among the candidates it decides
    what the exact scan decides, through additions and a removal. A damaged index is rebuilt, with a
    coded warning."""
    import faiss

    from embeddings.themes_candidates import CandidateIndex, CandidateParams
    from reports.shared.messages import LOG_FORMATS
    from ui.service.themes_index import INDEX_GLOB
    from ui.service.themes_state import STATE_FILE, read_state

    views = {}
    for name in ("exact", "candidates"):
        ws = _base_workspace(built, tmp_path / name, {ZJJ, SD, YY})
        try:
            ws.themes.drift_threshold, ws.themes.incremental_min = 1.0, 0
            if name == "candidates":
                ws.themes.candidate_min, ws.themes.candidate_params = 0, CandidateParams(m=4096, join_m=4096)
            _add(ws, QY)
            if name == "candidates":
                [path] = ws.root.glob(INDEX_GLOB)
                path.write_bytes(b"damaged" * 100)
                caplog.clear()
            _add(ws, SZ)
            if name == "candidates":
                [record] = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "xuncha.themes"]
                assert LOG_FORMATS[record.msg][0] == "themes_index_redo"
                index = CandidateIndex(faiss.read_index(str(path)))
                assert np.array_equal(index.ids(), np.sort(read_state(ws.root / STATE_FILE)[1].uids))
            ws.remove(QY)
            ws.sync()
            views[name] = _theme_view(ws.themes)
            assert ws.themes.snapshot()["stats"].get("incremental")
        finally:
            ws.close()
    _same_view(views["exact"], views["candidates"])


def test_drift_past_the_threshold_clusters_afresh(built, tmp_path):
    ws = _base_workspace(built, tmp_path / "drift", {ZJJ, SD})
    try:
        ws.themes.drift_threshold, ws.themes.incremental_min = 0.0, 0
        _add(ws, YY)
        assert not ws.themes.snapshot()["stats"].get("incremental")   # clustered over all three
        assert json.loads((ws.root / THEMES_FILE).read_text("utf-8"))["base"]["problems"] == \
            ws.themes.snapshot()["stats"]["problems"]
    finally:
        ws.close()


# -- how others fixed it -----------------------------------------------------------------------------

def test_fixes_cli_gives_other_units_measures_with_sources(built):
    ws, svc = built
    root = str(ws.root)
    units = [None, *svc.unit_theme_matrix()["units"]]
    for unit in units:
        args = ["--workspace", root, "--json", QUERY] + (["--exclude-unit", unit] if unit else [])
        result = run_cli("fixes", *args)
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        groups = data["units"]
        assert len(groups) >= 2, (unit, [g["unit"] for g in groups])
        assert unit not in [g["unit"] for g in groups]
        for g in groups:
            assert g["measures"]
            for m in g["measures"]:
                assert m["text"] and m["sources"]
                for s in m["sources"]:
                    assert s["report_id"] in g["report_ids"]
                    assert s["link"] == detail_link(s["report_id"], s["problem_id"])
                    assert s["link"].startswith("?report=") and "&problem=" in s["link"]
    assert "三会一课" in result.output  # JSON is not ASCII-escaped


def test_fixes_for_a_stored_problem_leaves_out_its_own_unit(built):
    _, svc = built
    result = FixFinder(svc.store, svc.search).fixes(report_id=SZ, problem_id="17", k=8)
    assert result["source"]["unit"] == "中共政协桑植县委员会党组"
    assert result["units"] and all(g["unit"] != result["source"]["unit"] for g in result["units"])
    assert result["query"] == result["source"]["text"]
    texts = [m["text"] for g in result["units"] for m in g["measures"]]
    assert len(texts) == len(set(texts))


def test_unit_names_resolve_or_fail_clearly(built):
    _, svc = built
    assert FixFinder(svc.store, svc.search).resolve_units(["市文旅广体局", "张家界"]) == ["中共张家界市文学艺术界联合会党组", "中共益阳市文化旅游广电体育局党组"]
    with pytest.raises(UnknownUnitError, match="ambiguous"):
        FixFinder(svc.store, svc.search).resolve_units(["市文联"])
    with pytest.raises(UnknownUnitError, match="unknown unit"):
        FixFinder(svc.store, svc.search).resolve_units(["不存在的单位"])


def test_merging_near_identical_measures():
    a = "修订完善了《档案管理制度》。"
    b = "修订完善了《财务管理制度》。"
    same = "向市财政局打出专题报告,申请解决住房公积金不足的问题,以确保不挤占、挪用免费开放经费。"
    src = [{"report_id": "r", "problem_id": str(n), "problem_text": "", "link": ""} for n in range(4)]
    entries, merged = merge_measures([(same, src[0]), (a, src[1]), (same + " ", src[2]), (b, src[3])])
    assert merged == 1 and [e["text"] for e in entries] == [same, a, b]
    assert [s["problem_id"] for s in entries[0]["sources"]] == ["0", "2"]
    # the wording alone would merge them; the different documents cited keep them apart
    assert jaccard(char_ngrams(a), char_ngrams(b)) >= MERGE_THRESHOLD
    assert not near_duplicate(MeasureKey.of(a), MeasureKey.of(b))
    assert titles("印发《实施细则(试行)》和《办法》") == {"实施细则试行", "办法"}


def test_merge_rule_agrees_with_labelled_pairs(built):
    ws, _ = built
    measures = {(r["report_id"], str(r["id"])): r["measures"] for r in ws.store.problem_rows()}
    tp = fp = fn = 0
    for pair in GOLD["measure_duplicates"]["pairs"]:
        a, b = (measures[(x[0], x[1])][x[2]] for x in (pair["a"], pair["b"]))
        merged = len(merge_measures([(a, {"report_id": "r", "problem_id": "1"}),
                                     (b, {"report_id": "r", "problem_id": "2"})])[0]) == 1
        tp += merged and pair["duplicate"]
        fp += merged and not pair["duplicate"]
        fn += not merged and pair["duplicate"]
    assert 2 * tp / (2 * tp + fp + fn) >= 0.7


def test_usable_hits_drop_weak_and_measureless_hits():
    hits = [{"score": 1.0, "measures": ["a"]}, {"score": 0.9, "measures": []}, {"score": 0.6, "measures": ["b"]},
            {"score": 0.2, "measures": ["c"]}]   # under RELATIVE_FLOOR (0.25) x the best
    assert [h["measures"] for h in usable_hits(hits, 10)] == [["a"], ["b"]]
    assert len(usable_hits(hits, 1)) == 1


# -- CLI -------------------------------------------------------------------------------------------

def test_themes_cli_json(built):
    ws, _ = built
    result = run_cli("themes", "--workspace", str(ws.root), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "意识形态" in result.output
    themes = data["themes"]
    assert [t["unit_count"] for t in themes] == sorted((t["unit_count"] for t in themes), reverse=True)
    for t in themes:
        assert {"id", "label", "terms", "size", "units", "unit_count", "members"} <= set(t)
        assert {"report_id", "problem_id", "unit", "text"} <= set(t["members"][0])
    assert data["unit_theme"]["themes"] == [t["id"] for t in themes]
    one = run_cli("themes", "--workspace", str(ws.root), "--json", "--theme", themes[0]["id"])
    assert json.loads(one.output)["id"] == themes[0]["id"]
    text = run_cli("themes", "--workspace", str(ws.root))
    assert text.exit_code == 0 and themes[0]["label"] in text.output


@pytest.mark.parametrize("args, message", [
    (["--theme", "T00000000"], "没有主题"),
])
def test_themes_cli_user_errors(built, args, message):
    result = run_cli("themes", "--workspace", str(built[0].root), *args)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    ([QUERY, "--exclude-unit", "市文联"], "不唯一"),
    ([QUERY, "--exclude-unit", "不存在的单位"], "未知单位"),
    (["   "], "检索内容为空"),
    (["--report", SZ], "同时给出 --report"),
    ([QUERY, "--report", SZ, "--problem", "17"], "二者只选其一"),
    (["--report", "0000000000000000", "--problem", "1"], "不在工作区中"),
    (["--report", SZ, "--problem", "999"], "中没有问题"),
])
def test_fixes_cli_user_errors(built, args, message):
    result = run_cli("fixes", "--workspace", str(built[0].root), *args)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_without_a_workspace(tmp_path):
    for command, args in (("themes", ["--json"]), ("fixes", [QUERY])):
        result = run_cli(command, "--workspace", str(tmp_path / "nothing"), *args)
        assert result.exit_code == 1 and "没有工作区" in result.output
        assert not (tmp_path / "nothing").exists()  # not created as a side effect


# -- the 共性问题 page ----------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def themes_app(built, tmp_path, monkeypatch):
    """The Streamlit app over a copy of the workspace in which one problem statement carries HTML,
    with ``Workspace.themes`` wired in the way the integration note asks for."""
    from functools import cached_property

    pytest.importorskip("streamlit")
    ws = copy_workspace(built[0], tmp_path / "app")
    with ws.store.transaction() as db:  # hostile text without a re-embedding: same problem ids
        db.execute("UPDATE problems SET text = text || ? WHERE report_id = ? AND id = '2'", (SCRIPT, SZ))
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
    ws.close()
    prop = cached_property(lambda self: ThemeService.from_workspace(self))
    prop.__set_name__(Workspace, "themes")
    monkeypatch.setattr(Workspace, "themes", prop, raising=False)
    monkeypatch.setenv("XUNCHA_HOME", str(tmp_path / "app"))
    return tmp_path / "app"


def test_themes_page_table_heatmap_detail_and_escaping(themes_app):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "ui" / "web" / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("views/themes.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "共性问题" in [t.value for t in at.title]
    assert at.dataframe and (at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"))
    assert [b.label for b in at.get("download_button")] == ["下载问题台账(Excel)", "下载问题台账(CSV)"]
    pick = at.selectbox(key="themes_pick")
    with Workspace(themes_app) as ws:
        theory = best_theme(ThemeService.from_workspace(ws).themes(), topic("theory"))
    pick.set_value(theory["id"]).run()
    assert not at.exception
    assert theory["label"] in [s.value for s in at.subheader]
    html = "\n".join(m.value for m in at.markdown if m.proto.allow_html)
    assert "&lt;script&gt;" in html and "<script" not in html
    assert any(e.label.startswith("整改措施") for e in at.expander)
    assert at.query_params["theme"] in (theory["id"], [theory["id"]])


def test_an_incremental_update_reads_themes_json_once(built, tmp_path, monkeypatch):
    """The stale document snapshot() read is the one the update starts from: themes.json is ~0.5 kB per
    problem, so a second read cost the writer ~800 MB at 320k problems (bench/RESULTS.md, issue 23)."""
    ws = _base_workspace(built, tmp_path / "once", {ZJJ, SD})
    try:
        ws.themes.drift_threshold, ws.themes.incremental_min = 1.0, 0
        assert [o.status for o in ws.ingest([_corpus_file(YY)])] == ["ingested"]
        ws.search.ensure_ready()   # the index follows the store; the themes are now stale
        ws.themes._cache = None
        reads = []
        real = ws.themes.read_document
        monkeypatch.setattr(ws.themes, "read_document", lambda: reads.append(1) or real())
        doc = ws.themes.snapshot()
        assert doc["stats"].get("incremental") and any(r == YY for t in doc["themes"] for r, _ in t["members"])
        assert len(reads) == 1
    finally:
        ws.close()


class _CountingJson:
    """json as ui.service.themes uses it, counting the documents it parses."""

    def __init__(self) -> None:
        self.loads_calls = 0

    def loads(self, text, *args, **kwargs):
        self.loads_calls += 1
        return json.loads(text, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(json, name)


def test_a_sync_parses_themes_json_at_most_once(built, tmp_path, monkeypatch):
    """A sync's freshness check (ThemesArtifact.is_fresh) and its update share one parse of themes.json,
    and the next sync, with nothing changed, parses it not at all (the document written is kept, keyed
    by the file's stat): at 320k problems each parse held ~0.6 GB (bench/RESULTS.md, issue 23)."""
    ws = _base_workspace(built, tmp_path / "parses", {ZJJ, SD})
    try:
        ws.themes.drift_threshold, ws.themes.incremental_min = 1.0, 0
        assert [o.status for o in ws.ingest([_corpus_file(YY)])] == ["ingested"]
        counting = _CountingJson()
        monkeypatch.setattr(theme_service_module, "json", counting)
        ws.themes._cache = ws.themes._file = None    # as in a fresh process
        replaced, patched = [], []
        fragments = ws.graph.fragments
        real_set, real_patch = fragments.set_links, fragments.patch_links
        monkeypatch.setattr(fragments, "set_links", lambda kind, pairs: replaced.append(kind) or real_set(kind, pairs))
        monkeypatch.setattr(fragments, "patch_links", lambda kind, *a: patched.append(kind) or real_patch(kind, *a))
        ws.sync()
        assert counting.loads_calls == 1
        # the added problems' pairs are patched into graph.db; the stored pairs are not read and compared
        assert patched == ["SIMILAR_TO"] and "SIMILAR_TO" not in replaced
        assert sorted(ws.graph.links("SIMILAR_TO")) == sorted(ws.themes.pairs())
        assert ws.themes.snapshot()["stats"].get("incremental")
        ws.sync()
        assert counting.loads_calls == 1
        fresh = ThemeService.from_workspace(ws)       # another process: reads the file once, then keeps it
        fresh.snapshot()
        fresh.read_document()
        assert counting.loads_calls == 2
    finally:
        ws.close()


def test_a_themes_file_of_the_previous_format_is_read_and_upgraded(built, tmp_path, monkeypatch):
    """themes.json as written before issue 23's lean format (members with their texts, pairs inline) is
    still current: it answers without clustering, its base serves the next incremental update, and that
    update writes the lean format."""
    ws = _base_workspace(built, tmp_path / "legacy", {ZJJ, SD})
    try:
        svc = ws.themes
        lean = svc.snapshot()
        old = {**lean, "format": "xuncha-themes/2", "themes": svc.themes(), "pairs": [list(p) for p in svc.pairs()]}
        (ws.root / THEMES_FILE).write_text(json.dumps(old, ensure_ascii=False), "utf-8")

        def boom(*args, **kwargs):
            raise AssertionError("clustered afresh although the old file is current")

        monkeypatch.setattr(theme_service_module, "compute_themes", boom)
        again = ThemeService.from_workspace(ws)
        assert again.snapshot()["themes"] == lean["themes"] and again.themes() == svc.themes()
        assert again.in_graph(again.snapshot()) and sorted(again.pairs()) == sorted(svc.pairs())
        again.drift_threshold, again.incremental_min = 1.0, 0
        assert [o.status for o in ws.ingest([_corpus_file(YY)])] == ["ingested"]
        ws.search.ensure_ready()
        doc = again.snapshot()
        assert doc["stats"].get("incremental") and any(r == YY for t in doc["themes"] for r, _ in t["members"])
        written = json.loads((ws.root / THEMES_FILE).read_text("utf-8"))
        assert written["format"] == "xuncha-themes/3" and "pairs" not in written
    finally:
        ws.close()


def test_pair_changes_equal_diffing_every_pair():
    """An update that only adds problems writes the change of the SIMILAR_TO pairs, found from the rows
    whose neighbour lists changed: equal to diffing every pair before and after."""
    from embeddings.themes_update import ThemeState
    from ui.service.themes_state import pair_changes, state_pairs

    rng = np.random.default_rng(7)
    config, n, old, k = DEFAULT_CONFIG, 80, 64, DEFAULT_CONFIG.similar_top
    uids = rng.permutation(10_000)[:n].astype(np.int64)
    keys = [(f"r{i // 8}", str(i % 8 + 1)) for i in range(n)]
    rank = {key: r for r, key in enumerate(sorted(keys))}
    units = [f"u{i // 16}" for i in range(n)]

    def lists(rows: int) -> tuple[np.ndarray, np.ndarray]:
        nbr, sim = np.full((n, k), -1, np.int64), np.full((n, k), -np.inf, np.float32)
        for i in range(rows):
            others = [j for j in range(rows) if units[j] != units[i]]
            nbr[i] = uids[rng.choice(others, k, replace=False)]
            sim[i] = np.sort(rng.uniform(0.1, 0.6, k))[::-1]
        return nbr, sim

    prev_nbr, prev_sim = lists(old)
    nbr, sim = lists(n)
    same = rng.random(old) < 0.7   # most old problems keep their lists, as when few problems are added
    nbr[:old][same], sim[:old][same] = prev_nbr[:old][same], prev_sim[:old][same]

    def state(a: np.ndarray, b: np.ndarray) -> ThemeState:
        return ThemeState(uids, units, np.ones(n, bool), np.full(n, -1, np.int32), None, a, b)

    before = {p[:4]: p[4] for p in state_pairs(state(prev_nbr, prev_sim), keys, rank, config)}
    after = {p[:4]: p[4] for p in state_pairs(state(nbr, sim), keys, rank, config)}
    gone, fresh, delta = pair_changes(state(nbr, sim), prev_nbr, prev_sim, keys, rank, config)
    assert sorted(gone) == sorted(p for p in before if p not in after) and gone
    assert sorted(fresh) == sorted((*p, s) for p, s in after.items() if before.get(p) != s) and fresh
    assert delta == len(after) - len(before)


def test_a_new_default_waits_for_the_next_clustering_afresh(built, monkeypatch):
    """Themes clustered with other settings of the same algorithm are kept by a service on the
    defaults (a new release's default must not re-cluster a province in an ordinary sync); clustering
    afresh on demand switches to the defaults."""
    ws, _ = built
    other_config = ThemeConfig(resolution=DEFAULT_CONFIG.resolution + 1)
    other = ThemeService.from_workspace(ws, other_config)
    other.sync(force=True)
    kept = other.snapshot()["themes"]
    real = theme_service_module.compute_themes

    def boom(*args, **kwargs):
        raise AssertionError("clustered afresh in an ordinary read")

    monkeypatch.setattr(theme_service_module, "compute_themes", boom)
    default = ThemeService.from_workspace(ws)
    assert default.snapshot()["themes"] == kept
    assert default.is_fresh(json.loads((ws.root / THEMES_FILE).read_text("utf-8")))
    monkeypatch.setattr(theme_service_module, "compute_themes", real)
    default.sync(force=True)
    doc = json.loads((ws.root / THEMES_FILE).read_text("utf-8"))
    assert doc["config"] == DEFAULT_CONFIG.key()
    assert ThemeService.from_workspace(ws, other_config).config == other_config  # chosen settings stay chosen

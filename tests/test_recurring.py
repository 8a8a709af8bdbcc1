"""Recurring problems (issue 16): later-round reports built from corpus text, real encoder."""
from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT, run_cli

from embeddings.recurrence import RecurrenceConfig, find_recurrences
from ui.service.workspace import unit_key

GOLD = json.loads((ROOT / "tests" / "gold" / "recurring.json").read_text("utf-8"))
DATA = ROOT / "tests" / "data" / "recurring"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Corpus + the two later-round reports in one synced workspace; (workspace, ids by file name)."""
    from ui.service.workspace import DEMO_CORPUS, Workspace
    ws = Workspace(tmp_path_factory.mktemp("recurring") / "ws")
    outcomes = ws.ingest([DEMO_CORPUS, DATA])
    assert all(o.status == "ingested" for o in outcomes), [o.message for o in outcomes]
    ws.sync()
    ids = {s["source_path"].rsplit("/", 1)[-1]: s["report_id"] for s in ws.reports()}
    yield ws, ids
    ws.close()


def _scores(links, gold, ids) -> tuple[int, int]:
    later = ids[gold["file"]]
    earlier = next(v for k, v in ids.items() if k.startswith(gold["earlier"]))
    got = {r.later.problem_id: (r.earlier.report_id, r.earlier.problem_id) for r in links
           if r.later.report_id == later}
    right = sum(1 for k, v in gold["links"].items() if v is not None and got.get(k) == (earlier, v))
    foreign = sum(1 for k, v in gold["links"].items() if v is None and k in got)
    return right, foreign


@pytest.mark.parametrize("split", ["test", "dev"])
def test_later_round_links_its_repeats_and_not_foreign_problems(built, split):
    ws, ids = built
    right, foreign = _scores(ws.recurrences(), GOLD[split], ids)
    assert right >= 8, right
    assert foreign <= 1, foreign


def test_links_run_from_the_earlier_round_to_the_later_one(built):
    ws, ids = built
    links = ws.recurrences()
    assert links
    for r in links:
        assert r.earlier.date < r.later.date
        assert r.earlier.report_id != r.later.report_id
        d = r.to_json()
        assert set(d) >= {"unit", "unit_short", "earlier", "later", "score"}
        assert set(d["earlier"]) >= {"report_id", "problem_id", "text", "date"}
    corpus_ids = {v for k, v in ids.items() if k[:3].isdigit()}
    assert not any(r.later.report_id in corpus_ids for r in links)  # the corpus has one round per unit


def test_unit_filter_and_graph_edges(built):
    ws, ids = built
    only = ws.recurrences("桑植")
    assert only and all("桑植" in (r.unit + (r.unit_short or "")) for r in only)
    G = ws.graph.graph
    recurs = [(u, v) for u, v, k in G.edges(keys=True) if k == "RECURS"]
    assert len(recurs) == len(ws.recurrences())
    later = ids[GOLD["test"]["file"]]
    assert any(u == f"Problem:{later}/1" for u, _ in recurs)


def _row(rid, pid, unit, region, date, text="t"):
    return {"report_id": rid, "id": pid, "text": text, "unit": unit, "unit_short": None, "region": region,
            "start_date": date, "unit_key": unit_key(unit, region)}


def test_same_unit_is_name_plus_region_and_order_is_by_date():
    v = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    tokens = [["学习"], ["学习"], ["学习"]]
    rows = [_row("B", "1", "中共某某局党组", "甲市", "2023-01-01"),   # later, listed first
            _row("A", "1", "某某局", "甲市", "2020-01-01"),           # same unit without the party-group wrapper
            _row("C", "1", "中共某某局党组", "乙市", "2019-01-01")]   # same name, other region
    links = find_recurrences(rows, v, tokens, RecurrenceConfig(0.7, 0.5))
    assert [(r.earlier.report_id, r.later.report_id) for r in links] == [("A", "B")]
    assert unit_key("中共某某局党组", "甲市") == unit_key("某某局", "甲市") != unit_key("某某局", "乙市")


def test_cli_recurring_json(built):

    ws, ids = built
    result = run_cli("recurring", "--json", "--unit", "文学艺术界", "--workspace", str(ws.root))
    assert result.exit_code == 0, result.output
    links = json.loads(result.stdout)
    assert links and all(r["later"]["report_id"] == ids[GOLD["test"]["file"]] for r in links)
    assert {"unit", "unit_short", "earlier", "later", "score"} <= set(links[0])


def _links(recurrences) -> set:
    return {(r.later.report_id, r.later.problem_id, r.earlier.report_id, r.earlier.problem_id, round(r.score, 6))
            for r in recurrences}


def test_links_kept_incrementally_equal_a_full_recomputation(built, tmp_path):
    """Only the units whose reports changed are recomputed at a sync; the stored RECURS links equal
    recomputing every unit, after removals and additions in either order."""
    import shutil

    from ui.service.workspace import Workspace
    ws, ids = built
    ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    later = sorted(p for p in DATA.iterdir() if p.is_file())
    for n, order in enumerate((later, later[::-1])):
        root = tmp_path / f"ws{n}"
        shutil.copytree(ws.root, root)
        with Workspace(root) as copy:
            stored = lambda: {(a, b, c, d, round(s, 6)) for a, b, c, d, s in copy.graph.links("RECURS")}  # noqa: E731
            assert stored() == _links(copy.recurrences()) != set()
            for path in order:
                copy.remove(ids[path.name])
                copy.sync()
                assert stored() == _links(copy.recurrences())
            for path in order:
                assert [o.status for o in copy.ingest([path])] == ["ingested"]
                copy.sync()
                assert stored() == _links(copy.recurrences())


def test_repair_of_a_damaged_graph_computes_the_recurs_links_again(built, tmp_path):
    """RECURS links live in graph.db: doctor says they are stale when that file is rebuilt from
    nothing, and repair (which rebuilds the graph) computes them again (they are an artifact of
    ui/service/artifacts.py, derived from the graph)."""
    import shutil

    from ui.service.doctor import diagnose
    from ui.service.workspace import Workspace
    ws, _ = built
    ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = {(a, b, c, d) for a, b, c, d, _ in ws.graph.links("RECURS")}
    root = tmp_path / "ws"
    shutil.copytree(ws.root, root)
    for extra in root.glob("graph.db-*"):   # the copy's WAL would otherwise hold the pages
        extra.unlink()
    (root / "graph.db").write_bytes(b"{broken" * 100)
    with Workspace(root) as copy:
        states = {c.name: c.state for c in diagnose(copy)}
        assert states["graph"] == "damaged" and states["recurrence"] == "stale"
        done = copy.repair(diagnose(copy))
        assert "重复出现关系:已更新" in done
        assert {c.name: c.state for c in diagnose(copy)} == dict.fromkeys(states, "ok")
        assert {(a, b, c, d) for a, b, c, d, _ in copy.graph.links("RECURS")} == before != set()


def test_sync_rebuilds_the_artifacts_that_lag_and_only_those(built, tmp_path):
    """Workspace.sync asks each artifact whether it is fresh: after a removal the graph, the index,
    the themes and the RECURS links lag the store; one sync makes every one fresh again."""
    import shutil

    from ui.service.artifacts import artifacts, is_fresh
    from ui.service.workspace import Workspace
    ws, ids = built
    ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = tmp_path / "ws"
    shutil.copytree(ws.root, root)
    with Workspace(root) as copy:
        assert {a.name: is_fresh(a) for a in artifacts(copy)} == dict.fromkeys(
            ("graph", "search", "themes", "recurrence"), True)
        copy.remove(ids[sorted(p.name for p in DATA.iterdir() if p.is_file())[0]])
        assert {a.name: is_fresh(a) for a in artifacts(copy)} == dict.fromkeys(
            ("graph", "search", "themes", "recurrence"), False)
        copy.sync()
        assert all(is_fresh(a) for a in artifacts(copy))

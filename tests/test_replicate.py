"""bench.bench_ingest.replicate: the synthetic copies the scale benches ingest. With ``unit_rounds`` the
copies form units of their own (a made-up sub-organisation per copy group) inspected in successive
rounds, so a sync touches the units it adds, as in a province's store; without it every copy keeps its
source's unit (the earlier benches' shape)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.bench_ingest import replicate, unit_variant
from reports.parse import parse_file
from ui.service.workspace import unit_key

CORPUS = Path(__file__).resolve().parent.parent / "data" / "reports"


def test_copies_form_units_of_their_own_inspected_in_rounds(tmp_path):
    rounds = 3
    files = replicate(CORPUS, 5 * 2 * rounds, tmp_path / "units", unit_rounds=rounds)
    reports = [parse_file(f) for f in files]
    sources = [parse_file(p) for p in sorted(CORPUS.glob("*.txt"))]
    per_unit = Counter(unit_key(r.unit, r.region) for r in reports)
    assert len(per_unit) == 10 and set(per_unit.values()) == {rounds}     # 2 groups x 5 sources
    assert len({r.fingerprint for r in reports}) == len(reports)          # no copy is a duplicate
    for i, r in enumerate(reports):
        src, copy = sources[i % 5], i // 5
        assert (r.region, r.level, len(list(r.problems()))) == (src.region, src.level, len(list(src.problems())))
        assert r.unit == (src.unit if copy < rounds else unit_variant(src.unit, copy // rounds))
        start, first = r.inspection.start, src.inspection.start
        if first is not None:   # round k of a unit: k years after the source's inspection
            assert int(start.iso[:4]) == int(first.iso[:4]) + copy % rounds


def test_without_unit_rounds_copies_keep_their_source_unit(tmp_path):
    files = replicate(CORPUS, 15, tmp_path / "kept")
    assert len({unit_key(parse_file(f).unit, parse_file(f).region) for f in files}) == 5
    assert len({unit_variant("中共某市文联党组", g) for g in range(1, 3000)}) == 2999

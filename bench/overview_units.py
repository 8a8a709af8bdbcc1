"""The overview on a graph.db of N units (one tiny fragment per unit, written through
FragmentStore.update): nodes and links drawn capped (OVERVIEW_UNITS) and uncapped (every unit: the answer
before the cap), with the attributes and context of every node drawn read as the page's elements() does.

    python -m bench.overview_units 10000 /tmp/overview/g10000.db
"""
from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import networkx as nx

from graph import index_query
from graph.fragments import FragmentStore
from graph.query import OVERVIEW_UNITS
from graph.reader import IndexReader


def build(path: Path, n_units: int) -> None:
    """A unit per report, its team (97 teams), a person and a regulation; units differ in degree."""
    fs = FragmentStore(path)
    batch = []
    for i in range(n_units):
        rid = f"{i:016x}"
        F = nx.MultiDiGraph()
        unit, team = f"Unit:单位{i}", f"InspectionTeam:第{i % 97}巡察组"
        person, reg = f"Person:单位{i}/人{i}", f"Regulation:条例{i % 13}"
        F.add_node(f"Report:{rid}", type="Report", name=rid, report_id=rid, reports={rid}, spans={})
        F.add_node(unit, type="Unit", name=f"单位{i}", reports={rid}, spans={})
        F.add_node(team, type="InspectionTeam", name=f"第{i % 97}巡察组", reports={rid}, spans={})
        F.add_node(person, type="Person", name=f"人{i}", reports={rid}, spans={})
        F.add_node(reg, type="Regulation", name=f"条例{i % 13}", reports={rid}, spans={})
        F.add_edge(f"Report:{rid}", unit, key="ABOUT", type="ABOUT", reports={rid}, spans={})
        F.add_edge(unit, team, key="INSPECTED_BY", type="INSPECTED_BY", reports={rid}, spans={})
        F.add_edge(person, unit, key="HOLDS_ROLE", type="HOLDS_ROLE", reports={rid}, spans={})
        F.add_edge(f"Report:{rid}", reg, key="CITES", type="CITES", reports={rid}, spans={})
        for j in range(i % 5):   # units differ in how connected they are
            F.add_edge(f"Report:{rid}", unit, key=f"MENTIONS{j}", type="MENTIONS", reports={rid}, spans={})
        batch.append((rid, F))
        if len(batch) == 1000:
            fs.update(batch, [], 1)
            batch = []
    fs.update(batch, [], 1)
    fs.close()


def main() -> None:
    n_units, path = int(sys.argv[1]), Path(sys.argv[2])
    if not path.exists():
        build(path, n_units)
    fs = FragmentStore(path)
    for units in (OVERVIEW_UNITS, 10**9):
        ix = IndexReader(fs, dict)
        t, c = time.perf_counter(), time.process_time()
        nodes, links = index_query.overview(ix, 12, units)
        drawn = ix.attrs(nodes)          # what the page's elements() reads per node drawn
        for n in drawn:
            ix.context(n)
        print({"units_total": index_query.count(ix, "Unit"), "cap": units if units < 10**9 else None, "nodes": len(nodes),
               "links": len(links), "wall_s": round(time.perf_counter() - t, 2), "cpu_s": round(time.process_time() - c, 2),
               "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "load": round(os.getloadavg()[0], 1)}, flush=True)


if __name__ == "__main__":
    main()

"""Bench scripts are run as modules from the repo root (`python -m bench.NAME`, docs/decisions.md): the
run instructions in their docstrings, the lines they write into bench/RESULTS.md and the docs say so."""
from __future__ import annotations

import re

from conftest import ROOT

OLD_STYLE = re.compile(r"python3?\s+(?:-\S+\s+)*bench/\w+\.py")
# bench_ingest.py --code DIR measures another checkout (the "before" row): it must put that first on sys.path.
MEASURES_OTHER_CHECKOUTS = {"bench_ingest.py"}


def test_bench_run_instructions_use_python_m():
    files = sorted((ROOT / "bench").glob("*.py"))
    files += [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    old = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in files
           for m in OLD_STYLE.finditer(p.read_text(encoding="utf-8"))]
    assert not old, old


def test_bench_scripts_edit_no_sys_path():
    edits = [p.name for p in sorted((ROOT / "bench").glob("*.py"))
             if p.name not in MEASURES_OTHER_CHECKOUTS and "sys.path.insert" in p.read_text(encoding="utf-8")]
    assert not edits, edits

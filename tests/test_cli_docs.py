"""docs/cli.md is what `make docs` renders from the real `--help` texts and ui/cli/contract.py, and
every command's real `--json` output carries the keys the contract lists."""
from __future__ import annotations

import json

import click
import pytest
from conftest import ROOT, corpus_file, xuncha

from ui.cli.contract import CONTRACT
from ui.cli.group import cli
from ui.cli.reference import DOC_PATH, commands, render


def test_docs_cli_md_is_up_to_date():
    assert DOC_PATH.read_text(encoding="utf-8") == render(), "docs/cli.md is stale: run `make docs`"


def test_help_in_the_doc_is_the_real_help():
    """The rendered help is byte for byte what `xuncha … --help` prints (the doc's source, checked once)."""
    doc = DOC_PATH.read_text(encoding="utf-8")
    for path in (("ingest",), ("graph", "export")):
        real = xuncha(*path, "--help").stdout.rstrip()
        assert f"```text\n{real}\n```" in doc, path


def test_every_json_command_has_a_contract_entry_and_back():
    with_json = {" ".join(path) for path, cmd in commands(cli)
                 if not isinstance(cmd, click.Group) and any(p.name == "as_json" for p in cmd.params)}
    assert with_json == {s.command for s in CONTRACT}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """Two reports, synced: search, themes and fixes need the index."""
    ws = tmp_path_factory.mktemp("docs") / "ws"
    later = ROOT / "tests" / "data" / "recurring" / "zhangjiajie_wenlian_2023.txt"  # a later round of 000
    proc = xuncha("ingest", str(corpus_file("000")), str(corpus_file("002")), str(later), "--json", ws=ws)
    assert proc.returncode == 0, proc.stderr
    return ws, json.loads(proc.stdout)


def _keys_hold(shape, data) -> None:
    items = data if shape.kind == "list" else [data]
    assert items, shape.command
    for item in items:
        assert set(shape.keys) <= set(item), (shape.command, set(shape.keys) - set(item))
    for member, keys in shape.nested:
        name = member.removesuffix("[]")
        values = items[0][name] if not member.endswith("[]") else items[0][name][:1]
        for value in values if member.endswith("[]") else [values]:
            assert set(keys) <= set(value), (shape.command, member, set(keys) - set(value))


def test_real_json_output_has_the_contract_keys(ws, tmp_path):
    root, ingested = ws
    report = ingested["outcomes"][0]["report_id"]
    args = {
        "parse": [str(corpus_file("003"))], "entities": [str(corpus_file("000"))],
        "ingest": [str(corpus_file("000"))], "reports": [], "search": ["理论学习流于形式"],
        "similar": [report, "1"], "themes": [], "fixes": ["三会一课制度落实不到位"],
        "graph neighbors": ["覃文乐"], "graph path": ["覃文乐", "中国共产党纪律处分条例"], "graph stats": [], "graph show": ["覃文乐"], "graph rank": ["Person"],
        "graph export": ["--format", "json", str(tmp_path / "g")], "export ledger": [str(tmp_path / "l.csv")],
        "problems": [], "audit": [], "recurring": [], "doctor": [], "briefing": ["张家界市文联"],
        "reindex": [], "remove": [report],  # last: it empties part of the workspace
    }
    assert set(args) == {s.command for s in CONTRACT}
    shapes = {s.command: s for s in CONTRACT}
    for command, extra in args.items():
        proc = xuncha(*command.split(), *extra, "--json", ws=root)
        assert proc.returncode == 0, (command, proc.stderr)
        _keys_hold(shapes[command], json.loads(proc.stdout))

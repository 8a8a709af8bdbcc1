"""Export the graph for other tools: GraphML (Gephi, yEd), node-link JSON, Neo4j bulk-import CSV.
Non-scalar attributes become JSON strings; see docs/decisions.md (Graph, Exports)."""
from __future__ import annotations

import csv
import json
import os
import shlex
from collections import defaultdict
from pathlib import Path

import networkx as nx

from .persist import save_graph, to_jsonable

__all__ = [
    "FORMATS",
    "NEO4J_ARRAY_DELIMITER",
    "export",
    "neo4j_import_command",
    "to_graphml",
    "to_json",
    "to_neo4j",
]

FORMATS = ("graphml", "json", "neo4j")
NEO4J_ARRAY_DELIMITER = ";"
_INTERNAL = ("by_report",)
# Neo4j labels beyond the node type: a Unit is an Organization that was inspected.
_EXTRA_LABELS = {"Unit": ["Organization"]}


def export(G: nx.MultiDiGraph, fmt: str, directory: str | os.PathLike) -> list[Path]:
    """Write `G` in `fmt` into `directory`; returns the files written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        return [to_graphml(G, directory / "graph.graphml")]
    if fmt == "json":
        return [to_json(G, directory / "graph.json")]
    if fmt == "neo4j":
        return to_neo4j(G, directory)
    raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")


def to_json(G: nx.MultiDiGraph, path: str | os.PathLike) -> Path:
    return save_graph(G, path)


# -- GraphML -----------------------------------------------------------------------------------

def to_graphml(G: nx.MultiDiGraph, path: str | os.PathLike) -> Path:
    """GraphML with one type per attribute key (mixed columns become strings), as Gephi requires."""
    H = nx.MultiDiGraph()
    H.graph.update(_scalar_attrs([G.graph])[0])
    node_attrs = _scalar_attrs([d for _, d in G.nodes(data=True)])
    H.add_nodes_from(zip(G.nodes, node_attrs, strict=True))
    edges = list(G.edges(keys=True, data=True))
    edge_attrs = _scalar_attrs([d for *_, d in edges])
    H.add_edges_from((u, v, k, attrs) for (u, v, k, _), attrs in zip(edges, edge_attrs, strict=True))
    path = Path(path)
    nx.write_graphml(H, path, encoding="utf-8")
    return path


def _scalar_attrs(rows: list[dict]) -> list[dict]:
    """Each attribute as str/int/float/bool, the same Python type throughout a column."""
    out = [{k: _scalar(v) for k, v in row.items() if v is not None and k not in _INTERNAL} for row in rows]
    types: dict[str, set] = defaultdict(set)
    for row in out:
        for key, value in row.items():
            types[key].add(type(value))
    mixed = {k for k, t in types.items() if len(t) > 1}
    for row in out:
        for key in mixed & row.keys():
            row[key] = str(row[key])
    return out


def _scalar(value):
    if isinstance(value, (str, bool, int, float)):
        return value
    return json.dumps(to_jsonable(value), ensure_ascii=False)


# -- Neo4j -------------------------------------------------------------------------------------

def to_neo4j(G: nx.MultiDiGraph, directory: str | os.PathLike) -> list[Path]:
    """`neo4j-admin database import full` input: one node file per label (`id:ID`, `name`, `:LABEL`,
    properties) and one relationship file per type (`:START_ID`, `:END_ID`, `:TYPE`, properties),
    plus `import.sh` with the exact command (see docs/neo4j.md)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    by_label: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for node, d in G.nodes(data=True):
        by_label[d.get("type") or "Node"].append((node, d))
    by_type: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    for u, v, k, d in G.edges(keys=True, data=True):
        by_type[k].append((u, v, d))
    node_files = [_write_nodes(directory / f"nodes_{label}.csv", label, rows)
                  for label, rows in sorted(by_label.items())]
    rel_files = [_write_rels(directory / f"rels_{type_}.csv", type_, rows) for type_, rows in sorted(by_type.items())]
    script = directory / "import.sh"
    script.write_text(_import_script(node_files, rel_files), encoding="utf-8")
    script.chmod(0o755)
    return node_files + rel_files + [script]


def _write_nodes(path: Path, label: str, rows: list[tuple[str, dict]]) -> Path:
    labels = NEO4J_ARRAY_DELIMITER.join([label, *_EXTRA_LABELS.get(label, [])])
    props = [dict(_props(d, skip=("name", "type"))) for _, d in rows]
    columns = _columns(props)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id:ID", "name", ":LABEL", *(header for _, header in columns)])
        for (node, d), p in zip(rows, props, strict=True):
            w.writerow([node, d.get("name", ""), labels, *(_cell(p.get(key), h) for key, h in columns)])
    return path


def _write_rels(path: Path, type_: str, rows: list[tuple[str, str, dict]]) -> Path:
    props = [dict(_props(d, skip=("type",))) for _, _, d in rows]
    columns = _columns(props)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([":START_ID", ":END_ID", ":TYPE", *(header for _, header in columns)])
        for (u, v, _), p in zip(rows, props, strict=True):
            w.writerow([u, v, type_, *(_cell(p.get(key), h) for key, h in columns)])
    return path


def _props(d: dict, skip: tuple[str, ...]):
    """Properties in Neo4j's terms: `reports` an array of ids, other containers JSON strings."""
    for key, value in d.items():
        if key in skip or key in _INTERNAL or value is None:
            continue
        if key == "reports":
            yield key, sorted(value)
        elif isinstance(value, (str, bool, int, float)):
            yield key, value
        elif _string_array(value):
            yield key, list(value)
        else:
            yield key, json.dumps(to_jsonable(value), ensure_ascii=False)


def _string_array(value) -> bool:
    """Lists of plain strings become Neo4j string arrays (aliases, roles)."""
    return (isinstance(value, list) and bool(value)
            and all(isinstance(v, str) and v and NEO4J_ARRAY_DELIMITER not in v for v in value))


def _columns(props: list[dict]) -> list[tuple[str, str]]:
    """(key, header) with a Neo4j type when a column is uniformly boolean, integer or float."""
    types: dict[str, set] = defaultdict(set)
    for p in props:
        for key, value in p.items():
            types[key].add(type(value))
    out = []
    for key in sorted(types):
        t = types[key]
        suffix = (":string[]" if t == {list} else ":boolean" if t == {bool} else ":long" if t == {int}
                  else ":double" if t <= {int, float} else "")
        out.append((key, key + suffix))
    return out


def _cell(value, header: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if header.endswith("[]"):
            return NEO4J_ARRAY_DELIMITER.join(map(str, value))
        return json.dumps(value, ensure_ascii=False)  # a column mixing arrays and JSON strings
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def neo4j_import_command(node_files: list[Path], rel_files: list[Path], database: str = "neo4j",
                         neo4j_admin: str = "bin/neo4j-admin") -> list[str]:
    """The argv of the import: Neo4j 5.19+ takes the database name right after `full`."""
    return [neo4j_admin, "database", "import", "full", database,
            *(f"--nodes={p}" for p in node_files), *(f"--relationships={p}" for p in rel_files),
            f"--array-delimiter={NEO4J_ARRAY_DELIMITER}", "--multiline-fields=true",
            "--overwrite-destination=true"]


def _import_script(node_files: list[Path], rel_files: list[Path]) -> str:
    argv = neo4j_import_command([Path("$DIR") / p.name for p in node_files],
                                [Path("$DIR") / p.name for p in rel_files],
                                database="$DB", neo4j_admin="$NEO4J_HOME/bin/neo4j-admin")
    quoted = [f'"{a}"' if "$" in a else shlex.quote(a) for a in argv]
    body = " ".join(quoted[:5]) + " \\\n  " + " \\\n  ".join(quoted[5:])
    return ("#!/bin/sh\n"
            "# Load this export into a stopped Neo4j 5 (see docs/neo4j.md). Usage: NEO4J_HOME=... ./import.sh [db]\n"
            "set -eu\n"
            'DIR="$(cd "$(dirname "$0")" && pwd)"\n'
            'DB="${1:-neo4j}"\n'
            ': "${NEO4J_HOME:?set NEO4J_HOME to the Neo4j installation}"\n'
            f"{body}\n")

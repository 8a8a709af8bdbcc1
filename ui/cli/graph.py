"""`xuncha graph …`: thin commands over `graph.service.GraphService`
(DESIGN.md section 6; docs/decisions.md, "Graph")."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from reports.notices import XunchaError
from ui.cli.common import UserError, emit_json, existing_workspace, json_option, workspace_option

__all__ = ["graph"]


def _common(fn: Callable) -> Callable:
    """--workspace and --json on every command, as the CLI contract asks."""
    return workspace_option(json_option(fn))


@contextmanager
def _service(workspace: Path | None) -> Iterator:
    """The workspace's GraphService; a missing workspace is an error, not a new empty one."""
    with existing_workspace(workspace) as ws:
        yield ws.graph


def _resolve(service, name: str, type_: str | None) -> str:
    try:
        return service.resolve(name, type_)
    except XunchaError as exc:
        raise UserError.of(exc) from exc


@click.group()
def graph() -> None:
    """Query and export the knowledge graph of units, people, teams, regulations and problems."""


@graph.command()
@click.argument("name")
@click.option("--type", "type_", default=None, help="Node type of NAME (Person, Unit, Regulation, …).")
@click.option("--edge-type", "edge_types", multiple=True, help="Only these edge types (repeatable).")
@click.option("--neighbor-type", "neighbor_types", multiple=True, help="Only neighbours of these types.")
@_common
def neighbors(name: str, type_: str | None, edge_types: tuple[str, ...], neighbor_types: tuple[str, ...],
              workspace: Path | None, as_json: bool) -> None:
    """Nodes linked to NAME, one line per edge."""
    with _service(workspace) as service:
        node = _resolve(service, name, type_)
        rows = service.neighbors(node, neighbor_types or None, edge_types or None)
        if as_json:
            emit_json({"node": service.profile(node), "neighbors": rows})
            return
    click.echo(node)
    for r in rows:
        arrow = "->" if r["direction"] == "out" else "<-"
        extra = r["edge_attrs"].get("role") or r["edge_attrs"].get("score") or ""
        click.echo(f"  {arrow} {r['edge']:<13} {r['id']}  {extra}".rstrip())


@graph.command()
@click.argument("a")
@click.argument("b")
@click.option("--type-a", default=None, help="Node type of A.")
@click.option("--type-b", default=None, help="Node type of B.")
@click.option("--avoid", multiple=True, help="Node types the path may not pass through (e.g. Place).")
@_common
def path(a: str, b: str, type_a: str | None, type_b: str | None, avoid: tuple[str, ...],
         workspace: Path | None, as_json: bool) -> None:
    """The shortest chain of edges between A and B (direction ignored)."""
    with _service(workspace) as service:
        start, end = _resolve(service, a, type_a), _resolve(service, b, type_b)
        result = service.shortest_path(start, end, avoid)
    if as_json:
        emit_json(result)
        return
    nodes = [n["id"] for n in result["nodes"]]
    click.echo(nodes[0])
    for here, there in itertools.pairwise(nodes):
        steps = [f"-{e['type']}->" if e["source"] == here else f"<-{e['type']}-" for e in result["edges"]
                 if {e["source"], e["target"]} == {here, there}]
        click.echo(f"  {' '.join(steps)} {there}")


@graph.command()
@_common
def stats(workspace: Path | None, as_json: bool) -> None:
    """Counts of nodes and edges by type."""
    with _service(workspace) as service:
        data = service.stats()
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['nodes']} nodes, {data['edges']} edges, {data['reports']} reports")
    for kind in ("nodes_by_type", "edges_by_type"):
        for key, count in data[kind].items():
            click.echo(f"  {key:<15} {count}")


@graph.command()
@click.argument("name")
@click.option("--type", "type_", default=None, help="Node type of NAME.")
@_common
def show(name: str, type_: str | None, workspace: Path | None, as_json: bool) -> None:
    """One node: attributes, degree by edge type, supporting reports."""
    with _service(workspace) as service:
        data = service.profile(_resolve(service, name, type_))
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['id']}  ({data['type']})")
    for key, value in data["attrs"].items():
        click.echo(f"  {key}: {value}")
    click.echo(f"  degree: {data['degree']}")


@graph.command()
@click.argument("type_", metavar="TYPE")
@click.option("--by", type=click.Choice(["degree", "reports", "units"]), default="degree", show_default=True)
@click.option("--top", type=int, default=20, show_default=True)
@_common
def rank(type_: str, by: str, top: int, workspace: Path | None, as_json: bool) -> None:
    """The most connected nodes of TYPE."""
    with _service(workspace) as service:
        rows = service.rankings(type_, by, top)
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['score']:>5}  {r['id']}")


@graph.command(name="export")
@click.option("--format", "fmt", type=click.Choice(["graphml", "json", "neo4j"]), required=True)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_common
def export_cmd(fmt: str, directory: Path, workspace: Path | None, as_json: bool) -> None:
    """Write the graph into DIRECTORY as GraphML, node-link JSON or Neo4j import CSV."""
    with _service(workspace) as service:
        try:
            files = service.export(fmt, directory)
        except OSError as exc:
            raise UserError("export_failed", path=str(directory), reason=str(exc.strerror or exc)) from exc
        counts = service.stats()
    if as_json:
        emit_json({"format": fmt, "files": [str(f) for f in files], "nodes": counts["nodes"],
               "edges": counts["edges"]})
        return
    for f in files:
        click.echo(str(f))

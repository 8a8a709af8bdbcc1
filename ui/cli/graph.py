"""`xuncha graph …`: thin commands over `graph.service.GraphService`
(docs/cli.md; docs/decisions.md, "Graph")."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from reports.shared.notices import Notice, XunchaError
from ui.cli.common import UserError, emit_json, existing_workspace, json_option, workspace_option
from ui.service.text import EDGE_LABELS, attr_rows, degree_text, report_display, shorten, type_label

__all__ = ["NEIGHBOR_LIMIT", "graph"]

NEIGHBOR_LIMIT = 50   # relations `graph neighbors` lists unless --limit says otherwise


def _common(fn: Callable) -> Callable:
    """--workspace and --json on every command, as the CLI contract asks."""
    return workspace_option(json_option(fn))


@contextmanager
def _service(workspace: Path | None) -> Iterator:
    """The workspace's GraphService; a missing workspace is an error, not a new empty one."""
    with existing_workspace(workspace, need_reports=True) as ws:
        yield ws.graph


class _Shown:
    """What node_label reads of the nodes a command prints (and of their reports), fetched once from
    the service (its node index), so that printing needs no merged graph."""

    def __init__(self, service, nodes) -> None:
        first = service.attrs(list(nodes))
        reports = [f"Report:{d['report_id']}" for d in first.values() if d.get("report_id")]
        self.nodes = {**service.attrs(reports), **first}

    def __contains__(self, node: str) -> bool:
        return node in self.nodes


def node_label(G, node: str) -> str:
    """A node as people read it: a problem by its text (and unit), a report by its unit, anything else
    by its type and name; never the internal id."""
    d = G.nodes[node] if node in G else {}
    t = d.get("type")
    if t == "Problem":
        where = report_display(G, d.get("report_id")) or d.get("unit") or ""
        return f"问题 {d.get('problem_id', '')}{f'({where})' if where else ''}:{shorten(d.get('text') or d.get('name'), 60)}"
    if t == "Report":
        return f"通报:{d.get('display') or d.get('unit') or d.get('name') or node}"
    if t == "Category":
        return f"问题类别:{shorten(d.get('name'), 40)}"
    return f"{type_label(t)}:{d.get('display') or d.get('name') or node}"


def edge_label(edge: str) -> str:
    return EDGE_LABELS.get(edge, edge)


def _resolve(service, name: str, type_: str | None) -> str:
    try:
        return service.resolve(name, type_)
    except XunchaError as exc:
        raise UserError.of(exc) from exc


@click.group()
def graph() -> None:
    """查询和导出知识图谱(单位、人员、巡察组、法规、问题之间的关系)。"""


@graph.command()
@click.argument("name")
@click.option("--type", "type_", default=None, help="NAME 的节点类型(Person、Unit、Regulation…,或中文:人员、单位…)。")
@click.option("--edge-type", "edge_types", multiple=True, help="只看这些关系类型(可重复,如 HOLDS_ROLE)。")
@click.option("--neighbor-type", "neighbor_types", multiple=True, help="只看这些类型的相邻节点(可重复)。")
@click.option("--limit", type=click.IntRange(1, 10_000), default=NEIGHBOR_LIMIT, show_default=True,
              help="最多列出几条关系(来源报告多的在前;总数和未列出的条数另行说明)。")
@_common
def neighbors(name: str, type_: str | None, edge_types: tuple[str, ...], neighbor_types: tuple[str, ...], limit: int,
              workspace: Path | None, as_json: bool) -> None:
    """与 NAME 相连的节点,每条关系一行,来源报告多的在前(问题显示原文,不显示编号)。"""
    with _service(workspace) as service:
        node = _resolve(service, name, type_)
        rows, total = service.top_neighbours(node, limit, neighbor_types or None, edge_types or None)
        notices = _left_out(rows, total)
        if as_json:
            emit_json({"node": service.profile(node), "neighbors": rows, "total": total,
                       "notices": [n.to_json() for n in notices]})
            return
        G = _Shown(service, [node, *(r["id"] for r in rows)])
        click.echo(node_label(G, node))
        for r in rows:
            arrow = "→" if r["direction"] == "out" else "←"
            extra = r["edge_attrs"].get("role") or r["edge_attrs"].get("score") or ""
            click.echo(f"  {arrow} {edge_label(r['edge'])}  {node_label(G, r['id'])}  {extra}".rstrip())
        if not rows:
            click.echo("  (没有相连的节点)")
        for notice in notices:
            click.echo(f"  {notice.chinese()}")


def _left_out(rows: list[dict], total: int) -> list[Notice]:
    """What a capped neighbour list says it left out: rows past the limit, and edges whose details come
    from their latest reports only."""
    out = []
    if total > len(rows):
        out.append(Notice("graph_neighbors_capped", {"total": total, "shown": len(rows), "left": total - len(rows)}))
    partial = sum(1 for r in rows if r["report_count"] > len(r["reports"]))
    if partial:
        # imported here: networkx and the graph package cost ~0.15 s that every command would pay
        from graph.local import EDGE_REPORTS

        out.append(Notice("graph_edge_reports_capped", {"edges": partial, "cap": EDGE_REPORTS}))
    return out


@graph.command()
@click.argument("a")
@click.argument("b")
@click.option("--type-a", default=None, help="A 的节点类型。")
@click.option("--type-b", default=None, help="B 的节点类型。")
@click.option("--avoid", multiple=True, help="路径不得经过的节点类型(可重复,如 Place)。")
@_common
def path(a: str, b: str, type_a: str | None, type_b: str | None, avoid: tuple[str, ...],
         workspace: Path | None, as_json: bool) -> None:
    """A 与 B 之间最短的关联路径(不计方向)。"""
    with _service(workspace) as service:
        start, end = _resolve(service, a, type_a), _resolve(service, b, type_b)
        result = service.shortest_path(start, end, avoid)
        if as_json:
            emit_json(result)
            return
        nodes = [n["id"] for n in result["nodes"]]
        G = _Shown(service, nodes)
        click.echo(node_label(G, nodes[0]))
        for here, there in itertools.pairwise(nodes):
            steps = [f"-{edge_label(e['type'])}→" if e["source"] == here else f"←{edge_label(e['type'])}-"
                     for e in result["edges"] if {e["source"], e["target"]} == {here, there}]
            click.echo(f"  {' '.join(steps)} {node_label(G, there)}")


@graph.command()
@_common
def stats(workspace: Path | None, as_json: bool) -> None:
    """按类型统计节点和关系数。"""
    with _service(workspace) as service:
        data = service.stats()
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['nodes']} 个节点,{data['edges']} 条关系,来自 {data['reports']} 份报告")
    click.echo("节点:")
    for key, count in data["nodes_by_type"].items():
        click.echo(f"  {type_label(key)}\t{count}")
    click.echo("关系:")
    for key, count in data["edges_by_type"].items():
        click.echo(f"  {edge_label(key)}\t{count}")


@graph.command()
@click.argument("name")
@click.option("--type", "type_", default=None, help="NAME 的节点类型。")
@_common
def show(name: str, type_: str | None, workspace: Path | None, as_json: bool) -> None:
    """一个节点:属性、各类关系数、来源报告。"""
    with existing_workspace(workspace, need_reports=True) as ws:
        data = ws.graph.profile(_resolve(ws.graph, name, type_))
        names = ws.store.unit_names()
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['attrs'].get('display') or data.get('name') or data['id']}({type_label(data['type'])})")
    if data["attrs"].get("display") and data.get("name") != data["attrs"]["display"]:
        click.echo(f"  名称:{data['name']}")
    for label, value in attr_rows(data["attrs"]):
        click.echo(f"  {label}:{value}")
    aliases = [a for a in data["attrs"].get("aliases") or () if a != data.get("name")]
    if aliases:
        click.echo(f"  又作:{'、'.join(aliases)}")
    if data["reports"]:
        click.echo(f"  来源报告:{'、'.join(f'{names.get(r, r)} [{r}]' for r in data['reports'])}")
    click.echo(f"  关系:{degree_text(data['degree'])}")


@graph.command()
@click.argument("type_", metavar="TYPE")
@click.option("--by", type=click.Choice(["degree", "reports", "units"]), default="degree", show_default=True,
              help="排序依据:关系数(degree)、来源报告数(reports)或涉及单位数(units)。")
@click.option("--top", type=click.IntRange(1, 1000), default=20, show_default=True, help="显示前几名。")
@_common
def rank(type_: str, by: str, top: int, workspace: Path | None, as_json: bool) -> None:
    """TYPE 类型中关联最多的节点。"""
    with _service(workspace) as service:
        rows = service.rankings(type_, by, top)
        if as_json:
            emit_json(rows)
            return
        G = _Shown(service, [r["id"] for r in rows])
        for r in rows:
            click.echo(f"{r['score']:>5}  {node_label(G, r['id'])}")


@graph.command(name="export")
@click.option("--format", "fmt", type=click.Choice(["graphml", "json", "neo4j"]), required=True,
              help="GraphML、node-link JSON,或 Neo4j 导入用的 CSV。")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_common
def export_cmd(fmt: str, directory: Path, workspace: Path | None, as_json: bool) -> None:
    """把知识图谱写入 DIRECTORY 目录,并列出写了哪些文件。"""
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
    click.echo(f"已导出知识图谱({fmt},{counts['nodes']} 个节点,{counts['edges']} 条关系)到 {directory}:")
    for f in files:
        click.echo(f"  {f}")

"""`xuncha themes` and `xuncha fixes`: thin commands over ui.service.themes.ThemeService
(docs/decisions.md, "Themes")."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ui.cli.common import StageBars, UserError, emit_json, existing_workspace, json_option, workspace_option
from ui.service.text import shorten

__all__ = ["COMMANDS", "fixes", "themes"]


@contextmanager
def _service(workspace: Path | None) -> Iterator[Any]:
    """The workspace's ThemeService; a missing or empty workspace is an error."""
    with existing_workspace(workspace, need_reports=True) as ws:
        yield ws.themes



def _unit_names(doc: dict) -> dict[str, str]:
    matrix = doc["unit_theme"]
    return dict(zip(matrix["units"], matrix.get("unit_labels") or matrix["unit_short"], strict=True))


def _print_themes(doc: dict, members: bool) -> None:
    short = _unit_names(doc)
    click.echo(f"{len(doc['themes'])} 个主题,共 {doc['stats'].get('problems', 0)} 条问题(按子问题计),"
               f"其中 {len(doc['unthemed'])} 条未归入主题")
    for t in doc["themes"]:
        units = "、".join(short.get(u) or u for u in t["units"])
        click.echo(f"{t['unit_count']:>2} 个单位 {t['size']:>3} 条问题  [{t['id']}] {t['label']}({units})")
        if members:
            for m in t["members"]:
                click.echo(f"      {m.get('unit_short') or m['unit']}  [{m['report_id']} {m['problem_id']}]  "
                           f"{shorten(m['text'], 60)}")


@click.command()
@click.option("--theme", "theme_id", metavar="ID", help="只看这个主题(编号如列表所示,如 T1a2b3c4d)。")
@click.option("--members", is_flag=True, help="列出每个主题下的问题(文本输出)。")
@click.option("--recompute", is_flag=True, help="即使已有最新结果也重新归纳。")
@json_option
@workspace_option
def themes(theme_id: str | None, members: bool, recompute: bool, as_json: bool, workspace: Path | None) -> None:
    """共性问题:把各单位的问题归纳为主题,涉及单位多的在前,并给出单位 × 主题的问题条数。"""
    with _service(workspace) as svc:
        svc.sync(progress=StageBars(), force=recompute)
        doc = svc.snapshot()
        if theme_id is not None:
            theme = svc.theme(theme_id)
            if theme is None:
                known = ", ".join(t["id"] for t in doc["themes"][:8])
                raise UserError("unknown_theme", theme_id=theme_id, known=known,
                                more=", …" if len(doc["themes"]) > 8 else "")
        elif as_json or members:   # members with their texts, read from the store (themes.json holds keys)
            doc = {**doc, "themes": svc.themes()}
    if theme_id is not None:
        emit_json(theme) if as_json else _print_themes({**doc, "themes": [theme]}, True)
        return
    if as_json:
        emit_json({"generation": doc["stamp"]["generation"], "themes": doc["themes"], "unit_theme": doc["unit_theme"],
               "unthemed": doc["unthemed"], "stats": doc["stats"]})
    else:
        _print_themes(doc, members)


def _print_fixes(result: dict) -> None:
    source = result["source"]
    if source:
        click.echo(f"# {source['unit_short'] or source['unit']} [{source['report_id']} {source['problem_id']}] "
                   f"{shorten(source['text'], 60)}")
    if not result["units"]:
        click.echo("  (其他单位没有带整改措施的相似问题)")
    for g in result["units"]:
        click.echo(f"\n{g['unit_short'] or g['unit']}  ({g['unit']})")
        for p in g["problems"]:
            click.echo(f"  问题 [{p['report_id']} {p['problem_id']}] {shorten(p['text'], 60)}")
        for n, m in enumerate(g["measures"], 1):
            where = ", ".join(s["problem_id"] for s in m["sources"])
            extra = f"(另有 {len(m['variants'])} 条相近)" if m["variants"] else ""
            click.echo(f"  {n:>2}. {shorten(m['text'], 90)}  [问题 {where}]{extra}")


@click.command()
@click.argument("query", required=False)
@click.option("--report", "report_id", metavar="ID", help="用这份报告中的问题(配合 --problem)代替 QUERY。")
@click.option("--problem", "problem_id", metavar="PID", help="--report 中的问题编号(如 3、41.2)。")
@click.option("--exclude-unit", "exclude_units", multiple=True, metavar="UNIT",
              help="排除这个单位(全称、简称或名称的一部分;可重复)。")
@click.option("-k", "k", type=click.IntRange(1, 100), default=10, show_default=True,
              help="最多参考这么多条相似问题。")
@json_option
@workspace_option
def fixes(query: str | None, report_id: str | None, problem_id: str | None, exclude_units: tuple[str, ...],
          k: int, as_json: bool, workspace: Path | None) -> None:
    """其他单位怎样整改与 QUERY(或 --report/--problem 指定的问题)相似的问题:按单位列出整改措施,相近的合并。"""
    if query is not None and (report_id or problem_id):
        raise UserError("query_or_problem")
    if query is None and not (report_id and problem_id):
        raise UserError("need_query")
    with _service(workspace) as svc:
        from ui.service.fix_finder import FixFinder

        svc.search.ensure_ready(progress=StageBars())
        result = FixFinder(svc.store, svc.search).fixes(query, report_id=report_id, problem_id=problem_id,
                                                        exclude_units=exclude_units, k=k)
    emit_json(result) if as_json else _print_fixes(result)


COMMANDS = (themes, fixes)

"""`xuncha problems`: every stored problem with its unit's display name and its types."""
from __future__ import annotations

from pathlib import Path

import click

from reports.shared.notices import render
from ui.cli.common import UserError, emit_json, existing_workspace, json_option, known_unit, workspace_option


@click.command()
@click.option("--unit", help="单位(全称或简称,可为部分名称)。")
@click.option("--type", "type_", metavar="TYPE", help="问题类型,中文名称或编号。")
@click.option("--types", "list_types", is_flag=True, help="改为列出问题类型分类表。")
@json_option
@workspace_option
def problems(unit: str | None, type_: str | None, list_types: bool, as_json: bool, workspace: Path | None) -> None:
    """列出库中全部问题(可按 --unit、--type 筛选);加 --types 列出问题类型分类表。"""
    from reports.analysis.problemtypes import taxonomy
    from reports.shared.notices import XunchaError
    from reports.store.problem_list import problem_records

    if list_types:
        tax = taxonomy()
        rows = [{"id": t.id, "name": t.name, "group": tax.groups[t.group], "definition": t.definition,
                 "examples": list(t.examples)} for t in tax.types]
        if as_json:
            emit_json(rows)
        else:
            for t in rows:
                click.echo(f"{t['group']} / {t['name']}:{t['definition']}")  # --type takes the name
        return
    with existing_workspace(workspace, need_reports=True) as ws:
        known_unit(ws, unit)
        try:
            rows = problem_records(ws.store, unit=unit, type_=type_, concreteness=ws.concreteness_scores())
        except XunchaError as exc:
            raise UserError.of(exc) from None
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(render("no_matching_problems", {}), err=True)
    for r in rows:
        text = r["text"] if len(r["text"]) <= 60 else r["text"][:60] + "…"
        click.echo(f"{r['unit_short'] or r['unit']}  [{r['report_id']} {r['problem_id']}]  "
                   f"{'、'.join(r['types']) or '（未分类）'}  {text}")


COMMANDS = (problems,)

"""`xuncha problems`: every stored problem with its unit's display name and its types."""
from __future__ import annotations

from pathlib import Path

import click

from ui.cli.common import UserError, emit_json, existing_workspace, json_option, workspace_option


@click.command()
@click.option("--unit", help="Unit (full or display name, substring).")
@click.option("--type", "type_", metavar="TYPE", help="Problem type, by Chinese name or id.")
@click.option("--types", "list_types", is_flag=True, help="List the problem types instead.")
@json_option
@workspace_option
def problems(unit: str | None, type_: str | None, list_types: bool, as_json: bool, workspace: Path | None) -> None:
    """List stored problems (filter by --unit and --type), or the type taxonomy with --types."""
    from reports.notices import XunchaError
    from reports.problem_list import problem_records
    from reports.problemtypes import taxonomy

    if list_types:
        tax = taxonomy()
        rows = [{"id": t.id, "name": t.name, "group": tax.groups[t.group], "definition": t.definition,
                 "examples": list(t.examples)} for t in tax.types]
        if as_json:
            emit_json(rows)
        else:
            for t in rows:
                click.echo(f"{t['group']} / {t['name']} ({t['id']}): {t['definition']}")
        return
    with existing_workspace(workspace) as ws:
        try:
            rows = problem_records(ws.store, unit=unit, type_=type_)
        except XunchaError as exc:
            raise UserError.of(exc) from None
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        text = r["text"] if len(r["text"]) <= 60 else r["text"][:60] + "…"
        click.echo(f"{r['unit_short'] or r['unit']}  [{r['report_id']} {r['problem_id']}]  "
                   f"{'、'.join(r['types']) or '（未分类）'}  {text}")


COMMANDS = (problems,)

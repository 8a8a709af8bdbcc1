"""`xuncha audit` and `xuncha recurring`: check reports as an inspection office would, and list the
problems that come back in a unit's later round (DESIGN.md section 6)."""
from __future__ import annotations

from pathlib import Path

import click

from ui.cli.common import UserError, emit_json, existing_workspace, json_option, workspace_option

__all__ = ["COMMANDS", "audit", "recurring"]


@click.command()
@click.argument("report_id", required=False)
@json_option
@workspace_option
def audit(report_id: str | None, as_json: bool, workspace: Path | None) -> None:
    """Audit one report (or all): counts, truncation, dates, measures, vague or contradictory status."""
    with existing_workspace(workspace, need_reports=True) as ws:
        if report_id and not ws.store.contains(report_id):
            raise UserError(f"report {report_id}: not in the workspace (see `xuncha reports`)")
        findings = [f.to_json() for f in ws.audit(report_id)]
    if as_json:
        emit_json(findings)
        return
    for f in findings:
        where = f"问题{f['problem_id']}" if f["problem_id"] else "报告"
        click.echo(f"{f['report_id']}  {f['severity']:<7} {f['code']:<22} {where}  {f['message']}")
    click.echo(f"{len(findings)} findings", err=True)


@click.command()
@click.option("--unit", default=None, help="Only units whose full or short name contains this.")
@json_option
@workspace_option
def recurring(unit: str | None, as_json: bool, workspace: Path | None) -> None:
    """Problems of a unit's later report that repeat a problem of its earlier report(s)."""
    with existing_workspace(workspace, need_reports=True) as ws:
        links = [r.to_json() for r in ws.recurrences(unit)]
    if as_json:
        emit_json(links)
        return
    for r in links:
        e, la = r["earlier"], r["later"]
        click.echo(f"{r['unit_short'] or r['unit']}  {r['score']:.3f}\n  {e['date']} [{e['report_id']}:{e['problem_id']}] "
                   f"{e['text'][:60]}\n  {la['date']} [{la['report_id']}:{la['problem_id']}] {la['text'][:60]}")
    click.echo(f"{len(links)} recurring problems", err=True)


COMMANDS = (audit, recurring)

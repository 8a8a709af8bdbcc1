"""`xuncha audit` and `xuncha recurring`: check reports as an inspection office would, and list the
problems that come back in a unit's later round (docs/cli.md)."""
from __future__ import annotations

from pathlib import Path

import click

from reports.shared.notices import render
from ui.cli.common import UserError, emit_json, existing_workspace, json_option, known_unit, workspace_option
from ui.service.text import AUDIT_LABELS, SEVERITY_LABELS, shorten

__all__ = ["COMMANDS", "audit", "recurring"]


@click.command()
@click.argument("report_id", required=False)
@json_option
@workspace_option
def audit(report_id: str | None, as_json: bool, workspace: Path | None) -> None:
    """核查一份报告(或全部):数量前后不一、截断、日期顺序、无整改措施、整改空泛、状态矛盾。"""
    with existing_workspace(workspace, need_reports=True) as ws:
        if report_id and not ws.store.contains(report_id):
            raise UserError("unknown_report", report_id=report_id)
        findings = [f.to_json() for f in ws.audit(report_id)]
        names = ws.store.unit_names()
    if as_json:
        emit_json(findings)
        return
    for f in findings:
        where = f"问题 {f['problem_id']}" if f["problem_id"] else "全文"
        click.echo(f"{names.get(f['report_id'], f['report_id'])} [{f['report_id']}]  {SEVERITY_LABELS[f['severity']]}  "
                   f"{AUDIT_LABELS.get(f['code'], f['code'])}  {where}:{f['message']}")
    by = {s: sum(f["severity"] == s for f in findings) for s in SEVERITY_LABELS}
    click.echo(render("audit_summary", {"count": len(findings), "errors": by["error"], "warnings": by["warning"],
                                        "infos": by["info"]}), err=True)


@click.command()
@click.option("--unit", default=None, help="只看全称或简称包含此文字的单位。")
@json_option
@workspace_option
def recurring(unit: str | None, as_json: bool, workspace: Path | None) -> None:
    """同一单位后一轮报告中重复出现的前一轮问题(整而未改、反弹回潮)。"""
    with existing_workspace(workspace, need_reports=True) as ws:
        known_unit(ws, unit)
        links = [r.to_json() for r in ws.recurrences(unit)]
    if as_json:
        emit_json(links)
        return
    for r in links:
        e, la = r["earlier"], r["later"]
        click.echo(f"{r['unit_short'] or r['unit']}  相似度 {r['score']:.0%}\n"
                   f"  前一轮 {e['date'] or '日期不详'} [{e['report_id']} 问题 {e['problem_id']}] {shorten(e['text'], 60)}\n"
                   f"  后一轮 {la['date'] or '日期不详'} [{la['report_id']} 问题 {la['problem_id']}] {shorten(la['text'], 60)}")
    click.echo(render("recurring_summary" if links else "recurring_none", {"count": len(links)}), err=True)


COMMANDS = (audit, recurring)

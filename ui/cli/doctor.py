"""`xuncha doctor [--repair]`: check the store and every derived artifact (ui/service/doctor.py)."""
from __future__ import annotations

from pathlib import Path

import click

from reports.shared.paths import STORE_FILE
from ui.cli.common import StageBars, UserError, emit_json, existing_workspace, json_option, workspace_option

__all__ = ["doctor"]


@click.command()
@click.option("--repair", is_flag=True, help="重建所有过期、损坏或缺失的派生数据(索引、图谱、主题)。")
@json_option
@workspace_option
def doctor(repair: bool, as_json: bool, workspace: Path | None) -> None:
    """检查工作区:数据库完整性、检索索引、图谱、主题(不健康时退出码为 1)。"""
    from ui.service import doctor as doc

    with existing_workspace(workspace) as ws:
        checks = doc.diagnose(ws)
        actions: list[str] = []
        store_ok = next(c for c in checks if c.name == "store").state == doc.OK
        if repair and store_ok and any(c.state != doc.OK for c in checks):
            bars = StageBars()
            try:
                actions = ws.repair(checks, progress=bars)
            finally:
                bars.close()
            checks = doc.diagnose(ws)
    healthy = all(c.state == doc.OK for c in checks)
    if as_json:
        emit_json({"healthy": healthy, "checks": [doc.to_json(c) for c in checks], "repaired": actions})
    else:
        for c in checks:
            click.echo(doc.line(c))
        for line in actions:
            click.echo(f"修复:{line}", err=True)
        click.echo("工作区正常" if healthy else "工作区有问题" + ("" if repair else "(运行 xuncha doctor --repair 修复)"),
                   err=True)
    if not healthy:
        if not store_ok:
            raise UserError("store_damaged", path=str(ws.root / STORE_FILE))
        raise SystemExit(1)

"""`xuncha briefing`: 巡前研判 / 自查清单 for one unit, as JSON, Chinese text, .docx or .xlsx
(ui/service/briefing.py does the work; docs/cli.md)."""
from __future__ import annotations

from pathlib import Path

import click

from ui.cli.common import UserError, emit_json, existing_workspace, json_option, workspace_option
from ui.service.text import concreteness_label, shorten

__all__ = ["COMMANDS", "briefing"]

TEXT_WIDTH = 160  # characters of a problem or measure in the terminal; the exports keep the whole text


@click.command()
@click.argument("unit")
@click.option("--sector", default=None, metavar="S", help="按此行业找同类单位(默认由单位名称判断),如 文联、作协、文旅、卫健、教育、政协。")
@click.option("--level", default=None, metavar="L", help="只看该层级的同类单位:省、市 或 县。")
@click.option("--kind", default=None, metavar="K",
              help="本单位接受的是 巡视 还是 巡察(工作区外的单位默认按层级推定)。")
@click.option("--export", "exports", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="另存为可分发的 .docx 或 .xlsx 文件(可给多次)。")
@json_option
@workspace_option
def briefing(unit: str, sector: str | None, level: str | None, kind: str | None, exports: tuple[Path, ...],
             as_json: bool, workspace: Path | None) -> None:
    """巡前研判 / 自查清单:同类单位(同行业、同层级、同为巡视或巡察)被发现最多的问题类型。

    UNIT 为工作区中的单位(全称、简称或其中一段),或工作区外单位的全称(按同一规则判断行业和层级)。
    每类问题按有此类问题的同类单位数排序,附典型问题及出处、最具体的整改做法,以及本单位是否有过此类问题。"""
    from reports.shared.notices import XunchaError
    from ui.service.briefing import build_briefing
    from ui.service.briefing_export import EXPORT_FORMATS, write_briefing

    for path in exports:
        if path.suffix.lower().lstrip(".") not in EXPORT_FORMATS:
            raise UserError("briefing_suffix", path=str(path))
    with existing_workspace(workspace, need_reports=True) as ws:
        data = build_briefing(ws, unit, sector=sector, level=level, kind=kind).to_json()
    written = []
    for path in exports:
        try:
            written.append(str(write_briefing(data, path)))
        except XunchaError as exc:
            raise UserError.of(exc) from None
    if as_json:
        emit_json({**data, "exported": written} if exports else data)
    else:
        for line in briefing_lines(data):
            click.echo(line)
    for path in written:
        click.echo(f"已写入 {path}", err=True)


def briefing_lines(b: dict) -> list[str]:
    """The briefing for people, in Chinese: target, peers with the reason, notes, ranked types."""
    from reports.grammar.numerals import int_to_cn
    from ui.service.briefing_text import NO_MEASURES, profile_text, source_text, target_text, type_heading

    lines = [f"自查清单:{b.get('unit_short') or b['unit']}({b['unit']})", f"  {profile_text(b)}",
             f"同类单位 {len(b['peers'])} 个:"]
    lines += [f"  {n}. {p['unit_short']} —— {p['why']}" for n, p in enumerate(b["peers"], 1)]
    lines += [f"注意:{note}" for note in b.get("notes") or []]
    if not b["types"]:
        lines.append("同类单位中没有可列出的问题。")
        return lines
    lines.append("常见问题类型(按有此类问题的同类单位数排序):")
    for n, t in enumerate(b["types"], 1):
        lines.append(f"{int_to_cn(n) if n < 100 else n}、{type_heading(t)}")
        if t.get("note"):
            lines.append(f"    注意:{t['note']}")
        lines.append(f"    {target_text(t['target'])}")
        lines.append("    典型问题:")
        lines += [f"      {k}. {shorten(e['text'], TEXT_WIDTH)}\n         来源:{source_text(e)}"
                  for k, e in enumerate(t["examples"], 1)]
        if not t["measures"]:
            lines.append(f"    整改做法:{NO_MEASURES}")
            continue
        lines.append("    整改做法(按具体程度):")
        lines += [f"      {k}. {shorten(m['text'], TEXT_WIDTH)}(具体程度 {concreteness_label(m['concreteness'])})\n"
                  f"         来源:{source_text(m)}" for k, m in enumerate(t["measures"], 1)]
    return lines


COMMANDS = (briefing,)

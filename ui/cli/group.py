"""The `xuncha` Click group and the report commands (parse, entities, ingest, remove, reports, export),
thin over the Workspace; JSON on stdout, one Chinese line and exit 1 for a user error (docs/cli.md)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from reports.shared.notices import XunchaError
from reports.shared.paths import STORE_FILE
from ui.cli.common import (
    StageBars,
    Throughput,
    UserError,
    XunchaGroup,
    emit_json,
    existing_workspace,
    json_option,
    open_workspace,
    usage_line,
    workspace_option,
)
from ui.service.text import mention_label

__all__ = ["cli", "main", "run"]


# Help at a fixed width: Chinese wraps badly at 80 columns, and docs/cli.md is rendered from it.
@click.group(cls=XunchaGroup, context_settings={"help_option_names": ["-h", "--help"], "terminal_width": 100,
                                                "max_content_width": 100})
@click.version_option(package_name="xuncha", message="%(prog)s %(version)s", help="显示版本并退出。")
def cli() -> None:
    """xuncha 巡查:巡视/巡察整改情况通报的知识图谱与语义检索。

    命令名为英文,输出与提示为中文;加 --json 输出机器可读的 JSON(键名见 docs/cli.md)。"""


def _parse_file(file: Path):
    """The parsed report; an unreadable file is the one-line user error."""
    from reports.parse import parse_source
    from reports.read import ReadError, read_source
    try:
        return parse_source(read_source(file))
    except ReadError as exc:
        raise UserError.of(exc) from exc


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@workspace_option
def parse(file: Path, as_json: bool, workspace: Path | None) -> None:
    """解析一个报告文件并显示识别结果(不需要工作区)。"""
    from reports.store.serialize import report_to_json
    data = report_to_json(_parse_file(file))
    if as_json:
        emit_json(data)
        return
    _print_parse_summary(data)


def _print_parse_summary(d: dict) -> None:
    i = d["inspection"]
    click.echo(f"{d['report_id']}  {d['title'] or '(无标题)'}")
    click.echo(f"  单位:{d['unit'] or '未识别'}({d['unit_short'] or '—'}),"
               f"{(d['level'] or '?') + '级'},{d['region'] or '地区未识别'}")
    click.echo(f"  {i['kind'] or '巡察'}:{i['inspector'] or '巡察组未识别'},{_or_dash(i['start'])} 至 {_or_dash(i['end'])},"
               f"反馈 {_or_dash(i['feedback'])}")
    stated = d["stated"].get("problems")
    click.echo(f"  问题数:报告自述 {_or_dash(stated)},识别 {d['found']['problems']}"
               f"(按子问题计 {d['found']['leaf_problems']} 条),方面 {d['found']['categories']} 个")
    for c in d["categories"]:
        click.echo(f"  ({c['ordinal']}) {c['title']}:{len(c['problems'])} 个问题")
    for w in d["warning_codes"]:
        click.echo(f"  注意:{w['message']}", err=True)


def _or_dash(value) -> str:
    """Absent values as a dash, never Python's None."""
    return "—" if value in (None, "") else str(value)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@workspace_option
def entities(file: Path, as_json: bool, workspace: Path | None) -> None:
    """一个报告文件中的实体:人员及职务、机构、巡察组、《》标题、文号;每个实体一行,列出全部出现位置。"""
    from ui.service.workspace import report_mentions
    report = _parse_file(file)
    known = len(report.warnings)
    mentions = report_mentions(report)  # within the entity limits (docs/decisions.md)
    for warning in report.warnings[known:]:  # what those limits cut
        click.echo(f"注意:{file}:{warning.chinese()}", err=True)
    if as_json:
        emit_json(group_mentions(mentions))
        return
    _print_entities(mentions)


def _print_entities(mentions: list) -> None:
    """One line per entity (type + canonical name): how often, every spelling and role, where.
    A web page's editor credit (编辑:谢航) is listed apart, not counted as a person of the report."""
    from reports.entities import PAGE_CREDIT
    entities: dict[tuple[str, str], list] = {}
    credits = []
    for m in mentions:
        if m.attrs.get("credit") == PAGE_CREDIT:
            credits.append(m)
        else:
            entities.setdefault((m.type, m.canonical), []).append(m)
    counts: dict[str, int] = {}
    for (type_, canonical), ms in entities.items():
        counts[type_] = counts.get(type_, 0) + 1
        names = [n for n in dict.fromkeys(m.name for m in ms) if n != canonical]
        roles = list(dict.fromkeys(r for m in ms if m.role for r in m.role.split("、")))
        spans = ",".join(f"{m.span[0]}-{m.span[1]}" for m in sorted(ms, key=lambda m: m.span))
        extra = (f"({'、'.join(roles)})" if roles else "") + (f" 又作:{'、'.join(names)}" if names else "")
        click.echo(f"{mention_label(type_)}\t{canonical}{extra}\t{len(ms)} 处:{spans}")
    summary = ",".join(f"{mention_label(t)} {n}" for t, n in counts.items())
    if credits:
        names = "、".join(dict.fromkeys(f"{m.name}({m.role})" for m in credits))
        click.echo(f"网页署名(不计为报告中的人员):{names}")
    click.echo(f"共 {len(entities)} 个实体:{summary or '无'}", err=True)


def group_mentions(mentions: list) -> list[dict]:
    """One row per (type, canonical, name, role), with every span it occurs at (the contract shape),
    plus the attributes of its first mention (doc_number, doc_class, org, region…)."""
    rows: dict[tuple, dict] = {}
    for m in mentions:
        key = (m.type, m.canonical, m.name, m.role)
        row = rows.setdefault(key, {"type": m.type, "name": m.name, "canonical": m.canonical, "role": m.role,
                                    "spans": [], "attrs": m.attrs})
        row["spans"].append(list(m.span))
    return list(rows.values())


no_sync_option = click.option(
    "--no-sync", is_flag=True,
    help="只写入数据库;知识图谱和检索索引在下次使用时再更新。")


def sync_workspace(ws, stored: int | None = None) -> None:
    """Bring the graph, search index and themes up to date; a failure here leaves the store as it
    is (the artifacts catch up on their next use or with `xuncha doctor --repair`)."""
    from reports.shared.ioerrors import io_reason
    from ui.service.workspace import LOG_FILE

    bars = StageBars()
    try:
        ws.sync(progress=bars)
    except Exception as exc:  # the store is committed; derived artifacts catch up next time
        logging.getLogger("xuncha").error("sync failed", exc_info=True, extra={"console": False})
        reason = io_reason(exc) or f"程序内部错误,详情见 {ws.root / LOG_FILE}"
        done = f"{stored} 份报告已入库; " if stored else "入库记录完好; "
        raise UserError("sync_failed", path=str(ws.root), reason=f"{done}{reason}; 下次使用时自动补齐,"
                        "或运行 xuncha doctor --repair") from exc
    finally:
        bars.close()


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@no_sync_option
@json_option
@workspace_option
def ingest(paths: tuple[str, ...], no_sync: bool, as_json: bool, workspace: Path | None) -> None:
    """导入报告文件或文件夹(txt、docx、pdf、html、md)。

    同一内容只导入一次(重复的跳过);文件夹里不能导入的文件(旧版 .doc、图片/扫描件等)逐个列出原因。
    网页请先另存为 .html 再导入。"""
    from ui.service.workspace import default_root

    root = Path(workspace) if workspace is not None else default_root()
    before = _entries(root)  # None: no workspace here yet; one that ends up with no report is not left behind
    ws = open_workspace(root)
    bars = StageBars()
    counts = dict.fromkeys(("ingested", "duplicate", "skipped", "error"), 0)
    meter = Throughput()
    outcomes: list = []
    names: dict[str, str] = {}
    try:
        with ws.writing():  # ingest and sync as one write: searches elsewhere answer from the last index
            outcomes = ws.ingest(paths, progress=lambda stage, done, total: bars(stage, done, total, meter.postfix()),
                                 on_outcome=meter.add, preload_encoder=not no_sync)
            bars.close()
            counts = {s: sum(o.status == s for o in outcomes) for s in counts}
            names = ws.store.unit_names()
            if not no_sync and not ws.is_empty():  # even after duplicates only: finishes a sync an earlier run did not
                sync_workspace(ws, counts["ingested"])
    except UserError as exc:
        _print_outcomes(outcomes, counts, as_json, meter, names)
        raise exc
    finally:
        empty = ws.is_empty()
        ws.close()
        if empty and before != "kept" and not any(o.traceback for o in outcomes):
            _discard_new(root, before)
    _print_outcomes(outcomes, counts, as_json, meter, names)
    if (counts["error"] or counts["skipped"]) and not (counts["ingested"] or counts["duplicate"]):
        sys.exit(1)


def _entries(root: Path) -> set[str] | str | None:
    """What a folder held before ingest made it a workspace: None (no folder), its entries (a folder
    that is not a workspace yet), or "kept" (a workspace already: never removed)."""
    if (root / STORE_FILE).exists():
        return "kept"
    if not root.is_dir():
        return None
    return {p.name for p in root.iterdir()}


def _discard_new(root: Path, before: set[str] | None) -> None:
    """Remove what this ingest created when it stored nothing: the folder it made, or the files it
    added to a folder that existed. A workspace whose log holds a traceback is kept (the line names it)."""
    import shutil

    if before is None:
        shutil.rmtree(root, ignore_errors=True)
        return
    for p in root.iterdir():
        if p.name not in before:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def _print_outcomes(outcomes: list, counts: dict[str, int], as_json: bool, meter: Throughput,
                    names: dict[str, str] | None = None) -> None:
    """Per-file lines and the summary; printed before any sync failure, so they are never lost. A file's
    lines stay together on one stream (stdout; an error or skipped file on stderr), so a redirected
    warning keeps its file."""
    if as_json:
        emit_json({"outcomes": [o.to_json() for o in outcomes], "summary": counts, "throughput": meter.summary()})
    else:
        for o in outcomes:
            err = o.status in ("error", "skipped")
            for line in outcome_lines(o, names or {}):
                click.echo(line, err=err)
        click.echo(f"已导入 {counts['ingested']} 份,重复 {counts['duplicate']} 份,"
                   f"跳过 {counts['skipped']} 个文件,出错 {counts['error']} 个", err=True)
        if meter.problems:
            click.echo(meter.line(), err=True)


OUTCOME_WORDS = {"ingested": "已导入", "duplicate": "重复", "skipped": "已跳过", "error": "出错"}


def outcome_lines(o, names: dict[str, str] | None = None) -> list[str]:
    """What happened to one file, in Chinese: the outcome line (the unit by its display name), then one
    注意 line per warning the reader should act on (a truncated text, counts that disagree)."""
    word = OUTCOME_WORDS.get(o.status, o.status)
    if o.status in ("skipped", "error"):
        return [f"{word}  {o.path}:{o.chinese()}"]
    found = o.found or {}
    detail = f"{found.get('problems', 0)} 个问题" if found else ""
    if o.status == "duplicate":
        detail = "与库中已有报告相同,未重复导入"
    unit = (names or {}).get(o.report_id) or o.unit or "单位未识别"
    lines = [f"{word}  {o.path}  [{o.report_id}] {unit} {detail}".rstrip()]
    lines += [f"    注意:{w.chinese()}" for w in o.warnings if o.status == "ingested"]
    return lines


@cli.command()
@click.argument("report_id")
@no_sync_option
@json_option
@workspace_option
def remove(report_id: str, no_sync: bool, as_json: bool, workspace: Path | None) -> None:
    """删除一份报告,以及只由它支持的实体和检索条目。"""
    with existing_workspace(workspace) as ws:
        removed = ws.remove(report_id)
        if removed and not no_sync:
            sync_workspace(ws)
    if not removed:
        raise UserError("unknown_report", report_id=report_id)
    if as_json:
        emit_json({"removed": report_id})
    else:
        click.echo(f"已删除 {report_id}")


@cli.command()
@json_option
@workspace_option
def reports(as_json: bool, workspace: Path | None) -> None:
    """列出已导入的报告:单位、巡察组、问题数(识别 / 报告自述)。"""
    with existing_workspace(workspace) as ws:
        rows = ws.reports()
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("工作区中还没有报告(xuncha ingest 路径)。", err=True)
    for r in rows:
        stated = r["stated"].get("problems")
        flags = (["正文不完整"] if r["truncated"] else []) + ([f"{len(r['warnings'])} 条提示"] if r["warnings"] else [])
        click.echo(f"{r['report_id']}  {r['unit_short'] or r['unit'] or '单位未识别'}  {r['inspector'] or '—'}  "
                   f"识别 {r['found']['problems']} 个问题 / 自述 {_or_dash(stated)}"
                   + (f"  [{';'.join(flags)}]" if flags else ""))


@cli.group()
def export() -> None:
    """导出数据(知识图谱另见 xuncha graph export)。"""


@export.command("ledger")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="文件格式;默认按文件扩展名判断。")
@json_option
@workspace_option
def export_ledger(file: Path, fmt: str | None, as_json: bool, workspace: Path | None) -> None:
    """问题台账:每条问题一行(有子问题的按子问题逐条列出),CSV(UTF-8 BOM)或 XLSX。"""
    from ui.service.ledger import write_ledger
    if fmt is None and file.suffix.lower() not in (".csv", ".xlsx"):
        raise UserError("ledger_suffix", path=str(file))
    if not file.parent.is_dir():  # the user's folder: a typo there must not become new directories
        raise UserError("no_such_dir", path=str(file), dir=str(file.parent))
    with existing_workspace(workspace) as ws:
        rows = ws.ledger_rows()
    try:
        write_ledger(rows, file, fmt)
    except OSError as exc:
        raise UserError("cannot_write", path=str(file), reason=str(exc.strerror or exc)) from exc
    if as_json:
        emit_json({"path": str(file), "rows": len(rows)})
    else:
        click.echo(f"已写入 {file}:{len(rows)} 条问题", err=True)


def _register_subcommands() -> None:
    from ui.cli.audit import COMMANDS as AUDIT_COMMANDS
    from ui.cli.briefing import COMMANDS as BRIEFING_COMMANDS
    from ui.cli.doctor import doctor
    from ui.cli.graph import graph
    from ui.cli.problems import COMMANDS as PROBLEM_COMMANDS
    from ui.cli.search import reindex, search, similar
    from ui.cli.themes import COMMANDS as THEME_COMMANDS
    from ui.cli.web import ui
    for command in (search, similar, reindex, graph, *THEME_COMMANDS, *PROBLEM_COMMANDS, *AUDIT_COMMANDS, ui,
                    doctor, *BRIEFING_COMMANDS):
        cli.add_command(command)


_register_subcommands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: click's own usage errors also exit 1, as the contract says."""
    from ui.cli.crashlog import installed, workspace_from_argv

    args = list(sys.argv[1:] if argv is None else argv)
    root = workspace_from_argv(args)
    with installed(root):
        return _run(args, root)


def _run(args: list[str], root: Path) -> int:
    """One command; every failure ends as one line on stderr (tracebacks go to the log file)."""
    from ui.cli.crashlog import crash_line

    try:
        cli.main(args=args, prog_name="xuncha", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("已中止", err=True)
        return 1
    except click.UsageError as exc:
        click.echo(f"xuncha:{usage_line(exc)}(xuncha --help 查看用法)", err=True)
        return 1
    except click.ClickException as exc:
        click.echo(f"xuncha:{exc.format_message()}", err=True)
        return 1
    except XunchaError as exc:  # a user error a command did not wrap: still one Chinese line
        click.echo(f"xuncha:{exc.chinese()}", err=True)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        click.echo("aborted", err=True)
        return 130
    except Exception as exc:  # the one top-level handler: no traceback on the terminal
        click.echo(crash_line(exc, root), err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


def run() -> None:
    """Console-script entry: exits with main()'s code."""
    sys.exit(main())

"""The `xuncha` Click group and the report commands (parse, entities, ingest, remove, reports, export),
thin over the Workspace; JSON on stdout, one Chinese line and exit 1 for a user error (DESIGN.md section 6)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from reports.notices import XunchaError
from ui.cli.common import StageBars, UserError, emit_json, json_option, open_workspace, workspace_option

__all__ = ["cli", "main", "run"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xuncha")
def cli() -> None:
    """xuncha: knowledge graph and semantic search over 巡视/巡察整改 reports."""


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
    """Parse one report file and print what was found (no workspace needed)."""
    from reports.serialize import report_to_json
    data = report_to_json(_parse_file(file))
    if as_json:
        emit_json(data)
        return
    _print_parse_summary(data)


def _print_parse_summary(d: dict) -> None:
    i = d["inspection"]
    click.echo(f"{d['report_id']}  {d['title'] or '(no title)'}")
    click.echo(f"  unit: {d['unit']} ({d['unit_short']}), {d['level'] or '?'}级, {d['region'] or ''}")
    click.echo(f"  inspection: {i['kind']} by {i['inspector']}, {i['start']} – {i['end']}, feedback {i['feedback']}")
    stated = {k: v for k, v in d["stated"].items() if v is not None}
    click.echo(f"  stated: {stated}")
    click.echo(f"  found: {d['found']}")
    for c in d["categories"]:
        click.echo(f"  ({c['ordinal']}) {c['title']}: {len(c['problems'])} problems")
    for w in d["warning_codes"]:
        click.echo(f"  提示:{w['message']}", err=True)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@workspace_option
def entities(file: Path, as_json: bool, workspace: Path | None) -> None:
    """Entities in one report file: people with roles, bodies, teams, 《》 titles, document numbers."""
    from ui.service.workspace import report_mentions
    report = _parse_file(file)
    known = len(report.warnings)
    rows = group_mentions(report_mentions(report))  # within the entity limits (docs/decisions.md)
    for warning in report.warnings[known:]:        # what those limits cut
        click.echo(f"warning: {file}: {warning.chinese()}", err=True)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        role = f" ({row['role']})" if row["role"] else ""
        click.echo(f"{row['type']:<16} {row['canonical']}{role}  ×{len(row['spans'])}")


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
    help="Only update the store; the graph and the search index catch up on their next use.")


def sync_workspace(ws, stored: int | None = None) -> None:
    """Bring the graph, search index and themes up to date; a failure here leaves the store as it
    is (the artifacts catch up on their next use or with `xuncha doctor --repair`)."""
    from reports.ioerrors import io_reason

    bars = StageBars()
    try:
        ws.sync(progress=bars)
    except Exception as exc:  # the store is committed; derived artifacts catch up next time
        logging.getLogger("xuncha").debug("sync failed", exc_info=True)
        reason = io_reason(exc) or " ".join(str(exc).split())[:300]
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
    """Ingest report files or folders (idempotent: the same text is skipped)."""
    ws = open_workspace(workspace)
    bars = StageBars()
    from embeddings.index_sync import writing

    try:
        with writing(ws.root):  # searches elsewhere answer from the last committed index meanwhile
            outcomes = ws.ingest(paths, progress=bars)
            bars.close()
            counts = {s: sum(o.status == s for o in outcomes) for s in ("ingested", "duplicate", "error")}
            if not no_sync:  # even after duplicates only: finishes a sync an earlier run did not
                sync_workspace(ws, counts["ingested"])
    except UserError as exc:
        _print_outcomes(outcomes, counts, as_json)
        raise exc
    finally:
        ws.close()
    _print_outcomes(outcomes, counts, as_json)
    if counts["error"] and not (counts["ingested"] or counts["duplicate"]):
        sys.exit(1)


def _print_outcomes(outcomes: list, counts: dict[str, int], as_json: bool) -> None:
    """Per-file lines and the summary; printed before any sync failure, so they are never lost."""
    if as_json:
        emit_json({"outcomes": [o.to_json() for o in outcomes], "summary": counts})
    else:
        for o in outcomes:
            click.echo(o.line(), err=o.status == "error")
        click.echo(f"{counts['ingested']} ingested, {counts['duplicate']} duplicate, {counts['error']} error",
                   err=True)


@cli.command()
@click.argument("report_id")
@no_sync_option
@json_option
@workspace_option
def remove(report_id: str, no_sync: bool, as_json: bool, workspace: Path | None) -> None:
    """Remove a report and everything only it supported."""
    ws = open_workspace(workspace)
    removed = ws.remove(report_id)
    if removed and not no_sync:
        sync_workspace(ws)
    ws.close()
    if not removed:
        raise UserError("unknown_report", report_id=report_id)
    if as_json:
        emit_json({"removed": report_id})
    else:
        click.echo(f"removed {report_id}")


@cli.command()
@json_option
@workspace_option
def reports(as_json: bool, workspace: Path | None) -> None:
    """List stored reports with stated and found counts."""
    ws = open_workspace(workspace)
    rows = ws.reports()
    ws.close()
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        flag = " [truncated]" if r["truncated"] else ""
        click.echo(f"{r['report_id']}  {r['unit_short'] or r['unit']}  {r['inspector'] or ''}  "
                   f"found {r['found']['problems']} / stated {r['stated'].get('problems')}{flag}")


@cli.group()
def export() -> None:
    """Export records (the graph has its own: `xuncha graph export`)."""


@export.command("ledger")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Default: from the file's suffix.")
@json_option
@workspace_option
def export_ledger(file: Path, fmt: str | None, as_json: bool, workspace: Path | None) -> None:
    """The problem ledger (问题台账): one row per leaf problem, CSV (UTF-8 BOM) or XLSX."""
    from ui.service.ledger import write_ledger
    if fmt is None and file.suffix.lower() not in (".csv", ".xlsx"):
        raise UserError("ledger_suffix", path=str(file))
    ws = open_workspace(workspace)
    rows = ws.ledger_rows()
    ws.close()
    try:
        write_ledger(rows, file, fmt)
    except OSError as exc:
        raise UserError("cannot_write", path=str(file), reason=str(exc.strerror or exc)) from exc
    if as_json:
        emit_json({"path": str(file), "rows": len(rows)})
    else:
        click.echo(f"{len(rows)} problems written to {file}", err=True)


def _register_subcommands() -> None:
    from ui.cli.doctor import doctor
    from ui.cli.graph import graph
    from ui.cli.problems import COMMANDS as PROBLEM_COMMANDS
    from ui.cli.search import reindex, search, similar
    from ui.cli.themes import COMMANDS as THEME_COMMANDS
    from ui.cli.web import ui
    for command in (search, similar, reindex, graph, *THEME_COMMANDS, *PROBLEM_COMMANDS, ui, doctor):
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
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        click.echo(f"xuncha: {exc.format_message()}", err=True)
        return 1
    except XunchaError as exc:  # a user error a command did not wrap: still one Chinese line
        click.echo(f"xuncha: {exc.chinese()}", err=True)
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

"""`xuncha themes` and `xuncha fixes`: thin commands over embeddings.theme_service.ThemeService.

Register with ``for command in COMMANDS: cli.add_command(command)``. JSON goes to stdout (UTF-8,
not ASCII-escaped), progress and warnings to stderr. A user error is a one-line message with
exit code 1 (DESIGN.md section 6).
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

__all__ = ["COMMANDS", "ThemesUserError", "fixes", "themes"]


class ThemesUserError(click.ClickException):
    """A one-line error for the user; exit code 1."""

    exit_code = 1


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def _workspace_option(fn: Callable) -> Callable:
    return click.option("--workspace", "workspace", type=click.Path(file_okay=False, path_type=Path),
                        default=None, envvar="XUNCHA_HOME",
                        help="Workspace directory (default ./workspace, or $XUNCHA_HOME).")(fn)


def _json_option(fn: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(fn)


@contextmanager
def _service(workspace: Path | None) -> Iterator[Any]:
    """The workspace's ThemeService. Known failures become one-line user errors. A missing or
    empty workspace is an error rather than a silently created empty one."""
    from embeddings.manifest import SearchIndexError
    from reports.store import StoreError
    from ui.workspace import Workspace, default_root

    root = Path(workspace) if workspace is not None else default_root()
    if not (root / "xuncha.db").is_file():
        raise ThemesUserError(f"{root}: no workspace here (ingest reports first: `xuncha ingest PATH --workspace {root}`)")
    try:
        ws = Workspace(root)
    except StoreError as exc:
        raise ThemesUserError(str(exc)) from exc
    except OSError as exc:
        raise ThemesUserError(f"{root}: cannot open workspace ({exc.strerror or exc})") from exc
    try:
        if ws.is_empty():
            raise ThemesUserError(f"{root}: the workspace has no reports (`xuncha ingest PATH --workspace {root}`)")
        from embeddings.theme_service import ThemeService

        # Workspace.themes once the lead wires it in; until then, the same service built here
        yield ws.themes if hasattr(ws, "themes") else ThemeService.from_workspace(ws)
    except (SearchIndexError, ValueError) as exc:
        raise ThemesUserError(str(exc)) from exc
    finally:
        ws.close()


def _progress() -> Callable[[str, int, int], None]:
    """Stage names on stderr, once each; the search index's embedding gets a tqdm bar."""
    from tqdm import tqdm

    seen: set[str] = set()
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embed":
            bar = bars.get(stage) or bars.setdefault(stage, tqdm(total=total, unit="problem", file=sys.stderr,
                                                                 disable=None, desc="embedding", leave=False))
            bar.total, bar.n = total, done
            bar.refresh()
            if done >= total:
                bar.close()
        elif stage not in seen:
            seen.add(stage)
            click.echo(f"{stage}…", err=True)

    return progress


def _short(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n] + "…"


def _unit_names(doc: dict) -> dict[str, str]:
    matrix = doc["unit_theme"]
    return dict(zip(matrix["units"], matrix.get("unit_labels") or matrix["unit_short"], strict=True))


def _print_themes(doc: dict, members: bool) -> None:
    short = _unit_names(doc)
    click.echo(f"{len(doc['themes'])} themes over {doc['stats'].get('problems', 0)} problems "
               f"({len(doc['unthemed'])} in no theme)")
    for t in doc["themes"]:
        units = "、".join(short.get(u) or u for u in t["units"])
        click.echo(f"{t['unit_count']:>2} units {t['size']:>3} problems  [{t['id']}] {t['label']}  ({units})")
        if members:
            for m in t["members"]:
                click.echo(f"      {m.get('unit_short') or m['unit']}  [{m['report_id']} {m['problem_id']}]  "
                           f"{_short(m['text'], 60)}")


@click.command()
@click.option("--theme", "theme_id", metavar="ID", help="Only this theme (ids as listed, e.g. T1a2b3c4d).")
@click.option("--members", is_flag=True, help="List each theme's problems (text output).")
@click.option("--recompute", is_flag=True, help="Recompute even if the cached themes are current.")
@_json_option
@_workspace_option
def themes(theme_id: str | None, members: bool, recompute: bool, as_json: bool, workspace: Path | None) -> None:
    """Problems shared across units (共性问题): themes, most units first, and the unit x theme counts."""
    with _service(workspace) as svc:
        svc.sync(progress=_progress(), force=recompute)
        doc = svc.snapshot()
    if theme_id is not None:
        theme = next((t for t in doc["themes"] if t["id"] == theme_id), None)
        if theme is None:
            known = ", ".join(t["id"] for t in doc["themes"][:8])
            raise ThemesUserError(f"no theme {theme_id!r} (themes: {known}{', …' if len(doc['themes']) > 8 else ''})")
        _emit(theme) if as_json else _print_themes({**doc, "themes": [theme]}, True)
        return
    if as_json:
        _emit({"generation": doc["stamp"]["generation"], "themes": doc["themes"], "unit_theme": doc["unit_theme"],
               "unthemed": doc["unthemed"], "stats": doc["stats"]})
    else:
        _print_themes(doc, members)


def _print_fixes(result: dict) -> None:
    source = result["source"]
    if source:
        click.echo(f"# {source['unit_short'] or source['unit']} [{source['report_id']} {source['problem_id']}] "
                   f"{_short(source['text'], 60)}")
    if not result["units"]:
        click.echo("  (no similar problems with measures in other units)")
    for g in result["units"]:
        click.echo(f"\n{g['unit_short'] or g['unit']}  ({g['unit']})")
        for p in g["problems"]:
            click.echo(f"  problem [{p['report_id']} {p['problem_id']}] {_short(p['text'], 60)}")
        for n, m in enumerate(g["measures"], 1):
            where = ", ".join(s["problem_id"] for s in m["sources"])
            extra = f" (+{len(m['variants'])} similar)" if m["variants"] else ""
            click.echo(f"  {n:>2}. {_short(m['text'], 90)}  [problem {where}]{extra}")


@click.command()
@click.argument("query", required=False)
@click.option("--report", "report_id", metavar="ID", help="Use this report's problem (with --problem) instead of QUERY.")
@click.option("--problem", "problem_id", metavar="PID", help="Problem id within --report (e.g. 3, 41.2).")
@click.option("--exclude-unit", "exclude_units", multiple=True, metavar="UNIT",
              help="Leave this unit out (full name, short name or part of the name; repeatable).")
@click.option("-k", "k", type=click.IntRange(1, 100), default=10, show_default=True,
              help="At most this many similar problems are used.")
@_json_option
@_workspace_option
def fixes(query: str | None, report_id: str | None, problem_id: str | None, exclude_units: tuple[str, ...],
          k: int, as_json: bool, workspace: Path | None) -> None:
    """How other units fixed problems like QUERY (or like --report/--problem): their measures,
    grouped by unit, near-identical ones merged."""
    if query is not None and (report_id or problem_id):
        raise ThemesUserError("give either a QUERY or --report ID --problem PID (not both)")
    if query is None and not (report_id and problem_id):
        raise ThemesUserError("give a QUERY, or both --report ID and --problem PID")
    with _service(workspace) as svc:
        svc.search.ensure_ready(progress=_progress())
        result = svc.fixes(query, report_id=report_id, problem_id=problem_id, exclude_units=exclude_units, k=k)
    _emit(result) if as_json else _print_fixes(result)


COMMANDS = (themes, fixes)

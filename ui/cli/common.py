"""What every `xuncha` command shares: the one-line user error, JSON output, the --workspace and
--json options, progress bars on stderr, and opening an existing workspace (DESIGN.md section 6)."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from reports.notices import XunchaError

__all__ = ["StageBars", "UserError", "emit_json", "existing_workspace", "json_option", "open_workspace",
           "workspace_option"]


class UserError(click.ClickException):
    """A `XunchaError` as the CLI shows it: one Chinese line naming the file, exit code 1 (the CLI
    contract). Only XunchaErrors become user errors; anything else is a bug and keeps its traceback."""

    exit_code = 1

    def __init__(self, code: str, /, **params: Any) -> None:
        self.error = XunchaError(code, **params)
        super().__init__(self.error.chinese())

    @classmethod
    def of(cls, error: XunchaError) -> UserError:
        return cls(error.code, **error.params)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def workspace_option(fn: Callable) -> Callable:
    return click.option("--workspace", "workspace", type=click.Path(file_okay=False, path_type=Path),
                        default=None, envvar="XUNCHA_HOME",
                        help="Workspace directory (default ./workspace, or $XUNCHA_HOME).")(fn)


def json_option(fn: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(fn)


class StageBars:
    """tqdm bars on stderr, one per stage of a long operation ('ingest', 'embed', 'graph', …);
    tqdm hides them when stderr is not a terminal."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm
        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=stage, file=sys.stderr, disable=None, leave=False)
        bar.total = total
        bar.n = done
        bar.refresh()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def open_workspace(path: Path | None, model: str | None = None):
    """A Workspace (created if absent: ingest starts from nothing); store problems as user errors."""
    from ui.service.workspace import Workspace
    try:
        return Workspace(path, model=model)
    except XunchaError as exc:
        raise UserError.of(exc) from exc
    except OSError as exc:
        raise UserError("workspace_unusable", path=str(path), reason=str(exc.strerror or exc)) from exc


@contextmanager
def existing_workspace(path: Path | None, model: str | None = None, *, need_reports: bool = False) -> Iterator:
    """The workspace for a read command: a missing one is an error, never a new empty one; known
    failures of the services inside (index built with another model, bad arguments) become
    one-line user errors."""
    from ui.service.workspace import default_root

    root = Path(path) if path is not None else default_root()
    if not (root / "xuncha.db").is_file():
        raise UserError("no_workspace", path=str(root))
    ws = open_workspace(root, model)
    try:
        if need_reports and ws.is_empty():
            raise UserError("workspace_empty", path=str(root))
        yield ws
    except XunchaError as exc:
        raise UserError.of(exc) from exc
    except OSError as exc:  # an unwritable workspace, a model path that vanished
        raise UserError("os_error", path=str(root), reason=f"{exc.strerror or exc}"
                        f"{f' ({exc.filename})' if getattr(exc, 'filename', None) else ''}") from exc
    finally:
        ws.close()

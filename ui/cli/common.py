"""What every `xuncha` command shares: the one-line user error, JSON output, the --workspace and
--json options, progress bars on stderr, and opening an existing workspace (docs/cli.md)."""
from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from reports.grammar.normalize import display_width
from reports.shared.notices import XunchaError
from reports.shared.paths import STORE_FILE, default_workspace
from ui.cli import click_zh

__all__ = ["StageBars", "Throughput", "UserError", "XunchaGroup", "emit_json", "existing_workspace", "json_option",
           "known_unit", "open_workspace", "usage_line", "workspace_option"]


# -- Chinese help and usage errors -------------------------------------------------------------------
# click's own words come from a message catalog (ui/cli/click_zh.py, installed here for every command);
# what click writes without gettext is put in words below: a range (1<=x<=1000) and type metavars.
click_zh.install()

_METAVARS = [(re.compile(rf"(?<![A-Z_]){english}(?![A-Z_])"), chinese) for english, chinese in (
    ("INTEGER RANGE", "整数"), ("FLOAT RANGE", "数值"), ("INTEGER", "整数"), ("FLOAT", "数值"),
    ("TEXT", "文字"), ("DIRECTORY", "目录"), ("PATH", "路径"), ("FILENAME", "文件名"), ("BOOLEAN", "是/否"))]
_RANGE_NOTE = re.compile(r"(?<=[\[; ])[-\d.]*<?=?x[<>]=?[-\d.]*(?=[;\]])")


class ZhHelpFormatter(click.HelpFormatter):
    """click's help layout measured in terminal columns (a Chinese character takes two, click counts
    one, so its columns drift), usage prefix without a space, click's type names and ranges in Chinese."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=click_zh.gettext("Usage:"))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(_zh_term(term), _RANGE_NOTE.sub(lambda m: click_zh.range_zh(m[0]), text)) for term, text in rows]
        first_col = min(max((display_width(t) for t, _ in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for term, text in rows:
            self.write(f"{indent}{term}")
            if not text:
                self.write("\n")
                continue
            if display_width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = _wrap(text, max(self.width - first_col - 2, 10)) or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{indent}{' ' * first_col}{line}\n")


def _zh_term(term: str) -> str:
    for pattern, chinese in _METAVARS:
        term = pattern.sub(chinese, term)
    return term


_PIECES = re.compile(r"[!-~]+|\s+|.")


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns: breaks between Chinese characters or at spaces,
    never inside an ASCII word (an option name, a path)."""
    lines, line = [], ""
    for piece in _PIECES.findall(" ".join(text.split())):
        if line and display_width(line) + display_width(piece) > width:
            lines.append(line.rstrip())
            line = "" if piece.isspace() else piece
        else:
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


class XunchaContext(click.Context):
    formatter_class = ZhHelpFormatter


class XunchaCommand(click.Command):
    context_class = XunchaContext

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class XunchaGroup(click.Group):
    """The root group: its context, and every command's registered or declared under it, formats
    help in Chinese."""

    context_class = XunchaContext
    command_class = XunchaCommand
    group_class = type  # sub-groups declared with @cli.group() are XunchaGroups too

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _chinese_contexts(cmd)
        super().add_command(cmd, name)


def _chinese_contexts(cmd: click.Command) -> None:
    cmd.context_class = XunchaContext
    if cmd.options_metavar == "[OPTIONS]":
        cmd.options_metavar = "[选项]"
    if isinstance(cmd, click.Group) and cmd.subcommand_metavar in (None, "COMMAND [ARGS]..."):
        cmd.subcommand_metavar = "命令 [参数]..."
    for sub in getattr(cmd, "commands", {}).values():
        _chinese_contexts(sub)


def usage_line(exc: click.UsageError) -> str:
    """A usage error as one line: click's message (Chinese from the catalog) without the Python
    quotes click puts around parameter names, and its sentences joined."""
    text = re.sub(r"'(-{0,2}[\w.-]+)'", r"\1", exc.format_message())
    text = re.sub(r"\.\s+", ";", text.strip()).rstrip(".")
    return " ".join(text.split())


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
                        help="工作区目录(默认 ./workspace,或环境变量 XUNCHA_HOME)。")(fn)


def json_option(fn: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="在标准输出打印机器可读的 JSON(键名见 docs/cli.md)。")(fn)


# The stages services report progress for, as the bars name them.
STAGES = {"ingest": "导入", "导入": "导入", "scan": "检查", "embed": "向量编码", "lexical": "分词索引",
          "index": "向量索引", "tokenize": "分词", "save": "保存", "graph": "知识图谱", "themes": "共性问题",
          "types": "问题类型", "table": "检索表"}


class StageBars:
    """tqdm bars on stderr, one per stage of a long operation ('ingest', 'embed', 'graph', …);
    tqdm hides them when stderr is not a terminal."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int, postfix: str | None = None) -> None:
        from tqdm import tqdm
        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=STAGES.get(stage, stage), file=sys.stderr, disable=None,
                                          leave=False)
        bar.total = total
        bar.n = done
        if postfix is not None:
            bar.set_postfix_str(postfix, refresh=False)
        bar.refresh()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


class Throughput:
    """Problems ingested per second of wall time since the start: the ingest bar's postfix and the
    summary line (issue 14: a user sizing a 10,000-report run needs the rate)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.problems = 0

    def add(self, outcome) -> None:
        if outcome.status == "ingested":
            self.problems += int((outcome.found or {}).get("problems", 0))

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        return self.problems / max(self.seconds, 1e-9)

    def postfix(self) -> str:
        return f"{self.problems} 个问题, {self.rate:.1f} 问题/秒"

    def summary(self) -> dict[str, float | int]:
        return {"problems": self.problems, "seconds": round(self.seconds, 2),
                "problems_per_s": round(self.rate, 2)}

    def line(self) -> str:
        return f"吞吐量：{self.problems} 个问题，用时 {self.seconds:.1f} 秒，{self.rate:.1f} 问题/秒（含建索引）"


def open_workspace(path: Path | None, model: str | None = None):
    """A Workspace (created if absent: ingest starts from nothing); store problems as user errors.
    Migrating an older store shows its long step (filling the problem types) as a bar."""
    from ui.service.workspace import Workspace
    bars = StageBars()
    try:
        return Workspace(path, model=model, progress=bars)
    except XunchaError as exc:
        raise UserError.of(exc) from exc
    except OSError as exc:
        raise UserError("workspace_unusable", path=str(path), reason=str(exc.strerror or exc)) from exc
    finally:
        bars.close()


@contextmanager
def existing_workspace(path: Path | None, model: str | None = None, *, need_reports: bool = False) -> Iterator:
    """The workspace for a read command: a missing one is an error, never a new empty one; known
    failures of the services inside (index built with another model, bad arguments) become
    one-line user errors."""
    root = Path(path) if path is not None else default_workspace()
    if not (root / STORE_FILE).is_file():
        raise UserError("no_workspace", path=str(root))
    ws = open_workspace(root, model)
    try:
        if need_reports and ws.is_empty():
            raise UserError("workspace_empty", path=str(root))
        yield ws
    except XunchaError as exc:
        raise UserError.of(exc) from exc
    except BrokenPipeError:  # `| head`: the reader left; not the workspace's fault
        raise
    except OSError as exc:  # an unwritable workspace, a model path that vanished
        raise UserError("os_error", path=str(root), reason=f"{exc.strerror or exc}"
                        f"{f' ({exc.filename})' if getattr(exc, 'filename', None) else ''}") from exc
    finally:
        ws.close()


def known_unit(ws, unit: str | None) -> None:
    """A --unit that names no unit of the workspace (as a part of its full or display name) is a user
    error listing the units, not an empty answer."""
    needle = (unit or "").strip()
    if not needle:
        return
    reports = ws.reports()
    if not any(needle in (r.get("unit") or "") or needle in (r.get("unit_short") or "") for r in reports):
        known = sorted({r.get("unit_short") or r.get("unit") or r["report_id"] for r in reports})
        raise UserError("unknown_unit", unit=needle, known=known)

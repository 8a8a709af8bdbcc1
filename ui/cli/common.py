"""What every `xuncha` command shares: the one-line user error, JSON output, the --workspace and
--json options, progress bars on stderr, and opening an existing workspace (DESIGN.md section 6)."""
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

from reports.notices import XunchaError
from reports.paths import STORE_FILE, default_workspace

__all__ = ["StageBars", "Throughput", "UserError", "XunchaGroup", "emit_json", "existing_workspace", "json_option",
           "open_workspace", "translate_usage", "workspace_option"]


# -- Chinese help and usage errors (click's own words are English and not configurable per app) -----

_HELP_WORDS = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
}
_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
_SUFFIXES = [(re.compile(r"\[default: ([^\]]*)\]"), r"[默认:\1]"), (re.compile(r"\[required\]"), "[必填]"),
             (re.compile(r"\[env var: ([^\]]*)\]"), r"[环境变量:\1]")]


class ZhHelpFormatter(click.HelpFormatter):
    """click's help layout with Chinese headings and option notes."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="用法:")

    def write_heading(self, heading: str) -> None:
        super().write_heading(_HEADINGS.get(heading, heading))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        out = []
        for term, text in rows:
            text = _HELP_WORDS.get(text, text)
            for pattern, repl in _SUFFIXES:
                text = pattern.sub(repl, text)
            out.append((term, text))
        super().write_dl(out, col_max, col_spacing)


class XunchaContext(click.Context):
    formatter_class = ZhHelpFormatter


class XunchaCommand(click.Command):
    context_class = XunchaContext


class XunchaGroup(click.Group):
    """The root group: its context, and every command's registered or declared under it, formats
    help in Chinese."""

    context_class = XunchaContext
    command_class = XunchaCommand
    group_class = type  # sub-groups declared with @cli.group() are XunchaGroups too

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _chinese_contexts(cmd)
        super().add_command(cmd, name)


def _chinese_contexts(cmd: click.Command) -> None:
    cmd.context_class = XunchaContext
    for sub in getattr(cmd, "commands", {}).values():
        _chinese_contexts(sub)


# click's usage errors -> Chinese (the one-line message the contract asks for; exit code 1).
_USAGE = [
    (re.compile(r"Missing argument '([^']+)'\.?"), "缺少参数 {0}"),
    (re.compile(r"Missing option '([^']+)'\.?"), "缺少选项 {0}"),
    (re.compile(r"No such option:? '?([^'\s]+?)'?\.?( Did you mean '?([^'\s]+?)'?\?)?"), "没有这个选项:{0}"),
    (re.compile(r"No such command '([^']+)'\.?(?: Did you mean '([^']+)'\?)?"), "没有这个命令:{0}"),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)"), "多余的参数:{0}"),
    (re.compile(r"Invalid value for '([^']+)': (.+)"), "参数 {0} 的值无效:{1}"),
    (re.compile(r"Option '([^']+)' requires an argument\.?"), "选项 {0} 需要一个值"),
    (re.compile(r"Missing command\.?"), "缺少命令"),
]


def translate_usage(message: str) -> str:
    """A click usage error in Chinese where it is one of the common ones; otherwise as it is."""
    for pattern, template in _USAGE:
        m = pattern.fullmatch(message.strip())
        if m:
            text = template.format(*m.groups())
            hint = m.group(3) if pattern.pattern.startswith("No such option") else (
                m.group(2) if pattern.pattern.startswith("No such command") else None)
            if hint:
                text += f"(是否想用 {hint}?)"
            return text
    return message


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
          "index": "向量索引", "tokenize": "分词", "save": "保存", "graph": "知识图谱", "themes": "共性问题"}


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
    except OSError as exc:  # an unwritable workspace, a model path that vanished
        raise UserError("os_error", path=str(root), reason=f"{exc.strerror or exc}"
                        f"{f' ({exc.filename})' if getattr(exc, 'filename', None) else ''}") from exc
    finally:
        ws.close()

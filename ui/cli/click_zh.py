"""click's own words in Chinese: a message catalog for click's gettext calls.

click marks every text it shows (usage errors, type errors, "Missing option", "Choose from",
"Usage:", "Options", "[default: …]") with ``gettext``, as ``_()`` / ``ngettext()`` imported into
each of its modules, and formats the *translated* template with its values afterwards. So one
catalog of click's message ids, installed as those modules' ``_``/``ngettext``, translates every
message in one place: range and choice errors, a missing option, help headings, for every option
and command at once (no per-option wording, no parsing of English afterwards). gettext's own
lookup cannot be used: it reads compiled .mo files chosen by the locale environment variables.

A catalog entry's template may leave out click's ``!r`` (Chinese needs no Python quotes), and the
values click supplies in English (a range ``1<=x<=1000``, a type name ``integer``, choices one per
line) are rendered in Chinese by :class:`Template` when click formats it. A message id that is not
in the catalog stays as click wrote it (tests/test_cli_english.py lists what users can meet).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["CATALOG", "PLURALS", "Template", "gettext", "install", "ngettext", "range_zh"]

# click message id -> Chinese template (same placeholders; `!r` may be dropped).
CATALOG: dict[str, str] = {
    # usage errors
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数:{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令",
    "No such option {name!r}.": "没有这个选项:{name}",
    "No such command {name!r}.": "没有这个命令:{name}",
    "Option {name!r} does not take a value.": "选项 {name} 不带值",
    "Argument {name!r} takes {nargs} values.": "参数 {name} 需要 {nargs} 个值",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效:{message}",
    "Invalid value: {message}": "值无效:{message}",
    "Invalid start character for option ({option})": "选项的开头字符无效({option})",
    "Value must be an iterable.": "值必须是一组值",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename}:{message}",
    "unknown error": "未知错误",
    "Error: {message}": "错误:{message}",
    "Try '{command} {option}' for help.": "用 {command} {option} 查看用法。",
    "Aborted!": "已中止",
    # values of a type
    "Choose from:\n\t{choices}": "可选:{choices}",
    "{value!r} is not a valid {number_type}.": "「{value}」不是有效的{number_type}",
    "{value} is not in the range {range}.": "{value} 超出允许范围({range})",
    "{value!r} is not a valid boolean. Recognized values: {states}": "「{value}」不是有效的是/否值(可用:{states})",
    "{value!r} is not a valid UUID.": "「{value}」不是有效的 UUID",
    "{name} {filename!r} does not exist.": "{name} {filename} 不存在",
    "{name} {filename!r} is a file.": "{name} {filename} 是文件,不是文件夹",
    "{name} {filename!r} is a directory.": "{name} {filename} 是文件夹,不是文件",
    "{name} {filename!r} is not readable.": "{name} {filename} 不可读",
    "{name} {filename!r} is not writable.": "{name} {filename} 不可写",
    "{name} {filename!r} is not executable.": "{name} {filename} 不可执行",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    # help
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "default: {default}": "默认:{default}",
    "env var: {var}": "环境变量:{var}",
    "required": "必填",
    "(dynamic)": "(动态)",
    "deprecated": "已弃用",
    # prompts
    "Do you want to continue?": "是否继续?",
    "Confirm the action without prompting.": "不询问,直接执行。",
    "Repeat for confirmation": "再输入一次以确认",
    "Error: The two entered values do not match.": "错误:两次输入不一致。",
    "Error: invalid input": "错误:输入无效",
    "Press any key to continue...": "按任意键继续…",
}

# (singular id, plural id) -> Chinese template (Chinese does not inflect: one template for both).
PLURALS: dict[tuple[str, str], str] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "多余的参数:{args}",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "选项 {name} 需要一个值",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "(是否想用 {possibility}?)",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "「{value}」无效,可选:{choices}",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "需要 {nargs} 个值,实际给了 {len} 个",
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        "「{value}」不符合格式 {formats}",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."): "需要 {len_type} 个值,实际给了 {len_value} 个",
}

# click's type names (the `number_type` of a conversion error) as people read them.
TYPE_NAMES = {"integer": "整数", "float": "数字", "integer range": "整数", "float range": "数字",
              "boolean": "是/否值", "text": "文字"}
_RANGE = re.compile(r"^(?:(?P<lo>[-\d.e+]+)(?P<lop><=?))?x(?:(?P<hop>[<>]=?)(?P<hi>[-\d.e+]+))?$")


def range_zh(text: str) -> str:
    """click's range notation in words: ``1<=x<=1000`` -> ``1 到 1000 之间``, ``x>=1`` -> ``不小于 1``."""
    m = _RANGE.match(text.strip())
    if not m:
        return text
    lo, lop, hop, hi = m["lo"], m["lop"], m["hop"], m["hi"]
    if lo is not None and hop and hop.startswith("<"):
        open_ = "" if lop == "<=" and hop == "<=" else "(不含端点)"
        return f"{lo} 到 {hi} 之间{open_}"
    if lo is not None:
        return f"{'不小于' if lop == '<=' else '大于'} {lo}"
    if hop:
        words = {"<=": "不大于", "<": "小于", ">=": "不小于", ">": "大于"}
        return f"{words[hop]} {hi}"
    return text


def _unquote(value: Any) -> Any:
    """click quotes parameter names with repr ('--format', "'-k' / '--top'"): people need no quotes."""
    return value.replace("'", "") if isinstance(value, str) else value


class Template(str):
    """A translated click template; ``format`` renders click's English values in Chinese."""

    def format(self, *args: Any, **kw: Any) -> str:  # click formats its templates with str.format
        if isinstance(kw.get("range"), str):
            kw["range"] = range_zh(kw["range"])
        if isinstance(kw.get("number_type"), str):
            kw["number_type"] = TYPE_NAMES.get(kw["number_type"], kw["number_type"])
        for key in ("choices", "possibilities"):
            if isinstance(kw.get(key), str):
                kw[key] = "、".join(p.strip(" ,\t'") for p in re.split(r",\s*", kw[key]) if p.strip(" ,\t'"))
        for key in ("param_hint", "name", "param_type"):
            kw[key] = _unquote(kw.get(key, ""))
        for key in ("choice", "possibility", "possibilities", "choices", "format", "formats", "len"):
            kw.setdefault(key, "")  # one template serves singular and plural
        return super().format(*args, **kw)


def gettext(message: str) -> str:
    """click's ``_``: the Chinese template for a known message id, the id itself otherwise."""
    zh = CATALOG.get(message)
    return Template(zh) if zh is not None else message


def ngettext(singular: str, plural: str, n: int) -> str:
    zh = PLURALS.get((singular, plural))
    if zh is not None:
        return Template(zh)
    return singular if n == 1 else plural


_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils",
                  "shell_completion", "_termui_impl")
_installed = False


def install() -> None:
    """Make click speak Chinese in this process (idempotent): its modules' ``_`` and ``ngettext``
    become the catalog's. Called by the `xuncha` group module, so every command and the generated
    docs/cli.md use it."""
    global _installed
    if _installed:
        return
    import importlib

    for name in _CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        _patch(module, "_", gettext)
        _patch(module, "ngettext", ngettext)
    _installed = True


def _patch(module: Any, attr: str, fn: Callable) -> None:
    if hasattr(module, attr):
        setattr(module, attr, fn)

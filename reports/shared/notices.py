"""Errors and warnings as a code plus parameters, rendered by one table (English for logs and the JSON
contract, Chinese for people); stored warnings keep only code + parameters (docs/decisions.md "Notices")."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .messages import LOG_FORMATS, MESSAGES

__all__ = ["LOG_FORMATS", "MESSAGES", "Notice", "XunchaError", "render"]

_SEPARATORS = {"en": ", ", "zh": "、"}
_FIELD = re.compile(r"{(\w+)")
_SPEC = re.compile(r"{(\w+)(?:![rsa])?(?::[^}]*)?}")


def render(code: str, params: Mapping[str, Any], lang: str = "zh") -> str:
    """One line in `lang` ("zh" or "en"); an unknown code (a newer xuncha's store) shows its code."""
    templates = MESSAGES.get(code)
    if templates is None:
        return f"[{code}] {json.dumps(dict(params), ensure_ascii=False)}"
    values = {k: _value(v, lang) for k, v in params.items()}
    for name in _FIELD.findall(templates[0] + templates[1]):
        values.setdefault(name, "")
    template = templates[1] if lang == "zh" else templates[0]
    try:
        text = template.format(**values)
    except (ValueError, TypeError):  # a stored value of another type than the spec wants: show it plain
        text = _SPEC.sub(r"{\1}", template).format(**values)
    return " ".join(text.split())


def _value(value: Any, lang: str) -> Any:
    """A list joined per language; a nested notice (a reason inside a message) rendered in `lang`."""
    if isinstance(value, list | tuple):
        return _SEPARATORS[lang].join(str(_value(v, lang)) for v in value)
    if isinstance(value, Notice):
        return render(value.code, value.params, lang)
    return value


@dataclass(frozen=True)
class Notice:
    """A warning or error as stored and passed around: a code from MESSAGES and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return render(self.code, self.params, "en")

    def chinese(self) -> str:
        return render(self.code, self.params, "zh")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params, "message": self.chinese()}

    def __str__(self) -> str:
        return self.english()


class XunchaError(Exception):
    """Every error a user can cause (a bad file, argument, workspace): a code and its parameters.

    ``str(e)`` is the English line (logs, JSON), ``e.chinese()`` what the CLI and UI show; a `path`
    parameter prefixes both, so the line names the file. Anything else raised is a bug."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(self._line("en"))

    @property
    def notice(self) -> Notice:
        return Notice(self.code, {k: v for k, v in self.params.items() if k != "path"})

    def _line(self, lang: str) -> str:
        text = render(self.code, self.params, lang)
        path = self.params.get("path")
        return f"{path}: {text}" if path not in (None, "") else text

    def chinese(self, *, with_path: bool = True) -> str:
        return self._line("zh") if with_path else self.notice.chinese()

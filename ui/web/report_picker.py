"""The report pickers of 问题详情 and 单位画像: what they list and what a typed name means. Why capped: a
selectbox sends all its options to the browser on every rerun, and at 10,000 reports the full list was
590 KB per answer (docs/decisions.md, "Warm answers independent of the store's size (session 7)"); the
unit picker of the search page was capped the same way (ui/web/pickers.py)."""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import streamlit as st

from reports.shared import notices
from ui.web import pickers, state

__all__ = ["choices", "clear", "help_text", "label", "resolve", "summaries_by_id"]


def summaries_by_id() -> Mapping[str, dict]:
    """Report id -> its summary (state.report_summaries, shared per store generation)."""
    return _by_id(state.root(), state.generation())


@st.cache_resource(show_spinner=False, max_entries=2)
def _by_id(path: str, gen: int) -> Mapping[str, dict]:
    return MappingProxyType({s["report_id"]: s for s in state.report_summaries()})


def label(report_id: str) -> str:
    """A report as a picker lists it: the unit's display name, the team, the month inspected; a typed
    text that names no report shows as typed."""
    s = summaries_by_id().get(report_id)
    if s is None:
        return report_id
    when = (s.get("start") or s.get("report_date") or "")[:7]
    return " · ".join(x for x in (state.unit_name(s), s.get("inspector"), when) if x)


def choices(*keep: str | None) -> list[str]:
    """Report ids a picker lists, by label: every report while there are at most pickers.CHOICES, else
    the reports of the units with the most problems up to CHOICES, plus ``keep`` (the linked or picked
    report); any other report is typed (resolve)."""
    listed = _choices(state.root(), state.generation())
    extra = [r for r in dict.fromkeys(keep) if r and r not in listed and r in summaries_by_id()]
    return [*listed, *extra]


@st.cache_resource(show_spinner=False, max_entries=2)
def _choices(path: str, gen: int) -> tuple[str, ...]:
    ids: list[str] = []
    for entry in pickers.workspace_catalog().units:   # most problems first
        ids.extend(entry.reports)
        if len(ids) >= pickers.CHOICES:
            break
    return tuple(sorted(ids[:pickers.CHOICES], key=label))


def help_text() -> str | None:
    """The picker's help line when it lists only some of the reports."""
    count = len(summaries_by_id())
    if count <= pickers.CHOICES:
        return None
    return (f"列出问题最多的单位的 {pickers.CHOICES} 份报告(共 {count} 份);"
            "其他报告可输入单位名称、巡察(视)组或编号中的几个字后按回车。")


def resolve(text: str | None) -> tuple[str | None, str | None]:
    """(report id, notice) for a picker's value: a report id as it is; a typed text picks the one
    report whose label, full unit name or id contains it, else the first by label with a notice
    saying how many matched, or none with a notice."""
    text = (text or "").strip()
    by_id = summaries_by_id()
    if not text or text in by_id:
        return (text or None), None
    found = sorted((r for r, s in by_id.items() if text in label(r) or text in (s.get("unit") or "") or text in r),
                   key=label)
    if not found:
        return None, notices.render("picker_no_match", {"text": text})
    if len(found) == 1:
        return found[0], None
    return found[0], notices.render("picker_many_matches", {"text": text, "count": len(found), "shown": label(found[0])})


def clear() -> None:
    """Drop the per-generation objects (memory only: a new generation is a new key)."""
    for cached in (_by_id, _choices):
        cached.clear()

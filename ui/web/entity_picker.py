"""The entity picker of 实体关系: what it lists and what a typed name means. Why capped: a selectbox
sends all its options to the browser on every rerun, and listing them read every entity of the graph
(at 10,000 reports, minutes and gigabytes); it lists the pickers.CHOICES most connected entities from
the graph's node index and takes any other typed (docs/decisions.md, "Graph reads at 10,000 reports")."""
from __future__ import annotations

import streamlit as st

from reports.shared import notices
from ui.web import pickers, render, state

__all__ = ["choices", "label", "options", "resolve", "row", "search"]

Row = tuple[str, str, str, str]   # node id, type, name, context (GraphService.entity_rows)


@st.cache_data(show_spinner=False, max_entries=16)
def _options(path: str, gen: int, types: tuple[str, ...], limit: int) -> list[Row]:
    return state.get_workspace(path).graph.entity_rows(types, limit)


def options(types: tuple[str, ...] = state.ENTITY_TYPES) -> list[Row]:
    """The pickers.CHOICES most connected entities of ``types`` (the graph's node index: SQL by
    degree, never every entity)."""
    return _options(state.root(), state.generation(), tuple(types), pickers.CHOICES)


@st.cache_data(show_spinner=False, max_entries=32)
def _search(path: str, gen: int, text: str, types: tuple[str, ...], limit: int) -> list[Row]:
    return state.get_workspace(path).graph.search_entities(text, types, limit)


def search(text: str, types: tuple[str, ...] = state.ENTITY_TYPES) -> list[Row]:
    """Entity rows whose name, display name, alias or context contains a picker's typed ``text``."""
    return _search(state.root(), state.generation(), text.strip(), tuple(types), pickers.CHOICES)


def row(node: str) -> Row | None:
    """The picker's row of any node still in the graph (a linked or typed one the list leaves out)."""
    graph = state.workspace().graph
    d = graph.attrs([node]).get(node)
    if d is None:
        return None
    display, name = d.get("display"), d.get("name")
    ctx = name if display and display != name else graph.context(node)
    return node, d.get("type"), display or name or node, ctx or ""


def choices(types: tuple[str, ...], *keep: str | None) -> tuple[list[str], dict[str, Row]]:
    """The node ids a picker lists (the most connected of ``types``, then ``keep``) and their rows."""
    by_id = {r[0]: r for r in options(types)}
    for node in dict.fromkeys(keep):
        if node and node not in by_id:
            found = row(node)
            if found is not None:
                by_id[node] = found
    return list(by_id), by_id


def label(entry: Row | None) -> str:
    if entry is None:
        return ""
    _, t, name, ctx = entry
    extra = f" · {render.shorten(ctx, 24)}" if ctx and ctx != name else ""
    return f"{name}({render.type_label(t)}{extra})"


def resolve(text: str | None, types: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(node id, notice) for a picker's value: a node id as it is; a typed text picks the one listed
    entity whose label contains it, else the one entity of ``types`` whose name, alias or context
    contains it (an exact name first), else the most connected with a notice saying how many matched,
    or none with a notice."""
    text = (text or "").strip()
    if not text:
        return None, None
    if state.workspace().graph.attrs([text]):
        return text, None
    listed = [r for r in options(types) if text in label(r)]   # part of a listed label, as the list shows it
    if len(listed) == 1:
        return listed[0][0], None
    found = search(text, types)
    exact = [r for r in found if r[2] == text]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0][0], None
    if not found:
        return None, notices.render("entity_no_match", {"text": text})
    return found[0][0], notices.render("entity_many_matches", {"text": text, "count": len(found), "shown": label(found[0])})

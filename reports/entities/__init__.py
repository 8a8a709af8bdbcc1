"""Entity mentions in a report: people, organisations, inspection teams, 《》 titles, document numbers, places.
Rule-based plus tables in reports.grammar.gazetteer, on purpose: docs/decisions.md (Entities)."""
from __future__ import annotations

from reports.model import Mention

from .base import TITLE_CLASSES, TYPES
from .orgs import _org_mentions
from .people import CITED, CONTACT, NAMED, PAGE_CREDIT, STAFF, _person_mentions, _trim_orgs_at_roles
from .places import _place_mentions
from .segment import _segment
from .teams import _team_mentions
from .titles import _title_mentions, canonical_doc_number
from .unit import UnitContext, unit_context

__all__ = [
    "CITED",
    "CONTACT",
    "NAMED",
    "PAGE_CREDIT",
    "STAFF",
    "TITLE_CLASSES",
    "TYPES",
    "UnitContext",
    "canonical_doc_number",
    "extract_entities",
    "unit_context",
]


def extract_entities(text: str, *, unit: str | None = None, unit_short: str | None = None) -> list[Mention]:
    """Every entity mention in `text`, in text order; `text[m.span[0]:m.span[1]] == m.name` always.

    Mentions inside 《》 titles are not extracted as organisations, teams or places (the title is the
    entity there); people named in a title (关于胡星等同志…的通知) are. A document number is stored on
    the title it follows (attrs doc_number); only a number no title claims becomes its own mention.
    """
    ctx = unit_context(text, unit, unit_short)
    seg = _segment(text)
    title_mentions, titles, _ = _title_mentions(text, ctx)
    title_spans = [(t.start - 1, t.end + 1) for t in titles if t.outer is None]
    teams = _team_mentions(text, ctx, title_spans)
    orgs = _org_mentions(text, ctx, seg, title_spans + [t.span for t in teams])
    people, role_spans = _person_mentions(text, ctx, seg, orgs, title_spans)
    orgs = _trim_orgs_at_roles(text, orgs, role_spans, ctx)
    taken = title_spans + [m.span for m in teams + orgs + people]
    places = _place_mentions(text, ctx, seg, taken)
    everything = title_mentions + teams + orgs + people + places
    return sorted(everything, key=lambda m: (m.span[0], m.span[1], m.type))

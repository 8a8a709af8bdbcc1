"""Inspection-team mentions, read with the one team grammar (reports.grammar.teams)."""
from __future__ import annotations

from reports.grammar.places import qualified_level
from reports.grammar.teams import Team, find_teams
from reports.model import Mention

from .orgs import _inside
from .unit import UnitContext


def _team_canonical(team: Team, level: str, number: int, ctx: UnitContext) -> tuple[str, str | None]:
    """张家界市委第三巡察组: the region keeps same-numbered teams of different cities apart; a team that
    names its place (建德市委第二巡察组 in a 交叉巡察) keeps that place, not the report's."""
    region = team.place or (ctx.region_for(level[0]) if level != "中央" else None)   # 建德市委…: its own place
    head = qualified_level(level, region)
    numbered = Team(team.text, team.span, level, team.kind, number, special=team.special)
    return head + numbered.canonical()[len(level):], region


def _team_mentions(text: str, ctx: UnitContext, blocked: list[tuple[int, int]]) -> list[Mention]:
    """Numbered teams (any word order, 巡查 typo) and 市委巡察组 resolved to the report's one team."""
    raw = []
    for t in find_teams(text):
        if _inside(t.span, blocked) or (t.number is None and (t.count is not None or t.special)):
            continue
        if t.number is not None:
            raw.append((t, t.level, t.number, t.kind))
        elif t.level in ("省委", "市委", "县委"):
            raw.append((t, t.level, None, t.kind))
    levels = {number: level for _, level, number, _ in raw if number and level}
    numbered = {(levels.get(n) or _default_level(k, ctx), n, k) for _, _, n, k in raw if n}
    mentions = []
    for t, level, number, kind in raw:
        if number is None:
            same = [x for x in numbered if x[0] == level and x[2] == kind]
            if len(same) != 1:
                continue
            level, number, kind = same[0]
        level = level or levels.get(number) or _default_level(kind, ctx)
        canonical, region = _team_canonical(t, level, number, ctx)
        attrs = {"region": region, "level": level, "number": number, "kind": kind}
        if ctx.round:
            attrs["round"] = ctx.round
        mentions.append(Mention("inspection_team", t.text, canonical, t.span, attrs=attrs))
    return mentions


def _default_level(kind: str, ctx: UnitContext) -> str:
    """巡视 is done by provincial committees, 巡察 by city (or county) ones."""
    if kind == "巡视":
        return "省委"
    return "县委" if ctx.level == "县" and not ctx.city else "市委"

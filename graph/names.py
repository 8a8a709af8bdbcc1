"""Canonical names and ids for graph nodes: units, inspection teams, places and roles.
One module, so queries resolve names the way the builder minted them (docs/decisions.md, Graph)."""
from __future__ import annotations

import re

from reports.grammar import strip_party
from reports.grammar.places import find_places, qualified_level, region_of
from reports.grammar.teams import parse_team

__all__ = [
    "EDGE_TYPES",
    "MENTION_TYPES",
    "NODE_TYPES",
    "TYPE_LABELS",
    "is_generic_team",
    "node_id",
    "place_name",
    "qualify_team",
    "split_roles",
    "unit_canonical",
]

NODE_TYPES = ("Report", "Unit", "Organization", "Person", "InspectionTeam", "Regulation", "Document",
              "Work", "Place", "Problem", "Category", "Theme")
# Node types as people read them (both faces and the graph's Chinese messages use this one table).
TYPE_LABELS = {
    "Unit": "被巡察单位", "Organization": "组织机构", "Person": "人员", "InspectionTeam": "巡察(视)组",
    "Regulation": "党内法规", "Document": "文件", "Work": "作品/刊物", "Place": "地区",
    "Problem": "问题", "Category": "问题类别", "Report": "报告", "Theme": "共性主题", "ProblemType": "问题类型",
}
EDGE_TYPES = ("ABOUT", "INSPECTED_BY", "HAS_PROBLEM", "IN_CATEGORY", "CHILD_OF", "HOLDS_ROLE", "CITES",
              "ISSUED", "MENTIONS", "LOCATED_IN", "SIMILAR_TO", "RECURS", "IN_THEME")
# Mention.type (reports.entities) -> node type.
MENTION_TYPES = {"organization": "Organization", "person": "Person", "inspection_team": "InspectionTeam",
                 "regulation": "Regulation", "document": "Document", "work": "Work", "place": "Place"}

_LEVEL_PLACE = {"省委": 0, "市委": 1, "州委": 1, "盟委": 1, "县委": 2, "区委": 2, "旗委": 2}
_ROLE_SPLIT = re.compile(r"[、,，;；/\s]+|兼任?")


def node_id(type_: str, key: str) -> str:
    """Readable, stable ids: `Unit:张家界市文学艺术界联合会`, `Problem:<report>/<problem>`."""
    return f"{type_}:{key}"


def unit_canonical(name: str) -> str:
    """中共张家界市文学艺术界联合会党组 -> 张家界市文学艺术界联合会 (the organisation, not its party group:
    覃文乐 is 党组书记 *of* 市文联)."""
    return strip_party(name)


def qualify_team(name: str, region: str | None) -> str:
    """市委第三巡察组 in a 张家界 report -> 张家界市委第三巡察组, so that the third team of two different
    city committees never merge. Names already qualified, or without a region, are kept."""
    team = parse_team(name) if region else None
    if team is None or team.text != name or team.level not in _LEVEL_PLACE or not name.startswith(team.level):
        return name
    return qualified_level(team.level, region_of(region)[_LEVEL_PLACE[team.level]]) + name[len(team.level):]


def is_generic_team(name: str) -> bool:
    """市委巡察组 (no ordinal) names whichever team the report is about, not a team of its own."""
    team = parse_team(name)
    return team is not None and team.text == name and team.generic


def place_name(name: str) -> str:
    """张家界 -> 张家界市: the official name when `name` is exactly one known place."""
    found = find_places(name)
    if len(found) == 1 and found[0][0] == 0 and found[0][1] == len(name):
        return found[0][2].name
    return name


def split_roles(role: str | None) -> list[str]:
    """党组书记、主席 -> [党组书记, 主席]."""
    if not role:
        return []
    return [r for r in _ROLE_SPLIT.split(role) if r]

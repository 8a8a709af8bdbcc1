"""Text both faces share (shortening; node-type and relation names as users read them): one definition
for the CLI and the web app, which never import each other (docs/architecture.md)."""
from __future__ import annotations

__all__ = ["EDGE_LABELS", "TYPE_LABELS", "shorten", "type_label"]

# Node types (graph.names.NODE_TYPES) and relation names as users read them.
TYPE_LABELS = {
    "Unit": "被巡察单位", "Organization": "组织机构", "Person": "人员", "InspectionTeam": "巡察(视)组",
    "Regulation": "党内法规", "Document": "文件", "Work": "作品/刊物", "Place": "地区",
    "Problem": "问题", "Category": "问题类别", "Report": "报告", "Theme": "共性主题", "ProblemType": "问题类型",
}
EDGE_LABELS = {
    "ABOUT": "关于", "INSPECTED_BY": "被巡察", "HAS_PROBLEM": "存在问题", "IN_CATEGORY": "属于类别",
    "CHILD_OF": "子问题", "HOLDS_ROLE": "任职", "CITES": "引用", "ISSUED": "印发", "MENTIONS": "提及",
    "LOCATED_IN": "位于", "SIMILAR_TO": "相似", "IN_THEME": "属于主题", "APPEARS_IN": "见于", "OF_TYPE": "问题类型", "RECURS": "重复出现",
}


def shorten(text: str | None, n: int) -> str:
    """Whitespace folded, cut to `n` characters with an ellipsis: labels, tooltips, table cells."""
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n] + "…"


def type_label(node_type: str | None) -> str:
    return TYPE_LABELS.get(node_type or "", node_type or "")

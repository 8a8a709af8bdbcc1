"""Text both faces share (shortening; node-type and relation names as users read them): one definition
for the CLI and the web app, which never import each other (docs/architecture.md)."""
from __future__ import annotations

from graph.names import (  # node types as people read them: the graph's table
    MENTION_TYPES,
    TYPE_LABELS,
    node_id,
)

__all__ = ["ATTR_LABELS", "AUDIT_LABELS", "EDGE_LABELS", "GRADE_WORDS", "SEVERITY_LABELS", "TYPE_LABELS", "attr_rows",
           "concreteness_label", "degree_text", "mention_label", "report_display", "shorten", "term_labels",
           "type_label"]

# Relation names as people read them.
EDGE_LABELS = {
    "ABOUT": "关于", "INSPECTED_BY": "被巡察", "HAS_PROBLEM": "存在问题", "IN_CATEGORY": "属于类别",
    "CHILD_OF": "子问题", "HOLDS_ROLE": "任职", "CITES": "引用", "ISSUED": "印发", "MENTIONS": "提及",
    "LOCATED_IN": "位于", "SIMILAR_TO": "相似", "IN_THEME": "属于主题", "APPEARS_IN": "见于", "OF_TYPE": "问题类型", "RECURS": "重复出现",
}

# Audit findings (reports.analysis.audit) as people read them: the severity and what the code checks.
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
AUDIT_LABELS = {
    "count_conflict": "问题总数前后不一", "count_mismatch": "自述数量与识别不符", "truncated": "正文不完整",
    "status_sum": "整改状态数量不符", "date_order": "日期顺序有误", "no_measures": "没有整改措施",
    "vague_rectification": "整改措施空泛", "status_contradiction": "状态前后矛盾",
    "rectification_truncated": "整改情况被截断",
}


# Concreteness grades (1-5, reports/analysis/concreteness.py) as people read them.
GRADE_WORDS = {1: "空泛", 2: "较空泛", 3: "一般", 4: "较具体", 5: "具体"}


def concreteness_label(score: float) -> str:
    """A concreteness score (0-1) as a grade word and its 1-5 grade: 较具体(4.2 分). A raw 0.83 means
    nothing to a reader; the grade is the scale the weights were fitted on (author C's 1-5)."""
    from reports.analysis.audit import VAGUE_BELOW
    from reports.analysis.concreteness import weights

    lo, hi = weights().grade_range
    grade = lo + score * (hi - lo)
    word = GRADE_WORDS[1] if score < VAGUE_BELOW else GRADE_WORDS[max(2, min(5, round(grade)))]
    return f"{word}({grade:.1f} 分)"


def shorten(text: str | None, n: int) -> str:
    """Whitespace folded, cut to `n` characters with an ellipsis: labels, tooltips, table cells."""
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n] + "…"


def type_label(node_type: str | None) -> str:
    return TYPE_LABELS.get(node_type or "", node_type or "")


def mention_label(kind: str) -> str:
    """A mention's type (``organization``…) by the name of the graph node it becomes (组织机构…)."""
    return type_label(MENTION_TYPES.get(kind, kind))


# Node attributes (graph.build) as people read them; an attribute not listed is not shown (it is an
# internal fact: ids of spans, per-report copies), so a new attribute needs its label here.
ATTR_LABELS = {
    "display": "显示名称", "full_name": "全称", "unit_short": "报告中的简称", "definition": "定义", "group": "类型组",
    "level": "层级", "region": "地区", "kind": "类型", "org": "所在单位", "seen_in": "出现于", "cited_in": "被引用于",
    "relation": "人员关系", "roles": "职务",
    "role": "职务", "doc_number": "文号", "adcode": "行政区划代码", "status": "整改状态", "category": "类别",
    "unit": "单位", "problem_id": "问题编号", "inspector": "巡察(视)组", "start": "进驻", "end": "结束",
    "feedback": "反馈", "title": "标题", "round": "轮次", "measures": "措施条数", "label": "序号",
    "report_id": "报告编号", "ordinal": "序号", "problems": "问题数", "truncated": "正文不完整", "size": "成员数",
    "theme_id": "主题编号", "report_date": "通报日期", "publish_date": "发布日期", "source_path": "来源文件",
}
HIDDEN_ATTRS = frozenset({"type", "name", "reports", "spans", "aliases", "by_report", "members", "text"})
# Attribute values that are codes (graph.build, reports.entities.people) as people read them.
_VALUE_WORDS = {"kind": {"problem": "问题", "rectification_item": "整改事项"},
                "relation": {"staff": "在该单位任职", "cited": "讲话或批示被引用", "contact": "联系人", "named": "仅提及姓名"}}


def attr_rows(attrs: dict) -> list[tuple[str, str]]:
    """(label, value) rows for a node's attributes: Chinese labels, lists joined, yes/no for flags,
    a level as 县级, a file by its name (never a server path); empty and internal ones left out."""
    rows = []
    for key, value in attrs.items():
        if key in HIDDEN_ATTRS or key not in ATTR_LABELS or value in (None, "", [], {}):
            continue
        if (key == "role" and attrs.get("roles")) or (key == "ordinal" and attrs.get("label")):
            continue
        if key == "display" or (key == "unit_short" and value == attrs.get("display")):
            continue  # the display name heads the node (its name beside it)
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif isinstance(value, (list, tuple, set)):
            value = "、".join(map(str, value))
        elif key in _VALUE_WORDS:
            value = _VALUE_WORDS[key].get(value, value)
        elif key == "level" and isinstance(value, str) and len(value) == 1:
            value = f"{value}级"
        elif key == "source_path":
            value = str(value).replace("\\", "/").rsplit("/", 1)[-1]
        rows.append((ATTR_LABELS[key], str(value)))
    return rows


def degree_text(degree: dict) -> str:
    """A node's edges counted by type, as the CLI's neighbour lines draw them: → out, ← in."""
    parts = [f"→{EDGE_LABELS.get(k, k)} {n}" for k, n in sorted(degree.get("out", {}).items())]
    parts += [f"←{EDGE_LABELS.get(k, k)} {n}" for k, n in sorted(degree.get("in", {}).items())]
    return "、".join(parts) or "无"


def report_display(G, report_id: str | None) -> str | None:
    """The display name of the unit a report is about (its Report node's `display`), for a problem's label."""
    node = node_id("Report", report_id or "")
    return G.nodes[node].get("display") if report_id and node in G else None


def term_labels(terms: list[str]) -> list[str]:
    """A theme's key terms as people read them: a lexicon concept's token (#theory_study, the BM25
    side's id) becomes its Chinese label (理论学习中心组); a label already among the terms is not repeated."""
    from embeddings.lexicon import default_lexicon

    lexicon = default_lexicon()
    out: list[str] = []
    for term in terms:
        labels = lexicon.labels([term]) if term.startswith("#") else [term]
        if labels and labels[0] not in out:  # a token of another lexicon version: not shown
            out.append(labels[0])
    return out

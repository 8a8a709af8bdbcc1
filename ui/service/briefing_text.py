"""The briefing's sentences, as both faces and both exports show them (one wording)."""
from __future__ import annotations

from reports.status import STATUS_NAMES

__all__ = ["NO_MEASURES", "STATUS_TEXT", "profile_text", "source_text", "status_text", "target_text",
           "type_heading"]

STATUS_TEXT = STATUS_NAMES
NO_MEASURES = "同类单位的整改措施中没有可核查的具体内容。"


def status_text(code: str | None) -> str:
    return STATUS_TEXT.get(code or "", "报告未说明")


def profile_text(b: dict) -> str:
    """行业 · 层级 · 类型 of the target as the briefing read it (what was inferred says so)."""
    sector = b.get("sector")
    family = f",属{sector['family']}" if sector and sector["family"] != sector["name"] else ""
    parts = [f"行业:{sector['name']}{family}" if sector else "行业:未能从名称判断",
             f"{b['level']}级" if b.get("level") else "层级不明",
             (f"被{b['kind']}单位" + ("(按层级推定)" if b.get("kind_inferred") else "")) if b.get("kind") else "巡视/巡察不明"]
    return " · ".join(parts)


def target_text(target: dict) -> str:
    """Whether the target had the type (and how far its rectification got)."""
    if not target.get("known", True):
        return "本单位不在工作区中,无法对照"
    if not target["had"]:
        return "本单位的报告中未见此类问题"
    return f"本单位也有此类问题 {len(target.get('problems') or [])} 条,整改状态:{status_text(target['status_code'])}"


def source_text(item: dict) -> str:
    """Where an example or a measure comes from: unit, report, problem, character span."""
    span = item.get("span") or [None, None]
    where = f" · 原文第 {span[0]}–{span[1]} 字" if span[0] is not None else ""
    return f"{item['unit_short']} · 报告 {item['report_id']} · 问题 {item['problem_id']}{where}"


def type_heading(t: dict) -> str:
    names = "、".join(t.get("peer_names") or [])
    return f"{t['type']}:{t['peer_units']} 个同类单位有此类问题({names}),共 {t.get('problems', 0)} 条"

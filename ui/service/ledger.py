"""The problem ledger (问题台账): one row per actionable problem, as CSV or XLSX for spreadsheets
(docs/decisions.md, "CLI")."""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

from reports.shared.atomic import write_bytes
from reports.shared.notices import XunchaError
from reports.store import Store

__all__ = ["LEDGER_COLUMNS", "ledger_bytes", "ledger_rows", "write_ledger"]

# (header shown to users, key in the row dict)
# The unit first, as a person looks it up; the report's id last (for matching rows to `xuncha` output), and
# the source file by its name only (where the server keeps it is nobody's business in a spreadsheet).
LEDGER_COLUMNS: list[tuple[str, str]] = [
    ("单位", "unit_short"), ("被巡察单位全称", "unit"), ("层级", "level"),
    ("地区", "region"), ("类型", "kind"), ("巡察组", "inspector"), ("轮次", "round"),
    ("进驻日期", "start"), ("结束日期", "end"), ("反馈日期", "feedback"), ("报告日期", "report_date"),
    ("问题类别", "category"), ("问题编号", "problem_id"), ("上级问题", "parent_text"), ("问题", "text"),
    ("整改措施", "measures"), ("整改状态", "status"), ("整改具体程度", "concreteness"), ("问题类型", "types"),
    ("主题", "theme"),
    ("报告称问题数", "stated_problems"), ("报告称已完成", "stated_completed"),
    ("报告称正在整改", "stated_in_progress"), ("来源文件", "source_path"), ("报告编号", "report_id"),
]


def ledger_rows(store: Store, themes: dict[tuple[str, str], str] | None = None,
                concreteness: dict[tuple[str, str], float] | None = None) -> list[dict]:
    """Rows for every leaf problem in the store, in report and document order; `concreteness` maps
    (report_id, problem_id) to the rectification's concreteness (reports.analysis.concreteness), 0..1."""
    themes = themes or {}
    concreteness = concreteness or {}
    summaries = {s["report_id"]: s for s in store.summaries()}
    problems = store.problem_rows()
    parents = {(p["report_id"], p["parent_id"]) for p in problems if p["parent_id"]}
    texts = {(p["report_id"], p["id"]): p["text"] for p in problems}
    rows = []
    for p in problems:
        key = (p["report_id"], p["id"])
        if key in parents:
            continue
        s = summaries[p["report_id"]]
        rows.append({
            "report_id": p["report_id"], "unit": s["unit"], "unit_short": s["unit_short"], "level": s["level"],
            "region": s["region"], "kind": s["kind"], "inspector": s["inspector"], "round": s["round"],
            "start": s["start"], "end": s["end"], "feedback": s["feedback"], "report_date": s["report_date"],
            "category": p["category"], "problem_id": p["id"],
            "parent_text": texts.get((p["report_id"], p["parent_id"]), "") if p["parent_id"] else "",
            "text": p["text"], "measures": "\n".join(f"{n}. {m}" for n, m in enumerate(p["measures"], 1)),
            "status": p["status"] or "", "types": "、".join(p["types"]), "theme": themes.get(key, ""),
            "concreteness": round(concreteness[key], 2) if key in concreteness else None,
            "stated_problems": s["stated"].get("problems"), "stated_completed": s["stated"].get("completed"),
            "stated_in_progress": s["stated"].get("in_progress"),
            "source_path": (s["source_path"] or "").replace("\\", "/").rsplit("/", 1)[-1],
        })
    return rows


def write_ledger(rows: Iterable[dict], path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write rows as CSV or XLSX (by `fmt`, else by the file's suffix), atomically."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "xlsx"):
        raise XunchaError("ledger_suffix", path=str(path))
    data = ledger_bytes(rows, fmt)
    return write_bytes(path, data)


def ledger_bytes(rows: Iterable[dict], fmt: str) -> bytes:
    """The ledger file's content (for a download button or `write_ledger`)."""
    return _csv_bytes(rows) if fmt == "csv" else _xlsx_bytes(rows)


def _csv_bytes(rows: Iterable[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([header for header, _ in LEDGER_COLUMNS])
    for row in rows:
        writer.writerow(["" if row[key] is None else row[key] for _, key in LEDGER_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


def _xlsx_bytes(rows: Iterable[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "问题台账"
    ws.append([header for header, _ in LEDGER_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row[key] for _, key in LEDGER_COLUMNS])
    wide = {"text": 60, "measures": 80, "parent_text": 40, "category": 30, "unit": 28}
    for idx, (_, key) in enumerate(LEDGER_COLUMNS, 1):
        ws.column_dimensions[ws.cell(1, idx).column_letter].width = wide.get(key, 14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

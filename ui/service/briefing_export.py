"""The 自查清单 as files an office can hand out: .docx (python-docx) and .xlsx (openpyxl), both made
from the briefing's JSON (ui/service/briefing.Briefing.to_json), so the CLI, the page and the files
show the same items. Numbering is written out in the 公文 order (一、 (一) 1.), not Word list
numbering, so it survives any editor and reads the same in the text. See docs/decisions.md, "Briefing"."""
from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

from reports.grammar.numerals import int_to_cn
from reports.shared.atomic import write_bytes
from reports.shared.notices import XunchaError

from .briefing import STATUS_ORDER
from .briefing_text import NO_MEASURES, profile_text, source_text, status_text, target_text, type_heading
from .text import concreteness_label

__all__ = ["EXPORT_FORMATS", "ITEM_STYLE", "MIME", "SOURCE_STYLE", "briefing_bytes", "briefing_docx", "briefing_xlsx", "export_name", "write_briefing"]

EXPORT_FORMATS = ("docx", "xlsx")
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
BODY_FONT, HEADING_FONT = "仿宋", "黑体"  # the fonts of Chinese official documents (GB/T 9704)
FILL_IN = "自查情况:"


def export_name(b: dict, fmt: str) -> str:
    """A file name for downloads: 自查清单_张家界市文联.docx."""
    safe = "".join(ch for ch in (b.get("unit_short") or b["unit"]) if ch not in '\\/:*?"<>|').strip() or "单位"
    return f"自查清单_{safe}.{fmt}"


def _cn(n: int) -> str:
    return int_to_cn(n) if n < 100 else str(n)


def briefing_bytes(b: dict, fmt: str) -> bytes:
    if fmt == "docx":
        return briefing_docx(b)
    if fmt == "xlsx":
        return briefing_xlsx(b)
    raise ValueError(fmt)


def write_briefing(b: dict, path: str | os.PathLike) -> Path:
    """Write the briefing as .docx or .xlsx (by suffix), atomically; a wrong suffix is a user error."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise XunchaError("briefing_suffix", path=str(path))
    try:
        return write_bytes(path, briefing_bytes(b, fmt))
    except OSError as exc:
        raise XunchaError("cannot_write", path=str(path), reason=str(exc.strerror or exc)) from exc


# -- .docx ------------------------------------------------------------------------------------------

ITEM_STYLE, SOURCE_STYLE = "清单条目", "条目出处"  # paragraph styles of the numbered items and their sources


def _styles(doc) -> None:
    """Chinese fonts on the styles used, and two styles of our own, so items and sources can be
    restyled (or found by a program) as a whole."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    for name, font, size in (("Normal", BODY_FONT, 12), ("Title", HEADING_FONT, 20), ("Heading 1", HEADING_FONT, 16),
                             ("Heading 2", HEADING_FONT, 14)):
        style = doc.styles[name]
        style.font.name = font
        style.font.size = Pt(size)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    item = doc.styles.add_style(ITEM_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    item.base_style = doc.styles["Normal"]
    item.paragraph_format.left_indent = Pt(24)
    item.paragraph_format.first_line_indent = Pt(-18)
    source = doc.styles.add_style(SOURCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    source.base_style = doc.styles["Normal"]
    source.paragraph_format.left_indent = Pt(24)
    source.font.size = Pt(9)
    source.font.color.rgb = RGBColor(0x66, 0x66, 0x66)


def _source(doc, text: str) -> None:
    doc.add_paragraph(f"来源:{text}", style=SOURCE_STYLE)


def _item(doc, number: int, text: str) -> None:
    doc.add_paragraph(f"{number}. {text}", style=ITEM_STYLE)


def briefing_docx(b: dict) -> bytes:
    """Title, the target, its peers with the reason, the notes, then one heading per problem type
    (ranked), each with the target's own standing, numbered representative problems and measures,
    every item followed by its source, and a line for the unit's own 自查 finding."""
    from docx import Document

    doc = Document()
    _styles(doc)
    doc.add_heading(f"自查清单:{b.get('unit_short') or b['unit']}", level=0)
    doc.add_paragraph("巡前研判:同类单位在巡视巡察中被发现的问题及其整改做法")
    doc.add_paragraph(f"单位:{b['unit']}({profile_text(b)})")
    doc.add_paragraph(f"生成日期:{date.today().isoformat()}")
    doc.add_heading("一、同类单位", level=1)
    if not b["peers"]:
        doc.add_paragraph("工作区中没有可参照的同类单位。")
    for n, p in enumerate(b["peers"], 1):
        _item(doc, n, f"{p['unit_short']}({p['unit']}):{p['why']}")
    for note in b.get("notes") or []:
        doc.add_paragraph(f"说明:{note}")
    doc.add_heading("二、常见问题类型及自查要点", level=1)
    doc.add_paragraph("按有此类问题的同类单位数排序;问题类型依据巡视巡察反馈问题分类。")
    if not b["types"]:
        doc.add_paragraph("同类单位中没有可列出的问题。")
    for n, t in enumerate(b["types"], 1):
        doc.add_heading(f"({_cn(n)}){type_heading(t)}", level=2)
        if t.get("definition"):
            doc.add_paragraph(f"类型说明:{t['definition']}")
        if t.get("note"):
            doc.add_paragraph(f"说明:{t['note']}")
        doc.add_paragraph(target_text(t["target"]))
        doc.add_paragraph("典型问题:")
        for k, e in enumerate(t["examples"], 1):
            _item(doc, k, e["text"])
            _source(doc, source_text(e))
        doc.add_paragraph("整改做法(按具体程度排列):" if t["measures"] else f"整改做法:{NO_MEASURES}")
        for k, m in enumerate(t["measures"], 1):
            _item(doc, k, f"{m['text']}(具体程度 {concreteness_label(m['concreteness'])})")
            _source(doc, source_text(m))
        doc.add_paragraph(FILL_IN + "_" * 30)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# -- .xlsx ------------------------------------------------------------------------------------------

CHECKLIST_COLUMNS = ("序号", "问题类型", "类型说明", "同类单位数", "有此类问题的同类单位", "同类单位问题条数", "本单位情况",
                     "典型问题(含出处)", "整改做法(含出处,按具体程度)", "自查情况(由本单位填写)", "拟采取措施(由本单位填写)")
ITEM_COLUMNS = ("类型序号", "问题类型", "条目", "序号", "单位", "内容", "具体程度", "报告编号", "问题编号", "原文起", "原文止")
PEER_COLUMNS = ("序号", "单位简称", "单位全称", "层级", "巡视/巡察", "行业", "同类原因")


def _numbered(items: list[dict], text) -> str:
    return "\n".join(f"{k}. {text(x)}(来源:{source_text(x)})" for k, x in enumerate(items, 1))


def briefing_xlsx(b: dict) -> bytes:
    """Sheets 自查清单 (one row per type, two columns for the unit to fill in), 典型问题与做法 (one row
    per item with its source), 同类单位 and 说明."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "自查清单"
    ws.append(CHECKLIST_COLUMNS)
    for n, t in enumerate(b["types"], 1):
        ws.append([n, t["type"], t.get("definition") or "", t["peer_units"], "、".join(t.get("peer_names") or []),
                   t.get("problems"), target_text(t["target"]),
                   _numbered(t["examples"], lambda e: e["text"]),
                   _numbered(t["measures"], lambda m: f"{m['text']}(具体程度 {concreteness_label(m['concreteness'])})"), "", ""])
    items = wb.create_sheet("典型问题与做法")
    items.append(ITEM_COLUMNS)
    for n, t in enumerate(b["types"], 1):
        for what, rows in (("典型问题", t["examples"]), ("整改做法", t["measures"])):
            for k, x in enumerate(rows, 1):
                span = x.get("span") or [None, None]
                items.append([n, t["type"], what, k, x["unit_short"], x["text"], x.get("concreteness"),
                              x["report_id"], x["problem_id"], span[0], span[1]])
    peers = wb.create_sheet("同类单位")
    peers.append(PEER_COLUMNS)
    for n, p in enumerate(b["peers"], 1):
        peers.append([n, p["unit_short"], p["unit"], p.get("level"), p.get("kind"), p.get("sector"), p["why"]])
    about = wb.create_sheet("说明")
    for row in (("单位", b["unit"]), ("简称", b.get("unit_short")), ("研判依据", profile_text(b)),
                ("生成日期", date.today().isoformat()), *(("说明", n) for n in b.get("notes") or []),
                ("排序", "问题类型按有此类问题的同类单位数排序;整改做法按具体程度(可核查的文件、时间、数量等)排序"),
                ("状态", "本单位情况中的整改状态取本单位此类问题中进展最慢的一条:" + "、".join(
                    status_text(c) for c in STATUS_ORDER))):
        about.append(list(row))
    wrap = Alignment(wrap_text=True, vertical="top")
    widths = {"自查清单": (6, 18, 36, 10, 24, 10, 24, 70, 70, 30, 30), "典型问题与做法": (8, 18, 10, 6, 16, 80, 10, 18, 10, 8, 8),
              "同类单位": (6, 16, 32, 6, 10, 12, 50), "说明": (12, 90)}
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for idx, width in enumerate(widths[sheet.title], 1):
            sheet.column_dimensions[sheet.cell(1, idx).column_letter].width = width
        for row in sheet.iter_rows(min_row=1):
            for cell in row:
                cell.alignment = wrap
        if sheet.title != "说明":
            sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

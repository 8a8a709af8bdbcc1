"""Build .docx/.pdf/.html/GB18030 test inputs from the real corpus text, at test time.

Nothing binary is committed: each builder writes into a pytest tmp_path. The inputs wrap real
report lines so the reader is tested on the text it will meet, in the layouts it will meet
(Word list numbering, wrapped PDF lines with page numbers, government web-page chrome).
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from pathlib import Path

from reports.grammar.noise import is_noise_line

CORPUS = Path(__file__).resolve().parent.parent / "data" / "reports"

__all__ = [
    "CORPUS", "add_outline_list", "body_lines", "build_docx_numbered", "build_docx_table", "build_gov_html",
    "build_pdf", "build_pdf_without_text", "corpus_path", "corpus_text", "number_paragraph", "report_lines",
]


def corpus_path(prefix: str) -> Path:
    """The corpus file whose name starts with `prefix` ("000" ... "004")."""
    return next(p for p in sorted(CORPUS.glob("*.txt")) if p.name.startswith(prefix))


def corpus_text(prefix: str) -> str:
    return corpus_path(prefix).read_text(encoding="utf-8")


def report_lines(prefix: str) -> list[str]:
    """Every non-blank line of a corpus file, stripped (what a docx/pdf of it would show)."""
    return [ln.strip() for ln in corpus_text(prefix).split("\n") if ln.strip()]


def body_lines(prefix: str) -> list[str]:
    """The report without the web chrome lines the .txt carries."""
    return [ln for ln in report_lines(prefix) if not is_noise_line(ln)]


# --------------------------------------------------------------------------- docx

_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_ZH = "一二三四五六七八九十"
# 003's outline: 一、 > (一) > 1. where 1. runs on through all categories (lvlRestart 0).
_MARKERS = (
    (0, re.compile(rf"^[{_ZH}]+、")),
    (1, re.compile(rf"^\([{_ZH}]+\)")),
    (2, re.compile(r"^\d+\.")),
)


def _abstract_num_xml(abstract_id: int) -> str:
    levels = [
        (0, "chineseCounting", "%1、", ""),
        (1, "chineseCounting", "(%2)", ""),
        (2, "decimal", "%3.", '<w:lvlRestart w:val="0"/>'),
        (3, "decimalEnclosedCircle", "%4", ""),
    ]
    body = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{extra}'
        f'<w:suff w:val="nothing"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
        for i, fmt, text, extra in levels
    )
    return f'<w:abstractNum {_W_NS} w:abstractNumId="{abstract_id}">{body}</w:abstractNum>'


def add_outline_list(doc, abstract_id: int = 90, num_id: int = 90) -> int:
    """Register a 4-level Chinese outline list in the document's numbering part; return numId."""
    from docx.oxml import parse_xml

    numbering = doc.part.numbering_part.element
    first_num = numbering.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
    abstract = parse_xml(_abstract_num_xml(abstract_id))
    if first_num is not None:
        first_num.addprevious(abstract)  # schema order: every abstractNum before any num
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(
        f'<w:num {_W_NS} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    return num_id


def number_paragraph(paragraph, num_id: int, ilvl: int) -> None:
    from docx.oxml import parse_xml

    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(
        f'<w:numPr {_W_NS}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def build_docx_numbered(lines: list[str], path: Path) -> Path:
    """A .docx whose 一、/(一)/1. markers are Word automatic numbering, not typed text."""
    import docx

    doc = docx.Document()
    num_id = add_outline_list(doc)
    for line in lines:
        level, rest = next(((lvl, rx.sub("", line, count=1)) for lvl, rx in _MARKERS if rx.match(line)),
                           (None, line))
        paragraph = doc.add_paragraph(rest)
        if level is not None:
            number_paragraph(paragraph, num_id, level)
    doc.save(path)
    return path


def build_docx_table(before: list[str], rows: list[list[str]], after: list[str], path: Path) -> Path:
    """Paragraphs, a table, paragraphs: the reader must keep this body order."""
    import docx

    doc = docx.Document()
    for line in before:
        doc.add_paragraph(line)
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    for line in after:
        doc.add_paragraph(line)
    doc.save(path)
    return path


# --------------------------------------------------------------------------- pdf

def _cid_font() -> str:
    """reportlab's built-in Adobe CID font: no font file needed, text stays extractable."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def build_pdf(lines: list[str], path: Path, footer_text: str | None = "- {n} -",
              header_text: str | None = None) -> Path:
    """Each line a paragraph (first line indented two characters, as official documents are),
    wrapped by reportlab at the page width, with page numbers ('- {n} -', '第{n}页') in the
    footer and optionally a running header on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    font = _cid_font()
    style = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK",
                           firstLineIndent=24)

    def footer(canvas, doc) -> None:
        canvas.setFont(font, 10)
        if footer_text:
            canvas.drawCentredString(A4[0] / 2, 36, footer_text.format(n=doc.page))
        if header_text:
            canvas.drawCentredString(A4[0] / 2, A4[1] - 40, header_text)

    doc = SimpleDocTemplate(str(path), pagesize=A4, title="report")
    doc.build([Paragraph(escape(line), style) for line in lines], onFirstPage=footer, onLaterPages=footer)
    return path


def build_pdf_without_text(path: Path) -> Path:
    """A 'scanned' page: only drawn shapes, no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for i in range(20):
        c.rect(60, 760 - i * 30, 400 - i * 7, 12, fill=1)
    c.showPage()
    c.save()
    return path


# --------------------------------------------------------------------------- html

_CHROME_HEAD = """<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}_张家界廉政网</title>
<meta name="keywords" content="巡察,整改">
<link rel="stylesheet" href="/css/style.css">
<style>.nav li{{float:left}} body{{font-family:"宋体"}}</style>
<script>var _hmt = _hmt || []; document.write("统计代码加载中");</script>
</head>
<body>
<div id="header" class="header"><div class="logo"><h1>张家界廉政网</h1></div>
<div class="search"><form action="/search"><input name="q" value="请输入关键字"><button>搜索</button></form></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/gzdt/">工作动态</a></li>
<li><a href="/xczg/">巡察整改</a></li><li><a href="/xxgk/">信息公开</a></li><li><a href="/jbts/">举报投诉</a></li></ul></div>
<div class="main">
<div class="dqwz">当前位置:<a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a> &gt; <a href="/xczg/">巡察整改</a></div>
<div class="left-article">
<div class="article-title"><h2>{title}</h2></div>
<div class="info"><span>来源:张家界廉政网</span>&nbsp;<span>编辑:谢航</span>&nbsp;<span>2020-12-07 15:22:21</span></div>
<div class="toolbar">【字体:<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】 <a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
<div class="bdsharebuttonbox">分享到:<a class="bds_weixin">微信</a><a class="bds_tsina">微博</a></div>
<div class="TRS_Editor" id="zoom">
"""

_CHROME_TAIL = """</div>
<div class="ewm">扫一扫在手机打开当前页<img src="/qr.png"></div>
<div class="prevnext"><p>上一篇:<a href="/c/1.html">市纪委监委召开警示教育大会</a></p>
<p>下一篇:<a href="/c/3.html">关于公布举报电话的通告</a></p></div>
<div class="related"><h3>相关文章</h3><ul>
<li><a href="/c/4.html">中共张家界市教育局党组关于巡察整改进展情况的通报</a></li>
<li><a href="/c/5.html">中共张家界市财政局党组关于巡察整改进展情况的通报</a></li></ul></div>
</div>
<div class="sidebar"><h3>热点排行</h3><ol><li><a href="/h/1">全市党风廉政建设工作会议召开</a></li>
<li><a href="/h/2">深入开展群众身边不正之风和腐败问题集中整治</a></li></ol></div>
</div>
<div id="footer" class="footer"><p>主办:中共张家界市纪律检查委员会 张家界市监察委员会</p>
<p>版权所有:张家界廉政网 湘ICP备05001234号 湘公网安备43080202000123号</p>
<p>地址:湖南省张家界市永定区 邮编:427000</p></div>
<script>shareInit();</script>
</body></html>
"""


def build_gov_html(title: str, body: list[str], path: Path, encoding: str = "utf-8",
                   declared: str | None = None) -> Path:
    """A realistic government article page: header, nav, breadcrumb, byline, font/print/share
    toolbars, the report as <p> paragraphs (indented with &nbsp; and U+3000 like CMS output),
    QR code, previous/next links, related list, sidebar and footer."""
    paragraphs = []
    for i, line in enumerate(body):
        indent = "&nbsp;&nbsp;&nbsp;&nbsp;" if i % 2 else "\u3000\u3000"
        paragraphs.append(f'<p style="text-indent:2em">{indent}{escape(line)}</p>')
    page = (_CHROME_HEAD.format(title=escape(title), charset=declared or encoding)
            + "\n".join(paragraphs) + _CHROME_TAIL)
    path.write_bytes(page.encode(encoding))
    return path


@lru_cache(maxsize=1)
def corpus_latin_words() -> frozenset[str]:
    """Every run of two or more Latin letters the corpus reports write (QQ, APP, …): quotations of
    the source, not interface, for tests that look for English on a page."""
    return frozenset(w for p in CORPUS.glob("*.txt") for w in re.findall(r"[A-Za-z]{2,}", p.read_text("utf-8")))

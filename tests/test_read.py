"""reports/read.py, normalize.py, noise.py: every format and encoding, built from the real corpus."""
from __future__ import annotations

import json
import random
import zipfile

import pytest
from fixtures_build import (
    add_outline_list,
    body_lines,
    build_docx_numbered,
    build_docx_table,
    build_gov_html,
    build_pdf,
    build_pdf_without_text,
    corpus_path,
    corpus_text,
    number_paragraph,
    report_lines,
)

from reports import read as read_mod
from reports.grammar.noise import is_noise_line, is_publish_info
from reports.grammar.normalize import OffsetMap, normalize
from reports.read import SUPPORTED_SUFFIXES, ReadError, SourceText, read_bytes, read_source

PREFIXES = ("000", "001", "002", "003", "004")
TITLE_000 = "中共张家界市文学艺术界联合会党组关于巡察整改进展情况的通报"


# --------------------------------------------------------------------------- normalisation

def test_normalize_maps_fullwidth_spaces_and_line_ends():
    original = "\ufeff一、ＡＢＣ１２３，（一）：；！？\u3000\u00a0x\u2003y\r\nz\rw\u200b\u200d。"
    text, _ = normalize(original)
    assert text == "一、ABC123,(一):;!?  x y\nz\nw。"


def test_normalize_keeps_chinese_punctuation_and_circled_numbers():
    kept = "、。《》“”〔〕①②⑳⑴【】—…·〇"
    assert normalize(kept)[0] == kept  # NFKC would turn ① into 1 and ⑴ into (1)


def _noisy(text: str, seed: int) -> str:
    """Corpus text re-dressed the way real files arrive: CRLF, full-width ASCII, odd spaces, BOM,
    zero-width characters."""
    rng = random.Random(seed)
    out = ["\ufeff"]
    for ch in text:
        if ch == "\n":
            out.append(rng.choice(["\r\n", "\n", "\r", "\u2028"]))
        elif "!" <= ch <= "~" and rng.random() < 0.5:
            out.append(chr(ord(ch) + 0xFEE0))
        elif ch == " ":
            out.append(rng.choice([" ", "\u3000", "\u00a0", "\u2002"]))
        else:
            out.append(ch)
        if rng.random() < 0.02:
            out.append(rng.choice(["\u200b", "\u200c", "\ufeff", "\u00ad", "\u200b\u200b", "\r"]))
    return "".join(out)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_offset_map_is_exact_for_random_spans(prefix):
    original = _noisy(corpus_text(prefix), seed=int(prefix))
    text, offsets = normalize(original)
    rng = random.Random(7)
    for _ in range(3000):
        s = rng.randrange(0, len(text) + 1)
        e = min(len(text), s + rng.randrange(0, 60))
        os_, oe = offsets.span_to_original((s, e))
        assert normalize(original[os_:oe])[0] == text[s:e], (s, e)
    assert offsets.to_original(len(text)) == len(original)


def test_offset_map_spans_are_tight():
    text, offsets = normalize("a\u200b\r\nb\u200b")
    assert text == "a\nb"
    assert offsets.span_to_original((0, 1)) == (0, 1)   # "a" without the zero-width after it
    assert offsets.span_to_original((1, 2)) == (3, 4)   # the "\n" of "\r\n"
    assert offsets.span_to_original((2, 3)) == (4, 5)
    assert offsets.span_to_original((3, 3)) == (6, 6)
    with pytest.raises(IndexError):
        offsets.to_original(4)


def test_offset_map_json_round_trip_and_size():
    original = _noisy(corpus_text("004"), seed=4)
    _, offsets = normalize(original)
    blob = offsets.to_json()
    again = OffsetMap.from_json(blob)
    assert again == offsets
    assert OffsetMap.from_json(json.loads(blob)) == offsets
    assert [again.to_original(i) for i in range(0, offsets.text_len, 97)] == \
        [offsets.to_original(i) for i in range(0, offsets.text_len, 97)]
    assert len(offsets.anchors) < len(original) // 10  # one anchor per run of deletions


def test_identity_map_for_clean_text():
    text, offsets = normalize(corpus_text("003"))
    assert text == corpus_text("003")
    assert offsets.anchors == [(0, 0)]


# --------------------------------------------------------------------------- noise lines

# Exactly the web-page chrome lines of each corpus file (0-based line numbers).
CHROME = {
    "000": {0: "当前位置:", 4: "来源:张家界廉政网 编辑:谢航 2020-12-07 15:22:21",
            119: "♦ 阅读上一篇", 121: "♦ 阅读下一篇"},
    "001": {},
    "002": {0: "首页>信息公开>巡视巡察", 5: "来源:山东省纪委监委网站发布时间:2022-01-17"},
    "003": {102: "来源:张家界廉政网", 103: "编辑:谢航",
            104: "本文链接:http://www.zjjlz.gov.cn/content/2020/12/07/8688117.html"},
    "004": {1: "发布时间: 2023-02-27 17:40\xa0\xa0\xa0\xa0 来源:益阳市文化旅游广电体育局 作者:\xa0\xa0\xa0\xa0 浏览量:[字体:\xa0\xa0]",
            319: "扫一扫在手机打开当前页"},
}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_noise_lines_in_corpus_are_exactly_the_chrome(prefix):
    lines = corpus_text(prefix).split("\n")
    flagged = {i: ln for i, ln in enumerate(lines) if is_noise_line(ln)}
    assert flagged == CHROME[prefix]


@pytest.mark.parametrize("line", [
    "当前位置:", "当前位置:首页 > 信息公开 > 巡视巡察", "您现在的位置:首页>工作动态", "【巡察整改】",
    "首页>信息公开>巡视巡察", "网站首页 » 巡察工作", "来源:张家界廉政网 编辑:谢航 2020-12-07 15:22:21",
    "来源:山东省纪委监委网站发布时间:2022-01-17", "发布时间: 2023-02-27 17:40 来源:益阳市 作者: 浏览量:[字体: ]",
    "2020-12-07 15:22 来源:张家界廉政网", "♦ 阅读上一篇", "上一篇:市纪委监委召开警示教育大会", "下一篇",
    "扫一扫在手机打开当前页", "本文链接:http://www.zjjlz.gov.cn/content/2020/12/07/8688117.html",
    "打印", "关闭", "【打印本页】 【关闭窗口】", "[ 打印 ] [ 关闭 ]", "【字体:大 中 小】", "分享到:微信 微博 QQ空间",
    "版权所有:张家界廉政网 湘ICP备05001234号", "\u3000当前位置：首页＞信息公开", "来源：张家界廉政网",
])
def test_noise_line_examples(line):
    assert is_noise_line(line)


@pytest.mark.parametrize("line", [
    "【巡察整改】中共张家界市文学艺术界联合会党组关于巡察整改进展情况的通报",
    "中共政协桑植县委员会党组", "2020年10月28日", "2022年1月17日", "联系电话:0744—8239173",
    "邮政编码:427000", "电子邮箱:473966429@qq.com", "联系电话:蔡毅\xa0\xa007374381161;",
    "1.学习停留在表面,没有学深学透。", "(一)反馈问题:学习贯彻习近平新时代中国特色社会主义思想和党的十九大精神不深入。",
    "问题七:对协会的服务管理职能作用发挥不到位。", "分享经验做法,推动整改落实。", "打印机采购未按规定程序报批。",
    "关闭了违规经营场所3家。", "", "   ", "一、提高政治站位", "整改情况:巡察期间已立行立改。",
])
def test_noise_line_leaves_report_lines_alone(line):
    assert not is_noise_line(line)


def test_publish_info_is_the_byline_only():
    assert is_publish_info("来源:张家界廉政网 编辑:谢航 2020-12-07 15:22:21")
    assert is_publish_info("发布时间: 2023-02-27 17:40 来源:益阳市文化旅游广电体育局")
    assert not is_publish_info("当前位置:")
    assert not is_publish_info("2020年10月28日")


# --------------------------------------------------------------------------- txt and encodings

@pytest.mark.parametrize("prefix", PREFIXES)
def test_corpus_txt_reads_as_utf8(prefix):
    src = read_source(corpus_path(prefix))
    raw = corpus_path(prefix).read_text(encoding="utf-8")
    assert isinstance(src, SourceText)
    assert (src.format, src.encoding, src.original) == ("txt", "utf-8", raw)
    assert src.text == normalize(raw)[0]
    assert "\xa0" not in src.text
    assert src.path == str(corpus_path(prefix))


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_gb_encoded_corpus(tmp_path, prefix, encoding):
    raw = corpus_text(prefix)
    if encoding == "gbk":  # a GBK file cannot hold ♦ or NBSP
        raw = raw.replace("\u2666", "").replace("\xa0", " ")
    path = tmp_path / f"{prefix}.txt"
    path.write_bytes(raw.encode(encoding))
    src = read_source(path)
    assert src.encoding == "gb18030"
    assert src.original == raw


@pytest.mark.parametrize("n", [4, 12, 20, 60])
def test_short_gbk_snippets_are_not_misdetected(tmp_path, n):
    # charset-normalizer alone calls short GBK snippets utf_16_be or cp949.
    raw = corpus_text("003")[:n]
    path = tmp_path / "short.txt"
    path.write_bytes(raw.encode("gbk"))
    assert read_source(path).original == raw


def test_gb18030_only_characters(tmp_path):
    raw = "中共𠮷县委员会党组关于巡察整改进展情况的通报\n" + corpus_text("001")[:500]
    path = tmp_path / "ext.txt"
    path.write_bytes(raw.encode("gb18030"))
    assert read_source(path).original == raw


def test_big5_is_read_and_korean_is_refused(tmp_path):
    traditional = "中國共產黨張家界市文學藝術界聯合會黨組關於巡察整改進展情況的通報。根據市委統一部署,市委第三巡察組對市文聯進行了巡察。" * 4
    (tmp_path / "b5.txt").write_bytes(traditional.encode("big5"))
    src = read_source(tmp_path / "b5.txt")
    assert (src.encoding, src.original) == ("big5", traditional)
    # EUC-KR Hangul decodes as common GB2312 hanzi; refusing beats indexing nonsense.
    (tmp_path / "kr.txt").write_bytes(("안녕하세요 한국어 텍스트입니다. 이것은 테스트 문장입니다." * 10).encode("euc-kr"))
    assert "cannot decode text" in _error(lambda: read_source(tmp_path / "kr.txt")).reason


def test_utf8_bom_and_utf16(tmp_path):
    raw = corpus_text("002")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + raw.encode("utf-8"))
    src = read_source(tmp_path / "bom.txt")
    assert (src.encoding, src.original) == ("utf-8-sig", raw)
    (tmp_path / "u16.txt").write_bytes(raw.encode("utf-16"))
    src = read_source(tmp_path / "u16.txt")
    assert (src.encoding, src.original) == ("utf-16", raw)


def test_windows_line_ends_map_back(tmp_path):
    raw = corpus_text("000").replace("\n", "\r\n")
    (tmp_path / "crlf.txt").write_bytes(raw.encode("gb18030"))
    src = read_source(tmp_path / "crlf.txt")
    assert src.text == corpus_text("000").replace("\xa0", " ")
    start = src.text.index("市委第三巡察组")
    s, e = src.offsets.span_to_original((start, start + 7))
    assert src.original[s:e] == "市委第三巡察组"


def test_encoding_is_never_guessed_from_the_name(tmp_path):
    raw = corpus_text("001")
    path = tmp_path / "report_utf8.txt"
    path.write_bytes(raw.encode("gb18030"))
    assert read_source(path).encoding == "gb18030"


# --------------------------------------------------------------------------- docx

def test_docx_word_numbering_is_rendered(tmp_path):
    lines = report_lines("003")
    path = build_docx_numbered(lines, tmp_path / "003.docx")
    # The markers are not in the document text; Word draws them from numbering.xml.
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "(十四)" not in xml and "38.退休" not in xml and "<w:numPr>" in xml
    src = read_source(path)
    assert (src.format, src.encoding) == ("docx", None)
    assert src.text.split("\n") == lines  # 一、 (一) … (十四) and 1. … 38. through all categories


def test_docx_numbering_restart_and_circled(tmp_path):
    import docx

    doc = docx.Document()
    num = add_outline_list(doc)
    plan = [(0, "组织整改落实情况"), (1, "提高政治站位"), (1, "加强组织领导"), (0, "巡察反馈问题整改进展情况"),
            (1, "反馈问题:党建工作抓而不实。"), (2, "党组书记履行抓党建职责落实不到位。"), (3, "修订制度"), (3, "开展培训"),
            (2, "党建资料的整理归档不规范。"), (3, "集中整理")]
    for level, text in plan:
        number_paragraph(doc.add_paragraph(text), num, level)
    doc.save(tmp_path / "n.docx")
    assert read_source(tmp_path / "n.docx").text.split("\n") == [
        "一、组织整改落实情况", "(一)提高政治站位", "(二)加强组织领导", "二、巡察反馈问题整改进展情况",
        "(一)反馈问题:党建工作抓而不实。", "1.党组书记履行抓党建职责落实不到位。", "①修订制度", "②开展培训",
        "2.党建资料的整理归档不规范。", "①集中整理"]


def test_docx_tables_stay_in_body_order(tmp_path):
    lines = body_lines("004")
    rows = [["序号", "反馈问题", "整改情况"], ["1", "财务管理不规范。", "已完成整改"], ["2", "会计处理不规范。", "持续整改"]]
    path = build_docx_table(lines[:3], rows, lines[3:5], tmp_path / "t.docx")
    got = read_source(path).text.split("\n")
    assert got == [*lines[:3], "序号\t反馈问题\t整改情况", "1\t财务管理不规范。\t已完成整改", "2\t会计处理不规范。\t持续整改", *lines[3:5]]


def test_docx_from_bytes_with_wrong_name_is_sniffed(tmp_path):
    path = build_docx_numbered(report_lines("001")[:5], tmp_path / "x.docx")
    src = read_bytes(path.read_bytes(), "upload.txt")
    assert src.format == "docx"


# --------------------------------------------------------------------------- pdf

def _pdf_expected(lines: list[str]) -> list[str]:
    """reportlab's STSong-Light encoding (UniGB-UCS2-H) has no glyph for U+00B7 or U+00A0, so
    reportlab leaves them out of the PDF; spaces at a wrap point vanish with the wrap."""
    return [normalize(ln.replace("·", "").replace("\xa0", "").replace(" ", ""))[0] for ln in lines]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_pdf_round_trip_rejoins_wrapped_lines(tmp_path, prefix):
    lines = body_lines(prefix)
    path = build_pdf(lines, tmp_path / f"{prefix}.pdf")
    src = read_source(path)
    assert (src.format, src.encoding) == ("pdf", None)
    assert [ln.replace(" ", "") for ln in src.text.split("\n")] == _pdf_expected(lines)
    assert "- 2 -" not in src.text and "- 1 -" not in src.text


@pytest.mark.parametrize(("footer", "header"), [("第{n}页", None), ("第 {n} 页 共 9 页", None), ("— {n} —", None),
                                                ("{n}", "中共张家界市文学艺术界联合会党组文件")])
def test_pdf_page_furniture_is_dropped(tmp_path, footer, header):
    lines = body_lines("003")
    src = read_source(build_pdf(lines, tmp_path / "p.pdf", footer_text=footer, header_text=header))
    assert [ln.replace(" ", "") for ln in src.text.split("\n")] == _pdf_expected(lines)


def test_pdf_keeps_real_spaces(tmp_path):
    lines = ["积极参加 “学习贯彻十九届四中全会精神”培训。", "联系电话:蔡毅 07374381161。"]  # one PDF line each
    assert read_source(build_pdf(lines, tmp_path / "s.pdf")).text.split("\n") == lines


def test_pdf_flush_left_never_merges_paragraphs(tmp_path, monkeypatch):
    """Without first-line indents only punctuation and the right margin tell paragraphs apart:
    a paragraph may come back split at a sentence end, but two report lines never merge."""
    from reportlab.lib import styles

    original_init = styles.ParagraphStyle.__init__

    def flush_left(self, *args, **kwargs):
        kwargs["firstLineIndent"] = 0
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(styles.ParagraphStyle, "__init__", flush_left)
    lines = body_lines("000")
    got = [ln.replace(" ", "") for ln in read_source(build_pdf(lines, tmp_path / "f.pdf")).text.split("\n")]
    expected = _pdf_expected(lines)
    i = 0
    for line in expected:  # every expected line is a run of whole output lines
        joined = ""
        while joined != line:
            assert i < len(got) and line.startswith(joined + got[i]), (line[:30], got[i][:30])
            joined += got[i]
            i += 1
    assert i == len(got)
    assert got[0] == "【巡察整改】" + TITLE_000


def test_pdf_named_txt_is_read_as_pdf(tmp_path):
    path = build_pdf(body_lines("001")[:3], tmp_path / "a.pdf")
    assert read_bytes(path.read_bytes(), "a.txt").format == "pdf"


# --------------------------------------------------------------------------- html

CHROME_WORDS = ("当前位置", "首页", "工作动态", "举报投诉", "分享到", "打印本页", "关闭窗口", "字体", "扫一扫",
                "上一篇", "下一篇", "相关文章", "热点排行", "版权所有", "ICP", "张家界廉政网\n", "统计代码", "请输入关键字",
                "警示教育大会", "教育局党组", "主办:")


def _gov_page_body() -> list[str]:
    lines = body_lines("000")
    assert lines[0].startswith("【巡察整改】")
    return lines[1:]


def test_html_gov_page_keeps_title_byline_and_body_only(tmp_path):
    body = _gov_page_body()
    src = read_source(build_gov_html(TITLE_000, body, tmp_path / "page.html"))
    assert (src.format, src.encoding) == ("html", "utf-8")
    lines = src.text.split("\n")
    assert lines[0] == TITLE_000
    assert lines[1] == "来源:张家界廉政网 编辑:谢航 2020-12-07 15:22:21"  # kept: it carries the date
    assert lines[2:] == body
    for word in CHROME_WORDS:
        assert word not in src.text.replace(lines[1], ""), word


@pytest.mark.parametrize(("encoding", "declared"), [("gb18030", "gb2312"), ("gbk", "GBK"), ("gbk", "utf-8"),
                                                    ("gb18030", None)])
def test_html_charset_from_bytes(tmp_path, encoding, declared):
    body = _gov_page_body()
    path = build_gov_html(TITLE_000, body, tmp_path / "page.htm", encoding=encoding, declared=declared or "x")
    if declared is None:  # no usable declaration at all
        path.write_bytes(path.read_bytes().replace(b"charset=x", b""))
    src = read_source(path)
    assert src.encoding == "gb18030"
    assert src.text.split("\n")[2:] == body


def test_html_table_layout_in_aspnet_form(tmp_path):
    """Old CMS pages: the whole page inside <form>, layout tables, title in a td, <br> paragraphs."""
    body = body_lines("003")[:12]
    page = (
        '<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="桑植县政协党组巡察整改进展情况">'
        "<title>桑植县政协党组巡察整改进展情况 - 张家界廉政网</title></head><body><form id=\"form1\" method=\"post\">"
        '<table width="100%"><tr><td><a href="/">首页</a> | <a href="/a">工作动态</a> | <a href="/b">巡察整改</a></td></tr>'
        '<tr><td class="position">您现在的位置:<a href="/">首页</a> &gt;&gt; 巡察整改</td></tr>'
        '<tr><td><table><tr><td class="title">桑植县政协党组巡察整改进展情况</td></tr>'
        "<tr><td>发布日期:2020-12-07 作者:谢航 点击数:1024</td></tr>"
        "<tr><td>" + "<br>".join(body) + "</td></tr>"
        "<tr><td>[ <a href=\"#\">打印</a> ] [ <a href=\"#\">关闭</a> ]</td></tr></table></td>"
        '<td width="200"><a href="/x">热点新闻一</a><br><a href="/y">热点新闻二</a></td></tr></table>'
        "<div>Copyright © 2020 张家界廉政网</div></form></body></html>"
    )
    src = read_bytes(page.encode("utf-8"), "old.aspx.html")
    assert src.text.split("\n") == ["桑植县政协党组巡察整改进展情况", "发布日期:2020-12-07 作者:谢航 点击数:1024", *body]


def test_html_sniffed_from_content(tmp_path):
    title = "中共庆阳市文联党组关于巡察整改进展情况的通报"
    page = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><p>" + "</p><p>".join(body_lines("001"))
    src = read_bytes(page.encode("utf-8"), "saved")
    assert src.format == "html"
    assert src.text.split("\n") == [title, *body_lines("001")]


# --------------------------------------------------------------------------- bad input

def _error(path_or_call) -> ReadError:
    with pytest.raises(ReadError) as info:
        path_or_call()
    err = info.value
    assert "\n" not in str(err)
    assert str(err) == f"{err.path}: {err.reason}"
    return err


def test_missing_file(tmp_path):
    err = _error(lambda: read_source(tmp_path / "nope.txt"))
    assert err.reason == "no such file" and err.path == str(tmp_path / "nope.txt")


def test_directory(tmp_path):
    assert "directory" in _error(lambda: read_source(tmp_path)).reason


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", "\u3000\u3000\n\u00a0".encode(), b"\xef\xbb\xbf\n"])
def test_empty_and_whitespace_only(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert _error(lambda: read_source(path)).reason.startswith("empty file")


@pytest.mark.parametrize("content", [bytes(range(256)) * 8, b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
                                     b"text\x01\x02\x03\x04\x05\x06\x07\x08 more\x0e\x0f\x10\x11"])
def test_binary(tmp_path, content):
    path = tmp_path / "blob.txt"
    path.write_bytes(content)
    assert _error(lambda: read_source(path)).reason == "binary content, not text"


@pytest.mark.parametrize("name", ["report.doc", "report.xlsx", "report.rtf", "report.TXT.bak"])
def test_unknown_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(corpus_text("001").encode("utf-8"))
    err = _error(lambda: read_source(path))
    assert err.reason.startswith(f"unsupported format {path.suffix.lower()}")
    assert "(supported: .txt .docx .pdf .html .htm .md)" in err.reason


def test_upper_case_suffix_is_fine(tmp_path):
    path = tmp_path / "REPORT.TXT"
    path.write_bytes(corpus_text("001").encode("gbk"))
    assert read_source(path).encoding == "gb18030"


def test_undecodable(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(("巡察整改" * 20).encode("utf-8")[:-1] + b"\xff\x80\xfe\x20abc\xff" * 30)
    err = _error(lambda: read_source(path))
    assert err.reason.startswith("cannot decode text (tried utf-8") and "gb18030" in err.reason


def test_file_too_large(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: never read, the size check comes first
    assert _error(lambda: read_source(path)).reason == "file too large: 50.0 MB (limit 20 MB)"
    err = _error(lambda: read_bytes(b"x" * (read_mod.MAX_BYTES + 1), "up.txt"))
    assert err.reason.startswith("file too large")


def test_size_limit_from_environment(tmp_path, monkeypatch):
    path = tmp_path / "small.txt"
    path.write_bytes(corpus_text("004").encode("utf-8"))  # ~67 KB
    monkeypatch.setenv("XUNCHA_MAX_FILE_MB", "0.05")
    assert _error(lambda: read_source(path)).reason == "file too large: 0.1 MB (limit 0.05 MB)"
    monkeypatch.setenv("XUNCHA_MAX_FILE_MB", "1")
    assert read_source(path).format == "txt"
    assert read_mod.MAX_BYTES == 20 * 1024 * 1024


def test_docx_that_is_not_a_zip(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_bytes(corpus_text("001").encode("utf-8"))
    assert _error(lambda: read_source(path)).reason == "not a valid .docx (not a zip archive)"


def test_zip_that_is_not_a_docx(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    assert _error(lambda: read_source(path)).reason.startswith("not a valid .docx")


def test_truncated_docx(tmp_path):
    good = build_docx_numbered(report_lines("001")[:5], tmp_path / "g.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(good[: len(good) // 2])
    assert _error(lambda: read_source(path)).reason.startswith("not a valid .docx")


def test_legacy_doc_content(tmp_path):
    path = tmp_path / "renamed.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert "legacy binary Office document" in _error(lambda: read_source(path)).reason


def test_pdf_without_text(tmp_path):
    path = build_pdf_without_text(tmp_path / "scan.pdf")
    assert _error(lambda: read_source(path)).reason == "PDF has no text layer (scanned image?)"


def test_pdf_that_is_not_a_pdf(tmp_path):
    path = tmp_path / "fake.pdf"
    path.write_bytes(corpus_text("001").encode("utf-8"))
    assert _error(lambda: read_source(path)).reason == "not a valid PDF (no %PDF header)"
    path.write_bytes(b"%PDF-1.7\n" + b"garbage " * 100)
    assert _error(lambda: read_source(path)).reason == "not a valid PDF (damaged or incomplete file)"


def test_html_without_text(tmp_path):
    path = tmp_path / "blank.html"
    path.write_bytes(b"<html><head><script>var a=1;</script></head><body><div> </div></body></html>")
    assert _error(lambda: read_source(path)).reason == "no text found in this html"


def test_public_constants():
    assert SUPPORTED_SUFFIXES == (".txt", ".docx", ".pdf", ".html", ".htm", ".md")
    assert read_mod.MAX_BYTES == 20 * 1024 * 1024

"""The source reading view (问题详情 → 原文) shows a Traditional report as written, not its Simplified
conversion, with the problem, rectification and entity highlights on the same characters."""
from __future__ import annotations

import re

import opencc
from conftest import corpus_file

from reports.parse import parse_text
from reports.read import read_source
from reports.store import Store
from ui.web import render

S2T = opencc.OpenCC("s2t").convert


def _highlighted(html: str, cls: str) -> str:
    """The text inside the <span>s of class `cls`, unescaped, line breaks restored."""
    pieces = re.findall(rf'<span class="[^"]*\b{cls}\b[^"]*">(.*?)</span>', html, flags=re.S)
    return "".join(p.replace("<br>", "\n") for p in pieces).replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&")


def test_traditional_report_is_read_in_its_own_script(tmp_path):
    simplified = read_source(corpus_file("000")).text
    traditional = S2T(simplified)
    with Store(tmp_path / "x.db") as st:   # as the app gets it: stored, then loaded
        st.add(parse_text(traditional))
        report = st.load(st.report_ids()[0])
    assert report.script == "traditional" and report.original_text == traditional
    problem = next(p for p in report.problems()
                   if p.rectification_span and report.text[slice(*p.span)] != traditional[slice(*p.span)])
    a, b = problem.span
    entity = (a + 2, a + 6)   # a mention's span, as the store gives it (offsets into `text`)
    html = render.source_context(report, problem, [entity])
    assert _highlighted(html, "problem") == traditional[a:b] != report.text[a:b]
    assert _highlighted(html, "rect") == traditional[slice(*problem.rectification_span)]
    assert _highlighted(html, "entity") == traditional[slice(*entity)]
    assert render.esc(report.text[a:b]) not in html


def test_simplified_report_reads_its_text():
    report = parse_text(read_source(corpus_file("002")).text)
    assert report.display_text is None and report.original_text == report.text
    problem = next(p for p in report.problems() if p.rectification_span)
    html = render.source_context(report, problem)
    assert _highlighted(html, "problem") == report.text[slice(*problem.span)]

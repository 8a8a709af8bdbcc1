"""HTML extraction: the article block of a government CMS page, chrome and link lists dropped."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reports.grammar import HAN_RE
from reports.grammar.markers import parse_marker
from reports.grammar.noise import is_noise_line, is_publish_info
from reports.grammar.normalize import normalize_chars

from .encodings import decode_text
from .limits import MAX_HTML_DEPTH, MAX_HTML_ELEMENTS, ReadError

_HTML_DROP_ALWAYS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
                     "canvas", "link", "meta", "head", "select", "option", "input", "button", "textarea")
_HTML_CHROME_TAGS = ("nav", "header", "footer", "form", "aside", "menu")
_CHROME_TOKENS = frozenset([
    "breadcrumb", "breadcrumbs", "crumb", "crumbs", "bread", "position", "location", "dqwz",
    "dqwzs", "weizhi", "share", "shares", "bdshare", "bdsharebuttonbox", "jiathis", "fenxiang",
    "print", "dayin", "toolbar", "tools", "nav", "navbar", "navigation", "menu", "footer",
    "copyright", "sidebar", "related", "xgwz", "xgxx", "qrcode", "ewm", "erweima", "pager",
    "pagination", "prevnext", "sxp", "header",
])
_BLOCK_TAGS = frozenset([
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "thead", "tfoot", "tr", "ul", "caption", "title",
])
_HTML_WS = re.compile(r"[ \t\n\r\f]+")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_TITLE_MIN_HANZI = 8  # report titles are long; a shorter <title>/<h1> is the site name ("张家界廉政网")
_MAIN_SHARE = 0.75  # descend into a child holding at least this share of its parent's prose


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "ignore") if m else None


def _hanzi(text: str) -> int:
    return len(HAN_RE.findall(text))


def _prose_score(el) -> int:
    """Chinese characters in `el` that are not link text (navigation is mostly links)."""
    return _hanzi(el.get_text()) - sum(_hanzi(a.get_text()) for a in el.find_all("a"))


def _tokens(el) -> set[str]:
    values = [*(el.get("class") or []), el.get("id") or ""]
    return {t for v in values for t in re.split(r"[-_\s]+", str(v).lower()) if t}


def _render_lines(el) -> list[str]:
    """Visible text of `el`, one line per block element; ASCII whitespace collapses like a browser.
    Iterative (an explicit stack), so nesting depth costs no recursion."""
    from bs4 import NavigableString
    from bs4.element import PreformattedString

    buf: list[str] = []
    stack: list = [iter(el.children)]
    closers: list[str] = [""]
    in_cell: list[bool] = [False]   # a table cell stays on its row's line: its paragraphs join with a space
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            in_cell.pop()
            buf.append(closers.pop())
            continue
        if isinstance(child, NavigableString):
            if not isinstance(child, PreformattedString):
                buf.append(_HTML_WS.sub(" ", str(child)))
        elif child.name == "br":
            buf.append(" " if in_cell[-1] else "\n")
        elif child.name in ("del", "s", "strike"):
            continue   # struck-through text is what the author deleted (<del>持续推进</del> 已完成)
        else:
            cell = child.name in ("td", "th") and _data_cell(child)
            block = " " if in_cell[-1] else "\n"
            mark = "\t" if cell else block if child.name in _BLOCK_TAGS else ""
            key = cell and _key_cells(child)
            badge = not mark and _status_badge(child)
            buf.append(("" if key == "value" else mark) + (_list_marker(child) if child.name == "li" else "")
                       + ("【" if badge else ""))
            stack.append(iter(child.children))
            in_cell.append(in_cell[-1] or cell)
            closers.append("：" if key == "key" else "】" if badge else mark or _after_marker(child))
    lines = (re.sub(r"[ \t]*\t[ \t]*", "\t", ln).strip() for ln in "".join(buf).split("\n"))
    return [ln for ln in lines if ln]


MARKER_REACH = 16   # characters at an item's start where its own marker would stand


def _list_marker(li) -> str:
    """The number or bullet a browser draws before a list item (1. of <ol start=…>, • of <ul>): the
    document's own enumeration, which the parser reads (reports/grammar/markers.py). An item that
    already opens with its own number keeps only that."""
    parent = li.parent
    own = li.get_text().lstrip()
    if parent is None or parent.name not in ("ol", "ul") or not own or parse_marker(normalize_chars(own[:MARKER_REACH])) is not None:
        return ""
    if parent.name == "ul":
        return "• "
    try:
        start = int(parent.get("start") or 1)
    except ValueError:
        start = 1
    position = next((k for k, c in enumerate(parent.find_all("li", recursive=False)) if c is li), None)
    return "" if position is None else f"{start + position}."   # `is`: bs4 tags compare equal by content


def _key_cells(cell) -> str | None:
    """"key" / "value" for the two cells of a key/value row (<tr><th>整改措施</th><td>…</td></tr>: a form
    laid out as a table, one field per row), rendered as the field it is (整改措施：…); else None."""
    row = cell.parent
    cells = row.find_all(["th", "td"], recursive=False) if row is not None and row.name == "tr" else []
    if len(cells) != 2 or cells[0].name != "th" or cells[1].name != "td":
        return None
    name = cells[0].get_text(strip=True)
    if not 1 <= len(name) <= _MAX_KEY or name[-1] in ":：" or not cells[1].get_text(strip=True):
        return None
    return "key" if cell is cells[0] else "value"


_MAX_KEY = 8   # characters of a field's name


def _status_badge(el) -> bool:
    """An inline element closing its block that holds nothing but a status (<em class="badge">已完成</em> after
    the statement): the page sets it apart by colour, the text by brackets, as a status tag is written."""
    from reports.status import status_sentence

    own = el.get_text().strip()
    if el.name not in _INLINE or not 2 <= len(own) <= _MAX_KEY or status_sentence(own) != own:
        return False
    after = el.next_sibling
    while after is not None and isinstance(after, str) and not after.strip():
        after = after.next_sibling
    before = el.previous_sibling
    return after is None and before is not None and bool(str(before).strip())
_INLINE = frozenset(["span", "b", "strong", "em", "i", "label", "font"])


def _after_marker(el) -> str:
    """A space after an inline element that holds nothing but an item's number (<span class="no">问题1</span>
    then the statement): the page sets it apart by style, the text by a space, so the number reads as one."""
    if el.name not in _INLINE:
        return ""
    own = el.get_text().strip()
    m = parse_marker(normalize_chars(own) + " ") if 0 < len(own) <= _MAX_KEY else None   # 问题1 / 01 (padded)
    return " " if m is not None and m.body >= len(own) else ""
_MAX_DATA_CELL = 1000   # characters: a longer cell is a page laid out in a table, its article inside


def _data_cell(td) -> bool:
    """A cell of a data table (a problem list's 整改措施 cell), not a layout table's cell holding the
    whole article: short, and no table inside it."""
    return td.find("table") is None and len(td.get_text()) <= _MAX_DATA_CELL


_START_TAG = re.compile(r"<[A-Za-z]")


def _check_element_count(text: str, name: str) -> None:
    """Refuse a page with more start tags than the limit, before building a tree of it."""
    elements = len(_START_TAG.findall(text))
    if elements > MAX_HTML_ELEMENTS:
        raise ReadError(name, "html_too_many_elements", count=elements, limit=MAX_HTML_ELEMENTS)


def _check_depth(soup, name: str) -> None:
    """Refuse a tree nested deeper than the limit (one iterative pass, before any tree walk)."""
    from bs4 import Tag

    stack = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_HTML_DEPTH:
            raise ReadError(name, "html_too_deep", limit=MAX_HTML_DEPTH)
        stack.extend((c, depth + 1) for c in node.contents if isinstance(c, Tag))


def _one_line(el) -> str:
    return "".join(_render_lines(el))


def _page_title(soup) -> tuple[str | None, object | None]:
    """The article title and its element, if any. Government CMSs put it in <meta ArticleTitle>,
    an <h1>/<h2> or a .title block; <title> repeats it with the site name appended."""
    meta = soup.find("meta", attrs={"name": re.compile(r"^articletitle$", re.IGNORECASE)})
    meta_title = " ".join((meta.get("content") or "").split()) if meta else ""
    head_title = " ".join(soup.title.get_text().split()) if soup.title else ""
    parts = re.split(r"\s*[_|–—]\s*|\s+-\s+", head_title)
    core = meta_title or max(parts, key=_hanzi, default="")
    candidates = soup.find_all(["h1", "h2", "h3"]) + [
        el for el in soup.find_all(True) if "title" in _tokens(el) and el.name not in ("title", "meta")]
    for el in candidates:
        text = _one_line(el)
        if core and _hanzi(text) >= _TITLE_MIN_HANZI and (text == core or core in text or
                                           (text in core and _hanzi(text) >= 0.6 * _hanzi(core))):
            return text, el
    if core and _hanzi(core) >= _TITLE_MIN_HANZI:
        return core, None
    h1 = next((el for el in soup.find_all("h1") if _hanzi(_one_line(el)) >= _TITLE_MIN_HANZI), None)
    return (_one_line(h1), h1) if h1 is not None else (None, None)


def _publish_line(soup, title_el) -> str | None:
    """The byline under the title ('来源:… 发布时间:…'); kept because it carries the publish date."""
    start = title_el if title_el is not None else soup
    strings = start.find_all_next(string=re.compile(r"(来源|发布时间|发布日期)\s*[::]"), limit=20) \
        if title_el is not None else soup.find_all(string=re.compile(r"(来源|发布时间|发布日期)\s*[::]"), limit=20)
    for s in strings:
        block = s.parent
        while block is not None and block.name not in _BLOCK_TAGS and block.name not in ("td", "th"):
            block = block.parent
        for line in _render_lines(block or s.parent):
            if is_publish_info(line):
                return line
    return None


def _strip_chrome(soup, page_score: int) -> None:
    """Drop navigation, headers, footers, forms and share/print/breadcrumb widgets. An element that
    holds much of the page's prose is unwrapped instead (ASP.NET wraps whole pages in <form>)."""
    for el in soup.find_all(_HTML_DROP_ALWAYS):
        if not _gone(el):
            el.decompose()
    for el in soup.find_all(True):
        if _gone(el) or el.name in ("html", "body"):
            continue
        if el.name in _HTML_CHROME_TAGS or _tokens(el) & _CHROME_TOKENS:
            if page_score and _prose_score(el) > 0.4 * page_score:
                el.unwrap()
            else:
                el.decompose()


def _main_block(body, weights: dict[int, _Weight]):
    """Readability-style choice: walk down while one child holds most of the prose."""
    node = body
    while True:
        total = weights[id(node)].prose
        kids = node.find_all(True, recursive=False)
        if not kids or total <= 0:
            return node
        best = max(kids, key=lambda el: weights[id(el)].prose)
        if weights[id(best)].prose < _MAIN_SHARE * total:
            return node
        node = best


def _drop_link_lists(main, weights: dict[int, _Weight]) -> None:
    """Inside the article, blocks that are mostly links are 'related articles' lists and the like.
    Ancestors come before descendants, so a dropped block's weights never count twice."""
    for el in main.find_all(["div", "ul", "ol", "table", "p", "li", "dl", "section"]):
        if _gone(el):
            continue
        w = weights[id(el)]
        if w.chars and w.link_chars >= 0.5 * w.chars:
            el.decompose()


@dataclass
class _Weight:
    """Text inside one element: hanzi and non-space characters, all and inside links."""

    hanzi: int = 0
    link_hanzi: int = 0
    chars: int = 0
    link_chars: int = 0

    @property
    def prose(self) -> int:
        return self.hanzi - self.link_hanzi

    def add(self, other: _Weight) -> None:
        self.hanzi += other.hanzi
        self.link_hanzi += other.link_hanzi
        self.chars += other.chars
        self.link_chars += other.link_chars


def _weights(root) -> dict[int, _Weight]:
    """Every element's `_Weight`, in one post-order pass (what get_text() per element would give,
    without its cost of subtree x depth). Keyed by id(); valid until the tree changes."""
    from bs4 import CData, NavigableString

    out: dict[int, _Weight] = {}
    stack = [(root, root.name == "a", iter(root.children), _Weight())]
    while stack:
        node, in_link, children, acc = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            out[id(node)] = acc
            if stack:
                stack[-1][3].add(acc)
            continue
        if type(child) in (NavigableString, CData):
            text = str(child)
            hanzi, chars = _hanzi(text), len("".join(text.split()))
            acc.add(_Weight(hanzi, hanzi if in_link else 0, chars, chars if in_link else 0))
        elif getattr(child, "name", None) is not None and not isinstance(child, NavigableString):
            stack.append((child, in_link or child.name == "a", iter(child.children), _Weight()))
    return out


def _gone(el) -> bool:
    """Whether `el` was decomposed. Not `el.decomposed`: on a live Tag that property's getattr
    falls through to Tag.__getattr__, i.e. a search of the whole subtree (quadratic on nests)."""
    return bool(el.__dict__.get("_decomposed"))


def _read_html(data: bytes, name: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup

    text, encoding = decode_text(data, name, declared=_declared_charset(data))
    _check_element_count(text, name)
    soup = BeautifulSoup(text, "lxml")
    _check_depth(soup, name)
    title, title_el = _page_title(soup)
    for el in soup.find_all(["script", "style", "noscript", "template"]):
        el.decompose()
    byline = _publish_line(soup, title_el)
    body = soup.body or soup
    _strip_chrome(soup, _prose_score(body))
    weights = _weights(body)
    main = _main_block(body, weights)
    _drop_link_lists(main, weights)
    lines = [ln for ln in _render_lines(main) if not is_noise_line(ln)]
    return "\n".join(_assemble(title, byline, lines)), encoding


def _assemble(title: str | None, byline: str | None, body: list[str]) -> Iterable[str]:
    """Title first, then the byline, then the article; the title is not repeated if the article
    already opens with it."""
    head = [x for x in (title, byline) if x]
    if title and title in body[:3]:
        body = [ln for i, ln in enumerate(body) if not (i < 3 and ln == title)]
    return head + body

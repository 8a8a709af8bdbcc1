"""Web-page chrome in saved report text (breadcrumbs, share widgets, bylines), matched by anchored rules.
Why the rules cannot hit report bodies: docs/decisions.md (Reading)."""
from __future__ import annotations

import re

from reports.grammar import CJK
from reports.grammar.normalize import normalize_chars
from reports.grammar.numerals import CN_ORDINAL_CLASS

__all__ = ["is_noise_line", "is_publish_info"]

# "当前位置:…", "您现在的位置:…" (breadcrumb lead-ins).
_POSITION = re.compile(r"^(当前位置|当前的位置|您的位置|你的位置|您现在的位置|你现在的位置|您当前的位置|所在位置|现在位置)\s*[::]?")
# "首页>信息公开>巡视巡察", "网站首页 » 新闻", "首页/工作动态".
_CRUMB = re.compile(r"^(网站首页|首页|主页|home)\s*[>»›/→]", re.IGNORECASE)
# Byline / publication metadata: a line that *starts* with one of these labels and a colon.
_BYLINE = re.compile(
    r"^(来源|信息来源|文章来源|稿件来源|稿源|发布时间|发布日期|发稿时间|更新时间|发布机构|发布者|作者|"
    r"编辑|责任编辑|编审|审核|审校|校对|浏览量|浏览次数|浏览|点击数|点击量|点击|阅读量|阅读数|阅读次数|访问量)\s*[::]"
)
# Labels that may lead a byline without being its first word ("2020-12-07 15:22 来源:…").
_BYLINE_ANYWHERE = re.compile(r"(来源|发布时间|作者|编辑|浏览量|浏览次数|点击数|阅读量|访问量)\s*[::]")
_DATETIME = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
# A post's timestamp, date then clock time, on a short line of its own: a WeChat copy's byline
# ('原创 清风桐庐 2025年06月18日 17:45 浙江'), an aggregator's ('2025-05-14 17:30 来源…'). Report prose
# never times itself to the minute.
_STAMP = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[-/.]\d{1,2}[-/.]\d{1,2})\s+\d{1,2}:\d{2}(?!\d)")
_MAX_STAMP_LEN = 60
_CLAUSE_MARK = re.compile(r"[,，。;；]")   # a byline is spaced, a sentence ('8月13日 15:00,召开反馈会') punctuated
_FONT_SIZE = re.compile(r"(字体|字号)\s*[::]?\s*[\[【]?\s*(大\s*中\s*小|[\]】])|[\[【](字体|字号)\s*[::]")
# "♦ 阅读上一篇", "上一篇:xxx", "下一篇".
_PREV_NEXT = re.compile(rf"^[^\w{CJK}]*(阅读)?(上一篇|下一篇|上一条|下一条)")
_LINK = re.compile(r"^(本文链接|本文地址|原文链接|文章链接|页面链接|相关链接)\s*[::]")
_QR = re.compile(r"^(扫一扫|用手机扫|手机扫描|微信扫一扫)")
_SHARE = re.compile(r"^(分享到|分享至)|^分享\s*[::]")
_FOOTER = re.compile(r"(^版权所有|版权所有\s*[::©]|ICP备|ICP证|公网安备|网站标识码|网站识别码|Copyright|©)", re.IGNORECASE)
# A bracketed column tag alone: "【巡察整改】", "[巡视巡察]"; a numbered item's marker (【问题1】) is
# the report's structure, not the site's.
# A page number a printed page left in the text: "- 2 -", "— 3 —", "第2页", "第 2 页 共 5 页".
_PAGE_NUMBER = re.compile(r"^(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[/,，]?\s*共\s*\d{1,3}\s*页)?)$")
# A bracketed topic heading (【落实全面从严治党责任方面】: a section of findings) is structure too.
_TAG_ALONE = re.compile(rf"^[【\[](?![^】\]]*(?:\d|问题{CN_ORDINAL_CLASS}))(?![^】\]]*方面[】\]]$)[^】\]]{{1,16}}[】\]]$")

# Widget words: a line made only of these (in any brackets, any separators) is a toolbar.
_WIDGETS = frozenset([
    "打印", "打印本页", "打印此页", "打印文章", "打印正文", "关闭", "关闭窗口", "关闭本页", "关闭此页", "返回", "返回顶部", "返回首页",
    "返回列表", "顶部", "收藏", "收藏本页", "加入收藏", "分享", "分享到", "纠错", "我要纠错", "字体", "大", "中", "小", "默认", "放大",
    "缩小", "字号", "微信", "微博", "新浪微博", "腾讯微博", "QQ空间", "QQ好友", "朋友圈", "人人网", "豆瓣", "更多", "保存", "保存本页",
    "复制链接", "无障碍", "繁体", "简体", "繁", "简", "扫一扫", "二维码", "TOP", "视力保护色",
])
_WIDGET_SPLIT = re.compile(r"[\s【】\[\]()|/,;:·•♦◆■>»]+")

_MAX_CHROME_LEN = 160  # chrome lines are short; a long line is report prose even if it matches.


def _clean(line: str) -> str:
    return normalize_chars(line).strip()


def _is_widget_bar(line: str) -> bool:
    words = [w for w in _WIDGET_SPLIT.split(line) if w]
    return bool(words) and all(w in _WIDGETS or w.upper() in _WIDGETS for w in words)


def is_publish_info(line: str) -> bool:
    """True for a byline such as '发布时间: 2023-02-27 来源:… 作者:' or '来源:… 编辑:… 2020-12-07'.

    The HTML reader keeps the first such line under the title (it carries the publish date, as in
    the .txt corpus); `is_noise_line` still flags it so the parser does not read it as prose.
    """
    s = _clean(line)
    if not s or len(s) > _MAX_CHROME_LEN:
        return False
    if _BYLINE.match(s) or (len(s) <= _MAX_STAMP_LEN and _STAMP.search(s) and not _CLAUSE_MARK.search(s)):
        return True
    return bool(_DATETIME.match(s) and _BYLINE_ANYWHERE.search(s))


def is_noise_line(line: str) -> bool:
    """True if `line` is web-page chrome rather than report text. Blank lines are not noise."""
    s = _clean(line)
    if not s or len(s) > _MAX_CHROME_LEN:
        return False
    checks = (_POSITION.match, _CRUMB.match, _PREV_NEXT.match, _LINK.match, _QR.match,
              _SHARE.match, _FONT_SIZE.search, _FOOTER.search, _TAG_ALONE.match, _PAGE_NUMBER.match)
    return is_publish_info(s) or any(check(s) for check in checks) or _is_widget_bar(s)

"""A report's title: its line(s) before the opening, cleaned, and the body it names before 关于 (the
unit, when the title has one). Split from header.py, which calls it."""
from __future__ import annotations

import re

from reports.grammar import PARTY_ORGAN
from reports.grammar.gazetteer import ORG_SUFFIXES

from .inspection import KIND
from .lines import Line

__all__ = ["ORG_SUFFIX", "PAREN_ASIDE", "TITLE_RE", "clean_title", "title_head", "title_lines"]

TITLE_RE = re.compile(rf"关于.*{KIND}.*(?:整改|通报|情况)|{KIND}.*整改.*(?:通报|情况|报告|公告)")
# A line or name that ends like an organisation: the gazetteer's endings (one list: gazetteer.ORG_SUFFIXES),
# the party organs, and endings only a whole name may have (医院, 所, 站, 社, 团: in running text they end
# ordinary words too); 部 only as 宣传部, 组织部, 统战部 (not 干部, 全部).
_NAME_ONLY_SUFFIXES = ("医院", "工会", "联", "所", "站", "社", "团")
ORG_SUFFIX = re.compile("(?:" + "|".join(sorted({*PARTY_ORGAN, *_NAME_ONLY_SUFFIXES, *ORG_SUFFIXES} - {"部"},
                                                key=lambda s: (-len(s), s))) + "|(?<=[传织战])部)$")
PAREN_ASIDE = re.compile(r"[(（][^()（）]*[)）]")


def title_lines(content: list[Line], opening: Line | None) -> list[Line]:
    """The title line, joined with the org line(s) above it when the title has no subject of its own
    (关于…通报 / 巡察整改进展情况公示); a joint report names its bodies on up to three lines."""
    limit = opening.start if opening is not None else (content[min(len(content), 40) - 1].end if content else 0)
    before = [ln for ln in content if ln.end <= limit]
    for i, ln in enumerate(before):
        if len(ln.text) > 120 or ln.text.endswith(("。", ";")) or not TITLE_RE.search(ln.text):
            continue
        if ln.text.startswith(("关于", "巡察", "巡视")) and i > 0 and _org_line(before[i - 1]):
            first = i - 1
            while first > 0 and i - first < 3 and _org_line(before[first - 1]):
                first -= 1   # a joint report names its bodies on a line each
            return [*before[first:i], ln]
        return [ln]
    return []


def _org_line(ln: Line) -> bool:
    return bool(ORG_SUFFIX.search(ln.text)) and len(ln.text) <= 40 and "。" not in ln.text


def clean_title(title: str) -> str:
    title = re.sub(r"^(?:文件名称|标题|文章标题|名称)\s*[:：]\s*", "", title.strip())
    title = re.sub(r"^[^|｜\s]{1,12}\s*[|｜]\s*(?=\S)", "", title.strip())   # 巡察整改|…: a page's column before a bar
    return re.sub(r"^【[^】]{1,12}】", "", title).strip()


# A party organisation by its name: 中共… / …党组, 党委, 党工委, 党总支, 党支部, (支部)委员会.
PARTY_BODY = re.compile(rf"^中共|(?:{'|'.join(PARTY_ORGAN)}|委员会)$")


def title_head(title: str | None) -> str | None:
    """The body before 关于 in the title. A joint report's title names several bodies (中共X学院委员会
    X学院 / a line each): the unit is the party organisation(s) answering to the inspection, several
    joined with 、 as a joint signature is (test_forms); an administration co-signing is no unit."""
    if not title:
        return None
    head = clean_title(title).split("关于", 1)[0].strip()
    bodies = [b for b in re.split(r"\s+|、", head) if b]
    party = [b for b in bodies if PARTY_BODY.search(PAREN_ASIDE.sub("", b))]
    if len(bodies) > 1 and party:
        head = "、".join(party)
    bare = PAREN_ASIDE.sub("", head)
    return head if 2 <= len(bare) <= 60 and len(head) <= 120 and ORG_SUFFIX.search(bare) else None

"""Place mentions (cpca place list)."""
from __future__ import annotations

from reports.grammar import gazetteer as gz
from reports.grammar import is_cjk
from reports.model import Mention

from .orgs import _inside
from .segment import _Segmentation
from .unit import UnitContext


def _place_mentions(text: str, ctx: UnitContext, seg: _Segmentation,
                    blocked: list[tuple[int, int]]) -> list[Mention]:
    """cpca names standing as places: full names at a word start, short names as whole words."""
    table, shorts = gz.region_by_name(), gz.short_place_names()
    mentions, pos = [], 0
    while pos < len(text):
        found = None
        for n in range(8, 1, -1):
            word = text[pos:pos + n]
            token = seg.by_start.get(pos)
            whole_word = token is not None and token.word == word and token.flag == "ns"
            if word in table and word not in gz.AMBIGUOUS_PLACE_NAMES and (whole_word or (n > 2 and (seg.is_boundary(pos) or not is_cjk(
                    text[pos - 1:pos] or " ")))):
                found = (word, word)
                break
            if word in shorts and token is not None and token.word == word:
                found = (word, shorts[word])
                break
        if found and not _inside((pos, pos + len(found[0])), blocked):
            mentions.append(_place(found[0], found[1], pos, ctx))
            pos += len(found[0])
        else:
            pos += 1
    return mentions


def _place(name: str, full: str, pos: int, ctx: UnitContext) -> Mention:
    options = gz.region_by_name()[full]
    region = next((r for r in options if ctx.province in (r.name, r.province)), options[0])
    attrs = {"adcode": region.adcode, "rank": ("province", "city", "county")[region.rank],
             "province": region.province, "city": region.city}
    return Mention("place", name, full, (pos, pos + len(name)), attrs=attrs)

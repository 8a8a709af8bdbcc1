"""Sub-problems written as 一是 / 二是 paragraphs under a problem that introduces them.

A problem line that ends by announcing its parts (…能力存在短板，主要表现在：) may be followed by paragraphs
that open with 一是, 二是 …, each a shortcoming with its own rectification label after it (整改情况：…). They
are that problem's sub-problems, as (1) (2) items would be; read without this, the first part joins the
problem's statement and the later ones its rectification. 一是 items inside a rectification (measures)
never qualify: the problem must end with a colon, the first part must come straight after it, and every
part must be followed by a labelled rectification of its own. docs/decisions.md ("Fourth pass")."""
from __future__ import annotations

import re

from reports.grammar.numerals import CN_ORDINAL_CLASS, to_int
from reports.model import Problem

from .lines import Line

__all__ = ["split_sub_paragraphs"]

PART = re.compile(rf"^(?P<n>{CN_ORDINAL_CLASS}{{1,3}})是")
MIN_PARTS = 2


def _parts(seq: list[Line], labelled: set[int]) -> list[int] | None:
    """Indexes of the 一是 / 二是 lines in `seq`, numbered in order, each followed by a labelled line."""
    heads = [i for i, ln in enumerate(seq) if ln.start not in labelled and (m := PART.match(ln.text))
             and to_int(m["n"]) is not None]
    if len(heads) < MIN_PARTS or heads[0] != 0:
        return None
    if [to_int(PART.match(seq[i].text)["n"]) for i in heads] != list(range(1, len(heads) + 1)):
        return None
    ends = [*heads[1:], len(seq)]
    if not all(any(seq[j].start in labelled for j in range(h + 1, e)) for h, e in zip(heads, ends, strict=True)):
        return None
    return heads


def split_sub_paragraphs(tops: list[Problem], stmt: dict[int, list[Line]], rect: dict[int, list[Line]],
                         labels: dict[int, dict[int, str]]) -> int:
    """Give each problem whose 一是 / 二是 paragraphs are sub-problems its children; the reader's state is
    changed in place. Returns how many problems were split."""
    split = 0
    for top in tops:
        own = stmt.get(id(top), [])
        if top.children or len(own) < 2 or not own[0].text.rstrip().endswith((":", "：")):
            continue
        seq, marks = own[1:] + rect.get(id(top), []), labels.get(id(top), {})
        heads = _parts(seq, set(marks))
        if heads is None:
            continue
        for k, (h, e) in enumerate(zip(heads, [*heads[1:], len(seq)], strict=True), 1):
            head = seq[h]
            cut = PART.match(head.text).end()
            child = Problem(f"{top.id}.{k}", head.text[:cut], "", (head.start + cut, head.end), top.category_ordinal,
                            parent_id=top.id)
            top.children.append(child)
            stmt[id(child)] = [Line(head.start + cut, head.end, head.text[cut:])]
            rect[id(child)] = seq[h + 1:e]
            labels[id(child)] = {ln.start: marks[ln.start] for ln in seq[h + 1:e] if ln.start in marks}
        stmt[id(top)] = own[:1]
        rect.pop(id(top), None)
        labels.pop(id(top), None)
        split += 1
    return split

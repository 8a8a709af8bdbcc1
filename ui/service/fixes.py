"""How others fixed it: the measures of similar problems in other units, grouped by unit and merged.
The two measured thresholds: docs/decisions.md, "Themes"."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "MERGE_METHOD",
    "MERGE_THRESHOLD",
    "RELATIVE_FLOOR",
    "MeasureKey",
    "char_ngrams",
    "detail_link",
    "group_by_unit",
    "jaccard",
    "merge_measures",
    "near_duplicate",
    "titles",
    "usable_hits",
]

# "How others fixed it" keeps hits scoring at least this share of the best one. 0.5 until issue 21; the
# adapted model's calibration is steeper at the top (三会一课制度落实不到位: 益阳's 0.98, 桑植's plain
# 三会一课 problem 0.38), and 0.5 hid the second unit, which is the point of the page.
RELATIVE_FLOOR = 0.25
MERGE_METHOD = "char-3gram-jaccard+titles"
MERGE_THRESHOLD = 0.15
NGRAM = 3
_NOT_WORDY = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_TITLE = re.compile(r"《([^《》]{1,80})》")


def char_ngrams(text: str, n: int = NGRAM) -> frozenset[str]:
    """Character n-grams of the letters, digits and CJK characters of ``text``. Punctuation and
    spaces are dropped, so "、" against "," does not count. A text shorter than ``n`` is its own
    only gram."""
    clean = _NOT_WORDY.sub("", text or "")
    if len(clean) < n:
        return frozenset([clean]) if clean else frozenset()
    return frozenset(clean[i:i + n] for i in range(len(clean) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def titles(text: str) -> frozenset[str]:
    """The 《》 titles a measure cites, letters, digits and CJK only (so 《…(试行)》 matches 《…试行》)."""
    return frozenset(t for t in (_NOT_WORDY.sub("", m) for m in _TITLE.findall(text or "")) if t)


@dataclass(frozen=True)
class MeasureKey:
    """What near-duplicate detection compares, computed once per measure."""

    grams: frozenset[str]
    titles: frozenset[str]

    @classmethod
    def of(cls, text: str) -> MeasureKey:
        return cls(char_ngrams(text), titles(text))


def near_duplicate(a: MeasureKey, b: MeasureKey, threshold: float = MERGE_THRESHOLD) -> bool:
    """Trigram Jaccard at least ``threshold``, and no conflict of cited titles."""
    if a.titles and b.titles and not a.titles & b.titles:
        return False
    return jaccard(a.grams, b.grams) >= threshold


def detail_link(report_id: str, problem_id: str) -> str:
    """The query string of the UI's detail page for a problem (``?report=…&problem=…``)."""
    return "?" + urlencode({"report": report_id, "problem": problem_id})


def usable_hits(hits: Sequence[dict], k: int, floor: float = RELATIVE_FLOOR) -> list[dict]:
    """The first ``k`` hits that have measures and score at least ``floor`` x the best score.
    A hit without measures cannot show how anything was fixed; parent headings are like that."""
    if not hits:
        return []
    best = max(float(h.get("score") or 0.0) for h in hits)
    out = []
    for h in hits:
        if float(h.get("score") or 0.0) < floor * best:
            break  # hits come best first
        if h.get("measures"):
            out.append(h)
        if len(out) >= k:
            break
    return out


def _source(hit: dict) -> dict:
    return {"report_id": hit["report_id"], "problem_id": str(hit["problem_id"]),
            "problem_text": hit.get("text") or "", "link": detail_link(hit["report_id"], str(hit["problem_id"]))}


def merge_measures(items: Iterable[tuple[str, dict]], threshold: float = MERGE_THRESHOLD) -> tuple[list[dict], int]:
    """Merge near-identical measures. ``items`` are (measure text, source) pairs in the order to
    show them, most relevant first.

    An entry keeps the first wording as its ``text``, the other wordings as ``variants`` and every
    problem it answers as ``sources``. Returns (entries, number of measures merged away)."""
    entries: list[dict] = []
    keys: list[list[MeasureKey]] = []
    merged = 0
    for text, source in items:
        text = (text or "").strip()
        if not text:
            continue
        key = MeasureKey.of(text)
        hit = next((n for n, ks in enumerate(keys) if any(near_duplicate(key, k, threshold) for k in ks)), None)
        if hit is None:
            entries.append({"text": text, "variants": [], "sources": [source]})
            keys.append([key])
            continue
        merged += 1
        entry = entries[hit]
        if text != entry["text"] and text not in entry["variants"]:
            entry["variants"].append(text)
            keys[hit].append(key)
        if not any(s["report_id"] == source["report_id"] and s["problem_id"] == source["problem_id"]
                   for s in entry["sources"]):
            entry["sources"].append(source)
    return entries, merged


def group_by_unit(hits: Sequence[dict], threshold: float = MERGE_THRESHOLD) -> tuple[list[dict], int]:
    """One group per unit, in the order of each unit's best hit. Each group lists its problems
    (with scores and detail links) and its merged measures. Measures are merged within a unit
    only: the same wording in two units is two units' experience. Returns (groups, merged)."""
    by_unit: dict[str, list[dict]] = {}
    for h in hits:
        by_unit.setdefault(h.get("unit") or h.get("unit_short") or h["report_id"], []).append(h)
    groups, merged_total = [], 0
    for unit, unit_hits in by_unit.items():
        items = [(m, _source(h)) for h in unit_hits for m in h.get("measures") or []]
        measures, merged = merge_measures(items, threshold)
        merged_total += merged
        groups.append(_group(unit, unit_hits, measures))
    return groups, merged_total


def _group(unit: str, hits: list[dict], measures: list[dict]) -> dict[str, Any]:
    first = hits[0]
    return {
        "unit": unit,
        "unit_short": first.get("unit_short"),
        "report_ids": sorted({h["report_id"] for h in hits}),
        "best_rank": first.get("rank"),
        "best_score": first.get("score"),
        "problems": [{"report_id": h["report_id"], "problem_id": str(h["problem_id"]), "text": h.get("text") or "",
                      "category": h.get("category"), "score": h.get("score"), "rank": h.get("rank"),
                      "link": detail_link(h["report_id"], str(h["problem_id"]))} for h in hits],
        "measures": measures,
    }

"""The most concrete measures peer units took for a problem type (the briefing's 「可参考的整改措施」):
each measure scored by reports.analysis.concreteness as if it were the whole rectification. Why: docs/decisions.md
(Briefing)."""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace

from reports.analysis.concreteness import assess
from reports.model import Mention, Report

from .fixes import MeasureKey, detail_link, near_duplicate

__all__ = ["MeasureScorer", "evidence_score"]


def evidence_score(row: dict, type_id: str) -> tuple:
    """How plainly a problem is of `type_id`: named by its statement's own keywords first, then
    as its first type, then by the keyword weight."""
    ev = next((e for e in row.get("type_evidence", ()) if e["type_id"] == type_id), {})
    return (bool(ev.get("keywords")), row["type_ids"][:1] == [type_id], float(ev.get("score") or 0.0))


class MeasureScorer:
    """The concreteness (reports.analysis.concreteness.assess) of single measures: each measure is scored as
    if it were the whole rectification, with the report's entity mentions inside its span, so a
    measure that names a document it issued, a date or a count ranks above a general one."""

    def __init__(self, ws, max_measures: int, max_scored: int) -> None:
        self.ws = ws
        self.max_measures = max_measures   # measures kept per type
        self.max_scored = max_scored       # problems per peer unit and type whose measures are scored
        self.reports: dict[str, tuple[Report, list[Mention]]] = {}
        self.scores: dict[tuple[str, str], list[tuple[float, str, tuple[int, int]]]] = {}
        self.shortlist: set[int] = set()

    def _report(self, rid: str) -> tuple[Report, list[Mention]]:
        if rid not in self.reports:
            mentions = sorted(self.ws.stored_mentions(rid), key=lambda m: m.span[0])
            self.reports[rid] = (self.ws.store.load(rid), mentions)
        return self.reports[rid]

    @staticmethod
    def _within(mentions: list[Mention], span: tuple[int, int] | None) -> list[Mention]:
        """The mentions starting inside `span` (mentions sorted by start): what assess() looks at,
        found once per problem instead of once per measure over the whole report."""
        if span is None:
            return []
        starts = [m.span[0] for m in mentions]
        return mentions[bisect_left(starts, span[0]):bisect_left(starts, span[1])]

    def _scored(self, rid: str, pid: str) -> list[tuple[float, str, tuple[int, int]]]:
        key = (rid, pid)
        if key not in self.scores:
            report, mentions = self._report(rid)
            problem = report.find_problem(pid) if report else None
            out = []
            if problem is not None:
                mentions = self._within(mentions, problem.rectification_span)
                items = [(m.text, m.span) for m in problem.measures]
                if not items and problem.rectification.strip() and problem.rectification_span:
                    items = [(problem.rectification, problem.rectification_span)]
                for text, span in items:
                    alone = replace(problem, rectification=text, rectification_span=tuple(span), measures=[])
                    out.append((assess(alone, report.text, mentions).score, text, tuple(span)))
            self.scores[key] = out
        return self.scores[key]

    def best(self, found: list[dict], unit_of: dict[str, str], type_id: str) -> list[dict]:
        """Up to ``max_measures`` of the most concrete measures (score > 0: something checkable), the
        best of each unit before a second one of any unit, near-duplicates merged. Only the
        ``max_scored`` problems of each unit that show the type most plainly are scored (a unit with
        many rounds would otherwise cost a score for every measure it ever reported)."""
        per_unit: dict[str, list[dict]] = {}
        for r in sorted(found, key=lambda r: evidence_score(r, type_id), reverse=True):
            per_unit.setdefault(unit_of[r["report_id"]], []).append(r)
        self.shortlist = {id(r) for rows in per_unit.values() for r in rows[:self.max_scored]}
        cands = []
        for r in found:
            if id(r) not in self.shortlist:
                continue
            for score, text, span in self._scored(r["report_id"], str(r["id"])):
                if score > 0:
                    cands.append((score, unit_of[r["report_id"]], r["report_id"], str(r["id"]), text, span))
        cands.sort(key=lambda c: (-c[0], c[1], c[2], c[3]))
        picked: list[tuple] = []
        keys: list[MeasureKey] = []
        for second_round in (False, True):
            for c in cands:
                if len(picked) >= self.max_measures:
                    break
                if c in picked or (not second_round and any(p[1] == c[1] for p in picked)):
                    continue
                key = MeasureKey.of(c[4])
                if any(near_duplicate(key, k) for k in keys):
                    continue
                picked.append(c)
                keys.append(key)
        return [{"text": " ".join(c[4].split()), "concreteness": round(c[0], 3), "unit_short": c[1],
                 "report_id": c[2], "problem_id": c[3], "span": list(c[5]),
                 "link": "detail" + detail_link(c[2], c[3])} for c in picked]

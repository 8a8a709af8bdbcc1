"""巡前研判 / 自查清单: what inspections found in units like this one, and how they fixed it.

One service for both faces (`xuncha briefing`, the 自查清单 page) and both exports (ui/service/
briefing_export.py): the target unit (one of the workspace, or any unit named by its full name), its
peer units by sector (reports/analysis/sectors.py), level and inspection kind, and the problem types
(reports/analysis/problem_types.json) most often found in those peers, ranked by how many peer units had
them, each with representative problems, the most concrete measures (reports/analysis/concreteness.py) and
whether the target had the type itself. See docs/decisions.md, "Briefing".
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reports.analysis.concreteness import rectification_statuses
from reports.analysis.problemtypes import taxonomy
from reports.analysis.sectors import RELATIONS, Sector, relation, resolve_sector, sector_of, shared_system
from reports.grammar import strip_party
from reports.grammar.unitnames import unit_name
from reports.parse.header import unit_level
from reports.shared.notices import XunchaError

from .briefing_measures import MeasureScorer, evidence_score
from .fix_finder import UnknownUnitError, resolve_unit
from .fixes import detail_link

__all__ = ["KINDS", "LEVELS", "MAX_EXAMPLES", "MAX_MEASURES", "THIN_PEERS", "Briefing", "Peer", "UnitProfile", "build_briefing", "find_target", "resolve_criteria", "select_peers", "unit_profiles"]

LEVELS = ("省", "市", "县")
KINDS = ("巡视", "巡察")
MAX_EXAMPLES = 3      # representative problems per type (the brief: 2-3)
MAX_MEASURES = 3      # most concrete measures per type
THIN_PEERS = 3        # fewer peer units than this is thin evidence, and widens the peer tiers
MAX_SCORED = 20       # problems per peer unit and type whose measures are scored (the plainest of the type)
# Status codes from least to most advanced: a type the target had several times shows its least
# advanced problem (what a 自查 still has to look at).
STATUS_ORDER = ("in_progress", "long_term", "basically_completed", "immediate", "completed")
_RELATION_RANK = {r: n for n, r in enumerate(RELATIONS)}


@dataclass(frozen=True)
class UnitProfile:
    """One unit as the briefing sees it: the reports of the workspace that share its display name
    (two rounds of one unit are one unit), or a unit named by a user that is not stored."""

    unit: str
    unit_short: str
    level: str | None
    region: str | None
    kind: str | None
    sector: Sector | None
    report_ids: tuple[str, ...] = ()
    in_workspace: bool = True
    kind_inferred: bool = False


@dataclass(frozen=True)
class Peer:
    """A unit like the target, and why (`why` is the Chinese sentence both faces show)."""

    profile: UnitProfile
    relation: str         # sector | family | system | none (reports.analysis.sectors.RELATIONS)
    same_level: bool
    same_kind: bool
    shared_place: str | None
    why: str

    def to_json(self) -> dict:
        p = self.profile
        return {"unit": p.unit, "unit_short": p.unit_short, "why": self.why, "relation": self.relation,
                "sector": p.sector.name if p.sector else None, "level": p.level, "kind": p.kind,
                "report_ids": list(p.report_ids)}


@dataclass
class Briefing:
    """The whole briefing; `to_json()` is the CLI contract (docs/cli.md) plus evidence."""

    target: UnitProfile
    sector: Sector | None             # the sector peers were chosen by (the target's, or --sector)
    level: str | None                 # --level: peers only of this level
    peers: list[Peer]
    fallback: bool                    # no sector peer: peers by level and kind
    thin: bool
    notes: list[str]
    types: list[dict] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        t = self.target
        return {"unit": t.unit, "peers": [p.to_json() for p in self.peers], "thin": self.thin, "types": self.types,
                "unit_short": t.unit_short, "in_workspace": t.in_workspace, "level": t.level, "kind": t.kind,
                "kind_inferred": t.kind_inferred, "region": t.region,
                "sector": self.sector.to_json() if self.sector else None,
                "criteria": {"sector": self.sector.name if self.sector else None, "level": self.level},
                "fallback": self.fallback, "notes": self.notes, "report_ids": list(t.report_ids)}


# -- units ---------------------------------------------------------------------------------------

def unit_profiles(summaries: Iterable[dict]) -> list[UnitProfile]:
    """One profile per unit of the workspace (store summaries grouped by display name, which is
    distinct per unit and shared by a unit's reports); the latest report gives level and kind."""
    groups: dict[str, list[dict]] = {}
    for s in summaries:
        groups.setdefault(s.get("unit_short") or s.get("unit") or s["report_id"], []).append(s)
    out = []
    for short, rows in groups.items():
        rows = sorted(rows, key=lambda s: (s.get("start") or s.get("report_date") or "", s["report_id"]))
        last = rows[-1]
        unit = last.get("unit") or short
        out.append(UnitProfile(unit, short, last.get("level"), last.get("region"), last.get("kind"),
                               sector_of(unit, short), tuple(s["report_id"] for s in rows)))
    return out


def find_target(profiles: Sequence[UnitProfile], name: str, kind: str | None = None) -> UnitProfile:
    """The unit a user named: a unit of the workspace (full name, display name, a part of exactly
    one of them, or another spelling of one: 庆阳市文学艺术界联合会 is 庆阳市文联), else a unit
    outside it, read from the name by the same grammar (sector, level; kind from the level)."""
    needle = " ".join((name or "").split())
    if not needle:
        raise XunchaError("bad_argument", message="单位名称为空")
    units = {p.unit: {"short": p.unit_short} for p in profiles}
    by_unit = {p.unit: p for p in profiles}
    try:
        return by_unit[resolve_unit(needle, units)]
    except UnknownUnitError as exc:
        if exc.code != "unknown_unit":
            raise
    same = _same_unit(needle, profiles)
    if same is not None:
        return same
    level, region = unit_level(needle, strip_party(needle))
    sector = sector_of(needle)
    parsed = unit_name(needle)
    guessed = kind is None
    return UnitProfile(needle, parsed.label() if parsed else strip_party(needle), level, region,
                       kind or _expected_kind(level, sector), sector, (), in_workspace=False,
                       kind_inferred=guessed)


def _same_unit(name: str, profiles: Sequence[UnitProfile]) -> UnitProfile | None:
    """The stored unit another spelling names: same places and same abbreviated organisation."""
    parsed = unit_name(name)
    if parsed is None or not parsed.places:
        return None
    hits = []
    for p in profiles:
        other = unit_name(p.unit, None, p.region)
        if other is not None and other.org == parsed.org and other.places[:1] == parsed.places[:1]:
            hits.append(p)
    return hits[0] if len(hits) == 1 else None


def _expected_kind(level: str | None, sector: Sector | None) -> str | None:
    """Who inspects a unit (巡视工作条例): the central and provincial committees 巡视 provincial bodies
    and the party committees of prefecture cities; city and county committees 巡察 the rest."""
    if level == "省" or (level == "市" and sector is not None and sector.id == "local_party"):
        return "巡视"
    return "巡察" if level in ("市", "县") else None


# -- peers ---------------------------------------------------------------------------------------

def select_peers(target: UnitProfile, profiles: Sequence[UnitProfile], sector: Sector | None = None,
                 level: str | None = None) -> tuple[list[Peer], bool, list[str]]:
    """Peers of `target` among `profiles`: (peers best first, fallback?, notes in Chinese).

    Closest sector tier first: the same sector, then (while fewer than THIN_PEERS) the same family,
    then the same system; with no sector peer at all, units of the same level or inspection kind.
    `sector` replaces the target's own sector, `level` keeps only peers of that level."""
    sector = sector or target.sector
    notes: list[str] = []
    others = [p for p in profiles if p.unit_short != target.unit_short and set(p.report_ids).isdisjoint(target.report_ids)]
    if level:
        others = [p for p in others if p.level == level]
    cands = [_peer(target, p, sector) for p in others]
    cands.sort(key=_peer_order)
    chosen: list[Peer] = []
    for tier in ("sector", "family", "system"):
        if len(chosen) >= THIN_PEERS:
            break
        chosen += [c for c in cands if c.relation == tier]
    fallback = not chosen
    scope = f"{level}级" if level else ""
    if fallback:
        what = f"同行业({sector.name})" if sector else "可判断行业"
        reason = f"没有{what}的{scope}单位" if sector else f"无法从单位名称判断行业,工作区中没有{what}的{scope}单位"
        if level:  # every candidate is of the chosen level already: the kind narrows them, if it can
            chosen = [c for c in cands if c.same_kind] or cands
            by = f"同为被{target.kind}单位的{scope}" if chosen and chosen[0].same_kind else f"其他{scope}"
            notes.append(f"{reason},改以{by}单位作参照。" if chosen else f"{reason},也没有其他{scope}单位可作参照。")
        else:
            chosen = ([c for c in cands if c.same_level and c.same_kind]
                      or [c for c in cands if c.same_level or c.same_kind])
            by = "、".join(x for x in (f"{target.level}级" if target.level else "", target.kind or "") if x)
            notes.append(f"{reason},改以同层级或同类型({by or '层级、类型均不明'})的单位作参照。" if chosen
                         else f"{reason},也没有同层级或同类型的单位可作参照。")
    elif chosen[0].relation == "system":
        notes.append(f"没有同行业({sector.name})的{scope}单位,以同属{_system_of(chosen[0], sector)}的单位作参照。")
    else:
        close = [c for c in chosen if c.relation in ("sector", "family")]
        wider = [c for c in chosen if c.relation == "system"]
        if len(close) < THIN_PEERS:
            extra = f",另以同属{_system_of(wider[0], sector)}的单位补充参照" if wider else ""
            notes.append(f"同行业的{scope}单位仅 {len(close)} 个({'、'.join(c.profile.unit_short for c in close)})"
                         f"{extra}" + ("。" if len(chosen) < THIN_PEERS else ",证据有限,结论仅供参考。"))
    if chosen and len(chosen) < THIN_PEERS:
        notes.append(f"仅 {len(chosen)} 个同类单位,证据有限,结论仅供参考。")
    if not target.in_workspace:
        notes.append("本单位不在工作区中,无法对照本单位自身的问题。")
    return chosen, fallback, notes


def _system_of(peer: Peer, sector: Sector | None) -> str:
    if sector is None or peer.profile.sector is None:
        return "同一系统"
    return shared_system(sector, peer.profile.sector) or "同一系统"


def _peer(target: UnitProfile, other: UnitProfile, sector: Sector | None) -> Peer:
    rel = relation(sector, other.sector)
    same_level = bool(target.level and target.level == other.level)
    same_kind = bool(target.kind and target.kind == other.kind)
    place = _shared_place(target.region, other.region)
    parts = []
    if rel == "sector":
        parts.append(f"同为{sector.name}")
    elif rel == "family":
        parts.append(f"同属{sector.family_name}")
    elif rel == "system":
        parts.append(f"同属{shared_system(sector, other.sector)}(对方为{other.sector.name})")
    if same_level:
        parts.append(f"同为{target.level}级单位")
    if same_kind:
        parts.append(f"同为被{target.kind}单位")
    if place:
        parts.append(f"同在{place}")
    return Peer(other, rel, same_level, same_kind, place, ";".join(parts) or "工作区中的其他单位")


def _peer_order(p: Peer) -> tuple:
    return (_RELATION_RANK[p.relation], not p.same_level, not p.same_kind, not p.shared_place, p.profile.unit_short)


def _shared_place(a: str | None, b: str | None) -> str | None:
    """The most specific place two regions share (湖南省张家界市桑植县 and 湖南省张家界市 -> 张家界市)."""
    from reports.grammar.places import region_of
    if not a or not b:
        return None
    shared = [x for x, y in zip(region_of(a), region_of(b), strict=True) if x and x == y]
    return shared[-1] if shared else None


# -- the briefing --------------------------------------------------------------------------------

def resolve_criteria(sector: str | None, level: str | None, kind: str | None) -> tuple[Sector | None, str | None, str | None]:
    """--sector / --level / --kind as typed: a sector by name or alias, a level 省/市/县 (省级 too)."""
    s = resolve_sector(sector) if sector and sector.strip() else None
    lv = level.strip().removesuffix("级") if level and level.strip() else None
    if lv is not None and lv not in LEVELS:
        raise XunchaError("bad_level", level=level, levels=list(LEVELS))
    k = kind.strip() if kind and kind.strip() else None
    if k is not None and k not in KINDS:
        raise XunchaError("bad_kind", kind=kind, kinds=list(KINDS))
    return s, lv, k


def build_briefing(ws, unit: str, sector: str | None = None, level: str | None = None,
                   kind: str | None = None) -> Briefing:
    """The briefing for `unit` over workspace `ws` (ui.service.workspace.Workspace)."""
    chosen_sector, chosen_level, chosen_kind = resolve_criteria(sector, level, kind)
    profiles = unit_profiles(ws.store.summaries())
    target = find_target(profiles, unit, chosen_kind)
    if chosen_kind and target.in_workspace and chosen_kind != target.kind:
        target = replace(target, kind=chosen_kind)
    if not target.in_workspace and target.sector is None and target.level is None and not (chosen_sector or chosen_level):
        raise XunchaError("unit_unrecognised", unit=target.unit)
    peers, fallback, notes = select_peers(target, profiles, chosen_sector, chosen_level)
    thin = fallback or sum(p.relation in ("sector", "family") for p in peers) < THIN_PEERS
    briefing = Briefing(target, chosen_sector or target.sector, chosen_level, peers, fallback, thin, notes)
    briefing.types = _types(ws, target, peers)
    return briefing


def _leaves(rows: list[dict]) -> list[dict]:
    """Findings only: leaf problems (a heading with sub-problems is their parent, not one more),
    never a narrative report's rectification headings."""
    parents = {(r["report_id"], r["parent_id"]) for r in rows if r.get("parent_id")}
    return [r for r in rows if (r["report_id"], r["id"]) not in parents and r.get("item_kind", "problem") == "problem"]


def _types(ws, target: UnitProfile, peers: list[Peer]) -> list[dict]:
    rank = {p.profile.unit_short: n for n, p in enumerate(peers)}
    closeness = {p.profile.unit_short: len(RELATIONS) - _RELATION_RANK[p.relation] for p in peers}
    unit_of = {rid: p.profile.unit_short for p in peers for rid in p.profile.report_ids}
    wanted = list(unit_of) + list(target.report_ids)
    rows = _leaves(ws.store.problem_rows(wanted)) if wanted else []
    peer_rows: dict[str, list[dict]] = {}
    target_rows: dict[str, list[dict]] = {}
    for r in rows:
        for type_id in r["type_ids"]:
            if r["report_id"] in unit_of:
                peer_rows.setdefault(type_id, []).append(r)
            elif r["report_id"] in target.report_ids:
                target_rows.setdefault(type_id, []).append(r)
    tax = taxonomy()
    order = {t.id: n for n, t in enumerate(tax.types)}
    by_id = tax.by_id()
    measures = MeasureScorer(ws, MAX_MEASURES, MAX_SCORED)
    out = []
    for type_id, found in peer_rows.items():
        units = sorted({unit_of[r["report_id"]] for r in found}, key=lambda u: rank[u])
        t = by_id[type_id]
        out.append({
            "type": t.name, "peer_units": len(units),
            "examples": _examples(found, type_id, unit_of, rank),
            "measures": measures.best(found, unit_of, type_id),
            "target": _target(target, target_rows.get(type_id, [])),
            "type_id": t.id, "group": tax.groups[t.group], "definition": t.definition,
            "peer_names": units, "problems": len(found),
            "note": f"仅 1 个同类单位({units[0]})有此类问题" if len(units) == 1 else None,
            "_weight": sum(closeness[u] for u in units), "_order": order[type_id],
        })
    out.sort(key=lambda d: (-d["peer_units"], -d["_weight"], -d["problems"], d["_order"]))
    for d in out:
        del d["_weight"], d["_order"]
    return out


def _examples(found: list[dict], type_id: str, unit_of: dict[str, str], rank: dict[str, int]) -> list[dict]:
    """Up to MAX_EXAMPLES problems, one per peer unit in peer order before a second of any unit;
    within a unit the one that shows the type most plainly."""
    per_unit: dict[str, list[dict]] = {}
    for r in sorted(found, key=lambda r: evidence_score(r, type_id), reverse=True):
        per_unit.setdefault(unit_of[r["report_id"]], []).append(r)
    queues = [per_unit[u] for u in sorted(per_unit, key=lambda u: rank[u])]
    picked: list[dict] = []
    while len(picked) < MAX_EXAMPLES and any(queues):
        for q in queues:
            if q and len(picked) < MAX_EXAMPLES:
                picked.append(q.pop(0))
    out = []
    for r in picked:
        ev = next((e for e in r.get("type_evidence", ()) if e["type_id"] == type_id), {})
        out.append({"report_id": r["report_id"], "problem_id": str(r["id"]), "unit_short": unit_of[r["report_id"]],
                    "text": r["text"], "span": [r["start"], r["end"]], "category": r.get("category"),
                    "keywords": list(ev.get("keywords") or ev.get("context_keywords") or []),
                    "link": "detail" + detail_link(r["report_id"], str(r["id"]))})
    return out


def _target(target: UnitProfile, rows: list[dict]) -> dict:
    """Whether the target had the type, and the least advanced status among its problems of it
    (stated, else read from the rectification's own status phrases)."""
    problems = []
    for r in rows:
        code, source = r.get("status_code"), "stated"
        if not code:
            found = rectification_statuses(r.get("rectification") or "")
            code = next((c for c in STATUS_ORDER if c in found), None)
            source = "text" if code else None
        problems.append({"report_id": r["report_id"], "problem_id": str(r["id"]), "text": r["text"],
                         "status_code": code, "status_source": source,
                         "link": "detail" + detail_link(r["report_id"], str(r["id"]))})
    codes = [p["status_code"] for p in problems if p["status_code"]]
    status = next((c for c in STATUS_ORDER if c in codes), None)
    return {"had": bool(rows), "status_code": status, "problems": problems, "known": target.in_workspace}

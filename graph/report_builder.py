"""One report's part of the knowledge graph (its fragment): the unit, team, problems and their
categories and types, the people and bodies it mentions, every node and edge supported by the report.
graph/build.py merges fragments into the graph. Node and edge types: docs/decisions.md (Graph)."""
from __future__ import annotations

import logging

import networkx as nx

from reports.analysis.problemtypes import TypeMatch, classify_report, taxonomy
from reports.entities import CITED, NAMED, STAFF
from reports.grammar.places import find_places
from reports.model import Category, Problem, Report, iso

from .names import (
    MENTION_TYPES,
    is_generic_team,
    node_id,
    place_name,
    qualify_team,
    split_roles,
    unit_canonical,
)
from .provenance import support

__all__ = ["ReportBuilder", "promote_to_unit"]

log = logging.getLogger("xuncha.graph")

_SNIPPET = 40


class ReportBuilder:
    """Everything one report says, as nodes and edges supported by that report."""

    def __init__(self, G: nx.MultiDiGraph, report: Report, mentions: list[dict],
                 types: dict[str, list[TypeMatch]] | None = None):
        self.G, self.r, self.mentions = G, report, mentions
        self.types = types if types is not None else classify_report(report)   # the store's, at ingest
        self.rid = report.id
        self.report = node_id("Report", report.id)
        self.unit_name = unit_canonical(report.unit or report.unit_short or "") or None
        self.unit: str | None = None
        self.team: str | None = None
        self.person_keys: dict[str, str] = {}

    def build(self) -> None:
        self._report_node()
        self._unit()
        self._inspection()
        self._places()
        self.person_keys = self._person_keys()
        for category in self.r.categories:
            self._category(category)
        for mention in self.mentions:
            self._mention(mention)

    # nodes and edges, always with this report's support
    def node(self, type_: str, key: str, name: str, span=None, **facts) -> str:
        nid = node_id(type_, key)
        if nid not in self.G:
            self.G.add_node(nid, type=type_, name=name, reports=set(), spans={})
        support(self.G.nodes[nid], self.rid, span, **facts)
        return nid

    def edge(self, u: str, v: str, type_: str, span=None, **facts) -> None:
        if not self.G.has_edge(u, v, type_):
            self.G.add_edge(u, v, key=type_, type=type_, reports=set(), spans={})
        support(self.G.edges[u, v, type_], self.rid, span, **facts)

    def _report_node(self) -> None:
        r, i = self.r, self.r.inspection
        self.G.add_node(self.report, type="Report", name=r.title or r.unit or r.id, report_id=r.id,
                        title=r.title, unit=r.unit, unit_short=r.unit_short, level=r.level, region=r.region,
                        kind=i.kind, inspector=i.inspector, round=i.round, start=iso(i.start), end=iso(i.end),
                        feedback=iso(i.feedback), report_date=iso(r.report_date),
                        publish_date=iso(r.publish_date), source_path=r.source_path, truncated=r.truncated,
                        reports={r.id}, spans={r.id: [[0, len(r.text)]]})

    def _unit_span(self) -> tuple[int, int] | None:
        for name in (self.r.unit, self.r.unit_short):
            at = self.r.text.find(name) if name else -1
            if at >= 0:
                return at, at + len(name)
        return self.r.inspection.span

    def _unit(self) -> None:
        if not self.unit_name:
            return
        promote_to_unit(self.G, self.unit_name)
        aliases = [a for a in (self.unit_name, self.r.unit, self.r.unit_short) if a]
        self.unit = self.node("Unit", self.unit_name, self.unit_name, self._unit_span(), aliases=aliases,
                              full_name=self.r.unit, unit_short=self.r.unit_short, level=self.r.level,
                              region=self.r.region)
        self.edge(self.report, self.unit, "ABOUT", self._unit_span())

    def _inspection(self) -> None:
        i = self.r.inspection
        if not i.inspector:
            return
        self.team = qualify_team(i.inspector, self.r.region)
        span = self._find(i.inspector_text or i.inspector, i.span[0] if i.span else 0) or i.span
        aliases = [a for a in (i.inspector, i.inspector_text) if a]
        team = self.node("InspectionTeam", self.team, self.team, span, aliases=aliases, kind=i.kind)
        if self.unit:
            self.edge(self.unit, team, "INSPECTED_BY", i.span, kind=i.kind, round=i.round,
                      start=iso(i.start), end=iso(i.end), feedback=iso(i.feedback))

    def _places(self) -> None:
        """Unit -LOCATED_IN-> county -> city -> province, from the region the header derived."""
        if not self.unit or not self.r.region:
            return
        child, span = self.unit, self._unit_span()
        for _, _, place in reversed(find_places(self.r.region)):
            pid = self.node("Place", place.name, place.name, span, level=place.level, adcode=place.adcode)
            self.edge(child, pid, "LOCATED_IN", span)
            child = pid

    def _category(self, c: Category) -> None:
        cid = node_id("Category", f"{self.rid}/{c.ordinal}")
        self.G.add_node(cid, type="Category", name=c.title, report_id=self.rid, ordinal=c.ordinal,
                        label=c.label, title=c.title, problems=len(c.problems), reports={self.rid},
                        spans={self.rid: [list(c.span)]})
        for problem in c.problems:
            for p in problem.walk():
                self._problem(p, cid, c.title)

    def _problem(self, p: Problem, category: str, category_title: str) -> None:
        pid = node_id("Problem", f"{self.rid}/{p.id}")
        spans = [list(p.span)] + ([list(p.rectification_span)] if p.rectification_span else [])
        name = p.text if len(p.text) <= _SNIPPET else p.text[:_SNIPPET] + "…"
        self.G.add_node(pid, type="Problem", name=name, report_id=self.rid, problem_id=p.id, label=p.label,
                        text=p.text, kind=p.kind, status=p.status, category=category_title, unit=self.unit_name,
                        measures=len(p.measures), reports={self.rid}, spans={self.rid: spans})
        self.edge(self.report, pid, "HAS_PROBLEM", p.span)
        self.edge(pid, category, "IN_CATEGORY", p.span)
        if p.parent_id:
            self.edge(pid, node_id("Problem", f"{self.rid}/{p.parent_id}"), "CHILD_OF", p.span)
        for match in self.types.get(p.id, ()):
            self._problem_type(pid, match, p.span)

    def _problem_type(self, pid: str, match: TypeMatch, span) -> None:
        """Problem -OF_TYPE-> ProblemType, with the keywords that decided it on the edge."""
        t = taxonomy().by_id()[match.type_id]
        tid = self.node("ProblemType", t.id, t.name, group=taxonomy().groups[t.group], definition=t.definition)
        self.edge(pid, tid, "OF_TYPE", span, score=match.score,
                  keywords=list(match.keywords + match.context_keywords))

    # entity mentions
    def _mention(self, m: dict) -> None:
        type_ = MENTION_TYPES.get(m["type"])
        if type_ is None:
            log.debug("report %s: mention type %r has no node type; skipped", self.rid, m["type"])
            return
        source = node_id("Problem", f"{self.rid}/{m['problem_id']}") if m.get("problem_id") else self.report
        if source not in self.G:
            source = self.report
        handler = getattr(self, f"_mention_{type_.lower()}", self._mention_reference)
        handler(m, source, type_)

    def _mention_organization(self, m: dict, source: str, _type: str) -> None:
        org = self._org(m["canonical"], m["name"], m["span"])
        self.edge(source, org, "MENTIONS", m["span"])

    def _mention_person(self, m: dict, source: str, _type: str) -> None:
        """A person is keyed by the organisation the report places them in; with none stated, by
        the report, since nothing then says two namesakes in two reports are one person.

        Only staff (the text names their post there) get HOLDS_ROLE; a person quoted or studied
        (讲话, 批示, 重要论述) is CITED by the report or problem, never the unit's staff; a web page's
        credit (编辑:谢航) is no person of the report and gets no node (docs/decisions.md, issue 22)."""
        attrs = m.get("attrs") or {}
        if attrs.get("credit"):
            return
        relation = attrs.get("relation") or (STAFF if m.get("role") and _person_org(m) else NAMED)
        org_name = _person_org(m)
        key = self.person_keys.get(m["canonical"])
        roles = split_roles(m.get("role"))
        facts = {"cited_in": self.unit_name} if relation == CITED else {"seen_in": self.unit_name}
        person = self.node("Person", f"{key or self.rid}/{m['canonical']}", m["canonical"], m["span"],
                           aliases=[m["canonical"], m["name"]], org=key, roles=roles, relation=relation, **facts)
        self.edge(source, person, "CITES" if relation == CITED else "MENTIONS", m["span"])
        if relation == STAFF and org_name and roles:
            self.edge(person, self._org(org_name, org_name, None), "HOLDS_ROLE", m["span"], roles=roles)

    def _person_keys(self) -> dict[str, str]:
        """Within one report one name is one person (杨次洪, 党组成员 of 市文联 and 主席 of its
        校园文联): keyed by this unit when any mention places them here, else by the first org."""
        orgs: dict[str, list[str]] = {}
        for m in self.mentions:
            org = _person_org(m) if m["type"] == "person" and not (m.get("attrs") or {}).get("credit") else None
            if org:
                orgs.setdefault(m["canonical"], []).append(self._org_key(org, org))
        return {name: self.unit_name if self.unit_name in keys else keys[0] for name, keys in orgs.items()}

    def _mention_place(self, m: dict, source: str, _type: str) -> None:
        name = place_name(m["canonical"])
        place = self.node("Place", name, name, m["span"], aliases=[name, m["name"]])
        self.edge(source, place, "MENTIONS", m["span"])

    def _mention_inspectionteam(self, m: dict, source: str, _type: str) -> None:
        name = qualify_team(m["canonical"], self.r.region)
        if self.team and is_generic_team(name) and self.team.startswith(name[:-3]) \
                and self.team.endswith(name[-3:]):
            name = self.team  # "市委巡察组" in a report about 市委第三巡察组's inspection
        team = self.node("InspectionTeam", name, name, m["span"], aliases=[m["canonical"], m["name"]])
        self.edge(source, team, "MENTIONS", m["span"])

    def _mention_reference(self, m: dict, source: str, type_: str) -> None:
        """Regulation, Document, Work: cited by the problem whose text holds them, else the report."""
        attrs = m.get("attrs") or {}
        number = attrs.get("doc_number") or attrs.get("number")
        ref = self.node(type_, m["canonical"], m["canonical"], m["span"], aliases=[m["canonical"], m["name"]],
                        doc_number=number)
        self.edge(source, ref, "CITES", m["span"])
        if type_ == "Document":
            issuer = self._issuer(m["canonical"], attrs)
            if issuer:
                self.edge(issuer, ref, "ISSUED", m["span"], doc_number=number)

    def _issuer(self, title: str, attrs: dict) -> str | None:
        """Who issued a document: the extractor's `issuer`, else this unit when the title opens with
        one of its names (《市文联2020年意识形态工作方案》, 《中共益阳市…党组关于…方案》)."""
        if attrs.get("issuer"):
            return self._org(attrs["issuer"], attrs["issuer"], None)
        if "title_class" in attrs:  # the extractor classified the title and named no issuer
            return None
        if self.unit and any(title.startswith(p) for p in self._unit_prefixes()):
            return self.unit
        return None

    def _unit_prefixes(self) -> list[str]:
        names = [self.r.unit, self.unit_name, self.r.unit_short]
        short = self.r.unit_short or ""
        if short[:1] in ("省", "市", "县") and self.r.region:
            places = [p.name for _, _, p in find_places(self.r.region)]
            names += [p + short[1:] for p in places if p.endswith(short[0])]
        return [n for n in names if n and len(n) >= 3]

    def _org_key(self, canonical: str, name: str | None) -> str:
        """The canonical organisation name; any of this report's names for its unit is the unit."""
        if self.unit_name and (canonical in (self.r.unit, self.r.unit_short) or name == self.r.unit_short):
            return self.unit_name
        return unit_canonical(canonical)

    def _org(self, canonical: str, name: str | None, span) -> str:
        """An organisation node: the Unit node for this or any other inspected unit, else an
        Organization."""
        key = self._org_key(canonical, name)
        if self.unit and key == self.unit_name:
            support(self.G.nodes[self.unit], self.rid, span, aliases=[a for a in (name,) if a])
            return self.unit
        type_ = "Unit" if node_id("Unit", key) in self.G else "Organization"
        return self.node(type_, key, key, span, aliases=[a for a in (key, canonical, name) if a])

    def _find(self, needle: str, start: int = 0) -> tuple[int, int] | None:
        at = self.r.text.find(needle, start)
        return (at, at + len(needle)) if at >= 0 else None


def _person_org(m: dict) -> str | None:
    attrs = m.get("attrs") or {}
    return attrs.get("org") or attrs.get("organization")


def promote_to_unit(G: nx.MultiDiGraph, key: str) -> None:
    """An organisation other reports mention becomes a Unit once a report is about it."""
    old, new = node_id("Organization", key), node_id("Unit", key)
    if old in G and new not in G:
        nx.relabel_nodes(G, {old: new}, copy=False)
        G.nodes[new]["type"] = "Unit"

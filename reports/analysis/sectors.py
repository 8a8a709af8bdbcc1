"""The sector of an inspected unit (文联, 作协, 文旅, 卫健, 教育, 政协 …), read from its name's grammar.

Organisation names are head-final compounds: the place comes first (reports/grammar/places.py), then the field
the body works in, then its kind (局/委/会/中心). The name is first reduced to its organisation part
by the display-name grammar (reports/unitnames.org_part: no party wrapper, no place), then:

1. a place's own committee or government (区委, 中共佛山市南海区委, 内蒙古自治区党委; 洪梅镇党委,
   龙穴街道党工委; 江东新区党委) is a territorial sector by its shape;
2. an institution's head noun decides when the name ends with one (…第二人民医院 -> 医院,
   …职业学院 -> 学校, …传媒集团 -> 媒体): the longest head in the vocabulary wins;
3. otherwise the field word that comes first does (文化旅游广电体育局 -> 文化 -> 文旅; 教育和体育局 ->
   教育; 政府教育督导室 -> 教育), longest at its place.

Sectors sit in families (文联 and 作协: 文艺界联合会) and families in systems (宣传思想文化系统), so
two units are related as the same sector, the same family, the same system, or not at all. The
vocabulary is data (reports/analysis/sectors.json), written from the standard names of party, state and mass
organisations, never from the units of any corpus. See docs/decisions.md, "Briefing".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reports.grammar import strip_party
from reports.grammar.unitnames import org_part
from reports.shared.datafiles import DataFileError, read_data_json
from reports.shared.notices import XunchaError

__all__ = ["RELATIONS", "Sector", "SectorTable", "relation", "resolve_sector", "sector_of", "sector_table", "shared_system"]

SECTORS_PATH = Path(__file__).with_name("sectors.json")

# How close two sectors are, strongest first (the peer ranking in ui/service/briefing.py).
RELATIONS = ("sector", "family", "system", "none")

_LEVEL = "省市州盟县区旗"
# 区委, 党委, 委员会, 工委 (中共许昌市东城区工委): what is left of a place's own party committee.
_LOCAL_PARTY = re.compile(rf"^[{_LEVEL}]?(?:委|党委|工委|委员会|党工委)?$")
_TOWNSHIP = re.compile(r"(?:镇|乡|街道)(?:党委|党工委|工委|工作委员会|委员会|委|人民政府|政府|办事处)?$")
_ZONE = re.compile(r"(?:新区|开发区|高新区|园区|保税区|试验区|示范区|合作区)"
                   r"(?:党委|党工委|工委|工作委员会|委员会|管委会|管理委员会)?$")
# 政府教育督导室: 政府 only says whose office it is; 人民政府 alone is the government itself.
_GOV_PREFIX = re.compile(r"^政府(?!办)")
_GOV = re.compile(r"^政府$")
_PAREN = re.compile(r"[(（][^)）]*[)）]")


@dataclass(frozen=True)
class Sector:
    """One sector, with its family and the systems the family belongs to (names in Chinese)."""

    id: str
    name: str
    family: str
    family_name: str
    systems: tuple[str, ...]
    system_names: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "family": self.family_name,
                "systems": list(self.system_names)}


@dataclass(frozen=True)
class SectorTable:
    """The vocabulary: sectors by id, their field keywords and institution heads."""

    sectors: dict[str, Sector]
    keywords: tuple[tuple[str, str], ...]  # (keyword, sector id), longest first
    heads: tuple[tuple[str, str], ...]     # (head noun, sector id), longest first
    family_members: dict[str, tuple[str, ...]]  # family id -> sector names


@lru_cache(maxsize=1)
def sector_table(path: Path = SECTORS_PATH) -> SectorTable:
    """The sector vocabulary, validated (known families and systems, unique ids)."""
    data = read_data_json(path, "sectors")
    systems = {s["id"]: s["name"] for s in data["systems"]}
    families = {f["id"]: f for f in data["families"]}
    bad = [f["id"] for f in families.values() if not f["systems"] or set(f["systems"]) - set(systems)]
    bad += [s["id"] for s in data["sectors"] if s["family"] not in families]
    ids = [s["id"] for s in data["sectors"]]
    if bad or len(set(ids)) != len(ids):
        raise DataFileError(path, "sectors", f"duplicate sector ids or unknown families/systems: {bad}")
    sectors, keywords, heads = {}, [], []
    members: dict[str, list[str]] = {}
    for s in data["sectors"]:
        fam = families[s["family"]]
        sectors[s["id"]] = Sector(s["id"], s["name"], fam["id"], fam["name"], tuple(fam["systems"]),
                                  tuple(systems[x] for x in fam["systems"]), tuple(s.get("aliases", ())))
        keywords += [(k, s["id"]) for k in s.get("keywords", ())]
        heads += [(h, s["id"]) for h in s.get("heads", ())]
        members.setdefault(fam["id"], []).append(s["name"])
    by_length = lambda pair: -len(pair[0])  # noqa: E731 - the one sort key of both lists
    return SectorTable(sectors, tuple(sorted(keywords, key=by_length)), tuple(sorted(heads, key=by_length)),
                       {k: tuple(v) for k, v in members.items()})


def sector_of(unit: str | None, short: str | None = None) -> Sector | None:
    """The sector a unit's name says (None when the name says none the vocabulary knows); `short`,
    the report's own abbreviation (市文联), is read when the full name says nothing."""
    for name in (unit, short):
        if name:
            found = _classify(name)
            if found is not None:
                return sector_table().sectors[found]
    return None


def _classify(name: str) -> str | None:
    name = _PAREN.sub("", name).strip()
    org = org_part(name)
    whole = strip_party(name)
    if _TOWNSHIP.search(org):
        return "township"
    if _ZONE.search(org) or _ZONE.search(whole):
        return "zone"
    if _LOCAL_PARTY.match(org):
        return "local_party"
    # 区人民政府教育督导室 -> 政府教育督导室 -> 教育督导室 (人民政府 holds 民政: never read it as a field)
    org = re.sub(rf"^[{_LEVEL}](?=..)", "", org).replace("人民政府", "政府")
    if _GOV.match(org):
        return "local_gov"
    org = _GOV_PREFIX.sub("", org) or org
    table = sector_table()
    for head, sector in table.heads:
        if org.endswith(head):
            return sector
    for start in range(len(org)):
        if org[start - 1:start + 1] == "人民":
            continue  # 人民政治协商会议, 人民政府: no field word starts inside 人民 (民政)
        for keyword, sector in table.keywords:  # longest first
            if org.startswith(keyword, start):
                return sector
    return None


def relation(a: Sector | None, b: Sector | None) -> str:
    """How close two sectors are: "sector", "family", "system" or "none" (RELATIONS)."""
    if a is None or b is None:
        return "none"
    if a.id == b.id:
        return "sector"
    if a.family == b.family:
        return "family"
    return "system" if set(a.systems) & set(b.systems) else "none"


def shared_system(a: Sector, b: Sector) -> str | None:
    """The name of the first system both sectors belong to."""
    return next((n for s, n in zip(a.systems, a.system_names, strict=True) if s in b.systems), None)


def resolve_sector(name: str) -> Sector:
    """A sector by id, name, alias or any name that classifies to one (卫健 -> 卫生健康, 文艺 -> 文联);
    an unknown one is a XunchaError listing the sectors."""
    text = " ".join((name or "").split())
    table = sector_table()
    for s in table.sectors.values():
        if text in (s.id, s.name, *s.aliases):
            return s
    found = _classify(text) if text else None
    if found is None:
        raise XunchaError("unknown_sector", sector=text, known=[s.name for s in table.sectors.values()])
    return table.sectors[found]

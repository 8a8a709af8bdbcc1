"""The inspected unit: canonical name, aliases, region."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from reports.grammar import CJK, strip_party
from reports.grammar import gazetteer as gz
from reports.grammar.teams import ROUND_RE


@dataclass
class UnitContext:
    """What a report says about its own unit; aliases resolve 市文联/我局/局党组 to `canonical`."""

    unit: str | None = None
    canonical: str | None = None
    short: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    province: str | None = None
    city: str | None = None
    county: str | None = None
    level: str | None = None
    round: str | None = None
    kind: str | None = None

    def region_for(self, level_char: str) -> str | None:
        """The region a bare 省/市/县/区 refers to in this report (市委 in a 张家界 report: 张家界市)."""
        if level_char == "省":
            return self.province
        if level_char == "市":
            return self.city
        if self.county and self.county.endswith(level_char):
            return self.county
        return None

    @property
    def core(self) -> str | None:
        """The short name without its level character (文联, 文旅广体局, 政协)."""
        if not self.short:
            return None
        return self.short[1:] if self.short[0] in "省市县区" else self.short


def _find_region(name: str) -> gz.Region | None:
    """The most specific cpca area named in `name` (桑植县 beats 湖南省)."""
    table = gz.region_by_name()
    best: gz.Region | None = None
    for i in range(len(name)):
        for j in range(min(len(name), i + 8), i + 1, -1):
            found = table.get(name[i:j])
            if found and (best is None or found[0].rank > best.rank):
                best = found[0]
                break
    if best is None:
        for short, full in gz.short_place_names().items():
            if short in name and full in table:
                return table[full][0]
    return best


def _derive_short(canonical: str, region: gz.Region | None) -> str | None:
    """市文联 from 张家界市文学艺术界联合会; 县政协 from 政协桑植县委员会."""
    m = re.match(r"^政协.+?([省市县区])委员会$", canonical)
    if m:
        return m.group(1) + "政协"
    if region is None or not canonical.startswith(region.name):
        return None
    rest = canonical[len(region.name):]
    for long, short in gz.ABBREVIATIONS:
        rest = rest.replace(long, short)
    return region.name[-1] + rest


def _unit_aliases(ctx: UnitContext, region: gz.Region | None) -> dict[str, str]:
    """Every way the report may write its own unit, mapped to the canonical name."""
    canonical, core = ctx.canonical, ctx.core
    bases = {canonical, ctx.short}
    if region is not None and canonical.startswith(region.name):
        rest = canonical[len(region.name):]
        bases.add(region.name[-1] + rest)                    # 省作家协会
        region_short = region.name[:-1] if len(region.name) > 2 else region.name
        if core:
            bases |= {region.name + core, region_short + core}   # 益阳市文旅广体局, 庆阳文联
    if region is not None and core and region.name not in canonical.split(core)[0]:
        bases.add(region.name + core)                          # 桑植县政协
        if len(region.name) > 2:
            bases.add(region.name[:-1] + core)
    if core and len(core) >= 3:
        bases.add(core)                                        # 文旅广体局
    aliases: dict[str, str] = {}
    for base in filter(None, bases):
        for form in (base, base + "党组", "中共" + base + "党组"):
            aliases[form] = canonical
        if core and len(core) == 2:
            aliases[core + "党组"] = canonical                  # 文联党组
    if ctx.unit:
        aliases[ctx.unit] = canonical
    if canonical[-1] in "局厅委办院馆会部":
        aliases["我" + canonical[-1]] = canonical               # 我局
        aliases[canonical[-1] + "党组"] = canonical             # 局党组
    return aliases


def unit_context(text: str, unit: str | None = None, unit_short: str | None = None) -> UnitContext:
    """Resolve the unit (from the arguments, else the first 中共…党组 in the text) and its region."""
    if not unit:
        m = re.search(rf"中共[{CJK}]{{2,30}}?党组", text)
        unit = m.group(0) if m else None
    ctx = UnitContext(unit=unit, short=unit_short)
    round_m = next((m for m in ROUND_RE.finditer(text) if "届" in m.group(0)), None)
    ctx.round = round_m.group(0) if round_m else None
    ctx.kind = "巡视" if text.count("巡视") > text.count("巡察") else "巡察"
    if not unit:
        return ctx
    ctx.canonical = strip_party(unit)
    region = _find_region(ctx.canonical)
    if region is not None:
        ctx.province = region.name if region.rank == 0 else region.province
        ctx.city = region.name if region.rank == 1 else region.city
        ctx.county = region.name if region.rank == 2 else None
        ctx.level = "省市县"[region.rank]
    given = _strip_region(ctx.short, region)
    derived = _derive_short(ctx.canonical, region)
    ctx.short = given or derived
    ctx.aliases = _unit_aliases(ctx, region)
    if ctx.short != derived and derived:                       # both spellings resolve to the unit
        ctx.aliases.update(_unit_aliases(UnitContext(canonical=ctx.canonical, short=derived), region))
    if unit_short:
        ctx.aliases[unit_short] = ctx.canonical
    return ctx


def _strip_region(short: str | None, region: gz.Region | None) -> str | None:
    """桑植县政协 -> 县政协: a short name is kept as level character + core."""
    if not short or region is None:
        return short
    for prefix in (region.name, region.name[:-1]):
        if len(prefix) >= 2 and short.startswith(prefix) and len(short) > len(prefix):
            return region.name[-1] + short[len(prefix):]
    return short

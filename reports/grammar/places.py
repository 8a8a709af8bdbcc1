"""Chinese administrative places, read from the adcode list the `cpca` package ships (not via `import cpca`).
See docs/decisions.md (Parsing, Places)."""
from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["Place", "all_places", "find_places", "join_region", "qualified_level", "region_of"]

_SHORTEN = re.compile(r"(省|市|特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区)$")


@dataclass(frozen=True)
class Place:
    """One administrative area: rank 0 province, 1 city, 2 county; parents by name."""

    name: str
    adcode: str  # 6 digits
    rank: int
    province: str | None
    city: str | None

    @property
    def level(self) -> str:
        return "省市县"[self.rank]


def _adcodes_csv() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the 'cpca' package (place-name list) is not installed: pip install cpca")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def _rank(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


@lru_cache(maxsize=1)
def all_places() -> dict[str, Place]:
    """6-digit adcode -> Place: provinces, prefecture cities and counties."""
    with _adcodes_csv().open(encoding="utf-8") as fh:
        rows = [(row["name"], row["adcode"][:6]) for row in csv.DictReader(fh)]
    names = {code: name for name, code in rows}
    out: dict[str, Place] = {}
    for name, code in rows:
        rank = _rank(code)
        out[code] = Place(name, code, rank, names.get(code[:2] + "0000") if rank > 0 else None,
                          names.get(code[:4] + "00") if rank > 1 else None)
    return out


@lru_cache(maxsize=1)
def _names() -> dict[str, list[Place]]:
    """Lookup by full name and, for provinces and cities, by the name without 省/市."""
    names: dict[str, list[Place]] = {}
    for place in all_places().values():
        keys = {place.name}
        if place.rank < 2:
            short = _SHORTEN.sub("", place.name)
            if len(short) >= 2:
                keys.add(short)
        for key in keys:
            names.setdefault(key, []).append(place)
    return names


def find_places(text: str) -> list[tuple[int, int, Place]]:
    """Place names in `text`, longest match first at each position, non-overlapping."""
    names = _names()
    found, i = [], 0
    while i < len(text):
        for size in range(min(10, len(text) - i), 1, -1):
            cands = names.get(text[i:i + size])
            if cands:
                found.append((i, i + size, cands[0] if len(cands) == 1 else _prefer(cands, found)))
                i += size
                break
        else:
            i += 1
    return found


def _prefer(cands: list[Place], context: list[tuple[int, int, Place]]) -> Place:
    """Among same-named places, the one inside a place already seen, else the highest level."""
    for _, _, seen in reversed(context):
        for cand in cands:
            if cand.adcode.startswith(seen.adcode[:2 if seen.rank == 0 else 4]):
                return cand
    return min(cands, key=lambda p: p.rank)


def region_of(text: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, county) named or implied by `text`, e.g. 政协桑植县委员会 -> 湖南省, 张家界市, 桑植县."""
    province = city = county = None
    for _, _, place in find_places(text):
        if place.rank == 2 and county is None:
            county = place.name
            city, province = city or place.city, province or place.province
        elif place.rank == 1 and city is None:
            city, province = place.name, province or place.province
        elif place.rank == 0 and province is None:
            province = place.name
    return province, city, county


def join_region(region: str, body: str) -> str:
    """张家界市 + 市委宣传部 -> 张家界市委宣传部.

    A one-character place keeps the level before a committee (攸县 + 县委 -> 攸县县委) but not before a
    bureau (攸县 + 县财政局 -> 攸县财政局), as those bodies write their own names.
    """
    keep = len(region) == 2 and body[1:].startswith(("委", "政府", "人大", "政协", "纪委", "监委"))
    return region + (body if keep else body[1:])


def qualified_level(level: str, place: str | None) -> str:
    """A committee level (市委, 县委…) under the report's place of that level: 市委 + 张家界市 -> 张家界市委,
    县委 + 攸县 -> 攸县县委; unchanged without a place of that level. What keeps the third team of two
    cities apart, for the entity reader and the graph alike."""
    if not place or not place.endswith(level[0]):
        return level
    return join_region(place, level)

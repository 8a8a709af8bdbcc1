"""Chinese administrative places, from the adcode list that the `cpca` package ships.

cpca's own import fails on setuptools >= 81 (it calls the removed `pkg_resources`), so we read its
data file directly: the list is what we need, not its matcher.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["Place", "all_places", "find_places", "region_of"]

_SHORTEN = re.compile(r"(省|市|特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区)$")


@dataclass(frozen=True)
class Place:
    name: str
    adcode: str
    level: str  # 省 | 市 | 县

    @property
    def province_code(self) -> str:
        return self.adcode[:2] + "0" * 10

    @property
    def city_code(self) -> str:
        return self.adcode[:4] + "0" * 8


def _adcodes_csv() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the 'cpca' package (place-name list) is not installed: pip install cpca")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def _level(adcode: str) -> str:
    if adcode[2:] == "0" * 10:
        return "省"
    if adcode[4:] == "0" * 8:
        return "市"
    return "县"


@lru_cache(maxsize=1)
def all_places() -> dict[str, Place]:
    """adcode -> Place, provinces, prefecture cities and counties (towns are left out)."""
    out: dict[str, Place] = {}
    with _adcodes_csv().open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"]
            if code[6:] != "000000":
                continue
            out[code] = Place(row["name"], code, _level(code))
    return out


@lru_cache(maxsize=1)
def _names() -> dict[str, list[Place]]:
    """Lookup by full name and, for provinces and cities, by the name without 省/市."""
    names: dict[str, list[Place]] = {}
    for place in all_places().values():
        keys = {place.name}
        if place.level in ("省", "市"):
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
            if cand.adcode.startswith(seen.adcode[:2 if seen.level == "省" else 4]):
                return cand
    return sorted(cands, key=lambda p: "省市县".index(p.level))[0]


def region_of(text: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, county) named or implied by `text`, e.g. 政协桑植县委员会 -> 湖南省, 张家界市, 桑植县."""
    places = all_places()
    province = city = county = None
    for _, _, place in find_places(text):
        if place.level == "县" and county is None:
            county = place
        elif place.level == "市" and city is None:
            city = place
        elif place.level == "省" and province is None:
            province = place
    if county is not None:
        city = city or places.get(county.city_code)
    if city is not None or county is not None:
        province = province or places.get((city or county).province_code)
    return tuple(p.name if p else None for p in (province, city, county))  # type: ignore[return-value]

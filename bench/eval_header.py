"""Header accuracy on the dev set of real report openings (/work/shared/devset/openings.jsonl).

Each page is read the way `xuncha parse` reads a file (bytes -> read -> parse); the parsed header is
compared field by field with the hand-checked gold. A null gold field counts too: the parser must not
invent a value the page does not give. Sites are split by URL host into a development part and a
held-out part (sha1 of the host, one in three held out) so the held-out figure shows how far fixes
made while reading the development pages carry to sites nobody tuned on.

Run: python -m bench.eval_header [--devset PATH] [--json OUT] [--traditional] [--family NAME|all]
(--devset bench/eval/author_m/openings.jsonl: author M's 40 invented openings, an outside author's set)
(--family: the pages bench/families.py builds from the dev set, one header family each)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import traceback
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent

from reports.grammar.numerals import to_int
from reports.parse import parse_source
from reports.read import read_bytes
from reports.store.serialize import report_to_json

DEVSET = Path("/work/shared/devset/openings.jsonl")
FIELDS = ("unit", "inspector", "kind", "inspection_start", "inspection_end", "feedback_date",
          "problems_stated", "problems_done")


def host(url: str) -> str:
    """Site key: the URL host without a leading www. (www.gzns.gov.cn and gzns.gov.cn are one site)."""
    return (urlparse(url).hostname or "").removeprefix("www.")


def held_out(url: str) -> bool:
    return int(hashlib.sha1(host(url).encode()).hexdigest(), 16) % 3 == 0


# The scorer's own reading of names, kept apart from the parser's grammar on purpose: a scorer that
# used the parser's matcher would agree with the parser's mistakes.
_PARTY = re.compile(r"(?:党组|党委|党工委|工委|领导班子)$")
_TEAM_KEY = re.compile(r"(?P<lvl>中央|省委|市委|州委|盟委|旗委|县委|区委)?.*?(?:第(?P<a>[一二三四五六七八九十\d]+)"
                       r"(?:巡察|巡视)组|(?:巡察|巡视)(?:组第)?(?P<b>[一二三四五六七八九十\d]+)组"
                       r"|(?P<c>专项|机动|提级|交叉)?(?:巡察|巡视)组)$")


def unit_key(name: str) -> str:
    """中共湖北省司法厅委员会 / 省司法厅党委 -> 湖北省司法厅 / 省司法厅 (compared as suffixes)."""
    name = re.sub(r"\s+", "", name).removeprefix("中共")
    if name.endswith("委员会"):
        body = name[:-3]
        name = body + ("委" if body.endswith(("省", "市", "区", "县", "州", "旗", "盟")) else "党委")
    name = name.replace("工作委员会", "工委")
    return _PARTY.sub("", name)


def same_unit(gold: str, got: str) -> bool:
    a, b = unit_key(gold), unit_key(got)
    return bool(a and b) and (a.endswith(b) or b.endswith(a))


def team_key(name: str) -> tuple | None:
    """(level, number or special kind): 九届区委第一轮常规巡察第四巡察组 -> (区委, 4)."""
    name = re.sub(r"[一二三四五六七八九十\d]+届|第[一二三四五六七八九十\d]+轮", "", name)
    m = _TEAM_KEY.search(name)
    if not m:
        return None
    num = m["a"] or m["b"]
    return (m["lvl"], to_int(num) if num else m["c"] or name)


def same_team(gold: str, got: str) -> bool:
    a, b = team_key(gold), team_key(got)
    return a is not None and a == b


def predicted(d: dict) -> dict:
    i = d["inspection"]
    return {"unit": d["unit"], "inspector": i["inspector"], "inspector_text": i.get("inspector_text"),
            "kind": i["kind"], "inspection_start": i["start"], "inspection_end": i["end"],
            "feedback_date": i["feedback"], "problems_stated": d["stated"]["problems"],
            "problems_done": d["stated"]["completed"]}


def field_ok(name: str, gold, pred: dict) -> bool:
    value = pred[name]
    if gold is None or value is None:
        return gold is None and value is None
    if name == "unit":
        return same_unit(gold, value)
    if name == "inspector":
        return gold == pred["inspector_text"] or same_team(gold, value)
    return gold == value


def evaluate(rows: list[dict], convert=None) -> dict:
    """Per-field counts overall and for the held-out sites, plus every failure."""
    total = {"all": dict.fromkeys(FIELDS, 0), "held_out": dict.fromkeys(FIELDS, 0)}
    right = {"all": dict.fromkeys(FIELDS, 0), "held_out": dict.fromkeys(FIELDS, 0)}
    failures, no_json = [], []
    for n, row in enumerate(rows):
        text = convert(row["text"]) if convert else row["text"]
        try:
            pred = predicted(json.loads(json.dumps(report_to_json(
                parse_source(read_bytes(text.encode("utf-8"), f"page{n:02d}.txt"))), ensure_ascii=False)))
        except Exception:
            no_json.append({"page": n, "url": row["url"], "error": traceback.format_exc(limit=1)})
            pred = dict.fromkeys((*FIELDS, "inspector_text"))
        parts = ("all", "held_out") if held_out(row["url"]) else ("all",)
        for name in FIELDS:
            ok = field_ok(name, row["gold"][name], pred)
            for part in parts:
                total[part][name] += 1
                right[part][name] += ok
            if not ok:
                failures.append({"page": n, "site": host(row["url"]), "held_out": held_out(row["url"]),
                                 "field": name, "gold": row["gold"][name], "got": pred[name]})
    summary = {}
    for part in ("all", "held_out"):
        t, r = sum(total[part].values()), sum(right[part].values())
        summary[part] = {"fields": t, "right": r, "accuracy": round(r / t, 3) if t else None,
                         "per_field": {f: f"{right[part][f]}/{total[part][f]}" for f in FIELDS}}
    pages = {"all": len(rows), "held_out": sum(held_out(r["url"]) for r in rows),
             "held_out_sites": sorted({host(r["url"]) for r in rows if held_out(r["url"])})}
    return {"pages": pages, "summary": summary, "no_json": no_json, "failures": failures}


def markdown(result: dict) -> str:
    s = result["summary"]
    lines = ["| field | all pages | held-out sites |", "|---|---|---|"]
    lines += [f"| {f} | {s['all']['per_field'][f]} | {s['held_out']['per_field'][f]} |" for f in FIELDS]
    lines.append(f"| **all fields** | **{s['all']['right']}/{s['all']['fields']} = {s['all']['accuracy']}** "
                 f"| **{s['held_out']['right']}/{s['held_out']['fields']} = {s['held_out']['accuracy']}** |")
    lines += ["", f"Pages giving no JSON: {len(result['no_json'])}.", "",
              "| page | site | held out | field | gold | got |", "|---|---|---|---|---|---|"]
    lines += [f"| {f['page']} | {f['site']} | {'yes' if f['held_out'] else ''} | {f['field']} | {f['gold']} "
              f"| {f['got']} |" for f in result["failures"]]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devset", type=Path, default=DEVSET)
    ap.add_argument("--json", type=Path, help="also write the full result here")
    ap.add_argument("--traditional", action="store_true", help="convert each page to Traditional (OpenCC s2t) first")
    ap.add_argument("--family", help="score the pages one bench/families.py family builds (or 'all')")
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.devset.read_text(encoding="utf-8").splitlines() if line.strip()]
    convert = None
    if args.traditional:
        import opencc
        convert = opencc.OpenCC("s2t").convert
    if args.family:
        from bench.families import FAMILIES, transform
        names = list(FAMILIES) if args.family == "all" else [args.family]
        results = {name: evaluate(transform(rows, name), convert) for name in names}
        for name, result in results.items():
            print(f"## {name} ({result['pages']['all']} pages)\n\n{markdown(result)}\n")
        if args.json:
            from reports.shared.atomic import write_json
            write_json(args.json, results, indent=1)
        return
    result = evaluate(rows, convert)
    if args.json:
        from reports.shared.atomic import write_json
        write_json(args.json, result, indent=1)
    print(markdown(result))


if __name__ == "__main__":
    main()

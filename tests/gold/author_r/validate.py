#!/usr/bin/env python3
"""Validate the annot_r frozen test set (layout set R): gold schema, text_start anchors, stated counts."""
import glob, html, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
STATUSES = {"completed", "basically_completed", "in_progress", "long_term", "immediate", None}
TOP = ["unit", "inspector", "inspection_start", "inspection_end", "feedback_date",
       "report_date", "stated", "categories"]
CN = "〇一二三四五六七八九"
errors = []

def err(name, msg):
    errors.append(f"{name}: {msg}")

def strip_html(s):
    s = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", s)
    s = re.sub(r"(?s)<[^>]+>", "", s)
    return html.unescape(s)

def cn_num(n):  # 1..31 -> 一..三十一
    if n < 10: return CN[n]
    t, u = divmod(n, 10)
    return ("" if t == 1 else CN[t]) + "十" + (CN[u] if u else "")

def date_forms(d):
    y, m, dd = map(int, d.split("-"))
    cy = "".join(CN[int(c)] for c in str(y))
    return [f"{y}年{m}月{dd}日", f"{y}-{m:02d}-{dd:02d}", f"{y}/{m}/{dd}", f"{y}.{m}.{dd}",
            f"{m}月{dd}日", f"{cy}年{cn_num(m)}月{cn_num(dd)}日", f"{cn_num(m)}月{cn_num(dd)}日",
            f"{y}年{m:02d}月{dd:02d}日", f"至{dd}日"]

def check_problem(name, p, text, is_sub):
    keys = {"text_start", "status", "measures"} | (set() if is_sub else {"subs"})
    if set(p) != keys:
        err(name, f"problem keys {sorted(p)} != {sorted(keys)}")
        return
    ts = p["text_start"]
    if not isinstance(ts, str) or not ts:
        err(name, "text_start not a non-empty string")
    elif text.count(ts) == 0:
        err(name, f"text_start {ts!r} not found in report text")
    elif len(ts) != 10:
        err(name, f"text_start {ts!r} is not 10 characters")
    if p["status"] not in STATUSES:
        err(name, f"bad status {p['status']!r}")
    if not isinstance(p["measures"], int) or isinstance(p["measures"], bool) or p["measures"] < 0:
        err(name, f"bad measures {p['measures']!r}")
    if not is_sub:
        if not isinstance(p["subs"], list):
            err(name, "subs not a list")
        else:
            for s in p["subs"]:
                check_problem(name, s, text, True)
            if p["subs"] and (p["status"] is not None or p["measures"] != 0):
                err(name, f"parent {ts!r} with subs should have status null, measures 0")

def effective_completed(p):
    if p["subs"] and p["status"] is None:
        return all(s["status"] == "completed" for s in p["subs"])
    return p["status"] == "completed"

def main():
    reports = sorted(glob.glob(os.path.join(HERE, "reports", "*")))
    golds = sorted(glob.glob(os.path.join(HERE, "gold", "*.json")))
    ids = [os.path.basename(r).split(".")[0] for r in reports]
    exts = [os.path.basename(r).split(".", 1)[1] for r in reports]
    if ids != [f"{i:02d}" for i in range(1, 13)]:
        err("set", f"report ids {ids}")
    if [os.path.basename(g)[:-5] for g in golds] != ids:
        err("set", "gold files do not match reports")
    if exts.count("html") < 2 or exts.count("md") > 1 or set(exts) - {"html", "md", "txt"}:
        err("set", f"extensions {exts}")
    total = 0
    for r in reports:
        rid = os.path.basename(r).split(".")[0]
        name = os.path.basename(r)
        raw = open(r, encoding="utf-8").read()
        text = strip_html(raw) if r.endswith(".html") else raw
        try:
            g = json.load(open(os.path.join(HERE, "gold", rid + ".json"), encoding="utf-8"))
        except Exception as e:
            err(name, f"gold not loadable: {e}")
            continue
        if list(g) != TOP:
            err(name, f"top-level keys {list(g)}")
            continue
        for k in ("unit", "inspector"):
            if not isinstance(g[k], str) or g[k] not in text.replace("\n", ""):
                err(name, f"{k} {g[k]!r} not found in text")
        for k in ("inspection_start", "inspection_end", "feedback_date", "report_date"):
            v = g[k]
            if v is None:
                continue
            if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                err(name, f"{k} bad format {v!r}")
            elif not any(f in re.sub(r"[ \t]", "", text) for f in date_forms(v)):
                err(name, f"{k} {v} not found in any written form")
        st = g["stated"]
        if not isinstance(st, dict) or set(st) != {"categories", "problems", "completed"}:
            err(name, f"stated keys {st}")
            continue
        for k, v in st.items():
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                err(name, f"stated.{k} not int/null")
        cats = g["categories"]
        if not isinstance(cats, list) or not cats:
            err(name, "categories empty")
            continue
        probs = []
        for c in cats:
            if set(c) != {"title", "problems"}:
                err(name, f"category keys {sorted(c)}")
                continue
            if c["title"] is not None and c["title"] not in text:
                err(name, f"category title {c['title']!r} not in text")
            if not c["problems"]:
                err(name, f"category {c['title']!r} has no problems")
            for p in c["problems"]:
                check_problem(name, p, text, False)
                probs.append(p)
        # anchors must appear in reading order
        pos = 0
        for p in probs:
            for ts in [p["text_start"]] + [s["text_start"] for s in p.get("subs", [])]:
                i = text.find(ts, pos)
                if i < 0:
                    err(name, f"text_start {ts!r} out of order")
                else:
                    pos = i
        if not 6 <= len(probs) <= 10:
            err(name, f"{len(probs)} problems (need 6-10)")
        if st["categories"] is not None and all(c["title"] for c in cats) and st["categories"] != len(cats):
            err(name, f"stated categories {st['categories']} != {len(cats)}")
        if st["problems"] is not None and st["problems"] != len(probs):
            err(name, f"stated problems {st['problems']} != {len(probs)}")
        if st["completed"] is not None:
            n = sum(effective_completed(p) for p in probs)
            if st["completed"] != n:
                err(name, f"stated completed {st['completed']} != {n}")
        for k, v in st.items():
            if v is not None:
                pat = rf"(?:{v}|{cn_num(v)})(?:个|項|项|条|類|类)"
                if not re.search(pat, text):
                    err(name, f"stated.{k}={v} not written as a count in the text")
        total += len(probs)
        nsubs = sum(len(p["subs"]) for p in probs)
        print(f"{name:10s} cats={len(cats)} problems={len(probs)} subs={nsubs} "
              f"stated={st['categories']}/{st['problems']}/{st['completed']} "
              f"measures={sum(p['measures'] + sum(s['measures'] for s in p['subs']) for p in probs)}")
    print(f"total problems: {total}")
    if errors:
        print("FAIL")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("OK: all checks passed")

main()

#!/usr/bin/env python3
"""Validate the gold files of annot_j against the BRIEF schema and the report texts."""
import glob, html, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
STATUSES = {"completed", "basically_completed", "in_progress", "long_term", "immediate", None}
TOP = ["unit", "inspector", "inspection_start", "inspection_end", "feedback_date",
       "report_date", "stated", "categories"]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
errors, warnings = [], []


def err(f, m):
    errors.append(f"{f}: {m}")


def report_text(num):
    files = [p for p in glob.glob(os.path.join(HERE, "reports", num + ".*"))]
    if len(files) != 1:
        return None, None
    p = files[0]
    t = open(p, encoding="utf-8").read()
    if p.endswith(".html"):
        t = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", t)
        t = re.sub(r"(?s)<[^>]+>", "", t)
        t = html.unescape(t)
    return p, t


def check_item(f, where, it, text, is_sub):
    keys = ["text_start", "status", "measures"] + ([] if is_sub else ["subs"])
    if list(it.keys()) != keys:
        err(f, f"{where}: keys {list(it.keys())} != {keys}")
        return
    ts = it["text_start"]
    if not isinstance(ts, str) or not ts:
        err(f, f"{where}: text_start not a non-empty string")
    else:
        if len(ts) != 10:
            warnings.append(f"{f}: {where}: text_start has {len(ts)} chars: {ts}")
        if text is not None and ts not in text:
            err(f, f"{where}: text_start {ts!r} not found verbatim in report")
        elif text is not None and text.count(ts) > 1:
            warnings.append(f"{f}: {where}: text_start {ts!r} occurs {text.count(ts)} times")
    if it["status"] not in STATUSES:
        err(f, f"{where}: bad status {it['status']!r}")
    if not isinstance(it["measures"], int) or isinstance(it["measures"], bool) or it["measures"] < 0:
        err(f, f"{where}: measures must be a non-negative int")
    if not is_sub:
        if not isinstance(it["subs"], list):
            err(f, f"{where}: subs must be a list")
        else:
            for k, s in enumerate(it["subs"]):
                check_item(f, f"{where}.sub{k+1}", s, text, True)


def main():
    golds = sorted(glob.glob(os.path.join(HERE, "gold", "*.json")))
    if len(golds) != 12:
        err("gold", f"expected 12 gold files, found {len(golds)}")
    for g in golds:
        f = os.path.basename(g)
        num = f[:-5]
        try:
            d = json.load(open(g, encoding="utf-8"))
        except Exception as e:
            err(f, f"JSON error {e}")
            continue
        path, text = report_text(num)
        if text is None:
            err(f, "no unique matching report file")
        if list(d.keys()) != TOP:
            err(f, f"top-level keys {list(d.keys())} != {TOP}")
            continue
        for k in ("unit", "inspector"):
            if not isinstance(d[k], str) or not d[k]:
                err(f, f"{k} must be a non-empty string")
            elif text is not None and d[k] not in text:
                err(f, f"{k} {d[k]!r} not found in report")
        for k in ("inspection_start", "inspection_end", "feedback_date", "report_date"):
            v = d[k]
            if v is not None and not (isinstance(v, str) and DATE.match(v)):
                err(f, f"{k} bad date {v!r}")
        st = d["stated"]
        if not isinstance(st, dict) or list(st.keys()) != ["categories", "problems", "completed"]:
            err(f, "stated must have exactly categories/problems/completed")
            continue
        for k, v in st.items():
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                err(f, f"stated.{k} must be int or null")
        CN = "零一二三四五六七八九十"
        for k, v in st.items():
            if isinstance(v, int) and text is not None:
                forms = [str(v)] + ([CN[v]] if v <= 10 else ["十" + CN[v - 10]] if v < 20 else [])
                if not any(re.search(r"(?<![0-9.])" + re.escape(x) + r"(?:个|项|条|大类)", text) for x in forms):
                    err(f, f"stated.{k}={v} not found in report as a count (N个/项/条/大类)")
        cats = d["categories"]
        if not isinstance(cats, list) or not cats:
            err(f, "categories must be a non-empty list")
            continue
        n_top, n_leaf, n_done_leaf, n_done_top = 0, 0, 0, 0
        for i, c in enumerate(cats):
            if list(c.keys()) != ["title", "problems"]:
                err(f, f"cat{i+1}: keys {list(c.keys())}")
                continue
            if c["title"] is not None:
                if not isinstance(c["title"], str) or (text is not None and c["title"] not in text):
                    err(f, f"cat{i+1}: title {c['title']!r} not found verbatim in report")
            if not c["problems"]:
                err(f, f"cat{i+1}: no problems")
            for j, p in enumerate(c["problems"]):
                check_item(f, f"cat{i+1}.p{j+1}", p, text, False)
                if "subs" not in p:
                    continue
                n_top += 1
                n_done_top += p["status"] == "completed"
                if p["subs"]:
                    n_leaf += len(p["subs"])
                    n_done_leaf += sum(s["status"] == "completed" for s in p["subs"])
                else:
                    n_leaf += 1
                    n_done_leaf += p["status"] == "completed"
        titled = all(c.get("title") for c in cats)
        if st["categories"] is not None and titled and st["categories"] != len(cats):
            err(f, f"stated.categories {st['categories']} != {len(cats)} titled categories")
        if st["problems"] is not None and st["problems"] not in (n_top, n_leaf):
            err(f, f"stated.problems {st['problems']} != {n_top} problems / {n_leaf} leaves")
        if st["completed"] is not None and st["completed"] not in (n_done_top, n_done_leaf):
            err(f, f"stated.completed {st['completed']} != {n_done_leaf} completed (gold)")
        print(f"{f}: {os.path.basename(path) if path else '-'} cats={len(cats)} problems={n_top} "
              f"leaves={n_leaf} completed={n_done_leaf} stated={st}")
    for w in warnings:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"FAILED ({len(errors)} errors)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

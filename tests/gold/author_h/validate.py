#!/usr/bin/env python3
"""Validate the gold files of this layout test set (annot_h).

Checks, for every reports/NN.(txt|html) and gold/NN.json:
- the gold has exactly the schema fields, with the right types;
- status values are in the allowed set; measures are non-negative ints;
- dates are YYYY-MM-DD (and real dates) or null;
- unit, inspector and every non-null category title occur verbatim in the report
  (for .html: in the page text, i.e. tags, <script> and <style> removed, entities unescaped);
- every text_start is exactly 10 characters and occurs in the report, and the
  text_starts occur in reading order (each one found after the previous one);
- the report has 25-70 lines.
Warnings (not errors): stated counts that differ from the counted gold.
Use -v to print the label preceding each text_start for eyeballing.
"""
import json, re, sys, html, datetime, pathlib

ROOT = pathlib.Path(__file__).resolve().parent
STATUSES = {"completed", "basically_completed", "in_progress", "long_term", "immediate", None}
TOP = ["unit", "inspector", "inspection_start", "inspection_end", "feedback_date",
       "report_date", "stated", "categories"]
VERBOSE = "-v" in sys.argv


def page_text(raw):
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", raw)
    raw = re.sub(r"(?is)<!--.*?-->", " ", raw)
    raw = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|h\d|li)>", "\n", raw)
    raw = re.sub(r"(?i)</td>", "\t", raw)
    raw = re.sub(r"(?s)<[^>]+>", "", raw)
    return html.unescape(raw)


def check_date(v):
    if v is None:
        return True
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return False
    try:
        datetime.date.fromisoformat(v)
        return True
    except ValueError:
        return False


def validate(num, rep_path, gold_path):
    errs, warns = [], []
    raw = rep_path.read_text(encoding="utf-8")
    text = page_text(raw) if rep_path.suffix == ".html" else raw
    if rep_path.suffix == ".txt":
        n = len(raw.splitlines())
        if not 25 <= n <= 70:
            errs.append(f"report has {n} lines (want 25-70)")
    try:
        g = json.loads(gold_path.read_text(encoding="utf-8"))
    except Exception as e:
        return [f"gold is not valid JSON: {e}"], warns
    if list(g.keys()) != TOP:
        errs.append(f"top-level keys {list(g.keys())} != {TOP}")
        if set(g.keys()) != set(TOP):
            return errs, warns
    for k in ("unit", "inspector"):
        if not isinstance(g[k], str) or not g[k]:
            errs.append(f"{k} must be a non-empty string")
        elif g[k] not in text:
            errs.append(f"{k} {g[k]!r} not found verbatim in report")
    for k in ("inspection_start", "inspection_end", "feedback_date", "report_date"):
        if not check_date(g[k]):
            errs.append(f"{k} {g[k]!r} is not YYYY-MM-DD or null")
    st = g["stated"]
    if not isinstance(st, dict) or set(st.keys()) != {"categories", "problems", "completed"}:
        errs.append(f"stated must have exactly categories/problems/completed: {st}")
        st = {"categories": None, "problems": None, "completed": None}
    for k, v in st.items():
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            errs.append(f"stated.{k} {v!r} must be a non-negative int or null")
    cats = g["categories"]
    if not isinstance(cats, list) or not cats:
        return errs + ["categories must be a non-empty list"], warns
    pos = 0
    nprob = ncomp = 0

    def check_item(item, where, is_sub):
        nonlocal pos
        keys = ["text_start", "status", "measures"] + ([] if is_sub else ["subs"])
        if list(item.keys()) != keys:
            errs.append(f"{where}: keys {list(item.keys())} != {keys}")
        ts = item.get("text_start")
        if not isinstance(ts, str) or len(ts) != 10:
            errs.append(f"{where}: text_start {ts!r} is not exactly 10 characters")
        else:
            i = text.find(ts, pos)
            if i < 0:
                if ts in text:
                    errs.append(f"{where}: text_start {ts!r} occurs only BEFORE the previous one (reading order)")
                else:
                    errs.append(f"{where}: text_start {ts!r} not found in report")
            else:
                if VERBOSE:
                    print(f"   {where:12} …{text[max(0,i-8):i]!r:>22} | {ts}  {item.get('status')} m={item.get('measures')}")
                pos = i + len(ts)
        if item.get("status") not in STATUSES:
            errs.append(f"{where}: bad status {item.get('status')!r}")
        m = item.get("measures")
        if not isinstance(m, int) or isinstance(m, bool) or m < 0:
            errs.append(f"{where}: measures {m!r} must be a non-negative int")

    for ci, c in enumerate(cats, 1):
        if not isinstance(c, dict) or list(c.keys()) != ["title", "problems"]:
            errs.append(f"category {ci}: keys must be exactly title, problems")
            continue
        t = c["title"]
        if t is not None:
            if not isinstance(t, str) or t not in text:
                errs.append(f"category {ci}: title {t!r} not found verbatim")
            else:
                j = text.find(t, pos)
                if j < 0:
                    errs.append(f"category {ci}: title {t!r} not found after previous problem")
                else:
                    pos = j + len(t)
        if not isinstance(c["problems"], list) or not c["problems"]:
            errs.append(f"category {ci}: problems must be a non-empty list")
            continue
        for pi, p in enumerate(c["problems"], 1):
            check_item(p, f"c{ci}p{pi}", False)
            nprob += 1
            ncomp += p.get("status") == "completed"
            subs = p.get("subs", [])
            if not isinstance(subs, list):
                errs.append(f"c{ci}p{pi}: subs must be a list")
                continue
            for si, s in enumerate(subs, 1):
                check_item(s, f"c{ci}p{pi}s{si}", True)
    if st.get("categories") is not None and cats[0]["title"] is not None and st["categories"] != len(cats):
        warns.append(f"stated.categories {st['categories']} != {len(cats)} categories in gold")
    if st.get("problems") is not None and st["problems"] != nprob:
        warns.append(f"stated.problems {st['problems']} != {nprob} problems in gold")
    if st.get("completed") is not None and st["completed"] != ncomp:
        warns.append(f"stated.completed {st['completed']} != {ncomp} completed problems in gold")
    return errs, warns


def main():
    reps = sorted(p for p in (ROOT / "reports").iterdir() if p.suffix in (".txt", ".html"))
    golds = sorted((ROOT / "gold").glob("*.json"))
    bad = 0
    rnums = [p.stem for p in reps]
    if len(set(rnums)) != len(rnums):
        print("ERROR: duplicate report numbers"); bad += 1
    if sorted(rnums) != sorted(p.stem for p in golds):
        print(f"ERROR: reports {rnums} and gold {[p.stem for p in golds]} differ"); bad += 1
    for rp in reps:
        gp = ROOT / "gold" / f"{rp.stem}.json"
        if not gp.exists():
            continue
        if VERBOSE:
            print(f"== {rp.name}")
        errs, warns = validate(rp.stem, rp, gp)
        for w in warns:
            print(f"{rp.name}: WARNING {w}")
        if errs:
            bad += 1
            for e in errs:
                print(f"{rp.name}: ERROR {e}")
        else:
            print(f"{rp.name}: OK")
    print("ALL OK" if not bad else f"{bad} FILE(S) WITH ERRORS")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

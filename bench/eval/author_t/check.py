#!/usr/bin/env python3
"""Author T: validate queries.jsonl against problems.txt (adapted from check.py.example)."""
import json, os, re, sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
STYLES = {"keyword", "official", "colloquial", "question", "scenario", "pasted", "abbrev", "offdomain"}

leaves, heads = {}, set()
for line in open(os.path.join(HERE, "problems.txt"), encoding="utf-8"):
    line = line.rstrip("\n")
    if not line.strip():
        continue
    head, heading, text = line.split(" | ", 2)
    f, pid, parent, kind = head.split()
    (leaves.__setitem__((f, pid), text) if kind == "L" else heads.add((f, pid)))

errs = []
seen = set()
tab = Counter()
n = 0
for ln, raw in enumerate(open(os.path.join(HERE, "queries.jsonl"), encoding="utf-8"), 1):
    n += 1
    o = json.loads(raw)
    if set(o) != {"q", "style", "relevant", "note"}:
        errs.append(f"{ln}: keys {sorted(o)}")
    q, st, rel, note = o["q"], o["style"], o["relevant"], o["note"]
    if not isinstance(q, str) or not q.strip():
        errs.append(f"{ln}: empty query")
    if q in seen:
        errs.append(f"{ln}: duplicate query {q}")
    seen.add(q)
    if st not in STYLES:
        errs.append(f"{ln}: bad style {st}")
    if st == "pasted" and not (40 <= len(q) <= 120):
        errs.append(f"{ln}: pasted length {len(q)}")
    pairs = set()
    for r in rel:
        if set(r) != {"file", "id", "grade", "text_start"}:
            errs.append(f"{ln}: relevant keys {sorted(r)}")
            continue
        pid = r["id"]
        if isinstance(pid, bool) or not isinstance(pid, (int, str)):
            errs.append(f"{ln}: id type {pid!r}")
            continue
        sid = str(pid)
        if isinstance(pid, str) and re.fullmatch(r"\d+", pid):
            errs.append(f"{ln}: id {pid!r} should be int")
        if isinstance(pid, int) and not re.fullmatch(r"\d+", sid):
            errs.append(f"{ln}: id {pid!r} bad int")
        key = (r["file"], sid)
        if key in heads:
            errs.append(f"{ln}: {key} is a heading (H), not gradable")
        if key not in leaves:
            errs.append(f"{ln}: {key} not an L line")
            continue
        if r["text_start"] != leaves[key][:15]:
            errs.append(f"{ln}: text_start mismatch for {key}")
        if r["grade"] not in (1, 2) or isinstance(r["grade"], bool):
            errs.append(f"{ln}: grade {r['grade']!r}")
        if key in pairs:
            errs.append(f"{ln}: duplicate relevant {key}")
        pairs.add(key)
    if st == "offdomain":
        kind = "offdomain"
        if rel or not note.strip():
            errs.append(f"{ln}: offdomain must have empty list and a note")
    elif not rel:
        kind = "hardneg"
        if not note.strip():
            errs.append(f"{ln}: hard negative without note")
    else:
        kind = "answerable"
        if not any(r["grade"] == 2 for r in rel):
            errs.append(f"{ln}: answerable query without any grade-2 leaf")
    tab[(st, kind)] += 1

if n != 70:
    errs.append(f"expected 70 queries, got {n}")
for st in ["keyword", "official", "colloquial"]:
    if tab[(st, "answerable")] < 6:
        errs.append(f"fewer than 6 answerable {st}")

print(f"{'style':<11}{'answerable':>11}{'hardneg':>9}{'offdomain':>10}{'total':>7}")
for st in ["keyword", "official", "colloquial", "question", "scenario", "pasted", "abbrev", "offdomain"]:
    a, h, o = tab[(st, "answerable")], tab[(st, "hardneg")], tab[(st, "offdomain")]
    print(f"{st:<11}{a:>11}{h:>9}{o:>10}{a+h+o:>7}")
A = sum(v for (s, k), v in tab.items() if k == "answerable")
H = sum(v for (s, k), v in tab.items() if k == "hardneg")
O = sum(v for (s, k), v in tab.items() if k == "offdomain")
print(f"{'TOTAL':<11}{A:>11}{H:>9}{O:>10}{A+H+O:>7}")
if errs:
    print("\n".join(errs))
    sys.exit(1)
print("OK")

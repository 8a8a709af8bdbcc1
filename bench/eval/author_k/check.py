#!/usr/bin/env python3
import json, re, sys
L, H = set(), set()
for line in open("problems.txt", encoding="utf-8"):
    m = re.match(r"^(\d{3}) (\S+) P=\S+ ([LH]) \|", line)
    if not m: continue
    (L if m.group(3) == "L" else H).add((m.group(1), m.group(2)))
d = json.load(open("topics.json", encoding="utf-8"))
seen = []
for t in d["topics"]:
    assert re.fullmatch(r"[a-z0-9_]+", t["id"]), t["id"]
    assert t["members"], t["id"]
    seen += [tuple(x) for x in t["members"]]
seen += [tuple(x) for x in d["unlabelled"]]
errs = []
from collections import Counter
for k, c in Counter(seen).items():
    if c > 1: errs.append(f"duplicate {k}")
for k in seen:
    if k in H: errs.append(f"H line present {k}")
    elif k not in L: errs.append(f"unknown {k}")
for k in L - set(seen): errs.append(f"missing {k}")
if errs:
    print("\n".join(errs)); sys.exit(1)
print(f"OK: {len(L)} L lines, each once ({len(seen)-len(d['unlabelled'])} in {len(d['topics'])} topics, {len(d['unlabelled'])} unlabelled); {len(H)} H lines absent")

import json, sys, collections
L = {}
for line in open('problems.txt', encoding='utf-8'):
    head, cat, text = [s.strip() for s in line.rstrip('\n').split('|', 2)]
    f, i, p, k = head.split()
    L[(f, i)] = (k, text)
errs = 0; styles = collections.Counter(); kinds = collections.Counter()
STY = {"term","colloquial","official","concrete","question","pasted","offdomain"}
qs = set()
for n, line in enumerate(open('queries.jsonl', encoding='utf-8'), 1):
    o = json.loads(line)
    assert set(o) <= {"q","style","relevant","note"}, n
    if o["q"] in qs: print(n, "duplicate q"); errs += 1
    qs.add(o["q"])
    if o["style"] not in STY: print(n, "bad style"); errs += 1
    styles[o["style"]] += 1
    if o["style"] == "pasted" and not 40 <= len(o["q"]) <= 120: print(n, "pasted length", len(o["q"])); errs += 1
    if o["style"] == "offdomain": kinds["offdomain"] += 1; assert o["relevant"] == []
    elif not o["relevant"]:
        kinds["hardneg"] += 1
        if o.get("note") != "hard negative": print(n, "missing note"); errs += 1
    else:
        kinds["answerable"] += 1
        for r in o["relevant"]:
            i = r["id"]; key = (r["file"], str(i))
            if isinstance(i, int) != str(i).isdigit(): print(n, "id type", i); errs += 1
            if key not in L: print(n, "missing", key); errs += 1; continue
            k, t = L[key]
            if k != 'L': print(n, "not a leaf", key); errs += 1
            if not t.startswith(r["text_start"]) or len(r["text_start"]) != min(15, len(t)): print(n, "text_start mismatch", key); errs += 1
            if r["grade"] not in (1, 2): print(n, "bad grade"); errs += 1
        if not any(r["grade"] >= 1 for r in o["relevant"]): errs += 1
print(dict(styles), dict(kinds), "total", sum(kinds.values()))
print("OK" if errs == 0 else f"{errs} errors"); sys.exit(1 if errs else 0)

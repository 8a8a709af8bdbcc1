# validates queries.jsonl against problems.txt and checks 4-char copying
import json, collections
P = {}; texts = []
for line in open('problems.txt', encoding='utf-8'):
    parts = line.rstrip('\n').split(' | ')
    f, i, par, lt = parts[0].split()
    P[(f, i)] = (lt, parts[2])
    texts.append(parts[1]); texts.append(parts[2])
big = '\n'.join(texts)
n = 0; ok = True
for ln, line in enumerate(open('queries.jsonl', encoding='utf-8'), 1):
    o = json.loads(line); n += 1
    assert set(o) <= {"q", "style", "relevant", "note"}
    assert o["style"] in "colloquial official concrete symptom question term offdomain".split()
    seen = set()
    for r in o["relevant"]:
        k = (r["file"], str(r["id"]))
        assert k not in seen, (ln, k); seen.add(k)
        if k not in P or P[k][0] != 'L': print('BAD id', ln, k); ok = False; continue
        if not P[k][1].startswith(r["text_start"]) or len(r["text_start"]) != min(15, len(P[k][1])):
            print('BAD text_start', ln, k); ok = False
        assert r["grade"] in (1, 2)
    if o["style"] != 'term':
        q = o["q"]
        hits = {q[i:i+4] for i in range(len(q)-3) if q[i:i+4] in big}
        if hits: print('COPY', ln, q, hits); ok = False
print(n, 'lines', 'OK' if ok else 'PROBLEMS')

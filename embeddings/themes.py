"""Themes: problems clustered across units, each named by its dominant problem type and a phrase; pure
computation, no I/O. How and why: docs/decisions.md, "Themes"."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .theme_labels import (
    LABEL_STOPWORDS,
    ctfidf_terms,
    dominant_type,
    make_label,
    representative_phrase,
    theme_label,
)
from .theme_similarity import Features, dense_part, lexical_part, neighbours

__all__ = [
    "ALGORITHM_VERSION",
    "DEFAULT_CONFIG",
    "LABEL_STOPWORDS",
    "LEXICAL_RECIPES",
    "METHODS",
    "ProblemSet",
    "ThemeConfig",
    "ThemeResult",
    "communities",
    "compute_themes",
    "ctfidf_terms",
    "leaf_rows",
    "make_label",
    "representative_phrase",
    "theme_label",
]

ALGORITHM_VERSION = "themes/1"
METHODS = ("louvain", "greedy", "kmeans", "agglomerative")
LEXICAL_RECIPES = ("text", "parent+text")

@dataclass(frozen=True)
class ThemeConfig:
    """How themes are computed. The defaults were chosen across two labellers' topics (the team's and
    outside author K's, bench/eval_themes_authors.py), among the settings whose theory-study theme spans
    four units in every seed (docs/decisions.md, "Themes default judged across authors").
    ``key()`` changes whenever the result could change, so that a cached result made with other
    settings is not reused."""

    method: str = "louvain"
    lexical: str = "text"           # tokens of: "text" (the statement) or "parent+text" (search's)
    dense_weight: float = 0.2       # share of the (centred) dense cosine in the similarity
    center: bool = True             # subtract the corpus mean from the dense vectors
    neighbors: int = 10             # kNN graph degree (louvain, greedy)
    resolution: float = 3.0         # modularity resolution (louvain, greedy)
    n_clusters: int | None = None   # kmeans / agglomerative; None: about n / 7
    min_size: int = 2               # smaller communities are not themes
    seed: int = 42
    label_terms: int = 3            # terms joined into the label
    similar_top: int = 3            # SIMILAR_TO edges per problem (cross-unit neighbours)
    similar_min: float = 0.25       # ... above this similarity: precision 0.82 (bench/RESULTS.md)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"theme method must be one of {', '.join(METHODS)}, not {self.method!r}")
        if self.lexical not in LEXICAL_RECIPES:
            raise ValueError(f"lexical must be one of {', '.join(LEXICAL_RECIPES)}, not {self.lexical!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError(f"dense_weight must lie in [0, 1], not {self.dense_weight}")

    def key(self) -> str:
        return json.dumps({"v": ALGORITHM_VERSION, **asdict(self)}, sort_keys=True)


DEFAULT_CONFIG = ThemeConfig()


# -- the problems ------------------------------------------------------------------------------

def _natural(problem_id: str) -> tuple:
    """"2.10" after "2.9": ids compare part by part as numbers (text parts after numbers)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in str(problem_id).split("."))


def leaf_rows(rows: Sequence[dict]) -> list[dict]:
    """The problems without sub-problems, sorted by (report id, problem id). The order does not
    depend on the ingest order, which is why results are the same in every workspace."""
    parents = {(r["report_id"], r["parent_id"]) for r in rows if r.get("parent_id")}
    leaves = [r for r in rows if (r["report_id"], str(r["id"])) not in parents]
    return sorted(leaves, key=lambda r: (r["report_id"], _natural(str(r["id"]))))


def unit_of(row: dict) -> str:
    """The unit a problem belongs to: the full name, because short names collide (two 市文联)."""
    return row.get("unit") or row.get("unit_short") or row["report_id"]


@dataclass
class ProblemSet:
    """Leaf problems with what clustering needs: raw dense vectors and tokens, row-aligned."""

    rows: list[dict]
    vectors: np.ndarray
    tokens: list[list[str]]

    def __post_init__(self) -> None:
        if len(self.rows) != len(self.vectors) or len(self.rows) != len(self.tokens):
            raise ValueError(f"{len(self.rows)} problems, {len(self.vectors)} vectors, {len(self.tokens)} token lists")
        self.keys = [(r["report_id"], str(r["id"])) for r in self.rows]
        self.units = [unit_of(r) for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


# -- similarity (embeddings/theme_similarity.py) ------------------------------------------------

def features(ps: ProblemSet, config: ThemeConfig) -> Features:
    return Features(dense_part(ps.vectors, config.center), lexical_part(ps.tokens), config.dense_weight)


# -- clustering --------------------------------------------------------------------------------

def knn_graph(n: int, idx: np.ndarray, sim: np.ndarray):
    """Undirected weighted kNN graph; an edge found from both ends keeps the larger weight.
    Non-positive similarities are no evidence of anything and are dropped."""
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(range(n))
    for i in range(n):
        for j, w in zip(idx[i].tolist(), sim[i].tolist(), strict=True):
            if j < 0 or w <= 0:
                continue
            if not G.has_edge(i, j) or G[i][j]["weight"] < w:
                G.add_edge(i, j, weight=float(w))
    return G


def communities(feats: Features, idx: np.ndarray, sim: np.ndarray, config: ThemeConfig) -> list[list[int]]:
    """Partition of the rows (every row in exactly one community), largest first."""
    n = feats.dense.shape[0]
    if n == 0:
        return []
    if config.method in ("louvain", "greedy"):
        import networkx as nx

        G = knn_graph(n, idx, sim)
        if config.method == "louvain":
            parts = nx.community.louvain_communities(G, weight="weight", resolution=config.resolution,
                                                     seed=config.seed)
        else:
            parts = nx.community.greedy_modularity_communities(G, weight="weight", resolution=config.resolution)
    else:
        labels = _flat_clusters(feats.stacked(), config)
        parts = [np.flatnonzero(labels == c).tolist() for c in np.unique(labels)]
    groups = [sorted(int(i) for i in p) for p in parts]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def _flat_clusters(x: np.ndarray, config: ThemeConfig) -> np.ndarray:
    n = len(x)
    k = max(1, min(n, config.n_clusters or round(n / 7)))
    if config.method == "agglomerative":
        from sklearn.cluster import AgglomerativeClustering

        if n < 2:
            return np.zeros(n, dtype=np.int64)
        return AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(x)
    import faiss

    km = faiss.Kmeans(x.shape[1], k, niter=50, seed=config.seed, spherical=True, verbose=False,
                      min_points_per_centroid=1)
    km.train(np.ascontiguousarray(x, dtype=np.float32))
    return km.index.search(np.ascontiguousarray(x, dtype=np.float32), 1)[1][:, 0]


# -- themes -------------------------------------------------------------------------------------

@dataclass
class ThemeResult:
    """Themes, cross-unit similar pairs, and the facts needed to report on them."""

    themes: list[dict]
    pairs: list[tuple[str, str, str, str, float]]
    unthemed: list[tuple[str, str]]
    stats: dict = field(default_factory=dict)
    # each problem's top cross-unit neighbours (positions, similarities): the incremental update's start
    neighbours: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict:
        return {"themes": self.themes, "pairs": [list(p) for p in self.pairs],
                "unthemed": [list(k) for k in self.unthemed], "stats": self.stats}

    @classmethod
    def from_json(cls, data: dict) -> ThemeResult:
        return cls(data["themes"], [tuple(p) for p in data["pairs"]], [tuple(k) for k in data["unthemed"]],
                   data.get("stats", {}))


def _theme_id(key: tuple[str, str]) -> str:
    return "T" + hashlib.sha1(f"{key[0]}/{key[1]}".encode()).hexdigest()[:8]


def _medoid(group: Sequence[int], feats: Features) -> int:
    """The member most similar to the others: the theme's id comes from it."""
    if len(group) <= 2:
        return group[0]
    return int(group[int(np.argmax(feats.centrality(group)))])


def _member(ps: ProblemSet, i: int) -> dict:
    r = ps.rows[i]
    return {"report_id": r["report_id"], "problem_id": str(r["id"]), "unit": ps.units[i],
            "unit_short": r.get("unit_short"), "category": r.get("category"), "text": r.get("text") or "",
            "types": list(r.get("types") or [])}


def _theme(ps: ProblemSet, group: list[int], terms: list[tuple[str, float]], feats: Features,
           config: ThemeConfig) -> dict:
    members = [_member(ps, i) for i in group]
    units = sorted({m["unit"] for m in members})
    names = [t for t, _ in terms]
    rows = [ps.rows[i] for i in group]
    central = feats.centrality(group).tolist() if len(group) > 2 else [1.0] * len(group)
    return {
        "id": _theme_id(ps.keys[_medoid(group, feats)]),
        "label": theme_label(rows, central, names, config.label_terms),
        "type": dominant_type(rows),
        "terms": names,
        "size": len(members),
        "units": units,
        "unit_count": len(units),
        "reports": sorted({m["report_id"] for m in members}),
        "members": members,
    }


def _order(themes: list[dict]) -> list[dict]:
    return sorted(themes, key=lambda t: (-t["unit_count"], -t["size"], t["label"], t["id"]))


def _pairs(ps: ProblemSet, cross_idx: np.ndarray, cross_sim: np.ndarray,
           config: ThemeConfig) -> list[tuple[str, str, str, str, float]]:
    """Cross-unit SIMILAR_TO pairs: each problem's best other-unit neighbours above the threshold,
    one direction per pair (the lower row first), strongest first."""
    best: dict[tuple[int, int], float] = {}
    for i in range(len(ps)):
        for j, s in zip(cross_idx[i, :config.similar_top].tolist(), cross_sim[i, :config.similar_top].tolist(),
                        strict=True):
            if j >= 0 and s >= config.similar_min:
                key = (min(i, j), max(i, j))
                best[key] = max(best.get(key, -1.0), float(s))
    ordered = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(*ps.keys[a], *ps.keys[b], round(s, 6)) for (a, b), s in ordered]


def compute_themes(ps: ProblemSet, config: ThemeConfig = DEFAULT_CONFIG,
                   clock: Callable[[], float] | None = None) -> ThemeResult:
    """Themes over a problem set (see the module docstring for the method)."""
    import time

    clock = clock or time.perf_counter
    t0 = clock()
    if len(ps) == 0:
        return ThemeResult([], [], [], {"problems": 0, "themes": 0, "seconds": 0.0})
    feats = features(ps, config)
    k = max(1, min(config.neighbors, len(ps) - 1))
    idx, sim, cross_idx, cross_sim = neighbours(feats, ps.units, k, config.similar_top)
    t1 = clock()
    groups = communities(feats, idx, sim, config)
    t2 = clock()
    terms = ctfidf_terms(groups, ps.tokens)
    themes, unthemed = [], []
    for group, group_terms in zip(groups, terms, strict=True):
        if len(group) >= config.min_size:
            themes.append(_theme(ps, group, group_terms, feats, config))
        else:
            unthemed.extend(ps.keys[i] for i in group)
    themes = _dedupe_ids(_order(themes))
    pairs = _pairs(ps, cross_idx, cross_sim, config)
    t3 = clock()
    stats = {"problems": len(ps), "themes": len(themes), "themed_problems": sum(t["size"] for t in themes),
             "communities": len(groups), "similar_pairs": len(pairs),
             "seconds": {"neighbours": round(t1 - t0, 4), "communities": round(t2 - t1, 4),
                         "labels_pairs": round(t3 - t2, 4), "total": round(t3 - t0, 4)}}
    return ThemeResult(themes, pairs, sorted(unthemed), stats, (cross_idx, cross_sim))


def _dedupe_ids(themes: list[dict]) -> list[dict]:
    """Medoids are distinct problems, so ids are distinct; a hash collision still must not merge
    two themes in the graph."""
    seen: Counter = Counter()
    for t in themes:
        seen[t["id"]] += 1
        if seen[t["id"]] > 1:
            t["id"] = f"{t['id']}-{seen[t['id']]}"
    return themes

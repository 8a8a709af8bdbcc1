"""Scores that mean something: the estimated probability that a hit is relevant, from absolute features
(corpus-standardised cosine, log BM25). Why and how fitted: docs/decisions.md (Search quality)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from reports.shared.datafiles import DataFileError, read_data_json

__all__ = ["ANSWER_FEATURES", "CALIBRATION_PATH", "FEATURES", "TIERS", "TOKENLESS", "Background", "Calibration", "Logistic", "default_calibration"]

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")
FEATURES = ("z", "bm25", "z_rel", "bm25_rel")
# Query-level features of the answer decision: the best candidate's probability and the share of the
# query's words that candidate contains (a hard negative such as 医保基金违规使用 is matched on its
# generic words only). Chosen by leave-one-author-out validation: docs/decisions.md, issue 21.
ANSWER_FEATURES = ("best", "cover")
# The answer decision of a query that has a vector but no words yet (the app's first seconds, before
# jieba is in): the cover feature is unknown there, and reading it as 0 silenced answerable queries
# (公务接待不规范 on the demo corpus). It gets its own floor on the dense probability alone, fitted on
# the same queries (bench/fit_calibration.py; docs/decisions.md, "Answers before the keyword index").
TOKENLESS = "tokenless"
BACKGROUND_SAMPLE = 20_000   # rows used for mu/Sigma: enough for 384 dimensions, bounded at 1M problems
_EPS = 1e-6


@dataclass(frozen=True)
class Background:
    """Mean and covariance of the indexed vectors: what a query's cosines are compared against."""

    mean: np.ndarray
    cov: np.ndarray

    @classmethod
    def of(cls, vectors: np.ndarray) -> Background | None:
        """From the indexed vectors (a deterministic sample of at most BACKGROUND_SAMPLE rows)."""
        vectors = np.asarray(vectors, dtype=np.float64)
        if vectors.ndim != 2 or len(vectors) < 2:
            return None
        if len(vectors) > BACKGROUND_SAMPLE:
            vectors = vectors[np.linspace(0, len(vectors) - 1, BACKGROUND_SAMPLE).astype(np.int64)]
        return cls(vectors.mean(axis=0), np.cov(vectors, rowvar=False))

    @classmethod
    def of_index(cls, vectors, uids: np.ndarray) -> Background | None:
        """From ``vectors`` (a VectorIndex) of the problems ``uids`` in index order, sampled by row: what
        the writer stores with a build (index_table.py) and a reader without one computes, alike."""
        if len(uids) < 2:
            return None
        rows = np.linspace(0, len(uids) - 1, min(len(uids), BACKGROUND_SAMPLE)).astype(np.int64)
        return cls.of(vectors.vectors(uids[np.unique(rows)]))

    def z(self, qvec: np.ndarray, cos: np.ndarray) -> np.ndarray:
        """Standardised cosines of one query's hits."""
        q = np.asarray(qvec, dtype=np.float64)
        sd = math.sqrt(max(float(q @ self.cov @ q), 0.0)) + _EPS
        return (np.asarray(cos, dtype=np.float64) - float(q @ self.mean)) / sd


@dataclass(frozen=True)
class Logistic:
    """p = sigmoid(intercept + sum_f weights[f] * feature_f); features it does not name are ignored."""

    weights: dict[str, float]
    intercept: float

    def probability(self, features: dict[str, np.ndarray]) -> np.ndarray:
        size = len(next(iter(features.values()))) if features else 0
        logit = np.full(size, self.intercept, dtype=np.float64)
        for name, w in self.weights.items():
            logit += w * np.asarray(features[name], dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-logit))

    def to_json(self) -> dict:
        return {"weights": {k: round(v, 6) for k, v in self.weights.items()}, "intercept": round(self.intercept, 6)}


TIERS = ("high", "possible")   # shown as 高度相关 / 可能相关


@dataclass(frozen=True)
class Calibration:
    """Models keyed ``"<purpose>:<mode>"`` (purpose: search | similar), the per-query answer floors and
    the tier boundary.

    No floor cuts a ranked list: ``answer_floor[purpose]`` decides per query whether it has any answer
    at all (its best candidate's probability), and an answered query gets its whole ranked list, each
    hit tiered ``high`` (probability >= ``tier_high``) or ``possible`` (docs/decisions.md, issue 21).
    """

    models: dict[str, Logistic]
    answer_floor: dict[str, float] = field(default_factory=dict)
    tier_high: float = 0.5
    answer_models: dict[str, Logistic] = field(default_factory=dict)  # purpose -> P(query has an answer)
    provenance: dict = field(default_factory=dict)
    model_name: str | None = None   # the embedding model the z feature was fitted with; None: any

    def fits(self, model_name: str | None) -> bool:
        """Coefficients are model-specific: another model's cosines are distributed differently."""
        return self.model_name is None or self.model_name == model_name

    def model(self, purpose: str, mode: str) -> Logistic | None:
        return self.models.get(f"{purpose}:{mode}")

    def answers(self, purpose: str, features: dict[str, float], *, tokenless: bool = False) -> bool:
        """Whether a query has an answer in the corpus, from its ANSWER_FEATURES: the answer model's
        output (or, without one for ``purpose``, the best probability itself) at or above the floor.
        ``tokenless``: the query has no words (dense only); its best probability against its own floor
        when the calibration has one (``"<purpose>:tokenless"``), else the decision with words."""
        if tokenless and f"{purpose}:{TOKENLESS}" in self.answer_floor:
            return features["best"] >= float(self.answer_floor[f"{purpose}:{TOKENLESS}"])
        floor = float(self.answer_floor.get(purpose, 0.0))
        model = self.answer_models.get(purpose)
        if model is None:
            return features["best"] >= floor
        value = model.probability({k: np.array([v]) for k, v in features.items()})[0]
        return bool(value >= floor)

    def tier(self, probability: float) -> str:
        return TIERS[0] if probability >= self.tier_high else TIERS[1]

    def to_json(self) -> dict:
        return {"model": self.model_name, "features": list(FEATURES), "answer_floor": self.answer_floor,
                "tier_high": self.tier_high, "provenance": self.provenance,
                "models": {k: m.to_json() for k, m in sorted(self.models.items())},
                "answer_models": {k: m.to_json() for k, m in sorted(self.answer_models.items())}}

    @classmethod
    def from_json(cls, data: dict, origin: str = "calibration") -> Calibration:
        try:
            models = {k: Logistic({f: float(w) for f, w in m["weights"].items() if f in FEATURES},
                                  float(m["intercept"])) for k, m in data["models"].items()}
            floors = {k: float(v) for k, v in data.get("answer_floor", {}).items()}
            tier_high = float(data.get("tier_high", 0.5))
            answer = {k: Logistic({f: float(w) for f, w in m["weights"].items() if f in ANSWER_FEATURES},
                                  float(m["intercept"])) for k, m in data.get("answer_models", {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataFileError(origin, "calibration", exc) from None
        return cls(models, floors, tier_high, answer, dict(data.get("provenance", {})), data.get("model"))

    @classmethod
    def load(cls, path: str | Path = CALIBRATION_PATH) -> Calibration:
        return cls.from_json(read_data_json(path, "calibration"), str(path))


@lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    """The shipped calibration (embeddings/calibration.json), read once per process."""
    return Calibration.load()

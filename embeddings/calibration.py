"""Scores that mean something: the estimated probability that a hit is relevant, from absolute features
(corpus-standardised cosine, log BM25). Why and how fitted: docs/decisions.md (Search quality)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from reports.datafiles import read_data_json

__all__ = ["CALIBRATION_PATH", "FEATURES", "Background", "Calibration", "Logistic", "default_calibration"]

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")
FEATURES = ("z", "bm25", "z_rel", "bm25_rel")
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


@dataclass(frozen=True)
class Calibration:
    """Models keyed ``"<purpose>:<mode>"`` (purpose: search | similar) and the default score floors."""

    models: dict[str, Logistic]
    min_score: dict[str, float]
    provenance: dict = field(default_factory=dict)
    model_name: str | None = None   # the embedding model the z feature was fitted with; None: any

    def fits(self, model_name: str | None) -> bool:
        """Coefficients are model-specific: another model's cosines are distributed differently."""
        return self.model_name is None or self.model_name == model_name

    def model(self, purpose: str, mode: str) -> Logistic | None:
        return self.models.get(f"{purpose}:{mode}")

    def floor(self, purpose: str) -> float:
        return float(self.min_score.get(purpose, 0.0))

    def to_json(self) -> dict:
        return {"model": self.model_name, "features": list(FEATURES), "min_score": self.min_score, "provenance": self.provenance,
                "models": {k: m.to_json() for k, m in sorted(self.models.items())}}

    @classmethod
    def from_json(cls, data: dict, origin: str = "calibration") -> Calibration:
        try:
            models = {k: Logistic({f: float(w) for f, w in m["weights"].items() if f in FEATURES},
                                  float(m["intercept"])) for k, m in data["models"].items()}
            floors = {k: float(v) for k, v in data.get("min_score", {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{origin}: not a search calibration ({exc})") from None
        return cls(models, floors, dict(data.get("provenance", {})), data.get("model"))

    @classmethod
    def load(cls, path: str | Path = CALIBRATION_PATH) -> Calibration:
        return cls.from_json(read_data_json(path, "calibration"), str(path))


@lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    """The shipped calibration (embeddings/calibration.json), read once per process."""
    return Calibration.load()

"""Retrieval metrics over the hand-labelled set (bench/eval/queries.json), shared by the benchmark and
the regression test so that both measure the same thing.

Grades: 2 = squarely relevant, 1 = partly; nDCG uses gain 2^grade - 1 (a grade-2 hit is worth three
grade-1 hits); P@5 and recall@20 count any grade >= 1 as relevant.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Labelled", "load_labels", "ndcg_at", "precision_at", "recall_at", "score_run"]

Key = tuple[str, str]  # (report_id, problem_id)


@dataclass(frozen=True)
class Labelled:
    id: str
    query: str
    grades: dict[Key, int]


def load_labels(path: str | Path) -> list[Labelled]:
    data = json.loads(Path(path).read_text("utf-8"))
    return [Labelled(q["id"], q["query"], {(r["report_id"], str(r["problem_id"])): int(r["grade"])
                                           for r in q["relevant"]}) for q in data["queries"]]


def ndcg_at(ranked: Sequence[Key], grades: dict[Key, int], k: int = 10) -> float:
    gains = [2 ** grades.get(key, 0) - 1 for key in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2 ** g - 1 for g in grades.values()), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def precision_at(ranked: Sequence[Key], grades: dict[Key, int], k: int = 5) -> float:
    return sum(1 for key in ranked[:k] if grades.get(key, 0) > 0) / k


def recall_at(ranked: Sequence[Key], grades: dict[Key, int], k: int = 20) -> float:
    relevant = {key for key, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def score_run(labels: Sequence[Labelled], run: Callable[[Labelled], Sequence[Key]]) -> dict[str, float]:
    """Mean P@5, nDCG@10, recall@20 of ``run`` (labelled query -> ranked keys, at least 20 deep)."""
    p5 = n10 = r20 = 0.0
    per_query = {}
    for item in labels:
        ranked = list(run(item))
        scores = (precision_at(ranked, item.grades), ndcg_at(ranked, item.grades), recall_at(ranked, item.grades))
        per_query[item.id] = round(scores[1], 4)
        p5, n10, r20 = p5 + scores[0], n10 + scores[1], r20 + scores[2]
    n = max(len(labels), 1)
    return {"P@5": p5 / n, "nDCG@10": n10 / n, "R@20": r20 / n, "per_query_ndcg": per_query}

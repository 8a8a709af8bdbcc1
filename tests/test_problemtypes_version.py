"""The stored problem types are only as good as their stamp (reports.analysis.problemtypes.types_version): a
change to the classifier that changes its answers must bump CLASSIFIER_VERSION, or stores keep the
old answers as if they were today's. This pins the classifier's answers on fixed inputs (the
statements of the two hand-labelled sets, alone and with a neighbour as parent heading, none read
through the parser) to the version that produced them."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from reports.analysis.problemtypes import CLASSIFIER_VERSION, classify, types_json

GOLD = Path(__file__).resolve().parent / "gold"
# CLASSIFIER_VERSION -> digest of its answers below. A change that moves the digest: bump the version
# (stores then reclassify through `xuncha doctor --repair`) and record the new digest here.
ANSWERS = {1: "9f0ac92d5fae88af"}


def _texts() -> list[str]:
    texts = [label["text"] for label in json.loads((GOLD / "types.json").read_text("utf-8"))["labels"]]
    texts += [json.loads(line)["text"] for line in (GOLD / "author_c" / "types.jsonl").read_text("utf-8").splitlines()
              if line.strip()]
    return texts


def test_the_classifier_answers_as_its_version_says():
    texts = _texts()
    assert len(texts) >= 200
    digest = hashlib.sha256()
    for n, text in enumerate(texts):
        digest.update(types_json(classify(text)).encode())
        digest.update(types_json(classify(text, [texts[n - 1]], fallback=["党的建设方面"])).encode())
    assert ANSWERS.get(CLASSIFIER_VERSION) == digest.hexdigest()[:16], (
        "the problem-type classifier's answers changed: bump reports.analysis.problemtypes.CLASSIFIER_VERSION and "
        f"record {digest.hexdigest()[:16]} for it in ANSWERS")

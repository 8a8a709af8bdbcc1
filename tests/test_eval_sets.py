"""The labelled search sets stay honest: paraphrases share no wording with the corpus, every judged
problem exists, and no judged problem is a heading-only parent (those are never hits)."""
from __future__ import annotations

import json
import unicodedata

import pytest
from conftest import ROOT

PARAPHRASES = ROOT / "bench" / "eval" / "paraphrases.json"
LEXICAL = ROOT / "bench" / "eval" / "queries.json"
GRAM = 4


def _grams(text: str) -> set[str]:
    text = unicodedata.normalize("NFKC", text)
    return {text[i:i + GRAM] for i in range(len(text) - GRAM + 1)}


@pytest.fixture(scope="module")
def corpus_index(corpus_reports):
    grams: set[str] = set()
    problems = {}
    for report in corpus_reports.values():
        for category in report.categories:
            grams |= _grams(category.title)
        for p in report.problems():
            grams |= _grams(p.text)
            problems[(report.id, p.id)] = p
    return grams, problems


def test_paraphrases_share_no_four_characters_with_the_corpus(corpus_index):
    grams, _ = corpus_index
    data = json.loads(PARAPHRASES.read_text("utf-8"))
    assert len(data["queries"]) >= 60
    overlaps = {q["id"]: sorted(_grams(q["query"]) & grams) for q in data["queries"]}
    assert {k: v for k, v in overlaps.items() if v} == {}


@pytest.mark.parametrize("path", [PARAPHRASES, LEXICAL], ids=["paraphrases", "lexical"])
def test_judged_problems_exist(path, corpus_index):
    _, problems = corpus_index
    data = json.loads(path.read_text("utf-8"))
    missing = [(q["id"], r["report_id"], r["problem_id"]) for q in data["queries"] for r in q["relevant"]
               if (r["report_id"], str(r["problem_id"])) not in problems]
    assert missing == []


def test_paraphrases_judge_no_heading_only_parent(corpus_index):
    _, problems = corpus_index
    data = json.loads(PARAPHRASES.read_text("utf-8"))
    headings = [(q["id"], r["problem_id"]) for q in data["queries"] for r in q["relevant"]
                if (p := problems[(r["report_id"], str(r["problem_id"]))]).children and not p.measures]
    assert headings == []

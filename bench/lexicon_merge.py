"""Merge a lexicon extension written by an outside domain author into embeddings/lexicon.json (issue 21).

    HF_HUB_OFFLINE=1 python -m bench.lexicon_merge EXTENSION.json [--max-share 0.05] [--min-chars 3]
                                                  [--out embeddings/lexicon.json]

An entry whose id is new is appended as a concept; an entry whose id the lexicon has adds its forms to
that concept (a form already there is not repeated). Forms may be dropped only by a general rule fixed
before any query set is scored, never by looking at which queries a form helps or hurts:

- ``--max-share S``: a form found in more than a share S of the stored problems of the demo corpus (their
  parent + text + measures, as BM25 reads them) is dropped: a concept on a large part of the corpus
  cannot tell problems apart and its label would colour most queries' vectors.
- ``--min-chars N``: forms shorter than N characters are dropped (two-character forms are the ones
  most often read in another sense).

The rule and what it dropped are written into the lexicon's ``how_built`` (provenance).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from embeddings.lexicon import LEXICON_PATH, Lexicon, _norm
from reports.shared import atomic


def corpus_texts() -> list[str]:
    """Each stored problem of the demo corpus as BM25 reads it (the service's LEX_RECIPE)."""
    from bench.eval_shipped import build_workspace, corpus_rows
    from embeddings.service import LEX_RECIPE
    from embeddings.table import ProblemTable

    with tempfile.TemporaryDirectory() as tmp:
        ws = build_workspace(Path(tmp) / "ws")
        table = ProblemTable(corpus_rows(ws))
        ws.close()
    return [_norm(table.doc_text(i, LEX_RECIPE)) for i in range(table.size)]


def merge(base: dict, extension: dict, max_share: float | None = None, min_chars: int = 0,
          texts: list[str] | None = None, source: str = "EXTENSION.json") -> tuple[dict, list[str]]:
    """(the merged lexicon, the forms dropped with their reason). ``texts``: the corpus, for ``max_share``."""
    dropped: list[str] = []

    def keep(form: str) -> bool:
        if len(form) < min_chars:
            dropped.append(f"{form} (< {min_chars} characters)")
            return False
        if max_share is not None and texts:
            share = sum(1 for t in texts if _norm(form) in t) / len(texts)
            if share > max_share:
                dropped.append(f"{form} (in {share:.0%} of problems)")
                return False
        return True

    concepts = [dict(c, forms=list(c["forms"])) for c in base["concepts"]]
    by_id = {c["id"]: c for c in concepts}
    seen = {_norm(f) for c in concepts for f in c["forms"]}
    added_concepts = added_forms = 0
    for entry in extension["concepts"]:
        forms = []
        for f in entry["forms"]:
            if _norm(f) not in seen and keep(f):
                seen.add(_norm(f))
                forms.append(f)
        if entry["id"] in by_id:
            by_id[entry["id"]]["forms"] += forms
            added_forms += len(forms)
        elif forms:
            concepts.append({"id": entry["id"], "label": entry.get("label", entry["id"]), "forms": forms,
                             "source": entry.get("source", "")})
            by_id[entry["id"]] = concepts[-1]
            added_concepts += 1
            added_forms += len(forms)
    rule = []
    if max_share is not None:
        rule.append(f"forms found in more than {max_share:.0%} of the demo corpus's stored problems dropped")
    if min_chars:
        rule.append(f"forms under {min_chars} characters dropped")
    how = (f"{base['how_built']} Extended 2026-12-07 (issue 21, helper h21w) with {added_concepts} concepts and "
           f"{added_forms} forms (new concepts' and extra forms of existing ids) from an extension written blind by an "
           "outside domain author who never saw the engine, the corpus or any query set (the author's own note: "
           f"'{extension['how_built']}'); merge rule fixed before scoring: {'; '.join(rule) or 'every form kept'}"
           f"{f' ({len(dropped)} dropped)' if dropped else ''}; the extension and its author's note are kept in "
           f"bench/lexicon/; command: python -m bench.lexicon_merge {source}{' --max-share ' + str(max_share) if max_share is not None else ''}"
           f"{' --min-chars ' + str(min_chars) if min_chars else ''}. Measured leave-one-outside-author-out: bench/RESULTS.md, "
           "docs/decisions.md (issue 21).")
    merged = dict(base, concepts=concepts, how_built=how)
    Lexicon.from_json(merged, "merged lexicon")   # the reader's own checks (ids, forms, lengths)
    return merged, dropped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("extension", type=Path)
    ap.add_argument("--base", type=Path, default=LEXICON_PATH, help="the lexicon extended (default: the shipped one)")
    ap.add_argument("--out", type=Path, default=LEXICON_PATH)
    ap.add_argument("--max-share", type=float, help="drop forms found in more than this share of the corpus's problems")
    ap.add_argument("--min-chars", type=int, default=0, help="drop forms shorter than this")
    args = ap.parse_args(argv)
    base = json.loads(args.base.read_text("utf-8"))
    extension = json.loads(args.extension.read_text("utf-8"))
    texts = corpus_texts() if args.max_share is not None else None
    merged, dropped = merge(base, extension, args.max_share, args.min_chars, texts, str(args.extension))
    atomic.write_text(args.out, json.dumps(merged, ensure_ascii=False, indent=1) + "\n")
    print(f"{len(merged['concepts'])} concepts, {sum(len(c['forms']) for c in merged['concepts'])} forms; "
          f"dropped {len(dropped)}: {', '.join(dropped)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

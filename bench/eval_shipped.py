"""Search as a user gets it: the shipped defaults (k=10, no options) through the workspace service, on
every labelled query set, the independent one first.

    HF_HUB_OFFLINE=1 python -m bench.eval_shipped [--workspace DIR] [--json OUT] [--sets=-independent]

Sets: independent (bench/eval/independent.jsonl, a copy of ../shared/devset/queries_independent.jsonl:
70 queries by an author who never saw the code; judgements matched on the problem's first 24
characters), author B (bench/eval/author_b/, written and frozen by a second outside author before any
tuning), the team's lexical and paraphrase sets, the team's off-domain set, and `similar` on two
authors' topic labels (relevant = same topic, another unit). Author D (bench/eval/author_d/, a third outside
author, frozen before use) is fitted on since session 5 (bench/fit_calibration.py); author G
(bench/eval/author_g/, a fourth, 21 hard negatives and 10 pasted paragraphs) was scored held out
first and is fitted on since (docs/decisions.md, issue 21); author I (bench/eval/author_i/, a fifth, frozen in
session 7) likewise, scored held out in session 7 and fitted on since session 8. Author A is never fitted on,
nor is author T (bench/eval/author_t/, a sixth, frozen in session 9 and scored on the shipped defaults);
``--sets=-independent`` runs every set but A's and T's without reading them (what a helper tuning the
defaults runs).

Per set: nDCG@10 of exactly what is returned (an answerable query that returns nothing scores 0),
mean results per answerable query, zero-answer queries that return nothing, and distinct units in an
answerable query's top 10. Beside them the ranking alone: every query answered (no per-query
answer decision).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.evaluate import ndcg_at

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "eval"
CORPUS = ROOT / "data" / "reports"

Key = tuple[str, str]


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    grades: dict[Key, int]
    style: str = ""

    @property
    def answerable(self) -> bool:
        return any(g > 0 for g in self.grades.values())


@dataclass(frozen=True)
class QuerySet:
    name: str
    queries: list[Query]
    author: str


def corpus_index(rows: Sequence[dict]) -> tuple[dict[str, str], dict[tuple[str, str], Key]]:
    """(file name -> report id, (file, first 24 chars) -> key) for judgements given by text."""
    by_file: dict[str, str] = {}
    by_start: dict[tuple[str, str], Key] = {}
    for r in rows:
        by_file[r["file"]] = r["report_id"]
        by_start[(r["file"], _norm(r["text"])[:24])] = (r["report_id"], r["id"])
    return by_file, by_start


def _file_name(name: str, by_file: dict[str, str], where: str) -> str:
    """The corpus file a judgement names: its full name, or the unique file starting ``NNN_`` when an
    annotator wrote only the report's number (author D)."""
    if name in by_file:
        return name
    matches = [f for f in by_file if f.startswith(f"{name}_")]
    if len(matches) != 1:
        raise SystemExit(f"{where}: file {name!r} names {len(matches)} corpus files")
    return matches[0]


def _norm(text: str) -> str:
    return "".join(text.split())


def load_text_judged(path: Path, name: str, author: str, rows: Sequence[dict]) -> QuerySet:
    """A jsonl set whose judgements name file, id and text_start (the independent set's format)."""
    by_file, by_start = corpus_index(rows)
    ids = {(r["report_id"], r["id"]) for r in rows}
    queries = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        q = json.loads(line)
        grades = {}
        for rel in q["relevant"]:
            rel = rel | {"file": _file_name(rel["file"], by_file, f"{path.name}:{n}")}
            key = by_start.get((rel["file"], _norm(rel["text_start"])[:24]))
            if key is None:  # fall back to the id when the parser's text start moved
                key = (by_file[rel["file"]], str(rel["id"]))
                if key not in ids:
                    raise SystemExit(f"{path.name}:{n}: judgement {rel} matches no problem")
            grades[key] = max(grades.get(key, 0), int(rel["grade"]))
        queries.append(Query(f"{name}:{n}", q["q"], grades, q.get("style", "")))
    return QuerySet(name, queries, author)


def load_team(path: Path, name: str) -> QuerySet:
    data = json.loads(path.read_text("utf-8"))
    return QuerySet(name, [Query(q["id"], q["query"], {(r["report_id"], str(r["problem_id"])): int(r["grade"])
                                                       for r in q["relevant"]}) for q in data["queries"]], "team")


def load_offdomain(path: Path) -> QuerySet:
    data = json.loads(path.read_text("utf-8"))
    return QuerySet("team off-domain", [Query(f"off:{i}", q, {}) for i, q in enumerate(data["queries"])], "team")


def corpus_rows(ws) -> list[dict]:
    """Every stored problem with its file name (the judgements' file field)."""
    files = {r["report_id"]: Path(r["source_path"]).name for r in ws.reports()}
    return [r | {"file": files[r["report_id"]]} for r in ws.store.problem_rows()]


def evaluate(qset: QuerySet, run: Callable[[list[str]], list[list[dict]]], retrievable: set[Key]) -> dict:
    """Figures of one set for one way of searching (a batch function returning hit dicts)."""
    results = run([q.text for q in qset.queries])
    answerable = [(q, hits) for q, hits in zip(qset.queries, results, strict=True) if q.answerable]
    empty = [(q, hits) for q, hits in zip(qset.queries, results, strict=True) if not q.answerable]
    out: dict = {"queries": len(qset.queries), "answerable": len(answerable), "zero_relevance": len(empty)}
    if answerable:
        per = {}
        for q, hits in answerable:
            grades = {k: g for k, g in q.grades.items() if k in retrievable}
            per[q.id] = ndcg_at([(h["report_id"], h["problem_id"]) for h in hits], grades, 10)
        out["nDCG@10"] = sum(per.values()) / len(per)
        out["results_per_query"] = sum(len(h) for _, h in answerable) / len(answerable)
        out["units_in_top10"] = sum(len({h["unit"] for h in hits[:10]}) for _, hits in answerable) / len(answerable)
        out["answerable_silent"] = sum(1 for _, h in answerable if not h)
        out["per_query"] = {q.text: round(per[q.id], 3) for q, _ in answerable}
        styles: dict[str, list[float]] = {}
        for q, _ in answerable:
            if q.style:
                styles.setdefault(q.style, []).append(per[q.id])
        out["by_style"] = {st: sum(v) / len(v) for st, v in sorted(styles.items())}
    if empty:
        out["zero_relevance_silent"] = sum(1 for _, h in empty if not h)
    return out


def similar_sets(rows: Sequence[dict]) -> list[tuple[str, dict[Key, dict[Key, int]]]]:
    """`similar` judgements: for each topic-labelled problem, the same topic in other reports."""
    sets = []
    team = json.loads((ROOT / "tests" / "gold" / "topics.json").read_text("utf-8"))
    sets.append(("team topics", _topic_grades([[(r, str(p)) for r, p in t["members"]] for t in team["topics"]])))
    author_b = EVAL / "author_b" / "topics.json"
    if author_b.is_file():
        by_file = {r["file"]: r["report_id"] for r in rows}
        data = json.loads(author_b.read_text("utf-8"))
        members: dict[str, list[Key]] = {}
        for lab in data["labels"]:
            if lab.get("topic"):
                members.setdefault(lab["topic"], []).append((by_file[lab["file"]], str(lab["id"])))
        sets.append(("author B topics", _topic_grades(list(members.values()))))
    author_k = EVAL / "author_k" / "topics.json"
    if author_k.is_file():  # names reports by corpus number: "000"
        by_number = {r["file"][:3]: r["report_id"] for r in rows}
        data = json.loads(author_k.read_text("utf-8"))
        sets.append(("author K topics", _topic_grades([[(by_number[f], str(p)) for f, p in t["members"]]
                                                       for t in data["topics"]])))
    return sets


def _topic_grades(topics: list[list[Key]]) -> dict[Key, dict[Key, int]]:
    out: dict[Key, dict[Key, int]] = {}
    for members in topics:
        for key in members:
            others = {m: 2 for m in members if m[0] != key[0]}
            if others:
                out[key] = others
    return out


def evaluate_similar(judged: dict[Key, dict[Key, int]], similar: Callable[[Key], list[dict]]) -> dict:
    scores, units, own = [], [], 0
    for key, grades in judged.items():
        hits = similar(key)
        scores.append(ndcg_at([(h["report_id"], h["problem_id"]) for h in hits], grades, 10))
        units.append(len({h["unit"] for h in hits[:10]}))
        own += sum(1 for h in hits if h["report_id"] == key[0])
    return {"problems": len(judged), "nDCG@10": sum(scores) / max(len(scores), 1),
            "units_in_top10": sum(units) / max(len(units), 1), "own_report_hits": own}


# Short names of the query sets for --sets (the set's name in the tables beside each).
SET_KEYS = {"independent": "independent", "t": "author T", "b": "author B", "d": "author D", "g": "author G",
            "i": "author I", "paraphrase": "team paraphrase", "lexical": "team lexical", "offdomain": "team off-domain"}
# Never fitted on, and left out of every run that names sets to leave out (a tuning run): read only by
# the lead's full run or by name. Author A's independent set; author T's (frozen in session 9, scored
# once on the shipped defaults: bench/eval/author_t/).
HELD_OUT = frozenset({"independent", "t"})


def select_sets(spec: str | None) -> frozenset[str]:
    """The query sets a --sets value names: keys separated by commas (``b,d,lexical``), or keys each
    preceded by ``-`` to leave out of all of them (``-independent``: every set but author A's, what a
    helper tuning defaults runs, so A's queries stay unseen until the lead scores a finished branch).
    A list of sets to leave out never includes the held-out sets (HELD_OUT: A and T)."""
    if not spec:
        return frozenset(SET_KEYS.values())
    keys = [k.strip().lower() for k in spec.split(",") if k.strip()]
    unknown = [k for k in keys if k.lstrip("-") not in SET_KEYS]
    if unknown:
        raise SystemExit(f"--sets: unknown set(s) {', '.join(unknown)}; known: {', '.join(SET_KEYS)}")
    if all(k.startswith("-") for k in keys):
        return frozenset(v for k, v in SET_KEYS.items() if f"-{k}" not in keys and k not in HELD_OUT)
    if any(k.startswith("-") for k in keys):
        raise SystemExit("--sets: name sets to keep, or sets to leave out with '-', not both")
    return frozenset(SET_KEYS[k] for k in keys)


def query_sets(rows: Sequence[dict], names: frozenset[str] | None = None) -> list[QuerySet]:
    """The labelled query sets, only those in ``names`` (default all): a set left out is not even read."""
    want = names if names is not None else frozenset(SET_KEYS.values())
    sets = []
    if "independent" in want:
        sets.append(load_text_judged(EVAL / "independent.jsonl", "independent", "outside author A", rows))
    for name in ("t", "b", "d", "g", "i"):
        path = EVAL / f"author_{name}" / "queries.jsonl"
        if SET_KEYS[name] in want and path.is_file():
            sets.append(load_text_judged(path, SET_KEYS[name], f"outside author {name.upper()}", rows))
    team = [("paraphrase", lambda: load_team(EVAL / "paraphrases.json", "team paraphrase")),
            ("lexical", lambda: load_team(EVAL / "queries.json", "team lexical")),
            ("offdomain", lambda: load_offdomain(EVAL / "offdomain.json"))]
    return sets + [load() for key, load in team if SET_KEYS[key] in want]


@contextmanager
def answering_all(searcher):
    """The ranking alone: every query answered (no per-query answer decision), for the side column."""
    saved = searcher.calibration
    if saved is not None:
        searcher.calibration = replace(saved, answer_floor={})
    try:
        yield
    finally:
        searcher.calibration = saved


def build_workspace(root: Path):
    from ui.service.workspace import Workspace

    ws = Workspace(root)
    if ws.is_empty():
        ws.ingest(sorted(CORPUS.glob("*.txt")))
    ws.sync()
    return ws


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, help="an existing workspace of the demo corpus (default: a new one)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--per-query", action="store_true", help="print nDCG per query")
    ap.add_argument("--sets", help="query sets to run, e.g. 'b,d,g,i,paraphrase,lexical,offdomain', or '-independent' "
                    f"for all but author A's (keys: {', '.join(SET_KEYS)}; default all)")
    args = ap.parse_args(argv)
    names = select_sets(args.sets)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        ws = build_workspace(args.workspace or Path(tmp) / "ws")
        rows = corpus_rows(ws)
        search = ws.search
        state = search.ensure_ready()
        retrievable = {(state.table.report_id[i], state.table.problem_id[i])
                       for i in range(state.table.size) if state.table.retrievable[i]}
        figures: dict = {"search": {}, "similar": {}}
        for qset in query_sets(rows, names):
            shipped = evaluate(qset, lambda qs: search.search_batch(qs), retrievable)
            with answering_all(state.searcher):
                ranking = evaluate(qset, lambda qs: search.search_batch(qs), retrievable)
            figures["search"][qset.name] = {"author": qset.author, "shipped": shipped, "no_floor": ranking}
        for name, judged in similar_sets(rows):
            shipped = evaluate_similar(judged, lambda key: search.similar(*key))
            with answering_all(state.searcher):
                ranking = evaluate_similar(judged, lambda key: search.similar(*key))
            figures["similar"][name] = {"shipped": shipped, "no_floor": ranking}
        ws.close()
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print_table(figures, args.per_query)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), "utf-8")
    return 0


def _f(value, fmt="{:.3f}") -> str:
    return "-" if value is None else fmt.format(value)


def print_table(figures: dict, per_query: bool = False) -> None:
    print("| set | author | nDCG@10 shipped | nDCG@10 ranking (all answered) | results/query | units in top 10 | answerable silent | zero-answer silent |")
    print("|---|---|---|---|---|---|---|---|")
    for name, f in figures["search"].items():
        s, r = f["shipped"], f["no_floor"]
        zero = f"{s['zero_relevance_silent']}/{s['zero_relevance']}" if s.get("zero_relevance") else "-"
        silent = f"{s.get('answerable_silent', 0)}/{s['answerable']}" if s["answerable"] else "-"
        print(f"| {name} | {f['author']} | {_f(s.get('nDCG@10'))} | {_f(r.get('nDCG@10'))} | "
              f"{_f(s.get('results_per_query'), '{:.1f}')} | {_f(s.get('units_in_top10'), '{:.1f}')} | {silent} | {zero} |")
    print()
    print("| similar | problems | nDCG@10 shipped | nDCG@10 ranking (all answered) | units in top 10 | own-report hits |")
    print("|---|---|---|---|---|---|")
    for name, f in figures["similar"].items():
        s, r = f["shipped"], f["no_floor"]
        print(f"| {name} | {s['problems']} | {_f(s['nDCG@10'])} | {_f(r['nDCG@10'])} | {_f(s['units_in_top10'], '{:.1f}')} | {s['own_report_hits']} |")
    styled = {name: f for name, f in figures["search"].items() if f["shipped"].get("by_style")}
    if styled:
        print()
        print("| set: nDCG@10 by query style, shipped (ranking alone) |")
        print("|---|")
        for name, f in styled.items():
            cells = [f"{st} {v:.3f} ({f['no_floor']['by_style'][st]:.3f})" for st, v in f["shipped"]["by_style"].items()]
            print(f"| {name}: {', '.join(cells)} |")
    if per_query:
        for name, f in figures["search"].items():
            for q, v in f["shipped"].get("per_query", {}).items():
                print(f"{name}\t{v}\t{f['no_floor']['per_query'][q]}\t{q}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())

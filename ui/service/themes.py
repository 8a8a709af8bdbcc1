"""ThemeService: a workspace's themes (problem clusters across units), kept in step with the store,
and "how did other units fix this?" (docs/decisions.md, "Themes")."""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from embeddings.index import problem_uids
from embeddings.search import QueryError
from embeddings.themes import DEFAULT_CONFIG, ProblemSet, ThemeConfig, ThemeResult, compute_themes, leaf_rows
from embeddings.writer_lock import writer_active
from reports.atomic import write_text
from reports.notices import XunchaError
from reports.progress import Progress
from ui.service.fixes import MERGE_METHOD, MERGE_THRESHOLD, RELATIVE_FLOOR, group_by_unit, usable_hits

__all__ = ["THEMES_FILE", "THEMES_FORMAT", "ThemeService", "UnknownUnitError", "unit_theme_matrix"]

log = logging.getLogger("xuncha.themes")
THEMES_FILE = "themes.json"
THEMES_FORMAT = "xuncha-themes/2"  # 2: themes named by dominant problem type + phrase
# the manifest fields that decide the index vectors and tokens (besides the generation and the model)
_BUILD_FIELDS = ("encoder", "model_spec", "dim", "doc_kind", "doc_recipe", "tokenizer")
MAX_FIX_PROBLEMS = 100


class UnknownUnitError(XunchaError):
    """A unit name that matches no unit in the workspace, or more than one."""


class ThemeService:
    """Themes, the unit x theme map and "how others fixed it" for one workspace.

    Parameters
    ----------
    root: the workspace directory (``themes.json`` is written there).
    store: the workspace's ``reports.store.Store``.
    search: its ``embeddings.service.SearchService`` (vectors, tokens, queries).
    graph: its ``graph.service.GraphService``, or None to leave the graph alone.
    config: how themes are computed (``embeddings.themes.ThemeConfig``).
    """

    def __init__(self, root: str | Path, store, search, graph=None, config: ThemeConfig = DEFAULT_CONFIG) -> None:
        self.root = Path(root)
        self.path = self.root / THEMES_FILE
        self.store = store
        self.search = search
        self.graph = graph
        self.config = config
        self._cache: dict | None = None
        self._tokens: dict[int, list[str]] = {}
        self._lock = threading.RLock()  # one Streamlit process shares the service across sessions

    @classmethod
    def from_workspace(cls, ws, config: ThemeConfig = DEFAULT_CONFIG) -> ThemeService:
        return cls(ws.root, ws.store, ws.search, ws.graph, config)

    # -- the cached result --------------------------------------------------------------------------
    def snapshot(self, progress: Progress | None = None) -> dict:
        """The current themes document (see ``_document``), recomputed first if it is stale."""
        with self._lock:
            cached = self._cache if self._cache is not None else self._read()
            if cached is not None and self._fresh(cached):
                self._cache = cached
                return cached
            if cached is not None and cached.get("format") == THEMES_FORMAT and writer_active(self.root):
                log.info("themes are being updated by another process; answering from the last computation")
                return cached  # a reader never waits for a writer's embedding (docs/decisions.md "Faults")
            self._cache = self._recompute(progress)
            return self._cache

    def themes(self) -> list[dict]:
        """Themes, most units first: ``{id, label, terms, size, units, unit_count, reports,
        members: [{report_id, problem_id, unit, unit_short, category, text}]}``."""
        return self.snapshot()["themes"]

    def theme(self, theme_id: str) -> dict | None:
        return next((t for t in self.themes() if t["id"] == theme_id), None)

    def unit_theme_matrix(self) -> dict:
        """Units x themes problem counts (``unit_theme_matrix`` below), as cached."""
        return self.snapshot()["unit_theme"]

    def labels(self) -> dict[tuple[str, str], str]:
        """(report_id, problem_id) -> theme label, for the problem ledger."""
        return {(m["report_id"], m["problem_id"]): t["label"] for t in self.themes() for m in t["members"]}

    def _stamp(self, legacy: bool = False) -> dict:
        """What the themes depend on besides the settings: the store generation and how the index's
        vectors and tokens were made (model, encoder, recipes), not its file names: a search that
        repairs a damaged file re-embeds the same problems the same way under new names
        (docs/decisions.md "Faults")."""
        from embeddings.manifest import read_manifest

        manifest = read_manifest(self.search.dir)
        build = None
        if manifest is not None:
            build = manifest.files.get("vectors") if legacy else {k: getattr(manifest, k) for k in _BUILD_FIELDS}
        return {"generation": self.store.generation(), "model": manifest.model if manifest else None, "index": build}

    def _fresh(self, doc: dict) -> bool:
        stamp = doc.get("stamp")
        legacy = isinstance(stamp, dict) and isinstance(stamp.get("index"), str)  # older files: the vectors file name
        return (doc.get("format") == THEMES_FORMAT and doc.get("config") == self.config.key()
                and stamp == self._stamp(legacy))

    def _read(self) -> dict | None:
        try:
            return json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("%s unreadable (%s); recomputing themes", self.path, exc)
            return None

    def _recompute(self, progress: Progress | None) -> dict:
        report = progress or (lambda stage, done, total: None)
        started = time.perf_counter()
        report("themes", 0, 3)
        problems, stamp = self._problem_set()
        report("themes", 1, 3)
        result = compute_themes(problems, self.config)
        report("themes", 2, 3)
        doc = _document(result, stamp, self.config, time.perf_counter() - started)
        write_text(self.path, json.dumps(doc, ensure_ascii=False))
        report("themes", 3, 3)
        log.info("themes: %d over %d problems in %.2fs", len(result.themes), len(problems), doc["seconds"])
        return doc

    def _problem_set(self) -> tuple[ProblemSet, dict]:
        """Leaf problems with their index vectors and tokens. The search index is brought up to
        date first. If an ingest lands in between, the rows are read again."""
        for _ in range(3):
            state = self.search.ensure_ready()
            rows = leaf_rows(self.store.problem_rows())
            if state.generation != self.store.generation():
                continue
            uids = problem_uids((r["report_id"], str(r["id"])) for r in rows)
            vectors = state.vectors.vectors(uids)
            return ProblemSet(rows, vectors, self._token_lists(rows, uids, state)), self._stamp()
        raise RuntimeError("the workspace keeps changing while themes are computed; try again")

    def _token_lists(self, rows: list[dict], uids, state) -> list[list[str]]:
        if self.config.lexical == "parent+text":
            return [state.tokens.get(int(u), []) for u in uids]
        from embeddings.lexical import get_tokenizer

        tokenizer = get_tokenizer()
        out = []
        for row, uid in zip(rows, uids.tolist(), strict=True):
            if uid not in self._tokens:
                self._tokens[uid] = tokenizer.tokenize(row.get("text") or "")
            out.append(self._tokens[uid])
        return out

    # -- graph ----------------------------------------------------------------------------------------
    def sync(self, progress: Progress | None = None, *, force: bool = False) -> dict:
        """Recompute the themes if stale (always with ``force``) and write them into the graph
        when it does not have them yet. Returns a summary."""
        with self._lock:
            if force:
                self._cache = self._recompute(progress)
            before = self._cache
            doc = self.snapshot(progress)
            recomputed = force or doc is not before
            written = self._push(doc) if self.graph is not None else None
        return {"themes": len(doc["themes"]), "similar_pairs": len(doc["pairs"]), "generation": doc["stamp"]["generation"],
                "recomputed": recomputed, "seconds": doc["seconds"], "graph": written}

    def _push(self, doc: dict) -> dict | None:
        """Theme nodes and SIMILAR_TO links into the graph's store, writing only what changed (the
        writer never assembles the graph; readers do)."""
        themes = [{"id": t["id"], "label": t["label"],
                   "members": [(m["report_id"], m["problem_id"]) for m in t["members"]]} for t in doc["themes"]]
        changed = self.graph.fragments.set_themes(themes)
        changed += self.graph.fragments.set_links("SIMILAR_TO", [tuple(p) for p in doc["pairs"]])
        if not changed:
            return None
        return {"themes": len(themes), "similar_to": len(doc["pairs"]), "changed": changed}

    # -- how others fixed it ---------------------------------------------------------------------
    def fixes(self, query: str | None = None, *, report_id: str | None = None, problem_id: str | None = None,
              exclude_units: Sequence[str] = (), k: int = 10) -> dict[str, Any]:
        """Measures taken by other units for problems like ``query``, or like the stored problem
        (``report_id``, ``problem_id``), whose own unit is then left out. The result is grouped by
        unit, near-identical measures merged.

        ``exclude_units``: unit names (full name, unique short name or unique part of a full name)
        to leave out too. ``k``: at most this many similar problems are used."""
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_FIX_PROBLEMS:
            raise QueryError("bad_k", max_k=MAX_FIX_PROBLEMS, k=k)
        by_problem = report_id is not None or problem_id is not None
        if by_problem == (query is not None):
            raise QueryError("query_or_problem")
        if by_problem and (report_id is None or problem_id is None):
            raise QueryError("need_query")
        excluded = self.resolve_units(exclude_units)
        source = self._source(report_id, problem_id) if by_problem else None
        if source is not None:
            excluded = sorted({*excluded, source["unit"]})
        filters = {"exclude_report": tuple(self._reports_of(excluded))}
        want = min(1000, max(3 * k, 30))  # hits without measures are skipped: ask for more
        if source is not None:
            hits = self.search.similar(report_id, problem_id, k=want, filters=filters)
        else:
            hits = self.search.search(query, k=want, filters=filters)
        used = usable_hits(hits, k)
        groups, merged = group_by_unit(used)
        return {"query": query if source is None else source["text"], "source": source, "excluded_units": excluded,
                "problems": len(used), "units": groups,
                "method": {"relative_floor": RELATIVE_FLOOR, "merge": MERGE_METHOD,
                           "merge_threshold": MERGE_THRESHOLD, "merged": merged}}

    def _units(self) -> dict[str, dict]:
        """Full unit name -> {"short", "reports"}; a unit inspected twice has two reports."""
        units: dict[str, dict] = {}
        for s in self.store.summaries():
            name = s.get("unit") or s.get("unit_short") or s["report_id"]
            entry = units.setdefault(name, {"short": s.get("unit_short"), "reports": []})
            entry["reports"].append(s["report_id"])
        return units

    def resolve_units(self, names: Sequence[str]) -> list[str]:
        """Full names for what a user typed: the full name, a display name, or a part of exactly
        one full or display name (市文旅广体局 is part of 益阳市文旅广体局). Anything else is an ``UnknownUnitError`` that lists
        the candidates."""
        units = self._units()
        return sorted({_resolve(name, units) for name in names if name and name.strip()})

    def _reports_of(self, unit_names: Sequence[str]) -> list[str]:
        units = self._units()
        return sorted(r for name in unit_names for r in units.get(name, {}).get("reports", []))

    def _source(self, report_id: str, problem_id: str) -> dict:
        rows = self.store.problem_rows([str(report_id)])
        if not rows:
            raise QueryError("unknown_report", report_id=report_id)
        row = next((r for r in rows if str(r["id"]) == str(problem_id)), None)
        if row is None:
            raise QueryError("unknown_problem_hint", report_id=report_id, problem_id=problem_id)
        return {"report_id": row["report_id"], "problem_id": str(row["id"]), "unit": row.get("unit") or row["report_id"],
                "unit_short": row.get("unit_short"), "text": row.get("text") or "", "measures": row["measures"]}


def _resolve(name: str, units: dict[str, dict]) -> str:
    needle = " ".join(name.split())
    if needle in units:
        return needle
    for candidates in ([u for u, d in units.items() if d["short"] == needle],
                       [u for u, d in units.items() if needle in u or (d["short"] and needle in d["short"])]):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise UnknownUnitError("unit_ambiguous", unit=needle, candidates=sorted(candidates))
    known = ", ".join(f"{u} ({d['short']})" if d["short"] and d["short"] != u else u for u, d in sorted(units.items()))
    raise UnknownUnitError("unknown_unit", unit=needle, known=known or "(none)")


def _document(result: ThemeResult, stamp: dict, config: ThemeConfig, seconds: float) -> dict:
    """What themes.json holds. ``unit_theme`` is kept with the themes so that readers need
    nothing else."""
    return {"format": THEMES_FORMAT, "stamp": stamp, "config": config.key(),
            "computed_at": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": round(seconds, 4),
            **result.to_json(), "unit_theme": unit_theme_matrix(result.themes)}


def _graph_has(graph, doc: dict) -> bool:
    """Whether the graph service's store holds exactly these themes (ids and sizes) and similar pairs."""
    have = {t["id"]: len(t["members"]) for t in graph.stored_themes()}
    want = {t["id"]: t["size"] for t in doc["themes"]}
    return have == want and len(graph.links("SIMILAR_TO")) == len(doc["pairs"])


def unit_theme_matrix(themes: Sequence[dict]) -> dict:
    """Units x themes problem counts (the page's heatmap and `xuncha themes`). Units with more themes come first; themes keep their order
    (most units first).

    ``{"units": [full names], "unit_short": [display names], "unit_labels": [the same],
    "themes": [ids], "labels": [...], "counts": [[int per theme] per unit]}``"""
    per_unit: dict[str, Counter] = {}
    short: dict[str, str | None] = {}
    for col, t in enumerate(themes):
        for m in t["members"]:
            per_unit.setdefault(m["unit"], Counter())[col] += 1
            short.setdefault(m["unit"], m.get("unit_short"))
    units = sorted(per_unit, key=lambda u: (-len(per_unit[u]), -sum(per_unit[u].values()), u))
    shorts = [short[u] or u for u in units]
    return {
        "units": units,
        "unit_short": shorts,
        "unit_labels": shorts,  # display names: distinct per workspace (Store.unit_names)
        "themes": [t["id"] for t in themes],
        "labels": [t["label"] for t in themes],
        "counts": [[per_unit[u].get(c, 0) for c in range(len(themes))] for u in units],
    }

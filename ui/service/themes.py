"""ThemeService: a workspace's themes (problem clusters across units), kept in step with the store,
and "how did other units fix this?" (docs/decisions.md, "Themes")."""
from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import numpy as np

from embeddings.index import problem_uids
from embeddings.themes import (
    ALGORITHM_VERSION,
    DEFAULT_CONFIG,
    ProblemSet,
    ThemeConfig,
    _natural,
    compute_themes,
    leaf_rows,
    unit_of,
)
from embeddings.themes_candidates import CANDIDATE_MIN, CandidateParams
from embeddings.themes_update import (
    DRIFT_THRESHOLD,
    INCREMENTAL_MIN,
    Candidates,
    ThemeState,
    Transform,
    join_themes,
    update_neighbours,
)
from embeddings.writer_lock import writer_active
from reports.shared.atomic import write_text
from reports.shared.notices import XunchaError
from reports.shared.progress import Progress
from ui.service.themes_doc import (
    THEMES_FORMAT,
    Computed,
    document,
    hydrate,
    lean_themes,
    unit_theme_matrix,
    update_document,
    upgrade,
)
from ui.service.themes_index import open_candidates, save_candidates
from ui.service.themes_state import (
    STATE_FILE,
    append_rows,
    base_state,
    read_state,
    stored_pairs,
    take_rows,
    write_state,
)

__all__ = ["THEMES_FILE", "THEMES_FORMAT", "ThemeService"]

log = logging.getLogger("xuncha.themes")
THEMES_FILE = "themes.json"
# the manifest fields that decide the index vectors and tokens (besides the generation and the model)
_BUILD_FIELDS = ("encoder", "model_spec", "dim", "doc_kind", "doc_recipe", "tokenizer")


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
        self._chosen = config          # what a clustering afresh uses (``config`` may adopt a stored one)
        self._cache: dict | None = None
        self._file: tuple[tuple, dict] | None = None   # (stat signature, document) of the last read or write
        self._computed: Computed | None = None   # a document just computed, with its pairs or their change
        self._tokens: dict[int, list[str]] = {}
        self._lock = threading.RLock()  # one Streamlit process shares the service across sessions
        self.drift_threshold = DRIFT_THRESHOLD   # past it an update clusters afresh (themes_update)
        self.incremental_min = INCREMENTAL_MIN   # smaller workspaces are clustered afresh at every change
        self.candidate_min = CANDIDATE_MIN       # from this many problems an update searches candidates
        self.candidate_params = CandidateParams()  # how many, how (embeddings/themes_candidates.py)
        self.full_update = False                 # recompute every neighbour list and join (tests: = incremental)

    @classmethod
    def from_workspace(cls, ws, config: ThemeConfig = DEFAULT_CONFIG) -> ThemeService:
        return cls(ws.root, ws.store, ws.search, ws.graph, config)

    # -- the cached result --------------------------------------------------------------------------
    def snapshot(self, progress: Progress | None = None) -> dict:
        """The current themes document (ui/service/themes_doc.py: members as [report id, problem id]),
        recomputed first if it is stale."""
        with self._lock:
            cached = self._cache if self._cache is not None else self._read()
            if cached is not None and self.is_fresh(cached):
                self._cache = cached
                return cached
            if cached is not None and cached.get("format") == THEMES_FORMAT and writer_active(self.root):
                log.info("themes are being updated by another process; answering from the last computation")
                return cached  # a reader never waits for a writer's embedding (docs/decisions.md "Faults")
            self._cache = self._recompute(progress, cached)
            return self._cache

    def themes(self) -> list[dict]:
        """Themes, most units first: ``{id, label, type, terms, size, units, unit_count, reports,
        members: [{report_id, problem_id, unit, unit_short, category, text, types}]}`` (the members'
        fields read from the store: ``snapshot()`` holds them as [report id, problem id])."""
        return hydrate(self.store, self.snapshot()["themes"])

    def theme(self, theme_id: str) -> dict | None:
        """One theme as ``themes()`` gives it (its members only read from the store), None if unknown."""
        lean = next((t for t in self.snapshot()["themes"] if t["id"] == theme_id), None)
        return None if lean is None else hydrate(self.store, [lean])[0]

    def unit_theme_matrix(self) -> dict:
        """Units x themes problem counts (ui.service.themes_doc.unit_theme_matrix), as cached."""
        return self.snapshot()["unit_theme"]

    def labels(self) -> dict[tuple[str, str], str]:
        """(report_id, problem_id) -> theme label, for the problem ledger."""
        return {(r, p): t["label"] for t in self.snapshot()["themes"] for r, p in t["members"]}

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

    def _adopt_settings(self, doc: dict) -> None:
        """Keep the stored themes' settings when only the default changed (a new release): clustering a
        province afresh costs tens of CPU minutes and GB (bench/RESULTS.md "writer-budget"), so a new default
        waits for the next clustering afresh (``themes --recompute``, or past the drift threshold). Settings
        a caller chose, or another algorithm version, are never adopted."""
        if self._chosen is not DEFAULT_CONFIG or doc.get("config") == self.config.key() \
                or doc.get("format") != THEMES_FORMAT or not isinstance(doc.get("base"), dict):
            return
        try:
            stored = json.loads(doc.get("config") or "")
            if stored.pop("v", None) == ALGORITHM_VERSION:
                self.config = ThemeConfig(**stored)
        except (TypeError, ValueError):
            return  # unreadable settings: the default, clustering afresh

    def is_fresh(self, doc: dict) -> bool:
        """Whether the themes document ``doc`` reflects the store, the index build and the settings."""
        self._adopt_settings(doc)
        stamp = doc.get("stamp")
        legacy = isinstance(stamp, dict) and isinstance(stamp.get("index"), str)  # older files: the vectors file name
        return (doc.get("format") == THEMES_FORMAT and doc.get("config") == self.config.key()
                and stamp == self._stamp(legacy))

    def _read(self) -> dict | None:
        try:
            return self.read_document()
        except (OSError, ValueError) as exc:
            log.warning("%s unreadable (%s); recomputing themes", self.path, exc)
            return None

    def read_document(self) -> dict | None:
        """themes.json as saved (an older format upgraded in memory), None if there is none;
        OSError/ValueError if it is not a themes file. Parsed once per version of the file (its stat
        signature): a sync's freshness check and its update share one read."""
        try:
            st = self.path.stat()
            signature = (st.st_mtime_ns, st.st_size, st.st_ino)
            if self._file is not None and self._file[0] == signature:
                return self._file[1]
            doc = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("stamp"), dict):
            raise ValueError("not a themes file")
        doc = upgrade(doc)
        self._file = (signature, doc)
        return doc

    def in_graph(self, doc: dict) -> bool:
        """Whether the graph's store holds exactly these themes (ids and sizes) and as many similar
        pairs (counted in SQLite: the pairs are not read)."""
        want = {t["id"]: t["size"] for t in doc["themes"]}
        return self.graph.fragments.theme_sizes() == want and \
            self.graph.fragments.counts().get("SIMILAR_TO", 0) == doc["stats"].get("similar_pairs", 0)

    def pairs(self) -> list[tuple]:
        """The SIMILAR_TO pairs of the current themes (report, problem, report, problem, score), strongest
        first: as just computed, else from the state file (themes.json does not hold them)."""
        with self._lock:
            doc = self.snapshot()
            if self._computed is not None and self._computed.doc is doc and self._computed.pairs is not None:
                return self._computed.pairs
            pairs = stored_pairs(self.root / STATE_FILE, self.store.leaf_keys(), self.config)
            if pairs is None:   # no usable state beside the document: cluster afresh
                self._cache = self._recluster(lambda stage, done, total: None)
                return self._computed.pairs
            return pairs

    def _recompute(self, progress: Progress | None, cached: dict | None = None) -> dict:
        """Bring the themes up to date: incrementally from the last clustering when it still describes
        the workspace, by clustering afresh otherwise (docs/decisions.md, "Scale to a province").
        ``cached``: the document the caller read already (themes.json is ~0.5 kB per problem: reading it
        twice cost ~800 MB and 3 CPU s at 320k problems)."""
        report = progress or (lambda stage, done, total: None)
        if cached is None:
            cached = self._cache if self._cache is not None else self._read()
        if cached is not None:
            self._adopt_settings(cached)
        if cached is not None and cached.get("format") == THEMES_FORMAT and cached.get("config") == self.config.key() \
                and isinstance(cached.get("base"), dict) and cached.get("stamp", {}).get("index") == self._stamp()["index"]:
            loaded = read_state(self.root / STATE_FILE)
            if loaded is not None and loaded[1].uids.size == cached["base"].get("rows", -1):
                doc = self._update(cached, *loaded, report)
                if doc is not None:
                    return doc
        return self._recluster(report)

    def _recluster(self, report: Progress) -> dict:
        """Cluster every problem afresh: a new base (transform, themes, neighbours), with the chosen
        settings (not ones adopted from the stored themes)."""
        self.config = self._chosen
        started = time.perf_counter()
        report("themes", 0, 3)
        problems, stamp = self._problem_set()
        report("themes", 1, 3)
        result = compute_themes(problems, self.config)
        report("themes", 2, 3)
        transform = Transform.fit(problems.vectors, problems.tokens, self.config)
        state = base_state(problems, result, transform, self.config)
        base = {"generation": stamp["generation"], "problems": len(problems), "drift": 0.0,
                "themes": [{k: t[k] for k in ("id", "label", "type", "terms")} for t in result.themes]}
        matrix = unit_theme_matrix(result.themes, [[(m["unit"], m.get("unit_short")) for m in t["members"]]
                                                   for t in result.themes])
        doc = document(lean_themes(result.themes), result.unthemed, result.stats, matrix, stamp, self.config,
                       time.perf_counter() - started)
        self._save(doc, base, transform, state, len(problems))
        self._computed = Computed(doc, result.pairs)
        report("themes", 3, 3)
        log.info("themes: %d over %d problems in %.2fs (clustered afresh)", len(result.themes), len(problems),
                 doc["seconds"])
        return doc

    def _save(self, doc: dict, base: dict, transform: Transform, state: ThemeState, base_total: int,
              candidates: Candidates | None = None) -> None:
        doc["base"] = {**base, "rows": int(state.uids.size), "base_total": base_total}
        save_candidates(self.root, transform, candidates)   # first: a crash before the state makes it a misfit
        write_state(self.root / STATE_FILE, transform, state, base_total)
        write_text(self.path, json.dumps(doc, ensure_ascii=False))
        st = self.path.stat()
        self._file = ((st.st_mtime_ns, st.st_size, st.st_ino), doc)   # what a freshness check reads next

    def _update(self, cached: dict, transform: Transform, state: ThemeState, base_total: int,
                report: Progress) -> dict | None:
        """Themes and SIMILAR_TO pairs after the problems added and removed since ``cached``
        (embeddings.themes_update); None when the drift calls for clustering afresh."""
        started = time.perf_counter()
        report("themes", 0, 3)
        search = self.search.index_data()   # the index's vectors and tokens; no query state is built
        generation = self.store.generation()
        if search.generation != generation:
            return None
        keys = sorted(self.store.leaf_keys(), key=lambda k: (k[0], _natural(k[1])))
        now = problem_uids(keys)
        key_of = dict(zip(now.tolist(), keys, strict=True))
        gone = ~np.isin(state.uids, now)
        held, gone_uids = state.uids, state.uids[gone]
        new_uids = now[~np.isin(now, state.uids)]
        if gone.any():
            removed = set(state.uids[gone].tolist())
            dirty_uids = {int(u) for u, row in zip(state.uids.tolist(), state.nbr.tolist(), strict=True)
                          if u not in removed and removed & set(row)}
            rejoin = bool((state.in_base & gone).any())
            state = take_rows(state, ~gone)
        else:
            dirty_uids, rejoin = set(), False
        new_rows = self.store.problem_rows(sorted({key_of[int(u)][0] for u in new_uids})) if len(new_uids) else []
        info = {(r["report_id"], str(r["id"])): r for r in new_rows}
        new_keys = [key_of[int(u)] for u in new_uids]
        tokens = self._token_lists([info[k] for k in new_keys], new_uids, search)
        start = len(state)
        state = append_rows(state, new_uids, [unit_of(info[k]) for k in new_keys], transform.lexical(tokens))
        del new_rows, info, tokens
        pos = {int(u): i for i, u in enumerate(state.uids.tolist())}
        added = np.arange(start, len(state), dtype=np.int64)
        report("themes", 1, 3)

        def dense_of(positions: np.ndarray) -> np.ndarray:
            return transform.dense(search.vectors.vectors(state.uids[np.asarray(positions, dtype=np.int64)]))

        full = np.asarray(sorted({*added.tolist(), *(pos[u] for u in dirty_uids)}), dtype=np.int64)
        candidates = open_candidates(self.root, transform, state, held, gone_uids, added, dense_of, self.candidate_min,
                                     self.candidate_params)
        if self.full_update:   # the rebuild an incremental update must equal
            full, added = np.arange(len(state), dtype=np.int64), np.zeros(0, dtype=np.int64)
            rejoin = True
        prev = None if gone.any() or self.full_update else (state.nbr, state.nbr_sim)   # additions only: diff the pairs
        state.nbr, state.nbr_sim = update_neighbours(state, dense_of, added, self.config.similar_top, full, candidates)
        joining = np.flatnonzero(~state.in_base) if rejoin else added
        state.theme[joining] = join_themes(state, dense_of, joining, self.config, candidates)
        drift = (int(((~state.in_base) & (state.theme < 0)).sum()) + base_total - int(state.in_base.sum())) \
            / max(len(state), 1)
        if len(state) < self.incremental_min:
            return None
        if drift > self.drift_threshold:
            log.info("themes: drift %.2f > %.2f; clustering afresh", drift, self.drift_threshold)
            return None
        report("themes", 2, 3)
        doc, computed = update_document(cached, state, key_of, self.store.unit_names(), self._stamp(), self.config,
                                        drift, time.perf_counter() - started, prev)
        self._save(doc, {**cached["base"], "drift": round(drift, 4)}, transform, state, base_total, candidates)
        self._computed = computed
        report("themes", 3, 3)
        log.info("themes: +%d -%d problems joined incrementally in %.2fs (drift %.3f)", len(new_uids), int(gone.sum()),
                 doc["seconds"], drift)
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
        raise XunchaError("themes_unstable")

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
            if force:  # on demand: cluster afresh (a new base)
                self._cache = self._recluster(progress or (lambda stage, done, total: None))
            doc = self.snapshot(progress)
            computed = self._computed if self._computed is not None and self._computed.doc is doc else None
            recomputed = computed is not None   # in this call (or computed and not written yet)
            written = None
            if self.graph is not None and computed is not None and computed.changes is not None:
                written = self._push(doc, changes=computed.changes)
            elif self.graph is not None and (recomputed or not self.in_graph(doc)):
                written = self._push(doc, self.pairs())
            self._computed = None   # the pairs are in graph.db now; pairs() derives them from the state again
        return {"themes": len(doc["themes"]), "similar_pairs": doc["stats"].get("similar_pairs", 0),
                "generation": doc["stamp"]["generation"], "recomputed": recomputed, "seconds": doc["seconds"],
                "graph": written}

    def _push(self, doc: dict, pairs: list[tuple] | None = None, changes: tuple | None = None) -> dict | None:
        """Theme nodes and SIMILAR_TO links into the graph's store, writing only what changed (the
        writer never assembles the graph; readers do). ``changes`` (pairs gone, pairs new or rescored,
        the count before) patches the stored pairs without reading them, when graph.db holds the
        previous document's pairs (their count agrees); otherwise every pair is compared."""
        themes = [{"id": t["id"], "label": t["label"], "members": [tuple(m) for m in t["members"]]}
                  for t in doc["themes"]]
        fragments = self.graph.fragments
        changed = fragments.set_themes(themes)
        if changes is not None and fragments.counts().get("SIMILAR_TO", 0) == changes[2]:
            changed += fragments.patch_links("SIMILAR_TO", changes[0], changes[1])
        if changes is None or fragments.counts().get("SIMILAR_TO", 0) != doc["stats"]["similar_pairs"]:
            pairs = pairs if pairs is not None else self.pairs()
            changed += fragments.set_links("SIMILAR_TO", pairs)
        if not changed:
            return None
        return {"themes": len(themes), "similar_to": doc["stats"]["similar_pairs"], "changed": changed}

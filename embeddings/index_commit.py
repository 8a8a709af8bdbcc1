"""Committing a search index build: write the changed files under a fresh build token, then the
manifest that names them (the commit point, manifest.py), then drop the files no manifest names.

One of the parts ``IndexSync`` (index_sync.py) holds; the caller holds the writer lock."""
from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reports.shared.atomic import write_json
from reports.shared.progress import Progress

from .calibration import Background
from .encoder_slot import EncoderSlot
from .index import VectorIndex
from .index_engine import EngineSlot
from .index_table import TableSide
from .index_tokens import LexicalPlan, TokenSide, TokenSync
from .lexical import LexicalIndex
from .manifest import Manifest, versions, write_manifest
from .table import KeyTable, ProblemTable
from .table_columns import Columns
from .token_file import TOKENS_SUFFIX, write_tokens

__all__ = ["IndexCommit"]


class IndexCommit:
    """Writes builds of the index in ``directory``: the model from ``encoders``, the backend from
    ``engines``, the BM25 files through ``tokens``; ``doc_kind``/``doc_recipe`` are recorded."""

    def __init__(self, directory: Path, *, encoders: EncoderSlot, engines: EngineSlot, tokens: TokenSide,
                 tables: TableSide, doc_kind: str, doc_recipe: str) -> None:
        self.dir = directory
        self.encoders = encoders
        self.engines = engines
        self.tokens = tokens
        self.tables = tables
        self.doc_kind = doc_kind
        self.doc_recipe = doc_recipe

    def commit(self, old: Manifest | None, generation: int, table: ProblemTable | KeyTable, vectors: VectorIndex,
               lexical: LexicalIndex | LexicalPlan, tokens: Mapping[int, Sequence[str]], vectors_changed: bool,
               tokens_changed: bool, lexical_changed: bool, report: Progress, *, columns: Columns) -> Manifest:
        """Write new files under a fresh token, then the manifest; finally drop unreferenced files. The
        search table (``columns``) is written with every build: it carries the build's generation."""
        token = f"{generation}-{secrets.token_hex(4)}"
        files = dict(old.files) if old is not None else {}
        tokens_version = self.tokens.tokens_version
        report("save", 0, 4)
        if vectors_changed or "vectors" not in files:
            files["vectors"] = f"vectors-{token}.faiss"
            vectors.save(self.dir / files["vectors"])
            files["ids"] = f"ids-{token}.json"
            idmap = {str(u): [table.report_id[i], table.problem_id[i]] for i, u in enumerate(table.uids.tolist())}
            write_json(self.dir / files["ids"], {"ids": idmap})
        report("save", 1, 4)
        if tokens_changed or "tokens" not in files:
            files["tokens"] = f"tokens-{token}{TOKENS_SUFFIX}"
            if isinstance(tokens, TokenSync):   # the kept rows copied from the last file, the added appended
                tokens.write(self.dir / files["tokens"], tokens_version)
            else:
                write_tokens(self.dir / files["tokens"], tokens_version, tokens)
        report("save", 2, 4)
        if lexical_changed or "lexical" not in files:
            files["lexical"] = f"lexical-{token}"
            self.tokens.save_lexical(self.dir / files["lexical"], lexical, table, self.dir / files["tokens"])
        files["table"] = f"table-{token}"
        columns.background = Background.of_index(vectors, table.uids)   # readers load it, not compute it
        self.tables.save(self.dir / files["table"], columns, generation)
        report("save", 3, 4)
        encoder = self.encoders.loaded
        encoder_info = encoder.info() if encoder is not None else (old.encoder if old else {})
        model = encoder.name if encoder is not None else (old.model if old else "")
        requested = self.encoders.requested_model
        spec = requested if requested is not None else (old.model_spec if old else None)
        backend = self.engines.wanted(old)
        manifest = Manifest(model=model, model_spec=spec, dim=vectors.dim, doc_kind=self.doc_kind,
                            doc_recipe=self.doc_recipe, index_kind=vectors.kind, count=len(vectors),
                            generation=generation, files=files, versions=versions(),
                            tokenizer=tokens_version, encoder=_jsonable(encoder_info),
                            backend=backend[0], backend_uri=backend[1])
        write_manifest(self.dir, manifest)
        report("save", 4, 4)
        self.collect_garbage(set(files.values()))
        self.engines.committed()
        return manifest

    def collect_garbage(self, keep: set[str]) -> None:
        """Remove build files not in ``keep`` (temp files only after an hour: a writer may still run)."""
        for path in self.dir.iterdir():
            name = path.name
            if name in keep or name in ("manifest.json", ".lock"):
                continue
            if not re.match(r"^(vectors-|ids-|tokens-|lexical-|table-|\.)", name):
                continue  # not ours
            if name.startswith(".") and time.time() - path.stat().st_mtime < 3600:
                continue  # a temp file of a writer that may still be running
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))

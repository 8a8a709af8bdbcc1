"""Time to the first answer after an upgrade that changed the embedded text (docs/decisions.md,
"Upgrades that change the embedded text"): a workspace of the demo corpus is indexed under another
recipe stamp (as an earlier version would have), then a fresh process opens it and searches once.
Each checkout named runs on its own copy of that workspace, so the "before" code (sync first: a full
re-embed) and this one (answer from the earlier build) start from the same files.

    python -m bench.bench_reembed [--before /work/main] [--rounds 2]

A third row times this checkout's first answer on the same workspace once re-embedded (the
reference: an index of today). Each run is a child process with the checkout first on its path (PYTHONPATH), timed inside from
opening the workspace to the first hits; printed as one JSON line per run. Real model, offline."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "reports"
QUERY = "理论学习流于形式"

BUILD = """
import sys
import embeddings.index_sync as index_sync
index_sync.recipe_stamp = lambda recipe: recipe + "@an-earlier-version"
from ui.service.workspace import Workspace
with Workspace(sys.argv[1]) as ws:
    ws.ingest([sys.argv[2]])
    ws.sync()
"""

REEMBED = """
import sys
from ui.service.workspace import Workspace
with Workspace(sys.argv[1]) as ws:
    ws.reindex()
"""

FIRST_ANSWER = """
import json, sys, time
started = time.perf_counter()
from ui.service.workspace import Workspace
with Workspace(sys.argv[1]) as ws:
    hits = ws.search.search(sys.argv[2], k=10)
    seconds = time.perf_counter() - started
    pending = getattr(ws.search.ensure_ready(), "pending", None)
    recipe = json.load(open(ws.root / "search" / "manifest.json"))["doc_recipe"]
print(json.dumps({"seconds": round(seconds, 2), "hits": len(hits), "notice": pending.code if pending else None,
                  "rebuilt": not recipe.endswith("@an-earlier-version")}))
"""


def child(code: Path, script: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=code, env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="another checkout to time (the code before)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    codes = ([("before", args.before)] if args.before else []) + [("this", ROOT)]
    with tempfile.TemporaryDirectory(prefix="bench-reembed-") as tmp:
        base = Path(tmp) / "base"
        child(ROOT, BUILD, str(base), str(CORPUS))
        for n in range(args.rounds):
            for name, code in codes:
                ws = Path(tmp) / f"{name}-{n}"
                shutil.copytree(base, ws)
                result = json.loads(child(code, FIRST_ANSWER, str(ws), QUERY))
                print(json.dumps({"code": name, "round": n, "load": os.getloadavg()[0], **result}), flush=True)
                if name == "this":   # the reference: the same workspace once re-embedded (xuncha reindex)
                    child(code, REEMBED, str(ws))
                    result = json.loads(child(code, FIRST_ANSWER, str(ws), QUERY))
                    print(json.dumps({"code": "this, re-embedded", "round": n, "load": os.getloadavg()[0],
                                      **result}), flush=True)
                shutil.rmtree(ws)


if __name__ == "__main__":
    main()

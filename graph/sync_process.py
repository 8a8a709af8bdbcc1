"""The graph's catch-up in a process of its own, so that it runs beside the search index's instead of
before it (Workspace.sync; docs/decisions.md, "The graph beside the index"). Building fragments is
single-threaded Python: in the writer it holds one core while the other idles; in a child it shares
the minutes in which the writer tokenises (one core too), and a large ingest finishes that much sooner.

The child is a fresh interpreter (``python -m graph.sync_process ROOT``), not a fork: the writer has
torch's thread pool, SQLite connections and the encoder's loading thread, none of which a fork may
safely inherit. It opens the workspace's store and graph.db itself and runs ``GraphService.sync``,
whose one transaction per sync keeps graph.db whole if it is killed. ``join`` says whether it
succeeded; the caller then syncs in its own process, where any error surfaces as it always did."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

__all__ = ["GraphSyncProcess", "main"]

log = logging.getLogger("xuncha")
_PACKAGES = Path(__file__).resolve().parents[1]   # the folder holding graph/ and reports/
_STDERR_KEPT = 4000                                # characters of a failed child's stderr put in the log


class GraphSyncProcess:
    """``GraphService.sync`` of the workspace at ``root`` running in a child process."""

    def __init__(self, root: Path) -> None:
        # a file, not a pipe: a full pipe would stall the child; closed by join
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(_PACKAGES), os.environ.get("PYTHONPATH"))))}
        self._proc = subprocess.Popen([sys.executable, "-m", "graph.sync_process", str(root)], env=env,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr)
        self._synced: bool | None = None

    def join(self) -> bool:
        """Wait for the child; True if it synced the graph (a failure is logged with the child's
        stderr). Idempotent: later calls give the first answer."""
        if self._synced is None:
            try:
                code = self._proc.wait()
                if code != 0:
                    self._stderr.seek(0)
                    said = self._stderr.read().decode("utf-8", "replace")[-_STDERR_KEPT:]
                    log.warning("graph sync in a child process failed (exit %s); syncing in this process\n%s",
                                code, said)
                self._synced = code == 0
            finally:
                self._stderr.close()
        return self._synced


def main(argv: list[str]) -> int:
    from reports.shared.paths import STORE_FILE
    from reports.store import Store

    from .service import GraphService

    root = Path(argv[0])
    with Store(root / STORE_FILE) as store:
        graph = GraphService(root, store)
        try:
            graph.sync()
        finally:
            graph.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

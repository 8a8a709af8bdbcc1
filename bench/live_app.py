"""Start the real `xuncha ui` on a free loopback port and stop it again: shared by tests/test_browser.py
and bench/bench_ui.py so the test and the benchmark measure the same server and browser setup."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = os.environ.get("XUNCHA_CHROMIUM", "/usr/bin/chromium")  # Debian's (`make browser`); XUNCHA_CHROMIUM: another build
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STARTUP_SECONDS = 90
POLL_SECONDS = 0.05  # health polling: bench_ui's launch figure is high by at most this much


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ui_command(port: int, workspace: Path) -> list[str]:
    """`xuncha ui` run as a module, so the worktree's code is served rather than an installed copy."""
    return [sys.executable, "-m", "ui.cli", "ui", "--port", str(port), "--workspace", str(workspace)]


@contextlib.contextmanager
def running_app(workspace: Path, log: Path) -> Iterator[str]:
    """Start the app, wait for its health endpoint, yield its URL; stop it (its own process group)."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(ui_command(port, workspace), stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"xuncha ui exited with {proc.returncode}: {log.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"xuncha ui did not come up: {log.read_text()[-2000:]}")
                time.sleep(POLL_SECONDS)
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

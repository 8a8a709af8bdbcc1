"""`xuncha ui`: start the Streamlit app on 127.0.0.1 only, headless, no telemetry
(docs/decisions.md, "UI"). The server runs in this process (no second interpreter), and the search
index and query encoder start loading before it listens (docs/decisions.md, "Fast ingest and a
fast first answer")."""
from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from pathlib import Path

import click

__all__ = ["APP", "port_free", "streamlit_args", "ui"]

APP = Path(__file__).resolve().parents[1] / "web" / "app.py"
HOST = "127.0.0.1"


def streamlit_args(port: int) -> list[str]:
    """The `streamlit` command line: loopback only, headless, no usage statistics, no file watcher,
    no error details in the browser (the app shows one-line messages; the log keeps tracebacks)."""
    return ["run", str(APP),
            "--server.address", HOST, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--client.showErrorDetails", "none",
            "--client.toolbarMode", "minimal", "--global.developmentMode", "false",
            "--theme.base", "light"]


def port_free(port: int) -> None:
    """A one-line Chinese error when something already listens on HOST:port (another `xuncha ui`)."""
    from ui.cli.common import UserError

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed server's TIME_WAIT is no obstacle
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise UserError("port_busy", port=port, host=HOST) from exc


def wait_listening(port: int, timeout: float = 60.0) -> None:
    """Return once something accepts connections on HOST:port (the server is up), or at ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1.0):
            return
        time.sleep(0.02)


@click.command("ui")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True,
              help="在 127.0.0.1 上使用的端口。")
@click.option("--workspace", "workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="XUNCHA_HOME", help="工作区目录(默认 ./workspace,或环境变量 XUNCHA_HOME)。")
def ui(port: int, workspace: Path | None) -> None:
    """在 http://127.0.0.1:PORT 启动网页界面(首次运行时用演示报告建立工作区)。"""
    from ui.cli.common import open_workspace
    from ui.service.workspace import default_root

    root = (workspace or default_root()).expanduser().resolve()
    port_free(port)  # Streamlit would say so in English, after loading everything
    open_workspace(root).close()  # a bad workspace is a one-line error here, not in the browser
    os.environ.update({"XUNCHA_HOME": str(root), "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
                       "TRANSFORMERS_OFFLINE": os.environ.get("TRANSFORMERS_OFFLINE", "1"),
                       "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"})
    click.echo(f"xuncha ui:http://{HOST}:{port}(工作区 {root};按 Ctrl+C 停止)", err=True)
    from ui.web import resources

    # a built workspace: index and query encoder load once the server listens, while the browser
    # fetches the page, so the first session's search finds them ready
    resources.warm_up(str(root), check=True, after=lambda: wait_listening(port))
    from streamlit.web import cli as streamlit_cli

    # what `python -m streamlit run APP ...` does, in this process: one pid to stop, nothing imported twice
    sys.argv = ["streamlit", *streamlit_args(port)]
    streamlit_cli.main(args=sys.argv[1:], prog_name="streamlit")


if __name__ == "__main__":  # `python -m ui.cli.web` works before the command is registered
    ui()

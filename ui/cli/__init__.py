"""The `xuncha` command line: one Click group (group.py), one module per command family (docs/architecture.md)."""
from ui.cli.group import cli, main, run

__all__ = ["cli", "main", "run"]

"""`python -m ui.cli …` runs the same command line as `xuncha …`."""
from ui.cli.group import run

run()

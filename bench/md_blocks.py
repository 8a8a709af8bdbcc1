"""Replace a marked block in bench/RESULTS.md, creating the section and block when missing."""
from __future__ import annotations

from pathlib import Path

from reports.shared.atomic import write_text

RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"


def put_block(name: str, block: str, *, section: str, path: Path = RESULTS_MD) -> None:
    """Write ``block`` between ``<!-- name:begin -->`` and ``<!-- name:end -->`` (others' text kept)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    marked = f"{begin}\n{block.rstrip()}\n{end}"
    text = path.read_text("utf-8") if path.is_file() else "# Benchmark results\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + marked + rest.split(end, 1)[1]
    elif section in text:
        head, tail = text.split(section, 1)
        cut = tail.find("\n## ")
        body, after = (tail, "") if cut < 0 else (tail[:cut], tail[cut:])
        text = head + section + body.rstrip("\n") + f"\n\n{marked}\n" + after
    else:
        text = text.rstrip("\n") + f"\n\n{section}\n\n{marked}\n"
    write_text(path, text)

"""Shared fixtures and helpers: the demo corpus, throwaway workspaces, the CLI as a subprocess, and
the hostile (markup-laden) report the app and browser tests share. No test imports another test."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "reports"
CORPUS_FILES = sorted(CORPUS.glob("*.txt"))


def corpus_file(prefix: str) -> Path:
    """The corpus file whose name starts with `prefix` ("000" … "004")."""
    return next(p for p in CORPUS_FILES if p.name.startswith(prefix))


def corpus_batch(folder: Path) -> list[Path]:
    """The corpus copied into ``folder`` and two edited copies of its first reports: seven new reports
    (a batch large enough for ingest's worker processes). The copies' problems are edited too, or the
    content fingerprint would make them duplicates."""
    import shutil

    files = [Path(shutil.copy(p, folder / p.name)) for p in CORPUS_FILES]
    for n, source in enumerate(CORPUS_FILES[:2]):
        copy = folder / f"copy{n}_{source.name}"
        copy.write_text(source.read_text("utf-8").replace("。", f"(副本{n})。"), "utf-8")
        files.append(copy)
    return files


def child_env() -> dict[str, str]:
    """The environment for a child Python process: this checkout importable (no sys.path edits)."""
    return dict(os.environ, PYTHONPATH=str(ROOT))


def small_report(rid: str, unit: str, *, short: str | None = None, region: str | None = None, level: str | None = None,
                 problem: str = "中心组学习流于形式。", team: str | None = None, extra: str = ""):
    """A minimal report built by hand, every span computed from its own text: the title, a sentence
    naming the inspecting ``team`` (if given), ``extra`` lines, one category holding one problem.
    The one factory for tests that need a report the corpus does not have."""
    from reports.model import Category, Inspection, Problem, Report

    sentence = f"根据市委统一部署,{team}对{short}进行了巡察。" if team else ""
    text = f"{unit}关于巡察整改进展情况的通报\n" + (sentence + "\n" if team else "") + extra + f"(一)问题\n1.{problem}"
    at = text.index
    found = Problem("1", "1.", problem, (at(problem), at(problem) + len(problem)), 1)
    category = Category(1, "(一)", "问题", (at("(一)"), at("(一)") + 5), problems=[found])
    inspection = Inspection(kind="巡察", inspector=team, inspector_text=team,
                            span=(at(sentence), at(sentence) + len(sentence)) if team else None)
    return Report(id=rid, text=text, unit=unit, unit_short=short, level=level, region=region, inspection=inspection,
                  categories=[category])


@dataclass
class CliResult:
    """What one `xuncha` command line did: its exit code and its two streams."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Both streams, stdout first (for messages that may go to either)."""
        return self.stdout + self.stderr

    def __iter__(self):
        """``code, out, err = run_cli(...)``."""
        return iter((self.exit_code, self.stdout, self.stderr))


def run_cli(*args: str) -> CliResult:
    """`xuncha ARGS` in this process, through the real entry point (`ui.cli.main`: the same error
    lines, exit codes and crash log as the installed command); the one in-process way tests run the
    command line. ``xuncha`` below is the other way, a child process, for what only a process shows."""
    import contextlib
    import io

    from ui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # commands that exit 1 on purpose (doctor, ingest of only errors)
            code = int(exc.code or 0)
    result = CliResult(code, out.getvalue(), err.getvalue())
    assert "Traceback" not in result.output, result.output   # the contract: one line, never a traceback
    return result


def xuncha(*args: str, ws=None) -> subprocess.CompletedProcess:
    """Run the `xuncha` command line as users do (`python -m ui.cli`), optionally on workspace `ws`."""
    cmd = [sys.executable, "-m", "ui.cli", *args] + (["--workspace", str(ws)] if ws else [])
    return subprocess.run(cmd, capture_output=True, text=True, env=child_env(), cwd=ROOT, timeout=600)


# -- text for people: no English word, no Python value (issue 24; the CLI and browser tests) ------------

# Not words a person has to read in English: file names and paths, options, snake_case codes, hex ids,
# theme ids, model names, `xuncha COMMAND …` (command names are English by design), format names.
_NOT_WORDS = [
    re.compile(r"(?:[\w.~-]*/)+[\w.\-\u4e00-\u9fff]*"),            # paths (a/b, /tmp/x, ./workspace)
    re.compile(r"[\w\-\u4e00-\u9fff]+\.[A-Za-z0-9]{1,5}\b"),       # file names (报告.docx, 数据.bin)
    re.compile(r"(?<![\w-])--?[a-z][\w-]*(?: [^\s,;:()]+)?"),     # options (with the value given)
    re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b"),                  # snake_case codes
    re.compile(r"\b[0-9a-f]{8,}\b"),                              # report ids
    re.compile(r"\bT[0-9a-f]{8}\b"),                              # theme ids
    re.compile(r"\b[\w.]+-[\w.-]*\d[\w.-]*\b"),                   # model names (multilingual-e5-small-q4)
    re.compile(r"\bxuncha(?: [a-z]+)*"),                          # command lines it suggests
    re.compile(r"可选:[\w、-]+"),                                  # the values an option takes
    re.compile(r"「[^」]*」|(?:没有这个命令:|是否想用 )[\w-]+"),       # what the user typed, a command name
    re.compile(r"\.(?:docx|doc|wps|pdf|html|htm|txt|csv|xlsx|md)\b"),  # formats named by suffix
]
ACRONYMS = re.compile(r"^[A-Z][A-Z0-9]+$")  # PDF, MB, OCR, FAISS, IVF, JSON, CSV, BM25
NAMES = {"Milvus", "Word", "Excel"}  # products' names
PYTHON_VALUES = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|\[\s*'|\{\s*'|\bnan\b|<[\w.]+ object at|"
                           r"\bdict_\w+\(|\bPath\(|\(\s*'")


def english_words(text: str) -> list[str]:
    """English words a person would have to read in `text` (see _NOT_WORDS for what is not one)."""
    for pattern in _NOT_WORDS:
        text = pattern.sub(" ", text)
    words = re.findall(r"[A-Za-z]{2,}", text)
    return [w for w in words if not ACRONYMS.match(w) and w not in NAMES]


def assert_for_people(text: str, what: str) -> None:
    assert not english_words(text), (what, english_words(text), text[:2000])
    assert not PYTHON_VALUES.search(text), (what, PYTHON_VALUES.search(text), text[:2000])
    assert "Traceback" not in text, (what, text[-2000:])


# -- a hostile report: markup in the unit name, a problem, a person and a document -------------------
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def hostile_text() -> str:
    """The 张家界 report with HTML in the unit name (title), a problem, a person and a document."""
    t = corpus_file("000").read_text("utf-8")
    t = t.replace("中共张家界市文学艺术界联合会党组", f"中共张家界市{SCRIPT}文联党组", 1)
    t = t.replace("走过场,入脑入心不够。", f"走过场,入脑入心不够{IMG}。", 1)
    t = t.replace("覃文乐", f"覃文乐{SCRIPT}")
    t = t.replace("《张家界市文联网络舆情管理制度》", f"《张家界市文联{IMG}网络舆情管理制度》")
    return t


def ingest_hostile(ws) -> str:
    """Store the hostile report as ingest would, plus a person mention whose name and role carry
    HTML (the extractor never takes markup into a person's name, so it is added by hand)."""
    from reports.entities import extract_entities
    from reports.model import Mention
    from reports.parse import parse_source
    from reports.read import read_bytes

    source = read_bytes(hostile_text().encode("utf-8"), "hostile.txt")
    report = parse_source(source)
    mentions = extract_entities(report.text, unit=report.unit, unit_short=report.unit_short)
    at = report.text.index(f"覃文乐{SCRIPT}")
    mentions.append(Mention(type="person", name=f"覃文乐{SCRIPT}", canonical=f"李四{IMG}", span=(at, at + 3 + len(SCRIPT)),
                            role=f"主席{SCRIPT}", attrs={"org": report.unit}))
    assert ws.store.add(report, mentions, source.offsets.to_json())
    return report.id


@pytest.fixture(scope="session")
def corpus_reports():
    """Every corpus report parsed, keyed by its file prefix ("000" … "004")."""
    from reports.parse import parse_file
    return {p.name[:3]: parse_file(p) for p in CORPUS_FILES}


@pytest.fixture
def workspace(tmp_path):
    from ui.service.workspace import Workspace
    ws = Workspace(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def real_service(tmp_path_factory, corpus_reports):
    """The corpus indexed with the default model, once per session (encoder kept loaded)."""
    root = tmp_path_factory.mktemp("real-ws")
    from search_support import make_store

    from embeddings.service import SearchService

    store = make_store(root, corpus_reports.values())
    service = SearchService(root, store)
    service.sync()
    yield service
    store.close()


def assert_user_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0]

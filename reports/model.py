"""Report records: the single definition of what a parsed report is (the `xuncha parse` JSON of docs/cli.md is its contract).
Every record keeps its character span in `Report.text`, so any fact shown can be traced to the source."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from reports.shared.notices import Notice

from .grammar import CJK
from .status import STATUS_CODES

# What a report's content fingerprint reads of a problem: letters, digits and CJK only, so the same
# report saved as .txt, .docx or a web page (other punctuation, spaces, site chrome) fingerprints alike.
_CONTENT_CHARS = re.compile(f"[^0-9A-Za-z{CJK}]+")

Span = tuple[int, int]

__all__ = [
    "STATUS_KEYS",
    "Category",
    "DateValue",
    "Inspection",
    "Measure",
    "Mention",
    "Problem",
    "Report",
    "Span",
    "StatedCount",
    "walk_categories",
]

# Keys used for counts a report states about itself ("已完成整改35个" -> completed=35).
STATUS_KEYS = ("problems", "categories", *STATUS_CODES, "tasks", "transferred_clues")


@dataclass(frozen=True)
class DateValue:
    """A date as written; `year_inferred` records that the year came from context, not the text."""

    iso: str
    text: str
    span: Span
    year_inferred: bool = False


def iso(d: DateValue | None) -> str | None:
    """The ISO date of an optional DateValue (records, JSON and graph attributes store the ISO form)."""
    return d.iso if d else None


@dataclass
class Inspection:
    """Who inspected the unit and when. Fields stay None when the report does not say."""

    kind: str | None = None            # 巡视 | 巡察
    inspector: str | None = None       # canonical team name, e.g. 市委第四巡察组
    inspector_text: str | None = None  # as written, e.g. 市委巡察组第三组 / 第三巡查组
    round: str | None = None           # e.g. 五届市委第一轮
    start: DateValue | None = None
    end: DateValue | None = None
    feedback: DateValue | None = None
    span: Span | None = None           # the sentence all this came from


@dataclass(frozen=True)
class StatedCount:
    """A count the report states about itself, e.g. ("completed", 35, "已完成整改35个")."""

    key: str
    value: int
    text: str
    span: Span

    @property
    def inferred(self) -> bool:
        """The value is not a number the text writes: it was split from digits the page ran together
        ('437个方面问题' -> 4 categories, 37 problems). Derived from the text, so stored counts keep it."""
        numbers = re.findall(r"\d+", self.text)
        return bool(numbers) and str(self.value) not in numbers


@dataclass
class Measure:
    """One rectification measure; `label` is its marker (一是, ①, or a sub-unit like 博物馆)."""

    text: str
    span: Span
    label: str | None = None


@dataclass
class Problem:
    """A feedback problem. `id` is a path within the report ("3", "41.2")."""

    id: str
    label: str
    text: str
    span: Span
    category_ordinal: int
    parent_id: str | None = None
    rectification: str = ""
    rectification_span: Span | None = None
    measures: list[Measure] = field(default_factory=list)
    status: str | None = None
    children: list[Problem] = field(default_factory=list)
    kind: str = "problem"  # problem | rectification_item (a heading of a narrative report's work)

    def walk(self) -> Iterator[Problem]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Category:
    """A group of problems, e.g. (一)反馈问题:组织建设存在薄弱环节."""

    ordinal: int
    label: str
    title: str
    span: Span
    stated_problems: int | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Mention:
    """An entity mention in a report; `canonical` is the name mentions merge on."""

    type: str          # organization | person | regulation | document | inspection_team | place | work
    name: str          # as written
    canonical: str
    span: Span
    role: str | None = None
    attrs: dict = field(default_factory=dict)


def walk_categories(categories: Iterable[Category]) -> Iterator[Problem]:
    """Every problem of ``categories``, parents before their children, in document order (what the
    parser's passes walk before there is a Report)."""
    for category in categories:
        for problem in category.problems:
            yield from problem.walk()


def content_text(text: str) -> str:
    """``text`` reduced to what identifies a problem's content: letters, digits and CJK only."""
    return _CONTENT_CHARS.sub("", text)


def content_fingerprint(problem_texts: Iterable[str]) -> str | None:
    """sha256 (16 hex) of the problems' texts in order, letters, digits and CJK only; None for none."""
    texts = [t for t in (content_text(text) for text in problem_texts) if t]
    if not texts:
        return None
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]


@dataclass
class Report:
    """A parsed report. `found` counts are derived from `categories`, never stored twice."""

    id: str
    text: str
    source_path: str = ""
    source_format: str = "txt"
    encoding: str | None = None
    title: str | None = None
    unit: str | None = None
    unit_short: str | None = None
    level: str | None = None
    region: str | None = None
    inspection: Inspection = field(default_factory=Inspection)
    report_date: DateValue | None = None
    publish_date: DateValue | None = None
    stated: list[StatedCount] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)  # non-problem sections inside the problem part
    truncated: bool = False
    warnings: list[Notice] = field(default_factory=list)  # codes + parameters (reports/shared/notices.py)
    script: str = "simplified"        # simplified | traditional (then `text` is the t2s conversion)
    display_text: str | None = None   # the Traditional original, same length as `text`

    @property
    def original_text(self) -> str:
        """The text as the report writes it, for reading: the Traditional original when the report was
        converted (every span indexes it as it indexes `text`, reports/grammar/script.py), else `text`."""
        if self.display_text is not None and len(self.display_text) == len(self.text):
            return self.display_text
        return self.text

    def problems(self) -> Iterator[Problem]:
        """Every problem, parents before their children, in document order."""
        return walk_categories(self.categories)

    @property
    def fingerprint(self) -> str | None:
        """Identity of the report's content: its problems' texts, in order, letters and characters only.

        The id hashes the whole normalised text, so a web page's navigation or a .docx's line breaks
        give the same report another id; the problems are what the report *is*, and what search would
        otherwise offer twice. None when nothing was itemised (then the id alone decides).
        """
        return content_fingerprint(p.text for p in self.problems())

    def find_problem(self, problem_id: str) -> Problem | None:
        return next((p for p in self.problems() if p.id == problem_id), None)

    def stated_value(self, key: str) -> int | None:
        """The count the report states for `key`; the parser orders the most authoritative first."""
        return next((s.value for s in self.stated if s.key == key), None)

    def found(self) -> dict[str, int]:
        """Counts of feedback problems; rectification items of a narrative report are not problems."""
        top = [p for c in self.categories for p in c.problems if p.kind == "problem"]
        return {
            "categories": sum(1 for c in self.categories if any(p.kind == "problem" for p in c.problems)),
            "problems": len(top),
            "leaf_problems": sum(1 for p in self.problems() if not p.children and p.kind == "problem"),
        }

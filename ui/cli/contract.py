"""The CLI's JSON contract in one table: what `--json` prints for each command, and the keys every
object (or every list element) carries. docs/cli.md is rendered from it (ui/cli/reference.py) and
tests/test_cli_docs.py runs the real commands and checks their output against it, so neither the
document nor the code can drift. Keys may be added (extend freely), never renamed or removed."""
from __future__ import annotations

from dataclasses import dataclass

from embeddings.table import HIT_CONTRACT
from reports.analysis.audit import AUDIT_CODES
from ui.service.ingest import OUTCOME_CODES

__all__ = ["CONTRACT", "Shape"]


@dataclass(frozen=True)
class Shape:
    """`--json` output of one command: `kind` is "object", "list" (of objects) or "lines" (one JSON
    array per input line); `keys` the keys each object must carry; `nested` the keys of named members."""

    command: str
    kind: str
    keys: tuple[str, ...]
    note: str = ""
    nested: tuple[tuple[str, tuple[str, ...]], ...] = ()


PROBLEM_KEYS = ("id", "kind", "text", "measures", "status", "status_code", "children")
HIT_KEYS = HIT_CONTRACT

CONTRACT: tuple[Shape, ...] = (
    Shape("parse", "object",
          ("report_id", "title", "unit", "unit_short", "level", "inspection", "report_date", "stated", "found",
           "categories", "warnings"),
          "One report. `found.problems` counts the numbered problems, `found.leaf_problems` those without "
          "sub-problems (子问题). `warnings` say what to check (no problem section, counts that disagree, "
          "truncated text). Exit 1 only when the file cannot be read as text.",
          (("inspection", ("kind", "inspector", "start", "end", "feedback")),
           ("found", ("categories", "problems", "leaf_problems")))),
    Shape("entities", "list", ("type", "name", "canonical", "role", "spans"),
          "One object per spelling of an entity, every span `[start, end]` it occurs at (the text output "
          "shows one line per entity instead). A web page's credit (编辑, 作者, 审核) has `attrs.credit = \"page\"`; "
          "a person has `attrs.relation`: staff (a post there, `attrs.org`) | cited (speech or instruction "
          "studied) | contact | named."),
    Shape("ingest", "object", ("outcomes", "summary"),
          "`outcomes[]`: `path`, `status` (ingested | duplicate | skipped | error), `report_id`, `unit`, "
          "`message`, `found`, `warnings`, `code` (null when ingested; "
          + "; ".join(f"{status}: " + ", ".join(codes) for status, codes in OUTCOME_CODES.items())
          + "). A file gets the same outcome named on its own as in a folder. `summary`: a count per status. "
          "Exit 1 when nothing could be ingested.",
          (("summary", ("ingested", "duplicate", "skipped", "error")),)),
    Shape("remove", "object", ("removed",), "The removed report's id; exit 1 if it was not there."),
    Shape("reports", "list",
          ("report_id", "title", "unit", "unit_short", "level", "region", "kind", "inspector", "start", "end",
           "feedback", "report_date", "truncated", "stated", "found", "warnings"),
          "One object per stored report; `unit` the full name, `unit_short` the display name."),
    Shape("search", "list", HIT_KEYS,
          "Hits, best first; with `--batch FILE`, one JSON array per line of FILE (same order)."),
    Shape("similar", "list", HIT_KEYS, "Same shape as search; other reports only."),
    Shape("reindex", "object", ("total", "kind", "seconds", "model"), "What was indexed, with which model."),
    Shape("themes", "object", ("generation", "themes", "unit_theme", "unthemed", "stats"),
          "Themes across units, most units first; each theme carries its members (problems counted "
          "with their 子问题 one by one, as in the ledger).",
          (("themes[]", ("id", "label", "terms", "size", "units", "unit_count", "members")),)),
    Shape("fixes", "object", ("query", "source", "problems", "units"),
          "How other units fixed similar problems: `units[]` with their `problems` and merged `measures`."),
    Shape("graph neighbors", "object", ("node", "neighbors", "total", "notices"),
          "`neighbors[]`: `id`, `type`, `name`, `edge`, `direction`, `edge_attrs`, `reports`, `report_count`; the "
          "`--limit` relations stated by the most reports first (an edge's `reports` and details: its latest 10), "
          "`total` of them all, `notices` (`code`, `params`, `message`) saying what was left out."),
    Shape("graph path", "object", ("nodes", "edges", "length"), "The shortest path, direction ignored."),
    Shape("graph show", "object", ("id", "type", "name", "context", "attrs", "degree", "reports"),
          "One node: its attributes, edges counted by type, supporting reports."),
    Shape("graph rank", "list", ("id", "type", "name", "context", "score"), "Most connected first."),
    Shape("graph stats", "object", ("nodes", "edges", "nodes_by_type", "edges_by_type", "reports", "generation")),
    Shape("graph export", "object", ("format", "files", "nodes", "edges"), "The files written."),
    Shape("export ledger", "object", ("path", "rows"), "The ledger file written and its row count."),
    Shape("problems", "list",
          ("report_id", "problem_id", "unit", "unit_short", "category", "text", "status_code", "types", "measures",
           "concreteness"),
          "Every stored problem; `types` the problem types (taxonomy: `xuncha problems --types`), `concreteness` "
          "0..1, how checkable the rectification is (null where it has no measures)."),
    Shape("audit", "list", ("report_id", "problem_id", "code", "severity", "message", "evidence"),
          f"Findings of the audit: `code` ({', '.join(AUDIT_CODES)}), `severity` (error | warning | info), "
          "`message` in Chinese, `evidence` the facts."),
    Shape("recurring", "list", ("unit", "unit_short", "earlier", "later", "score"),
          "A problem of a unit's later report that repeats one of its earlier reports.",
          (("earlier", ("report_id", "problem_id", "text", "date")), ("later", ("report_id", "problem_id", "text", "date")))),
    Shape("briefing", "object", ("unit", "peers", "thin", "types"),
          "巡前研判 / 自查清单 for one unit: its peer units (`why` says how they are alike: sector, level, "
          "巡视/巡察), `thin` when fewer than 3 units of its sector are there to go by, and the problem types "
          "ranked by `peer_units` (how many peer units had the type). Each type has `examples` "
          "(`report_id`, `problem_id`, `unit_short`, `text`, `span`), `measures` (`text`, `concreteness`, "
          "`unit_short`, and their source) and `target` (`had`, `status_code`: the least advanced of the "
          "unit's own problems of the type). Also `sector`, `level`, `kind`, `fallback` (no sector peer: "
          "peers by level and kind), `notes` (in Chinese) and, with `--export`, `exported`.",
          (("peers[]", ("unit", "unit_short", "why")),
           ("types[]", ("type", "peer_units", "examples", "measures", "target")))),
    Shape("doctor", "object", ("healthy", "checks", "repaired"),
          "Store integrity and every derived artifact (ok | stale | damaged | missing); exit 1 if unhealthy."),
)

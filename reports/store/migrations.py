"""Schema migrations as code: entry N brings a store from user_version N to N+1."""
from __future__ import annotations

import json
import re
from typing import Any

MIGRATIONS: list[str] = [
    # 1: records and entity mentions
    """
    CREATE TABLE reports (
        id TEXT PRIMARY KEY,
        source_path TEXT NOT NULL DEFAULT '',
        source_format TEXT NOT NULL DEFAULT 'txt',
        encoding TEXT,
        title TEXT, unit TEXT, unit_short TEXT, level TEXT, region TEXT,
        kind TEXT, inspector TEXT, inspector_text TEXT, round TEXT, inspection_span TEXT,
        start_date TEXT, end_date TEXT, feedback_date TEXT, report_date TEXT, publish_date TEXT,
        dates_json TEXT NOT NULL DEFAULT '{}',
        sections_json TEXT NOT NULL DEFAULT '[]',
        truncated INTEGER NOT NULL DEFAULT 0,
        text TEXT NOT NULL,
        offsets_json TEXT,
        ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE warnings (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL, message TEXT NOT NULL,
        PRIMARY KEY (report_id, seq)
    );
    CREATE TABLE stated_counts (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL, key TEXT NOT NULL, value INTEGER NOT NULL, text TEXT NOT NULL,
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        PRIMARY KEY (report_id, seq)
    );
    CREATE TABLE categories (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL, label TEXT NOT NULL, title TEXT NOT NULL,
        start INTEGER NOT NULL, end INTEGER NOT NULL, stated_problems INTEGER,
        PRIMARY KEY (report_id, ordinal)
    );
    CREATE TABLE problems (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        id TEXT NOT NULL, seq INTEGER NOT NULL, parent_id TEXT, category_ordinal INTEGER NOT NULL,
        label TEXT NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        rectification TEXT NOT NULL DEFAULT '', rect_start INTEGER, rect_end INTEGER,
        status TEXT, status_code TEXT,
        PRIMARY KEY (report_id, id),
        FOREIGN KEY (report_id, category_ordinal) REFERENCES categories(report_id, ordinal) ON DELETE CASCADE
    );
    CREATE TABLE measures (
        report_id TEXT NOT NULL, problem_id TEXT NOT NULL, seq INTEGER NOT NULL,
        label TEXT, text TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        PRIMARY KEY (report_id, problem_id, seq),
        FOREIGN KEY (report_id, problem_id) REFERENCES problems(report_id, id) ON DELETE CASCADE
    );
    CREATE TABLE entities (
        id INTEGER PRIMARY KEY,
        type TEXT NOT NULL, canonical TEXT NOT NULL,
        UNIQUE (type, canonical)
    );
    CREATE TABLE mentions (
        id INTEGER PRIMARY KEY,
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        problem_id TEXT,
        name TEXT NOT NULL, role TEXT, start INTEGER NOT NULL, end INTEGER NOT NULL,
        attrs_json TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta (key, value) VALUES ('generation', '0');
    CREATE INDEX mentions_report ON mentions(report_id);
    CREATE INDEX mentions_entity ON mentions(entity_id);
    CREATE INDEX problems_category ON problems(report_id, category_ordinal);
    """,
    # 2 (issue 9): problem kind (problem | rectification_item) and Traditional originals kept for display
    """
    ALTER TABLE problems ADD COLUMN kind TEXT NOT NULL DEFAULT 'problem';
    ALTER TABLE reports ADD COLUMN script TEXT NOT NULL DEFAULT 'simplified';
    ALTER TABLE reports ADD COLUMN display_text TEXT;
    """,
    # 3: warnings as code + parameters (reports/shared/notices.py); stored English sentences are converted once
    # by migrations.legacy_warning (registered on the connection by Store), `message` stays for reading
    """
    ALTER TABLE warnings ADD COLUMN code TEXT NOT NULL DEFAULT 'legacy';
    ALTER TABLE warnings ADD COLUMN params_json TEXT NOT NULL DEFAULT '{}';
    UPDATE warnings SET params_json = xuncha_legacy_warning(message);
    UPDATE warnings SET code = json_extract(params_json, '$.code'),
                        params_json = json_extract(params_json, '$.params');
    """,
    # 4 (issue 21): the content fingerprint (model.content_fingerprint), so one report saved as .txt, .docx
    # and a web page is stored once; rows stored before it are filled in by Store._fill_fingerprints
    """
    ALTER TABLE reports ADD COLUMN fingerprint TEXT;
    CREATE INDEX reports_fingerprint ON reports(fingerprint);
    """,
    # 5 (issue 23): each problem's types (reports.analysis.problemtypes) stored at ingest, stamped per report with
    # the classifier's version, so a reader no longer classifies every row; rows stored before it are
    # filled in by Store._fill_types (docs/decisions.md, "Scale to a province")
    """
    ALTER TABLE problems ADD COLUMN types_json TEXT;
    ALTER TABLE reports ADD COLUMN types_version TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
FINGERPRINT_VERSION = 4  # the schema that added reports.fingerprint (filled in for older rows on migration)
TYPES_SCHEMA = 5         # the schema that added problems.types_json (filled in for older rows on migration)


# Migration 3 converts warnings stored as English sentences by these patterns, once; nothing else parses
# English (the code is the record from then on).
_LEGACY: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    ("no_problem_section", re.compile(r"no problem section found.*"), ()),
    ("truncated", re.compile(r"text looks truncated: it ends mid-sentence \(…?(.*)\)"), ("tail",)),
    ("stated_counts_differ", re.compile(r"the report states different problem counts: (.+)"), ("counts",)),
    ("stated_problems_mismatch", re.compile(r"stated (\d+) problems, found (\d+) \((\d+) leaf problems\)"),
     ("stated", "found", "leaf")),
    ("stated_categories_mismatch", re.compile(r"stated (\d+) categories, found (\d+)"), ("stated", "found")),
    ("category_problems_mismatch", re.compile(r"category \((\d+)\) states (\d+) problems, found (\d+)"),
     ("ordinal", "stated", "found")),
    ("rectification_items", re.compile(r"the report does not list its problems: (\d+) headings of rectification "
                                       r"work were read as rectification items, not problems"), ("items",)),
]


def legacy_warning(message: str) -> str:
    """JSON {"code", "params"} for a warning stored as an English sentence before migration 3."""
    text = " ".join((message or "").split())
    for code, pattern, names in _LEGACY:
        m = pattern.fullmatch(text)
        if m:
            params: dict[str, Any] = {}
            for name, value in zip(names, m.groups(), strict=True):
                if name == "counts":
                    params[name] = [int(v) for v in re.findall(r"\d+", value)]
                else:
                    params[name] = int(value) if value.isdigit() else value
            return json.dumps({"code": code, "params": params}, ensure_ascii=False)
    return json.dumps({"code": "legacy", "params": {"message": text}}, ensure_ascii=False)

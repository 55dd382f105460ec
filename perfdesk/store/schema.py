"""Store layer: the .perfdesk schema and its numbered upgrade steps.

`PRAGMA user_version` is the schema version; `PRAGMA application_id` marks the file as
ours, so a foreign SQLite database is refused instead of being written into. Every step
runs inside the one transaction of `upgrade`, so a file is either fully upgraded or
untouched (SQLite DDL is transactional).
"""

from __future__ import annotations

APPLICATION_ID = 0x50455246  # "PERF"

# Step N brings a file from version N-1 to version N.
STEPS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
        """CREATE TABLE unit (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            name TEXT NOT NULL DEFAULT '',
            department TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE project (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE form (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL REFERENCES project(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('declaration', 'self-evaluation')),
            year INTEGER NOT NULL,
            definition TEXT NOT NULL,
            budget_score TEXT,
            total TEXT,
            position INTEGER NOT NULL DEFAULT 0)""",
        """CREATE INDEX form_project ON form(project_id, year)""",
        """CREATE TABLE form_field (
            form_id TEXT NOT NULL REFERENCES form(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (form_id, key))""",
        """CREATE TABLE form_amount (
            form_id TEXT NOT NULL REFERENCES form(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT,
            PRIMARY KEY (form_id, key))""",
        """CREATE TABLE indicator (
            id TEXT PRIMARY KEY,
            form_id TEXT NOT NULL REFERENCES form(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            level1 TEXT NOT NULL DEFAULT '',
            level2 TEXT NOT NULL DEFAULT '',
            level3 TEXT NOT NULL DEFAULT '',
            target TEXT NOT NULL DEFAULT '',
            target_sign TEXT, target_number TEXT, target_unit TEXT,
            actual TEXT NOT NULL DEFAULT '',
            actual_sign TEXT, actual_number TEXT, actual_unit TEXT,
            weight TEXT,
            score TEXT,
            grade TEXT,
            reason TEXT NOT NULL DEFAULT '')""",
        """CREATE INDEX indicator_form ON indicator(form_id, position)""",
    ],
    # Version 2: per-row flags for the yearly rhythm — E10's "adjusted" mark and where
    # carried values came from (roll forward tints them until confirmed).
    2: [
        """ALTER TABLE indicator ADD COLUMN adjusted INTEGER NOT NULL DEFAULT 0""",
        """ALTER TABLE indicator ADD COLUMN provenance TEXT NOT NULL DEFAULT ''""",
    ],
    # Version 3: overrides explain themselves — the reason a person gave, when, and the rules'
    # score at that moment — for row scores, the 预算执行率 得分 and the 总分.
    3: [
        """ALTER TABLE indicator ADD COLUMN score_reason TEXT""",
        """ALTER TABLE indicator ADD COLUMN score_at TEXT""",
        """ALTER TABLE indicator ADD COLUMN score_computed TEXT""",
        """ALTER TABLE form ADD COLUMN budget_reason TEXT""",
        """ALTER TABLE form ADD COLUMN budget_at TEXT""",
        """ALTER TABLE form ADD COLUMN budget_computed TEXT""",
        """ALTER TABLE form ADD COLUMN total_reason TEXT""",
        """ALTER TABLE form ADD COLUMN total_at TEXT""",
        """ALTER TABLE form ADD COLUMN total_computed TEXT""",
    ],
    # Version 4: 定稿 — named, read-only snapshots of what was handed in (one zlib-compressed
    # JSON blob each, see domain/snapshot.py), the forms marked 已定稿, the log of every
    # finalise and 撤回定稿 with its reason, and when each form last changed (年度总览).
    4: [
        """ALTER TABLE form ADD COLUMN changed TEXT""",
        """CREATE TABLE snapshot (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            year INTEGER NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('year', 'project')),
            forms TEXT NOT NULL,
            content BLOB NOT NULL,
            position INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE final_mark (
            form_id TEXT PRIMARY KEY REFERENCES form(id) ON DELETE CASCADE,
            snapshot_id TEXT NOT NULL REFERENCES snapshot(id),
            at TEXT NOT NULL)""",
        """CREATE TABLE final_log (
            id TEXT PRIMARY KEY,
            form_id TEXT NOT NULL,
            what TEXT NOT NULL CHECK (what IN ('finalised', 'withdrawn')),
            at TEXT NOT NULL,
            snapshot_id TEXT,
            reason TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0)""",
    ],
    # Version 5: what a definition adds to the built-in columns. Each indicator row keeps its
    # definition's own columns (指标解释, 评(扣)分标准, 是否核心指标 …) as one JSON object of
    # key -> text ('' when it has none); a form's own table sections (部门整体's 年度主要任务:
    # 任务名称 │ 主要内容 │ 预算金额) are rows of `form_row`, their cells a JSON object likewise.
    5: [
        """ALTER TABLE indicator ADD COLUMN extra TEXT NOT NULL DEFAULT ''""",
        """CREATE TABLE form_row (
            id TEXT PRIMARY KEY,
            form_id TEXT NOT NULL REFERENCES form(id) ON DELETE CASCADE,
            section TEXT NOT NULL,
            position INTEGER NOT NULL,
            cells TEXT NOT NULL DEFAULT '')""",
        """CREATE INDEX form_row_form ON form_row(form_id, section, position)""",
    ],
}

LATEST = max(STEPS)

"""Store layer: the schema of a file of the latest version, as the upgrade steps of
`schema.STEPS` create it (written by scripts/make_schema_snapshot.py from a replay on
SQLite 3.40.1; do not edit). `verify.check_schema` compares a file with it first
and replays the steps only when they differ."""

VERSION = 5

EXPECTED = {('index', 'form_project'): ('form', 'CREATE INDEX form_project ON form(project_id, year)'),
 ('index', 'form_row_form'): ('form_row',
                              'CREATE INDEX form_row_form ON form_row(form_id, section, position)'),
 ('index', 'indicator_form'): ('indicator',
                               'CREATE INDEX indicator_form ON indicator(form_id, position)'),
 ('index', 'sqlite_autoindex_final_log_1'): ('final_log', None),
 ('index', 'sqlite_autoindex_final_mark_1'): ('final_mark', None),
 ('index', 'sqlite_autoindex_form_1'): ('form', None),
 ('index', 'sqlite_autoindex_form_amount_1'): ('form_amount', None),
 ('index', 'sqlite_autoindex_form_field_1'): ('form_field', None),
 ('index', 'sqlite_autoindex_form_row_1'): ('form_row', None),
 ('index', 'sqlite_autoindex_indicator_1'): ('indicator', None),
 ('index', 'sqlite_autoindex_meta_1'): ('meta', None),
 ('index', 'sqlite_autoindex_project_1'): ('project', None),
 ('index', 'sqlite_autoindex_snapshot_1'): ('snapshot', None),
 ('table', 'final_log'): ('final_log',
                          'CREATE TABLE final_log ( id TEXT PRIMARY KEY, form_id TEXT NOT NULL, '
                          "what TEXT NOT NULL CHECK (what IN ('finalised', 'withdrawn')), at TEXT "
                          "NOT NULL, snapshot_id TEXT, reason TEXT NOT NULL DEFAULT '', position "
                          'INTEGER NOT NULL DEFAULT 0)'),
 ('table', 'final_mark'): ('final_mark',
                           'CREATE TABLE final_mark ( form_id TEXT PRIMARY KEY REFERENCES form(id) '
                           'ON DELETE CASCADE, snapshot_id TEXT NOT NULL REFERENCES snapshot(id), '
                           'at TEXT NOT NULL)'),
 ('table', 'form'): ('form',
                     'CREATE TABLE form ( id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES '
                     'project(id) ON DELETE CASCADE, kind TEXT NOT NULL CHECK (kind IN '
                     "('declaration', 'self-evaluation')), year INTEGER NOT NULL, definition TEXT "
                     'NOT NULL, budget_score TEXT, total TEXT, position INTEGER NOT NULL DEFAULT '
                     '0, budget_reason TEXT, budget_at TEXT, budget_computed TEXT, total_reason '
                     'TEXT, total_at TEXT, total_computed TEXT, changed TEXT)'),
 ('table', 'form_amount'): ('form_amount',
                            'CREATE TABLE form_amount ( form_id TEXT NOT NULL REFERENCES form(id) '
                            'ON DELETE CASCADE, key TEXT NOT NULL, value TEXT, PRIMARY KEY '
                            '(form_id, key))'),
 ('table', 'form_field'): ('form_field',
                           'CREATE TABLE form_field ( form_id TEXT NOT NULL REFERENCES form(id) ON '
                           'DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY '
                           '(form_id, key))'),
 ('table', 'form_row'): ('form_row',
                         'CREATE TABLE form_row ( id TEXT PRIMARY KEY, form_id TEXT NOT NULL '
                         'REFERENCES form(id) ON DELETE CASCADE, section TEXT NOT NULL, position '
                         "INTEGER NOT NULL, cells TEXT NOT NULL DEFAULT '')"),
 ('table', 'indicator'): ('indicator',
                          'CREATE TABLE indicator ( id TEXT PRIMARY KEY, form_id TEXT NOT NULL '
                          'REFERENCES form(id) ON DELETE CASCADE, position INTEGER NOT NULL, '
                          "level1 TEXT NOT NULL DEFAULT '', level2 TEXT NOT NULL DEFAULT '', "
                          "level3 TEXT NOT NULL DEFAULT '', target TEXT NOT NULL DEFAULT '', "
                          'target_sign TEXT, target_number TEXT, target_unit TEXT, actual TEXT NOT '
                          "NULL DEFAULT '', actual_sign TEXT, actual_number TEXT, actual_unit "
                          'TEXT, weight TEXT, score TEXT, grade TEXT, reason TEXT NOT NULL DEFAULT '
                          "'', adjusted INTEGER NOT NULL DEFAULT 0, provenance TEXT NOT NULL "
                          "DEFAULT '', score_reason TEXT, score_at TEXT, score_computed TEXT, "
                          "extra TEXT NOT NULL DEFAULT '')"),
 ('table', 'meta'): ('meta', 'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)'),
 ('table', 'project'): ('project',
                        'CREATE TABLE project ( id TEXT PRIMARY KEY, name TEXT NOT NULL, position '
                        'INTEGER NOT NULL DEFAULT 0)'),
 ('table', 'snapshot'): ('snapshot',
                         'CREATE TABLE snapshot ( id TEXT PRIMARY KEY, name TEXT NOT NULL, at TEXT '
                         "NOT NULL, note TEXT NOT NULL DEFAULT '', year INTEGER NOT NULL, scope "
                         "TEXT NOT NULL CHECK (scope IN ('year', 'project')), forms TEXT NOT NULL, "
                         'content BLOB NOT NULL, position INTEGER NOT NULL DEFAULT 0)'),
 ('table', 'unit'): ('unit',
                     'CREATE TABLE unit ( id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT '
                     "NULL DEFAULT '', department TEXT NOT NULL DEFAULT '')")}

"""Write perfdesk/store/schema_snapshot.py: the schema a file of the latest version holds.

Run after changing `perfdesk/store/schema.py` (`.venv/bin/python scripts/make_schema_snapshot.py`);
tests/store/test_schema_snapshot.py fails until the snapshot matches. Opening a file compares
its schema with this snapshot first and replays the upgrade steps into an in-memory database
only when they differ (see `perfdesk.store.verify.check_schema`), so a start skips the replay.
"""

from __future__ import annotations

import pprint
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfdesk.store import schema  # noqa: E402
from perfdesk.store.verify import expected_schema  # noqa: E402

OUT = ROOT / "perfdesk" / "store" / "schema_snapshot.py"


def text() -> str:
    expected = dict(sorted(expected_schema(schema.LATEST).items()))
    return (
        '"""Store layer: the schema of a file of the latest version, as the upgrade steps of\n'
        "`schema.STEPS` create it (written by scripts/make_schema_snapshot.py from a replay on\n"
        f"SQLite {sqlite3.sqlite_version}; do not edit). `verify.check_schema` compares a file with it first\n"
        'and replays the steps only when they differ."""\n\n'
        f"VERSION = {schema.LATEST}\n\n"
        f"EXPECTED = {pprint.pformat(expected, width=100)}\n"
    )


if __name__ == "__main__":
    OUT.write_text(text(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} (version {schema.LATEST}, {len(expected_schema(schema.LATEST))} objects)")

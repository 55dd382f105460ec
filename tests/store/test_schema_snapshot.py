"""The schema snapshot that spares opening a file the replay of the upgrade steps
(perfdesk/store/schema_snapshot.py, written by scripts/make_schema_snapshot.py)."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest

from perfdesk.store import FileStore, schema, schema_snapshot, verify
from perfdesk.store.file import DamagedFile
from perfdesk.store.verify import check_schema, expected_schema

ROOT = Path(__file__).resolve().parents[2]


def _file(tmp_path: Path, *statements: str) -> sqlite3.Connection:
    """A read-only connection to an empty file of the latest version, after `statements`."""
    path = tmp_path / "f.perfdesk"
    conn = sqlite3.connect(path)
    for steps in schema.STEPS.values():
        for statement in steps:
            conn.execute(statement)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def test_the_snapshot_is_what_the_upgrade_steps_create():
    assert schema_snapshot.VERSION == schema.LATEST
    assert schema_snapshot.EXPECTED == expected_schema(schema.LATEST)


def test_the_script_writes_the_snapshot_that_is_shipped():
    spec = importlib.util.spec_from_file_location("make_schema_snapshot", ROOT / "scripts" / "make_schema_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.text() == (ROOT / "perfdesk" / "store" / "schema_snapshot.py").read_text(encoding="utf-8")


def test_a_file_of_the_latest_version_is_checked_without_the_replay(tmp_path, monkeypatch):
    conn = _file(tmp_path)

    def no_replay(version):
        raise AssertionError("replayed")

    monkeypatch.setattr(verify, "expected_schema", no_replay)
    check_schema(conn, schema.LATEST)  # no replay, no refusal


def test_a_snapshot_that_does_not_fit_costs_the_replay_never_a_refusal(tmp_path, monkeypatch):
    """Another SQLite may store the text of an altered table otherwise: the replay decides."""
    stale = dict(schema_snapshot.EXPECTED)
    stale[("table", "meta")] = ("meta", "CREATE TABLE meta (something else)")
    monkeypatch.setattr(schema_snapshot, "EXPECTED", stale)
    replays = []
    real = verify.expected_schema
    monkeypatch.setattr(verify, "expected_schema", lambda version: replays.append(version) or real(version))
    check_schema(_file(tmp_path), schema.LATEST)
    assert replays == [schema.LATEST]


@pytest.mark.parametrize("statement,words", [
    ("CREATE TRIGGER wipe AFTER UPDATE ON project BEGIN DELETE FROM indicator; END", ("触发器", "wipe")),
    ("CREATE VIEW v AS SELECT 1", ("视图", "“v”")),
    ("ALTER TABLE project ADD COLUMN extra TEXT", ("project", "定义")),
    ("DROP INDEX indicator_form", ("缺少", "indicator_form")),
])
@pytest.mark.parametrize("snapshot_fits", [True, False], ids=["snapshot", "stale-snapshot"])
def test_what_perfdesk_did_not_create_is_refused_with_or_without_the_snapshot(
        tmp_path, monkeypatch, statement, words, snapshot_fits):
    if not snapshot_fits:
        monkeypatch.setattr(schema_snapshot, "VERSION", schema.LATEST - 1)
    conn = _file(tmp_path, statement)
    with pytest.raises(DamagedFile) as info:
        check_schema(conn, schema.LATEST)
    for word in words:
        assert word in str(info.value)


def test_an_older_file_is_judged_by_the_replay_of_its_own_steps(tmp_path, monkeypatch):
    path = tmp_path / "old.perfdesk"
    conn = sqlite3.connect(path)
    for step in range(1, schema.LATEST):
        for statement in schema.STEPS[step]:
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {schema.LATEST - 1}")
    conn.commit()
    conn.close()
    replays = []
    real = verify.expected_schema
    monkeypatch.setattr(verify, "expected_schema", lambda version: replays.append(version) or real(version))
    with FileStore.open(path, read_only=True) as store:  # upgraded in memory, read only
        assert store.workspace is not None
    assert schema.LATEST - 1 in replays

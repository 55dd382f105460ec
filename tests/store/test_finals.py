"""定稿 in the file (schema version 4): snapshots, 已定稿 marks, the 撤回 log, last changes, and
the upgrade of version-3 files. perfdesk/store/schema.py, file.py, reader.py, verify.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perfdesk.cli import write_demo
from perfdesk.domain import snapshot as snapshots
from perfdesk.domain.model import FINALISED, WITHDRAWN, FinalisedError
from perfdesk.store import DamagedFile, FileStore, ReadOnlyError, schema
from perfdesk.store.verify import expected_schema

from .test_file import pragma, query, snapshot as folder_snapshot


def _finalise_2022(store: FileStore, registry, note="三月报送"):
    ws = store.workspace
    with ws.step():
        return snapshots.finalise(ws, snapshots.forms_to_finalise(ws, 2022), registry.get, note=note, year=2022,
                                  scope="year", at="2026-03-01T10:00:00")


@pytest.fixture
def demo(tmp_path):
    return write_demo(tmp_path / "demo.perfdesk")


def test_finalise_is_one_transaction_and_reopens_as_it_was(demo, registry):
    with FileStore.open(demo) as store:
        changes = []
        store.conn.set_trace_callback(lambda sql: changes.append(sql))
        snap = _finalise_2022(store, registry)
        store.conn.set_trace_callback(None)
        assert sum(1 for sql in changes if sql.startswith("BEGIN")) == 1
        blob = snap.blob
        forms = {f.id: f for f in store.workspace.forms.values() if f.year == 2022}
    with FileStore.open(demo, read_only=True) as store:
        ws = store.workspace
        [kept] = ws.snapshots.values()
        assert (kept.id, kept.name, kept.note, kept.year, kept.scope) == (snap.id, snap.name, "三月报送", 2022, "year")
        assert kept.form_ids == tuple(forms) and kept.size == len(blob)
        assert store.snapshot_blob(snap.id) == blob  # byte for byte
        assert set(ws.finals) == set(forms)
        assert {e.what for e in ws.final_log} == {FINALISED} and len(ws.final_log) == len(forms)
        content = store.snapshot_content(snap.id)
        for form_id, form in forms.items():
            assert content.form(form_id) == form
        with pytest.raises((FinalisedError, ReadOnlyError)):
            ws.set_field(next(iter(forms)), "goal_actual", "改")


def test_withdraw_is_logged_with_its_reason(demo, registry):
    with FileStore.open(demo) as store:
        snap = _finalise_2022(store, registry)
        form_id = snap.form_ids[0]
        with store.workspace.step():
            store.workspace.withdraw([form_id], "财政局退回", "2026-03-02T09:00:00")
        store.workspace.set_field(form_id, "goal_actual", "修改后")
    with FileStore.open(demo, read_only=True) as store:
        ws = store.workspace
        assert form_id not in ws.finals and len(ws.finals) == len(snap.form_ids) - 1
        assert [(e.what, e.reason) for e in ws.final_history(form_id)] == [(FINALISED, ""), (WITHDRAWN, "财政局退回")]
        assert ws.forms[form_id].field("goal_actual") == "修改后"
        # the snapshot still holds what was handed in
        assert store.snapshot_content(snap.id).form(form_id).field("goal_actual") != "修改后"
        assert form_id in store.last_changes()


def test_snapshot_adds_about_a_tenth_of_the_forms_size(demo, registry):
    before = demo.stat().st_size
    with FileStore.open(demo) as store:
        snap = _finalise_2022(store, registry)
        store.conn.execute("VACUUM")
    # 14 self-evaluations take about half the demo file; the snapshot takes far less
    assert snap.size < before / 4
    assert demo.stat().st_size - before <= before / 4 + 4096


def test_a_read_only_file_refuses_to_finalise(demo, registry):
    with FileStore.open(demo, read_only=True) as store:
        with pytest.raises(ReadOnlyError):
            _finalise_2022(store, registry)
        assert not store.workspace.snapshots and not store.workspace.finals
    assert query(demo, "SELECT count(*) FROM snapshot") == [(0,)]


def test_last_change_is_recorded_per_form(demo):
    with FileStore.open(demo) as store:
        ws = store.workspace
        form = next(f for f in ws.forms.values() if f.year == 2022)
        assert form.id in store.last_changes()  # written by the demo's step
        store.conn.execute("UPDATE form SET changed = '2000-01-01T00:00:00'")
        ws.set_field(form.id, "goal_actual", "改")
        changed = store.last_changes()
        assert {k for k, v in changed.items() if v != "2000-01-01T00:00:00"} == {form.id}


# -- version 3 files ------------------------------------------------------------------------------
def make_v3(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for version in (1, 2, 3):
        for statement in schema.STEPS[version]:
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO meta(key, value) VALUES ('app', 'perfdesk')")
    conn.execute("INSERT INTO unit(id, name, department) VALUES (1, '单位', '部门')")
    conn.execute("INSERT INTO project(id, name, position) VALUES ('p1', '项目', 0)")
    conn.execute("INSERT INTO form(id, project_id, kind, year, definition, position) VALUES"
                 " ('f1', 'p1', 'self-evaluation', 2022, 'sh-selfeval-2020', 0)")
    conn.execute("INSERT INTO indicator(id, form_id, position, level1, level2, level3, target, actual, weight)"
                 " VALUES ('i1', 'f1', 0, '产出指标', '数量指标', '人次', '≥95%', '96%', '10')")
    conn.close()


def test_a_version_3_file_is_upgraded_after_a_backup(tmp_path, registry):
    path = tmp_path / "旧.perfdesk"
    make_v3(path)
    original = path.read_bytes()
    with FileStore.open(path) as store:
        assert store.upgraded_from == 3 and store.backup.read_bytes() == original
        assert store.workspace.snapshots == {} and store.workspace.finals == {}
        with store.workspace.step():
            snapshots.finalise(store.workspace, list(store.workspace.forms.values()), registry.get, note="",
                               year=2022, scope="year")
    assert pragma(path, "user_version") == schema.LATEST
    assert pragma(store.backup, "user_version") == 3
    with FileStore.open(path, read_only=True) as store:
        assert set(store.workspace.finals) == {"f1"}


def test_a_version_3_file_opens_read_only_without_being_touched(tmp_path):
    path = tmp_path / "旧.perfdesk"
    make_v3(path)
    before = folder_snapshot(tmp_path)
    with FileStore.open(path, read_only=True) as store:
        assert "f1" in store.workspace.forms
    assert folder_snapshot(tmp_path) == before


def test_verify_knows_both_schemas():
    three, four = expected_schema(3), expected_schema(4)
    assert ("table", "snapshot") not in three and ("table", "snapshot") in four
    assert {("table", "final_mark"), ("table", "final_log")} <= set(four)


# -- tampered files --------------------------------------------------------------------------------
def _tamper(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    for statement in statements:
        conn.execute(statement)
    conn.close()


def test_a_mark_without_its_snapshot_is_refused(demo, registry):
    with FileStore.open(demo) as store:
        _finalise_2022(store, registry)
    _tamper(demo, "DELETE FROM snapshot")
    before = demo.read_bytes()
    with pytest.raises(DamagedFile, match="定稿快照在文件中不存在"):
        FileStore.open(demo)
    assert demo.read_bytes() == before


def test_snapshot_content_that_is_not_binary_is_refused(demo, registry):
    with FileStore.open(demo) as store:
        _finalise_2022(store, registry)
    _tamper(demo, "UPDATE snapshot SET content = 'text'")
    with pytest.raises(DamagedFile, match="内容不是二进制数据"):
        FileStore.open(demo)


def test_a_snapshot_with_an_unreadable_form_list_is_refused(demo, registry):
    with FileStore.open(demo) as store:
        _finalise_2022(store, registry)
    _tamper(demo, "UPDATE snapshot SET forms = '{not json'")
    with pytest.raises(DamagedFile, match="所含的表的清单无法读取"):
        FileStore.open(demo)


def test_damaged_snapshot_content_opens_the_file_but_not_the_snapshot(demo, registry):
    from perfdesk.domain.snapshot import SnapshotError

    with FileStore.open(demo) as store:
        snap = _finalise_2022(store, registry)
    _tamper(demo, "UPDATE snapshot SET content = x'00010203'")
    with FileStore.open(demo, read_only=True) as store:
        with pytest.raises(SnapshotError, match="损坏"):
            store.snapshot_content(snap.id)


def test_a_snapshot_re_exports_exactly_what_was_handed_in(demo, registry, tmp_path):
    """The sheets exported from the snapshot after later edits are byte for byte the sheets
    exported when it was made."""
    import zipfile

    from perfdesk.export.batch import export_forms

    def sheets(path):
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()
                    if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"}

    with FileStore.open(demo) as store:
        ws = store.workspace
        form = next(f for f in ws.forms.values() if f.year == 2022 and ws.project_name(f) == "补充日常经费")
        [then] = export_forms(ws, [form], registry, "xlsx", tmp_path / "then", with_list=False)
        with ws.step():
            snap = snapshots.finalise(ws, [form], registry.get, note="", year=2022, scope="project")
        with ws.step():
            ws.withdraw([form.id], "改", "2026-03-02T09:00:00")
        ws.set_indicator(form.id, form.indicators[2].id, "actual", "50%")
        ws.set_field(form.id, "goal_actual", "改过")
    with FileStore.open(demo, read_only=True) as store:
        content = store.snapshot_content(snap.id)
        [again] = export_forms(content.workspace, [content.form(form.id)], registry, "xlsx", tmp_path / "again",
                               with_list=False)
        [now] = export_forms(store.workspace, [store.workspace.forms[form.id]], registry, "xlsx", tmp_path / "now",
                             with_list=False)
    assert sheets(again) == sheets(then)
    assert sheets(now) != sheets(then)

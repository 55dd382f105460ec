"""Per-row extra columns (指标解释, 评(扣)分标准 …) and a form's own table rows (年度主要任务):
declared by a definition, stored generically (schema version 5), and carried through the file,
the upgrade of a version-4 file, the file checks, snapshots and 对比."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from perfdesk.domain import diff, snapshot as snapshots
from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, TableRow, Workspace
from perfdesk.domain.values import parse
from perfdesk.store import FileStore, schema
from perfdesk.store.file import DamagedFile

DEFINITION = "national-declaration-2021"
EXPLANATION = "纳入统一运维的政务系统个数，以运维合同清单为准"
CRITERIA = "每少1个扣2分，扣完为止"


def _document() -> tuple[Workspace, Form]:
    ws = Workspace()
    project = ws.add_project(Project("政务外网运维"))
    form = ws.add_form(Form(project_id=project.id, kind=FormKind.DECLARATION, year=2021, definition_id=DEFINITION,
                            id="f1"))
    ws.insert_indicator(form.id, 0, Indicator(id="i1", level1="产出指标", level2="数量指标", level3="运维系统数量",
                                              target=parse("≥12个"), weight=Decimal(60),
                                              extra={"explanation": EXPLANATION, "criteria": CRITERIA}))
    ws.insert_indicator(form.id, 1, Indicator(id="i2", level1="效益指标", level2="社会效益指标", level3="系统可用率",
                                              target=parse("≥99.9%"), weight=Decimal(40)))
    return ws, form


def _reopen(path: Path) -> Form:
    with FileStore.open(path, read_only=True) as again:
        return again.workspace.forms["f1"]


def test_extra_columns_and_table_rows_round_trip_through_the_file(tmp_path):
    ws, form = _document()
    form.tables["tasks"] = [TableRow("t1", {"name": "网络运维", "content": "全年7×24小时值守", "amount": "120.5"})]
    path = tmp_path / "a.perfdesk"
    store = FileStore.create(path)
    store.write_all(ws)
    # Edits made as steps are written through too: one extra changed, one removed, a table row added.
    ws.set_indicator("f1", "i2", "explanation", "全年可用时间占比")
    ws.set_indicator("f1", "i1", "criteria", "")
    ws.set_table("f1", "tasks", form.tables["tasks"] + [TableRow("t2", {"name": "安全加固"})])
    store.close()
    copy = _reopen(path)
    assert [i.extra for i in copy.indicators] == [{"explanation": EXPLANATION}, {"explanation": "全年可用时间占比"}]
    assert [(r.id, r.cells) for r in copy.tables["tasks"]] == [
        ("t1", {"name": "网络运维", "content": "全年7×24小时值守", "amount": "120.5"}), ("t2", {"name": "安全加固"})]
    conn = sqlite3.connect(path)
    try:
        stored = dict(conn.execute("SELECT id, extra FROM indicator"))
    finally:
        conn.close()
    assert stored["i1"] == '{"explanation":"' + EXPLANATION + '"}'  # plain JSON text, for outside tools too


def test_setting_an_unknown_attribute_is_still_refused():
    ws, form = _document()
    with pytest.raises(KeyError):
        ws.set_indicator(form.id, "i1", "Weigth", "1")  # not a built-in, not an extra key
    assert ws.set_indicator(form.id, "i1", "explanation", EXPLANATION) is False  # unchanged: no event


def make_v4(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for version in (1, 2, 3, 4):
        for statement in schema.STEPS[version]:
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 4")
    conn.execute("INSERT INTO meta(key, value) VALUES ('app', 'perfdesk')")
    conn.execute("INSERT INTO unit(id, name, department) VALUES (1, '单位', '部门')")
    conn.execute("INSERT INTO project(id, name, position) VALUES ('p1', '项目', 0)")
    conn.execute("INSERT INTO form(id, project_id, kind, year, definition, position) VALUES"
                 f" ('f1', 'p1', 'declaration', 2021, '{DEFINITION}', 0)")
    conn.execute("INSERT INTO indicator(id, form_id, position, level1, level2, level3, target, weight)"
                 " VALUES ('i1', 'f1', 0, '产出指标', '数量指标', '运维系统数量', '≥12个', '100')")
    conn.close()


def test_a_version_4_file_is_upgraded_to_5_after_a_backup(tmp_path):
    assert schema.LATEST == 5
    path = tmp_path / "旧.perfdesk"
    make_v4(path)
    original = path.read_bytes()
    with FileStore.open(path) as store:
        assert store.upgraded_from == 4 and store.backup.read_bytes() == original
        [indicator] = store.workspace.forms["f1"].indicators
        assert indicator.extra == {} and indicator.level3 == "运维系统数量"
        store.workspace.set_indicator("f1", "i1", "explanation", EXPLANATION)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
    finally:
        conn.close()
    assert _reopen(path).indicators[0].extra == {"explanation": EXPLANATION}


def test_a_version_4_file_opened_read_only_is_upgraded_in_memory_only(tmp_path):
    path = tmp_path / "旧.perfdesk"
    make_v4(path)
    original = path.read_bytes()
    with FileStore.open(path, read_only=True) as store:
        assert store.workspace.forms["f1"].indicators[0].extra == {}
    assert path.read_bytes() == original and not list(tmp_path.glob("*备份*"))


@pytest.mark.parametrize("table,column,bad", [
    ("indicator", "extra", "not json"),
    ("indicator", "extra", "[\"a\"]"),
    ("indicator", "extra", "{\"explanation\": {\"deep\": \"x\"}}"),
    ("indicator", "extra", "{\"explanation\": 3}"),
    ("form_row", "cells", "{\"name\": [1]}"),
])
def test_a_tampered_extra_or_table_row_is_refused_and_the_file_left_alone(tmp_path, table, column, bad):
    ws, form = _document()
    form.tables["tasks"] = [TableRow("t1", {"name": "网络运维"})]
    path = tmp_path / "t.perfdesk"
    store = FileStore.create(path)
    store.write_all(ws)
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = (SELECT min(rowid) FROM {table})", (bad,))
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DamagedFile) as info:
        FileStore.open(path)
    expected = "第 1 行指标：附加栏目的内容无法读取" if table == "indicator" else "一行表格：内容无法读取"
    assert expected in str(info.value) and path.read_bytes() == before


def test_snapshots_keep_extra_columns_and_table_rows(registry):
    ws, form = _document()
    form.tables["tasks"] = [TableRow("t1", {"name": "网络运维", "amount": "120.5"})]
    snap = snapshots.build(ws, [form], registry.get, name="定稿", note="", year=2021, scope="year",
                           at="2026-01-01T00:00:00")
    content = snapshots.decode(snap.blob)
    again = content.form("f1")
    assert [i.extra for i in again.indicators] == [i.extra for i in form.indicators]
    assert [(r.id, r.cells) for r in again.tables["tasks"]] == [("t1", {"name": "网络运维", "amount": "120.5"})]
    # Decoding and encoding again gives the same bytes.
    rebuilt = snapshots.build(content.workspace, [again], registry.get, name="定稿", note="", year=2021,
                              scope="year", at="2026-01-01T00:00:00", snapshot_id=snap.id)
    assert rebuilt.blob == snap.blob


def test_a_row_without_extras_encodes_as_before(registry):
    ws, form = _document()
    record = snapshots.form_record(ws, form)
    assert len(record["rows"][0]) == len(snapshots.ROW_KEYS) + 1 and len(record["rows"][1]) == len(snapshots.ROW_KEYS)
    assert "tables" not in record


def test_diff_names_a_changed_extra_column_by_its_label(registry):
    ws, form = _document()
    old = snapshots.form_from_record(snapshots.form_record(ws, form))
    ws.set_indicator(form.id, "i1", "criteria", "每少1个扣3分")
    changes = diff.diff_forms(old, form, definition=registry.get(DEFINITION))
    [change] = [c for c in changes if c.kind == diff.CELL]
    assert change.key == "criteria" and "评(扣)分标准" in change.where
    assert (change.old, change.new) == (CRITERIA, "每少1个扣3分")

"""The .perfdesk file (design.md "The file"): perfdesk/store/file.py, lock.py, schema.py."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, Workspace
from perfdesk.domain.values import parse
from perfdesk.store import (
    DamagedFile,
    FileMissing,
    FileStore,
    NewerVersion,
    NotPerfDeskFile,
    ReadOnlyError,
    StoreError,
    SUFFIX,
    schema,
)
from perfdesk.store.lock import lock_path_for

D = Decimal
CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_chinese(exc: BaseException) -> None:
    message = str(exc)
    assert message.strip(), "empty message"
    assert CJK.search(message), f"no Chinese in {message!r}"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in a folder (hidden ones too) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def query(path: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def pragma(path: Path, name: str):
    return query(path, f"PRAGMA {name}")[0][0]


# -- a document built through the Workspace mutation methods ------------------------------

def _indicators() -> list[Indicator]:
    return [
        Indicator(id="ind-1", level1="产出指标", level2="数量指标", level3="培训人次",
                  target=parse("≥1,234.50(万元)"), actual=parse("＝１００％"),
                  weight=D("10"), score=D("9.50"), grade=None, reason="",
                  adjusted=False, provenance=""),
        Indicator(id="ind-2", level1="产出指标", level2="质量指标", level3="合格率",
                  target=parse("  95% "), actual=parse("≥95.125(%)"),
                  weight=D("5.00"), score=None, grade="good", reason="部分设备延期到货",
                  adjusted=True, provenance="2021 自评表"),
        Indicator(id="ind-3", level1="效益指标", level2="社会效益指标", level3="服务保障",
                  target=parse("有效保障"), actual=parse(" 及时 "),
                  weight=D("20"), score=D("0"), grade="excellent", reason="无",
                  adjusted=False, provenance="declaration"),
        Indicator(id="ind-4", level1="产出指标", level2="时效指标", level3="完成时间",
                  target=parse("2023年12月"), actual=parse(""),
                  weight=None, score=None),
    ]


def build(store: FileStore) -> tuple[Project, Form]:
    ws = store.workspace
    ws.set_unit(name="上海市某某局", department="上海市财政局")
    project = ws.add_project(Project("城市运行保障项目", id="proj-1"))
    ws.add_project(Project("第二个项目", id="proj-2"))
    form = Form(project_id=project.id, kind=FormKind.SELF_EVALUATION, year=2022,
                definition_id="sh-selfeval-2020", id="form-1",
                fields={"project_name": "城市运行保障项目", "leader": "张三"},
                amounts={"budget.total": D("873.41"), "budget.executed": D("1234.50"),
                         "budget.other": None},
                budget_score=D("9.25"), total=None)
    ws.add_form(form)
    for position, indicator in enumerate(_indicators()):
        ws.insert_indicator(form.id, position, indicator)
    return project, form


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / f"单位{SUFFIX}"


@pytest.fixture
def built(path) -> Path:
    store = FileStore.create(path)
    build(store)
    store.close()
    return path


def assert_same_workspace(a: Workspace, b: Workspace) -> None:
    assert (a.unit.name, a.unit.department) == (b.unit.name, b.unit.department)
    assert [(p.id, p.name) for p in a.projects.values()] == [(p.id, p.name) for p in b.projects.values()]
    assert list(a.forms) == list(b.forms)
    for fid, fa in a.forms.items():
        fb = b.forms[fid]
        assert (fa.project_id, fa.kind, fa.year, fa.definition_id) == \
               (fb.project_id, fb.kind, fb.year, fb.definition_id)
        assert fa.fields == fb.fields
        assert fa.amounts == fb.amounts
        assert {k: str(v) for k, v in fa.amounts.items()} == {k: str(v) for k, v in fb.amounts.items()}
        assert (str(fa.budget_score), str(fa.total)) == (str(fb.budget_score), str(fb.total))
        assert [i.id for i in fa.indicators] == [i.id for i in fb.indicators]
        assert fa.indicators == fb.indicators
        for ia, ib in zip(fa.indicators, fb.indicators):
            assert (ia.target.raw, ia.actual.raw) == (ib.target.raw, ib.actual.raw)
            assert (str(ia.weight), str(ia.score)) == (str(ib.weight), str(ib.score))


# -- create, close, reopen --------------------------------------------------------------------

def test_round_trip_keeps_everything(path):
    store = FileStore.create(path)
    assert not store.read_only
    build(store)
    expected = store.workspace
    store.close()

    again = FileStore.open(path)
    try:
        assert not again.read_only and again.upgraded_from is None and again.backup is None
        ws = again.workspace
        assert_same_workspace(expected, ws)

        assert ws.unit.name == "上海市某某局" and ws.unit.department == "上海市财政局"
        assert list(ws.projects) == ["proj-1", "proj-2"]
        form = ws.forms["form-1"]
        assert form.kind is FormKind.SELF_EVALUATION
        assert form.definition_id == "sh-selfeval-2020" and form.year == 2022
        assert form.fields == {"project_name": "城市运行保障项目", "leader": "张三"}
        assert form.amounts == {"budget.total": D("873.41"), "budget.executed": D("1234.50"),
                                "budget.other": None}
        assert isinstance(form.amounts["budget.executed"], Decimal)
        assert str(form.amounts["budget.executed"]) == "1234.50"
        assert form.budget_score == D("9.25") and form.total is None

        assert [i.id for i in form.indicators] == ["ind-1", "ind-2", "ind-3", "ind-4"]
        i1, i2, i3, i4 = form.indicators
        assert i1.target.raw == "≥1,234.50(万元)" and i1.actual.raw == "＝１００％"
        assert i1.target.number == D("1234.50") and i1.target.unit == "万元"
        assert str(i1.score) == "9.50" and i1.weight == D(10)
        assert i2.target.raw == "  95% " and i2.target.sign_implied  # raw kept, spaces too
        assert i2.actual.number == D("95.125")
        assert str(i2.weight) == "5.00" and i2.score is None
        assert i2.grade == "good" and i2.reason == "部分设备延期到货"
        assert i2.adjusted is True and i2.provenance == "2021 自评表"
        assert i3.target.raw == "有效保障" and i3.actual.raw == " 及时 " and i3.actual.is_qualitative
        assert i3.score == D(0) and i3.grade == "excellent" and i3.provenance == "declaration"
        assert i4.target.is_qualitative and i4.actual.is_empty and i4.grade is None
        assert i4.weight is None and i4.adjusted is False
    finally:
        again.close()


def test_parsed_columns_stored_beside_raw(built):
    rows = query(built, "SELECT id, position, target, target_sign, target_number, target_unit,"
                        " actual, actual_sign, actual_number, actual_unit FROM indicator"
                        " ORDER BY position")
    assert rows == [
        ("ind-1", 0, "≥1,234.50(万元)", "≥", "1234.50", "万元", "＝１００％", "=", "100", "%"),
        ("ind-2", 1, "  95% ", "≥", "95", "%", "≥95.125(%)", "≥", "95.125", "%"),
        ("ind-3", 2, "有效保障", None, None, None, " 及时 ", None, None, None),
        ("ind-4", 3, "2023年12月", None, None, None, "", None, None, None),
    ]
    assert query(built, "SELECT weight, score, grade, reason, adjusted, provenance FROM indicator"
                        " WHERE id = 'ind-2'") == [("5.00", None, "good", "部分设备延期到货", 1, "2021 自评表")]
    assert query(built, "SELECT value FROM form_amount WHERE key = 'budget.executed'") == [("1234.50",)]
    assert query(built, "SELECT value FROM form_amount WHERE key = 'budget.other'") == [(None,)]


def test_file_header_and_journal_mode(built):
    assert built.read_bytes()[:16] == b"SQLite format 3\x00"
    assert pragma(built, "journal_mode") == "delete"
    assert pragma(built, "application_id") == schema.APPLICATION_ID
    assert pragma(built, "user_version") == schema.LATEST
    assert query(built, "SELECT value FROM meta WHERE key = 'app'") == [("perfdesk",)]
    # no sidecar files after a clean close: not the WAL, not a journal, not the lock
    assert sorted(p.name for p in built.parent.iterdir()) == [built.name]


def test_journal_mode_while_open(path):
    with FileStore.create(path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        build(store)
        assert not Path(f"{path}-wal").exists()
        assert pragma(path, "journal_mode") == "delete"


def test_create_refuses_existing_file_without_overwrite(built):
    before = built.read_bytes()
    with pytest.raises(StoreError) as info:
        FileStore.create(built)
    assert_chinese(info.value)
    assert built.read_bytes() == before


def test_create_overwrite_replaces_own_file(built):
    with FileStore.create(built, overwrite=True) as store:
        assert store.workspace.projects == {}
    with FileStore.open(built, read_only=True) as store:
        assert store.workspace.projects == {} and store.workspace.forms == {}


# -- write-through ----------------------------------------------------------------------------

def on_disk(path: Path) -> Workspace:
    reader = FileStore.open(path, read_only=True)
    try:
        assert reader.read_only
        return reader.workspace
    finally:
        reader.close()


def test_every_mutation_is_on_disk_at_once(path):
    store = FileStore.create(path)
    try:
        project, form = build(store)
        ws = store.workspace
        fid = form.id

        disk = on_disk(path)
        assert_same_workspace(ws, disk)

        assert ws.set_indicator(fid, "ind-1", "actual", "≤873.41(万元)")
        disk = on_disk(path)
        assert disk.forms[fid].indicator("ind-1").actual.raw == "≤873.41(万元)"
        assert query(path, "SELECT actual_sign, actual_number, actual_unit FROM indicator"
                           " WHERE id = 'ind-1'") == [("≤", "873.41", "万元")]

        assert ws.set_indicator(fid, "ind-3", "score", D("7.25"))
        assert str(on_disk(path).forms[fid].indicator("ind-3").score) == "7.25"

        assert ws.set_indicator(fid, "ind-3", "adjusted", True)
        assert on_disk(path).forms[fid].indicator("ind-3").adjusted is True

        assert ws.set_indicator(fid, "ind-4", "reason", "因疫情延期")
        assert on_disk(path).forms[fid].indicator("ind-4").reason == "因疫情延期"

        assert ws.set_field(fid, "leader", "李四")
        assert on_disk(path).forms[fid].fields["leader"] == "李四"

        assert ws.set_field(fid, "project_name", "城市运行保障项目（二期）")
        disk = on_disk(path)
        assert disk.forms[fid].fields["project_name"] == "城市运行保障项目（二期）"
        assert disk.projects[project.id].name == "城市运行保障项目（二期）"

        assert ws.set_amount(fid, "budget.total", D("900.10"))
        assert str(on_disk(path).forms[fid].amounts["budget.total"]) == "900.10"
        assert ws.set_amount(fid, "budget.total", None)
        assert on_disk(path).forms[fid].amounts == {
            "budget.total": None, "budget.executed": D("1234.50"), "budget.other": None}

        new = Indicator(id="ind-new", level3="新指标", target=parse("=1 个"))
        ws.insert_indicator(fid, 1, new)
        assert [i.id for i in on_disk(path).forms[fid].indicators] == \
               ["ind-1", "ind-new", "ind-2", "ind-3", "ind-4"]
        assert query(path, "SELECT id, position FROM indicator ORDER BY position") == [
            ("ind-1", 0), ("ind-new", 1), ("ind-2", 2), ("ind-3", 3), ("ind-4", 4)]

        ws.move_indicator(fid, "ind-1", 3)
        assert [i.id for i in on_disk(path).forms[fid].indicators] == \
               ["ind-new", "ind-2", "ind-3", "ind-1", "ind-4"]

        position, removed = ws.remove_indicator(fid, "ind-2")
        assert (position, removed.id) == (1, "ind-2")
        assert [i.id for i in on_disk(path).forms[fid].indicators] == \
               ["ind-new", "ind-3", "ind-1", "ind-4"]
        assert query(path, "SELECT count(*) FROM indicator WHERE id = 'ind-2'") == [(0,)]

        ws.rename_project("proj-2", "改名后的项目")
        assert on_disk(path).projects["proj-2"].name == "改名后的项目"

        assert ws.set_budget_score(fid, D("8.5"))
        assert on_disk(path).forms[fid].budget_score == D("8.5")

        ws.remove_form(fid)
        disk = on_disk(path)
        assert disk.forms == {}
        # the form's fields, amounts and indicators went with it
        for table in ("form_field", "form_amount", "indicator"):
            assert query(path, f"SELECT count(*) FROM {table}") == [(0,)]
        assert list(disk.projects) == ["proj-1", "proj-2"]

        ws.remove_project("proj-1")
        assert list(on_disk(path).projects) == ["proj-2"]

        assert_same_workspace(ws, on_disk(path))
    finally:
        store.close()


def test_unchanged_value_writes_nothing(built):
    store = FileStore.open(built)
    try:
        assert not store.workspace.set_indicator("form-1", "ind-1", "target", "≥1,234.50(万元)")
        assert not store.workspace.set_field("form-1", "leader", "张三")
    finally:
        store.close()


# -- one writer ---------------------------------------------------------------------------------

def test_second_opener_is_read_only(built):
    first = FileStore.open(built)
    try:
        assert not first.read_only
        second = FileStore.open(built)
        try:
            assert second.read_only
            assert CJK.search(second.read_only_reason)
            assert "只读" in second.read_only_reason
            assert_same_workspace(first.workspace, second.workspace)
            before = built.read_bytes()
            with pytest.raises(ReadOnlyError) as info:
                second.workspace.set_field("form-1", "leader", "王五")
            assert_chinese(info.value)
            with pytest.raises(ReadOnlyError):
                second.workspace.add_project(Project("不该写入"))
            assert built.read_bytes() == before
            # the writer is unaffected and still writes through
            first.workspace.set_field("form-1", "leader", "赵六")
            assert on_disk(built).forms["form-1"].fields["leader"] == "赵六"
        finally:
            second.close()
        # closing the read-only opener did not release the writer's lock
        third = FileStore.open(built)
        try:
            assert third.read_only
        finally:
            third.close()
    finally:
        first.close()
    fourth = FileStore.open(built)
    try:
        assert not fourth.read_only
        fourth.workspace.set_field("form-1", "leader", "钱七")
    finally:
        fourth.close()
    assert on_disk(built).forms["form-1"].fields["leader"] == "钱七"


def test_lock_file_names_the_holder(built):
    first = FileStore.open(built)
    try:
        assert lock_path_for(built).exists()
        second = FileStore.open(built)
        try:
            assert str(os.getpid()) in second.read_only_reason
        finally:
            second.close()
    finally:
        first.close()
    assert not lock_path_for(built).exists()


def test_explicit_read_only_open(built):
    before = snapshot(built.parent)
    reader = FileStore.open(built, read_only=True)
    try:
        assert reader.read_only and CJK.search(reader.read_only_reason)
        with pytest.raises(ReadOnlyError):
            reader.workspace.set_unit(name="x")
        # a read-only reader does not keep a writer out
        with FileStore.open(built) as writer:
            assert not writer.read_only
    finally:
        reader.close()
    assert snapshot(built.parent) == before


# -- refusals that leave the file untouched ------------------------------------------------------

def _text_file(path: Path) -> None:
    path.write_text("项目名称,金额\n城市运行,873.41\n", encoding="utf-8")


def _empty_file(path: Path) -> None:
    path.write_bytes(b"")


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO contacts(name) VALUES ('张三')")
    conn.commit()
    conn.close()
    assert pragma(path, "application_id") == 0


def _foreign_sqlite_with_our_tables(path: Path) -> None:
    # Same table names as ours but not marked as a PerfDesk file.
    conn = sqlite3.connect(path)
    for statement in schema.STEPS[1]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def _newer(path: Path) -> None:
    FileStore.create(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()


def _damaged(path: Path) -> None:
    store = FileStore.create(path)
    build(store)
    store.close()
    data = path.read_bytes()
    page = pragma(path, "page_size")
    assert len(data) > 3 * page
    garbage = bytes((i * 37 + 11) % 256 for i in range(len(data) - page))
    path.write_bytes(data[:page] + garbage)


def _truncated(path: Path) -> None:
    store = FileStore.create(path)
    build(store)
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("make,error", [
    (_text_file, NotPerfDeskFile),
    (_empty_file, NotPerfDeskFile),
    (_foreign_sqlite, NotPerfDeskFile),
    (_foreign_sqlite_with_our_tables, NotPerfDeskFile),
    (_newer, NewerVersion),
    (_damaged, DamagedFile),
    (_truncated, DamagedFile),
], ids=["text", "empty", "foreign-sqlite", "foreign-sqlite-our-tables", "newer", "damaged",
        "truncated"])
@pytest.mark.parametrize("read_only", [False, True], ids=["write", "read-only"])
def test_refusal_leaves_file_untouched(tmp_path, make, error, read_only):
    path = tmp_path / f"数据{SUFFIX}"
    make(path)
    before = snapshot(tmp_path)
    with pytest.raises(error) as info:
        FileStore.open(path, read_only=read_only)
    assert type(info.value) is error
    assert isinstance(info.value, StoreError)
    assert_chinese(info.value)
    # byte-identical, and no lock, journal or backup left beside it
    assert snapshot(tmp_path) == before


def test_newer_version_message_names_versions(tmp_path):
    path = tmp_path / f"新{SUFFIX}"
    _newer(path)
    with pytest.raises(NewerVersion) as info:
        FileStore.open(path)
    assert str(schema.LATEST + 1) in str(info.value)
    assert "升级" in str(info.value)


def test_missing_path(tmp_path):
    path = tmp_path / f"没有{SUFFIX}"
    with pytest.raises(FileMissing) as info:
        FileStore.open(path)
    assert_chinese(info.value)
    assert isinstance(info.value, StoreError)
    assert list(tmp_path.iterdir()) == []


def test_folder_is_not_a_file(tmp_path):
    folder = tmp_path / f"目录{SUFFIX}"
    folder.mkdir()
    with pytest.raises(NotPerfDeskFile) as info:
        FileStore.open(folder)
    assert_chinese(info.value)


@pytest.mark.parametrize("make", [_text_file, _empty_file, _foreign_sqlite],
                         ids=["text", "empty", "foreign-sqlite"])
def test_create_overwrite_refuses_a_foreign_file(tmp_path, make):
    path = tmp_path / f"别人的{SUFFIX}"
    make(path)
    before = snapshot(tmp_path)
    with pytest.raises(NotPerfDeskFile) as info:
        FileStore.create(path, overwrite=True)
    assert_chinese(info.value)
    assert snapshot(tmp_path) == before


# -- upgrade from version 1 ------------------------------------------------------------------------

def make_v1(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in schema.STEPS[1]:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO meta(key, value) VALUES ('app', 'perfdesk')")
    conn.execute("INSERT INTO unit(id, name, department) VALUES (1, '老单位', '老部门')")
    conn.execute("INSERT INTO project(id, name, position) VALUES ('p1', '老项目', 0)")
    conn.execute("INSERT INTO form(id, project_id, kind, year, definition, budget_score, total,"
                 " position) VALUES ('f1', 'p1', 'self-evaluation', 2020, 'sh-selfeval-2020',"
                 " '9.5', NULL, 0)")
    conn.execute("INSERT INTO form_field(form_id, key, value) VALUES ('f1', 'leader', '张三')")
    conn.execute("INSERT INTO form_amount(form_id, key, value) VALUES ('f1', 'budget.total', '873.41')")
    conn.execute("INSERT INTO indicator(id, form_id, position, level1, level2, level3, target,"
                 " target_sign, target_number, target_unit, actual, weight, score, grade, reason)"
                 " VALUES ('i1', 'f1', 0, '产出指标', '数量指标', '培训人次', '≥95%', '≥', '95', '%',"
                 " '96%', '10', '10.00', NULL, '')")
    conn.close()
    assert pragma(path, "user_version") == 1


def assert_v1_data(ws: Workspace) -> None:
    assert (ws.unit.name, ws.unit.department) == ("老单位", "老部门")
    assert [(p.id, p.name) for p in ws.projects.values()] == [("p1", "老项目")]
    form = ws.forms["f1"]
    assert form.kind is FormKind.SELF_EVALUATION and form.year == 2020
    assert form.definition_id == "sh-selfeval-2020"
    assert form.budget_score == D("9.5") and form.total is None
    assert form.fields == {"leader": "张三"}
    assert form.amounts == {"budget.total": D("873.41")}
    [ind] = form.indicators
    assert ind.id == "i1" and ind.level3 == "培训人次"
    assert ind.target.raw == "≥95%" and ind.actual.raw == "96%"
    assert str(ind.score) == "10.00" and ind.weight == D(10)
    # the columns version 2 added, with their defaults
    assert ind.adjusted is False and ind.provenance == ""


def test_upgrade_writes_backup_first(tmp_path):
    path = tmp_path / f"旧{SUFFIX}"
    make_v1(path)
    original = path.read_bytes()

    store = FileStore.open(path)
    try:
        assert not store.read_only
        assert store.upgraded_from == 1
        assert store.backup is not None and store.backup.exists()
        assert store.backup.parent == path.parent and store.backup != path
        assert store.backup.suffix == SUFFIX
        assert store.backup.read_bytes() == original
        assert_v1_data(store.workspace)
        # the upgraded file writes the new columns
        store.workspace.set_indicator("f1", "i1", "provenance", "2019")
    finally:
        store.close()

    assert pragma(path, "user_version") == schema.LATEST
    assert pragma(path, "application_id") == schema.APPLICATION_ID
    columns = {row[1]: row for row in query(path, "PRAGMA table_info(indicator)")}
    assert "adjusted" in columns and "provenance" in columns
    assert query(path, "SELECT adjusted, provenance FROM indicator WHERE id = 'i1'") == [(0, "2019")]
    # the backup is still a version-1 file
    assert pragma(store.backup, "user_version") == 1

    # opening the upgraded file again: no further upgrade, no further backup
    files = sorted(p.name for p in tmp_path.iterdir())
    with FileStore.open(path) as again:
        assert again.upgraded_from is None and again.backup is None
        assert again.workspace.forms["f1"].indicators[0].provenance == "2019"
    assert sorted(p.name for p in tmp_path.iterdir()) == files


def test_second_upgrade_does_not_overwrite_an_older_backup(tmp_path):
    path = tmp_path / f"旧{SUFFIX}"
    make_v1(path)
    original = path.read_bytes()
    first = FileStore.open(path)
    first.close()
    path.write_bytes(original)  # the same old file again
    second = FileStore.open(path)
    second.close()
    assert first.backup != second.backup
    assert first.backup.read_bytes() == original == second.backup.read_bytes()


def test_read_only_open_upgrades_in_memory_only(tmp_path):
    path = tmp_path / f"旧{SUFFIX}"
    make_v1(path)
    before = snapshot(tmp_path)

    store = FileStore.open(path, read_only=True)
    try:
        assert store.read_only
        assert store.backup is None and store.upgraded_from is None
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST
        assert_v1_data(store.workspace)
        with pytest.raises(ReadOnlyError):
            store.workspace.set_field("f1", "leader", "李四")
    finally:
        store.close()

    assert snapshot(tmp_path) == before
    assert pragma(path, "user_version") == 1


def test_second_opener_of_a_file_just_upgraded_by_the_writer(tmp_path):
    path = tmp_path / f"旧{SUFFIX}"
    make_v1(path)
    writer = FileStore.open(path)
    try:
        files = snapshot(tmp_path)
        second = FileStore.open(path)
        try:
            assert second.read_only
            assert_v1_data(second.workspace)
        finally:
            second.close()
        assert snapshot(tmp_path) == files
    finally:
        writer.close()


# -- save a copy ------------------------------------------------------------------------------------

def test_save_copy(built, tmp_path):
    store = FileStore.open(built)
    try:
        store.workspace.set_field("form-1", "leader", "复制前")
        dest = tmp_path / "copies" / f"副本{SUFFIX}"
        dest.parent.mkdir()
        assert store.save_copy(dest) == dest
        assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]  # no .tmp left
        assert pragma(dest, "journal_mode") == "delete"
        assert pragma(dest, "application_id") == schema.APPLICATION_ID
        assert pragma(dest, "user_version") == schema.LATEST
        with FileStore.open(dest) as copy:
            assert not copy.read_only
            assert_same_workspace(store.workspace, copy.workspace)
            copy.workspace.set_field("form-1", "leader", "只改副本")
        # the original stays open, writable and separate
        assert not store.read_only
        store.workspace.set_field("form-1", "leader", "只改原件")
        assert on_disk(built).forms["form-1"].fields["leader"] == "只改原件"
        assert on_disk(dest).forms["form-1"].fields["leader"] == "只改副本"
    finally:
        store.close()


def test_save_copy_replaces_an_existing_destination(built, tmp_path):
    dest = tmp_path / f"旧副本{SUFFIX}"
    dest.write_text("old", encoding="utf-8")
    with FileStore.open(built) as store:
        store.save_copy(dest)
        assert_same_workspace(store.workspace, on_disk(dest))


def test_save_copy_onto_itself_is_refused(built):
    with FileStore.open(built) as store:
        before = built.read_bytes()
        with pytest.raises(StoreError) as info:
            store.save_copy(built)
        assert_chinese(info.value)
        with pytest.raises(StoreError):
            store.save_copy(built.parent / "." / built.name)
        assert built.read_bytes() == before
        store.workspace.set_field("form-1", "leader", "仍可写")
    assert on_disk(built).forms["form-1"].fields["leader"] == "仍可写"


def test_save_copy_of_an_in_memory_upgrade(tmp_path):
    path = tmp_path / f"旧{SUFFIX}"
    make_v1(path)
    dest = tmp_path / f"新{SUFFIX}"
    with FileStore.open(path, read_only=True) as store:
        store.save_copy(dest)
    assert pragma(dest, "user_version") == schema.LATEST
    with FileStore.open(dest) as copy:
        assert copy.upgraded_from is None
        assert_v1_data(copy.workspace)


# -- write_all -----------------------------------------------------------------------------------

def test_write_all_replaces_content_and_follows_the_new_workspace(built):
    with FileStore.open(built) as store:
        ws = Workspace()
        ws.set_unit(name="新单位")
        project = ws.add_project(Project("新项目", id="np"))
        ws.add_form(Form(project_id=project.id, kind=FormKind.DECLARATION, year=2026,
                         definition_id="sh-declaration-2026", id="nf",
                         indicators=[Indicator(id="ni", target=parse("≤30.00(元/m²)"))]))
        store.write_all(ws)
        disk = on_disk(built)
        assert_same_workspace(ws, disk)
        assert query(built, "SELECT count(*) FROM indicator") == [(1,)]
        ws.set_indicator("nf", "ni", "actual", "28(元/m²)")
        assert on_disk(built).forms["nf"].indicator("ni").actual.raw == "28(元/m²)"


# -- regressions of bugs found while writing these tests ---------------------------------------

def test_create_overwrite_of_a_file_being_edited_keeps_it(built):
    before = built.read_bytes()
    writer = FileStore.open(built)
    try:
        with pytest.raises(StoreError):
            FileStore.create(built, overwrite=True)
        assert built.exists()
        assert built.read_bytes() == before
    finally:
        writer.close()


def _reorder_projects(ws: Workspace) -> None:
    for i in range(4):
        ws.add_project(Project(f"项目{i}", id=f"p{i}"))
    ws.remove_project("p0")
    ws.remove_project("p1")
    ws.rename_project("p3", "项目3改")  # writes position 1 while p2 still has position 2


def _reorder_forms(ws: Workspace) -> None:
    ws.add_project(Project("项目", id="p"))
    for i in range(4):
        ws.add_form(Form(project_id="p", kind=FormKind.SELF_EVALUATION, year=2020 + i,
                         definition_id="sh-selfeval-2020", id=f"f{i}"))
    ws.remove_form("f0")
    ws.remove_form("f1")
    ws.set_form_year("f3", 2030)  # writes position 1 while f2 still has position 2


@pytest.mark.parametrize("mutate,attr", [(_reorder_projects, "projects"), (_reorder_forms, "forms")],
                         ids=["projects", "forms"])
def test_order_survives_remove_then_change(path, mutate, attr):
    with FileStore.create(path) as store:
        mutate(store.workspace)
        expected = list(getattr(store.workspace, attr))
    assert list(getattr(on_disk(path), attr)) == expected


_CRASH = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 2")  # spill to the file mid-transaction
conn.execute("BEGIN IMMEDIATE")
for i in range(2000):
    conn.execute("INSERT INTO project(id, name) VALUES (?, ?)", (f"crash{i}", "x" * 200))
os._exit(0)  # die without COMMIT or ROLLBACK: a hot journal stays beside the file
"""


def test_file_left_by_a_crash_mid_transaction_opens(built):
    expected = on_disk(built)
    subprocess.run([sys.executable, "-c", _CRASH, str(built)], check=True, timeout=60)
    assert Path(f"{built}-journal").exists()
    with FileStore.open(built) as store:
        assert_same_workspace(expected, store.workspace)


# -- hostile and damaged files: nothing runs, everything is checked before it is built -------------

from perfdesk.store import file as store_file  # noqa: E402
from perfdesk.store.file import FileLocked, harden  # noqa: E402
from perfdesk.store.lock import FILE_READ_ONLY, FOLDER_READ_ONLY, MEDIUM_READ_ONLY, FileLock  # noqa: E402


def tamper(path: Path, *statements: str) -> None:
    """What any SQLite tool can do to a file: foreign keys off, our triggers none."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def test_every_connection_is_hardened(built):
    with FileStore.open(built) as writer:
        assert writer.conn.execute("PRAGMA trusted_schema").fetchone()[0] == 0
        if harden(sqlite3.connect(":memory:")):  # defensive mode is available here
            writer.conn.execute("PRAGMA writable_schema = ON")
            with pytest.raises(sqlite3.OperationalError):
                writer.conn.execute("UPDATE sqlite_master SET sql = sql WHERE 0")
    with FileStore.open(built, read_only=True) as reader:
        assert reader.conn.execute("PRAGMA trusted_schema").fetchone()[0] == 0


def test_defensive_mode_is_on_where_python_allows_it():
    """CPython 3.11 has no Connection.setconfig: the defensive flag is set through the C API
    of the very SQLite library the sqlite3 module uses (3.12+ use setconfig)."""
    if sys.platform not in ("linux", "win32"):
        pytest.skip("defensive mode is only switched on through the C API on Linux and Windows")
    conn = sqlite3.connect(":memory:")
    assert harden(conn) is True
    conn.execute("CREATE TABLE t (a)")
    conn.execute("PRAGMA writable_schema = ON")
    with pytest.raises(sqlite3.OperationalError, match="may not be modified"):
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE t (b)'")


@pytest.mark.parametrize("statement,words", [
    ("CREATE TRIGGER wipe AFTER UPDATE ON project BEGIN DELETE FROM indicator; END", ("触发器", "wipe")),
    ("CREATE TRIGGER spy AFTER INSERT ON form BEGIN INSERT INTO meta VALUES ('spy', 'x'); END", ("触发器", "spy")),
    ("CREATE VIEW forever AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n",
     ("视图", "forever")),
    ("CREATE TABLE payload (data BLOB)", ("表", "payload")),
    ("CREATE INDEX sneaky ON project(name)", ("索引", "sneaky")),
    ("ALTER TABLE project ADD COLUMN extra TEXT", ("project", "定义")),
    ("DROP INDEX indicator_form", ("缺少", "indicator_form")),
], ids=["trigger-on-update", "trigger-on-insert", "recursive-view", "table", "index", "column", "missing-index"])
@pytest.mark.parametrize("read_only", [False, True], ids=["write", "read-only"])
def test_a_schema_perfdesk_did_not_create_is_refused_and_never_runs(built, statement, words, read_only):
    tamper(built, statement)
    before = snapshot(built.parent)
    with pytest.raises(DamagedFile) as info:
        FileStore.open(built, read_only=read_only)
    for word in words:
        assert word in str(info.value)
    assert "\n" not in str(info.value) and snapshot(built.parent) == before
    assert query(built, "SELECT count(*) FROM indicator") == [(4,)]  # the trigger never ran


def test_sqlite_statistics_tables_are_accepted(built):
    tamper(built, "ANALYZE")
    assert query(built, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'") == [(1,)]
    with FileStore.open(built) as store:
        assert "form-1" in store.workspace.forms


@pytest.mark.parametrize("statement,words", [
    ("UPDATE indicator SET weight = 'NaN' WHERE id = 'ind-2'", ("第 1 张表", "城市运行保障项目", "2022 年", "第 2 行指标", "分值“NaN”不是有效数字")),
    ("UPDATE indicator SET score = 'sNaN' WHERE id = 'ind-1'", ("第 1 行指标", "得分“sNaN”")),
    ("UPDATE indicator SET weight = x'00ff' WHERE id = 'ind-3'", ("第 3 行指标", "分值是二进制数据")),
    ("UPDATE form SET budget_score = 'Infinity'", ("预算执行率得分“Infinity”",)),
    ("UPDATE form_amount SET value = '-Infinity' WHERE key = 'budget.total'", ("金额", "budget.total")),
    ("UPDATE form SET year = '二〇二二'", ("年度“二〇二二”不是整数",)),
    ("UPDATE form SET year = 20222", ("年度 20222",)),
    ("UPDATE form SET definition = 'future-2031'", ("表单定义“future-2031”",)),
    ("UPDATE indicator SET form_id = 'gone' WHERE id = 'ind-4'", ("指标“完成时间”", "所属的表在文件中不存在")),
    ("UPDATE form SET project_id = 'gone'", ("第 1 张表", "所属的项目在文件中不存在")),
    ("UPDATE project SET name = x'01' WHERE id = 'proj-2'", ("第 2 个项目", "项目名称是二进制数据")),
    ("UPDATE indicator SET adjusted = 3 WHERE id = 'ind-1'", ("调整标记“3”应为 0 或 1",)),
], ids=["nan", "snan", "blob", "infinity", "minus-infinity", "year-text", "year-range", "definition",
        "dangling-indicator", "dangling-form", "name-blob", "flag"])
@pytest.mark.parametrize("read_only", [False, True], ids=["write", "read-only"])
def test_rows_are_checked_before_the_document_is_built(built, statement, words, read_only):
    tamper(built, "PRAGMA foreign_keys = OFF", statement)
    before = snapshot(built.parent)
    with pytest.raises(DamagedFile) as info:
        FileStore.open(built, read_only=read_only)
    message = str(info.value)
    assert message.startswith(built.name) and message.endswith("文件未作任何改动。")
    for word in words:
        assert word in message
    assert snapshot(built.parent) == before  # no lock file, no journal, no backup


def test_numbers_in_exponent_notation_and_negative_amounts_are_fine(built):
    tamper(built, "UPDATE indicator SET weight = '1E+1' WHERE id = 'ind-1'",
           "UPDATE form_amount SET value = '-2.50' WHERE key = 'budget.total'",
           "UPDATE indicator SET target_number = 'NaN'")  # a parsed part PerfDesk never trusts
    with FileStore.open(built) as store:
        form = store.workspace.forms["form-1"]
        assert form.indicators[0].weight == D(10) and form.amounts["budget.total"] == D("-2.50")
        assert form.indicators[0].target.raw == "≥1,234.50(万元)"


def test_definitions_none_skips_only_the_definition_check(built):
    tamper(built, "UPDATE form SET definition = 'future-2031'")
    with FileStore.open(built, read_only=True, definitions=None) as store:
        assert store.workspace.forms["form-1"].definition_id == "future-2031"
    tamper(built, "UPDATE form SET year = 'x'")
    with pytest.raises(DamagedFile):
        FileStore.open(built, read_only=True, definitions=None)


@pytest.mark.parametrize("version", [0, -1])
def test_our_id_with_version_zero_or_negative_is_refused_without_a_backup(built, version):
    tamper(built, f"PRAGMA user_version = {version}")
    before = snapshot(built.parent)
    with pytest.raises(DamagedFile, match="版本"):
        FileStore.open(built)
    assert snapshot(built.parent) == before


def test_an_old_file_with_a_bad_row_is_neither_backed_up_nor_upgraded(tmp_path):
    path = tmp_path / f"旧{SUFFIX}"
    make_v1(path)
    tamper(path, "UPDATE indicator SET weight = 'NaN'")
    before = snapshot(tmp_path)
    with pytest.raises(DamagedFile, match="NaN"):
        FileStore.open(path)
    assert snapshot(tmp_path) == before and pragma(path, "user_version") == 1


def test_an_unexpected_error_while_loading_is_a_refusal_and_frees_the_lock(built, monkeypatch):
    def broken(self):
        raise KeyError("a form that is not there")

    monkeypatch.setattr(FileStore, "load", broken)
    before = snapshot(built.parent)
    with pytest.raises(DamagedFile) as info:
        FileStore.open(built)
    assert built.name in str(info.value) and "KeyError" in str(info.value)
    assert snapshot(built.parent) == before
    monkeypatch.undo()
    with FileStore.open(built) as again:  # the lock was given back
        assert not again.read_only


def test_text_that_is_not_utf8_is_refused(built):
    tamper(built, "UPDATE indicator SET level1 = CAST(x'ffe4' AS TEXT) WHERE id = 'ind-1'")
    before = snapshot(built.parent)
    with pytest.raises(DamagedFile, match="UTF-8"):
        FileStore.open(built)
    assert snapshot(built.parent) == before


def test_a_file_another_program_locks_is_not_called_damaged(built):
    holder = sqlite3.connect(built, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        before = built.read_bytes()
        for read_only in (False, True):
            with pytest.raises(FileLocked) as info:
                FileStore.open(built, read_only=read_only)
            assert "其他程序" in str(info.value) and "损坏" not in str(info.value)
        assert built.read_bytes() == before
        assert not lock_path_for(built).exists()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize("refusal,window,terminal", [
    (FILE_READ_ONLY, "文件是只读的", "是只读文件"),
    (MEDIUM_READ_ONLY, "磁盘或共享位置只读", "磁盘或共享位置只读"),
    (FOLDER_READ_ONLY, "文件夹只读", "文件夹只读"),
])
def test_read_only_causes_are_told_apart(built, monkeypatch, refusal, window, terminal):
    def refuse(self):
        self.refusal = refusal
        return False

    monkeypatch.setattr(FileLock, "acquire", refuse)
    with FileStore.open(built) as store:
        assert store.read_only and window in store.read_only_reason
        assert "正被" not in store.read_only_reason
        assert terminal in store.write_refusal() and "本窗口" not in store.write_refusal()


def test_a_second_opener_is_told_who_edits_in_words_for_a_terminal(built):
    with FileStore.open(built) as first:
        assert not first.read_only
        with FileStore.open(built) as second:
            assert "正被" in second.read_only_reason and "本窗口" in second.read_only_reason
            text = second.write_refusal()
            assert "正被" in text and "本窗口" not in text and str(os.getpid()) in text


def test_a_folder_that_refuses_new_files_opens_read_only(built, monkeypatch):
    """The lock's side file cannot be created: nor could SQLite's journal — read-only."""
    import errno

    real_open = os.open

    def no_new_files(path, flags, *args):
        if str(path).endswith(".lock") and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", no_new_files)
    with FileStore.open(built) as store:
        assert store.read_only and "文件夹只读" in store.read_only_reason


def _disk_full(*args, **kwargs):
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = 13
    raise exc


def test_create_that_fails_leaves_no_file_and_no_lock(tmp_path, monkeypatch):
    path = tmp_path / f"新{SUFFIX}"
    monkeypatch.setattr(store_file, "_upgrade", _disk_full)
    with pytest.raises(StoreError) as info:
        FileStore.create(path)
    assert "磁盘已满" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_an_upgrade_the_disk_refuses_leaves_no_backup(tmp_path, monkeypatch):
    path = tmp_path / f"旧{SUFFIX}"
    make_v1(path)
    before = snapshot(tmp_path)

    def copy_fails(source, destination):
        Path(destination).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_file.shutil, "copy2", copy_fails)
    with pytest.raises(StoreError) as info:
        FileStore.open(path)
    assert "磁盘已满" in str(info.value) and "未作任何改动" in str(info.value)
    assert snapshot(tmp_path) == before


def test_a_file_left_in_wal_mode_is_read_without_new_files_beside_it(built):
    """Another tool may leave a file in WAL mode; reading it must not create -wal/-shm
    files (a read-only connection could not remove them again)."""
    tamper(built, "PRAGMA journal_mode = WAL")
    before = snapshot(built.parent)
    with FileStore.open(built, read_only=True) as store:
        assert "form-1" in store.workspace.forms
    assert snapshot(built.parent) == before
    with FileStore.open(built) as writer:  # writing turns it back into one self-contained file
        writer.workspace.set_field("form-1", "leader", "王五")
    assert pragma(built, "journal_mode") == "delete"
    assert sorted(p.name for p in built.parent.iterdir()) == [built.name]


def test_a_value_over_the_ceiling_is_refused_in_words(built):
    with FileStore.open(built) as store:
        with pytest.raises(StoreError) as info:
            store.workspace.set_field("form-1", "leader", "长" * (store_file.MAX_VALUE_BYTES // 3 + 10))
        assert "内容过大" in str(info.value)
    assert on_disk(built).forms["form-1"].fields["leader"] == "张三"

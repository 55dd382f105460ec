"""A form's own table section (部门整体's 年度主要任务) as a Qt model: every change is one
SetTableCommand — one undo step, written to the file — amounts are numbers or refused with a
Chinese reason, and a finalised or read-only form is refused. perfdesk/editing/table_model.py."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from perfdesk.editing.session import EditSession
from perfdesk.editing.table_model import TableSectionModel
from perfdesk.store import FileStore

from .unit_tables import TASKS, disk_rows, rows_of, unit_file


@pytest.fixture
def unit(tmp_path, qapp):
    path, form_id = unit_file(tmp_path / "unit.perfdesk")
    session = EditSession(FileStore.open(path))
    model = TableSectionModel(session)
    model.set_form(form_id, _tasks_section(session, form_id))
    yield session, model, form_id, path
    session.close()


def _tasks_section(session, form_id):
    return next(s for s in session.definition(form_id).sections if s.key == "tasks")


def _shown(model):
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_the_grid_shows_the_rows_with_amounts_as_money(unit):
    _, model, _, _ = unit
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == ["任务名称", "主要内容", "预算金额（万元）"]
    assert _shown(model) == [[n, c, f"{float(a):,.2f}"] for n, c, a in TASKS]
    assert model.index(0, 2).data(Qt.ItemDataRole.EditRole) == "1200.50"
    right = model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole)
    assert right & int(Qt.AlignmentFlag.AlignRight)
    assert not model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
    assert model.index(0, 0).flags() & Qt.ItemFlag.ItemIsEditable


def test_typing_a_cell_is_one_step_in_memory_and_on_disk_and_undo_restores(unit, qtbot):
    session, model, form_id, path = unit
    before = rows_of(session, form_id)
    with qtbot.waitSignal(model.dataChanged):
        assert model.setData(model.index(1, 1), "维修养护15处供水工程")
    assert session.undo_stack.count() == 1
    assert rows_of(session, form_id)[1][1]["content"] == "维修养护15处供水工程"
    assert disk_rows(path, form_id) == rows_of(session, form_id)
    assert [row_id for row_id, _ in rows_of(session, form_id)] == [row_id for row_id, _ in before]
    assert model.index(1, 1).data() == "维修养护15处供水工程"

    with qtbot.waitSignal(model.dataChanged):
        assert session.undo()
    assert rows_of(session, form_id) == before == disk_rows(path, form_id)
    assert model.index(1, 1).data() == TASKS[1][1]
    assert not model.setData(model.index(1, 1), TASKS[1][1])  # unchanged: no step
    assert session.undo_stack.index() == 0


def test_an_amount_is_a_number_and_anything_else_is_refused_in_chinese(unit, qtbot):
    session, model, form_id, path = unit
    assert model.setData(model.index(2, 2), "1,234.5万元")
    assert rows_of(session, form_id)[2][1]["amount"] == "1234.5"
    assert model.index(2, 2).data() == "1,234.50"
    count, before = session.undo_stack.count(), rows_of(session, form_id)
    with qtbot.waitSignal(model.refused) as refused:
        assert not model.setData(model.index(2, 2), "八十六万")
    assert "预算金额" in refused.args[0] and "不是数字" in refused.args[0] and "未保存" in refused.args[0]
    assert rows_of(session, form_id) == before == disk_rows(path, form_id)
    assert session.undo_stack.count() == count
    with qtbot.waitSignal(model.refused):
        assert not model.setData(model.index(2, 2), "1e5")
    assert rows_of(session, form_id) == before


def test_add_and_delete_rows_are_one_step_each(unit, qtbot):
    session, model, form_id, path = unit
    before = rows_of(session, form_id)
    with qtbot.waitSignal(model.modelReset):
        assert model.insert_row(1) == 1
    assert model.rowCount() == 4 and _shown(model)[1] == ["", "", ""]
    assert len(disk_rows(path, form_id)) == 4  # the blank row is kept in the file too
    assert model.setData(model.index(1, 0), "水土保持")
    assert rows_of(session, form_id)[1][1] == {"name": "水土保持"}

    assert model.remove_rows([0, 2]) == 2
    assert [cells.get("name") for _, cells in rows_of(session, form_id)] == ["水土保持", "水旱灾害防御"]
    assert disk_rows(path, form_id) == rows_of(session, form_id)
    assert session.undo_stack.count() == 3
    for _ in range(3):
        assert session.undo()
    assert rows_of(session, form_id) == before == disk_rows(path, form_id)  # ids and all
    assert model.rowCount() == 3 and _shown(model)[0][0] == TASKS[0][0]


def test_clearing_cells_is_one_step(unit):
    session, model, form_id, _ = unit
    assert model.clear_cells([(0, 0), (0, 2), (1, 2)]) == 3
    assert session.undo_stack.count() == 1
    assert rows_of(session, form_id)[0][1] == {"content": TASKS[0][1]}
    assert session.undo() and rows_of(session, form_id)[1][1]["amount"] == "350.00"


def test_a_pasted_block_from_excel_is_one_step_adding_rows(unit, qtbot):
    session, model, form_id, path = unit
    before = rows_of(session, form_id)
    block = [["农村饮水安全", "维修养护20处供水工程", "360"],
             ["水资源管理", "取水许可和水资源费征收", "1,005.3"],
             ["河长制", "落实四级河长巡河", "五十万"]]
    with qtbot.waitSignal(model.refused) as refused:
        assert model.paste_block(1, 0, block) == 7
    assert "第4行" in refused.args[0] and "预算金额" in refused.args[0]
    assert session.undo_stack.count() == 1
    rows = rows_of(session, form_id)
    assert [cells for _, cells in rows[1:]] == [
        {"name": "农村饮水安全", "content": "维修养护20处供水工程", "amount": "360"},
        {"name": "水资源管理", "content": "取水许可和水资源费征收", "amount": "1005.3"},
        {"name": "河长制", "content": "落实四级河长巡河"}]
    assert disk_rows(path, form_id) == rows
    assert session.undo()
    assert rows_of(session, form_id) == before == disk_rows(path, form_id)
    assert model.rowCount() == 3


def test_a_finalised_form_refuses_and_nothing_changes(unit, qtbot):
    session, model, form_id, path = unit
    form = session.form(form_id)
    assert session.finalise(form.year, form.project_id, "报送") is not None
    asked = []
    session.ask_withdraw = lambda form_ids, text: asked.append(form_ids) or None
    before = rows_of(session, form_id)
    with qtbot.waitSignal(session.finalRefused) as refused:
        assert not model.setData(model.index(0, 0), "改名")
    assert asked == [[form_id]] and "已定稿" in refused.args[1]
    assert model.insert_row(0) == -1
    assert model.paste_block(0, 0, [["甲", "乙", "1"]]) == 0
    assert rows_of(session, form_id) == before == disk_rows(path, form_id)
    assert session.undo_stack.count() == 0 and model.index(0, 0).data() == TASKS[0][0]


def test_a_read_only_file_offers_no_editing(tmp_path, qapp):
    path, form_id = unit_file(tmp_path / "unit.perfdesk")
    session = EditSession(FileStore.open(path, read_only=True))
    try:
        model = TableSectionModel(session)
        model.set_form(form_id, _tasks_section(session, form_id))
        assert model.rowCount() == 3
        assert not model.index(0, 0).flags() & Qt.ItemFlag.ItemIsEditable
        assert not model.setData(model.index(0, 0), "改名")
        assert model.insert_row(0) == -1 and model.remove_rows([0]) == 0
        assert rows_of(session, form_id)[0][1]["name"] == TASKS[0][0]
    finally:
        session.close()


def test_the_grid_follows_the_selfeval_form_and_another_edit_of_it(tmp_path, qapp, qtbot):
    path, form_id = unit_file(tmp_path / "unit.perfdesk", "unit-selfeval-2021")
    session = EditSession(FileStore.open(path))
    try:
        model = TableSectionModel(session)
        model.set_form(form_id, _tasks_section(session, form_id))
        assert model.rowCount() == 3
        # a change from elsewhere (an import, roll forward) shows at once
        from perfdesk.domain.model import TableRow
        from perfdesk.editing.commands import SetTableCommand

        with qtbot.waitSignal(model.modelReset):
            session.push(SetTableCommand(session.workspace, form_id, "tasks", [TableRow(cells={"name": "唯一任务"})], "导入"))
        assert _shown(model) == [["唯一任务", "", ""]]
    finally:
        session.close()

"""A definition's own indicator columns (指标解释, 评(扣)分标准) in the indicator grid: shown as
text columns, edited like any cell, undone and redone, and written through to the file."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, Workspace
from perfdesk.domain.values import parse
from perfdesk.editing.indicator_model import IndicatorTableModel
from perfdesk.editing.session import EditSession
from perfdesk.store import FileStore

from .conftest import on_disk


@pytest.fixture
def national(tmp_path, qapp):
    ws = Workspace()
    project = ws.add_project(Project("政务外网运维"))
    form = ws.add_form(Form(project_id=project.id, kind=FormKind.DECLARATION, year=2021,
                            definition_id="national-declaration-2021", id="f1"))
    ws.insert_indicator(form.id, 0, Indicator(id="i1", level1="产出指标", level2="数量指标", level3="运维系统数量",
                                              target=parse("≥12个"), weight=Decimal(100),
                                              extra={"explanation": "运维合同所列系统"}))
    path = tmp_path / "n.perfdesk"
    store = FileStore.create(path)
    store.write_all(ws)
    session = EditSession(store)
    model = IndicatorTableModel(session)
    model.set_form("f1")
    yield path, session, model
    session.close()


def test_extra_columns_are_text_columns_of_the_grid(national, qtmodeltester):
    _, _, model = national
    qtmodeltester.check(model, force_py=True)
    assert [label for _, label in model.columns][-2:] == ["指标解释", "评(扣)分标准"]
    cell = model.index(0, model.column_of("explanation"))
    assert model.data(cell) == "运维合同所列系统"
    assert model.flags(cell) & Qt.ItemFlag.ItemIsEditable
    assert model.data(model.index(0, model.column_of("criteria"))) == ""


def test_editing_an_extra_column_is_undone_and_redone_through_to_the_file(national, qtbot):
    path, session, model = national
    criteria = model.index(0, model.column_of("criteria"))
    with qtbot.waitSignal(model.dataChanged):
        assert model.setData(criteria, "  每少1个扣2分 ")
    assert model.data(criteria) == "每少1个扣2分"
    assert on_disk(path, "f1").indicator("i1").extra == {"explanation": "运维合同所列系统", "criteria": "每少1个扣2分"}
    assert not model.setData(criteria, "每少1个扣2分")  # unchanged: no undo step
    assert session.undo_stack.count() == 1
    session.undo_stack.undo()
    assert model.data(criteria) == ""
    assert on_disk(path, "f1").indicator("i1").extra == {"explanation": "运维合同所列系统"}
    session.undo_stack.redo()
    assert on_disk(path, "f1").indicator("i1").extra["criteria"] == "每少1个扣2分"
    # Clearing the text removes the key.
    assert model.setData(model.index(0, model.column_of("explanation")), "")
    assert on_disk(path, "f1").indicator("i1").extra == {"criteria": "每少1个扣2分"}


def test_table_rows_are_undone_and_redone_through_to_the_file(tmp_path, qapp):
    from perfdesk.domain.model import TableRow
    from perfdesk.editing.commands import SetTableCommand

    ws = Workspace()
    project = ws.add_project(Project("某县水利局"))
    ws.add_form(Form(project_id=project.id, kind=FormKind.DECLARATION, year=2024,
                     definition_id="unit-declaration-2021", id="f1"))
    path = tmp_path / "d.perfdesk"
    store = FileStore.create(path)
    store.write_all(ws)
    session = EditSession(store)
    try:
        first = TableRow("t1", {"name": "河道治理", "amount": "1200.50"})
        assert session.push(SetTableCommand(session.workspace, "f1", "tasks", [first], "新增任务"))
        second = [TableRow("t1", {"name": "河道治理", "content": "清淤3条", "amount": "1200.50"}),
                  TableRow("t2", {"name": "防汛"})]
        assert session.push(SetTableCommand(session.workspace, "f1", "tasks", second, "修改任务"))
        assert not session.push(SetTableCommand(session.workspace, "f1", "tasks", second, "无变化"))
        assert [(r.id, r.cells) for r in on_disk(path, "f1").tables["tasks"]] == [(r.id, r.cells) for r in second]
        session.undo_stack.undo()
        assert [(r.id, r.cells) for r in on_disk(path, "f1").tables["tasks"]] == [("t1", first.cells)]
        session.undo_stack.undo()
        assert on_disk(path, "f1").tables == {}
        session.undo_stack.redo()
        session.undo_stack.redo()
        assert [r.id for r in on_disk(path, "f1").tables["tasks"]] == ["t1", "t2"]
    finally:
        session.close()


def test_paste_and_clear_reach_the_extra_columns(national):
    path, session, model = national
    left = model.column_of("explanation")
    block = [["新的解释", "每少1个扣2分"], ["新行的解释", "新行的标准"]]
    assert model.run_plan(model.plan_block(0, left, block, "粘贴"), "粘贴") == 5  # 4 cells and a new row
    rows = on_disk(path, "f1").indicators
    assert [r.extra for r in rows] == [{"explanation": "新的解释", "criteria": "每少1个扣2分"},
                                       {"explanation": "新行的解释", "criteria": "新行的标准"}]
    assert model.set_cells([(0, "explanation", ""), (1, "criteria", "")], "清除内容") == 2
    assert [r.extra for r in on_disk(path, "f1").indicators] == [{"criteria": "每少1个扣2分"},
                                                                 {"explanation": "新行的解释"}]
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert [r.extra for r in on_disk(path, "f1").indicators] == [{"explanation": "运维合同所列系统"}]

"""The indicator table model: Qt's model contract, live issues, undo through to the file."""

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from perfdesk.cli import write_demo
from perfdesk.domain.model import Indicator
from perfdesk.editing.clipboard import copy_range, from_tsv, paste, to_tsv
from perfdesk.editing.commands import InsertIndicatorsCommand, MoveIndicatorsCommand, RemoveIndicatorsCommand
from perfdesk.editing.indicator_model import COMPUTED, IndicatorTableModel, Role
from perfdesk.editing.session import EditSession
from perfdesk.store import FileStore


from .conftest import form_id_of, on_disk  # noqa: E402


@pytest.fixture
def model(session):
    model = IndicatorTableModel(session)
    model.set_form(form_id_of(session, "补充日常经费"))
    return model


def test_model_contract(model, qtmodeltester):
    qtmodeltester.check(model, force_py=True)
    assert model.columnCount() == 10  # eight printed columns + the computed score + the grade picker
    assert model.headerData(model.column_of(COMPUTED), Qt.Orientation.Horizontal) == "计算得分"


def test_computed_score_beside_the_entered_one(model):
    row = next(i for i, ind in enumerate(model.indicators) if ind.level3 == "临时工社保公积金缴纳覆盖人数")
    assert model.data(model.index(row, model.column_of("score"))) == "4"
    assert model.data(model.index(row, model.column_of(COMPUTED))) == "5.29"
    assert not model.flags(model.index(row, model.column_of(COMPUTED))) & Qt.ItemFlag.ItemIsEditable
    assert model.data(model.index(row, model.column_of("score")), Role.SEVERITY) == "info"


def test_edit_marks_issues_and_undo_restores_window_and_file(model, session, demo_path, qtbot, qtmodeltester):
    qtmodeltester.check(model, force_py=True)
    row = 0
    target = model.index(row, model.column_of("target"))
    form_id, indicator_id = model.form_id, model.indicator_at(row).id
    assert model.data(target) == "=1 个" and model.data(target, Role.SEVERITY) is None
    with qtbot.waitSignal(model.dataChanged):
        assert model.setData(target, "=1")  # no unit: E8
    assert model.data(target) == "=1"
    assert model.data(target, Role.SEVERITY) == "error"
    assert "缺少计量单位" in model.data(target, Qt.ItemDataRole.ToolTipRole)
    assert model.data(target, Qt.ItemDataRole.BackgroundRole) is not None
    assert on_disk(demo_path, form_id).indicator(indicator_id).target.raw == "=1"
    session.undo_stack.undo()
    assert model.data(target) == "=1 个" and model.data(target, Role.SEVERITY) is None
    assert on_disk(demo_path, form_id).indicator(indicator_id).target.raw == "=1 个"
    session.undo_stack.redo()
    assert on_disk(demo_path, form_id).indicator(indicator_id).target.raw == "=1"


def test_unchanged_or_unusable_input_changes_nothing(model, session):
    weight = model.index(0, model.column_of("weight"))
    assert not model.setData(weight, "4")  # unchanged
    assert not model.setData(weight, "四分")  # not a number
    assert session.undo_stack.count() == 0
    assert model.setData(weight, "５")  # full-width digits are fine
    assert model.indicator_at(0).weight == Decimal(5)


def test_actual_rescores_the_row_and_the_total(model, session):
    form_id = model.form_id
    row = next(i for i, ind in enumerate(model.indicators) if ind.level3 == "临时工社保公积金缴纳覆盖人数")
    before = session.analysis(form_id).score.total
    model.setData(model.index(row, model.column_of("score")), "")  # drop the override
    assert session.analysis(form_id).score.total == before - 4 + Decimal("5.29")
    model.setData(model.index(row, model.column_of("actual")), "7")
    assert model.data(model.index(row, model.column_of(COMPUTED))) == "6"
    assert session.analysis(form_id).score.total == before - 4 + 6


def test_paste_three_rows_extends_the_table(model, session, demo_path):
    n = model.rowCount()
    left = model.column_of("level3")
    text = "新指标甲\t≥95%\t96%\t2\n新指标乙\t=3 个\t3 个\t2\n新指标丙\t及时\t及时\t2\n"
    changed = paste(model, n, left, text)
    assert changed > 0 and model.rowCount() == n + 3
    added = model.indicators[n:]
    assert [i.level3 for i in added] == ["新指标甲", "新指标乙", "新指标丙"]
    assert added[0].target.sign == "≥" and added[0].target.number == 95 and added[0].target.unit == "%"
    assert added[1].target.number == 3 and added[1].weight == 2 and added[2].target.is_qualitative
    assert added[0].level1 == model.indicators[n - 1].level1  # new rows join the group above
    assert len(on_disk(demo_path, model.form_id).indicators) == n + 3
    session.undo_stack.undo()  # one step
    assert model.rowCount() == n and len(on_disk(demo_path, model.form_id).indicators) == n


def test_copy_is_tab_separated_and_round_trips(model):
    text = copy_range(model, [0, 1], [model.column_of("level3"), model.column_of("target")])
    assert text.split("\r\n")[0] == "城乡结对帮扶团体对象数\t=1 个"
    assert from_tsv(to_tsv([["a\tb", "c\nd"], ["", "x"]])) == [["a\tb", "c\nd"], ["", "x"]]


def test_structural_commands_keep_the_model_consistent(model, session, qtmodeltester, demo_path):
    qtmodeltester.check(model, force_py=True)
    ws, form_id = session.workspace, model.form_id
    ids = [i.id for i in model.indicators]
    stack = session.undo_stack
    stack.push(InsertIndicatorsCommand(ws, form_id, [(1, Indicator(level3="插入的行"))], "插入"))
    assert model.data(model.index(1, model.column_of("level3"))) == "插入的行"
    stack.push(MoveIndicatorsCommand(ws, form_id, [ids[0]], +1, "下移"))
    assert model.indicator_at(1).id == ids[0]
    stack.push(RemoveIndicatorsCommand(ws, form_id, [ids[2], ids[3]], "删除"))
    assert ids[2] not in [i.id for i in model.indicators]
    assert [i.id for i in on_disk(demo_path, form_id).indicators] == [i.id for i in model.indicators]
    while stack.canUndo():
        stack.undo()
    assert [i.id for i in model.indicators] == ids
    assert [i.id for i in on_disk(demo_path, form_id).indicators] == ids


def test_read_only_session_edits_nothing(demo_path, session, qapp):
    second = EditSession(FileStore.open(demo_path))
    try:
        assert second.read_only
        model = IndicatorTableModel(second)
        model.set_form(form_id_of(second, "补充日常经费"))
        index = model.index(0, model.column_of("target"))
        assert not model.flags(index) & Qt.ItemFlag.ItemIsEditable
        assert not model.setData(index, "=2 个")
        assert paste(model, 0, 0, "x\ty") == 0
    finally:
        second.close()


def test_form_value_commands_write_through_and_undo(session, demo_path):
    from perfdesk.editing.commands import set_amount_command, set_field_command, set_form_score_command

    ws, form_id = session.workspace, form_id_of(session, "补充公积金")
    stack = session.undo_stack
    stack.push(set_amount_command(ws, form_id, "fiscal.executed", Decimal(2943238), "改执行数"))
    stack.push(set_field_command(ws, form_id, "budget_note", "尾款跨年支付", "改说明"))
    stack.push(set_form_score_command(ws, form_id, "budget_score", Decimal("9"), "改得分"))
    codes = {i.code for i in session.analysis(form_id).issues}
    assert "E5" not in codes and "E4" in codes  # the sum now adds up; 9 is not the formula's 10
    saved = on_disk(demo_path, form_id)
    assert saved.amounts["fiscal.executed"] == 2943238 and saved.fields["budget_note"] == "尾款跨年支付"
    for _ in range(3):
        stack.undo()
    saved = on_disk(demo_path, form_id)
    # The published 10 is the rule's score, so the demo keeps no override for it.
    assert saved.amounts["fiscal.executed"] == 2943236 and saved.budget_score is None
    assert saved.fields.get("budget_note", "") == ""


def test_removing_the_declaration_clears_its_e10_issues(session):
    from perfdesk.domain.definition import FormKind
    from perfdesk.domain.model import Form

    ws = session.workspace
    evaluation = ws.forms[form_id_of(session, "补充日常经费")]
    declaration = Form(project_id=evaluation.project_id, kind=FormKind.DECLARATION, year=2022,
                       definition_id="sh-declaration-2026")
    ws.add_form(declaration)
    assert any(i.code == "E10" for i in session.analysis(evaluation.id).issues)
    ws.remove_form(declaration.id)
    assert not any(i.code == "E10" for i in session.analysis(evaluation.id).issues)

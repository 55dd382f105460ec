"""Rolled-forward values are tinted until confirmed or edited; last year's values can be shown
beside this year's."""

from PySide6.QtCore import Qt

from perfdesk.domain.definition import FormKind
from perfdesk.domain.provenance import is_carried
from perfdesk.domain.rollforward import apply_plan, plan_rollforward
from perfdesk.editing.indicator_model import CARRIED, LAST_ACTUAL, LAST_TARGET
from perfdesk.store import FileStore

from .conftest import open_form


def roll_2022_into_2023(window):
    ws = window.session.workspace
    plan = plan_rollforward(ws, ws, window.registry, FormKind.DECLARATION, 2022, 2023, projects=["补充日常经费"])
    applied = apply_plan(ws, plan)
    return applied


def test_carried_values_are_tinted_until_edited_and_undo_brings_the_tint_back(window, demo_path):
    roll_2022_into_2023(window)
    form_id = open_form(window, "补充日常经费", 2023)
    model = window.editor.indicator_model
    target = model.index(0, model.column_of("target"))
    assert target.data(Qt.ItemDataRole.BackgroundRole).color() == CARRIED
    assert "结转自 2022 年" in target.data(Qt.ItemDataRole.ToolTipRole)
    assert model.setData(target, "=2 个")
    assert target.data(Qt.ItemDataRole.BackgroundRole) is None
    with FileStore.open(demo_path, read_only=True) as reader:
        assert not is_carried(reader.workspace.forms[form_id].indicators[0], "target")
    window.undo_action.trigger()
    assert target.data(Qt.ItemDataRole.BackgroundRole).color() == CARRIED
    assert target.data() == "=1 个"


def test_confirm_button_clears_the_tint_of_the_selection_in_one_step(window):
    roll_2022_into_2023(window)
    open_form(window, "补充日常经费", 2023)
    panel = window.editor.indicator_panel
    model = panel.model
    panel.view.select_cell(1, model.column_of("target"))
    depth = window.session.undo_stack.count()
    assert panel.confirm_carried() == 1
    assert model.index(1, model.column_of("target")).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.index(0, model.column_of("target")).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert window.session.undo_stack.count() == depth + 1


def test_last_year_columns_show_the_2022_target_and_actual(window, qtmodeltester):
    roll_2022_into_2023(window)
    open_form(window, "补充日常经费", 2023)
    panel = window.editor.indicator_panel
    model = panel.model
    qtmodeltester.check(model, force_py=True)
    assert panel.last_year.isEnabled()
    columns = model.columnCount()
    panel.last_year.setChecked(True)
    assert model.columnCount() == columns + 2
    row = next(i for i, ind in enumerate(model.indicators) if ind.level3 == "临时工社保公积金缴纳覆盖人数")
    assert model.index(row, model.column_of(LAST_TARGET)).data() == "=7 人"
    assert model.index(row, model.column_of(LAST_ACTUAL)).data() == "6.17"
    assert not model.flags(model.index(row, model.column_of(LAST_ACTUAL))) & Qt.ItemFlag.ItemIsEditable
    panel.last_year.setChecked(False)
    assert model.columnCount() == columns


def test_last_year_button_is_off_where_there_is_no_earlier_year(window):
    open_form(window, "补充日常经费", 2022)
    assert not window.editor.indicator_panel.last_year.isEnabled()

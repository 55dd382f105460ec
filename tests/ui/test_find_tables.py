"""In the window: 查找 (Ctrl+F, typing, Enter) lands on a 年度主要任务 cell in the table-section
grid and on a definition's own indicator column (指标解释); a hit follows its row when rows are
added above it; clicking a W15 / W16 / W17 issue selects the row and column (the whole column for
the sum) in the grid; the grid colours the cells the issues are about and clears them when fixed.
perfdesk/ui/find.py, perfdesk/ui/issues_panel.py, perfdesk/ui/table_section.py,
perfdesk/editing/table_model.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from perfdesk.app import create_application
from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project, TableRow
from perfdesk.domain.values import parse
from perfdesk.editing.commands import SetTableCommand
from perfdesk.store import FileStore
from perfdesk.ui.main_window import MainWindow

from ..editing.unit_tables import unit_file


def _add_national_form(path) -> str:
    store = FileStore.open(path)
    try:
        ws = store.workspace
        with ws.step():
            project = ws.add_project(Project("政务外网运维"))
            form = ws.add_form(Form(project_id=project.id, kind=FormKind.DECLARATION, year=2023,
                                    definition_id="national-declaration-2021"))
            ws.insert_indicator(form.id, 0, Indicator(level1="产出指标", level2="数量指标", level3="运维系统数量",
                                                      target=parse("≥12个"), weight=Decimal(100)))
            ws.insert_indicator(form.id, 1, Indicator(level1="产出指标", level2="质量指标", level3="系统可用率",
                                                      target=parse("≥99%"), weight=Decimal(0),
                                                      extra={"explanation": "全年核心业务系统可用时长占比"}))
    finally:
        store.close()
    return form.id


@pytest.fixture
def unit(qtbot, tmp_path):
    create_application()
    path, form_id = unit_file(tmp_path / "unit.perfdesk")
    national_id = _add_national_form(path)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    window.show()
    qtbot.waitExposed(window)
    window.navigator.select_form(national_id)  # another form on show: the jump must switch
    assert window.editor.form_id == national_id
    yield window, form_id, national_id
    if window.find_dialog is not None:
        window.find_dialog.close()
    window.close()


def _type(widget, text):
    """Typed characters, Chinese too (QTest's key clicks know only ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))


def _find_by_keys(window, qtbot, text):
    """Ctrl+F, the text typed, Enter: as a person does it."""
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    dialog = window.find_dialog
    assert dialog is not None and dialog.isVisible()
    _type(dialog.query, text)
    assert dialog.query.text() == text
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    return dialog


def _grid(window):
    [(section, model, panel)] = window.editor.tables
    assert section.key == "tasks"
    return model, panel.view


def test_ctrl_f_typing_and_enter_land_on_a_task_cell(unit, qtbot):
    window, form_id, _ = unit
    dialog = _find_by_keys(window, qtbot, "饮水")
    [hit] = dialog.hits
    assert (hit.location.section, hit.location.row, hit.location.column) == ("tasks", 2, "name")
    assert dialog.current == 0 and dialog.status.text() == "第 1 / 1 处"
    assert window.editor.form_id == form_id == window.navigator.current_form_id()
    model, view = _grid(window)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, 0)
    assert [(i.row(), i.column()) for i in view.selectionModel().selectedIndexes()] == [(1, 0)]
    assert "年度主要任务第2行「任务名称」" in dialog.results.item(0).text()


def test_an_amount_is_found_as_the_grid_shows_it(unit, qtbot):
    window, form_id, _ = unit
    dialog = _find_by_keys(window, qtbot, "1,200.5")
    [hit] = dialog.hits
    model, view = _grid(window)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (0, 2)
    assert view.currentIndex().data() == "1,200.50"


def test_a_hit_in_a_definitions_own_column_selects_that_column(unit, qtbot):
    window, form_id, national_id = unit
    window.navigator.select_form(form_id)
    dialog = _find_by_keys(window, qtbot, "可用时长")
    [hit] = dialog.hits
    assert hit.location.column == "explanation"
    assert window.editor.form_id == national_id
    view, model = window.editor.indicator_panel.view, window.editor.indicator_model
    assert view.currentIndex().row() == 1
    assert view.currentIndex().column() == model.column_of("explanation")
    assert model.headerData(view.currentIndex().column(), Qt.Orientation.Horizontal) == "指标解释"


def test_a_task_hit_follows_its_row_and_says_when_it_is_gone(unit, qtbot):
    window, form_id, _ = unit
    dialog = window.find()
    [hit] = dialog.search("汛前检查")  # row 3
    window.navigator.select_form(form_id)
    model, view = _grid(window)
    assert model.insert_row(0) == 0  # a row above it, one undo step
    assert dialog.next()
    assert (view.currentIndex().row(), view.currentIndex().column()) == (3, 1)
    assert model.remove_rows([3]) == 1
    assert not dialog.go(0)
    assert "该行已删除" in dialog.status.text()


def _click_issue(window, code):
    panel = window.issues
    panel.set_whole_file(True)
    rows = [r for r in range(panel.model.rowCount()) if panel.model.issue_at(r)[1].code == code]
    assert rows, code
    index = panel.model.index(rows[0], 0)
    panel.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                                | QItemSelectionModel.SelectionFlag.Rows)
    panel.view.clicked.emit(index)
    return panel.model.issue_at(rows[0])[1]


def test_clicking_a_task_issue_selects_its_cell_and_the_grid_marks_it(unit, qtbot):
    window, form_id, national_id = unit
    session = window.session
    form = session.workspace.forms[form_id]
    model, view = _grid_of(window, form_id)
    # 第2行: an amount that is no number (an old import), 第3行: an amount without a name.
    rows = [dict(r.cells) for r in form.tables["tasks"]]
    rows[1]["amount"] = "约350万"
    rows[2].pop("name")
    assert session.push(SetTableCommand(session.workspace, form_id, "tasks",
                                        [TableRow(r.id, c) for r, c in zip(form.tables["tasks"], rows)], "测试"))
    window.navigator.select_form(national_id)  # the click has to bring the form back

    issue = _click_issue(window, "W15")
    assert (issue.location.row, issue.location.column) == (2, "amount")
    model, view = _grid(window)
    assert window.editor.form_id == form_id
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, 2)
    cell = model.index(1, 2)
    assert cell.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "W15" in cell.data(Qt.ItemDataRole.ToolTipRole) and "约350万" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, 2).data(Qt.ItemDataRole.BackgroundRole) is None  # a good amount is not marked

    issue = _click_issue(window, "W17")
    assert (view.currentIndex().row(), view.currentIndex().column()) == (2, 0)
    assert "W17" in model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole)

    # Typing a number in the marked cell clears its mark (the grid follows the analysis).
    changed = []
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), a.column())))
    assert model.setData(model.index(1, 2), "350")
    assert (1, 2) in changed
    assert model.index(1, 2).data(Qt.ItemDataRole.BackgroundRole) is None
    assert not [i for i in session.analysis(form_id).issues if i.code == "W15"]


def _grid_of(window, form_id):
    window.navigator.select_form(form_id)
    return _grid(window)


def test_clicking_the_sum_issue_selects_the_whole_amount_column(unit, qtbot):
    window, form_id, _ = unit
    session = window.session
    model, view = _grid_of(window, form_id)
    funding = window.editor.funding[0][1]
    total = funding.cell_of("total.annual")
    assert funding.setData(total, "1000")  # tasks: 1200.50 + 350 + 86.20 = 1636.70 万元
    [w16] = [i for i in session.analysis(form_id).issues if i.code == "W16"]
    assert "1,636.70 万元" in w16.message and "1,000 万元" in w16.message
    assert model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.DecorationRole) is not None
    assert "W16" in model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    _click_issue(window, "W16")
    selected = {(i.row(), i.column()) for i in view.selectionModel().selectedIndexes()}
    assert selected == {(r, 2) for r in range(model.rowCount())}
    assert funding.setData(total, "2000")
    assert model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.DecorationRole) is None

"""The form editor edits a form's own table sections (部门整体's 年度主要任务): a grid under the
section's heading, in definition order, with 添加行 / 删除行; typing, keys and paste are one undo
step each; a non-number amount and a finalised form are refused with a Chinese message; it fits
a 1366×768 screen. perfdesk/ui/table_section.py in perfdesk/ui/form_editor.py."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QPlainTextEdit

from perfdesk.app import create_application
from perfdesk.ui.main_window import MainWindow

from ..editing.unit_tables import TASKS, disk_rows, rows_of, unit_file


@pytest.fixture
def unit(qtbot, tmp_path):
    create_application()
    path, form_id = unit_file(tmp_path / "unit.perfdesk")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    window.show()
    qtbot.waitExposed(window)
    window.navigator.select_form(form_id)
    assert window.editor.form_id == form_id
    yield window, form_id, path
    window.close()


def _panel(window):
    [(section, model, panel)] = window.editor.tables
    assert section.key == "tasks"
    return model, panel


def _keys(widget, text):
    """Typed characters, Chinese too (QTest's key clicks know only ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))


def _start_typing(view, row, column, text):
    view.setFocus()
    view.setCurrentIndex(view.model().index(row, column))
    _keys(view, text[0])  # a key starts the editor with it, as in a spreadsheet
    editor = QApplication.focusWidget()
    assert isinstance(editor, (QLineEdit, QPlainTextEdit)) and view.state() == QAbstractItemView.State.EditingState
    _keys(editor, text[1:])
    return editor


def _type_into(qtbot, view, row, column, text):
    qtbot.keyClick(_start_typing(view, row, column, text), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState)  # Qt commits queued


def test_the_table_section_shows_its_rows_in_definition_order(unit):
    window, form_id, _ = unit
    model, panel = _panel(window)
    headings = [t.text() for t in window.editor.section_toggles()]
    assert headings.index("年度主要任务") == headings.index("年度总体目标") - 1
    assert any(h.startswith("年度预算") for h in headings[:headings.index("年度主要任务")])
    assert panel.isVisible() and panel.add_button.text() == "添加行" and panel.delete_button.text() == "删除行"
    assert [[model.index(r, c).data(Qt.ItemDataRole.EditRole) for c in range(3)] for r in range(3)] == \
        [list(t) for t in TASKS]
    assert panel.view.isAncestorOf(panel.view.viewport()) and window.editor.scroll.widget().isAncestorOf(panel)
    # another form without a table section shows none, and back again
    other = next(f.id for f in window.session.workspace.forms.values() if f.id != form_id)
    window.navigator.select_form(other)
    assert window.editor.tables == []
    window.navigator.select_form(form_id)
    assert _panel(window)[0].rowCount() == 3


def test_typing_a_cell_is_stored_as_one_step_and_undo_restores(unit, qtbot):
    window, form_id, path = unit
    model, panel = _panel(window)
    session = window.session
    before = rows_of(session, form_id)
    _type_into(qtbot, panel.view, 1, 0, "农村供水保障")
    assert rows_of(session, form_id)[1][1]["name"] == "农村供水保障"
    assert disk_rows(path, form_id) == rows_of(session, form_id)
    assert session.undo_stack.count() == 1
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert rows_of(session, form_id) == before == disk_rows(path, form_id)
    assert model.index(1, 0).data() == TASKS[1][0]


def test_a_long_text_is_edited_on_several_lines(unit, qtbot):
    window, form_id, _ = unit
    _, panel = _panel(window)
    view = panel.view
    editor = _start_typing(view, 2, 1, "汛前检查")
    assert isinstance(editor, QPlainTextEdit)
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # a new line, not the end
    _keys(editor, "物资储备")
    qtbot.keyClick(editor, Qt.Key.Key_Enter, Qt.KeyboardModifier.AltModifier)
    _keys(editor, "应急演练")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert rows_of(window.session, form_id)[2][1]["content"] == "汛前检查\n物资储备\n应急演练"
    assert window.session.undo_stack.count() == 1
    lines = view.fontMetrics().height()
    qtbot.waitUntil(lambda: view.rowHeight(2) >= 3 * lines)  # the row grows to show its three lines


def test_a_non_number_amount_is_refused_with_a_chinese_message(unit, qtbot):
    window, form_id, path = unit
    _, panel = _panel(window)
    before = rows_of(window.session, form_id)
    _type_into(qtbot, panel.view, 0, 2, "一千二百万")
    shown = window.statusBar().currentMessage()
    assert "预算金额" in shown and "不是数字" in shown
    assert rows_of(window.session, form_id) == before == disk_rows(path, form_id)
    assert window.session.undo_stack.count() == 0
    _type_into(qtbot, panel.view, 0, 2, "1,300")
    assert rows_of(window.session, form_id)[0][1]["amount"] == "1300"
    assert panel.view.model().index(0, 2).data() == "1,300.00"


def test_add_and_delete_rows_with_the_buttons_and_keys(unit, qtbot):
    window, form_id, path = unit
    model, panel = _panel(window)
    session = window.session
    view = panel.view
    view.setCurrentIndex(model.index(0, 0))
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 4 and view.currentIndex().row() == 1
    assert view.hasFocus()  # typing goes on in the new row
    assert rows_of(session, form_id)[1][1] == {} and len(disk_rows(path, form_id)) == 4
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Insert)
    assert model.rowCount() == 5 and view.currentIndex().row() == 2
    view.setCurrentIndex(model.index(0, 0))
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert [cells.get("name") for _, cells in rows_of(session, form_id)] == [None, None, TASKS[1][0], TASKS[2][0]]
    view.selectRow(0)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete)  # a whole row selected: Delete removes it
    assert model.rowCount() == 3
    view.setCurrentIndex(model.index(1, 2))
    qtbot.keyClick(view, Qt.Key.Key_Delete)  # one cell: Delete clears it
    assert model.rowCount() == 3 and "amount" not in rows_of(session, form_id)[1][1]
    # the window's Ctrl+I / Ctrl+- (indicator rows) act on this grid while it has the focus
    indicators = len(session.form(form_id).indicators)
    view.setCurrentIndex(model.index(2, 0))
    qtbot.keyClick(view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert model.rowCount() == 4 and view.currentIndex().row() == 3
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert model.rowCount() == 3 and len(session.form(form_id).indicators) == indicators
    assert session.undo_stack.count() == 7
    for _ in range(7):
        window.undo_action.trigger()
    assert [cells for _, cells in rows_of(session, form_id)] == \
        [{"name": n, "content": c, "amount": a} for n, c, a in TASKS]
    assert model.rowCount() == 3


def test_paste_from_excel_is_one_step(unit, qtbot):
    window, form_id, path = unit
    model, panel = _panel(window)
    view = panel.view
    view.setCurrentIndex(model.index(2, 0))
    QApplication.clipboard().setText("防汛物资储备\t购置冲锋舟、救生衣\t45.5\r\n山洪灾害防治\t监测预警站点维护\t120\r\n")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert model.rowCount() == 4
    assert [cells for _, cells in rows_of(window.session, form_id)[2:]] == [
        {"name": "防汛物资储备", "content": "购置冲锋舟、救生衣", "amount": "45.5"},
        {"name": "山洪灾害防治", "content": "监测预警站点维护", "amount": "120"}]
    assert disk_rows(path, form_id) == rows_of(window.session, form_id)
    assert window.session.undo_stack.count() == 1
    window.undo_action.trigger()
    assert model.rowCount() == 3 and model.index(2, 0).data() == TASKS[2][0]
    # and back to Excel: the cells as stored, tab-separated
    view.setCurrentIndex(model.index(1, 1))
    view.selectionModel().select(model.index(2, 2), view.selectionModel().SelectionFlag.Select)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == f"{TASKS[1][1]}\t{TASKS[1][2]}\r\n{TASKS[2][1]}\t{TASKS[2][2]}\r\n"


def test_a_finalised_form_refuses_edits(unit, qtbot):
    window, form_id, path = unit
    session = window.session
    form = session.form(form_id)
    assert session.finalise(form.year, form.project_id, "报送") is not None
    session.ask_withdraw = lambda form_ids, text: None  # the user does not withdraw
    model, panel = _panel(window)
    before = rows_of(session, form_id)
    _type_into(qtbot, panel.view, 0, 0, "改名")
    assert "已定稿" in window.statusBar().currentMessage()
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert rows_of(session, form_id) == before == disk_rows(path, form_id)
    assert model.rowCount() == 3 and model.index(0, 0).data() == TASKS[0][0]


def test_a_read_only_file_disables_the_buttons(qtbot, tmp_path):
    from perfdesk.editing.session import EditSession
    from perfdesk.store import FileStore
    from perfdesk.ui.form_editor import FormEditor

    create_application()
    path, form_id = unit_file(tmp_path / "unit.perfdesk")
    session = EditSession(FileStore.open(path, read_only=True))
    try:
        editor = FormEditor(session)
        qtbot.addWidget(editor)
        editor.set_form(form_id)
        [(_, model, panel)] = editor.tables
        assert model.rowCount() == 3
        assert not panel.add_button.isEnabled() and not panel.delete_button.isEnabled()
        assert not model.index(0, 0).flags() & Qt.ItemFlag.ItemIsEditable
        messages = []
        panel.message.connect(messages.append)
        panel.view.setCurrentIndex(model.index(0, 0))
        assert panel.view.paste_clipboard("甲\t乙\t1") == 0 and "只读" in messages[-1]
        assert rows_of(session, form_id)[0][1]["name"] == TASKS[0][0]
    finally:
        session.close()


def test_the_table_fits_a_1366x768_window(unit, qtbot, tmp_path):
    from perfdesk.domain.model import TableRow
    from perfdesk.editing.commands import SetTableCommand

    window, form_id, _ = unit
    window.resize(1366, 768)
    qtbot.wait(50)
    editor = window.editor
    model, panel = _panel(window)
    editor.scroll.ensureWidgetVisible(panel)
    qtbot.wait(50)
    view = panel.view
    # every column inside the grid, no sideways scrolling; the long text takes the room
    assert view.horizontalHeader().length() <= view.viewport().width() + 1
    assert view.columnWidth(1) > view.columnWidth(0) > view.columnWidth(2) > 0
    # a long list: the grid scrolls by itself, and the section — heading, buttons, grid — is no
    # taller than the editor's scrolling top part, so all of it can be in sight at once
    rows = [TableRow(cells={"name": f"任务{i}", "content": "清淤疏浚" * i, "amount": str(i)}) for i in range(1, 16)]
    assert window.session.push(SetTableCommand(window.session.workspace, form_id, "tasks", rows, "粘贴"))
    qtbot.wait(50)
    box = panel.parentWidget().parentWidget()
    assert window.editor.section_toggles()[2].parentWidget() is box
    qtbot.waitUntil(lambda: box.height() <= editor.scroll.viewport().height())
    assert view.verticalScrollBar().maximum() > 0
    # dragging the splitter to give the top part more room gives the grid more rows
    before = view.height()
    top, table = editor.splitter.sizes()
    editor.splitter.setSizes([top + 120, max(table - 120, 100)])
    qtbot.waitUntil(lambda: view.height() > before)
    assert box.height() <= editor.scroll.viewport().height()
    image = window.grab()
    image.save(str(tmp_path / "table-section.png"))
    if os.environ.get("PERFDESK_SHOTS"):  # for a person to look at
        image.save(os.path.join(os.environ["PERFDESK_SHOTS"], "table-section.png"))
    assert image.width() >= min(1366, window.screen().availableGeometry().width()) - 8


def test_the_grid_shows_the_sum_of_its_amounts_as_they_change(unit, qtbot):
    """预算金额合计 beside the grid's buttons, in the form's unit, follows typing, new rows, deletions and
    undo; an amount that is not a number (a hand-edited file) is named as left out."""
    window, form_id, _ = unit
    model, panel = _panel(window)
    amount = [c.key for c in model.columns].index("amount")
    assert panel.totals.isVisible()
    assert panel.totals.text() == "预算金额合计 1,636.70 万元"  # 1200.50 + 350.00 + 86.20
    _type_into(qtbot, panel.view, 2, amount, "100")
    assert panel.totals.text() == "预算金额合计 1,650.50 万元"
    window.session.undo_stack.undo()
    assert panel.totals.text() == "预算金额合计 1,636.70 万元"
    model.remove_rows([0])
    assert panel.totals.text() == "预算金额合计 436.20 万元"
    ws = window.session.workspace
    row = ws.forms[form_id].tables["tasks"][0]
    row.cells["amount"] = "约350万"  # as a file edited outside PerfDesk could hold it
    model.set_form(form_id, model.section)
    assert panel.totals.text() == "预算金额合计 86.20 万元（1 行不是数字，未计入）"


def test_ctrl_c_copies_rows_for_excel_as_the_indicator_table_does(unit, qtbot):
    """Ctrl+C on task rows: tab-separated text as stored (amounts without thousands separators)
    and the HTML table whose cells Excel / WPS keep as text — the indicator table's own copy."""
    window, _, _ = unit
    model, panel = _panel(window)
    view = panel.view
    view.setFocus()
    view.setCurrentIndex(model.index(0, 0))
    view.selectionModel().select(model.index(1, 2), view.selectionModel().SelectionFlag.Select)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    mime = QApplication.clipboard().mimeData()
    assert mime.text() == f"{TASKS[0][0]}\t{TASKS[0][2]}\r\n{TASKS[1][0]}\t{TASKS[1][2]}\r\n"
    assert "mso-number-format" in mime.html() and "1200.50" in mime.html()

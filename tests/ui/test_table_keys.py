"""The indicator table driven by keyboard and mouse as in Excel: row numbers pick one row,
Alt+↓ opens a drop-down, moves stay in their group, F2 puts the caret at the end, undo shows
what it changed, long texts wrap, and copy keeps `=100%` as text for Excel / WPS."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractItemDelegate, QComboBox, QLineEdit, QPlainTextEdit

from .conftest import open_form


def click_row_number(qtbot, view, row):
    header = view.verticalHeader()
    y = header.sectionViewportPosition(row) + header.sectionSize(row) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(header.width() // 2, y))


def group_rows(model, level1):
    return [i for i, ind in enumerate(model.indicators) if ind.level1 == level1]


def test_row_number_click_acts_on_that_one_row(window, qtbot):
    open_form(window, "补充日常经费")
    panel = window.editor.indicator_panel
    view, model = panel.view, panel.model
    outputs = group_rows(model, "产出指标")
    assert len(outputs) > 4 and view.rowSpan(outputs[0], model.column_of("level1")) == len(outputs)
    for row in (outputs[0], outputs[2]):  # the group's first row and one inside it
        click_row_number(qtbot, view, row)
        assert view.selected_rows() == [row]
    row = outputs[2]
    count = model.rowCount()
    ids = [ind.id for ind in model.indicators]

    # Delete blanks the cells of that row only: the 一级 of the other rows stays
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [model.indicator_at(r).level1 for r in outputs if r != row] == ["产出指标"] * (len(outputs) - 1)
    window.undo_action.trigger()
    assert [ind.level1 for ind in model.indicators].count("产出指标") == len(outputs)

    # 插入行 inserts one row right below it, in its group
    click_row_number(qtbot, view, row)
    panel.insert_row()
    assert model.rowCount() == count + 1
    assert model.indicator_at(row + 1).id not in ids
    assert (model.indicator_at(row + 1).level1, model.indicator_at(row + 1).level2) == (
        model.indicator_at(row).level1, model.indicator_at(row).level2)
    window.undo_action.trigger()

    # 删除行 removes that one row
    click_row_number(qtbot, view, row)
    panel.delete_rows()
    assert model.rowCount() == count - 1
    assert [ind.id for ind in model.indicators] == ids[:row] + ids[row + 1:]


def test_renaming_a_merged_cell_still_renames_its_group_and_delete_on_it_clears_the_group(window, qtbot):
    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    c1 = model.column_of("level1")
    outputs = group_rows(model, "产出指标")
    view.edit(model.index(outputs[0], c1))
    editor = view.focusWidget()
    assert isinstance(editor, QComboBox)
    editor.setCurrentText("产出")
    view.commitData(editor)
    view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
    assert group_rows(model, "产出") == outputs
    view.select_cell(outputs[0], c1)  # the merged cell itself
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert all(model.indicator_at(r).level1 == "" for r in outputs)


def qualitative_row(model):
    from perfdesk.editing.indicator_model import GRADE
    grade = model.column_of(GRADE)
    return next(r for r in range(model.rowCount())
                if model.flags(model.index(r, grade)) & Qt.ItemFlag.ItemIsEditable), grade


def test_alt_down_in_the_grade_picker_opens_its_list_and_does_not_move_the_row(window, qtbot):
    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    ids = [ind.id for ind in model.indicators]
    row, grade = qualitative_row(model)
    view.select_cell(row, grade)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    combo = view.focusWidget()
    assert isinstance(combo, QComboBox)
    qtbot.keyClick(combo, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: combo.view().isVisible())
    assert [ind.id for ind in model.indicators] == ids
    combo.hidePopup()


def test_moves_stay_inside_the_group(window, qtbot):
    open_form(window, "补充日常经费")
    panel = window.editor.indicator_panel
    view, model = panel.view, panel.model
    c2 = model.column_of("level2")
    first = model.indicator_at(0)
    size = sum(1 for ind in model.indicators if (ind.level1, ind.level2) == (first.level1, first.level2))
    last = size - 1  # the 二级 group's last row: the next row belongs to another group
    assert (model.indicator_at(last + 1).level1, model.indicator_at(last + 1).level2) != (first.level1, first.level2)
    ids = [ind.id for ind in model.indicators]
    messages = []
    panel.message.connect(messages.append)
    view.select_cell(last, model.column_of("level3"))
    panel.move_rows(1)
    assert [ind.id for ind in model.indicators] == ids
    assert messages and "更改层级" in messages[-1]
    view.select_cell(last + 1, model.column_of("level3"))
    panel.move_rows(-1)
    assert [ind.id for ind in model.indicators] == ids
    view.select_cell(last, model.column_of("level3"))
    panel.move_rows(-1)  # inside the group it moves
    assert model.indicator_at(last - 1).id == ids[last]
    assert view.rowSpan(0, c2) == size


def test_row_numbers_follow_inserts_pastes_moves_and_undo(window, qtbot):
    open_form(window, "补充日常经费")
    panel = window.editor.indicator_panel
    view, model = panel.view, panel.model
    header = view.verticalHeader()
    announced = []
    model.headerDataChanged.connect(lambda orientation, first, last: announced.append((orientation, first, last)))

    def numbers():
        return [model.headerData(header.logicalIndex(v), Qt.Orientation.Vertical) for v in range(header.count())]

    view.select_cell(5, model.column_of("level3"))
    panel.insert_row()
    # every number from the new row down is announced for repainting
    assert (Qt.Orientation.Vertical, 6, model.rowCount() - 1) in announced
    announced.clear()
    view.select_cell(model.rowCount() - 1, model.column_of("level3"))
    rows_before = model.rowCount()
    view.paste_clipboard("甲\t=1 个\r\n乙\t=2 个\r\n丙\t=3 个\r\n")
    assert model.rowCount() == rows_before + 2  # two of the three rows are new
    # one announcement for the whole paste, from the first new row down (not one per row)
    assert [a for a in announced if a[0] == Qt.Orientation.Vertical] == [
        (Qt.Orientation.Vertical, rows_before, model.rowCount() - 1)]
    announced.clear()
    view.select_cell(1, model.column_of("level3"))
    panel.move_rows(1)
    assert any(o == Qt.Orientation.Vertical and first <= 1 and last == model.rowCount() - 1
               for o, first, last in announced)
    assert numbers() == [str(n) for n in range(1, model.rowCount() + 1)]
    announced.clear()
    window.undo_action.trigger()
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert any(o == Qt.Orientation.Vertical for o, _, _ in announced)
    assert header.count() == model.rowCount()
    assert numbers() == [str(n) for n in range(1, model.rowCount() + 1)]


def test_f2_puts_the_caret_at_the_end_and_typing_replaces(window, qtbot):
    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    column = model.column_of("level3")
    text = model.index(0, column).data()
    assert text
    view.select_cell(0, column)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.focusWidget()
    if isinstance(editor, QPlainTextEdit):
        cursor = editor.textCursor()
        assert not cursor.hasSelection() and cursor.position() == len(editor.toPlainText())
        qtbot.keyClicks(editor, "zz")
        assert editor.toPlainText() == text + "zz"
    else:
        assert isinstance(editor, QLineEdit)
        assert not editor.hasSelectedText() and editor.cursorPosition() == len(text)
        qtbot.keyClicks(editor, "zz")
        assert editor.text() == text + "zz"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert model.index(0, column).data() == text
    # typing on a cell replaces its text, as before
    view.select_cell(1, column)
    qtbot.keyClick(view, Qt.Key.Key_Q)
    editor = view.focusWidget()
    typed = editor.toPlainText() if isinstance(editor, QPlainTextEdit) else editor.text()
    assert typed == "q"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)


def test_undo_and_redo_select_what_changed(window, qtbot):
    open_form(window, "补充日常经费")
    panel = window.editor.indicator_panel
    view, model = panel.view, panel.model
    target = model.column_of("target")
    reason = model.column_of("reason")
    assert model.setData(model.index(3, target), "=9 个")
    assert model.set_cells([(5, "reason", "甲"), (6, "reason", "乙")], "两格") == 2
    view.select_cell(0, model.column_of("level3"))
    window.undo_action.trigger()
    assert view.currentIndex().row() == 5 and view.currentIndex().column() == reason
    assert {(i.row(), i.column()) for i in view.selectionModel().selectedIndexes()} == {(5, reason), (6, reason)}
    view.select_cell(0, 0)
    window.undo_action.trigger()
    assert (view.currentIndex().row(), view.currentIndex().column()) == (3, target)
    assert [(i.row(), i.column()) for i in view.selectionModel().selectedIndexes()] == [(3, target)]
    view.select_cell(0, 0)
    window.redo_action.trigger()
    assert (view.currentIndex().row(), view.currentIndex().column()) == (3, target)
    # rows put back by undoing a delete are selected whole
    view.select_cell(8, model.column_of("level3"))
    panel.delete_rows()
    view.select_cell(0, 0)
    window.undo_action.trigger()
    assert view.selected_rows() == [8] and view.selectionModel().isRowSelected(8)
    # an ordinary edit does not move the selection
    view.select_cell(0, model.column_of("level3"))
    assert model.setData(model.index(2, target), "=8 个")
    assert (view.currentIndex().row(), view.currentIndex().column()) == (0, model.column_of("level3"))


def test_long_texts_wrap_rows_grow_and_the_editor_takes_several_lines(window, qtbot):
    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    reason = model.column_of("reason")
    header = view.verticalHeader()
    one_line = header.defaultSectionSize()
    before = [header.sectionSize(r) for r in range(model.rowCount())]
    assert model.setData(model.index(4, reason), "因政策调整，" * 20)
    assert header.sectionSize(4) > max(before[4], one_line * 2)  # the row grew to show the wrapped text
    assert [header.sectionSize(r) for r in range(model.rowCount()) if r != 4] == before[:4] + before[5:]
    grown = header.sectionSize(4)
    assert model.setData(model.index(4, reason), "短")
    assert header.sectionSize(4) < grown and header.sectionSize(4) <= before[4]  # and it shrinks back

    # F2 opens a multi-line editor: Alt+Enter is a new line, Enter commits and goes down
    view.select_cell(6, reason)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.focusWidget()
    assert isinstance(editor, QPlainTextEdit)
    editor.clear()
    qtbot.keyClicks(editor, "ab")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClicks(editor, "cd")
    assert editor.toPlainText() == "ab\ncd"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.index(6, reason).data() == "ab\ncd")
    assert view.currentIndex().row() == 7
    assert header.sectionSize(6) > one_line  # two lines
    # typing on a long-text cell replaces its text; Alt+Enter goes on with a new line
    view.select_cell(6, reason)
    qtbot.keyClick(view, Qt.Key.Key_X)
    editor = view.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == "x"
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(view.focusWidget(), QPlainTextEdit))
    editor = view.focusWidget()
    qtbot.keyClicks(editor, "y")
    assert editor.toPlainText() == "x\ny"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert model.index(6, reason).data() == "ab\ncd"
    view.select_cell(6, reason)
    qtbot.keyClick(view, Qt.Key.Key_X)
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.index(6, reason).data() == "x")


def test_copy_puts_plain_text_and_an_html_table_of_text_cells_on_the_clipboard(window):
    from PySide6.QtGui import QGuiApplication

    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    model = view.model()
    target = model.column_of("target")
    assert model.setData(model.index(0, target), "=100%")
    view.select_cell(0, target)
    text = view.copy_selection()
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.text() == text == "=100%\r\n"  # what paste reads, as before
    assert mime.hasHtml()
    assert "<td style='mso-number-format:\"\\@\"' x:str>=100%</td>" in mime.html()
    assert view.paste_clipboard() == 0  # pasting it back changes nothing: still "=100%"
    assert model.indicator_at(0).target.raw == "=100%"


def test_a_process_that_copied_cells_exits_cleanly(tmp_path):
    """Qt deleting a Python-made QMimeData during interpreter shutdown crashed the process
    (exit 139) after any copy: the clipboard is handed a plain copy before that."""
    import os
    import subprocess
    import sys

    code = (
        "from perfdesk.app import create_application\n"
        "from perfdesk.cli import write_demo\n"
        "from perfdesk.ui.main_window import MainWindow\n"
        "app = create_application()\n"
        f"path = write_demo(__import__('pathlib').Path({str(tmp_path / 'd.perfdesk')!r}))\n"
        "w = MainWindow(); w.open_file(path); w.show(); app.processEvents()\n"
        "view = w.editor.indicator_panel.view\n"
        "view.select_cell(0, 3)\n"
        "assert view.copy_selection()\n"
        "w.close()\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PERFDESK_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]

"""The keys of issue 14 pressed as a person presses them (not the actions triggered from
code): Alt+↓ opens the 一级 / 二级 drop-downs too, Alt+↑ / Alt+↓ on a cell are 上移 / 下移 and
stop at the group's edge, Ctrl+Z / Ctrl+Y select what changed, Ctrl+S says 已自动保存, and
Enter in the multi-line editor commits while Alt+Enter makes a new line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPlainTextEdit

from .conftest import focus_table, open_form

ALT, CTRL = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier


def test_alt_down_opens_the_level_drop_downs_and_moves_nothing(window, qtbot):
    open_form(window, "补充日常经费")
    view = focus_table(window, qtbot)
    model = view.model()
    ids = [ind.id for ind in model.indicators]
    for key in ("level1", "level2"):
        view.select_cell(2, model.column_of(key))
        qtbot.keyClick(view, Qt.Key.Key_F2)
        combo = view.focusWidget()
        assert isinstance(combo, QComboBox), key
        qtbot.keyClick(combo, Qt.Key.Key_Down, ALT)
        qtbot.waitUntil(lambda: combo.view().isVisible())
        assert [ind.id for ind in model.indicators] == ids
        combo.hidePopup()
        qtbot.keyClick(combo, Qt.Key.Key_Escape)


def test_alt_up_and_down_on_a_cell_move_the_row_inside_its_group_only(window, qtbot):
    open_form(window, "补充日常经费")
    view = focus_table(window, qtbot)
    model = view.model()
    first = model.indicator_at(0)
    size = sum(1 for ind in model.indicators if (ind.level1, ind.level2) == (first.level1, first.level2))
    assert size >= 2
    ids = [ind.id for ind in model.indicators]
    level3 = model.column_of("level3")
    view.select_cell(0, level3)
    qtbot.keyClick(view, Qt.Key.Key_Down, ALT)  # 下移
    assert [ind.id for ind in model.indicators][:2] == [ids[1], ids[0]]
    assert view.currentIndex().row() == 1  # the row is followed
    qtbot.keyClick(view, Qt.Key.Key_Up, ALT)  # 上移 back
    assert [ind.id for ind in model.indicators] == ids
    view.select_cell(size - 1, level3)  # the group's last row: 下移 would leave the group
    qtbot.keyClick(view, Qt.Key.Key_Down, ALT)
    assert [ind.id for ind in model.indicators] == ids
    assert "更改层级" in window.statusBar().currentMessage()


def test_ctrl_z_and_ctrl_y_select_the_cell_they_changed(window, qtbot):
    open_form(window, "补充日常经费")
    view = focus_table(window, qtbot)
    model = view.model()
    target = model.column_of("target")
    assert model.setData(model.index(4, target), "=7 个")
    view.select_cell(0, model.column_of("level3"))
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert model.index(4, target).data() != "=7 个"
    assert (view.currentIndex().row(), view.currentIndex().column()) == (4, target)
    assert [(i.row(), i.column()) for i in view.selectionModel().selectedIndexes()] == [(4, target)]
    view.select_cell(0, model.column_of("level3"))
    qtbot.keyClick(view, Qt.Key.Key_Y, CTRL)
    assert model.index(4, target).data() == "=7 个"
    assert (view.currentIndex().row(), view.currentIndex().column()) == (4, target)


def test_ctrl_s_says_everything_is_already_saved(window, qtbot):
    open_form(window, "补充日常经费")
    view = focus_table(window, qtbot)
    window.statusBar().clearMessage()
    qtbot.keyClick(view, Qt.Key.Key_S, CTRL)
    assert "已自动保存" in window.statusBar().currentMessage()


def test_f2_then_enter_and_alt_enter_in_the_multi_line_editor(window, qtbot):
    open_form(window, "补充日常经费")
    view = focus_table(window, qtbot)
    model = view.model()
    reason = model.column_of("reason")
    assert model.setData(model.index(3, reason), "原因")
    view.select_cell(3, reason)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.focusWidget()
    assert isinstance(editor, QPlainTextEdit)
    assert editor.textCursor().position() == len("原因") and not editor.textCursor().hasSelection()
    qtbot.keyClick(editor, Qt.Key.Key_Return, ALT)
    qtbot.keyClicks(editor, "abc")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.index(3, reason).data() == "原因\nabc")
    assert view.currentIndex().row() == 4

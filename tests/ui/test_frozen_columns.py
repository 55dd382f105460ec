"""一级–三级 stay frozen at the left of the indicator table when it scrolls right (Excel's
冻结窗格): a second view over the table's left edge, in step with it in every respect, that
leaves the keys, editors and menus to the table underneath."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from . import test_table_keys as keys
from .conftest import open_form


def settle(qtbot):
    QApplication.processEvents()
    qtbot.wait(20)


@pytest.fixture
def wide(window, qtbot):
    """The window as on a 1366×768 screen in 只看指标表: room for the frozen part and more."""
    window.showNormal()
    window.resize(1366, 768)
    window.set_table_only(True)
    settle(qtbot)
    return window


def scrolled_right(view, qtbot):
    """Make the table wider than its viewport and scroll it all the way right."""
    model = view.model()
    view.setColumnWidth(model.column_of("reason"), view.viewport().width())
    settle(qtbot)
    bar = view.horizontalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    settle(qtbot)
    return bar


def cell_center(view, row, column):
    """Where a frozen cell shows: the frozen part is not scrolled sideways."""
    frozen = view.frozen
    return QPoint(frozen.columnViewportPosition(column) + frozen.columnWidth(column) // 2,
                  frozen.rowViewportPosition(row) + frozen.rowHeight(row) // 2)


def test_the_frozen_part_covers_the_level_columns_and_shares_model_and_selection(wide):
    open_form(wide, "补充日常经费")
    view = wide.editor.indicator_panel.view
    model, frozen = view.model(), view.frozen
    assert frozen.isVisible()
    assert frozen.model() is model and frozen.selectionModel() is view.selectionModel()
    count = model.column_of("level3") + 1
    assert view.frozen_count() == count == 3
    assert [frozen.isColumnHidden(c) for c in range(model.columnCount())] == \
        [c >= count for c in range(model.columnCount())]
    assert [frozen.columnWidth(c) for c in range(count)] == [view.columnWidth(c) for c in range(count)]
    assert frozen.x() == view.verticalHeader().width() + view.frameWidth()
    assert frozen.width() >= view.frozen_width()
    assert frozen.horizontalHeader().height() == view.horizontalHeader().height()
    assert frozen.focusPolicy() == Qt.FocusPolicy.NoFocus  # keys stay with the table
    # merged 一级 / 二级 cells are merged in the frozen part too
    outputs = keys.group_rows(model, "产出指标")
    c1 = model.column_of("level1")
    assert frozen.rowSpan(outputs[0], c1) == view.rowSpan(outputs[0], c1) == len(outputs)
    assert [frozen.rowHeight(r) for r in range(model.rowCount())] == \
        [view.rowHeight(r) for r in range(model.rowCount())]


def test_scrolling_right_keeps_level_columns_in_sight_and_scrolling_down_moves_both(wide, qtbot):
    open_form(wide, "补充日常经费")
    view = wide.editor.indicator_panel.view
    model, frozen = view.model(), view.frozen
    level3 = model.column_of("level3")
    place = frozen.geometry()
    scrolled_right(view, qtbot)
    assert frozen.isVisible() and (frozen.x(), frozen.y(), frozen.width()) == (place.x(), place.y(), place.width())
    assert frozen.viewport().height() == view.viewport().height()
    # in the table underneath 三级 has gone off to the left; the frozen part still shows it
    assert view.columnViewportPosition(level3) + view.columnWidth(level3) <= view.frozen_width()
    point = cell_center(view, 2, level3)
    assert view.indexAt(point) == model.index(2, level3)  # what the user sees there
    # one vertical scroll for both
    view.set_zoom(200)  # more rows than the window shows
    settle(qtbot)
    assert view.verticalScrollBar().maximum() >= 4
    view.verticalScrollBar().setValue(4)
    settle(qtbot)
    assert frozen.verticalScrollBar().value() == 4
    assert frozen.rowViewportPosition(6) == view.rowViewportPosition(6)
    frozen.verticalScrollBar().setValue(2)  # the wheel over the frozen part
    assert view.verticalScrollBar().value() == 2


def test_keys_move_between_frozen_and_scrolled_columns_without_hiding_the_cell(wide, qtbot):
    open_form(wide, "补充日常经费")
    view = wide.editor.indicator_panel.view
    model = view.model()
    level3, target, actual = (model.column_of(k) for k in ("level3", "target", "actual"))
    bar = scrolled_right(view, qtbot)
    view.select_cell(5, actual)
    settle(qtbot)
    assert view.visualRect(view.currentIndex()).left() >= view.frozen_width()  # not under the frozen part
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.currentIndex().column() == target
    assert view.visualRect(view.currentIndex()).left() >= view.frozen_width()
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.currentIndex().column() == level3
    value = bar.value()
    qtbot.keyClick(view, Qt.Key.Key_Down)  # in the frozen columns the table scrolls only up / down
    assert (view.currentIndex().row(), view.currentIndex().column()) == (6, level3)
    assert bar.value() == value
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert view.currentIndex().column() == target
    assert view.visualRect(view.currentIndex()).left() >= view.frozen_width()


def test_editing_a_frozen_cell_while_scrolled_right(wide, qtbot):
    open_form(wide, "补充日常经费")
    view = wide.editor.indicator_panel.view
    model, frozen = view.model(), view.frozen
    level3 = model.column_of("level3")
    bar = scrolled_right(view, qtbot)
    right = bar.value()
    view.select_cell(3, level3)
    assert bar.value() == right  # selecting a frozen cell does not scroll sideways
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.focusWidget()
    assert isinstance(editor, QPlainTextEdit) and editor.isVisible()
    # the editor sits where the cell is seen, not off to the left under a hidden column
    assert editor.geometry().left() >= 0 and editor.geometry().intersects(view.viewport().rect())
    assert not frozen.isVisible()  # stepped aside: it would cover the editor
    qtbot.keyClicks(editor, "zz")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.index(3, level3).data().endswith("zz"))
    settle(qtbot)
    assert frozen.isVisible()
    assert view.currentIndex().row() == 4  # Enter went down, as before
    assert bar.value() == right  # and the table is scrolled where the user left it
    # a double click on the frozen part edits there too
    qtbot.mouseDClick(frozen.viewport(), Qt.MouseButton.LeftButton, pos=cell_center(view, 6, level3))
    editor = view.focusWidget()
    assert isinstance(editor, QPlainTextEdit) and view.currentIndex().row() == 6
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    settle(qtbot)
    assert frozen.isVisible() and bar.value() == right


def test_clicks_and_menus_on_the_frozen_part_act_on_the_table(wide, qtbot):
    open_form(wide, "补充日常经费")
    panel = wide.editor.indicator_panel
    view, frozen = panel.view, panel.view.frozen
    model = view.model()
    level3 = model.column_of("level3")
    scrolled_right(view, qtbot)
    wide.navigator.tree.setFocus()
    qtbot.mouseClick(frozen.viewport(), Qt.MouseButton.LeftButton, pos=cell_center(view, 7, level3))
    assert (view.currentIndex().row(), view.currentIndex().column()) == (7, level3)
    assert view.selected_rows() == [7]
    assert view.hasFocus()
    requested = []
    view.customContextMenuRequested.disconnect(panel._context_menu)  # no menu to block the test
    view.customContextMenuRequested.connect(lambda pos: requested.append(view.indexAt(pos)))
    frozen.customContextMenuRequested.emit(cell_center(view, 8, level3))
    assert requested and requested[0] == model.index(8, level3)


def test_rows_widths_and_zoom_stay_in_step(wide, qtbot):
    open_form(wide, "补充日常经费")
    panel = wide.editor.indicator_panel
    view, frozen = panel.view, panel.view.frozen
    model = view.model()
    level1, level3 = model.column_of("level1"), model.column_of("level3")
    outputs = keys.group_rows(model, "产出指标")

    def heights_agree():
        return [frozen.rowHeight(r) for r in range(model.rowCount())] == \
            [view.rowHeight(r) for r in range(model.rowCount())]

    # a long 三级 text grows its row in both
    assert model.setData(model.index(2, level3), "很长的三级指标名称，" * 12)
    assert view.rowHeight(2) > view.verticalHeader().defaultSectionSize()
    assert heights_agree()
    # a row inserted inside a group: the merged cell grows by one in both
    view.select_cell(outputs[1], level3)
    panel.insert_row()
    settle(qtbot)
    assert frozen.verticalHeader().count() == model.rowCount()
    assert frozen.rowSpan(outputs[0], level1) == view.rowSpan(outputs[0], level1) == len(outputs) + 1
    assert heights_agree()
    wide.undo_action.trigger()
    settle(qtbot)
    assert frozen.rowSpan(outputs[0], level1) == len(outputs) and heights_agree()
    # a wider 三级, from the table or from the frozen part's own header
    view.setColumnWidth(level3, 300)
    settle(qtbot)
    assert frozen.columnWidth(level3) == 300 and frozen.width() >= view.frozen_width() == \
        sum(view.columnWidth(c) for c in range(3))
    frozen.horizontalHeader().resizeSection(level3, 260)
    assert view.columnWidth(level3) == 260
    # zoom
    view.set_zoom(150)
    settle(qtbot)
    assert frozen.font().pointSizeF() == pytest.approx(view.font().pointSizeF())
    assert frozen.verticalHeader().defaultSectionSize() == view.verticalHeader().defaultSectionSize()
    assert heights_agree()
    assert frozen.horizontalHeader().height() == view.horizontalHeader().height()
    view.set_zoom(100)


def test_a_table_too_narrow_for_more_than_the_frozen_part_does_not_freeze(wide, qtbot):
    open_form(wide, "补充日常经费")
    view = wide.editor.indicator_panel.view
    assert view.frozen.isVisible()
    view.setColumnWidth(view.model().column_of("level3"), view.viewport().width())
    settle(qtbot)
    assert not view.frozen.isVisible()  # it would cover everything else


@pytest.mark.parametrize("test", [keys.test_row_number_click_acts_on_that_one_row,
                                  keys.test_renaming_a_merged_cell_still_renames_its_group_and_delete_on_it_clears_the_group,
                                  keys.test_alt_down_in_the_grade_picker_opens_its_list_and_does_not_move_the_row,
                                  keys.test_moves_stay_inside_the_group,
                                  keys.test_f2_puts_the_caret_at_the_end_and_typing_replaces,
                                  keys.test_undo_and_redo_select_what_changed,
                                  keys.test_long_texts_wrap_rows_grow_and_the_editor_takes_several_lines],
                         ids=lambda test: test.__name__[5:])
def test_the_keyboard_tests_hold_with_the_frozen_part_shown(wide, qtbot, test):
    view = wide.editor.indicator_panel.view
    open_form(wide, "补充日常经费")
    assert view.frozen.isVisible()
    test(wide, qtbot)
    settle(qtbot)
    if view.state() != view.State.EditingState:
        assert view.frozen.isVisible()


def test_the_frozen_part_comes_back_when_an_edit_ends_by_another_form(wide, qtbot):
    open_form(wide, "补充日常经费")
    view = wide.editor.indicator_panel.view
    view.select_cell(2, view.model().column_of("level3"))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert not view.frozen.isVisible()
    open_form(wide, "补充公积金")  # the editor goes with the old form, without an Enter or Esc
    settle(qtbot)
    assert view.state() != view.State.EditingState
    assert view.frozen.isVisible()


def test_columns_shown_or_hidden_later_stay_out_of_the_frozen_part(wide, qtbot):
    open_form(wide, "补充日常经费")
    view = wide.editor.indicator_panel.view
    model, frozen = view.model(), view.frozen
    count = model.columnCount()
    model.set_show_last_year(True)  # two columns come in after 年度指标值
    settle(qtbot)
    assert model.columnCount() == count + 2
    assert [frozen.isColumnHidden(c) for c in range(model.columnCount())] == \
        [c >= 3 for c in range(model.columnCount())]
    assert frozen.isVisible() and frozen.width() >= view.frozen_width()
    model.set_show_last_year(False)
    settle(qtbot)
    assert [frozen.isColumnHidden(c) for c in range(model.columnCount())] == [c >= 3 for c in range(count)]

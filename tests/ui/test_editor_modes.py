"""The editor's modes for working in the indicator table: 只看指标表 (F11) and folding the
sections above the table."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from .conftest import open_form


def visible_row_capacity(view) -> int:
    """How many default-height rows fit in the table's viewport."""
    return view.viewport().height() // view.verticalHeader().defaultSectionSize()


def shown_rows(view) -> int:
    height = view.viewport().height()
    return sum(1 for row in range(view.model().rowCount())
               if 0 <= view.rowViewportPosition(row) and view.rowViewportPosition(row) + view.rowHeight(row) <= height)


def settle(qtbot):
    QApplication.processEvents()
    qtbot.wait(20)


def test_table_only_gives_the_indicator_table_the_window_at_1366x768_and_comes_back(window, qtbot):
    open_form(window, "补充日常经费")
    window.showNormal()
    window.resize(1366, 768)
    # The toolbar's icons come a moment after the first paint and make it taller: measure
    # once they are there, or the table "comes back" shorter than a height it never kept.
    qtbot.waitUntil(lambda: window._icons_set)
    settle(qtbot)
    editor = window.editor
    view = editor.indicator_panel.view
    # A current cell, as after a click into the table: hiding the sections moves the focus into
    # the table, which would otherwise choose one itself and show its 评分说明 strip only then.
    view.setCurrentIndex(view.model().index(0, 0))
    settle(qtbot)
    assert editor.scroll.isVisible() and window.issues_dock.isVisible()
    before = visible_row_capacity(view)
    fitting_before = view.viewport().height()

    window.table_only_action.trigger()
    settle(qtbot)
    assert window.table_only_action.isChecked()
    assert not editor.scroll.isVisible()  # header, funding and goals are gone
    assert not window.issues_dock.isVisible()
    assert view.viewport().height() > fitting_before
    if window.height() >= 740:  # the offscreen screen let the window be 1366x768
        assert visible_row_capacity(view) >= 15, (window.size(), view.viewport().height())
        rows = view.model().rowCount()
        # The rows there are all show, up to the 15 the mode promises.
        assert shown_rows(view) >= min(rows, 15)
    assert visible_row_capacity(view) > before

    window.table_only_action.trigger()
    settle(qtbot)
    assert not window.table_only_action.isChecked()
    assert editor.scroll.isVisible() and editor.title.isVisible()
    assert window.issues_dock.isVisible()
    assert view.viewport().height() == fitting_before


def test_table_only_is_kept_when_another_form_is_chosen(window, qtbot):
    open_form(window, "补充日常经费")
    window.table_only_action.trigger()
    settle(qtbot)
    other = next(f.id for f in window.session.workspace.forms.values() if f.id != window.editor.form_id)
    window.navigator.select_form(other)
    settle(qtbot)
    assert window.editor.form_id == other
    assert not window.editor.scroll.isVisible()
    assert window.editor.indicator_panel.view.isVisible()


def test_each_section_above_the_table_folds_and_unfolds(window, qtbot):
    open_form(window, "补充日常经费")
    settle(qtbot)
    editor = window.editor
    toggles = editor.section_toggles()
    assert len(toggles) >= 3  # header, funding and goals each have a heading
    first = toggles[0]
    body = first.parentWidget().layout().itemAt(1).widget()
    assert body.isVisible()
    height = editor.top.sizeHint().height()
    first.click()
    settle(qtbot)
    assert not body.isVisible()
    assert editor.top.sizeHint().height() < height
    first.click()
    settle(qtbot)
    assert body.isVisible()


def test_jumping_to_a_folded_field_unfolds_it_and_leaves_table_only(window, qtbot):
    open_form(window, "补充日常经费")
    settle(qtbot)
    editor = window.editor
    key, widget = next(iter(editor.field_widgets.items()))
    toggle = next(t for t in editor.section_toggles()
                  if t.parentWidget().layout().itemAt(1).widget().isAncestorOf(widget))
    toggle.click()
    window.table_only_action.trigger()
    settle(qtbot)
    assert not widget.isVisible()
    from perfdesk.domain.validation import Location

    assert editor.show_location(Location(form_id=editor.form_id, section=editor.field_sections[key], column=key))
    settle(qtbot)
    assert widget.isVisible()
    assert not window.table_only_action.isChecked()
    assert window.issues_dock.isVisible()


def select_block(view, rows, columns):
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    model = view.model()
    selection = QItemSelection(model.index(rows[0], columns[0]), model.index(rows[-1], columns[-1]))
    view.setCurrentIndex(model.index(rows[0], columns[0]))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def test_ctrl_d_fills_each_selected_column_down_from_its_top_cell_as_one_undo_step(window, qtbot):
    from PySide6.QtCore import Qt

    open_form(window, "补充日常经费")
    panel = window.editor.indicator_panel
    view, model = panel.view, panel.model
    target, level3 = model.column_of("target"), model.column_of("level3")
    outputs = [i for i, ind in enumerate(model.indicators) if ind.level1 == "产出指标"]
    rows = outputs[1:4]
    before = [(model.indicator_at(r).level3, model.indicator_at(r).target) for r in rows]
    assert len({b[1] for b in before}) > 1  # the targets differ before the fill
    top_target = model.indicator_at(rows[0]).target
    top_name = model.indicator_at(rows[0]).level3
    select_block(view, rows, [level3, target] if level3 < target else [target, level3])
    columns = view.selection_rectangle()[1]
    stack = window.session.undo_stack
    steps = stack.count()

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert [model.indicator_at(r).target for r in rows] == [top_target] * 3
    assert [model.indicator_at(r).level3 for r in rows] == [top_name] * 3
    for column in columns:  # every column in between took its top cell too
        if model.index(rows[0], column).flags() & Qt.ItemFlag.ItemIsEditable:
            assert len({model.data(model.index(r, column)) for r in rows}) == 1
    assert stack.count() == steps + 1  # one undo step
    assert "向下填充" in stack.text(stack.count() - 1)

    window.undo_action.trigger()
    assert [(model.indicator_at(r).level3, model.indicator_at(r).target) for r in rows] == before


def test_fill_down_is_in_the_cells_context_menu(window):
    open_form(window, "补充日常经费")
    panel = window.editor.indicator_panel
    index = panel.model.index(0, panel.model.column_of("target"))
    texts = [entry[0] for entry in panel.context_actions(index) if entry is not None]
    assert "向下填充\tCtrl+D" in texts


def test_zoom_scales_the_table_with_ctrl_wheel_and_keys_and_is_remembered(window, qtbot, tmp_path):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent

    from perfdesk.ui.main_window import MainWindow, settings

    open_form(window, "补充日常经费")
    view = window.editor.indicator_panel.view
    size, row = view.font().pointSizeF(), view.verticalHeader().defaultSectionSize()
    center = QPointF(view.viewport().rect().center())

    def wheel(delta):
        event = QWheelEvent(center, QPointF(view.viewport().mapToGlobal(QPoint(10, 10))), QPoint(0, 0),
                            QPoint(0, delta), Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(view.viewport(), event)

    scroll = view.verticalScrollBar().value()
    wheel(120)
    assert view.zoom == 110
    assert view.font().pointSizeF() > size
    assert view.verticalHeader().defaultSectionSize() > row
    assert view.verticalScrollBar().value() == scroll  # Ctrl+wheel zooms, does not scroll
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 120
    assert int(settings().value("table/zoom")) == 120
    qtbot.keyClick(view, Qt.Key.Key_Underscore, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert view.zoom == 110
    wheel(-120)
    wheel(-120)
    assert view.zoom == 90 and view.font().pointSizeF() < size
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 100 and view.font().pointSizeF() == size
    assert view.verticalHeader().defaultSectionSize() == row

    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    from perfdesk.cli import write_demo

    other = MainWindow()
    qtbot.addWidget(other)
    assert other.open_file(write_demo(tmp_path / "other.perfdesk"))
    assert other.editor.indicator_panel.view.zoom == 120  # the next window starts as it was left
    other.close()


def test_opening_folding_and_switching_forms_shows_no_window_but_the_main_one(window, qtbot):
    """Every part of a form is built inside the window: a widget shown before it has a parent
    is a window of its own (under X created and mapped, it can flash on screen), as each
    section's body once was."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QWidget

    shown = []

    class Spy(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
                shown.append(type(watched).__name__)
            return False

    spy = Spy()
    QApplication.instance().installEventFilter(spy)
    try:
        open_form(window, "补充日常经费")  # a self-evaluation, 2022
        window.editor.section_toggles()[0].click()  # folded: the next form builds it folded
        open_form(window, "专项业务费", year=2026)  # a declaration, with its task table
        window.editor.section_toggles()[0].click()
        open_form(window, "补充日常经费")
        settle(qtbot)
    finally:
        QApplication.instance().removeEventFilter(spy)
    assert shown == []
    assert window.editor.section_toggles()[0].isChecked()

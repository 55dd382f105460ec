"""The issues panel's highlight follows the issue the user picked through edits (its row in
the list moves, its 第N行 changes), and goes away when the issue does."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex

from perfdesk.editing.issues_model import issue_key

from .conftest import open_form


def pick_issue(panel, code="I3", occurrence=1, form_id=None):
    """Highlight an issue of an indicator row as a click would; returns (form id, Issue)."""
    model = panel.model
    rows = [r for r in range(model.rowCount())
            if model.issue_at(r)[1].code == code and model.issue_at(r)[1].location.item_id
            and form_id in (None, model.issue_at(r)[0])]
    row = rows[occurrence]
    panel.view.setCurrentIndex(model.index(row, 0))
    assert panel.followed_issue() == model.issue_at(row)
    return row, model.issue_at(row)


def test_the_highlight_follows_its_issue_through_insert_move_and_paste_and_clears_when_it_goes(window, qtbot):
    open_form(window, "补充日常经费")
    table = window.editor.indicator_panel
    view, indicators = table.view, table.model
    panel = window.issues
    row, (form_id, issue) = pick_issue(panel)
    key = issue_key(form_id, issue)
    position = indicators.row_of(issue.location.item_id)

    # a blank row inserted above: its own issues come first in the list and every 第N行 below
    # it changes, so the picked issue is listed elsewhere and in other words
    view.select_cell(0, indicators.column_of("level3"))
    table.insert_row()
    followed = panel.followed_issue()
    assert followed is not None
    assert issue_key(*followed) == key and followed[1].message == issue.message
    assert followed[1].where != issue.where  # 第7行 is now 第8行
    assert panel.view.currentIndex().row() != row  # not the row it sat in before
    assert panel.view.selectionModel().selectedRows() == [panel.view.currentIndex().siblingAtColumn(0)]

    # moved up inside its group
    view.select_cell(indicators.row_of(issue.location.item_id), indicators.column_of("level3"))
    table.move_rows(-1)
    assert issue_key(*panel.followed_issue()) == key

    # a paste that adds rows above the issue's row
    view.select_cell(1, indicators.column_of("level3"))
    assert view.paste_clipboard("甲\t=1 个\r\n乙\t=2 个\r\n") > 0
    assert issue_key(*panel.followed_issue()) == key

    # undo all the way back: still the same issue
    for _ in range(3):
        window.undo_action.trigger()
    assert indicators.row_of(issue.location.item_id) == position
    assert issue_key(*panel.followed_issue()) == key

    # the issue's row deleted: the issue is gone, nothing is highlighted (not its neighbour)
    view.select_cell(position, indicators.column_of("level3"))
    table.delete_rows()
    assert all(issue_key(*panel.model.issue_at(r)) != key for r in range(panel.model.rowCount()))
    assert panel.followed_issue() is None
    assert not panel.view.selectionModel().hasSelection()
    assert not panel.view.currentIndex().isValid()


def test_the_highlight_follows_through_a_fix_that_changes_the_list_in_the_whole_file_scope(window):
    shown = open_form(window, "补充日常经费")
    panel = window.issues
    panel.set_whole_file(True)
    row, (form_id, issue) = pick_issue(panel, "I3", 0, shown)
    key = issue_key(form_id, issue)
    table = window.editor.indicator_panel
    # an edit elsewhere in the form that makes an issue go away above it in the list
    errors = [r for r in range(panel.model.rowCount())
              if panel.model.issue_at(r)[0] == form_id and panel.model.issue_at(r)[1].code == "E8"]
    assert errors and errors[0] < row
    e8 = panel.model.issue_at(errors[0])[1]
    model = table.model
    assert model.setData(model.index(model.row_of(e8.location.item_id), model.column_of("target")), "=0 次")
    followed = panel.followed_issue()
    assert followed is not None and issue_key(*followed) == key
    assert panel.view.currentIndex().row() == row - 1
    # picking nothing stays nothing
    panel.view.selectionModel().clearSelection()
    panel.view.selectionModel().setCurrentIndex(QModelIndex(), panel.view.selectionModel().SelectionFlag.Clear)
    assert model.setData(model.index(0, model.column_of("reason")), "说明")
    assert panel.followed_issue() is None

"""The navigator filters its tree by project name, year, kind and status (只看有错误的表); the
status check runs a slice at a time, never holding the window for the whole file."""

from __future__ import annotations

import pytest

from perfdesk.domain.validation import Severity
from perfdesk.editing.indicator_model import worst
from perfdesk.editing.outline_model import FORM, YEAR, OutlineRole
from perfdesk.ui import navigator as navigator_module

from .conftest import form_id_of, open_form


def shown_forms(nav) -> list[str]:
    """Form ids in the tree, top to bottom."""
    model, found = nav.model, []

    def walk(parent):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            if index.data(OutlineRole.NODE_KIND) == FORM:
                found.append(index.data(OutlineRole.FORM_ID))
            walk(index)

    from PySide6.QtCore import QModelIndex
    walk(QModelIndex())
    return found


def type_filter(nav, qtbot, text):
    nav.filter.text.setText(text)
    qtbot.waitUntil(lambda: nav.model.filtered == bool(text.strip()) and not nav.filter._typing.isActive())


def test_typing_a_name_keeps_only_its_projects_and_leaves_the_open_form_alone(window, qtbot):
    nav = window.navigator
    ws = window.session.workspace
    shown = open_form(window, "补充日常经费")
    assert len(shown_forms(nav)) == len(ws.forms)
    overviews = []
    if hasattr(window, "show_overview"):
        original = window.show_overview
        window.show_overview = lambda *a: overviews.append(a) or original(*a)
    type_filter(nav, qtbot, "公积金")
    forms = shown_forms(nav)
    expected = {f.id for f in ws.forms.values() if "公积金" in ws.project_name(f)}
    assert forms and set(forms) == expected and len(forms) < len(ws.forms)
    assert nav.filter.note.isVisible() and f"显示 {len(forms)} / {len(ws.forms)} 张表" in nav.filter.note.text()
    # the form being edited was filtered out of the tree: it stays open, nothing else opens
    assert shown not in forms
    assert window.editor.form_id == shown and not overviews
    assert not nav.tree.currentIndex().isValid()
    # every project, year and form left in the tree leads to a match (no empty years)
    for year in range(nav.model.rowCount(nav.model.index(0, 0))):
        assert nav.model.rowCount(nav.model.index(year, 0, nav.model.index(0, 0))) > 0
    type_filter(nav, qtbot, "")
    assert len(shown_forms(nav)) == len(ws.forms) and not nav.filter.note.isVisible()


def test_year_and_kind_narrow_down_together_and_clear_brings_everything_back(window, qtbot):
    nav = window.navigator
    ws = window.session.workspace
    assert [nav.filter.year.itemData(i) for i in range(nav.filter.year.count())] == [None, 2026, 2022]
    nav.filter.year.setCurrentIndex(nav.filter.year.findData(2026))
    assert set(shown_forms(nav)) == {f.id for f in ws.forms.values() if f.year == 2026}
    nav.filter.kind.setCurrentIndex(nav.filter.kind.findText("自评表"))
    assert shown_forms(nav) == []  # 2026 has declarations only
    nav.filter.kind.setCurrentIndex(nav.filter.kind.findText("申报表"))
    assert set(shown_forms(nav)) == {f.id for f in ws.forms.values() if f.year == 2026}
    year_rows = [nav.model.index(r, 0, nav.model.index(0, 0)) for r in range(nav.model.rowCount(nav.model.index(0, 0)))]
    assert [index.data(OutlineRole.YEAR) for index in year_rows if index.data(OutlineRole.NODE_KIND) == YEAR] == [2026]
    nav.filter.clear_button.click()
    assert len(shown_forms(nav)) == len(ws.forms)
    assert (nav.filter.year.currentIndex(), nav.filter.kind.currentIndex(), nav.filter.status.currentIndex()) == (0, 0, 0)


def test_only_forms_with_errors_checked_a_slice_at_a_time(window, qtbot, monkeypatch):
    monkeypatch.setattr(navigator_module, "CHECK_SLICE_S", 0.0)  # one form per slice
    nav = window.navigator
    session = window.session
    ws = session.workspace
    nav.checker.known.clear()
    nav.filter.status.setCurrentIndex(nav.filter.status.findData("error"))
    # back to the event loop at once: the forms are checked later, a slice at a time
    assert nav.checker.running and len(nav.checker.known) <= 1
    assert "正在检查" in nav.filter.note.text()
    qtbot.waitUntil(lambda: not nav.checker.running, timeout=20000)
    with_errors = {fid for fid in ws.forms if worst(session.analysis(fid).issues) is Severity.ERROR}
    assert with_errors and len(with_errors) < len(ws.forms)
    assert set(shown_forms(nav)) == with_errors
    assert "正在检查" not in nav.filter.note.text()

    # fixing a form's errors takes it out of 只看有错误的表 after the step
    form_id = open_form(window, "补充日常经费") if form_id_of(window, "补充日常经费") in with_errors else None
    if form_id is None:
        pytest.skip("the demo form has no errors to fix")
    table = window.editor.indicator_model
    target = table.column_of("target")
    for issue in [i for i in session.analysis(form_id).issues if i.severity is Severity.ERROR]:
        if issue.code == "E8":
            row = table.row_of(issue.location.item_id)
            assert table.setData(table.index(row, target), "=0 次")
    if worst(session.analysis(form_id).issues) is Severity.ERROR:
        pytest.skip("errors left that a cell edit does not fix")
    qtbot.waitUntil(lambda: not nav.checker.running and form_id not in shown_forms(nav))
    assert window.editor.form_id == form_id  # still open
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: not nav.checker.running and form_id in shown_forms(nav))


def test_choosing_a_hidden_form_elsewhere_clears_the_filter(window, qtbot):
    nav = window.navigator
    type_filter(nav, qtbot, "信息化")
    hidden = form_id_of(window, "补充日常经费")
    assert hidden not in shown_forms(nav)
    nav.select_form(hidden)  # as a jump from the issues list or find does
    assert not nav.model.filtered and nav.filter.text.text() == ""
    assert nav.current_form_id() == hidden and window.editor.form_id == hidden


def test_the_filter_is_compact(window):
    nav = window.navigator
    assert nav.filter.sizeHint().height() <= 3 * nav.filter.text.sizeHint().height()
    assert nav.filter.sizeHint().width() <= 300, nav.filter.sizeHint()

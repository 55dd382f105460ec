"""Parts of the window that are built when first used, not with the window: they still work
the same once used."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QToolButton

from perfdesk.paths import settings_path
from perfdesk.ui.form_editor import DateField
from perfdesk.ui.main_window import recent_files

from .conftest import open_form


def _date_form(window):
    """A form whose definition has date fields, shown in the editor."""
    ws = window.session.workspace
    for form in sorted(ws.forms.values(), key=lambda f: -f.year):
        definition = window.session.definition(form.id)
        if any(field.type == "date" for section in definition.sections for field in section.fields):
            window.navigator.select_form(form.id)
            assert window.editor.form_id == form.id
            return form.id
    raise LookupError("no form with date fields in the demo")


def test_a_date_field_builds_its_calendar_when_first_opened_and_picks_a_date(window):
    form_id = _date_form(window)
    fields = {key: w for key, w in window.editor.field_widgets.items() if isinstance(w, DateField)}
    assert fields
    assert all(field._calendar is None for field in fields.values())  # none built with the form
    key, field = next(iter(fields.items()))
    field.setText("2026-03-15")
    field.menu.aboutToShow.emit()  # what opening the 日历 button does first
    calendar = field.calendar
    assert calendar is not None and field._calendar is calendar
    assert calendar.selectedDate() == QDate(2026, 3, 15)  # shows the date in the field
    assert len(field.menu.actions()) == 1
    field.menu.aboutToShow.emit()  # opening again reuses it
    assert field.calendar is calendar and len(field.menu.actions()) == 1
    calendar.clicked.emit(QDate(2026, 4, 2))
    assert field.text() == "2026-04-02"
    assert window.session.form(form_id).field(key) == "2026-04-02"  # committed, as before


def test_the_undo_history_is_built_when_its_dock_is_first_shown(window, qtbot):
    assert window.history is None  # the dock starts hidden
    open_form(window, "补充日常经费")
    model = window.editor.indicator_model
    assert model.setData(model.index(0, model.column_of("reason")), "改一下")
    stack = window.session.undo_stack
    assert stack.count() == 1
    window.history_dock.show()
    qtbot.waitUntil(lambda: window.history is not None)
    history = window.history
    assert window.history_dock.widget() is history
    assert history.count() == stack.count() + 1 and history.currentRow() == stack.index()
    history.jump.emit(0)  # a click on "打开文件时的状态" runs the undo through the session
    assert stack.index() == 0 and history.currentRow() == 0
    assert model.data(model.index(0, model.column_of("reason"))) != "改一下"


def test_reopening_the_latest_file_leaves_the_settings_file_alone(window, demo_path, tmp_path):
    assert recent_files()[0] == str(demo_path.resolve())
    before = settings_path().stat()
    assert window.open_file(demo_path)
    after = settings_path().stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    other = tmp_path / "other.perfdesk"
    other.write_bytes(demo_path.read_bytes())
    assert window.open_file(other)
    assert recent_files()[:2] == [str(other.resolve()), str(demo_path.resolve())]
    assert window.open_file(demo_path)
    assert recent_files()[:2] == [str(demo_path.resolve()), str(other.resolve())]


def test_a_read_only_window_disables_every_action_that_writes(window, demo_path, qtbot):
    from PySide6.QtGui import QAction

    from perfdesk.ui.main_window import MainWindow

    second = MainWindow()  # the file is open in `window`: this one is read-only
    qtbot.addWidget(second)
    assert second.open_file(demo_path) and second.session.read_only
    writing = [a for a in second.findChildren(QAction) if a.property("needs_write")]
    assert len(writing) >= 10 and not any(a.isEnabled() for a in writing)
    assert window.import_action.isEnabled() and window.rollforward_action.isEnabled()
    second.close()


def test_the_first_frame_analyses_only_the_form_it_shows_and_the_tree_icons_follow(qtbot, demo_path):
    """Painting the navigator never waits for forms' analyses: the window's first frame works
    out the shown form's alone; the icons of the other forms the tree shows come on the next
    turn of the event loop, the same icons as an analysis done at once gives."""

    from perfdesk.app import create_application
    from perfdesk.editing.indicator_model import severity_icon, worst
    from perfdesk.editing.outline_model import FORM
    from perfdesk.ui.main_window import MainWindow

    create_application()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(demo_path)
    session, model = window.session, window.navigator.model
    window.show()
    window.repaint()  # the first frame, painted now, with no event handled after it
    analysed = {form_id for form_id in session.workspace.forms if session.known_analysis(form_id)}
    assert analysed == {window.editor.form_id}

    nodes = [node for (kind, _), node in model._nodes.items() if kind == FORM]
    tree = window.navigator.tree
    shown = [node.key for node in nodes if tree.viewport().rect().intersects(
        tree.visualRect(model.createIndex(node.position, 0, node)))]
    assert len(shown) > 3  # the tree shows several forms, whose icons were asked for
    changed = []
    model.dataChanged.connect(lambda first, last, roles: changed.append(first.internalPointer().key)
                              if Qt.ItemDataRole.DecorationRole in roles else None)
    qtbot.waitUntil(lambda: all(session.known_analysis(form_id) for form_id in shown), timeout=3000)
    assert set(shown) - {window.editor.form_id} <= set(changed)
    for form_id in shown:
        index = model.index_of_form(form_id)
        severity = worst(session.analysis(form_id).issues)
        icon = model.data(index, Qt.ItemDataRole.DecorationRole)
        if severity is None:
            assert icon is None
        else:
            assert icon.cacheKey() == severity_icon(severity).cacheKey()
    window.close()


def test_the_filter_fields_turn_their_clear_button_on_with_their_first_text(window, qtbot):
    """The ✕ of a filter field costs an icon-theme lookup: it is turned on once the field holds
    text (when Qt would first show it), and then clears the field as ever."""
    field = window.navigator.filter.text
    assert not field.isClearButtonEnabled()
    field.setFocus()
    qtbot.keyClicks(field, "x")
    assert field.isClearButtonEnabled()
    (button,) = field.findChildren(QToolButton)  # the ✕ Qt draws inside the field
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert field.text() == "" and field.isClearButtonEnabled()

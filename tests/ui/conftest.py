"""Window fixtures: a demo file under tmp_path and a main window on it."""

import pytest
from PySide6.QtWidgets import QApplication

from perfdesk.app import create_application
from perfdesk.cli import write_demo
from perfdesk.ui.main_window import MainWindow


@pytest.fixture
def demo_path(tmp_path):
    return write_demo(tmp_path / "demo.perfdesk")


def show_window(qtbot, path):
    """A main window on `path`, shown (closed by the caller)."""
    create_application()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, demo_path):
    window = show_window(qtbot, demo_path)
    yield window
    window.close()


def focus_table(window, qtbot=None):
    """The indicator table, with the keyboard focus, as after a click into it."""
    window.activateWindow()
    view = window.editor.indicator_panel.view
    view.setFocus()
    QApplication.processEvents()
    return view


def form_id_of(window, project, year=2022):
    ws = window.session.workspace
    return next(f.id for f in ws.forms.values() if ws.project_name(f) == project and f.year == year)


def open_form(window, project, year=2022):
    form_id = form_id_of(window, project, year)
    window.navigator.select_form(form_id)
    assert window.editor.form_id == form_id
    return form_id

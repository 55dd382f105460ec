"""Window fixtures: a demo file under tmp_path and a main window on it."""

import pytest

from perfdesk.app import create_application
from perfdesk.cli import write_demo
from perfdesk.ui.main_window import MainWindow


@pytest.fixture
def demo_path(tmp_path):
    return write_demo(tmp_path / "demo.perfdesk")


@pytest.fixture
def window(qtbot, demo_path):
    create_application()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(demo_path)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


def form_id_of(window, project, year=2022):
    ws = window.session.workspace
    return next(f.id for f in ws.forms.values() if ws.project_name(f) == project and f.year == year)


def open_form(window, project, year=2022):
    form_id = form_id_of(window, project, year)
    window.navigator.select_form(form_id)
    assert window.editor.form_id == form_id
    return form_id

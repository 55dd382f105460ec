"""The window fits the screen it opens on, and comes back as it was left: size, docks and the
form last shown in each file."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication

from perfdesk.app import create_application
from perfdesk.ui.main_window import MainWindow, first_size, fit_size, settings, starts_maximised

from .conftest import open_form


def test_first_size_keeps_the_preferred_size_on_a_big_screen():
    available = QRect(0, 0, 2560, 1400)
    rect = first_size(available)
    assert rect.size() == QSize(1400, 880)
    assert available.contains(rect) and rect.center() == available.center()
    assert not starts_maximised(available)


def test_first_size_on_a_1366x768_work_area_fits_inside_it():
    available = QRect(0, 0, 1366, 728)  # 768 less a task bar
    rect = first_size(available)
    assert available.contains(rect)
    assert rect.width() <= 1366 * 0.9 and rect.height() <= 728 * 0.9
    assert starts_maximised(available)  # small screen: the window takes all of it


def test_first_size_respects_a_work_area_that_does_not_start_at_the_origin():
    available = QRect(1920, 40, 1024, 700)
    assert available.contains(first_size(available))


def test_the_preview_size_fits_a_1366x768_work_area():
    size = fit_size(QSize(980, 900), QRect(0, 0, 1366, 728))
    assert size.height() <= 728 and size.width() <= 1366
    assert fit_size(QSize(980, 900), QRect(0, 0, 1920, 1040)) == QSize(980, 900)


def test_the_first_window_fits_the_offscreen_screen(window):
    available = QGuiApplication.primaryScreen().availableGeometry()
    frame = window.frameGeometry()
    assert frame.width() <= available.width() and frame.height() <= available.height(), (frame, available)
    assert window.statusBar().isVisible()


def test_the_preview_dialog_fits_the_screen(window, monkeypatch):
    from perfdesk.ui.export_dialog import PreviewDialog

    monkeypatch.setattr(PreviewDialog, "refresh", lambda self, *a: None)
    form_id = open_form(window, "补充日常经费")
    dialog = PreviewDialog(window, window.session, form_id)
    try:
        available = QGuiApplication.primaryScreen().availableGeometry()
        assert dialog.height() <= available.height() and dialog.width() <= available.width()
    finally:
        dialog.close()
        dialog.deleteLater()


def test_geometry_docks_and_last_form_come_back(qtbot, demo_path):
    create_application()
    first = MainWindow()
    qtbot.addWidget(first)
    assert first.open_file(demo_path)
    first.show()
    qtbot.waitExposed(first)
    form_id = open_form(first, "补充日常经费", 2022)
    assert form_id != first._first_form()  # reopening must not be the default form by chance
    first.setWindowState(Qt.WindowState.WindowNoState)
    first.resize(700, 500)
    first.issues_dock.hide()
    qtbot.wait(50)
    size = first.size()
    assert size != QSize(796, 796)  # no longer the maximised size of the first start
    first.close()
    assert settings().value("window/geometry") is not None

    second = MainWindow()
    qtbot.addWidget(second)
    assert second.open_file(demo_path)
    second.show()
    qtbot.waitExposed(second)
    try:
        assert second.editor.form_id == form_id
        assert second.navigator.current_form_id() == form_id
        assert not second.issues_dock.isVisible()  # the dock state came back
        # The saved size, not the first start's maximised window (the width is held up by the
        # form's minimum width, which depends on the fonts: the height is the one to compare).
        assert not second.isMaximized()
        assert second.height() == size.height() == 500
    finally:
        second.close()

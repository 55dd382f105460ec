"""Work a window leaves for right after its first frame (perfdesk/ui/first_frame.py)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize
from PySide6.QtWidgets import QWidget

from perfdesk.app import create_application
from perfdesk.ui.first_frame import AfterFirstFrame
from perfdesk.ui import main_window
from perfdesk.ui.main_window import MainWindow


class PaintLog(QObject):
    """Appends `what()` to `log` at each paint event of the watched widget."""

    def __init__(self, widget, log, what):
        super().__init__(widget)
        self.log, self.what = log, what
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.log.append(self.what())
        return False


def settle(times: int = 3) -> None:
    for _ in range(times):
        QCoreApplication.processEvents()


def test_the_actions_run_once_right_after_the_first_paint(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    log = []
    PaintLog(widget, log, lambda: "paint")
    AfterFirstFrame(widget, [lambda: log.append("first"), lambda: log.append("second")])
    settle()
    assert log == []  # not shown: nothing painted, nothing run
    widget.show()
    qtbot.waitUntil(lambda: "second" in log)
    assert log[0] == "paint"
    assert log.index("first") < log.index("second")
    widget.repaint()  # later frames run nothing again
    widget.update()
    settle()
    assert log.count("first") == 1 and log.count("second") == 1


def test_the_toolbar_icons_are_there_for_the_first_frame(qtbot):
    """Qt's own pictures of the standard actions, read from Qt's built-in images when the
    window is built: no pop-in, and no asking the style, which under X searches the desktop's
    icon themes (130–170 ms, which had landed before the first frame)."""
    create_application()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window._icons_set
    for key, (_, image) in window.TOOLBAR_ICONS.items():
        icon = getattr(window, key).icon()
        assert not icon.isNull() and QSize(32, 32) in icon.availableSizes(), key
        assert not icon.pixmap(24, 24).toImage().isNull()


def test_a_qt_without_the_pictures_still_gives_the_style_s_icon(qtbot, monkeypatch):
    create_application()
    monkeypatch.setattr(main_window, "QT_IMAGES", ":/no-such-folder/")
    icon = main_window.standard_icon("SP_DialogSaveButton", "standardbutton-save")
    assert not icon.isNull() and not icon.pixmap(24, 24).toImage().isNull()


def test_the_first_window_draws_its_plain_looks_without_style_sheets(window):
    """A style sheet costs the start its own style and a re-polish (ui/looks.py); the first
    window keeps them for what only a sheet draws: the table's grid and the frozen columns'
    edge. Bold titles, grey hints and the totals bar's background come from font and palette."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QWidget

    styled = sorted({type(w).__name__ for w in window.findChildren(QWidget) if w.styleSheet()})
    assert styled == ["FrozenColumns", "IndicatorView"]
    editor = window.editor
    assert editor.title.font().bold() and editor.title.font().pixelSize() == 17
    assert editor.indicator_panel.title.font().bold()
    assert window.issues.hint.palette().color(QPalette.ColorRole.WindowText).name() == "#666666"
    totals = editor.totals
    assert totals.autoFillBackground() and totals.palette().color(QPalette.ColorRole.Window).name() == "#f6f8fa"

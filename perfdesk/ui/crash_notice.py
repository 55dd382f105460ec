"""The message box of the crash handler (perfdesk/crash.py), shown on the GUI thread.

Errors can come from worker threads, so the text travels through a queued signal. One box at
a time: an error that repeats (a paint handler failing on every frame) is logged each time but
shown once, until the user closes the box.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication


class CrashNotice(QObject):
    requested = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.box = None  # the QMessageBox on show
        self.shown = 0
        self.requested.connect(self._show)

    def show(self, text: str) -> None:
        """Safe from any thread."""
        self.requested.emit(text)

    @Slot(str)
    def _show(self, text: str) -> None:
        if self.box is not None:
            return
        from PySide6.QtWidgets import QMessageBox  # only when there is something to show

        self.shown += 1
        self.box = QMessageBox(QMessageBox.Icon.Critical, "PerfDesk 出错了", text,
                               QMessageBox.StandardButton.Ok, QApplication.activeWindow())
        self.box.button(QMessageBox.StandardButton.Ok).setText("知道了")
        self.box.finished.connect(self._closed)
        self.box.open()

    @Slot()
    def _closed(self) -> None:
        if self.box is not None:
            self.box.deleteLater()
        self.box = None

"""UI layer: the undo history (视图 → 撤销历史). Unlike QUndoView, a click does not move the
stack itself: it asks the window, which runs the jump through the session as one step that
the file can refuse (and then nothing moves)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QListWidget, QListWidgetItem

EMPTY_LABEL = "打开文件时的状态"


class HistoryList(QListWidget):
    jump = Signal(int)  # the stack index the user clicked

    def __init__(self, parent=None):
        super().__init__(parent)
        self._stack: QUndoStack | None = None
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def set_stack(self, stack: QUndoStack | None) -> None:
        if self._stack is not None:
            try:
                self._stack.indexChanged.disconnect(self.sync)
            except (RuntimeError, TypeError):
                pass
        self._stack = stack
        if stack is not None:
            stack.indexChanged.connect(self.sync)
        self.sync()

    def sync(self, *args) -> None:
        """Rebuild the rows (a history is short) and mark the current state."""
        stack = self._stack
        self.blockSignals(True)
        try:
            self.clear()
            if stack is None:
                return
            self.addItem(QListWidgetItem(EMPTY_LABEL))
            for i in range(stack.count()):
                self.addItem(QListWidgetItem(stack.text(i)))
            current = stack.index()
            for row in range(self.count()):
                item = self.item(row)
                font = item.font()
                font.setBold(row == current)
                item.setFont(font)
                if row > current:
                    item.setForeground(self.palette().placeholderText())
            self.setCurrentRow(current)
        finally:
            self.blockSignals(False)

    def _clicked(self, item: QListWidgetItem) -> None:
        row = self.row(item)
        if self._stack is not None and row != self._stack.index():
            self.jump.emit(row)

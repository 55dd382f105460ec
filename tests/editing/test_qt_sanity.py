"""Guards against Qt binding bugs that would crash the program, not just a test."""

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt


class _Model(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()):
        return 1

    def columnCount(self, parent=QModelIndex()):
        return 1

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return "x"


def test_data_changed_does_not_leak_references(qapp):
    """PySide6 6.12.0 drops a reference to True on every dataChanged.emit; after a few
    hundred edits the interpreter aborts. pyproject.toml excludes that release."""
    model = _Model()
    index = model.index(0, 0)
    before = sys.getrefcount(True)
    for _ in range(200):
        model.dataChanged.emit(index, index, [int(Qt.ItemDataRole.DisplayRole)])
    assert sys.getrefcount(True) >= before - 5

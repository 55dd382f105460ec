"""UI layer: 查找 (Ctrl+F) — find text across the whole file, step through the hits with
下一个 / 上一个 (Enter / Shift+Enter), or pick one in the list; each jumps to its cell: an indicator
cell (the definition's own columns too), a header field or text, or a row of a table section
(年度主要任务), selected in its grid. There is no 替换 (replace): a hit is edited in its cell."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from perfdesk.editing.find import Hit, find_all

from .dialogs import clear_button_once_typed


class FindDialog(QDialog):
    """Not modal: the person edits the form with the hits still listed."""

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("查找")
        self.setModal(False)
        self.resize(520, 420)
        self.hits: list[Hit] = []
        self.current = -1
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText("项目名称、表头文字、年度主要任务、三级指标、指标值、指标解释…")
        clear_button_once_typed(self.query)
        self.query.returnPressed.connect(self.next)
        self.query.textChanged.connect(lambda _text: self._stale())
        self.previous_button = QPushButton("上一个")
        self.previous_button.setToolTip("上一个（Shift+Enter / Shift+F3）")
        self.previous_button.clicked.connect(self.previous)
        self.next_button = QPushButton("下一个")
        self.next_button.setToolTip("下一个（Enter / F3）")
        self.next_button.clicked.connect(self.next)
        self.next_button.setAutoDefault(False)
        self.previous_button.setAutoDefault(False)
        row.addWidget(QLabel("查找："))
        row.addWidget(self.query, 1)
        row.addWidget(self.previous_button)
        row.addWidget(self.next_button)
        layout.addLayout(row)
        self.status = QLabel("在整个文件中查找。")
        layout.addWidget(self.status)
        self.results = QListWidget()
        self.results.itemActivated.connect(lambda item: self.go(self.results.row(item)))
        self.results.itemClicked.connect(lambda item: self.go(self.results.row(item)))
        layout.addWidget(self.results, 1)
        QShortcut(QKeySequence("F3"), self, self.next)
        QShortcut(QKeySequence("Shift+F3"), self, self.previous)
        QShortcut(QKeySequence("Shift+Return"), self, self.previous)
        QShortcut(QKeySequence("Shift+Enter"), self, self.previous)
        self._searched: str | None = None

    def _stale(self) -> None:
        self._searched = None

    def reset(self) -> None:
        """Another file in the window: the hits were the old file's."""
        self.hits = []
        self.current = -1
        self._searched = None
        self.results.clear()
        self.status.setText("在整个文件中查找。")

    def search(self, text: str | None = None) -> list[Hit]:
        """Find `text` (or what is typed) in the whole file and list the hits."""
        if text is not None:
            self.query.setText(text)
        text = self.query.text()
        session = self.window_.session
        self.hits = find_all(session.workspace, session.registry, text) if session is not None else []
        self._searched = text
        self.current = -1
        self.results.clear()
        for hit in self.hits:
            item = QListWidgetItem(f"{hit.where}：{hit.text[:80]}")
            item.setToolTip(hit.text)
            self.results.addItem(item)
        if not text.strip():
            self.status.setText("请输入要查找的文字。")
        else:
            self.status.setText(f"找到 {len(self.hits)} 处。" if self.hits else f"未找到“{text.strip()}”。")
        return self.hits

    def _step(self, delta: int) -> bool:
        if self._searched != self.query.text():
            self.search()
        if not self.hits:
            return False
        index = (self.current + delta) % len(self.hits) if self.current >= 0 else (0 if delta > 0 else len(self.hits) - 1)
        return self.go(index)

    def next(self) -> bool:
        return self._step(1)

    def previous(self) -> bool:
        return self._step(-1)

    def go(self, index: int) -> bool:
        """Show hit `index`: its form in the navigator, its cell selected."""
        if not 0 <= index < len(self.hits):
            return False
        self.current = index
        self.results.setCurrentRow(index)
        hit = self.hits[index]
        session = self.window_.session
        location = hit.current_location(session.workspace) if session is not None else None
        if location is None:  # a table row removed since the search
            gone = hit.row_id is not None and session is not None and hit.form_id in session.workspace.forms
            self.status.setText(f"第 {index + 1} / {len(self.hits)} 处" + ("（该行已删除）" if gone else "（该表已不在文件中）"))
            return False
        shown = self.window_.show_location(hit.form_id, location)
        self.status.setText(f"第 {index + 1} / {len(self.hits)} 处" + ("" if shown else "（该表已不在文件中）"))
        return shown

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.results.hasFocus():
            self.go(self.results.currentRow())
            return
        super().keyPressEvent(event)

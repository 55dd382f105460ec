"""UI layer: the issues panel — every issue of the form (or of the whole file), filtered by
severity; clicking one takes the user to the cell."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.validation import Severity
from perfdesk.editing.issues_model import ISSUE_ROLE, IssueListModel
from perfdesk.editing.session import EditSession


class IssuesPanel(QWidget):
    issueActivated = Signal(str, object)  # form id, Issue

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = IssueListModel(session, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.scope = QComboBox()
        self.scope.addItems(["本表", "整个文件"])
        self.scope.currentIndexChanged.connect(lambda i: self.model.set_scope(self.model.form_id, whole_file=i == 1))
        bar.addWidget(QLabel("范围"))
        bar.addWidget(self.scope)
        self.filters: dict[Severity, QToolButton] = {}
        for severity in Severity:
            button = QToolButton()
            button.setCheckable(True)
            button.setChecked(True)
            button.toggled.connect(self._on_filter)
            bar.addWidget(button)
            self.filters[severity] = button
        bar.addStretch(1)
        self.hint = QLabel("单击一条问题可跳到对应单元格")
        self.hint.setStyleSheet("color: #666")
        bar.addWidget(self.hint)
        layout.addLayout(bar)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((64, 48, 200, 230)):
            self.view.setColumnWidth(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.clicked.connect(self._on_clicked)
        self.view.activated.connect(self._on_clicked)
        layout.addWidget(self.view, 1)
        # The model works its list and counts out once per step (or scope / filter change).
        self.model.refreshed.connect(self._update_counts)
        self._update_counts()

    def set_form(self, form_id: str | None) -> None:
        self.model.set_scope(form_id)

    def set_whole_file(self, whole: bool) -> None:
        self.scope.setCurrentIndex(1 if whole else 0)

    def _on_filter(self) -> None:
        self.model.set_severities({s for s, b in self.filters.items() if b.isChecked()})

    def _update_counts(self, *args) -> None:
        for severity, button in self.filters.items():
            text = f"{severity.label} {self.model.counts[severity]}"
            if button.text() != text:
                button.setText(text)

    def _on_clicked(self, index) -> None:
        form_id, issue = index.data(ISSUE_ROLE)
        self.issueActivated.emit(form_id, issue)

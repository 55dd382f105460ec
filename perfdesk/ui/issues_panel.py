"""UI layer: the issues panel — every issue of the form (or of the whole file), filtered by
severity; clicking one takes the user to the cell: an indicator cell, a field, an amount, or a
row and column of a table section's grid (年度主要任务, W15–W17)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.validation import Severity
from perfdesk.editing.issues_model import ISSUE_ROLE, IssueListModel
from perfdesk.editing.session import EditSession

from .looks import text_color
from .viewports import own_viewport

HINT = "单击一条问题可跳到对应单元格"
# No form shown (the 年度总览 is, or the file has none): "本表" lists nothing, and says where
# the issues are.
NO_FORM_HINT = "当前没有显示表：范围选“整个文件”可查看所有表的问题"


class IssuesPanel(QWidget):
    issueActivated = Signal(str, object)  # form id, Issue
    fixRequested = Signal(str, object)  # form id, domain Fix: the remedy the user chose

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = IssueListModel(session, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.scope = QComboBox()
        self.scope.addItems(["本表", "整个文件"])
        self.scope.currentIndexChanged.connect(self._on_scope)
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
        # The selected issue's remedy, one click away (a menu when it has several).
        self.fix_button = QToolButton()
        self.fix_button.setText("修复")
        self.fix_button.setToolTip("对选中的问题执行建议的修改（可撤销）")
        self.fix_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.fix_button.setEnabled(False)
        bar.addWidget(self.fix_button)
        self.hint = QLabel(HINT)
        text_color(self.hint, "#666")
        bar.addWidget(self.hint)
        layout.addLayout(bar)
        self.view = QTableView()
        own_viewport(self.view)
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
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._update_fix_button)
        # The highlight follows the issue itself through edits, not the row it sat in.
        self._followed = None  # (issue key, message) of the issue the user picked
        self.view.selectionModel().currentChanged.connect(self._note_followed)
        self.model.refreshed.connect(self._follow)
        self.model.modelReset.connect(self._update_fix_button)
        layout.addWidget(self.view, 1)
        # The model works its list and counts out once per step (or scope / filter change).
        self.model.refreshed.connect(self._update_counts)
        self._update_counts()

    def set_form(self, form_id: str | None) -> None:
        """The form whose issues "本表" lists; None while no form is shown (the 年度总览, an
        empty file)."""
        self.model.set_scope(form_id)
        self._update_hint()

    def _on_scope(self, index: int) -> None:
        self.model.set_scope(self.model.form_id, whole_file=index == 1)
        self._update_hint()

    def _update_hint(self) -> None:
        text = NO_FORM_HINT if self.model.form_id is None and not self.model.whole_file else HINT
        if self.hint.text() != text:
            self.hint.setText(text)

    def set_whole_file(self, whole: bool) -> None:
        self.scope.setCurrentIndex(1 if whole else 0)

    def _on_filter(self) -> None:
        self.model.set_severities({s for s, b in self.filters.items() if b.isChecked()})

    def _update_counts(self, *args) -> None:
        for severity, button in self.filters.items():
            text = f"{severity.label} {self.model.counts[severity]}"
            if button.text() != text:
                button.setText(text)

    # -- the highlight follows its issue ---------------------------------------------------------
    def _note_followed(self, current, _previous=None) -> None:
        if self.model.updating:
            return  # Qt moving the current row while rows go and come: not the user's choice
        self._followed = self.model.key_at(current.row()) if current.isValid() else None

    def _follow(self) -> None:
        """After the list changed: highlight the issue the user had picked wherever it is
        listed now; if it is gone, highlight nothing."""
        if self._followed is None:
            return
        row = self.model.row_of_key(*self._followed)
        selection = self.view.selectionModel()
        if row < 0:
            self._followed = None
            selection.clearSelection()
            selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.Clear)
            return
        index = self.model.index(row, 0)
        if self.view.currentIndex().row() != row or not selection.isRowSelected(row, QModelIndex()):
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)
        self.view.scrollTo(index)

    def followed_issue(self):
        """(form id, Issue) highlighted in the list, None when nothing is."""
        index = self.view.currentIndex()
        if not index.isValid() or not self.view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return self.model.issue_at(index.row())

    def _on_clicked(self, index) -> None:
        form_id, issue = index.data(ISSUE_ROLE)
        self.issueActivated.emit(form_id, issue)

    # -- remedies ----------------------------------------------------------------------------
    def fixes_at(self, row: int) -> list:
        if not (0 <= row < self.model.rowCount()) or self.session.read_only:
            return []
        _, issue = self.model.issue_at(row)
        return list(issue.fixes)

    def request_fix(self, row: int, fix) -> None:
        form_id, _ = self.model.issue_at(row)
        self.fixRequested.emit(form_id, fix)

    def _fix_menu(self, row: int) -> QMenu | None:
        fixes = self.fixes_at(row)
        if not fixes:
            return None
        menu = QMenu(self)
        for fix in fixes:
            menu.addAction(fix.label).triggered.connect(lambda _=False, f=fix: self.request_fix(row, f))
        return menu

    def _update_fix_button(self, *args) -> None:
        row = self.view.currentIndex().row()
        menu = self._fix_menu(row)
        old = self.fix_button.menu()
        self.fix_button.setMenu(menu)
        if old is not None:
            old.deleteLater()
        fixes = self.fixes_at(row)
        self.fix_button.setEnabled(bool(fixes))
        self.fix_button.setText(f"修复：{fixes[0].label}" if len(fixes) == 1 else "修复")

    def _context_menu(self, position) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        menu = self._fix_menu(index.row())
        if menu is not None:
            menu.exec(self.view.viewport().mapToGlobal(position))

"""Editing layer: the issues panel's list — every issue of one form, or of the whole file.

The list is derived from the session's analyses. After an edit it is worked out again and
the view hears only about the rows that actually went or came (most edits change one or
two issues), so the selection and scroll position stay where the user left them.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from perfdesk.domain.validation import Issue, Severity

from .indicator_model import severity_icon
from .outline_model import KIND_LABELS
from .session import EditSession

COLUMNS = ("级别", "代码", "表", "位置", "说明")
ISSUE_ROLE = Qt.ItemDataRole.UserRole + 40  # (form_id, Issue)
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class IssueListModel(QAbstractTableModel):
    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.form_id: str | None = None
        self.whole_file = False
        self.severities: set[Severity] = set(Severity)
        self._rows: list[tuple[str, Issue]] = []
        session.analysisChanged.connect(self._on_analysis_changed)
        session.outlineChanged.connect(self.refresh)

    # -- what is listed -------------------------------------------------------------------
    def set_scope(self, form_id: str | None = None, whole_file: bool | None = None) -> None:
        self.form_id = form_id
        if whole_file is not None:
            self.whole_file = whole_file
        self.refresh()

    def set_severities(self, severities: set[Severity]) -> None:
        self.severities = set(severities)
        self.refresh()

    def _form_ids(self) -> list[str]:
        ws = self.session.workspace
        if self.whole_file:
            forms = sorted(ws.forms.values(), key=lambda f: (-f.year, ws.project_name(f), f.kind.value))
            return [f.id for f in forms]
        return [self.form_id] if self.form_id in ws.forms else []

    def all_issues(self) -> list[tuple[str, Issue]]:
        """Every issue in scope, before the severity filter (for the counts on the buttons)."""
        return [(fid, issue) for fid in self._form_ids() for issue in self.session.analysis(fid).issues]

    def _wanted(self) -> list[tuple[str, Issue]]:
        order = {form_id: i for i, form_id in enumerate(self._form_ids())}
        rows = [row for row in self.all_issues() if row[1].severity in self.severities]
        # Stable: within a form, errors first, then in the form's own order.
        return sorted(rows, key=lambda row: (order[row[0]], _RANK[row[1].severity]))

    def refresh(self) -> None:
        wanted = self._wanted()
        if wanted == self._rows:
            return
        # Remove what went, then insert what came, keeping the survivors' order.
        wanted_set = set(wanted)
        for i in range(len(self._rows) - 1, -1, -1):
            if self._rows[i] not in wanted_set:
                self.beginRemoveRows(QModelIndex(), i, i)
                self._rows.pop(i)
                self.endRemoveRows()
        present = set(self._rows)
        for i, row in enumerate(wanted):
            if row not in present:
                self.beginInsertRows(QModelIndex(), i, i)
                self._rows.insert(i, row)
                self.endInsertRows()
        if self._rows != wanted:  # only the order changed: rare, say so plainly
            self.beginResetModel()
            self._rows = wanted
            self.endResetModel()

    def _on_analysis_changed(self, form_id: str) -> None:
        if self.whole_file or form_id == self.form_id:
            self.refresh()

    def issue_at(self, row: int) -> tuple[str, Issue]:
        return self._rows[row]

    # -- the Qt model contract -----------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        form_id, issue = self._rows[index.row()]
        column = index.column()
        if role == ISSUE_ROLE:
            return (form_id, issue)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return issue.severity.label
            if column == 1:
                return issue.code
            if column == 2:
                form = self.session.workspace.forms.get(form_id)
                if form is None:
                    return ""
                return f"{self.session.workspace.project_name(form)} {form.year}年{KIND_LABELS[form.kind]}"
            if column == 3:
                return issue.where
            return issue.message
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return severity_icon(issue.severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{issue.where}：{issue.message}"
        return None

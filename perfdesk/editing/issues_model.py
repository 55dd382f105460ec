"""Editing layer: the issues panel's list — every issue of one form, or of the whole file.

The list is derived from the session's analyses. It is worked out again once per step (at
`stepFinished`, however many forms the step re-analysed), and only when the step touched a
form in scope: showing one form, an edit elsewhere costs nothing. The view hears only about
the rows that actually went or came (most edits change one or two issues), so the selection
and scroll position stay where the user left them; a new scope is a reset.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from perfdesk.domain.validation import Issue, Severity

from .indicator_model import severity_icon
from .outline_model import KIND_LABELS
from .session import EditSession

COLUMNS = ("级别", "代码", "表", "位置", "说明")
ISSUE_ROLE = Qt.ItemDataRole.UserRole + 40  # (form_id, Issue)
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_MANY_CHANGES = 64  # beyond this many rows gone or come, a reset is cheaper for the view


def issue_key(form_id: str, issue: Issue) -> tuple:
    """What makes an issue the same issue after an edit: its form, code and place — the
    indicator's id rather than its row number, which inserts, deletes and moves change (and
    with it the words of `where`). The message is left out: its numbers may change too."""
    location = issue.location
    place = location.item_id if location.item_id is not None else location.row
    return (form_id, issue.code, location.section, place, location.column)


class IssueListModel(QAbstractTableModel):
    # the list or the counts may have changed (once per refresh)
    refreshed = Signal()

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.form_id: str | None = None
        self.whole_file = False
        self.severities: set[Severity] = set(Severity)
        self._rows: list[tuple[str, Issue]] = []
        self.counts: dict[Severity, int] = {s: 0 for s in Severity}  # in scope, before the filter
        self._stale = self._renamed = False
        self.updating = False  # rows are going and coming: the view's current row means nothing
        session.analysisChanged.connect(self._on_analysis_changed)
        session.outlineChanged.connect(self._on_outline_changed)
        session.stepFinished.connect(self._on_step_finished)

    # -- what is listed -------------------------------------------------------------------
    def set_scope(self, form_id: str | None = None, whole_file: bool | None = None) -> None:
        whole_file = self.whole_file if whole_file is None else whole_file
        # Another form while the whole file is listed: the same list (selection kept).
        new_list = whole_file != self.whole_file or (not whole_file and form_id != self.form_id)
        self.form_id, self.whole_file = form_id, whole_file
        self.refresh(reset=new_list)

    def set_severities(self, severities: set[Severity]) -> None:
        self.severities = set(severities)
        self.refresh()

    def _form_ids(self) -> list[str]:
        ws = self.session.workspace
        if self.whole_file:
            forms = sorted(ws.forms.values(), key=lambda f: (-f.year, ws.project_name(f), f.kind.value))
            return [f.id for f in forms]
        return [self.form_id] if self.form_id in ws.forms else []

    def all_issues(self, form_ids: list[str] | None = None) -> list[tuple[str, Issue]]:
        """Every issue in scope, before the severity filter (for the counts on the buttons)."""
        form_ids = self._form_ids() if form_ids is None else form_ids
        return [(fid, issue) for fid in form_ids for issue in self.session.analysis(fid).issues]

    def refresh(self, reset: bool = False) -> None:
        self.updating = True
        try:
            self._refresh(reset)
        finally:
            self.updating = False
        self.refreshed.emit()

    def _refresh(self, reset: bool) -> None:
        renamed, self._renamed = self._renamed, False
        self._stale = False
        form_ids = self._form_ids()
        issues = self.all_issues(form_ids)
        counts = {s: 0 for s in Severity}
        for _, issue in issues:
            counts[issue.severity] += 1
        self.counts = counts
        order = {form_id: i for i, form_id in enumerate(form_ids)}
        # Stable: within a form, errors first, then in the form's own order.
        wanted = sorted((row for row in issues if row[1].severity in self.severities),
                        key=lambda row: (order[row[0]], _RANK[row[1].severity]))
        if wanted != self._rows:
            self._update_rows(wanted, reset)
        elif renamed and self._rows:  # a project renamed: the 表 column says its name
            self.dataChanged.emit(self.index(0, 2), self.index(len(self._rows) - 1, 2),
                                  [int(Qt.ItemDataRole.DisplayRole)])

    def _update_rows(self, wanted: list[tuple[str, Issue]], reset: bool) -> None:
        wanted_set = set(wanted)
        present = set(self._rows)
        changes = len(present - wanted_set) + len(wanted_set - present)
        if reset or not self._rows or changes > _MANY_CHANGES:
            self.beginResetModel()
            self._rows = wanted
            self.endResetModel()
            return
        # Remove what went, then insert what came, keeping the survivors' order.
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
            self._stale = True  # worked out once, when the step ends

    def _on_outline_changed(self) -> None:
        self._stale = self._renamed = True  # forms came or went, or a project was renamed

    def _on_step_finished(self) -> None:
        if self._stale:
            self.refresh()

    def issue_at(self, row: int) -> tuple[str, Issue]:
        return self._rows[row]

    def key_at(self, row: int) -> tuple[tuple, str] | None:
        """The identity of the issue listed at `row` (see issue_key) with its message."""
        if not 0 <= row < len(self._rows):
            return None
        form_id, issue = self._rows[row]
        return issue_key(form_id, issue), issue.message

    def row_of_key(self, key: tuple, message: str | None = None) -> int:
        """Where the issue `key` is listed now (the one with the same message among several
        alike), -1 when it is gone or filtered out."""
        found = -1
        for row, (form_id, issue) in enumerate(self._rows):
            if issue_key(form_id, issue) == key:
                if message is None or issue.message == message:
                    return row
                if found < 0:
                    found = row
        return found

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

"""Editing layer: one of a form's own table sections (部门整体's 年度主要任务: 任务名称 │ 主要内容 │
预算金额) as a small table model.

The rows are `Form.tables[section.key]`; the columns are the section's typed `extra_columns`.
Every change — a typed cell, an added or removed row, a cleared selection, a pasted block — is
ONE `SetTableCommand` (the rows replaced as a whole), so one undo step puts it all back. An
amount column takes only numbers (thousands separators, 万元 / 元 allowed); anything else is
refused with a Chinese reason on `refused` and nothing is stored. A finalised (已定稿) form is
refused by the session's guard like every other edit (it offers 撤回定稿 first).

The model re-reads the form after every step that touched it (`analysisChanged`, as the
funding model does): undo, redo, an import or roll forward all show at once. A cell an issue is
about (W15 a 预算金额 that is no number, W17 an amount without a 任务名称) is coloured by its worst
severity with the messages as its tooltip; an issue of a whole column (W16 the sum of 预算金额)
marks the column's heading.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from perfdesk.domain.definition import ExtraColumn, SectionDef
from perfdesk.domain.model import TableRow, copy_rows
from perfdesk.domain.scoring import format_amount
from perfdesk.domain.values import parse_number

from .cell_plan import number_refusal
from .commands import SetTableCommand
from .indicator_model import SEVERITY_COLORS, issue_line, severity_icon, solid, worst
from .session import EditSession

NUMBER_TYPES = ("amount", "number")


class TableSectionModel(QAbstractTableModel):
    refused = Signal(str)  # why a typed or pasted value was not stored, for the status bar

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.form_id: str | None = None
        self.section: SectionDef | None = None
        self._shown: list[tuple[str, dict]] = []  # (row id, cells) as last announced to the view
        self._marks_of = None  # (the Analysis they were taken from, {(row, key): issues})
        self._marks_shown: dict = {}  # the marks as last announced to the view
        session.analysisChanged.connect(self._on_analysis_changed)

    def set_form(self, form_id: str | None, section: SectionDef | None) -> None:
        self.beginResetModel()
        self.form_id, self.section = form_id, section
        self._marks_of = None
        self.endResetModel()
        self._shown = self._signature()
        self._marks_shown = self._mark_signature()

    # -- issues -----------------------------------------------------------------------------------
    def marks(self) -> dict:
        """The issues of this section by (row index, column key); a whole column's under
        (None, column key). Taken once per analysis (one per step)."""
        if self.form_id is None or self.section is None or self.form_id not in self.session.workspace.forms:
            return {}
        analysis = self.session.analysis(self.form_id)
        if self._marks_of is None or self._marks_of[0] is not analysis:
            marks: dict = {}
            for issue in analysis.issues:
                location = issue.location
                if location.section != self.section.key or location.item_id is not None:
                    continue
                row = location.row - 1 if location.row is not None else None
                marks.setdefault((row, location.column), []).append(issue)
            self._marks_of = (analysis, marks)
        return self._marks_of[1]

    def cell_issues(self, row: int, column: int) -> list:
        if not 0 <= column < len(self.columns):
            return []
        return self.marks().get((row, self.columns[column].key), [])

    def _mark_signature(self) -> dict:
        return {key: tuple((i.severity, i.code, i.message) for i in issues) for key, issues in self.marks().items()}

    # -- what is shown -------------------------------------------------------------------------
    @property
    def columns(self) -> tuple[ExtraColumn, ...]:
        return self.section.extra_columns if self.section is not None else ()

    @property
    def rows(self) -> list[TableRow]:
        if self.form_id is None or self.section is None or self.form_id not in self.session.workspace.forms:
            return []
        return self.session.form(self.form_id).tables.get(self.section.key, [])

    def column(self, index: int) -> ExtraColumn:
        return self.columns[index]

    def is_number(self, column: int) -> bool:
        return 0 <= column < len(self.columns) and self.columns[column].type in NUMBER_TYPES

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                unit = self.amount_unit() if column.type == "amount" else ""
                return f"{column.label}（{unit}）" if unit and unit not in column.label else column.label
            issues = self.marks().get((None, column.key), []) if role in _ISSUE_ROLES else []
            if role == Qt.ItemDataRole.DecorationRole:
                return severity_icon(worst(issues)) if issues else None
            if role == Qt.ItemDataRole.ToolTipRole:
                lines = [issue_line(i) for i in issues]
                if column.type in NUMBER_TYPES:
                    lines.append(f"{column.label}：只填数字，例如 1200.5 或 1,200.50")
                return "\n".join(lines) or None
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def amount_unit(self) -> str:
        if self.form_id is None or self.form_id not in self.session.workspace.forms:
            return ""
        return self.session.definition(self.form_id).amount_unit

    def text(self, row: int, column: int) -> str:
        rows = self.rows
        if not (0 <= row < len(rows) and 0 <= column < len(self.columns)):
            return ""
        return rows[row].cells.get(self.columns[column].key, "")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        text = self.text(index.row(), index.column())
        number = self.is_number(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _shown_number(text) if number else text
        if role == Qt.ItemDataRole.EditRole:
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if number:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role not in _ISSUE_ROLES:
            return None
        issues = self.cell_issues(index.row(), index.column())
        severity = worst(issues)
        if role == Qt.ItemDataRole.BackgroundRole:
            return solid(SEVERITY_COLORS[severity]) if severity else None
        if role == Qt.ItemDataRole.DecorationRole:
            return severity_icon(severity) if severity else None
        long_text = text if text and self.columns[index.column()].type == "longtext" else ""
        return "\n".join([issue_line(i) for i in issues] + ([long_text] if long_text else [])) or None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.session.read_only:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    # -- Qt → domain: every change is one SetTableCommand ----------------------------------------
    def _editable(self) -> bool:
        return (not self.session.read_only and self.section is not None and self.form_id is not None
                and self.form_id in self.session.workspace.forms)

    def _value(self, column: int, value) -> tuple[str | None, str | None]:
        """A typed or pasted value as stored in `column`, or (None, why it is refused)."""
        col = self.columns[column]
        typed = "" if value is None else str(value)
        text = col.normalise(typed)
        if col.type in NUMBER_TYPES and text:
            why = number_refusal(text)
            if why:
                return None, f"「{col.label}」{number_refusal(typed) or why}"
        return text, None

    def _push(self, rows: list[TableRow], text: str) -> bool:
        if not self._editable():
            return False
        return self.session.push(SetTableCommand(self.session.workspace, self.form_id, self.section.key, rows, text))

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not self._editable():
            return False
        text, why = self._value(index.column(), value)
        if text is None:
            self.refused.emit(why)
            return False
        rows = copy_rows(self.rows)
        row = rows[index.row()]
        column = self.columns[index.column()]
        if row.cells.get(column.key, "") == text:
            return False
        row.cells[column.key] = text
        return self._push(rows, f"修改「{self.section.label}」第{index.row() + 1}行「{column.label}」")

    def insert_row(self, position: int) -> int:
        """A blank row at `position` (clamped). Returns its row number, -1 when refused."""
        if not self._editable():
            return -1
        rows = copy_rows(self.rows)
        position = max(0, min(position, len(rows)))
        rows.insert(position, TableRow())
        return position if self._push(rows, f"「{self.section.label}」添加一行") else -1

    def remove_rows(self, positions) -> int:
        """Remove the rows at `positions`. Returns how many went (0: refused or none)."""
        if not self._editable():
            return 0
        rows = copy_rows(self.rows)
        gone = {p for p in positions if 0 <= p < len(rows)}
        if not gone:
            return 0
        kept = [r for i, r in enumerate(rows) if i not in gone]
        return len(gone) if self._push(kept, f"「{self.section.label}」删除 {len(gone)} 行") else 0

    def clear_cells(self, cells) -> int:
        """Empty the (row, column) cells as one step. Returns how many had text."""
        if not self._editable():
            return 0
        rows = copy_rows(self.rows)
        cleared = 0
        for r, c in cells:
            if 0 <= r < len(rows) and 0 <= c < len(self.columns) and rows[r].cells.pop(self.columns[c].key, ""):
                cleared += 1
        if not cleared:
            return 0
        return cleared if self._push(rows, f"清除「{self.section.label}」{cleared} 个单元格") else 0

    def paste_block(self, top: int, left: int, block: list[list[str]]) -> int:
        """A block of texts (lines of cells, as from Excel) at (top, left), as one step: rows
        are added below when the block is longer than the table; columns past the last are
        left out; a value an amount column refuses is left out and reported. Returns how many
        cells changed (0: nothing happened)."""
        if not self._editable() or not block:
            return 0
        rows = copy_rows(self.rows)
        top = max(0, min(top, len(rows)))
        left = max(0, left)
        changed, refusals = 0, []
        for r, values in enumerate(block):
            while top + r >= len(rows):
                rows.append(TableRow())
            row = rows[top + r]
            for c, value in enumerate(values):
                column = left + c
                if column >= len(self.columns):
                    break
                text, why = self._value(column, value)
                if text is None:
                    refusals.append(f"第{top + r + 1}行{why}")
                    continue
                key = self.columns[column].key
                if row.cells.get(key, "") != text:
                    row.cells[key] = text
                    changed += 1
        # rows the block added but left blank (every value refused or empty) are not kept
        while len(rows) > len(self.rows) and not any(rows[-1].cells.values()):
            rows.pop()
        if refusals:
            shown = "；".join(refusals[:3]) + (f"；另有 {len(refusals) - 3} 处" if len(refusals) > 3 else "")
            self.refused.emit(f"粘贴时未填入：{shown}")
        if not changed:
            return 0
        return changed if self._push(rows, f"粘贴到「{self.section.label}」{len(block)} 行") else 0

    # -- domain → Qt -----------------------------------------------------------------------------
    def _signature(self) -> list[tuple[str, dict]]:
        return [(r.id, dict(r.cells)) for r in self.rows]

    def _on_analysis_changed(self, form_id: str) -> None:
        if form_id != self.form_id or self.section is None:
            return
        new = self._signature()
        old, self._shown = self._shown, new
        old_marks, self._marks_shown = self._marks_shown, self._mark_signature()
        if [i for i, _ in old] != [i for i, _ in new]:
            # Rows came or went (added, removed, undone): the whole grid again.
            self.beginResetModel()
            self.endResetModel()
            return
        for r, ((_, before), (_, after)) in enumerate(zip(old, new)):
            for c, column in enumerate(self.columns):
                key = (r, column.key)
                if before.get(column.key, "") != after.get(column.key, "") \
                        or old_marks.get(key) != self._marks_shown.get(key):
                    index = self.index(r, c)
                    self.dataChanged.emit(index, index)
        for c, column in enumerate(self.columns):
            if old_marks.get((None, column.key)) != self._marks_shown.get((None, column.key)):
                self.headerDataChanged.emit(Qt.Orientation.Horizontal, c, c)


_ISSUE_ROLES = (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole)


def _shown_number(text: str) -> str:
    """An amount as a finance officer reads it: thousands separators, two decimals; a text
    that is no number (from an old import) as it is."""
    if not text:
        return ""
    try:
        number = parse_number(text)
    except ValueError:
        return text
    return format_amount(number)

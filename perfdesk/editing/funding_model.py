"""Editing layer: a form's 项目资金 block as a small table model.

Rows and columns come from the funding section of the form definition. A column may leave
some rows out (the declaration's left half has no 上年结转资金): those cells are blank and
closed. Amounts show with thousands separators and two decimals and are typed as plain
numbers (separators allowed). On the self-evaluation's budget line the 分值, 执行率 and 得分
columns are computed and read-only.

Where the columns word their rows their own way (the declaration: 项目资金总额 on the left,
年度资金申请总额 / 其中：当年财政拨款 on the right), the grid reads as the printed form: each
column's labels in a cell of their own beside its amounts, not one shared wording down the
side that the printed form never uses.

After each step the grid compares what every cell shows (its amount or computed text, its
marks) with what it showed before and repaints only the cells that differ — an edit of the
indicator table that leaves the budget line alone repaints nothing here.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from perfdesk.domain.definition import SectionDef
from perfdesk.domain.scoring import format_amount

from perfdesk.domain.model import OverrideNote
from perfdesk.domain.overrides import now_text
from perfdesk.domain.scoring import explain_budget

from .cell_plan import number_refusal, parse_decimal, plan_amount
from .commands import set_form_score_command
from .indicator_model import (OVERRIDE_TEXT, SEVERITY_COLORS, Role, format_decimal, issue_line, override_tooltip,
                              severity_icon, solid, worst)
from .session import EditSession

WEIGHT, RATE, SCORE = "@weight", "@rate", "@score"
LABEL = "#label:"  # a column of row labels, beside the amounts of the section column it names
CLOSED = QColor(240, 240, 240)
LABEL_BACKGROUND = QColor(246, 247, 249)
COMPUTED_TEXT = QColor(90, 90, 90)


class FundingModel(QAbstractTableModel):
    refused = Signal(str)  # why a typed amount was not stored, for the status bar

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.form_id: str | None = None
        self.section: SectionDef | None = None
        self.columns: list[tuple[str, str]] = []  # (key, header) of each grid column
        self._sources: list[int] = []  # the section column each grid column shows (-1: computed)
        self.paired = False  # the columns carry their own row labels: label | amount pairs
        # form id -> {(row, column): (shown value, marks)} at the last announcement; only the
        # form on show is kept. Amount edits arrive with the step's analysisChanged too.
        self._signatures: dict[str | None, dict] = {}
        # (new score, rule's score) → the reason for a budget-score override, None to cancel.
        self.reason_asker = None
        session.analysisChanged.connect(self._on_analysis_changed)

    def set_form(self, form_id: str | None, section: SectionDef | None) -> None:
        self.beginResetModel()
        self.form_id, self.section = form_id, section
        self.columns, self._sources = [], []
        # Label cells only where a column words its rows other than its heading says: the
        # declaration's 项目资金 | 项目资金总额; not the 2020 target form's single row, whose
        # column headings (项目总预算 …) are already the printed labels.
        self.paired = section is not None and any(
            label != column.label for column in section.columns for _, label in column.row_labels)
        for i, column in enumerate(section.columns if section else ()):
            if self.paired:
                self.columns.append((LABEL + column.key, column.label))
                self._sources.append(i)
                self.columns.append((column.key, "金额"))
            else:
                self.columns.append((column.key, column.label))
            self._sources.append(i)
        if section is not None and section.budget_score is not None:
            self.columns += [(WEIGHT, "分值"), (RATE, "执行率"), (SCORE, "得分")]
            self._sources += [-1, -1, -1]
        self.endResetModel()
        self._signatures = {form_id: self._signature()} if form_id is not None else {}

    @property
    def rows(self):
        return self.section.rows if self.section is not None and self.form_id is not None else ()

    def amount_key(self, row: int, column: int) -> str | None:
        """The "row.column" key of an amount cell, None for computed or closed cells."""
        key = self.columns[column][0]
        if key.startswith(("@", LABEL)):
            return None
        row_def = self.rows[row]
        column_def = self.section.columns[self._sources[column]]
        if column_def.rows and row_def.key not in column_def.rows:
            return None
        return f"{row_def.key}.{key}"

    def cell_of(self, amount_key: str) -> QModelIndex:
        for r in range(len(self.rows)):
            for c in range(len(self.columns)):
                if self.amount_key(r, c) == amount_key:
                    return self.index(r, c)
        return QModelIndex()

    def label_text(self, row: int, column: int) -> str | None:
        """What a label cell says (its column's wording of the row, "" where the column has no
        such row); None for a cell that is not a label."""
        key = self.columns[column][0]
        if not key.startswith(LABEL):
            return None
        column_def = self.section.columns[self._sources[column]]
        row_def = self.rows[row]
        return column_def.row_label(row_def) if not column_def.rows or row_def.key in column_def.rows else ""

    def _budget_row(self) -> int:
        spec = self.section.budget_score if self.section is not None else None
        if spec is None:
            return -1
        return next((i for i, r in enumerate(self.rows) if r.key == spec.row), -1)

    # -- the Qt model contract -----------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section][1]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows):
            return "" if self.paired else self.rows[section].label
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.session.read_only and (self.amount_key(index.row(), index.column()) is not None
                                           or self._is_budget_score(index)):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def _is_budget_score(self, index) -> bool:
        return (index.isValid() and self.columns[index.column()][0] == SCORE and index.row() == self._budget_row()
                and self.form_id is not None and self.session.analysis(self.form_id).score.budget is not None)

    def _computed_text(self, row: int, key: str) -> str:
        budget = self.session.analysis(self.form_id).score.budget
        if row != self._budget_row():
            return "—" if key == WEIGHT else ""
        if budget is None:
            return ""
        if key == WEIGHT:
            return format_decimal(budget.weight)
        if key == RATE:
            return "" if budget.rate_percent is None else f"{budget.rate_percent:.2f}%"
        return format_decimal(budget.score)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.form_id is None:
            return None
        key = self.columns[index.column()][0]
        if key.startswith(LABEL):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.label_text(index.row(), index.column())
            if role == Qt.ItemDataRole.BackgroundRole:
                return solid(LABEL_BACKGROUND)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return None
        amount_key = self.amount_key(index.row(), index.column())
        form = self.session.form(self.form_id)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if key.startswith("@"):
            overridden = self._is_budget_score(index) and form.budget_score is not None
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
                return self._computed_text(index.row(), key)
            if role == Qt.ItemDataRole.ForegroundRole:
                return solid(OVERRIDE_TEXT if overridden else COMPUTED_TEXT)
            if role == Qt.ItemDataRole.BackgroundRole and not self._is_budget_score(index):
                return solid(CLOSED)
            if role == Qt.ItemDataRole.ToolTipRole and self._is_budget_score(index):
                budget = self.session.analysis(self.form_id).score.budget
                try:
                    working = explain_budget(form, self.session.definition(self.form_id), budget)
                except Exception:  # noqa: BLE001 - a tooltip must never break the grid
                    working = ""
                if overridden:
                    return override_tooltip(form.budget_score, form.budget_note, budget.computed) + \
                        (f"\n{working}" if working and "人工评定" not in working else "")
                return (working + "\n" if working else "") + "按规则自动计算；输入其他分数即为人工评定（需说明理由）"
            return None
        if amount_key is None:
            return solid(CLOSED) if role == Qt.ItemDataRole.BackgroundRole else None
        value = form.amounts.get(amount_key)
        if role == Qt.ItemDataRole.DisplayRole:
            return format_amount(value)
        if role == Qt.ItemDataRole.EditRole:
            return format_decimal(value)
        if role == Role.COLUMN_KEY:
            return amount_key
        issues = self.session.analysis(self.form_id).cell_issues(None, amount_key)
        if role == Role.ISSUES:
            return issues
        severity = worst(issues)
        if severity is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return solid(SEVERITY_COLORS[severity])
        if role == Qt.ItemDataRole.DecorationRole:
            return severity_icon(severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(map(issue_line, issues))
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.session.read_only:
            return False
        if self._is_budget_score(index):
            return self.set_budget_score(value)
        amount_key = self.amount_key(index.row(), index.column())
        if amount_key is None:
            return False
        column_def = self.section.columns[self._sources[index.column()]]
        row_label = column_def.row_label(self.rows[index.row()])
        what = row_label if self.paired else f"{row_label} / {column_def.label}"
        command = plan_amount(self.session.workspace, self.form_id, amount_key, value, f"修改「{what}」")
        if command is None:
            why = number_refusal(value)
            if why:
                self.refused.emit(why)
            return False
        return self.session.push(command)

    def set_budget_score(self, value) -> bool:
        """The 预算执行率得分 as a person decides it: a number other than the rule's is an
        override with a reason; empty, or the rule's own score, lets the rule count again."""
        budget = self.session.analysis(self.form_id).score.budget
        form = self.session.form(self.form_id)
        number = value if isinstance(value, Decimal) else parse_decimal("" if value is None else str(value))
        if number is False or budget is None:
            return False
        ws = self.session.workspace
        if number is None or (budget.computed is not None and number == budget.computed):
            if form.budget_score is None:
                return False
            return self.session.push(set_form_score_command(ws, self.form_id, "budget_score", None, "预算执行率得分按计算"))
        if number == form.budget_score:
            return False
        reason = ""
        if self.reason_asker is not None:
            reason = self.reason_asker(number, budget.computed)
            if reason is None:
                return False
        note = OverrideNote(reason, now_text(), budget.computed)
        return self.session.push(set_form_score_command(ws, self.form_id, "budget_score", number,
                                                        f"人工评定预算执行率得分为 {format_decimal(number)}", note))

    # -- domain → Qt: only the cells that show something else ---------------------------------
    def _cell_signature(self, row: int, column: int, form, analysis) -> tuple | None:
        key = self.columns[column][0]
        if key.startswith(LABEL):
            return None  # the definition's words: they never change under an edit
        if key.startswith("@"):
            shown = self._computed_text(row, key)
            if key == SCORE and row == self._budget_row():
                shown = (shown, form.budget_score, form.budget_note)  # colour and tooltip follow it
            return shown, ()
        amount_key = self.amount_key(row, column)
        if amount_key is None:
            return None
        marks = tuple((i.severity, i.code, i.message) for i in analysis.cell_issues(None, amount_key))
        return form.amounts.get(amount_key), marks

    def _signature(self) -> dict[tuple[int, int], tuple | None]:
        if self.form_id is None or self.form_id not in self.session.workspace.forms:
            return {}
        form, analysis = self.session.form(self.form_id), self.session.analysis(self.form_id)
        return {(r, c): self._cell_signature(r, c, form, analysis)
                for r in range(len(self.rows)) for c in range(len(self.columns))}

    def _on_analysis_changed(self, form_id: str) -> None:
        if form_id != self.form_id or not self.rows or not self.columns:
            return
        old = self._signatures.get(form_id, {})
        new = self._signature()
        self._signatures = {form_id: new}
        for (row, column), shown in new.items():
            before = old.get((row, column))
            if before == shown:
                continue
            roles = []
            if before is None or shown is None or before[0] != shown[0]:
                roles += _VALUE_ROLES
            if before is None or shown is None or before[1] != shown[1]:
                roles += _MARK_ROLES
            index = self.index(row, column)
            self.dataChanged.emit(index, index, sorted(set(roles)))


_VALUE_ROLES = [int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.EditRole), int(Qt.ItemDataRole.ToolTipRole)]
_MARK_ROLES = [int(Qt.ItemDataRole.BackgroundRole), int(Qt.ItemDataRole.DecorationRole),
               int(Qt.ItemDataRole.ToolTipRole), int(Role.ISSUES)]

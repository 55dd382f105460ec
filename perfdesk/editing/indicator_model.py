"""Editing layer: the indicator table of one form as a Qt item model over the domain.

`setData` and `set_cells` ask the cell planner (cell_plan.py) which undo commands the typed
values need and run them as one step; unchanged or unusable input changes nothing. The
definition's own columns (指标解释, 评(扣)分标准 …) are text columns planned here, beside it. Cells carry
their issues (colour, icon, tooltip) through roles; the computed score sits in its own
read-only column beside the entered one.

Refreshing is narrow: after a step the model repaints the cells the step wrote, and of the
rest only those whose marks, computed score, carried tint or last year's value differ from
what it last announced (a per-form signature of those, compared before and after).
"""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum
from functools import lru_cache

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap

from perfdesk.domain.definition import SectionType
from perfdesk.domain.model import INDICATOR_ATTRS, Indicator, OverrideNote
from perfdesk.domain.overrides import now_text
from perfdesk.domain.scoring import explain_row
from perfdesk.domain.provenance import Provenance, is_carried, last_year_map
from perfdesk.domain.validation import Issue, Severity
from perfdesk.formdefs.label_weights import label_with_weight, weights_in_label

from .cell_plan import CellPlan, grade_applies, plan_block, plan_cells
from .cell_plan import number_refusal, parse_decimal
from .commands import SetIndicatorCommand, SetScoreCommand
from .session import EditSession

COMPUTED = "computed"  # the extra column beside 得分
GRADE = "grade"  # the grade picker of qualitative rows, after the computed score
LAST_TARGET, LAST_ACTUAL = "last_target", "last_actual"  # last year's values, read-only
READ_ONLY_COLUMNS = (COMPUTED, LAST_TARGET, LAST_ACTUAL)
CARRIED = QColor(236, 230, 250)  # a rolled-forward value nobody has confirmed yet
LAST_YEAR_TEXT = QColor(96, 96, 140)
NUMBER_COLUMNS = ("weight", "score")
VALUE_COLUMNS = ("target", "actual")

SEVERITY_COLORS = {
    Severity.ERROR: QColor(253, 222, 222),
    Severity.WARNING: QColor(255, 243, 205),
    Severity.INFO: QColor(222, 235, 255),
}
_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_ICON_COLORS = {Severity.ERROR: "#d32f2f", Severity.WARNING: "#f0a000", Severity.INFO: "#1e6fd9"}
_icons: dict[Severity, QIcon] = {}


def solid(color: QColor) -> QBrush:
    """A solid brush of `color`, for the models' BackgroundRole / ForegroundRole. Named with its
    style because `QBrush(color)` alone has PySide weigh QBrush's QGradient constructors, which
    builds QGradient's and QImage's Python classes (some 220 enum members, 2–3 ms of the
    window's first frame) though no gradient is ever drawn."""
    return QBrush(color, Qt.BrushStyle.SolidPattern)


def severity_icon(severity: Severity) -> QIcon:
    """A small filled dot in the severity's colour (drawn, so no image files are needed)."""
    if severity not in _icons:
        pixmap = QPixmap(12, 12)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(_ICON_COLORS[severity]))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(1, 1, 10, 10)
        painter.end()
        _icons[severity] = QIcon(pixmap)
    return _icons[severity]


class Role(IntEnum):
    INDICATOR_ID = Qt.ItemDataRole.UserRole + 1
    COLUMN_KEY = Qt.ItemDataRole.UserRole + 2
    SEVERITY = Qt.ItemDataRole.UserRole + 3  # worst severity of the cell's issues, or None
    ISSUES = Qt.ItemDataRole.UserRole + 4  # the cell's issues (list of domain Issue)
    COMPUTED = Qt.ItemDataRole.UserRole + 5  # computed score (Decimal) of the row
    PROVENANCE = Qt.ItemDataRole.UserRole + 6
    OVERRIDE = Qt.ItemDataRole.UserRole + 7  # the row's OverrideNote when its 得分 is a person's, else None


OVERRIDE_TEXT = QColor(25, 70, 170)  # a person's score: blue, bold, like a signed entry


def override_tooltip(value: Decimal, note, computed: Decimal | None) -> str:
    """Who decided this score and why, for the 得分 cell's tooltip and the 评分说明."""
    rule = f"按规则为 {format_decimal(computed)}" if computed is not None else "规则未给出得分"
    reason = note.reason if note is not None and note.reason else "未填写理由"
    when = f"（{note.at.replace('T', ' ')}）" if note is not None and note.at else ""
    return f"人工评定：{format_decimal(value)}，{rule}；理由：{reason}{when}。清空此格即采用计算得分。"


def format_decimal(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return text


def worst(issues: list[Issue]) -> Severity | None:
    if not issues:
        return None
    return min((issue.severity for issue in issues), key=_SEVERITY_RANK.__getitem__)


def issue_line(issue: Issue) -> str:
    """An issue as a line of a cell's or a field's tooltip: 警告（W15）：…"""
    return f"{issue.severity.label}（{issue.code}）：{issue.message}"


class IndicatorTableModel(QAbstractTableModel):
    # Why a typed number was not stored ("不是数字…（未保存）"): for the status bar.
    refused = Signal(str)

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.form_id: str | None = None
        self.columns: list[tuple[str, str]] = []
        self.show_last_year = False
        self._last_year: dict | None = None  # indicator id -> LastYear, until the next change
        # form id -> what its cells showed at the last announcement (see _signature); only
        # the form on show is kept
        self._signatures: dict[str | None, dict] = {}
        self._written: dict[tuple[str, str], None] = {}  # cells the running step wrote
        self._renumber_from: int | None = None  # first row whose number a structure change moves
        self._renumber_pending: int | None = None  # the least of those in the step so far
        # what the running step changed here: (indicator id, column key or None for the row)
        self._step_changes: dict[tuple[str, str | None], None] = {}
        self.last_step_changes: list[tuple[str, str | None]] = []  # the same, of the last step
        # Asked for the reason of a new score override: (indicator, new score, rule's score)
        # → the reason, or None to cancel. The view sets a dialog; None: no reason asked.
        self.reason_asker = None
        session.indicatorChanged.connect(self._on_indicator_changed)
        session.structureChanged.connect(self._on_structure_changed)
        session.analysisChanged.connect(self._on_analysis_changed)
        session.stepFinished.connect(self._on_step_finished)

    # -- which form --------------------------------------------------------------------
    def set_form(self, form_id: str | None) -> None:
        self.beginResetModel()
        self.form_id = form_id
        self._last_year = None
        self.columns = self._columns_for(form_id, self.show_last_year)
        self.endResetModel()
        self._remember()

    def _columns_for(self, form_id: str | None, last_year: bool) -> list[tuple[str, str]]:
        columns: list[tuple[str, str]] = []
        if form_id is None:
            return columns
        definition = self.session.definition(form_id)
        section = definition.section(SectionType.INDICATORS)
        for key, label in section.indicator_columns:
            columns.append((key, label))
            if key == "target" and last_year:
                columns.append((LAST_TARGET, "上年指标值"))
                columns.append((LAST_ACTUAL, "上年实际值"))
            if key == "score" and definition.scored:
                columns.append((COMPUTED, "计算得分"))
                if definition.scoring.bands:
                    columns.append((GRADE, "评定档次"))
        return columns

    def set_show_last_year(self, show: bool) -> None:
        """Show last year's target and actual beside this year's (two read-only columns)."""
        if show == self.show_last_year:
            return
        self.show_last_year = show
        wanted = self._columns_for(self.form_id, show)
        if not self.form_id:
            return
        first = self.column_of("target") + 1
        if show:
            self.beginInsertColumns(QModelIndex(), first, first + 1)
            self.columns = wanted
            self.endInsertColumns()
        else:
            self.beginRemoveColumns(QModelIndex(), first, first + 1)
            self.columns = wanted
            self.endRemoveColumns()
        self._remember()

    def last_year(self):
        if self._last_year is None:
            form = self.session.workspace.forms.get(self.form_id) if self.form_id else None
            self._last_year = last_year_map(self.session.workspace, form) if form is not None else {}
        return self._last_year

    @property
    def indicators(self) -> list[Indicator]:
        form = self.session.workspace.forms.get(self.form_id) if self.form_id is not None else None
        return form.indicators if form is not None else []

    def column_of(self, key: str) -> int:
        for i, (k, _) in enumerate(self.columns):
            if k == key:
                return i
        return -1

    def row_of(self, indicator_id: str) -> int:
        for i, indicator in enumerate(self.indicators):
            if indicator.id == indicator_id:
                return i
        return -1

    def indicator_at(self, row: int) -> Indicator:
        return self.indicators[row]

    # -- the Qt model contract -----------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.indicators)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if (role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.columns)):
            return self._header_tooltip(self.columns[section][0])
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section][1]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def _header_tooltip(self, key: str) -> str | None:
        """What a heading means where it is not obvious: the weights of a layout that prints
        them in the 三级 names."""
        if key in ("weight", "level3") and weights_in_label(self.indicator_section()):
            example = label_with_weight("验收合格率", Decimal(10), self.indicator_section())
            if key == "weight":
                return f"本表样不单列分值：分值印在三级指标名称后（如“{example}”），在此填写。"
            return f"打印为“名称{example[len('验收合格率'):]}”；输入“{example}”即同时填入名称和分值。"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        key = self.columns[index.column()][0]
        if self.session.read_only or key in READ_ONLY_COLUMNS:
            return flags
        if key == GRADE and not self.grade_applies(self.indicators[index.row()]):
            return flags
        return flags | Qt.ItemFlag.ItemIsEditable

    @staticmethod
    def grade_applies(indicator: Indicator) -> bool:
        """The rules turn a grade into a score only where the target is not a number."""
        return grade_applies(indicator.target)

    def indicator_section(self):
        """The form's indicators section (its columns, and where its weights are printed)."""
        if self.form_id is None or self.form_id not in self.session.workspace.forms:
            return None
        return self.session.definition(self.form_id).section(SectionType.INDICATORS)

    def bands(self):
        definition = self.session.definition(self.form_id) if self.form_id else None
        return definition.scoring.bands if definition is not None and definition.scoring else ()

    def _text(self, indicator: Indicator, key: str) -> str:
        if key in VALUE_COLUMNS:
            return getattr(indicator, key).raw
        if key == "score":
            return format_decimal(self.score_shown(indicator))
        if key in NUMBER_COLUMNS:
            return format_decimal(getattr(indicator, key))
        if key == COMPUTED:
            row = self.session.analysis(self.form_id).score.rows.get(indicator.id)
            return format_decimal(row.computed) if row else ""
        if key == GRADE:
            band = next((b for b in self.bands() if b.key == indicator.grade), None)
            return band.label if band else ""
        if key in (LAST_TARGET, LAST_ACTUAL):
            last = self.last_year().get(indicator.id)
            return "" if last is None else (last.target if key == LAST_TARGET else last.actual).raw
        return indicator.get(key) or ""

    def extra_column(self, key: str):
        """The definition's own column (指标解释 …) shown under `key`, or None."""
        if self.form_id is None or key in INDICATOR_ATTRS:
            return None
        section = self.session.definition(self.form_id).section(SectionType.INDICATORS)
        return section.extra(key) if section is not None else None

    def set_extra(self, row: int, key: str, value) -> bool:
        """Typing in one of the definition's own columns: its text, as the column's type
        keeps it (a flag as 是 / 否). Returns whether anything changed."""
        column = self.extra_column(key)
        if column is None or self.session.read_only or not (0 <= row < len(self.indicators)):
            return False
        indicator = self.indicators[row]
        text = column.normalise("" if value is None else str(value))
        if indicator.extra.get(key, "") == text:
            return False
        return self.session.push(SetIndicatorCommand(self.session.workspace, self.form_id, indicator.id, key, text,
                                                     f"修改第{row + 1}行「{column.label}」"))

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.indicators)):
            return None
        indicator = self.indicators[index.row()]
        key = self.columns[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(indicator, key)
        if role == Role.INDICATOR_ID:
            return indicator.id
        if role == Role.COLUMN_KEY:
            return key
        if role == Role.PROVENANCE:
            return indicator.provenance
        if role == Role.OVERRIDE:
            return indicator.score_note if indicator.score is not None else None
        if key == "score" and indicator.score is not None:
            if role == Qt.ItemDataRole.ForegroundRole:
                return solid(OVERRIDE_TEXT)
            if role == Qt.ItemDataRole.FontRole:
                return _bold()
        if role == Role.COMPUTED:
            row = self.session.analysis(self.form_id).score.rows.get(indicator.id)
            return row.computed if row else None
        if role == Qt.ItemDataRole.TextAlignmentRole and key in NUMBER_COLUMNS + (COMPUTED,):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and key == COMPUTED:
            return solid(QColor(110, 110, 110))
        if role == Qt.ItemDataRole.ToolTipRole and key == COMPUTED:
            return self.explanation(indicator) or None
        if key in (LAST_TARGET, LAST_ACTUAL):
            if role == Qt.ItemDataRole.ForegroundRole:
                return solid(LAST_YEAR_TEXT)
            if role == Qt.ItemDataRole.ToolTipRole:
                last = self.last_year().get(indicator.id)
                return f"{last.year}年{last.kind.label}中的同一指标" if last else "上年没有找到同名指标"
            return None
        issues = self._cell_issues(indicator, key)
        if role == Role.ISSUES:
            return issues
        severity = worst(issues)
        if role == Role.SEVERITY:
            return severity.value if severity else None
        if severity is None:
            if key == "score" and indicator.score is not None and role == Qt.ItemDataRole.ToolTipRole:
                return override_tooltip(indicator.score, indicator.score_note, self.computed_of(indicator))
            carried = key in INDICATOR_ATTRS and is_carried(indicator, key)
            if carried and role == Qt.ItemDataRole.BackgroundRole:
                return solid(CARRIED)
            if carried and role == Qt.ItemDataRole.ToolTipRole:
                return Provenance.from_text(indicator.provenance).describe() + "。修改或确认后不再标示。"
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return solid(SEVERITY_COLORS[severity])
        if role == Qt.ItemDataRole.DecorationRole:
            return severity_icon(severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(map(issue_line, issues))
        return None

    def _cell_issues(self, indicator: Indicator, key: str) -> list[Issue]:
        if self.form_id is None:
            return []
        return self.session.analysis(self.form_id).cell_issues(indicator.id, key)

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.session.read_only or self.form_id is None:
            return False
        key, label = self.columns[index.column()]
        if key == "score":
            return self.set_score(index.row(), value)
        if self.extra_column(key) is not None:
            return self.set_extra(index.row(), key, value)
        plan = self.plan_cells([(index.row(), key, value)], f"修改第{index.row() + 1}行「{label}」")
        if plan.refused:
            self.refused.emit("；".join(plan.refused))
        return bool(plan) and self.session.push(plan.commands[0])

    # -- scores: the rule's by default, a person's only deliberately ------------------------
    def computed_of(self, indicator: Indicator) -> Decimal | None:
        if self.form_id is None:
            return None
        row = self.session.analysis(self.form_id).score.rows.get(indicator.id)
        return row.computed if row is not None else None

    def explanation(self, indicator: Indicator) -> str:
        """The rule with its numbers ("正向：6.17 ÷ 7 × 6 = 5.29"), an override first."""
        if self.form_id is None:
            return ""
        definition = self.session.definition(self.form_id)
        if not definition.scored:
            return ""
        row = self.session.analysis(self.form_id).score.rows.get(indicator.id)
        try:
            return explain_row(self.session.form(self.form_id), definition, indicator, row)
        except Exception:  # noqa: BLE001 - a tooltip must never break the table
            return ""

    def score_shown(self, indicator: Indicator) -> Decimal | None:
        """The 得分 that counts: a person's override, else the rule's score."""
        return indicator.score if indicator.score is not None else self.computed_of(indicator)

    def set_score(self, row: int, value) -> bool:
        """Typing in 得分: a number different from the rule's score becomes an override (its
        reason asked through `reason_asker`); an empty cell, or the rule's own score, removes
        the override. Returns whether anything changed."""
        if self.session.read_only or not (0 <= row < len(self.indicators)):
            return False
        indicator = self.indicators[row]
        number = value if isinstance(value, Decimal) else parse_decimal("" if value is None else str(value))
        if number is False:
            self.refused.emit(number_refusal(value) or "不是可用的数字，未保存。")
            return False
        computed = self.computed_of(indicator)
        if number is None or (computed is not None and number == computed):
            return self.use_computed([row])
        if indicator.score is not None and number == indicator.score:
            return False
        reason = ""
        if self.reason_asker is not None:
            reason = self.reason_asker(indicator, number, computed)
            if reason is None:
                return False
        note = OverrideNote(reason, now_text(), computed)
        return self.session.push(SetScoreCommand(self.session.workspace, self.form_id, indicator.id, number, note,
                                                 f"人工评定第{row + 1}行得分为 {format_decimal(number)}"))

    def use_computed(self, rows: list[int]) -> bool:
        """采用计算得分 for these rows, as one step."""
        commands = [SetScoreCommand(self.session.workspace, self.form_id, self.indicators[r].id, None, None,
                                    "采用计算得分")
                    for r in sorted(set(rows)) if 0 <= r < len(self.indicators)
                    and self.indicators[r].score is not None]
        if not commands:
            return False
        text = "采用计算得分" if len(commands) == 1 else f"{len(commands)} 行采用计算得分"
        return self.session.push_all(commands, text) > 0

    def set_cells(self, cells: list[tuple[int, str, object]], text: str) -> int:
        """Several cells (row, column key, typed value) as one undo step: a merged 一级 cell
        renamed for its whole group, a cleared selection, a changed level. Returns how many
        cells changed; unusable values are skipped."""
        return self.run_plan(self.plan_cells(cells, text), text)

    # -- the cell planner, with this table's columns and grade bands -----------------------
    def plan_cells(self, cells, text: str) -> CellPlan:
        """(row, column key or indicator attribute, typed text or value) → the commands."""
        if self.form_id is None or self.form_id not in self.session.workspace.forms:
            return CellPlan()
        cells = list(cells)
        plan = plan_cells(self.session.workspace, self.form_id, cells, text, self.bands(), self.indicator_section())
        return self._plan_extras(plan, cells, text)

    def plan_block(self, top: int, left: int, block, text: str) -> CellPlan:
        """A block of texts at (top, left), in this table's column order (paste)."""
        if self.form_id is None or self.form_id not in self.session.workspace.forms:
            return CellPlan()
        keys = [key for key, _ in self.columns]
        plan = plan_block(self.session.workspace, self.form_id, keys, top, left, block, text, self.bands(),
                          self.indicator_section())
        cells = [(top + r, keys[left + c], value) for r, values in enumerate(block)
                 for c, value in enumerate(values) if 0 <= left + c < len(keys)]
        return self._plan_extras(plan, cells, text)

    def _plan_extras(self, plan: CellPlan, cells, text: str) -> CellPlan:
        """The cells of the definition's own columns (指标解释 …), which the cell planner leaves
        out: one command per changed cell of an existing row, and the texts of rows a paste
        adds below the table put into those new rows before they are inserted."""
        indicators = self.indicators
        added = plan.commands[0].rows if plan.rows_added else []
        for row, key, value in cells:
            column = self.extra_column(key)
            if column is None:
                continue
            text_value = column.normalise("" if value is None else str(getattr(value, "raw", value)))
            if 0 <= row < len(indicators):
                if indicators[row].extra.get(key, "") != text_value:
                    plan.commands.append(SetIndicatorCommand(self.session.workspace, self.form_id,
                                                             indicators[row].id, key, text_value, text))
                    plan.cells += 1
            elif 0 <= row - len(indicators) < len(added) and text_value:
                added[row - len(indicators)][1].extra[key] = text_value
                plan.cells += 1
        return plan

    def run_plan(self, plan: CellPlan, text: str) -> int:
        """Run a plan as one step. Returns how many cells changed (0: nothing to do, refused
        or not written — `saveFailed` has told the user)."""
        if plan.refused:
            self.refused.emit("；".join(plan.refused))
        if not plan or self.session.read_only:
            return 0
        return plan.cells + plan.rows_added if self.session.push_all(plan.commands, text) else 0

    # -- domain → Qt -----------------------------------------------------------------------
    def _on_indicator_changed(self, form_id: str, indicator_id: str, attr: str) -> None:
        if form_id != self.form_id:
            return
        # Announced together with the marks when the step's analysisChanged arrives.
        self._written[(indicator_id, attr)] = None
        if attr != "provenance":  # the tint goes with the cell's own value
            self._step_changes[(indicator_id, "score" if attr == "score_note" else attr)] = None

    def _on_structure_changed(self, form_id: str, what: str, indicator_id: str, position: int) -> None:
        if form_id != self.form_id:
            return
        if what == "will_add_indicator":
            self._renumber_from = position
            self.beginInsertRows(QModelIndex(), position, position)
        elif what == "indicator_added":
            self.endInsertRows()
            self._step_changes[(indicator_id, None)] = None
            self._renumber()
        elif what == "will_remove_indicator":
            row = self.row_of(indicator_id)
            self._renumber_from = row
            self.beginRemoveRows(QModelIndex(), row, row)
        elif what == "indicator_removed":
            self.endRemoveRows()
            self._renumber()
        elif what == "will_move_indicator":
            source = self.row_of(indicator_id)
            self._renumber_from = min(source, position)
            # Qt counts the destination before the move: moving down lands one further.
            destination = position + 1 if position > source else position
            self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), destination)
        elif what == "indicator_moved":
            self.endMoveRows()
            self._step_changes[(indicator_id, None)] = None
            self._renumber()
        elif what == "will_reset_indicators":
            self.beginResetModel()
        elif what == "indicators_reset":
            self.endResetModel()
            # The view re-reads everything: the next analysis only becomes the baseline.
            self._signatures.pop(form_id, None)
            self._written.clear()

    def _renumber(self) -> None:
        """Row numbers are positions: below an inserted, removed or moved row every number
        changes, and the vertical header must repaint them (it keeps painting the old ones
        otherwise — "7" twice, 13 missing). Announced once when the step ends, from the first
        row any of its structure changes moved: a 100-row paste is one announcement, not 100
        (each of which had the header read every number below it again)."""
        first, self._renumber_from = self._renumber_from, None
        if first is not None:
            pending = self._renumber_pending
            self._renumber_pending = first if pending is None else min(pending, first)

    def _announce_renumber(self) -> None:
        first, self._renumber_pending = self._renumber_pending, None
        last = self.rowCount() - 1
        if first is not None and 0 <= first <= last:
            self.headerDataChanged.emit(Qt.Orientation.Vertical, first, last)

    def _on_analysis_changed(self, form_id: str) -> None:
        if form_id != self.form_id:
            return
        self._last_year = None  # an edit here or in last year's form changes the match
        self._flush()

    def _on_step_finished(self) -> None:
        self._announce_renumber()
        self.last_step_changes, self._step_changes = list(self._step_changes), {}
        if self._written:  # cells written without an analysis of this form (should not happen)
            self._flush()

    # -- narrow refresh ----------------------------------------------------------------------
    def _signature(self) -> dict[tuple[str, str, str], object]:
        """What the cells show beyond their own value, keyed (indicator id, column key,
        aspect): the marks of cells with issues, each row's computed score, the carried
        tint, last year's values. Only non-blank entries: a cell missing here shows none."""
        form_id = self.form_id
        if form_id is None or form_id not in self.session.workspace.forms:
            return {}
        analysis = self.session.analysis(form_id)
        signature: dict[tuple[str, str, str], object] = {}
        for (item_id, column), issues in analysis.by_cell.items():
            if item_id is not None and column is not None:
                signature[(item_id, column, _MARKS)] = tuple((i.severity, i.code, i.message) for i in issues)
        rows = analysis.score.rows
        for indicator in self.indicators:
            row = rows.get(indicator.id)
            if row is not None and row.computed is not None:
                signature[(indicator.id, COMPUTED, _COMPUTED)] = row.computed
            shown = indicator.score if indicator.score is not None else (row.computed if row else None)
            if shown is not None:
                signature[(indicator.id, "score", _SCORE)] = (shown, indicator.score is not None, indicator.score_note)
            if indicator.provenance:
                unconfirmed, tooltip = _carried(indicator.provenance)
                for attr in unconfirmed:
                    signature[(indicator.id, attr, _CARRIED)] = tooltip
        if self.show_last_year:
            for indicator_id, last in self.last_year().items():
                shown = (last.year, last.kind, last.target.raw, last.actual.raw)
                signature[(indicator_id, LAST_TARGET, _LAST)] = shown
                signature[(indicator_id, LAST_ACTUAL, _LAST)] = shown
        return signature

    def _remember(self) -> None:
        """Take what is shown now as the baseline of the next comparison."""
        self._signatures = {self.form_id: self._signature()} if self.form_id is not None else {}
        self._written.clear()

    def _flush(self) -> None:
        """Emit dataChanged for the cells written by the step and those whose marks,
        computed score, tint or last year's value changed — each with its own roles."""
        written, self._written = self._written, {}
        if self.form_id is None:
            return
        new = self._signature()
        old = self._signatures.get(self.form_id)
        self._signatures = {self.form_id: new}
        if old is None:
            return  # the view was reset: it reads everything anyway
        roles: dict[tuple[str, str], set[int]] = {}
        for cell in written:
            roles.setdefault(cell, set()).update(_ROLES[_VALUE])
        for key in old.keys() | new.keys():
            if old.get(key) != new.get(key):
                indicator_id, column, aspect = key
                roles.setdefault((indicator_id, column), set()).update(_ROLES[aspect])
        self._emit_cells(roles)

    def _emit_cells(self, roles: dict[tuple[str, str], set[int]]) -> None:
        rows = {indicator.id: i for i, indicator in enumerate(self.indicators)}
        columns = {key: i for i, (key, _) in enumerate(self.columns)}
        cells = []
        for (indicator_id, key), cell_roles in roles.items():
            row, column = rows.get(indicator_id), columns.get(key)
            if row is not None and column is not None:
                cells.append((row, column, cell_roles))
        if not cells:
            return
        cells.sort(key=lambda cell: cell[:2])
        if len(cells) > _MANY_CELLS:
            # A big step (a long paste): one rectangle around the changed cells.
            top, bottom = cells[0][0], cells[-1][0]
            left, right = min(c[1] for c in cells), max(c[1] for c in cells)
            every = sorted(set().union(*(c[2] for c in cells)))
            self.dataChanged.emit(self.index(top, left), self.index(bottom, right), every)
            return
        for row, column, cell_roles in cells:
            index = self.index(row, column)
            self.dataChanged.emit(index, index, sorted(cell_roles))


@lru_cache(maxsize=4096)
def _carried(provenance: str) -> tuple[tuple[str, ...], str]:
    """The tinted attributes of a provenance text and its tooltip (parsed once per text)."""
    parsed = Provenance.from_text(provenance)
    return parsed.unconfirmed, parsed.describe() if parsed.unconfirmed else ""


_VALUE, _MARKS, _COMPUTED, _CARRIED, _LAST, _SCORE = "value", "marks", "computed", "carried", "last", "score"
_ROLES = {
    _SCORE: {int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.EditRole), int(Qt.ItemDataRole.ForegroundRole),
             int(Qt.ItemDataRole.FontRole), int(Qt.ItemDataRole.ToolTipRole), int(Role.OVERRIDE)},
    _VALUE: {int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.EditRole)},
    _MARKS: {int(Qt.ItemDataRole.BackgroundRole), int(Qt.ItemDataRole.DecorationRole),
             int(Qt.ItemDataRole.ToolTipRole), int(Role.SEVERITY), int(Role.ISSUES)},
    _COMPUTED: {int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.EditRole), int(Role.COMPUTED),
                int(Qt.ItemDataRole.ToolTipRole)},
    _CARRIED: {int(Qt.ItemDataRole.BackgroundRole), int(Qt.ItemDataRole.ToolTipRole), int(Role.PROVENANCE)},
    _LAST: {int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.EditRole), int(Qt.ItemDataRole.ToolTipRole)},
}
_MANY_CELLS = 48


@lru_cache(maxsize=1)
def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font

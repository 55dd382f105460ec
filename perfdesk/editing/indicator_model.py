"""Editing layer: the indicator table of one form as a Qt item model over the domain.

`setData` parses the typed text with the domain grammar and pushes an undo command holding
ids; unchanged or unusable input returns False and changes nothing. Cells carry their issues
(colour, icon, tooltip) through roles; the computed score sits in its own read-only column
beside the entered one.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap

from perfdesk.domain.definition import SectionType
from perfdesk.domain.model import Indicator
from perfdesk.domain.validation import Issue, Severity
from perfdesk.domain.values import Value

from .commands import SetIndicatorCommand
from .session import EditSession

COMPUTED = "computed"  # the extra column beside 得分
GRADE = "grade"  # the grade picker of qualitative rows, after the computed score
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


def format_decimal(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return text


def parse_decimal(text: str) -> Decimal | None | bool:
    """A weight or score as typed; '' clears it; False when it is not a number."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "")
    cleaned = cleaned.translate({ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９．－"})
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return False
    return value if value.is_finite() else False


def worst(issues: list[Issue]) -> Severity | None:
    if not issues:
        return None
    return min((issue.severity for issue in issues), key=_SEVERITY_RANK.__getitem__)


class IndicatorTableModel(QAbstractTableModel):
    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.form_id: str | None = None
        self.columns: list[tuple[str, str]] = []
        session.indicatorChanged.connect(self._on_indicator_changed)
        session.structureChanged.connect(self._on_structure_changed)
        session.analysisChanged.connect(self._on_analysis_changed)

    # -- which form --------------------------------------------------------------------
    def set_form(self, form_id: str | None) -> None:
        self.beginResetModel()
        self.form_id = form_id
        self.columns = []
        if form_id is not None:
            definition = self.session.definition(form_id)
            section = definition.section(SectionType.INDICATORS)
            for key, label in section.indicator_columns:
                self.columns.append((key, label))
                if key == "score" and definition.scored:
                    self.columns.append((COMPUTED, "计算得分"))
                    if definition.scoring.bands:
                        self.columns.append((GRADE, "评定档次"))
        self.endResetModel()

    @property
    def indicators(self) -> list[Indicator]:
        if self.form_id is None or self.form_id not in self.session.workspace.forms:
            return []
        return self.session.workspace.forms[self.form_id].indicators

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
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section][1]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        key = self.columns[index.column()][0]
        if self.session.read_only or key == COMPUTED:
            return flags
        if key == GRADE and not self.grade_applies(self.indicators[index.row()]):
            return flags
        return flags | Qt.ItemFlag.ItemIsEditable

    @staticmethod
    def grade_applies(indicator: Indicator) -> bool:
        """The rules turn a grade into a score only where the target is not a number."""
        return not indicator.target.is_quantitative

    def bands(self):
        definition = self.session.definition(self.form_id) if self.form_id else None
        return definition.scoring.bands if definition is not None and definition.scoring else ()

    def _text(self, indicator: Indicator, key: str) -> str:
        if key in VALUE_COLUMNS:
            return getattr(indicator, key).raw
        if key in NUMBER_COLUMNS:
            return format_decimal(getattr(indicator, key))
        if key == COMPUTED:
            row = self.session.analysis(self.form_id).score.rows.get(indicator.id)
            return format_decimal(row.computed) if row else ""
        if key == GRADE:
            band = next((b for b in self.bands() if b.key == indicator.grade), None)
            return band.label if band else ""
        return getattr(indicator, key) or ""

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
        if role == Role.COMPUTED:
            row = self.session.analysis(self.form_id).score.rows.get(indicator.id)
            return row.computed if row else None
        if role == Qt.ItemDataRole.TextAlignmentRole and key in NUMBER_COLUMNS + (COMPUTED,):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and key == COMPUTED:
            return QBrush(QColor(110, 110, 110))
        issues = self._cell_issues(indicator, key)
        if role == Role.ISSUES:
            return issues
        severity = worst(issues)
        if role == Role.SEVERITY:
            return severity.value if severity else None
        if severity is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(SEVERITY_COLORS[severity])
        if role == Qt.ItemDataRole.DecorationRole:
            return severity_icon(severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(f"{i.severity.label}（{i.code}）：{i.message}" for i in issues)
        return None

    def _cell_issues(self, indicator: Indicator, key: str) -> list[Issue]:
        if self.form_id is None:
            return []
        return self.session.analysis(self.form_id).cell_issues(indicator.id, key)

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.session.read_only:
            return False
        key = self.columns[index.column()][0]
        if key == COMPUTED:
            return False
        indicator = self.indicators[index.row()]
        new = self.coerce(key, value)
        if new is False:
            return False
        old = getattr(indicator, key)
        if key in VALUE_COLUMNS and old.raw == new:
            return False
        if key not in VALUE_COLUMNS and old == new:
            return False
        label = self.columns[index.column()][1]
        return self.session.push(SetIndicatorCommand(
            self.session.workspace, self.form_id, indicator.id, key, new,
            f"修改第{index.row() + 1}行「{label}」"))

    def set_cells(self, cells: list[tuple[int, str, object]], text: str) -> int:
        """Several cells (row, column key, typed value) as one undo step: a merged 一级 cell
        renamed for its whole group, a cleared selection, a changed level. Returns how many
        cells changed; unusable values are skipped."""
        if self.session.read_only or self.form_id is None:
            return 0
        commands = []
        for row, key, value in cells:
            if key == COMPUTED or not (0 <= row < len(self.indicators)):
                continue
            if key == GRADE and not self.grade_applies(self.indicators[row]):
                continue
            new = self.coerce(key, value)
            if new is False:
                continue
            indicator = self.indicators[row]
            old = getattr(indicator, key)
            if (old.raw if key in VALUE_COLUMNS else old) == new:
                continue
            commands.append(SetIndicatorCommand(self.session.workspace, self.form_id, indicator.id, key, new, text))
        if not commands:
            return 0
        stack = self.session.undo_stack
        stack.beginMacro(text)
        try:
            for command in commands:
                stack.push(command)
        finally:
            stack.endMacro()
        return len(commands)

    def coerce(self, key: str, value):
        """Typed text → the attribute's value; False when unusable."""
        text = "" if value is None else str(value)
        if key in NUMBER_COLUMNS:
            return parse_decimal(text)
        if key in VALUE_COLUMNS:
            return text  # the workspace parses; the raw text is kept as typed
        if key == GRADE:
            text = text.strip()
            if not text:
                return None
            band = next((b for b in self.bands() if text in (b.key, b.label)), None)
            return band.key if band else False
        return text.strip() if key in ("level1", "level2") else text

    # -- domain → Qt -----------------------------------------------------------------------
    def _on_indicator_changed(self, form_id: str, indicator_id: str, attr: str) -> None:
        if form_id != self.form_id:
            return
        row, column = self.row_of(indicator_id), self.column_of(attr)
        if row >= 0 and column >= 0:
            index = self.index(row, column)
            self.dataChanged.emit(index, index, [int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.EditRole)])

    def _on_structure_changed(self, form_id: str, what: str, indicator_id: str, position: int) -> None:
        if form_id != self.form_id:
            return
        if what == "will_add_indicator":
            self.beginInsertRows(QModelIndex(), position, position)
        elif what == "indicator_added":
            self.endInsertRows()
        elif what == "will_remove_indicator":
            row = self.row_of(indicator_id)
            self.beginRemoveRows(QModelIndex(), row, row)
        elif what == "indicator_removed":
            self.endRemoveRows()
        elif what == "will_move_indicator":
            source = self.row_of(indicator_id)
            # Qt counts the destination before the move: moving down lands one further.
            destination = position + 1 if position > source else position
            self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), destination)
        elif what == "indicator_moved":
            self.endMoveRows()
        elif what == "will_reset_indicators":
            self.beginResetModel()
        elif what == "indicators_reset":
            self.endResetModel()

    def _on_analysis_changed(self, form_id: str) -> None:
        if form_id != self.form_id or not self.indicators or not self.columns:
            return
        self.dataChanged.emit(self.index(0, 0), self.index(len(self.indicators) - 1, len(self.columns) - 1),
                              [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.DecorationRole,
                               Qt.ItemDataRole.ToolTipRole, Role.SEVERITY, Role.ISSUES, Role.COMPUTED,
                               Qt.ItemDataRole.DisplayRole])

"""UI layer: the indicator table as people know it from the printed form and from Excel.

一级 and 二级 are drawn as merged cells over their groups; renaming a merged cell renames the
group. Enter moves down, Tab moves right, F2 edits, Delete clears, Ctrl+C / Ctrl+V copy and
paste tab-separated ranges to and from Excel or WPS. Each column gets its own editor: the
taxonomy's names for 一级 / 二级, the grade bands for 评定档次.
"""

from __future__ import annotations

import atexit

from datetime import datetime
from decimal import Decimal

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QMimeData, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QMenu,
    QStyledItemDelegate,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.model import Indicator, OverrideNote
from perfdesk.domain.provenance import confirmed_provenance
from perfdesk.editing.clipboard import paste, range_texts, to_html, to_tsv
from perfdesk.editing.commands import (
    InsertIndicatorsCommand,
    MoveIndicatorsCommand,
    RemoveIndicatorsCommand,
    SetScoreCommand,
    can_move,
)
from perfdesk.domain import scoring
from perfdesk.editing.indicator_model import (
    COMPUTED,
    GRADE,
    LAST_ACTUAL,
    LAST_TARGET,
    IndicatorTableModel,
    Role,
    format_decimal,
)

from .dialogs import Ask, LevelDialog, WeightDialog
from .looks import bold, fill, text_color
from .viewports import own_viewport

LEVEL_COLUMNS = ("level1", "level2")
# frozen at the left when the table scrolls right (Excel's 冻结窗格): the columns up to 三级
FROZEN_UP_TO = "level3"
FROZEN_SHARE = 0.6  # frozen columns wider than this share of the table: no freezing (nothing else would show)
# long texts: wrapped in the cell, edited in a multi-line editor (Alt+Enter: new line)
MULTILINE_COLUMNS = ("level3", "actual", "reason")
ROW_HEIGHT = 30  # one line, as before
MAX_ROW_HEIGHT = 240  # a very long text scrolls in its editor rather than filling the screen
ZOOM_MIN, ZOOM_MAX, ZOOM_STEP = 50, 200, 10  # the table's zoom, in percent
COLUMN_WIDTHS = {"level1": 88, "level2": 104, "level3": 210, "target": 120, "actual": 130,
                 "weight": 52, "score": 52, COMPUTED: 64, GRADE: 150, "reason": 220,
                 LAST_TARGET: 110, LAST_ACTUAL: 110}


def grade_choices(model: IndicatorTableModel, row: int) -> list[tuple[object, str]]:
    """(band, text) for the 评定档次 picker: "良（3.60–4.80，计 4.20 分）" for a 分值 of 6."""
    definition = model.session.definition(model.form_id)
    weight = model.indicator_at(row).weight
    choices = []
    for band in scoring.grade_bands(definition.scoring, weight):
        if band.low is None:
            choices.append((band, f"{band.label}（先填分值）"))
        else:
            choices.append((band, f"{band.label}（{format_decimal(band.low)}–{format_decimal(band.high)}，"
                                  f"计 {format_decimal(band.score)} 分）"))
    return choices


def caret_to_end(editor) -> None:
    """Put the caret after the last character of a text editor, selecting nothing."""
    if isinstance(editor, QComboBox):
        editor = editor.lineEdit()
    if isinstance(editor, QLineEdit):
        editor.deselect()
        editor.end(False)
    elif isinstance(editor, QPlainTextEdit):
        from PySide6.QtGui import QTextCursor  # its Python type when a long text is first edited

        editor.moveCursor(QTextCursor.MoveOperation.End)


class IndicatorDelegate(QStyledItemDelegate):
    def __init__(self, view: "IndicatorView"):
        super().__init__(view)
        self.view = view

    @property
    def model(self) -> IndicatorTableModel:
        return self.view.model()

    def createEditor(self, parent, option, index):
        key = index.data(Role.COLUMN_KEY)
        model = self.model
        if key in LEVEL_COLUMNS or key == GRADE:
            combo = QComboBox(parent)
            if key == GRADE:
                # Each band with the scores it allows for this row's 分值 and the one it gives.
                combo.addItem("（未评定）", "")
                for band, text in grade_choices(model, index.row()):
                    combo.addItem(text, band.key)
            else:
                combo.setEditable(True)
                taxonomy = model.session.definition(model.form_id).taxonomy
                if key == "level1":
                    combo.addItems(taxonomy.level1_names())
                else:
                    found = taxonomy.find(model.indicator_at(index.row()).level1)
                    combo.addItems(list(found.level2) if found else [])
            return combo
        if key in MULTILINE_COLUMNS and self.view.editing_trigger != QAbstractItemView.EditTrigger.AnyKeyPressed:
            # F2 / double-click: the whole text, several lines. Typing on the cell starts a
            # fresh one-line value (Alt+Enter there moves on to this editor).
            editor = QPlainTextEdit(parent)
            editor.setTabChangesFocus(True)
            editor.setFrameShape(QFrame.Shape.NoFrame)
            return editor
        return super().createEditor(parent, option, index)

    def updateEditorGeometry(self, editor, option, index):
        if isinstance(editor, QPlainTextEdit):
            # room for a few lines even in a one-line row
            rect = option.rect
            rect.setHeight(max(rect.height(), 3 * option.fontMetrics.lineSpacing() + 10))
            editor.setGeometry(rect)
            return
        super().updateEditorGeometry(editor, option, index)

    def eventFilter(self, editor, event):
        # Alt+↑ / Alt+↓ in an open editor belong to it (a drop-down opens its list), not to
        # the window's 上移 / 下移: claim them before the shortcut sees them.
        if (event.type() == QEvent.Type.ShortcutOverride
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
                and event.modifiers() & Qt.KeyboardModifier.AltModifier):
            event.accept()
            return True
        if (isinstance(editor, QLineEdit) and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.AltModifier
                and self.view.currentIndex().data(Role.COLUMN_KEY) in MULTILINE_COLUMNS):
            # Alt+Enter in a one-line start: go on in the multi-line editor with a new line
            position = editor.cursorPosition()
            text = editor.text()[:position] + "\n" + editor.text()[position:]
            self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            QTimer.singleShot(0, lambda: self.view.edit_multiline(text, position + 1))
            return True
        if (isinstance(editor, QPlainTextEdit) and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            if event.modifiers() & Qt.KeyboardModifier.AltModifier:
                editor.insertPlainText("\n")  # Alt+Enter: a new line in the cell, as in Excel
            else:
                self.commitData.emit(editor)
                self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.SubmitModelCache)
            return True
        return super().eventFilter(editor, event)

    def setEditorData(self, editor, index):
        if isinstance(editor, QComboBox) and index.data(Role.COLUMN_KEY) == GRADE:
            found = editor.findData(self.model.indicator_at(index.row()).grade or "")
            editor.setCurrentIndex(max(found, 0))
            return
        if isinstance(editor, QComboBox):
            editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole) or "")
            return
        if isinstance(editor, QPlainTextEdit):
            editor.setPlainText(index.data(Qt.ItemDataRole.EditRole) or "")
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor, model, index):
        if isinstance(editor, QComboBox):
            text = editor.currentText()
        elif isinstance(editor, QPlainTextEdit):
            text = editor.toPlainText()
        else:
            text = editor.text()
        key = index.data(Role.COLUMN_KEY)
        if key == GRADE and isinstance(editor, QComboBox):
            text = editor.currentData() or ""
        if key in LEVEL_COLUMNS:
            rows = self.view.span_rows(index)
            if len(rows) > 1:
                label = "一级指标" if key == "level1" else "二级指标"
                model.set_cells([(row, key, text) for row in rows], f"重命名{label}「{text.strip()}」")
                return
        model.setData(index, text, Qt.ItemDataRole.EditRole)


class FrozenColumns(QTableView):
    """The 一级–三级 columns drawn again over the left edge of the table, so they stay in
    sight when the table scrolls right (Excel's 冻结窗格; Qt's "Frozen Column" example).

    It shares the table's model and selection model and copies its row heights, merged
    cells, font and column widths. It never takes the keyboard focus: keys, editors and the
    context menu all stay with the table underneath, so every key works as before."""

    def __init__(self, table: "IndicatorView"):
        super().__init__(table)
        own_viewport(self)
        self.table = table
        self.setObjectName("frozenColumns")
        self.setModel(table.model())
        self.setSelectionModel(table.selectionModel())
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(table.selectionMode())
        self.setWordWrap(True)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setMinimumSectionSize(table.verticalHeader().minimumSectionSize())
        self.verticalHeader().setDefaultSectionSize(table.verticalHeader().defaultSectionSize())
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(table.verticalScrollMode())
        self.setFrameShape(QFrame.Shape.NoFrame)
        # a line where the frozen part ends, as Excel draws it
        self.setStyleSheet("QTableView#frozenColumns { border: none; border-right: 2px solid #9aa4b2; }")
        # never painted as "out of focus": the table below has the focus for both
        palette = self.palette()
        for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText):
            palette.setColor(QPalette.ColorGroup.Inactive, role, palette.color(QPalette.ColorGroup.Active, role))
        self.setPalette(palette)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        # one vertical scroll for both
        self.verticalScrollBar().valueChanged.connect(table.verticalScrollBar().setValue)
        table.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        # a frozen column resized with the mouse here resizes it in the table too
        self.horizontalHeader().sectionResized.connect(self._on_own_column_resized)

    def _on_own_column_resized(self, column: int, old: int, new: int) -> None:
        if (column < self.table.frozen_count() and new > 0 and not self.isColumnHidden(column)
                and self.table.columnWidth(column) != new):
            self.table.setColumnWidth(column, new)

    def _context_menu(self, position: QPoint) -> None:
        at = self.table.viewport().mapFromGlobal(self.viewport().mapToGlobal(position))
        self.table.customContextMenuRequested.emit(at)

    def mousePressEvent(self, event) -> None:
        self.table.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid():
            self.table.setFocus(Qt.FocusReason.MouseFocusReason)
            if self.table.currentIndex() != index:
                self.table.setCurrentIndex(index)
            self.table.edit(index, QAbstractItemView.EditTrigger.DoubleClicked, event)
            return
        super().mouseDoubleClickEvent(event)

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.table.wheelEvent(event)
            return
        super().wheelEvent(event)


class IndicatorView(QTableView):
    """The table widget; the panel around it holds the actions."""

    pasteRefused = Signal(str)
    zoomChanged = Signal(int)

    def __init__(self, model: IndicatorTableModel, parent=None):
        super().__init__(parent)
        own_viewport(self)
        self.zoom = 100  # percent of the normal font and row height (Ctrl+wheel, Ctrl+= / Ctrl+0)
        self._base_point_size: float | None = None  # the font at 100 %, noted on the first zoom
        self.setModel(model)
        self.setItemDelegate(IndicatorDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setWordWrap(True)
        self.setAlternatingRowColors(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.verticalHeader().setMinimumSectionSize(ROW_HEIGHT)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setStyleSheet("QTableView { gridline-color: #b8b8b8; }")
        self._span_signature: tuple = ()
        self.editing_trigger = None  # what opened the editor being created (see createEditor)
        self._spans: dict[int, list[tuple[int, int]]] = {}  # column -> merged (top, height)
        model.modelReset.connect(self._on_reset)
        model.columnsInserted.connect(self._on_reset)
        model.columnsRemoved.connect(self._on_reset)
        # Rows inserted, removed or moved: merged cells, row heights and the frozen part follow
        # once per step, not once per row (a 100-row paste is 100 inserts in one step).
        self._pending_rows: set[int] = set()
        self._pending_events = 0
        self._flush_queued = False
        self._fitted: set[int] = set()  # rows measured since the step began (not twice)
        model.rowsInserted.connect(lambda parent, first, last: self._rows_changed(first, last - first + 1))
        model.rowsRemoved.connect(lambda parent, first, last: self._rows_changed(first, -(last - first + 1)))
        model.rowsMoved.connect(lambda parent, start, end, destination, row:
                                self._rows_changed(min(start, row), 0, range(min(start, row) - 1, max(end, row) + 2)))
        model.dataChanged.connect(self._on_data_changed)
        self._refit = QTimer(self)  # a column's new width re-wraps its texts, once per burst
        self._refit.setSingleShot(True)
        self._refit.setInterval(50)
        self._refit.timeout.connect(lambda: self.fit_rows(range(self.model().rowCount())))
        self.horizontalHeader().sectionResized.connect(self._on_column_resized)
        # connected after the model's own slot: the model has noted the step's changes by then
        model.session.stepFinished.connect(self._after_step)
        # 一级–三级 stay in sight when the table scrolls right; the table scrolls by pixels so
        # the columns slide under the frozen part instead of jumping a column at a time.
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self._frozen_editing = False  # a frozen cell is being edited here: the overlay steps aside
        self._scroll_before_edit = 0  # the sideways scroll when that edit began
        self._opening_editor = False
        self.frozen = FrozenColumns(self)
        # connected after the frozen view's own slots: its rows and columns are in step by then
        for signal in (model.modelReset, model.columnsInserted, model.columnsRemoved, model.layoutChanged):
            signal.connect(self.sync_frozen)
        self.verticalHeader().sectionResized.connect(self._on_row_resized)
        self.verticalHeader().geometriesChanged.connect(self.update_frozen_geometry)
        self.horizontalHeader().geometriesChanged.connect(self.update_frozen_geometry)
        self.sync_frozen()

    def model(self) -> IndicatorTableModel:  # narrower type for readers
        return super().model()

    def _on_reset(self, *args) -> None:
        model = self.model()
        for column, (key, _) in enumerate(model.columns):
            self.setColumnWidth(column, COLUMN_WIDTHS.get(key, 100))
        self._span_signature = ()
        self.refresh_spans()
        self.fit_rows(range(model.rowCount()))
        # Measured at the widths just set: the re-fit their resize events asked for is done.
        self._refit.stop()

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles=()) -> None:
        """Spans follow the 一级 / 二级 texts: look again only when one of those changed.
        Rows whose text changed get the height their wrapped text needs."""
        if roles and all(int(role) != int(Qt.ItemDataRole.DisplayRole) for role in roles):
            return
        model = self.model()
        self._flush_rows()  # rows that came in this step first: then they are measured once
        keys = [model.columns[c][0] for c in range(top_left.column(), bottom_right.column() + 1)
                if 0 <= c < len(model.columns)]
        first, last = top_left.row(), bottom_right.row()
        if any(key in LEVEL_COLUMNS for key in keys) and self.refresh_spans():
            # A row that joined or left a merged cell is next to a changed one: it may need
            # another height (a 一级 / 二级 of its own wraps within its row).
            first, last = max(first - 1, 0), last + 1
        if any(key in MULTILINE_COLUMNS or key in LEVEL_COLUMNS for key in keys):
            rows = [r for r in range(first, last + 1) if r not in self._fitted]
            self.fit_rows(rows)
            if getattr(model.session.workspace, "in_step", False) or self._flush_queued:
                self._fitted.update(rows)

    def _rows_changed(self, first: int, count: int, moved=()) -> None:
        """Rows came (`count` > 0), went (< 0) or moved (`moved`: the rows around them):
        inside a step, note which rows need measuring — shifted as later changes shift them —
        and catch up when the step ends (`_flush_rows`); outside one, at once."""
        if count > 0:
            self._pending_rows = {r + count if r >= first else r for r in self._pending_rows}
            self._pending_rows.update(range(first, first + count))
        elif count < 0:
            gone = -count
            self._pending_rows = {r - gone if r >= first + gone else r for r in self._pending_rows
                                  if not first <= r < first + gone}
        self._pending_rows.update(moved)
        self._pending_events += 1
        if getattr(self.model().session.workspace, "in_step", False):
            if not self._flush_queued:  # should the step end without stepFinished
                self._flush_queued = True
                QTimer.singleShot(0, self._end_of_step)
            return
        self._flush_rows()

    def _flush_rows(self) -> None:
        if not self._pending_events:
            return
        count = self.model().rowCount()
        rows = sorted(r for r in self._pending_rows if 0 <= r < count and r not in self._fitted)
        self._pending_rows, self._pending_events = set(), 0
        self.refresh_spans()
        self.fit_rows(rows)
        self._fitted.update(rows)
        self.sync_frozen()

    def _end_of_step(self) -> None:
        self._flush_queued = False
        self._flush_rows()
        self._fitted.clear()

    def _after_step(self) -> None:
        """After undo / redo, select the cells the step changed (whole rows for rows put
        back or moved), as Excel shows where an undo took effect."""
        self._end_of_step()
        model = self.model()
        if not getattr(model.session, "replaying", False) or not model.last_step_changes:
            return
        selection = QItemSelection()
        first = None
        last_column = model.columnCount() - 1
        for indicator_id, key in model.last_step_changes:
            row = model.row_of(indicator_id)
            column = model.column_of(key) if key is not None else -1
            if row < 0 or last_column < 0:
                continue
            if column < 0:
                selection.select(model.index(row, 0), model.index(row, last_column))
                index = model.index(row, max(self.currentIndex().column(), 0))
            else:
                index = model.index(row, column)
                selection.select(index, index)
            if first is None or (index.row(), index.column()) < (first.row(), first.column()):
                first = index
        if first is None:
            return
        self.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.scrollTo(first)

    # -- frozen 一级–三级 ----------------------------------------------------------------------
    def frozen_count(self) -> int:
        """How many columns from the left stay frozen: up to 三级 (0 when the form has none)."""
        model = self.model()
        column = model.column_of(FROZEN_UP_TO) if model.columns else -1
        return column + 1 if column >= 0 else 0

    def frozen_width(self) -> int:
        return sum(self.columnWidth(c) for c in range(self.frozen_count()) if not self.isColumnHidden(c))

    def frozen_active(self) -> bool:
        """The frozen part is shown: there are frozen columns, they leave room for the others,
        and no frozen cell is being edited (its editor lives in the table underneath)."""
        count = self.frozen_count()
        return (count > 0 and count < self.model().columnCount() and not self._frozen_editing
                and self.frozen_width() <= self.viewport().width() * FROZEN_SHARE)

    def sync_frozen(self, *args) -> None:
        """Columns, widths, merged cells and row heights of the frozen part as in the table."""
        frozen = getattr(self, "frozen", None)
        if frozen is None:
            return
        count = self.frozen_count()
        for column in range(self.model().columnCount()):
            hidden = column >= count
            if frozen.isColumnHidden(column) != hidden:
                frozen.setColumnHidden(column, hidden)
            if not hidden and frozen.columnWidth(column) != self.columnWidth(column):
                frozen.setColumnWidth(column, self.columnWidth(column))
        self._frozen_spans()
        self._frozen_rows()
        self.update_frozen_geometry()

    def _frozen_spans(self) -> None:
        frozen = getattr(self, "frozen", None)
        if frozen is None or frozen.verticalHeader().count() != self.model().rowCount():
            return  # mid-change: sync_frozen comes once the frozen view has the rows
        frozen.clearSpans()
        for column, spans in self._spans.items():
            for top, height in spans:
                frozen.setSpan(top, column, height, 1)

    def _frozen_rows(self) -> None:
        frozen, header = self.frozen, self.verticalHeader()
        if frozen.verticalHeader().count() != header.count():
            return
        for row in range(header.count()):
            if frozen.rowHeight(row) != header.sectionSize(row):
                frozen.setRowHeight(row, header.sectionSize(row))
        frozen.verticalScrollBar().setValue(self.verticalScrollBar().value())

    def _on_row_resized(self, row: int, old: int, new: int) -> None:
        frozen = getattr(self, "frozen", None)
        if frozen is not None and frozen.verticalHeader().count() == self.verticalHeader().count() \
                and frozen.rowHeight(row) != new:
            frozen.setRowHeight(row, new)

    def update_frozen_geometry(self) -> None:
        frozen = getattr(self, "frozen", None)
        if frozen is None:
            return
        if self._frozen_editing and not self._opening_editor and self.state() != QAbstractItemView.State.EditingState:
            self._frozen_editing = False  # the editor went without closeEditor (a new form, a reset)
        if not self.frozen_active():
            frozen.hide()
            return
        frame = self.frameWidth()
        header_height = self.horizontalHeader().height()
        if frozen.horizontalHeader().height() != header_height:
            frozen.horizontalHeader().setFixedHeight(header_height)
        frozen.setGeometry(self.verticalHeader().width() + frame, frame,
                           self.frozen_width() + 2, self.viewport().height() + header_height)
        frozen.verticalScrollBar().setValue(self.verticalScrollBar().value())
        if not frozen.isVisible():
            frozen.show()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.update_frozen_geometry()

    def updateGeometries(self) -> None:
        super().updateGeometries()
        self.update_frozen_geometry()

    def indexAt(self, position: QPoint) -> QModelIndex:
        """What shows at `position` of the viewport: over the frozen part, its cell."""
        frozen = getattr(self, "frozen", None)
        if frozen is not None and frozen.isVisible() and 0 <= position.x() < self.frozen_width():
            return frozen.indexAt(position)
        return super().indexAt(position)

    def scrollTo(self, index, hint=QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        """A frozen cell scrolls the table only up or down; any other cell comes out from
        under the frozen part."""
        frozen = getattr(self, "frozen", None)
        if not index.isValid() or frozen is None or not frozen.isVisible():
            super().scrollTo(index, hint)
            return
        bar = self.horizontalScrollBar()
        if index.column() < self.frozen_count():
            value = bar.value()
            super().scrollTo(index, hint)
            bar.setValue(value)
            return
        super().scrollTo(index, hint)
        left, width = self.visualRect(index).left(), self.frozen_width()
        if left < width:
            bar.setValue(bar.value() - (width - left))

    def _end_frozen_edit(self) -> None:
        if self._frozen_editing and self.state() != QAbstractItemView.State.EditingState:
            self._frozen_editing = False
            # The table went left to show the editor under the frozen columns: it goes back to
            # where the user had scrolled, as if the cell had been edited in place.
            self.horizontalScrollBar().setValue(self._scroll_before_edit)
            self.update_frozen_geometry()

    # -- row heights: wrapped long texts ----------------------------------------------------
    def fit_rows(self, rows) -> None:
        """Give these rows the height their wrapped texts need (one line at least, a few
        hundred pixels at most). Only the rows asked for are measured, never the table. A
        一级 / 二级 counts where it is a row's own (not merged over several rows): 服务对象满意度指标
        over one row wraps there instead of being cut short."""
        model = self.model()
        columns = [c for c, (key, _) in enumerate(model.columns) if key in MULTILINE_COLUMNS]
        levels = [c for c, (key, _) in enumerate(model.columns) if key in LEVEL_COLUMNS]
        if not columns and not levels:
            return
        header = self.verticalHeader()
        for row in rows:
            if not 0 <= row < model.rowCount():
                continue
            height = self.row_height()
            for column in columns + [c for c in levels if not self._in_span(row, c)]:
                index = model.index(row, column)
                text = index.data()
                if text:
                    width = self.columnWidth(column)
                    if index.data(Qt.ItemDataRole.DecorationRole) is not None:
                        width -= 18  # an issue's dot sits before the text
                    height = max(height, self._text_height(text, width))
            height = min(height, MAX_ROW_HEIGHT * self.zoom // 100)
            if header.sectionSize(row) != height:
                header.resizeSection(row, height)

    # -- zoom -------------------------------------------------------------------------------
    def row_height(self) -> int:
        """A one-line row at the present zoom."""
        return round(ROW_HEIGHT * self.zoom / 100)

    def set_zoom(self, percent: int) -> int:
        """Scale the table's font and row heights (50–200 %). Returns the zoom in force."""
        percent = int(min(max(percent, ZOOM_MIN), ZOOM_MAX))
        if percent == self.zoom:
            return percent
        if self._base_point_size is None:
            self._base_point_size = self.font().pointSizeF()
        self.zoom = percent
        font = QFont(self.font())
        font.setPointSizeF(self._base_point_size * percent / 100)
        self.setFont(font)
        self.frozen.setFont(font)
        header = self.verticalHeader()
        header.setMinimumSectionSize(min(self.row_height(), ROW_HEIGHT))
        header.setDefaultSectionSize(self.row_height())
        frozen = self.frozen.verticalHeader()
        frozen.setMinimumSectionSize(header.minimumSectionSize())
        frozen.setDefaultSectionSize(header.defaultSectionSize())
        self.fit_rows(range(self.model().rowCount()))
        self.sync_frozen()
        self.zoomChanged.emit(percent)
        return percent

    def zoom_by(self, steps: int) -> int:
        return self.set_zoom(self.zoom + steps * ZOOM_STEP)

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoom_by(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def _text_height(self, text: str, width: int) -> int:
        metrics = self.fontMetrics()
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)
        bounds = metrics.boundingRect(0, 0, max(width - 10, 10), 100000, flags, text)
        return bounds.height() + 10

    def _on_column_resized(self, column: int, old: int, new: int) -> None:
        frozen = getattr(self, "frozen", None)
        if frozen is not None and column < self.frozen_count():
            if frozen.columnWidth(column) != new:
                frozen.setColumnWidth(column, new)
            self.update_frozen_geometry()
        model = self.model()
        if 0 <= column < len(model.columns) and model.columns[column][0] in MULTILINE_COLUMNS + LEVEL_COLUMNS:
            self._refit.start()

    # -- 一级 / 二级 as merged cells ------------------------------------------------------
    def refresh_spans(self, *args) -> bool:
        """Merge each run of rows with the same 一级 (and 二级) into one cell. Returns whether
        the runs changed."""
        model = self.model()
        signature = tuple((ind.level1, ind.level2) for ind in model.indicators)
        if signature == self._span_signature:
            return False
        self._span_signature = signature
        self.clearSpans()
        self._spans = {}
        c1, c2 = model.column_of("level1"), model.column_of("level2")
        for column, key_of in ((c1, lambda s: s[0]), (c2, lambda s: s)):
            if column < 0:
                continue
            start = 0
            for row in range(1, len(signature) + 1):
                if row == len(signature) or key_of(signature[row]) != key_of(signature[start]):
                    if row - start > 1 and key_of(signature[start]) not in ("", ("", "")):
                        self.setSpan(start, column, row - start, 1)
                        self._spans.setdefault(column, []).append((start, row - start))
                    start = row
        self._frozen_spans()
        return True

    def _in_span(self, row: int, column: int) -> bool:
        return any(top <= row < top + height for top, height in self._spans.get(column, ()))

    def span_rows(self, index: QModelIndex) -> list[int]:
        """All rows of the merged cell that holds `index` (from its top, not from the index),
        or just the index's row."""
        row, column = index.row(), index.column()
        for top, height in self._spans.get(column, ()):
            if top <= row < top + height:
                return list(range(top, top + height))
        return [row]

    def _is_span_top(self, index: QModelIndex) -> bool:
        return any(top == index.row() for top, _ in self._spans.get(index.column(), ()))

    def _cell_rows(self, index: QModelIndex) -> list[int]:
        """The rows a selected cell stands for in cell actions (Delete, copy): the whole group
        when the merged cell itself was chosen, only its row when the row was chosen (a
        click on the row number selects every column of that one row)."""
        model = self.model()
        if (self._is_span_top(index) and model.columns[index.column()][0] in LEVEL_COLUMNS
                and not self.selectionModel().isRowSelected(index.row(), QModelIndex())):
            return self.span_rows(index)
        return [index.row()]

    # -- Excel habits ------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        """The rows row actions (插入行, 删除行, 上移, 下移, 更改层级…) act on: exactly the rows
        with a selected cell. A merged 一级 / 二级 cell does not widen them to its group."""
        rows = {index.row() for index in self.selectionModel().selectedIndexes()}
        if not rows and self.currentIndex().isValid():
            rows.add(self.currentIndex().row())
        return sorted(rows)

    def selection_rectangle(self) -> tuple[list[int], list[int]]:
        indexes = self.selectionModel().selectedIndexes() or ([self.currentIndex()] if self.currentIndex().isValid() else [])
        rows = sorted({r for i in indexes for r in self._cell_rows(i)})
        columns = sorted({i.column() for i in indexes})
        if rows and columns:
            return list(range(rows[0], rows[-1] + 1)), list(range(columns[0], columns[-1] + 1))
        return [], []

    def copy_selection(self) -> str:
        rows, columns = self.selection_rectangle()
        if not rows:
            return ""
        return copy_block(range_texts(self.model(), rows, columns))

    def paste_clipboard(self, text: str | None = None) -> int:
        model = self.model()
        if model.session.read_only:
            self.pasteRefused.emit("文件只读，不能粘贴。")
            return 0
        text = QGuiApplication.clipboard().text() if text is None else text
        rows, columns = self.selection_rectangle()
        top, left = (rows[0], columns[0]) if rows else (model.rowCount(), 0)
        return paste(model, top, left, text)

    def clear_selection_cells(self) -> int:
        model = self.model()
        cells = []
        for index in self.selectionModel().selectedIndexes():
            if index.flags() & Qt.ItemFlag.ItemIsEditable:
                key = model.columns[index.column()][0]
                rows = self._cell_rows(index)
                cells.extend((row, key, "") for row in rows)
        return model.set_cells(cells, "清除内容") if cells else 0

    def fill_down(self) -> int:
        """Ctrl+D, as in Excel: the top cell of each selected column goes into the selected
        cells below it, as one undo step. Returns how many cells changed."""
        model = self.model()
        if model.session.read_only:
            self.pasteRefused.emit("文件只读，不能填充。")
            return 0
        rows, columns = self.selection_rectangle()
        if len(rows) < 2:
            return 0
        top = rows[0]
        cells = []
        for column in columns:
            source = model.index(top, column)
            if not source.flags() & Qt.ItemFlag.ItemIsEditable:
                continue
            key = model.columns[column][0]
            text = model.data(source) or ""
            cells.extend((row, key, text) for row in rows[1:]
                         if model.index(row, column).flags() & Qt.ItemFlag.ItemIsEditable)
        return model.set_cells(cells, "向下填充") if cells else 0

    def move_current(self, rows: int = 0, columns: int = 0) -> None:
        current = self.currentIndex()
        if not current.isValid():
            return
        # Down from a merged 一级 cell lands below the whole group, as in Excel.
        step = max(self.rowSpan(current.row(), current.column()), 1) if rows > 0 else rows
        row = min(max(current.row() + step, 0), self.model().rowCount() - 1)
        column = min(max(current.column() + columns, 0), self.model().columnCount() - 1)
        self.setCurrentIndex(self.model().index(row, column))

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_clipboard()
            return
        if self.state() != QAbstractItemView.State.EditingState:
            if event.key() == Qt.Key.Key_D and event.modifiers() == Qt.KeyboardModifier.ControlModifier:
                self.fill_down()
                return
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                # Zoom: Ctrl+= (or Ctrl++) larger, Ctrl+Shift+- smaller (Ctrl+- deletes rows),
                # Ctrl+0 back to 100 %.
                if event.key() in (Qt.Key.Key_Equal, Qt.Key.Key_Plus):
                    self.zoom_by(1)
                    return
                if event.key() in (Qt.Key.Key_Underscore, Qt.Key.Key_Minus) \
                        and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self.zoom_by(-1)
                    return
                if event.key() == Qt.Key.Key_0:
                    self.set_zoom(100)
                    return
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.move_current(rows=-1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
                return
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.clear_selection_cells()
                return
        super().keyPressEvent(event)

    def edit(self, index, trigger=None, event=None):
        if trigger is None:  # the public edit(index): Qt calls back with a trigger
            return super().edit(index)
        self.editing_trigger = trigger
        frozen = getattr(self, "frozen", None)
        frozen_cell = (frozen is not None and frozen.isVisible() and index.isValid()
                       and index.column() < self.frozen_count())
        if frozen_cell and self.state() != QAbstractItemView.State.EditingState:
            # The editor opens in the table underneath: bring the frozen columns' own place
            # into sight there, and let the frozen part step aside while the cell is edited.
            self._frozen_editing = True
            self._scroll_before_edit = self.horizontalScrollBar().value()  # back there afterwards
            self.horizontalScrollBar().setValue(0)
            self.frozen.hide()
        self._opening_editor = True
        try:
            opened = super().edit(index, trigger, event)
        finally:
            self._opening_editor = False
        if frozen_cell and not opened:  # (Qt asks on every move of the current cell)
            self._frozen_editing = False
            self.horizontalScrollBar().setValue(self._scroll_before_edit)
            self.update_frozen_geometry()
        if opened and trigger == QAbstractItemView.EditTrigger.EditKeyPressed:
            # F2 as in Excel: the caret at the end of the text, nothing selected.
            caret_to_end(self.indexWidget(index))
        return opened

    def edit_multiline(self, text: str, caret: int) -> None:
        """Reopen the current long-text cell in the multi-line editor with `text` typed so far."""
        index = self.currentIndex()
        if not index.isValid() or self.state() == QAbstractItemView.State.EditingState:
            return
        if not self.edit(index, QAbstractItemView.EditTrigger.EditKeyPressed, None):
            return
        editor = self.indexWidget(index)
        if isinstance(editor, QPlainTextEdit):
            editor.setPlainText(text)
            cursor = editor.textCursor()
            cursor.setPosition(min(caret, len(text)))
            editor.setTextCursor(cursor)

    def closeEditor(self, editor, hint) -> None:
        # The delegate closes with SubmitModelCache exactly when Enter committed the cell:
        # like Excel, go on to the cell below.
        super().closeEditor(editor, hint)
        self._end_frozen_edit()
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            self.move_current(rows=1)

    def select_cell(self, row: int, column: int) -> None:
        index = self.model().index(row, column)
        if not index.isValid():
            return
        self.setCurrentIndex(index)
        self.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.scrollTo(index)
        self.setFocus()


class IndicatorPanel(QWidget):
    """The table with its row actions: insert, delete, move, change level, weight helper."""

    message = Signal(str)
    fixRequested = Signal(object)  # a domain Fix offered in a cell's context menu

    def __init__(self, model: IndicatorTableModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.view = IndicatorView(model, self)
        self.view.pasteRefused.connect(self.message)
        model.refused.connect(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.title = QLabel("绩效指标")
        bold(self.title)
        bar.addWidget(self.title)
        bar.addStretch(1)
        self.buttons: dict[str, QToolButton] = {}
        for key, text, slot in (("insert", "插入行", self.insert_row), ("delete", "删除行", self.delete_rows),
                                ("up", "上移", lambda: self.move_rows(-1)), ("down", "下移", lambda: self.move_rows(1)),
                                ("level", "更改层级…", self.change_level), ("weights", "分值配平…", self.balance_weights),
                                ("confirm", "确认结转值", self.confirm_carried)):
            button = QToolButton()
            button.setText(text)
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[key] = button
        self.buttons["confirm"].setToolTip("淡紫色的单元格是从上年结转来的值；选中后点此确认，或直接修改")
        self.last_year = QToolButton()
        self.last_year.setText("显示上年值")
        self.last_year.setCheckable(True)
        self.last_year.toggled.connect(model.set_show_last_year)
        bar.addWidget(self.last_year)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        # 评分说明: how the selected row's 得分 comes about, with its numbers.
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text_color(self.explanation, "#333")
        fill(self.explanation, "#f4f6fa")
        self.explanation.setContentsMargins(4, 2, 4, 2)
        self.explanation.hide()
        layout.addWidget(self.explanation)
        model.reason_asker = self._ask_reason
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._show_explanation)
        model.dataChanged.connect(self._show_explanation)
        model.modelReset.connect(self._show_explanation)

    @property
    def session(self):
        return self.model.session

    def set_read_only(self, read_only: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(not read_only)

    def set_form_info(self, has_history: bool) -> None:
        """Last year's columns only make sense where the project has an earlier year."""
        self.last_year.setEnabled(has_history)
        if not has_history:
            self.last_year.setChecked(False)

    def set_scored(self, scored: bool) -> None:
        self.buttons["weights"].setVisible(scored)

    # -- row actions -----------------------------------------------------------------------
    def _push(self, command) -> bool:
        return self.session.push(command)

    def insert_row(self) -> None:
        model = self.model
        if model.form_id is None or self.session.read_only:
            return
        rows = self.view.selected_rows()
        if rows:
            template = model.indicator_at(rows[-1])
            position = rows[-1] + 1
            level1, level2 = template.level1, template.level2
        else:
            taxonomy = self.session.definition(model.form_id).taxonomy
            position = model.rowCount()
            level1 = taxonomy.level1[0].name if taxonomy.level1 else ""
            level2 = taxonomy.level1[0].level2[0] if taxonomy.level1 and taxonomy.level1[0].level2 else ""
        indicator = Indicator(level1=level1, level2=level2)
        if self._push(InsertIndicatorsCommand(self.session.workspace, model.form_id, [(position, indicator)],
                                              f"插入第{position + 1}行")):
            self.view.select_cell(position, model.column_of("level3"))

    def delete_rows(self) -> None:
        model = self.model
        rows = self.view.selected_rows()
        if model.form_id is None or not rows:
            return
        ids = [model.indicator_at(r).id for r in rows]
        self._push(RemoveIndicatorsCommand(self.session.workspace, model.form_id, ids, f"删除 {len(ids)} 行指标"))
        if model.rowCount():
            self.view.select_cell(min(rows[0], model.rowCount() - 1), max(self.view.currentIndex().column(), 0))

    def move_rows(self, step: int) -> None:
        model = self.model
        rows = self.view.selected_rows()
        if model.form_id is None or not rows:
            return
        ids = [model.indicator_at(r).id for r in rows]
        if not can_move(self.session.workspace, model.form_id, ids, step):
            edge = rows[0] + step < 0 or rows[-1] + step >= model.rowCount()
            if not edge:
                self.message.emit("上移、下移只在同一个二级指标内进行；要移到别的指标分组，请用“更改层级…”。")
            return
        column = max(self.view.currentIndex().column(), 0)
        if self._push(MoveIndicatorsCommand(self.session.workspace, model.form_id, ids, step,
                                            "上移指标" if step < 0 else "下移指标")):
            selection = QItemSelection()
            for indicator_id in ids:
                row = model.row_of(indicator_id)
                selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
            self.view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.view.setCurrentIndex(model.index(model.row_of(ids[0]), column))
            self.view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def confirm_carried(self) -> int:
        """Confirm the rolled-forward values of the selected rows (all rows when none is
        selected), as one undo step. Returns how many rows changed."""
        model = self.model
        if model.form_id is None or self.session.read_only:
            return 0
        rows = self.view.selected_rows() or list(range(model.rowCount()))
        plan = model.plan_cells([(row, "provenance", confirmed_provenance(model.indicator_at(row).provenance))
                                 for row in rows], "确认结转值")
        if not plan:
            self.message.emit("所选行没有待确认的结转值。")
            return 0
        return model.run_plan(plan, f"确认 {plan.cells} 行的结转值")

    def change_level(self) -> None:
        model = self.model
        rows = self.view.selected_rows()
        if model.form_id is None or not rows or self.session.read_only:
            return
        first = model.indicator_at(rows[0])
        answer = LevelDialog.ask(self, self.session.definition(model.form_id).taxonomy, first.level1, first.level2)
        if answer is None:
            return
        level1, level2 = answer
        model.set_cells([(r, "level1", level1) for r in rows] + [(r, "level2", level2) for r in rows],
                        f"更改 {len(rows)} 行的层级")

    def balance_weights(self, level1: str | None = None) -> int:
        """分值配平 as one undo step; `level1` preselects that group in the dialog (the fix of
        an E1 row). With 按新分值等比调整已人工评定的得分, entered scores move with their rows'
        weights in the same step, each with a note saying so. Returns how many cells changed."""
        model = self.model
        if model.form_id is None or self.session.read_only:
            return 0
        form = self.session.form(model.form_id)
        definition = self.session.definition(model.form_id)
        plan = (WeightDialog.ask(self, form, definition, only=level1) if level1 is not None
                else WeightDialog.ask(self, form, definition))
        if plan is None:
            return 0
        from perfdesk.domain.weights import balance, group_rows  # only 分值配平 needs them

        groups = group_rows([ind.level1 for ind in form.indicators])
        cells, scores = [], []
        for group, total in plan.groups:
            rows = [form.indicators[p] for p in groups.get(group, [])]
            result = balance([r.weight for r in rows], [r.score for r in rows], Decimal(total), plan.mode,
                             plan.rescale_scores)
            cells.extend((form.position_of(r.id), "weight", weight) for r, weight in zip(rows, result.weights))
            scores.extend((r, weight, score) for r, weight, score in zip(rows, result.weights, result.scores)
                          if score != r.score)
        weights_plan = model.plan_cells(cells, "分值配平")
        commands = list(weights_plan.commands)
        if scores and definition.scoring is not None:
            at = datetime.now().isoformat(timespec="seconds")
            for row, weight, score in scores:
                computed, _ = scoring.score_indicator(row.copy(weight=weight, score=None), definition.scoring)
                note = OverrideNote(reason="分值配平时按比例调整", at=at, computed=computed)
                commands.append(SetScoreCommand(self.session.workspace, model.form_id, row.id, score, note, "分值配平"))
        if not commands:
            self.message.emit("分值已经配平，无需修改。")
            return 0
        if not self.session.push_all(commands, "分值配平"):
            return 0
        changed = weights_plan.cells + len(scores)
        self.message.emit(f"分值配平：修改了 {weights_plan.cells} 行的分值"
                          + (f"，按比例调整了 {len(scores)} 项人工评定的得分。" if scores else "。"))
        return changed

    # -- scores: overrides, their reasons, the working ---------------------------------------
    def _ask_reason(self, indicator: Indicator, value: Decimal, computed: Decimal | None) -> str | None:
        rule = f"按规则计算为 {format_decimal(computed)}" if computed is not None else "规则未给出得分"
        return Ask.text(self, "人工评定得分",
                        f"“{indicator.level3 or '该指标'}”的得分改为 {format_decimal(value)}（{rule}）。\n"
                        "请简要说明理由（将随文件保存）：")

    def explanation_text(self, row: int) -> str:
        """评分说明 of a row: the rule with its numbers, or who overrode it and why."""
        model = self.model
        if model.form_id is None or not (0 <= row < model.rowCount()):
            return ""
        return model.explanation(model.indicator_at(row))

    def _show_explanation(self, *args) -> None:
        index = self.view.currentIndex()
        text = self.explanation_text(index.row()) if index.isValid() else ""
        self.explanation.setText(f"评分说明：{text}" if text else "")
        self.explanation.setVisible(bool(text))

    def use_computed(self) -> bool:
        rows = self.view.selected_rows() or ([self.view.currentIndex().row()] if self.view.currentIndex().isValid() else [])
        return self.model.use_computed(rows)

    def context_actions(self, index: QModelIndex) -> list[tuple[str, object]]:
        """The context menu of a cell: (text, callable), None for a separator."""
        model = self.model
        writable = not self.session.read_only
        actions: list[tuple[str, object]] = [("复制\tCtrl+C", self.view.copy_selection)]
        if writable:
            actions += [("粘贴\tCtrl+V", self.view.paste_clipboard), ("清除内容\tDelete", self.view.clear_selection_cells),
                        ("向下填充\tCtrl+D", self.view.fill_down),
                        None, ("插入行", self.insert_row), ("删除行", self.delete_rows), ("更改层级…", self.change_level)]
        if index.isValid() and model.form_id is not None and self.session.definition(model.form_id).scored:
            indicator = model.indicator_at(index.row())
            actions.append(None)
            if writable:
                score_column = model.column_of("score")
                actions.append(("人工评定得分…", lambda: self.view.edit(model.index(index.row(), score_column))))
                if indicator.score is not None:
                    actions.append(("采用计算得分", self.use_computed))
            actions.append(("评分说明", lambda: Ask.info(self, "评分说明", self.explanation_text(index.row()))))
        if index.isValid() and writable:
            fixes = [fix for issue in (index.data(Role.ISSUES) or []) for fix in issue.fixes]
            if fixes:
                actions.append(None)
                for fix in fixes:
                    actions.append((fix.label, lambda f=fix: self.fixRequested.emit(f)))
        return actions

    def _context_menu(self, position) -> None:
        index = self.view.indexAt(position)
        if index.isValid() and not self.view.selectionModel().isSelected(index):
            self.view.setCurrentIndex(index)
        menu = QMenu(self)
        for entry in self.context_actions(index):
            if entry is None:
                menu.addSeparator()
            else:
                text, slot = entry
                menu.addAction(text).triggered.connect(lambda _=False, s=slot: s())
        menu.exec(self.view.viewport().mapToGlobal(position))


_exit_hook = False


def copy_block(block: list[list[str]]) -> str:
    """A block of cell texts onto the clipboard as Excel and WPS take it: tab-separated text
    (what paste reads back, here and there) and an HTML table whose cells stay text. Returns
    the text. Every grid's Ctrl+C (the indicator table, a table section) copies through here."""
    text = to_tsv(block)
    mime = QMimeData()
    mime.setText(text)
    mime.setHtml(to_html(block))
    QGuiApplication.clipboard().setMimeData(mime)
    _hand_over_clipboard_at_exit()
    return text


def _hand_over_clipboard_at_exit() -> None:
    """A QMimeData made in Python must not outlive the interpreter on the clipboard: Qt would
    delete it while Python shuts down, and the process would crash on its way out. Before that,
    the clipboard gets the same text as a plain Qt copy (what Excel and WPS paste from)."""
    global _exit_hook
    if _exit_hook:
        return
    _exit_hook = True
    atexit.register(_plain_clipboard)


def _plain_clipboard() -> None:
    app = QGuiApplication.instance()
    if app is None:
        return
    clipboard = QGuiApplication.clipboard()
    data = clipboard.mimeData()
    if data is not None and data.hasHtml():
        clipboard.setText(data.text())

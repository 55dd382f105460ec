"""UI layer: one of a form's own table sections (年度主要任务) in the form editor — a grid with
添加行 / 删除行 above it.

Keys as in a spreadsheet: typing starts editing, Enter commits (Shift+Enter or Alt+Enter is a
new line in a long text), Delete clears the selected cells (whole selected rows: removes them),
Insert / Ctrl+I adds a row below the current one, Ctrl+- removes the selected rows, Ctrl+C /
Ctrl+V copy and paste tab-separated blocks to and from Excel / WPS (one undo step).

The grid is as tall as its rows (long texts wrap), up to a cap: the editor's top part already
scrolls, a second scroll bar only appears for a long list — and then the grid is no taller than
that top part, so the section's heading and buttons stay in sight above it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QAbstractScrollArea,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.scoring import format_amount
from perfdesk.domain.validation import table_amount_sums
from perfdesk.editing.clipboard import from_tsv
from perfdesk.editing.table_model import NUMBER_TYPES, TableSectionModel

from .indicator_view import copy_block
from .looks import text_color
from .viewports import own_viewport

MAX_GRID_HEIGHT = 300  # beyond this the grid scrolls by itself
MIN_GRID_HEIGHT = 110  # a heading and three rows, however small the editor's top part
# Room the section's heading and buttons take above the grid: the cap leaves them in sight
# in the editor's scrolling top part (about 200 px tall at 1366×768, taller as the user drags).
HEADING_ROOM = 80
EMPTY_TEXT = "还没有内容。点击“添加行”，或在 Excel 中复制后选中表格按 Ctrl+V 粘贴。"


class _CellDelegate(QStyledItemDelegate):
    """A long text is edited in a multi-line box at least three lines tall; Enter commits it,
    Shift+Enter / Alt+Enter starts a new line."""

    def __init__(self, view: "TableSectionView"):
        super().__init__(view)
        self.view = view

    def _long(self, index) -> bool:
        model = index.model()
        return hasattr(model, "column") and model.column(index.column()).type == "longtext"

    def createEditor(self, parent, option, index):
        if self._long(index):
            editor = QPlainTextEdit(parent)
            editor.setTabChangesFocus(True)
            editor.setFrameShape(QPlainTextEdit.Shape.Box)
            return editor
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor, index):
        if isinstance(editor, QPlainTextEdit):
            # All of it selected, as a one-line cell does: a key typed on the cell replaces
            # it (as in Excel); a click in the box places the cursor.
            editor.setPlainText(index.data(Qt.ItemDataRole.EditRole) or "")
            editor.selectAll()
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor, model, index):
        if isinstance(editor, QPlainTextEdit):
            model.setData(index, editor.toPlainText(), Qt.ItemDataRole.EditRole)
            return
        super().setModelData(editor, model, index)

    def updateEditorGeometry(self, editor, option, index):
        if isinstance(editor, QPlainTextEdit):
            rect = option.rect
            rect.setHeight(max(rect.height(), editor.fontMetrics().lineSpacing() * 3 + 12))
            editor.setGeometry(rect)
            return
        super().updateEditorGeometry(editor, option, index)

    def eventFilter(self, editor, event):
        if isinstance(editor, QPlainTextEdit) and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier):
                editor.insertPlainText("\n")
            else:
                self.commitData.emit(editor)
                self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            return True
        return super().eventFilter(editor, event)


class TableSectionView(QTableView):
    message = Signal(str)

    def __init__(self, model: TableSectionModel, parent=None):
        super().__init__(parent)
        own_viewport(self)
        self.setModel(model)
        self.setItemDelegate(_CellDelegate(self))
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        header = self.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setHighlightSections(False)
        self.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setMinimumSectionSize(28)
        self.verticalHeader().setDefaultSectionSize(28)
        # Rows follow their wrapped text: after a change, a reset or a column width change.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit)
        self._watched = None  # the viewport of the scroll area the grid sits in, once shown
        model.modelReset.connect(self.fit)  # rows came or went; the columns keep the widths given
        model.dataChanged.connect(lambda *_: self._fit_timer.start())
        header.sectionResized.connect(lambda *_: self._fit_timer.start())
        self._columns()
        self.fit()

    def _columns(self) -> None:
        """A long text takes what the other columns leave; short ones are sized to their
        heading with room for a name or an amount."""
        model = self.model()
        header = self.horizontalHeader()
        metrics = header.fontMetrics()
        for c in range(model.columnCount()):
            column = model.column(c)
            if column.type == "longtext":
                header.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch)
                continue
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
            heading = metrics.horizontalAdvance(str(model.headerData(c, Qt.Orientation.Horizontal))) + 24
            header.resizeSection(c, max(heading, 130 if column.type in NUMBER_TYPES else 200))
        if not any(model.column(c).type == "longtext" for c in range(model.columnCount())):
            header.setStretchLastSection(True)

    def fit(self) -> None:
        """Rows as tall as their wrapped text; the grid as tall as its rows, up to a cap."""
        self.resizeRowsToContents()
        rows = self.model().rowCount()
        body = sum(self.rowHeight(r) for r in range(rows)) if rows else 2 * self.verticalHeader().defaultSectionSize()
        height = self.horizontalHeader().sizeHint().height() + body + 2 * self.frameWidth() + 2
        cap = self.height_cap()
        self.setFixedHeight(min(height, cap))
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if height > cap
                                        else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _outer(self) -> QAbstractScrollArea | None:
        """The scroll area the grid sits in (the editor's top part), if any."""
        widget = self.parentWidget()
        while widget is not None:
            if isinstance(widget, QAbstractScrollArea):
                return widget
            widget = widget.parentWidget()
        return None

    def height_cap(self) -> int:
        outer = self._outer()
        if outer is None:
            return MAX_GRID_HEIGHT
        room = HEADING_ROOM
        content = getattr(outer, "widget", lambda: None)()
        box = self
        while box is not None and box.parentWidget() is not content:
            box = box.parentWidget()
        if box is not None and content is not None:  # what is above the grid in its section's box, as laid out
            room = self.mapTo(box, QPoint(0, 0)).y() + 12
        return max(MIN_GRID_HEIGHT, min(MAX_GRID_HEIGHT, outer.viewport().height() - room))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        outer = self._outer()
        if outer is not None and self._watched is None:
            self._watched = outer.viewport()
            self._watched.installEventFilter(self)  # the user drags the splitter: a new cap
        self._fit_timer.start()

    def eventFilter(self, watched, event) -> bool:
        if watched is self._watched and event.type() == QEvent.Type.Resize:
            self._fit_timer.start()
        return super().eventFilter(watched, event)

    def sizeHintForRow(self, row: int) -> int:
        return max(super().sizeHintForRow(row), self.verticalHeader().defaultSectionSize())

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            rect = self.viewport().rect().adjusted(8, 0, -8, 0)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, EMPTY_TEXT)
            painter.end()

    # -- actions -----------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        rows = {i.row() for i in self.selectionModel().selectedIndexes()}
        if not rows and self.currentIndex().isValid():
            rows = {self.currentIndex().row()}
        return sorted(rows)

    def _whole_rows_selected(self) -> bool:
        model = self.model()
        rows = {i.row() for i in self.selectionModel().selectedIndexes()}
        return bool(rows) and all(self.selectionModel().isRowSelected(r, self.rootIndex()) for r in rows) \
            and model.columnCount() > 1

    def add_row(self) -> int:
        """A blank row below the current one (at the end with none), ready to type in."""
        model = self.model()
        if model.session.read_only:
            self.message.emit("文件只读，不能添加行。")
            return -1
        current = self.currentIndex()
        position = current.row() + 1 if current.isValid() else model.rowCount()
        row = model.insert_row(position)
        if row >= 0:
            self._go_to(row, 0)
        return row

    def delete_rows(self) -> int:
        model = self.model()
        if model.session.read_only:
            self.message.emit("文件只读，不能删除行。")
            return 0
        rows = self.selected_rows()
        if not rows:
            self.message.emit("请先选中要删除的行。")
            return 0
        column = max(self.currentIndex().column(), 0)
        gone = model.remove_rows(rows)
        if gone and model.rowCount():
            self._go_to(min(rows[0], model.rowCount() - 1), column)
        return gone

    def clear_selection_cells(self) -> int:
        if self.model().session.read_only:
            self.message.emit("文件只读，不能清除。")
            return 0
        return self.model().clear_cells((i.row(), i.column()) for i in self.selectionModel().selectedIndexes())

    def copy_selection(self) -> str:
        indexes = self.selectionModel().selectedIndexes()
        if not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        model = self.model()
        return copy_block([[model.text(r, c) for c in columns] for r in rows])

    def paste_clipboard(self, text: str | None = None) -> int:
        model = self.model()
        if model.session.read_only:
            self.message.emit("文件只读，不能粘贴。")
            return 0
        text = QGuiApplication.clipboard().text() if text is None else text
        block = from_tsv(text)
        if not block:
            return 0
        current = self.currentIndex()
        top, left = (current.row(), current.column()) if current.isValid() else (model.rowCount(), 0)
        changed = model.paste_block(top, left, block)
        if changed:
            self._go_to(min(top, model.rowCount() - 1), left)
        return changed

    def _go_to(self, row: int, column: int) -> None:
        """Select a cell and take the focus (after a button too): typing goes on there."""
        index = self.model().index(row, column)
        if index.isValid():
            self.setFocus()
            self.setCurrentIndex(index)
            self.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    # -- keys -----------------------------------------------------------------------------------
    def _own_shortcut(self, event) -> bool:
        """Keys the window also binds (Ctrl+I / Ctrl+- insert and delete indicator rows) act
        on this grid while it has the focus."""
        key, mods = event.key(), event.modifiers()
        ctrl = mods & Qt.KeyboardModifier.ControlModifier
        return bool(ctrl and key in (Qt.Key.Key_I, Qt.Key.Key_Minus))

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self.state() != QAbstractItemView.State.EditingState \
                and self._own_shortcut(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if self.state() == QAbstractItemView.State.EditingState:
            super().keyPressEvent(event)
            return
        key, ctrl = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_clipboard()
            return
        if key == Qt.Key.Key_Insert or (ctrl and key == Qt.Key.Key_I):
            self.add_row()
            return
        if ctrl and key == Qt.Key.Key_Minus:
            self.delete_rows()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if self._whole_rows_selected():
                self.delete_rows()
            else:
                self.clear_selection_cells()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            current = self.currentIndex()
            if current.isValid() and current.row() + 1 < self.model().rowCount():
                self._go_to(current.row() + 1, current.column())
            elif current.isValid():
                self.edit(current)
            return
        super().keyPressEvent(event)


class TableSectionPanel(QWidget):
    """The grid of one table section with its 添加行 / 删除行 buttons."""

    message = Signal(str)

    def __init__(self, model: TableSectionModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.view = TableSectionView(model, self)
        self.view.message.connect(self.message)
        model.refused.connect(self.message)
        self.add_button = QPushButton("添加行")
        self.add_button.setToolTip("在当前行下方添加一行（Insert 或 Ctrl+I）")
        self.add_button.clicked.connect(self.view.add_row)
        self.delete_button = QPushButton("删除行")
        self.delete_button.setToolTip("删除选中的行（Ctrl+-；选中整行后也可按 Delete）")
        self.delete_button.clicked.connect(self.view.delete_rows)
        hint = QLabel("可从 Excel 复制多行后按 Ctrl+V 粘贴；Shift+Enter 换行")
        text_color(hint, "#777")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addSpacing(12)
        buttons.addWidget(hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        # 预算金额合计 at the right of the buttons (W16 checks the same sum against the year's
        # budget); on their line, so the section is no taller for it
        self.totals = QLabel()
        self.totals.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        buttons.addWidget(self.totals)
        layout.addLayout(buttons)
        layout.addWidget(self.view)
        for signal in (model.modelReset, model.dataChanged, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._update_totals)
        self._update_totals()
        self.set_read_only(model.session.read_only)

    def _update_totals(self, *args) -> None:
        model = self.model
        section = model.section
        sums = table_amount_sums(section, model.rows) if section is not None else {}
        unit = model.amount_unit()
        parts = []
        for column in model.columns:
            if column.key in sums:
                value, left_out = sums[column.key]
                note = f"（{left_out} 行不是数字，未计入）" if left_out else ""
                parts.append(f"{column.label}合计 {format_amount(value)} {unit}{note}")
        text = "；".join(parts)
        if self.totals.text() != text:
            self.totals.setText(text)
        self.totals.setVisible(bool(text))

    def set_read_only(self, read_only: bool) -> None:
        self.add_button.setEnabled(not read_only)
        self.delete_button.setEnabled(not read_only)

    def show_cell(self, row: int | None, column: str | None) -> bool:
        """Select the cell an issue or a 查找 hit points at: `row` counts from 1, `column` is
        the column's key. No row (a check of the whole column, such as the sum of 预算金额):
        the whole column is selected. The grid takes the focus either way."""
        view, model = self.view, self.model
        keys = [c.key for c in model.columns]
        col = keys.index(column) if column in keys else 0
        view.setFocus()
        if model.rowCount() == 0 or not model.columnCount():
            return row is None
        if row is None:
            view.setCurrentIndex(model.index(0, col))
            view.selectColumn(col)
            self._reveal(0, col)
            QTimer.singleShot(0, self, lambda c=col: self._reveal(0, c))
            return True
        if not 1 <= row <= model.rowCount():
            return False
        view._go_to(row - 1, col)
        self._reveal(row - 1, col)
        # Again once laid out: a form just put on show has its boxes placed, and the grid's
        # rows fitted to their text, on the next turn of the event loop.
        QTimer.singleShot(0, self, lambda r=row - 1, c=col: self._reveal(r, c))
        return True

    def _reveal(self, row: int, column: int) -> None:
        """The cell in sight: in the grid, and in the editor's scrolling top part."""
        index = self.model.index(row, column)
        if not index.isValid():
            return
        self.view.scrollTo(index)
        outer = self.view._outer()
        if not isinstance(outer, QScrollArea) or outer.widget() is None:
            return
        rect = self.view.visualRect(index)
        if not rect.isValid():
            return
        centre = self.view.viewport().mapTo(outer.widget(), rect.center())
        outer.ensureVisible(centre.x(), centre.y(), 20, rect.height() // 2 + 8)

"""UI layer: one form, laid out by its definition — header fields, funding block, goal texts
on top; the indicator table below; the totals bar always in sight at the bottom.

Widgets commit through undo commands (so the file on disk is current after every commit) and
are refreshed from session signals under QSignalBlocker, never from their own edits.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QPersistentModelIndex, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from perfdesk.domain.definition import FieldDef, SectionDef, SectionType
from perfdesk.domain.validation import Location, parse_date
from perfdesk.editing.commands import TextFieldCommand, set_field_command
from perfdesk.editing.funding_model import FundingModel
from perfdesk.editing.indicator_model import IndicatorTableModel, issue_line, worst
from perfdesk.editing.session import EditSession
from perfdesk.editing.table_model import TableSectionModel

from .dialogs import Ask
from .looks import bold
from .indicator_view import IndicatorPanel
from .table_section import TableSectionPanel
from .totals_bar import TotalsBar
from .viewports import own_viewport

MARK_STYLES = {
    "error": "border: 2px solid #d32f2f; background: #fdecec;",
    "warning": "border: 2px solid #f0a000; background: #fff6dd;",
    "info": "border: 1px solid #1e6fd9;",
}
# The heading of a section whose definition gives it none (each section folds by its heading).
SECTION_NAMES = {SectionType.FIELDS: "基本信息", SectionType.FUNDING: "资金情况", SectionType.TEXTS: "绩效目标",
                 SectionType.TABLE: "表格"}
TEXT_IDLE_MS = 1200  # a pause this long in a long text commits it (merged into one undo step)


class DateField(QWidget):
    """A date as text (what was typed stays visible) with a calendar to pick from."""

    committed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("例如 2026-01-01")
        self.edit.editingFinished.connect(lambda: self.committed.emit(self.edit.text().strip()))
        self.button = QToolButton()
        self.button.setText("日历")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.button)
        self._calendar = None  # built when first needed, not per field
        self.menu.aboutToShow.connect(self._show_current)
        self.button.setMenu(self.menu)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)

    @property
    def calendar(self):
        """The calendar in the button's menu. A calendar widget is costly to build (the first
        one especially), so it is made when the menu first opens, not with the form."""
        if self._calendar is None:
            from PySide6.QtWidgets import QCalendarWidget

            calendar = QCalendarWidget()
            calendar.setGridVisible(True)
            action = QWidgetAction(self.menu)
            action.setDefaultWidget(calendar)
            self.menu.addAction(action)
            calendar.clicked.connect(lambda date: (self.menu.close(), self._picked(date)))
            self._calendar = calendar
        return self._calendar

    def _show_current(self) -> None:
        calendar = self.calendar
        parsed = parse_date(self.edit.text())
        if parsed:
            calendar.setSelectedDate(QDate(parsed.year, parsed.month, parsed.day))

    def _picked(self, date: QDate) -> None:
        self.edit.setText(date.toString("yyyy-MM-dd"))
        self.committed.emit(self.edit.text())

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def setReadOnly(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        self.button.setEnabled(not read_only)


class LongTextEdit(QPlainTextEdit):
    """A goal text. Commits on leaving the field and after a pause in typing."""

    committed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setMinimumHeight(64)
        self.setMaximumHeight(120)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TEXT_IDLE_MS)
        self._timer.timeout.connect(self.commit)
        self.textChanged.connect(self._timer.start)

    def commit(self) -> None:
        self._timer.stop()
        self.committed.emit(self.toPlainText())

    def focusOutEvent(self, event) -> None:
        self.commit()
        super().focusOutEvent(event)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        if text != self.toPlainText():
            cursor = self.textCursor().position()
            self.setPlainText(text)
            cursor = min(cursor, len(text))
            text_cursor = self.textCursor()
            text_cursor.setPosition(cursor)
            self.setTextCursor(text_cursor)
        self._timer.stop()


class FundingTable(QTableView):
    def __init__(self, model: FundingModel, parent=None):
        super().__init__(parent)
        own_viewport(self)
        self.setModel(model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verticalHeader().setDefaultSectionSize(28)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        model.modelReset.connect(self._fit)
        self._fit()

    def _fit(self) -> None:
        # Label | amount pairs carry their own row labels: the side header would be a blank strip.
        self.verticalHeader().setVisible(not getattr(self.model(), "paired", False))
        rows = self.model().rowCount()
        height = self.horizontalHeader().height() + rows * self.verticalHeader().defaultSectionSize() + 4
        self.setFixedHeight(max(height, 60))

    def keyPressEvent(self, event) -> None:
        if self.state() != QAbstractItemView.State.EditingState and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            for index in self.selectionModel().selectedIndexes():
                if index.flags() & Qt.ItemFlag.ItemIsEditable:
                    self.model().setData(index, "")
            return
        if self.state() != QAbstractItemView.State.EditingState and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            current = self.currentIndex()
            if current.isValid() and current.row() + 1 < self.model().rowCount():
                self.setCurrentIndex(self.model().index(current.row() + 1, current.column()))
            return
        super().keyPressEvent(event)


class FormEditor(QWidget):
    """The editor of whichever form the navigator chose (one editor, re-pointed)."""

    message = Signal(str)
    tableOnlyChanged = Signal(bool)

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.form_id: str | None = None
        self.table_only = False  # 只看指标表: the sections above the table are hidden
        self.collapsed: set[str] = set()  # titles of the sections the user folded away
        self.field_widgets: dict[str, QWidget] = {}
        self.field_sections: dict[str, str] = {}
        self.funding: list[tuple[SectionDef, FundingModel, FundingTable]] = []
        # the form's own table sections (年度主要任务), in definition order
        self.tables: list[tuple[SectionDef, TableSectionModel, TableSectionPanel]] = []
        self.indicator_model = IndicatorTableModel(session, self)
        self.indicator_panel = IndicatorPanel(self.indicator_model, self)
        self.indicator_panel.message.connect(self.message)
        self.totals = TotalsBar(session, self)

        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bold(self.title, pixel_size=17)
        self.title.setMargin(4)
        self.top = QWidget()
        self.top_layout = QVBoxLayout(self.top)
        self.scroll = QScrollArea()
        own_viewport(self.scroll)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.top)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.scroll)
        self.splitter.addWidget(self.indicator_panel)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([330, 470])
        self.empty = QLabel("请在左侧选择一张表，或新建项目。")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.totals)

        session.formFieldChanged.connect(self._on_field_changed)
        session.analysisChanged.connect(self._on_analysis_changed)
        self.set_form(None)

    # -- building ------------------------------------------------------------------------
    def set_form(self, form_id: str | None) -> None:
        if form_id == self.form_id and form_id is not None:
            return
        if self.form_id is not None:  # with no form shown there is no cell or text to commit
            commit_open_editors(self)
            self._commit_open_texts()
        self.form_id = form_id
        self.indicator_model.set_form(form_id)
        self.totals.set_form(form_id)
        self._rebuild_top()
        has_form = form_id is not None
        for widget in (self.title, self.splitter, self.totals):
            widget.setVisible(has_form)
        self.title.setVisible(has_form and not self.table_only)
        self.empty.setVisible(not has_form)
        self.scroll.setVisible(not self.table_only)
        if has_form:
            definition = self.session.definition(form_id)
            self.indicator_panel.set_scored(definition.scored)
            self.indicator_panel.set_read_only(self.session.read_only)
            form = self.session.form(form_id)
            self.indicator_panel.set_form_info(any(
                f.year < form.year for f in self.session.workspace.forms_of(form.project_id)))
            self.refresh_title()
            self._on_analysis_changed(form_id)

    def refresh_title(self) -> None:
        if self.form_id is None:
            return
        form = self.session.form(self.form_id)
        definition = self.session.definition(self.form_id)
        self.title.setText(f"{definition.title}{definition.year_line.format(year=form.year)}")

    def _commit_open_texts(self) -> None:
        for widget in self.field_widgets.values():
            if isinstance(widget, LongTextEdit):
                widget.commit()

    def _rebuild_top(self) -> None:
        while self.top_layout.count():
            item = self.top_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                # Off screen at once: deleteLater alone leaves it drawn until the next loop.
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.field_widgets.clear()
        self.field_sections.clear()
        self.funding.clear()
        self.tables.clear()
        if self.form_id is None:
            return
        definition = self.session.definition(self.form_id)
        for section in definition.sections:
            if section.type is SectionType.FIELDS:
                self.top_layout.addWidget(self._fields_box(section))
            elif section.type is SectionType.FUNDING:
                self.top_layout.addWidget(self._funding_box(section))
            elif section.type is SectionType.TEXTS:
                self.top_layout.addWidget(self._texts_box(section))
            elif section.type is SectionType.TABLE:
                self.top_layout.addWidget(self._table_box(section))
        self.top_layout.addStretch(1)
        # Lay out now, not on the next event loop: otherwise the first frame of a newly
        # chosen form shows its boxes squeezed over each other.
        self.top_layout.activate()

    def set_table_only(self, on: bool) -> None:
        """只看指标表: hide the header, funding and goal sections so the indicator table has
        the editor's whole height; off again shows them as they were."""
        changed = self.table_only != bool(on)
        if changed and on:
            self._sizes_before_table_only = self.splitter.sizes()
        self.table_only = bool(on)
        if self.table_only:
            commit_open_editors(self.top)
            self._commit_open_texts()
        self.scroll.setVisible(not self.table_only and self.form_id is not None)
        self.title.setVisible(not self.table_only and self.form_id is not None)
        if changed and not on and getattr(self, "_sizes_before_table_only", None):
            self.splitter.setSizes(self._sizes_before_table_only)  # the split the user had
        if changed:
            self.tableOnlyChanged.emit(self.table_only)

    def _reveal(self, widget: QWidget) -> None:
        """Before jumping to a field: leave 只看指标表 and unfold the section it is in."""
        if self.table_only:
            self.set_table_only(False)
        for toggle in self.section_toggles():
            body = toggle.parentWidget().layout().itemAt(1).widget()
            if not toggle.isChecked() and body.isAncestorOf(widget):
                toggle.setChecked(True)

    def section_toggles(self) -> list[QToolButton]:
        """The fold buttons in the section headings, top to bottom."""
        return [b for b in self.top.findChildren(QToolButton) if b.objectName() == "section-toggle"]

    def _box(self, title: str) -> tuple[QFrame, QVBoxLayout]:
        """A section's frame: a heading that folds the section (the choice is kept while the
        window lives, per title) and the body the caller fills."""
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(box)
        outer.setContentsMargins(8, 6, 8, 8)
        # A parent from the start: shown or hidden without one, a widget is a window of its own
        # (under X one was created and mapped for every section of every form opened, 5–11 ms
        # each, and could flash on screen).
        body = QWidget(box)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        if title:
            toggle = QToolButton()
            toggle.setObjectName("section-toggle")
            toggle.setText(title)
            toggle.setToolTip(f"折叠或展开「{title}」")
            toggle.setCheckable(True)
            toggle.setAutoRaise(True)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            bold(toggle)
            folded = title in self.collapsed
            toggle.setChecked(not folded)
            toggle.setArrowType(Qt.ArrowType.RightArrow if folded else Qt.ArrowType.DownArrow)
            body.setHidden(folded)

            def fold(expanded: bool, t=title, b=body, button=toggle) -> None:
                b.setVisible(expanded)
                button.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
                (self.collapsed.discard if expanded else self.collapsed.add)(t)

            toggle.toggled.connect(fold)
            outer.addWidget(toggle)
        outer.addWidget(body)
        return box, layout

    def _fields_box(self, section: SectionDef) -> QWidget:
        box, layout = self._box(section.label or SECTION_NAMES.get(section.type, ""))
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        position = 0
        for field in section.fields:
            widget = self._field_widget(field, section)
            wide = field.key == "project_name" or field.type == "longtext"
            if wide and position % 2:
                position += 1
            row, column = divmod(position, 2)
            grid.addWidget(QLabel(field.label), row, column * 2)
            grid.addWidget(widget, row, column * 2 + 1, 1, 3 if wide else 1)
            position += 2 if wide else 1
        layout.addLayout(grid)
        return box

    def _texts_box(self, section: SectionDef) -> QWidget:
        box, layout = self._box(section.label or SECTION_NAMES.get(section.type, ""))
        for field in section.fields:
            layout.addWidget(QLabel(field.label))
            layout.addWidget(self._field_widget(field, section))
        return box

    def _funding_box(self, section: SectionDef) -> QWidget:
        box, layout = self._box(section.label or SECTION_NAMES.get(section.type, ""))
        model = FundingModel(self.session, box)
        model.reason_asker = lambda value, computed: Ask.text(
            self, "人工评定预算执行率得分",
            f"预算执行率得分改为 {value}（按规则计算为 {'—' if computed is None else computed}）。\n"
            "请简要说明理由（将随文件保存）：")
        model.set_form(self.form_id, section)
        model.refused.connect(self.message)
        table = FundingTable(model, box)
        layout.addWidget(table)
        self.funding.append((section, model, table))
        note_key = section.options.get("note_field")
        if note_key:
            row = QHBoxLayout()
            row.addWidget(QLabel(section.options.get("note_label", "资金执行说明")))
            note = QLineEdit()
            note.setPlaceholderText("执行率低于 100% 时写明原因（不打印）")
            self._connect_line(note, note_key)
            self.field_widgets[note_key] = note
            self.field_sections[note_key] = section.key
            row.addWidget(note, 1)
            layout.addLayout(row)
        return box

    def _table_box(self, section: SectionDef) -> QWidget:
        """One of the form's own table sections (年度主要任务): a grid with 添加行 / 删除行."""
        box, layout = self._box(section.label or SECTION_NAMES.get(section.type, ""))
        model = TableSectionModel(self.session, box)
        model.set_form(self.form_id, section)
        panel = TableSectionPanel(model, box)
        panel.setObjectName(f"table-{section.key}")
        panel.message.connect(self.message)
        layout.addWidget(panel)
        self.tables.append((section, model, panel))
        return box

    def _field_widget(self, field: FieldDef, section: SectionDef) -> QWidget:
        key = field.key
        value = self.session.form(self.form_id).field(key)
        read_only = self.session.read_only
        if field.type == "choice":
            widget = QComboBox()
            widget.addItem("")
            widget.addItems(list(field.choices))
            if value and value not in field.choices:
                widget.addItem(value)
            widget.setCurrentText(value)
            widget.activated.connect(lambda _i, w=widget, k=key: self._commit_field(k, w.currentText()))
            widget.setEnabled(not read_only)
        elif field.type == "date":
            widget = DateField()
            widget.setText(value)
            widget.committed.connect(lambda text, k=key: self._commit_field(k, text))
            widget.setReadOnly(read_only)
        elif field.type == "longtext":
            widget = LongTextEdit()
            widget.setPlainText(value)
            widget.committed.connect(lambda text, k=key: self._commit_text(k, text))
            widget.setReadOnly(read_only)
        else:
            widget = QLineEdit(value)
            self._connect_line(widget, key)
        widget.setObjectName(f"field-{key}")
        self.field_widgets[key] = widget
        self.field_sections[key] = section.key
        return widget

    def _connect_line(self, widget: QLineEdit, key: str) -> None:
        widget.setText(self.session.form(self.form_id).field(key))
        widget.setReadOnly(self.session.read_only)
        widget.editingFinished.connect(lambda w=widget, k=key: self._commit_field(k, w.text()))

    # -- committing ------------------------------------------------------------------------
    def _label(self, key: str) -> str:
        field = self.session.definition(self.form_id).field(key)
        if field is not None:
            return field.label
        for section, _, _ in self.funding:
            if section.options.get("note_field") == key:
                return section.options.get("note_label", "资金执行说明")
        return key

    def _editable(self) -> bool:
        # The form may have just been deleted (its widgets commit on their way out).
        return (self.form_id is not None and not self.session.read_only
                and self.form_id in self.session.workspace.forms)

    def _commit_field(self, key: str, text: str) -> None:
        if not self._editable():
            return
        text = text.strip()
        if self.session.form(self.form_id).field(key) == text:
            return
        self.session.push(set_field_command(self.session.workspace, self.form_id, key, text,
                                            f"修改「{self._label(key)}」"))

    def _commit_text(self, key: str, text: str) -> None:
        if not self._editable():
            return
        if self.session.form(self.form_id).field(key) == text:
            return
        self.session.push(TextFieldCommand(self.session.workspace, self.form_id, key, text,
                                           f"修改「{self._label(key)}」"))

    # -- session → widgets -------------------------------------------------------------------
    def _on_field_changed(self, form_id: str, key: str) -> None:
        if form_id != self.form_id:
            return
        if key in ("year",):
            self.refresh_title()
        widget = self.field_widgets.get(key)
        if widget is None:
            return
        value = self.session.form(form_id).field(key)
        blocker = QSignalBlocker(widget)
        if isinstance(widget, QComboBox):
            if widget.findText(value) < 0:
                widget.addItem(value)
            widget.setCurrentText(value)
        elif widget.text() != value:
            widget.setText(value)
        del blocker

    def _on_analysis_changed(self, form_id: str) -> None:
        if form_id != self.form_id:
            return
        analysis = self.session.analysis(form_id)
        for key, widget in self.field_widgets.items():
            section = self.field_sections.get(key)  # not a table column of the same key
            issues = [i for i in analysis.cell_issues(None, key) if section in (None, i.location.section)]
            severity = worst(issues)
            style = MARK_STYLES[severity.value] if severity else ""
            target = widget.edit if isinstance(widget, DateField) else widget
            if target.styleSheet() != style:
                target.setStyleSheet(style)
            target.setToolTip("\n".join(map(issue_line, issues)))

    # -- navigation ------------------------------------------------------------------------
    def show_location(self, location: Location) -> bool:
        """Select the cell or focus the field an issue points at."""
        if location.form_id != self.form_id:
            return False
        model = self.indicator_model
        if location.item_id is not None:
            row = model.row_of(location.item_id)
            column = model.column_of(location.column) if location.column else -1
            if row < 0:
                return False
            self.indicator_panel.view.select_cell(row, column if column >= 0 else max(model.column_of("level3"), 0))
            return True
        if location.column and location.column in self.field_widgets \
                and self.field_sections.get(location.column, location.section) == location.section:
            widget = self.field_widgets[location.column]
            self._reveal(widget)
            self.scroll.ensureWidgetVisible(widget)
            widget.setFocus()
            return True
        for section, funding_model, table in self.funding:
            if location.section == section.key:
                index = funding_model.cell_of(location.column or "")
                self._reveal(table)
                self.scroll.ensureWidgetVisible(table)
                table.setFocus()
                if index.isValid():
                    table.setCurrentIndex(index)
                return True
        for section, _, panel in self.tables:
            if location.section == section.key:
                self._reveal(panel)
                self.scroll.ensureWidgetVisible(panel)
                if location.column is None:
                    panel.view.setFocus()
                    return True
                return panel.show_cell(location.row, location.column)  # the row and column in the grid
        if location.section == "indicators" or location.section == "total":
            self.indicator_panel.view.setFocus()
            return True
        return False

    def commit_pending(self) -> list["OpenEdit"]:
        """Before the window closes, switches form or file, or runs an action: whatever is
        half-typed — a long text, a cell editor still open (typed without Enter) — goes to the
        file. Returns the cell editors that were committed."""
        edits = []
        if self.form_id is not None:  # with no form shown no cell or text can be half-typed
            edits = commit_open_editors(self)
            self._commit_open_texts()
        focused = self.focusWidget()
        if isinstance(focused, QLineEdit) and focused.isModified():
            focused.editingFinished.emit()
        return edits


def commit_open_editors(root: QWidget) -> list["OpenEdit"]:
    """Commit and close every cell editor open in the item views under `root`, as if the user
    had pressed Enter. Returns what was in them, so a caller whose write was refused can put
    the text back (`OpenEdit.reopen`)."""
    committed = []
    for view in root.findChildren(QAbstractItemView):
        if view.state() != QAbstractItemView.State.EditingState:
            continue
        index = view.currentIndex()
        editor = view.indexWidget(index) if index.isValid() else None
        if editor is None:
            continue
        prop = editor.metaObject().userProperty()
        value = prop.read(editor) if prop.isValid() else None
        delegate = view.itemDelegateForIndex(index)
        delegate.commitData.emit(editor)
        delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        committed.append(OpenEdit(view, QPersistentModelIndex(index), value))
    return committed


class OpenEdit:
    """A cell editor that was open: its view, cell and what the user had typed."""

    def __init__(self, view: QAbstractItemView, index: QPersistentModelIndex, value):
        self.view, self.index, self.value = view, index, value

    def reopen(self) -> bool:
        """Open the editor on the same cell again with the same text (the write was refused)."""
        if not self.index.isValid() or self.value is None:
            return False
        index = self.view.model().index(self.index.row(), self.index.column())
        self.view.setCurrentIndex(index)
        self.view.edit(index)
        editor = self.view.indexWidget(index)
        if editor is None:
            return False
        prop = editor.metaObject().userProperty()
        if prop.isValid():
            prop.write(editor, self.value)
        return True

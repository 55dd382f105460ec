"""UI layer: the navigator — unit → year → project → 申报表 / 自评表 — with new, rename and
delete for projects and forms. Deleting asks first and is undoable like any edit.

Above the tree, a filter: project name, year, kind and status (只看有错误的表 …). Name, year
and kind are read off the forms at once. Status needs each form's analysis: the forms not yet
analysed are checked a slice at a time between events (`StatusChecker`), so a file of 10,000
forms never freezes the window; a line under the filter counts the check on, and the tree
shows the answer when it is complete."""

from __future__ import annotations

import time
from datetime import date

from PySide6.QtCore import QItemSelectionModel, QObject, QSize, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.definition import SCOPE_UNIT, FormKind
from perfdesk.domain.model import Project, blank_form
from perfdesk.domain.validation import Severity
from perfdesk.editing.commands import AddFormsCommand, RemoveFormsCommand, RenameProjectCommand, SetValueCommand
from perfdesk.editing.indicator_model import worst
from perfdesk.editing.outline_model import FORM, KIND_LABELS, PROJECT, UNIT, OutlineModel, OutlineRole
from perfdesk.editing.session import EditSession

from .dialogs import Ask, NewFormDialog, clear_button_once_typed
from .looks import text_color
from .viewports import own_viewport

TEXT_DELAY_MS = 150  # typing in the filter box: the tree follows once the keys pause
CHECK_SLICE_S = 0.015  # the status check analyses forms for this long, then lets events in

# The status filter: (label, key); each key a test of a form's worst severity (None: no issue).
STATUS_CHOICES = (("全部状态", None), ("有错误", "error"), ("有错误或警告", "warning"), ("没有问题", "clean"))
_STATUS_TESTS = {
    "error": lambda severity: severity is Severity.ERROR,
    "warning": lambda severity: severity in (Severity.ERROR, Severity.WARNING),
    "clean": lambda severity: severity is None,
}
_UNKNOWN = object()  # a form the status check has not reached yet


def scope_clash(project_name: str, scope: str) -> str:
    """Why a form of the other scope cannot go under this project (Chinese, for a dialog)."""
    if scope == SCOPE_UNIT:
        return (f"项目「{project_name}」中是项目支出表。部门整体表属于单位本身：请用“新建项目”，"
                f"以部门（单位）名称作项目名称。")
    return f"「{project_name}」中是部门整体表。项目支出表请用“新建项目”，以项目名称新建。"


class _EvenRows(QStyledItemDelegate):
    """Every row as tall as a row that shows a mark, so the tree may take all rows as equally
    tall (uniform row heights). Otherwise showing a form in a file of 10,000 forms measures
    every row above it, and measuring a form's row analyses the form for its mark."""

    def sizeHint(self, option, index) -> QSize:
        size = super().sizeHint(option, index)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        if not opt.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration:
            opt.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
            if opt.widget is not None:
                # The delegate's own measure (the widget's style, CT_ItemViewItem) of the row
                # with room for a mark. Asked of the base class, so that Python never wraps
                # the QStyle: making its Python type (600 enum members) costs the start.
                size = size.expandedTo(super().sizeHint(opt, index))
        return size


class StatusChecker(QObject):
    """The worst severity of every form, worked out a slice at a time between events.

    Forms whose analysis the session already has cost nothing; the others are analysed in
    slices of CHECK_SLICE_S. An edit that changes a form's analysis puts it back in the queue."""

    progress = Signal(int, int)  # forms known, forms in the file
    finished = Signal()

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.known: dict[str, Severity | None] = {}
        self.queue: list[str] = []
        self.active = False  # a status filter wants the answers
        self.timer = QTimer(self)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._work)
        session.analysisChanged.connect(self._on_analysis_changed)
        session.outlineChanged.connect(self._on_outline_changed)

    def severity(self, form_id: str):
        """The form's worst severity, None for no issue, _UNKNOWN before it is checked."""
        return self.known.get(form_id, _UNKNOWN)

    def start(self) -> None:
        self.active = True
        forms = self.session.workspace.forms
        self.queue = [form_id for form_id in forms if form_id not in self.known]
        if self.queue:
            self.timer.start()
        else:
            self.finished.emit()

    def stop(self) -> None:
        self.active = False
        self.timer.stop()

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def _work(self) -> None:
        forms = self.session.workspace.forms
        deadline = time.perf_counter() + CHECK_SLICE_S
        queue = self.queue
        while queue:
            form_id = queue.pop()
            if form_id in forms and form_id not in self.known:
                self.known[form_id] = worst(self.session.analysis(form_id).issues)
            if time.perf_counter() >= deadline:
                break
        self.progress.emit(len(forms) - len(queue), len(forms))
        if not queue:
            self.timer.stop()
            self.finished.emit()

    def _on_analysis_changed(self, form_id: str) -> None:
        if self.known.pop(form_id, _UNKNOWN) is not _UNKNOWN and self.active:
            self.queue.append(form_id)
            self.timer.start()

    def _on_outline_changed(self) -> None:
        forms = self.session.workspace.forms
        for form_id in [f for f in self.known if f not in forms]:
            del self.known[form_id]
        if self.active:
            self.start()  # forms that came in are checked too


class NavigatorFilter(QWidget):
    """The compact filter above the tree: name, year, kind, status; a line says how many
    forms show (or how far the status check is)."""

    changed = Signal()  # a choice changed (typing: once the keys pause)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(2)
        self.text = QLineEdit()
        self.text.setPlaceholderText("筛选：项目名称")
        clear_button_once_typed(self.text)
        self.text.setToolTip("只显示名称中含有这些字的项目")
        top = QHBoxLayout()
        top.setSpacing(2)
        top.addWidget(self.text, 1)
        layout.addLayout(top)
        row = QHBoxLayout()
        row.setSpacing(2)
        self.year = QComboBox()
        self.year.setToolTip("只显示这一年度的表")
        self.kind = QComboBox()
        self.kind.addItem("全部表", None)
        self.kind.addItem("申报表", FormKind.DECLARATION.value)
        self.kind.addItem("自评表", FormKind.SELF_EVALUATION.value)
        self.kind.setToolTip("只显示申报表或自评表")
        self.status = QComboBox()
        for label, key in STATUS_CHOICES:
            self.status.addItem(label, key)
        self.status.setToolTip("按检查结果筛选，例如只看有错误的表（大文件要先逐张检查，下方显示进度）")
        for combo in (self.year, self.kind, self.status):
            # as narrow as the navigator: the list opens as wide as its longest choice
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(4)
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
            row.addWidget(combo, 1)
        self.clear_button = QToolButton()
        self.clear_button.setText("清除")
        self.clear_button.setToolTip("清除筛选，显示全部的表")
        self.clear_button.clicked.connect(self.clear)
        top.addWidget(self.clear_button)
        layout.addLayout(row)
        self.note = QLabel()
        text_color(self.note, "#666")
        self.note.hide()
        layout.addWidget(self.note)
        self.set_years([])
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TEXT_DELAY_MS)
        self._typing.timeout.connect(self.changed)
        self.text.textChanged.connect(self._typing.start)
        for combo in (self.year, self.kind, self.status):
            combo.currentIndexChanged.connect(lambda _=0: self.changed.emit())

    def set_years(self, years) -> None:
        """The years of the file in the year box (newest first), keeping the choice."""
        chosen = self.year.currentData()
        self.year.blockSignals(True)
        self.year.clear()
        self.year.addItem("全部年度", None)
        for year in sorted(years, reverse=True):
            self.year.addItem(f"{year}年", year)
        found = self.year.findData(chosen) if chosen is not None else 0
        self.year.setCurrentIndex(max(found, 0))
        self.year.blockSignals(False)
        if chosen is not None and found < 0:
            self.changed.emit()  # the chosen year is gone from the file

    def choices(self) -> tuple[str, int | None, str | None, str | None]:
        """(name text, year, kind value, status key); None where the box says 全部."""
        return (self.text.text().strip().casefold(), self.year.currentData(), self.kind.currentData(),
                self.status.currentData())

    def active(self) -> bool:
        text, year, kind, status = self.choices()
        return bool(text) or year is not None or kind is not None or status is not None

    def clear(self) -> None:
        """Back to every form, as one change."""
        widgets = (self.text, self.year, self.kind, self.status)
        for widget in widgets:
            widget.blockSignals(True)
        self.text.clear()
        for combo in (self.year, self.kind, self.status):
            combo.setCurrentIndex(0)
        for widget in widgets:
            widget.blockSignals(False)
        self._typing.stop()
        self.changed.emit()


class NavigatorPanel(QWidget):
    formSelected = Signal(object)  # form id or None
    message = Signal(str)

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = OutlineModel(session, self)
        self.tree = QTreeView()
        own_viewport(self.tree)
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setItemDelegate(_EvenRows(self.tree))
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.tree.expandAll()
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)
        self.model.rowsInserted.connect(lambda parent, first, last: self.tree.expand(parent))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.buttons: dict[str, QToolButton] = {}
        for key, text, slot in (("project", "新建项目", self.new_project), ("form", "新建表", self.new_form),
                                ("rename", "重命名", self.rename), ("delete", "删除", self.delete)):
            button = QToolButton()
            button.setText(text)
            button.clicked.connect(slot)
            button.setEnabled(not session.read_only)
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addStretch(1)
        layout.addLayout(bar)
        self.filter = NavigatorFilter(self)
        self.filter.changed.connect(self.apply_filter)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        self.checker = StatusChecker(session, self)
        self.checker.progress.connect(self._on_check_progress)
        self.checker.finished.connect(self._on_check_finished)
        self.filter.set_years(session.workspace.years())
        session.outlineChanged.connect(lambda: self.filter.set_years(self.session.workspace.years()))
        # The status filter follows edits: the checker hears of every changed analysis, checks
        # the form again and the tree follows (a form whose errors were fixed leaves 有错误).

    # -- the filter --------------------------------------------------------------------------
    def filter_predicate(self):
        """form -> shown? for the filter's choices; None when nothing is filtered."""
        text, year, kind, status = self.filter.choices()
        if not (text or year is not None or kind is not None or status is not None):
            return None
        projects = self.session.workspace.projects
        test = _STATUS_TESTS.get(status)
        severity_of = self.checker.severity

        def accept(form) -> bool:
            if year is not None and form.year != year:
                return False
            if kind is not None and form.kind.value != kind:
                return False
            if text:
                project = projects.get(form.project_id)
                if project is None or text not in project.name.casefold():
                    return False
            if test is not None:
                severity = severity_of(form.id)
                if severity is _UNKNOWN or not test(severity):
                    return False  # not checked yet: it shows once it is, if it passes
            return True

        return accept

    def apply_filter(self) -> None:
        """Show the forms the filter's choices let through. The form being edited stays the
        navigator's current item when it is still shown; nothing else is opened."""
        status = self.filter.choices()[3]
        if status is not None:
            if not self.checker.active or not self.checker.running:
                self.checker.start()
        else:
            self.checker.stop()
        self._refilter()

    def _refilter(self) -> None:
        selection = self.tree.selectionModel()
        current = self.model.ident_of(self.tree.currentIndex())
        # The tree is made anew: its current item must not land on another form (which would
        # open it) or a year (the 年度总览) on the way: the selection keeps quiet meanwhile.
        blocked = selection.blockSignals(True)
        try:
            self.model.set_filter(self.filter_predicate())
            self.tree.expandAll()
            index = self.model.index_of_ident(current)
            if index.isValid():
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            else:
                selection.clear()
        finally:
            selection.blockSignals(blocked)
        if index.isValid():
            self.tree.scrollTo(index)
        self.tree.viewport().update()
        self._update_note()

    def _update_note(self) -> None:
        if not self.model.filtered:
            self.filter.note.hide()
            return
        total = len(self.session.workspace.forms)
        text = f"显示 {self.model.shown_forms} / {total} 张表"
        if self.checker.running:
            known = total - len(self.checker.queue)
            text += f"（正在检查 {known} / {total}…）"
        self.filter.note.setText(text)
        self.filter.note.show()

    def _on_check_progress(self, known: int, total: int) -> None:
        # Only the count moves while the check runs: making the tree anew costs a big file
        # a good part of a second, which would stall the window between slices.
        self._update_note()

    def _on_check_finished(self) -> None:
        if self.checker.active:
            self._refilter()

    def clear_filter(self) -> None:
        if self.filter.active():
            self.filter.clear()

    # -- selection ---------------------------------------------------------------------------
    def current_form_id(self) -> str | None:
        return self.tree.currentIndex().data(OutlineRole.FORM_ID)

    def select_form(self, form_id: str) -> None:
        index = self.model.index_of_form(form_id)
        if not index.isValid() and self.model.filtered and form_id in self.session.workspace.forms:
            self.clear_filter()  # a form the filter hides is asked for: show everything again
            index = self.model.index_of_form(form_id)
        if index.isValid():
            self.tree.expand(index.parent())
            self.tree.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _on_current_changed(self, current, _previous) -> None:
        kind = current.data(OutlineRole.NODE_KIND)
        if kind == FORM:
            self.formSelected.emit(current.data(OutlineRole.FORM_ID))
        elif kind == PROJECT:
            first = self.model.index(0, 0, current)
            if first.isValid():
                self.formSelected.emit(first.data(OutlineRole.FORM_ID))

    def _selected_year(self) -> int:
        year = self.tree.currentIndex().data(OutlineRole.YEAR)
        if year:
            return int(year)
        years = self.session.workspace.years()
        return years[-1] if years else date.today().year

    # -- actions -----------------------------------------------------------------------------
    def new_project(self) -> str | None:
        if self.session.read_only:
            return None
        answer = NewFormDialog.ask(self, self.session.registry, self._selected_year())
        if answer is None:
            return None
        ws = self.session.workspace
        existing = ws.project_by_name(answer.project_name)
        definition = self.session.registry.get(answer.definition_id)
        if existing is not None:
            if ws.find_form(existing.id, answer.year, definition.kind):
                Ask.error(self, "无法新建", f"项目「{answer.project_name}」已有{answer.year}年的{KIND_LABELS[definition.kind]}。")
                return None
            if self.project_scope(existing.id) not in (None, definition.scope):
                Ask.error(self, "无法新建", scope_clash(answer.project_name, definition.scope))
                return None
            return self._add_form(existing.id, answer.year, answer.definition_id)
        project = Project(answer.project_name)
        form = blank_form(ws, project, answer.year, definition)
        self.session.push(AddFormsCommand(ws, [form], f"新建项目「{project.name}」", project=project))
        self.select_form(form.id)
        return form.id

    def new_form(self) -> str | None:
        if self.session.read_only:
            return None
        project_id = self.tree.currentIndex().data(OutlineRole.PROJECT_ID)
        if project_id is None:
            return self.new_project()
        ws = self.session.workspace
        answer = NewFormDialog.ask(self, self.session.registry, self._selected_year(), ws.projects[project_id].name,
                                   scope=self.project_scope(project_id))
        if answer is None:
            return None
        definition = self.session.registry.get(answer.definition_id)
        if ws.find_form(project_id, answer.year, definition.kind):
            Ask.error(self, "无法新建", f"项目「{ws.projects[project_id].name}」已有{answer.year}年的"
                                        f"{KIND_LABELS[definition.kind]}。")
            return None
        return self._add_form(project_id, answer.year, answer.definition_id)

    def project_scope(self, project_id: str) -> str | None:
        """The scope of the project's forms (a project's, or 部门整体), None when it has none or
        their layouts are not installed. A project's forms are all of one scope: a 部门整体
        form belongs to the unit's own entry, whose 项目名称 is the unit's name."""
        registry = self.session.registry
        scopes = {definition.scope for form in self.session.workspace.forms_of(project_id)
                  if (definition := registry.find(form.definition_id)) is not None}
        return scopes.pop() if len(scopes) == 1 else None

    def definition_usage(self, project_name: str | None = None) -> dict[str, int]:
        """How many forms of the file use each definition: the new-form dialog offers the most
        used (a Shanghai 元 file gets the Shanghai layout, not the first one listed). For a form
        of an existing project, layouts of a kind the project already has that year don't count."""
        ws = self.session.workspace
        usage: dict[str, int] = {}
        for form in ws.forms.values():
            usage[form.definition_id] = usage.get(form.definition_id, 0) + 1
        project = ws.project_by_name(project_name) if project_name else None
        if project is not None:
            year = self._selected_year()
            taken = {f.kind for f in ws.forms_of(project.id) if f.year == year}
            registry = self.session.registry
            for definition_id in list(usage):
                if definition_id in registry and registry.get(definition_id).kind in taken:
                    usage[definition_id] = 0
        return usage

    def _add_form(self, project_id: str, year: int, definition_id: str) -> str:
        ws = self.session.workspace
        form = blank_form(ws, ws.projects[project_id], year, self.session.registry.get(definition_id))
        self.session.push(AddFormsCommand(ws, [form], f"新建{year}年{KIND_LABELS[form.kind]}"))
        self.select_form(form.id)
        return form.id

    def rename(self) -> None:
        if self.session.read_only:
            return
        index = self.tree.currentIndex()
        kind = index.data(OutlineRole.NODE_KIND)
        ws = self.session.workspace
        if kind == UNIT:
            name = Ask.text(self, "单位名称", "单位名称：", ws.unit.name)
            if name and name != ws.unit.name:
                self.session.push(SetValueCommand(ws.unit.name, name, lambda v: ws.set_unit(name=v), "修改单位名称"))
            return
        project_id = index.data(OutlineRole.PROJECT_ID)
        if project_id is None:
            return
        old = ws.projects[project_id].name
        name = Ask.text(self, "重命名项目", "项目名称：", old)
        if name and name != old:
            self.session.push(RenameProjectCommand(ws, project_id, name, f"重命名项目为「{name}」"))

    def delete(self) -> bool:
        if self.session.read_only:
            return False
        index = self.tree.currentIndex()
        kind = index.data(OutlineRole.NODE_KIND)
        ws = self.session.workspace
        if kind == FORM:
            form = ws.forms[index.data(OutlineRole.FORM_ID)]
            form_ids = [form.id]
            what = f"{ws.project_name(form)} {form.year}年{KIND_LABELS[form.kind]}"
            project_id = form.project_id
        elif kind == PROJECT:
            project_id = index.data(OutlineRole.PROJECT_ID)
            year = index.data(OutlineRole.YEAR)
            form_ids = [f.id for f in ws.forms_of(project_id) if f.year == year]
            what = f"项目「{ws.projects[project_id].name}」{year}年的 {len(form_ids)} 张表"
        else:
            self.message.emit("请先选中要删除的项目或表。")
            return False
        if not Ask.confirm(self, "删除", f"确定删除{what}吗？\n删除后可以用“撤销”（Ctrl+Z）找回。", ok="删除"):
            return False
        others = [f for f in ws.forms_of(project_id) if f.id not in form_ids]
        if others:
            command = RemoveFormsCommand(ws, f"删除{what}", form_ids=form_ids)
        else:  # the project's last forms: the project goes too, and comes back on undo
            command = RemoveFormsCommand(ws, f"删除{what}", project_id=project_id)
        return self.session.push(command)


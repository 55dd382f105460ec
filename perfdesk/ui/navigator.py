"""UI layer: the navigator — unit → year → project → 申报表 / 自评表 — with new, rename and
delete for projects and forms. Deleting asks first and is undoable like any edit."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QItemSelectionModel, QSize, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.model import Project, blank_form
from perfdesk.editing.commands import AddFormsCommand, RemoveFormsCommand, RenameProjectCommand, SetValueCommand
from perfdesk.editing.outline_model import FORM, KIND_LABELS, PROJECT, UNIT, OutlineModel, OutlineRole
from perfdesk.editing.session import EditSession

from .dialogs import Ask, NewFormDialog


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


class NavigatorPanel(QWidget):
    formSelected = Signal(object)  # form id or None
    message = Signal(str)

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.model = OutlineModel(session, self)
        self.tree = QTreeView()
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
        layout.addWidget(self.tree, 1)

    # -- selection ---------------------------------------------------------------------------
    def current_form_id(self) -> str | None:
        return self.tree.currentIndex().data(OutlineRole.FORM_ID)

    def select_form(self, form_id: str) -> None:
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
        answer = NewFormDialog.ask(self, self.session.registry, self._selected_year(), ws.projects[project_id].name)
        if answer is None:
            return None
        definition = self.session.registry.get(answer.definition_id)
        if ws.find_form(project_id, answer.year, definition.kind):
            Ask.error(self, "无法新建", f"项目「{ws.projects[project_id].name}」已有{answer.year}年的"
                                        f"{KIND_LABELS[definition.kind]}。")
            return None
        return self._add_form(project_id, answer.year, answer.definition_id)

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


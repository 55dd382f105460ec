"""UI layer: 结转向导 — this year's forms from last year's, previewed before anything changes.

Four pages: where from (this file or another .perfdesk file, read-only), what (申报表 → 同年
自评表, or 上年的表 → 下年申报表; years; projects), per-row options for a new declaration,
and the preview. The wizard only plans (`plan_rollforward` is pure and cheap, so it re-plans
on every change); the caller applies the returned plan as one undo step
(`perfdesk.editing.rollforward_commands.ApplyPlanCommand`).
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Workspace
from perfdesk.domain.rollforward import RollForwardPlan, RowChoice, RowPlan, plan_rollforward
from perfdesk.editing.session import EditSession
from perfdesk.formdefs import DefinitionError
from perfdesk.store import FileStore, StoreError

from .dialogs import FILE_FILTER

SOURCE, WHAT, OPTIONS, PREVIEW = range(4)
ERROR_STYLE = "color: #b00020"
SOURCE_KINDS = {  # the kinds a roll forward reads, per kind it creates
    FormKind.SELF_EVALUATION: (FormKind.DECLARATION,),
    FormKind.DECLARATION: (FormKind.SELF_EVALUATION, FormKind.DECLARATION),
}
CHOICE_TEXT = {RowChoice.KEEP: "保留原指标值", RowChoice.ACTUAL: "以上年实际完成值为新指标值",
               RowChoice.DROP: "删除此指标"}


# -- the per-row table -------------------------------------------------------------------
class ChoiceRole(IntEnum):
    SOURCE_ID = Qt.ItemDataRole.UserRole + 1
    CHOICES = Qt.ItemDataRole.UserRole + 2  # the RowChoice values this row can take


class RowChoiceModel(QAbstractTableModel):
    """The rows of a declaration plan: one per source indicator, its choice editable.

    An edit does not change the plan: it says so through `choiceEdited`, the wizard plans
    again and hands the new rows back with `set_rows`.
    """

    HEADERS = ("项目", "三级指标", "原指标值", "上年实际完成值", "处理方式", "新指标值")
    PROJECT, NAME, OLD_TARGET, OLD_ACTUAL, CHOICE, NEW_TARGET = range(6)
    choiceEdited = Signal(str, str)  # source indicator id, RowChoice value

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[tuple[str, RowPlan]] = []

    def set_rows(self, rows: list[tuple[str, RowPlan]]) -> None:
        same = [r.source_id for _, r in rows] == [r.source_id for _, r in self._rows]
        if same and rows:
            # Only choices and new targets move: keep the view's scroll position and editor.
            self._rows = list(rows)
            self.dataChanged.emit(self.index(0, self.CHOICE), self.index(len(rows) - 1, self.NEW_TARGET),
                                  [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole,
                                   Qt.ItemDataRole.ForegroundRole, ChoiceRole.CHOICES])
            return
        self.beginResetModel()  # another selection of forms: a different list of rows
        self._rows = list(rows)
        self.endResetModel()

    def row_plan(self, row: int) -> RowPlan:
        return self._rows[row][1]

    def row_of(self, source_id: str) -> int:
        return next(i for i, (_, r) in enumerate(self._rows) if r.source_id == source_id)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.CHOICE and len(self.row_plan(index.row()).choices) > 1:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        project, row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NEW_TARGET and row.choice is RowChoice.DROP:
                return "（删除）"
            return (project, row.name, row.old_target, row.old_actual or "—", CHOICE_TEXT[row.choice],
                    row.new_target)[column]
        if role == Qt.ItemDataRole.EditRole and column == self.CHOICE:
            return row.choice.value
        if role == Qt.ItemDataRole.ForegroundRole and row.choice is RowChoice.DROP:
            return QColor("#8a8a8a")
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.CHOICE:
                return None if RowChoice.ACTUAL in row.choices else "上年没有实际完成值，不能取实际值。"
            # The cells are elided in a narrow column: the tooltip has the whole text.
            text = self.data(index, Qt.ItemDataRole.DisplayRole)
            return "\n".join([text, *row.notes]) if text else None
        if role == ChoiceRole.SOURCE_ID:
            return row.source_id
        if role == ChoiceRole.CHOICES:
            return [c.value for c in row.choices]
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self.CHOICE:
            return False
        row = self.row_plan(index.row())
        try:
            choice = RowChoice(value)
        except ValueError:
            return False
        if choice is row.choice or choice not in row.choices:
            return False
        self.choiceEdited.emit(row.source_id, choice.value)
        return True


class ChoiceDelegate(QStyledItemDelegate):
    """A drop-down with only the choices the row can take."""

    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        for value in index.data(ChoiceRole.CHOICES) or []:
            combo.addItem(CHOICE_TEXT[RowChoice(value)], value)
        combo.activated.connect(lambda _=0, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor, index):
        at = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(at, 0))

    def setModelData(self, editor, model, index):
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


# -- pages -------------------------------------------------------------------------------
def _message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    return label


class SourcePage(QWizardPage):
    def __init__(self, wizard: "RollForwardWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("从哪里结转")
        self.setSubTitle("结转只读取来源文件，不会修改它；新表写入当前打开的文件。")
        layout = QVBoxLayout(self)
        self.this_file = QRadioButton(f"本文件（{wizard.session.store.path.name}）")
        self.other_file = QRadioButton("另一个 PerfDesk 文件（例如去年的文件）")
        group = QButtonGroup(self)
        group.addButton(self.this_file)
        group.addButton(self.other_file)
        self.this_file.setChecked(True)
        layout.addWidget(self.this_file)
        layout.addWidget(self.other_file)
        row = QHBoxLayout()
        row.setContentsMargins(24, 0, 0, 0)
        self.path_label = QLabel("（未选择文件）")
        self.path_label.setWordWrap(True)
        self.choose = QPushButton("选择文件…")
        self.choose.clicked.connect(self.choose_file)
        row.addWidget(self.path_label, 1)
        row.addWidget(self.choose)
        layout.addLayout(row)
        self.message = _message_label()
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.this_file.toggled.connect(self._on_mode)
        self._on_mode()

    def choose_file(self) -> None:
        folder = str(self.wiz.session.store.path.parent)
        path = RollForwardWizard.pick_source(self, folder)
        if path:
            self.other_file.setChecked(True)
            self.load(path)

    def load(self, path: str | Path) -> bool:
        """Read another file into memory (read-only, closed again at once)."""
        path = Path(path)
        self.path_label.setText(str(path))
        ws, error = None, ""
        if path.resolve() == self.wiz.session.store.path.resolve():
            self.this_file.setChecked(True)
            self.message.setText("所选文件就是当前打开的文件，已改为从本文件结转。")
            return True
        try:
            store = FileStore.open(path, read_only=True)
            try:
                ws = store.workspace
            finally:
                store.close()
        except StoreError as exc:
            error = f"无法读取此文件：{exc}"
        except Exception as exc:  # noqa: BLE001 - any file can be picked: a crash is never the answer
            error = f"无法读取此文件（{type(exc).__name__}）。请确认它是 PerfDesk 文件。"
        if ws is not None and not ws.forms:
            ws, error = None, f"{path.name} 中没有任何表，无法从它结转。"
        self.wiz.other_ws = ws
        self.message.setText(error)
        self._on_mode()
        return ws is not None

    def _on_mode(self) -> None:
        other = self.other_file.isChecked()
        self.choose.setEnabled(other)
        if not other:
            self.message.setText("" if self.wiz.other_ws is None else self.message.text())
        self.wiz.set_source(self.wiz.other_ws if other else self.wiz.session.workspace)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.this_file.isChecked() or self.wiz.other_ws is not None


class WhatPage(QWizardPage):
    def __init__(self, wizard: "RollForwardWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("结转什么")
        self.setSubTitle("选择要生成的表、年度和项目。")
        layout = QVBoxLayout(self)
        self.to_selfeval = QRadioButton("申报表 → 同年自评表（指标和指标值带入，分值按默认分配）")
        self.to_declaration = QRadioButton("上年的表 → 下年申报表（按项目沿用指标，日期顺延）")
        group = QButtonGroup(self)
        group.addButton(self.to_selfeval)
        group.addButton(self.to_declaration)
        layout.addWidget(self.to_selfeval)
        layout.addWidget(self.to_declaration)
        years = QFormLayout()
        self.from_year = QComboBox()
        self.to_year = QSpinBox()
        self.to_year.setRange(2000, 2100)
        years.addRow("来源年度", self.from_year)
        years.addRow("目标年度", self.to_year)
        layout.addLayout(years)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("项目（只列出来源年度有表的项目）"), 1)
        self.all_button = QPushButton("全选")
        self.none_button = QPushButton("全不选")
        heading.addWidget(self.all_button)
        heading.addWidget(self.none_button)
        layout.addLayout(heading)
        self.projects = QListWidget()
        layout.addWidget(self.projects, 1)
        self.message = _message_label()
        layout.addWidget(self.message)

        self.to_selfeval.toggled.connect(lambda _: self.wiz.kind_changed())
        self.from_year.currentIndexChanged.connect(lambda _: self.wiz.from_year_changed())
        self.to_year.valueChanged.connect(lambda _: self.wiz.replan())
        self.projects.itemChanged.connect(lambda _: self.wiz.replan())
        self.all_button.clicked.connect(lambda: self.check_all(True))
        self.none_button.clicked.connect(lambda: self.check_all(False))

    def check_all(self, checked: bool) -> None:
        with QSignalBlocker(self.projects):
            for i in range(self.projects.count()):
                self.projects.item(i).setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.wiz.replan()

    def checked_projects(self) -> list[str]:
        return [self.projects.item(i).text() for i in range(self.projects.count())
                if self.projects.item(i).checkState() == Qt.CheckState.Checked]

    def set_projects(self, names: list[str]) -> None:
        """Refill the list; a project unticked before stays unticked."""
        unticked = {self.projects.item(i).text() for i in range(self.projects.count())
                    if self.projects.item(i).checkState() != Qt.CheckState.Checked}
        with QSignalBlocker(self.projects):
            self.projects.clear()
            for name in names:
                item = QListWidgetItem(name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked if name in unticked else Qt.CheckState.Checked)
                self.projects.addItem(item)

    def nextId(self) -> int:
        return OPTIONS if self.wiz.kind is FormKind.DECLARATION else PREVIEW

    def isComplete(self) -> bool:
        return self.wiz.selection_problem() == ""


class OptionsPage(QWizardPage):
    def __init__(self, wizard: "RollForwardWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("新申报表的指标值和金额")
        self.setSubTitle("每项指标可保留原指标值、以上年实际完成值为新指标值，或删除。")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("默认处理方式"))
        self.default_choice = QComboBox()
        for choice in RowChoice:
            self.default_choice.addItem(CHOICE_TEXT[choice], choice.value)
        row.addWidget(self.default_choice)
        self.apply_all = QPushButton("应用到全部指标")
        self.apply_all.setToolTip("放弃逐项的选择，全部指标都按默认处理方式结转。")
        row.addWidget(self.apply_all)
        row.addStretch(1)
        layout.addLayout(row)
        self.table = QTableView()
        self.table.setModel(wizard.row_model)
        self.table.setItemDelegateForColumn(RowChoiceModel.CHOICE, ChoiceDelegate(self.table))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column, mode in ((RowChoiceModel.PROJECT, QHeaderView.ResizeMode.Interactive),
                             (RowChoiceModel.NAME, QHeaderView.ResizeMode.Stretch),
                             (RowChoiceModel.OLD_TARGET, QHeaderView.ResizeMode.Interactive),
                             (RowChoiceModel.OLD_ACTUAL, QHeaderView.ResizeMode.Interactive),
                             (RowChoiceModel.CHOICE, QHeaderView.ResizeMode.Interactive),
                             (RowChoiceModel.NEW_TARGET, QHeaderView.ResizeMode.Interactive)):
            header.setSectionResizeMode(column, mode)
        for column, width in ((RowChoiceModel.PROJECT, 150), (RowChoiceModel.OLD_TARGET, 110),
                              (RowChoiceModel.OLD_ACTUAL, 110), (RowChoiceModel.CHOICE, 200),
                              (RowChoiceModel.NEW_TARGET, 110)):
            self.table.setColumnWidth(column, width)
        layout.addWidget(self.table, 1)
        amounts = QHBoxLayout()
        amounts.addWidget(QLabel("金额"))
        self.clear_amounts = QRadioButton("清空，按本年预算重新填写")
        self.carry_amounts = QRadioButton("沿用上年的数额")
        group = QButtonGroup(self)
        group.addButton(self.clear_amounts)
        group.addButton(self.carry_amounts)
        self.clear_amounts.setChecked(True)
        amounts.addWidget(self.clear_amounts)
        amounts.addWidget(self.carry_amounts)
        amounts.addStretch(1)
        layout.addLayout(amounts)

        self.default_choice.currentIndexChanged.connect(lambda _: self.wiz.replan())
        self.apply_all.clicked.connect(self.wiz.apply_default_to_all)
        self.carry_amounts.toggled.connect(lambda _: self.wiz.replan())

    def choice(self) -> RowChoice:
        return RowChoice(self.default_choice.currentData())


class PreviewPage(QWizardPage):
    def __init__(self, wizard: "RollForwardWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("预览")
        self.setSubTitle("按“完成”新建下列各表，整个结转可一步撤销；标有“需复核”的内容请在表中核对。")
        layout = QVBoxLayout(self)
        self.headline = QLabel()
        font = QFont(self.headline.font())
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        layout.addWidget(self.text, 1)

    def show_plan(self, plan: RollForwardPlan | None, error: str) -> None:
        if plan is None:
            self.headline.setText(error or "没有可结转的表。")
            self.headline.setStyleSheet(ERROR_STYLE)
            self.text.setPlainText("")
        else:
            count = len(plan.to_create)
            flags = sum(len(p.flags) for p in plan.to_create)
            if count:
                self.headline.setText(f"将新建 {count} 张{plan.kind.label}"
                                      + (f"，其中 {flags} 处需复核。" if flags else "。"))
                self.headline.setStyleSheet("")
            else:
                self.headline.setText("没有需要新建的表：所选项目的表都已存在，或没有可结转的表。")
                self.headline.setStyleSheet(ERROR_STYLE)
            self.text.setPlainText(plan.summary())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.wiz.plan is not None and bool(self.wiz.plan.to_create)


# -- the wizard --------------------------------------------------------------------------
class RollForwardWizard(QWizard):
    def __init__(self, parent, session: EditSession):
        super().__init__(parent)
        self.session = session
        self.other_ws: Workspace | None = None
        self.source_ws: Workspace = session.workspace
        self.plan: RollForwardPlan | None = None
        self.plan_error = ""
        self.choices: dict[str, RowChoice] = {}
        self._building = True
        self.setWindowTitle("结转")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)  # the same look on every desktop
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        for button, text in ((QWizard.WizardButton.BackButton, "上一步"), (QWizard.WizardButton.NextButton, "下一步"),
                             (QWizard.WizardButton.FinishButton, "完成"), (QWizard.WizardButton.CancelButton, "取消"),
                             (QWizard.WizardButton.CommitButton, "提交"), (QWizard.WizardButton.HelpButton, "帮助")):
            self.setButtonText(button, text)
        self.resize(900, 640)
        self.row_model = RowChoiceModel(self)
        self.row_model.choiceEdited.connect(self.set_row_choice)
        self.what_page = WhatPage(self)
        self.options_page = OptionsPage(self)
        self.preview_page = PreviewPage(self)
        self.source_page = SourcePage(self)  # last: it sets the source, which fills the others
        self.setPage(SOURCE, self.source_page)
        self.setPage(WHAT, self.what_page)
        self.setPage(OPTIONS, self.options_page)
        self.setPage(PREVIEW, self.preview_page)
        self.setStartId(SOURCE)
        self._building = False
        self.set_source(self.source_ws, force=True)

    # -- dialogs tests replace ---------------------------------------------------------
    @classmethod
    def ask(cls, parent, session: EditSession) -> RollForwardPlan | None:
        wizard = cls(parent, session)
        try:
            if wizard.exec() != QWizard.DialogCode.Accepted:
                return None
            return wizard.plan if wizard.plan is not None and wizard.plan.to_create else None
        finally:
            wizard.deleteLater()

    @classmethod
    def pick_source(cls, parent, folder: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(parent, "选择来源 PerfDesk 文件", folder, FILE_FILTER)
        return path or None

    # -- state -------------------------------------------------------------------------
    @property
    def kind(self) -> FormKind:
        return FormKind.SELF_EVALUATION if self.what_page.to_selfeval.isChecked() else FormKind.DECLARATION

    def from_year(self) -> int | None:
        return self.what_page.from_year.currentData()

    def to_year(self) -> int:
        return self.what_page.to_year.value()

    def _years_with(self, kinds) -> list[int]:
        return sorted({f.year for f in self.source_ws.forms.values() if f.kind in kinds}, reverse=True)

    def set_source(self, ws: Workspace | None, force: bool = False) -> None:
        if self._building or ws is None or (ws is self.source_ws and not force):
            return
        self.source_ws = ws
        self.choices.clear()
        page = self.what_page
        # A declaration year without its self-evaluations is the usual next step; else a new year.
        pending = [f for f in ws.forms.values() if f.kind is FormKind.DECLARATION
                   and self._target_lacks(ws, f, FormKind.SELF_EVALUATION)]
        with QSignalBlocker(page.to_selfeval), QSignalBlocker(page.to_declaration):
            page.to_selfeval.setChecked(bool(pending))
            page.to_declaration.setChecked(not pending)
        self.kind_changed(prefer_year=max((f.year for f in pending), default=None))

    def _target_lacks(self, ws: Workspace, form, kind: FormKind) -> bool:
        target = self.session.workspace
        name = ws.project_name(form)
        project = target.projects.get(form.project_id) if ws is target else target.project_by_name(name)
        return project is None or target.find_form(project.id, form.year, kind) is None

    def kind_changed(self, prefer_year: int | None = None) -> None:
        page = self.what_page
        years = self._years_with(SOURCE_KINDS[self.kind])
        keep = prefer_year if prefer_year in years else self.from_year()
        with QSignalBlocker(page.from_year):
            page.from_year.clear()
            for year in years:
                page.from_year.addItem(f"{year} 年", year)
            at = page.from_year.findData(keep)
            page.from_year.setCurrentIndex(at if at >= 0 else 0)
        self.from_year_changed()

    def from_year_changed(self) -> None:
        page = self.what_page
        year = self.from_year()
        with QSignalBlocker(page.to_year):
            if self.kind is FormKind.SELF_EVALUATION:
                page.to_year.setValue(year or page.to_year.value())
                page.to_year.setEnabled(False)  # a self-evaluation belongs to its declaration's year
            else:
                page.to_year.setEnabled(True)
                if year is not None:
                    page.to_year.setValue(year + 1)
        kinds = SOURCE_KINDS[self.kind]
        names = []
        for project in self.source_ws.projects.values():
            if year is not None and any(f.year == year and f.kind in kinds for f in self.source_ws.forms_of(project.id)):
                names.append(project.name)
        page.set_projects(names)
        self.replan()

    def set_row_choice(self, source_id: str, value: str) -> None:
        self.choices[source_id] = RowChoice(value)
        self.replan()

    def apply_default_to_all(self) -> None:
        self.choices.clear()
        self.replan()

    def selection_problem(self) -> str:
        if self.from_year() is None:
            kinds = "或".join(k.label for k in SOURCE_KINDS[self.kind])
            return f"来源文件中没有{kinds}，无法这样结转。"
        if self.kind is FormKind.DECLARATION and self.to_year() <= self.from_year():
            return "目标年度应晚于来源年度。"
        if not self.what_page.checked_projects():
            return "请至少选择一个项目。"
        return ""

    def options(self) -> dict:
        options: dict = {"projects": self.what_page.checked_projects()}
        if self.kind is FormKind.DECLARATION:
            options.update(default_choice=self.options_page.choice(), choices=dict(self.choices),
                           carry_amounts=self.options_page.carry_amounts.isChecked())
        return options

    def replan(self) -> None:
        """Plan again from the current options; every page shows the new plan."""
        if self._building:
            return
        problem = self.selection_problem()
        self.plan, self.plan_error = None, problem
        if not problem:
            try:
                self.plan = plan_rollforward(self.source_ws, self.session.workspace, self.session.registry,
                                             self.kind, self.from_year(), self.to_year(), **self.options())
            except (ValueError, KeyError, DefinitionError) as exc:
                # An unknown form definition in another file, or no definition of the kind.
                self.plan_error = f"无法结转：{exc}"
        self.what_page.message.setText(problem)
        self.what_page.completeChanged.emit()
        rows = [] if self.plan is None or self.kind is not FormKind.DECLARATION else [
            (p.project_name, row) for p in self.plan.to_create for row in p.rows]
        self.row_model.set_rows(rows)
        self.preview_page.show_plan(self.plan, self.plan_error)

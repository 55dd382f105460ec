"""UI layer: every dialog that asks the user something opens through a classmethod (`ask`,
`confirm`, …), so tests replace the classmethod instead of clicking a modal window."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6 import QtWidgets
from PySide6.QtWidgets import QComboBox, QDialog, QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

# The dialogs' own widget classes (QMessageBox, QFileDialog, the spin boxes, …) are reached
# through the module, QtWidgets.X, when a dialog opens: PySide creates a class's Python type
# on first use, and the first window shows none of them.

from perfdesk.domain.definition import FormDefinition, FormKind, Taxonomy
from perfdesk.domain.model import Form
from perfdesk.formdefs import Registry

FILE_FILTER = "PerfDesk 文件 (*.perfdesk);;所有文件 (*)"


def clear_button_once_typed(edit: QLineEdit) -> None:
    """The field's ✕ (clear) button, turned on when the field first holds text: it shows only
    then anyway. Turning it on looks its icon up in the desktop's icon theme, some 40 ms on a
    Linux desktop (measured under X), which neither the window's first frame nor a dialog's
    opening need wait for."""
    def turn_on(text: str) -> None:
        if text:
            edit.textChanged.disconnect(turn_on)
            edit.setClearButtonEnabled(True)

    edit.textChanged.connect(turn_on)


def _buttons(dialog: QDialog, ok: str = "确定") -> QtWidgets.QDialogButtonBox:
    standard = QtWidgets.QDialogButtonBox.StandardButton
    box = QtWidgets.QDialogButtonBox(standard.Ok | standard.Cancel)
    box.button(standard.Ok).setText(ok)
    box.button(standard.Cancel).setText("取消")
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class Ask:
    """Small questions and messages."""

    @classmethod
    def confirm(cls, parent: QWidget | None, title: str, text: str, ok: str = "确定") -> bool:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, title, text, parent=parent)
        yes = box.addButton(ok, QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton("取消", QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is yes

    @classmethod
    def error(cls, parent: QWidget | None, title: str, text: str) -> None:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, title, text, parent=parent)
        box.addButton("知道了", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.exec()

    @classmethod
    def save_failed(cls, parent: QWidget | None, step: str, message: str) -> bool:
        """A step the file refused. True: the user wants to save a copy elsewhere (另存为…)."""
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, "修改未能保存",
                                    f"“{step}”没有保存，已从窗口中撤回。\n\n{message}\n\n"
                                    "可以把整个文件另存到其他位置（例如本机的“文档”文件夹）后继续编辑。",
                                    parent=parent)
        save_as = box.addButton("另存为…", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton("知道了", QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is save_as

    @classmethod
    def info(cls, parent: QWidget | None, title: str, text: str) -> None:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Information, title, text, parent=parent)
        box.addButton("知道了", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.exec()

    @classmethod
    def text(cls, parent: QWidget | None, title: str, label: str, value: str = "") -> str | None:
        text, ok = QtWidgets.QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, value)
        text = text.strip()
        return text if ok and text else None

    @classmethod
    def open_path(cls, parent: QWidget | None, folder: str = "") -> str | None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(parent, "打开 PerfDesk 文件", folder, FILE_FILTER)
        return path or None

    @classmethod
    def folder(cls, parent: QWidget | None, title: str, start: str = "") -> str | None:
        return QtWidgets.QFileDialog.getExistingDirectory(parent, title, start) or None

    @classmethod
    def save_path(cls, parent: QWidget | None, title: str, suggested: str = "") -> str | None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, title, suggested, FILE_FILTER)
        if path and not path.lower().endswith(".perfdesk"):
            path += ".perfdesk"
        return path or None


@dataclass(frozen=True)
class NewForm:
    """What the 新建 dialog asked for: the project, the year and the form definition."""

    project_name: str
    year: int
    definition_id: str


class NewFormDialog(QDialog):
    """A new form: for an existing project (name fixed) or for a new one. `scope`: offer only
    the layouts of that scope (a project's forms, or 部门整体), those its forms already have."""

    def __init__(self, parent, registry: Registry, year: int, project_name: str | None, kind: FormKind | None,
                 usage: dict[str, int] | None = None, scope: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("新建项目" if project_name is None else "新建表")
        form = QtWidgets.QFormLayout(self)
        self.name = QLineEdit(project_name or "")
        self.name.setReadOnly(project_name is not None)
        self.name.setPlaceholderText("例如：补充日常经费")
        form.addRow("项目名称", self.name)
        self.year = QtWidgets.QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(year)
        form.addRow("年度", self.year)
        self.definition = QComboBox()
        for definition in registry:
            if (kind is None or definition.kind is kind) and (scope is None or definition.scope == scope):
                self.definition.addItem(definition.name, definition.id)
        # The layout the file already uses most (a Shanghai 元 file gets the Shanghai layout,
        # not the first one listed); on a tie, or in an empty file, the registry's order. The
        # navigator that opens the dialog knows the file: it is asked, when not told.
        if usage is None and callable(getattr(parent, "definition_usage", None)):
            usage = parent.definition_usage(project_name)
        usage = usage or {}
        counts = [usage.get(self.definition.itemData(i), 0) for i in range(self.definition.count())]
        if counts and max(counts) > 0:
            self.definition.setCurrentIndex(counts.index(max(counts)))
        form.addRow("表样", self.definition)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020")
        form.addRow(self.message)
        form.addRow(_buttons(self, "创建"))

    def accept(self) -> None:
        if not self.name.text().strip():
            self.message.setText("请填写项目名称。")
            return
        super().accept()

    @classmethod
    def ask(cls, parent, registry: Registry, year: int, project_name: str | None = None,
            kind: FormKind | None = None, scope: str | None = None) -> NewForm | None:
        dialog = cls(parent, registry, year, project_name, kind, scope=scope)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return NewForm(dialog.name.text().strip(), dialog.year.value(), dialog.definition.currentData())


@dataclass(frozen=True)
class WeightPlan:
    """What the 分值配平 dialog asked for: each 一级's total and how to spread it."""

    groups: tuple[tuple[str, Decimal], ...]  # (一级, group total)
    mode: str
    rescale_scores: bool = True  # move entered (人工评定) scores with their rows' new weights


class WeightDialog(QDialog):
    """分值配平: choose the 一级 groups to spread, each group's total, even or proportional."""

    def __init__(self, parent, form: Form, definition: FormDefinition, only: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("分值配平")
        layout = QVBoxLayout(self)
        budget = definition.scoring.budget_weight if definition.budget_section() else Decimal(0)
        intro = QLabel("按一级指标把分值重新分到各行，使合计回到 100 分"
                       + (f"（其中预算执行率 {budget:g} 分）" if budget else "") + "。整个配平可一步撤销。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        grid.addWidget(QLabel("一级指标"), 0, 0)
        grid.addWidget(QLabel("现有合计"), 0, 1)
        grid.addWidget(QLabel("配平为"), 0, 2)
        self.rows: list[tuple[str, QtWidgets.QCheckBox, QtWidgets.QDoubleSpinBox]] = []
        from perfdesk.domain.weights import group_rows  # when the dialog opens, not at start

        groups = group_rows([ind.level1 for ind in form.indicators])
        for i, (level1, positions) in enumerate(groups.items(), start=1):
            current = sum((form.indicators[p].weight or Decimal(0)) for p in positions)
            default = definition.taxonomy.find(level1).weight if definition.taxonomy.find(level1) else None
            check = QtWidgets.QCheckBox(f"{level1 or '（未填一级）'}（{len(positions)} 行）")
            check.setChecked(level1 == only if only is not None else default is not None and current != default)
            spin = QtWidgets.QDoubleSpinBox()
            spin.setDecimals(2)
            spin.setRange(0, 100)
            spin.setValue(float(default if default is not None else current))
            grid.addWidget(check, i, 0)
            grid.addWidget(QLabel(f"{current:g}"), i, 1)
            grid.addWidget(spin, i, 2)
            self.rows.append((level1, check, spin))
        layout.addLayout(grid)
        self.even = QtWidgets.QRadioButton("平均分配")
        self.proportional = QtWidgets.QRadioButton("按现有分值比例")
        self.proportional.setChecked(True)
        modes = QtWidgets.QButtonGroup(self)
        modes.addButton(self.even)
        modes.addButton(self.proportional)
        layout.addWidget(self.even)
        layout.addWidget(self.proportional)
        entered = sum(1 for ind in form.indicators if ind.score is not None)
        self.rescale = QtWidgets.QCheckBox("按新分值等比调整已人工评定的得分")
        self.rescale.setChecked(entered > 0)
        self.rescale.setEnabled(entered > 0)
        self.rescale.setToolTip(
            f"本表有 {entered} 项人工评定的得分：按“新分值 ÷ 原分值”同比例调整，且不超过新分值，"
            f"并记下调整原因。不勾选则保持原得分（超过新分值的会报错）。" if entered
            else "本表没有人工评定的得分；按规则计算的得分会随分值自动变化。")
        layout.addWidget(self.rescale)
        layout.addWidget(_buttons(self, "配平"))

    def plan(self) -> WeightPlan:
        groups = tuple((level1, Decimal(str(round(spin.value(), 2))))
                       for level1, check, spin in self.rows if check.isChecked())
        from perfdesk.domain.weights import EVEN, PROPORTIONAL

        return WeightPlan(groups, EVEN if self.even.isChecked() else PROPORTIONAL,
                          self.rescale.isChecked() and self.rescale.isEnabled())

    @classmethod
    def ask(cls, parent, form: Form, definition: FormDefinition, only: str | None = None) -> WeightPlan | None:
        dialog = cls(parent, form, definition, only)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        plan = dialog.plan()
        return plan if plan.groups else None


class LevelDialog(QDialog):
    """更改层级: move the selected rows to another 一级 / 二级."""

    def __init__(self, parent, taxonomy: Taxonomy, level1: str, level2: str):
        super().__init__(parent)
        self.setWindowTitle("更改指标层级")
        self.taxonomy = taxonomy
        form = QtWidgets.QFormLayout(self)
        self.level1 = QComboBox()
        self.level1.setEditable(True)
        self.level1.addItems(taxonomy.level1_names())
        self.level1.setCurrentText(level1)
        self.level2 = QComboBox()
        self.level2.setEditable(True)
        self.level1.currentTextChanged.connect(self._fill_level2)
        self._fill_level2(level1)
        self.level2.setCurrentText(level2)
        form.addRow("一级指标", self.level1)
        form.addRow("二级指标", self.level2)
        form.addRow(_buttons(self))

    def _fill_level2(self, level1: str) -> None:
        current = self.level2.currentText()
        self.level2.clear()
        found = self.taxonomy.find(level1)
        self.level2.addItems(list(found.level2) if found else [])
        self.level2.setCurrentText(current)

    @classmethod
    def ask(cls, parent, taxonomy: Taxonomy, level1: str, level2: str) -> tuple[str, str] | None:
        dialog = cls(parent, taxonomy, level1, level2)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.level1.currentText().strip(), dialog.level2.currentText().strip()

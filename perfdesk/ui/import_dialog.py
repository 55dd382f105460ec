"""UI layer: 导入 Word/Excel 表格 — read the files off the GUI thread, show what was recognised,
and write nothing until the user presses 导入.

The reading is the pure `perfdesk.importing.import_file`, one file at a time in `read_files`,
run off the GUI thread by an editing-layer `Job`: each file's result comes back as the job's
`partial` signal as soon as it is read, nothing on the worker touches a widget, and between
two files it checks whether the user pressed 停止. The dialog plans the import against the
open file (`plan_import`, pure) every time a file arrives, so the tree always shows what 导入
would do; the caller applies the returned plan as one undo step
(`perfdesk.editing.rollforward_commands.ApplyImportCommand`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Sequence

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QComboBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from perfdesk.domain.definition import FormDefinition
from perfdesk.editing.jobs import Job
from perfdesk.editing.session import EditSession
from perfdesk.importing import ImportPlan, ImportResult, import_file, plan_import

SOURCE_FILTER = "Word / Excel 表格 (*.xlsx *.docx);;Excel 表格 (*.xlsx);;Word 文档 (*.docx);;所有文件 (*)"
RED = QColor("#b00020")
GREY = QColor("#777777")
GREEN = QColor("#1b6e20")


def read_files(paths: Sequence[Path], definitions: Sequence[FormDefinition], *, progress, cancelled,
               deliver) -> int:
    """The work of one read, run by a `Job` on its worker thread: the files one by one, each
    ImportResult handed to the GUI thread as soon as it is read, a check for 停止 between two
    files. Touches no widget. Returns how many files were read."""
    total = len(paths)
    read = 0
    for path in paths:
        if cancelled():
            break
        progress(read, total, path.name)
        try:
            result = import_file(path, definitions)
        except Exception as exc:  # noqa: BLE001 - one bad file must not end the others
            result = ImportResult(path, error=f"{path.name} 无法读取（{type(exc).__name__}）。")
        deliver(result)
        read += 1
    progress(total if not cancelled() else -1, total, "")
    return read


def _counts_text(counts: dict[str, int]) -> str:
    parts = [f"{counts[key]} 个{label}" for key, label in (("errors", "错误"), ("warnings", "警告"),
                                                           ("infos", "提示")) if counts.get(key)]
    return "，".join(parts) or "无"


class ImportDialog(QDialog):
    # The form's kind is in its 表样's name; where in the file it was found is in the tooltip.
    COLUMNS = ("文件 / 项目", "年度", "表样", "指标", "问题", "人工评定", "导入后")
    FATE = 6

    def __init__(self, parent, session: EditSession, paths: Sequence[str | Path] = ()):
        super().__init__(parent)
        self.session = session
        self.results: list[ImportResult] = []
        self.pending: list[Path] = []  # queued while a read is running
        self.unread: list[Path] = []  # left out by 停止
        self.plan: ImportPlan | None = None
        self._job: Job | None = None
        self._reading: list[Path] = []  # the files of the running job
        self.setWindowTitle("导入 Word/Excel 表格")
        self.resize(1100, 620)
        layout = QVBoxLayout(self)
        intro = QLabel("读取 PerfDesk 导出的表格，或按官方格式制作的表格。请核对识别结果，按“导入”后才写入文件，"
                       "整个导入可一步撤销。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        bar = QHBoxLayout()
        self.add_button = QPushButton("添加文件…")
        self.add_button.clicked.connect(self.choose_files)
        bar.addWidget(self.add_button)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m 个文件")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        bar.addWidget(self.progress, 1)
        self.stop_button = QPushButton("停止读取")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_reading)
        bar.addWidget(self.stop_button)
        layout.addLayout(bar)
        # Which definition reads the tables: by the labels found (the default), or the one the
        # user picks — when two fit a table equally, the table is not guessed, it waits for this.
        choice_bar = QHBoxLayout()
        choice_bar.addWidget(QLabel("表单定义："))
        self.definition_choice = QComboBox()
        self.definition_choice.addItem("自动（按表中的标签选择）", None)
        for definition in sorted(session.registry, key=lambda d: d.name):
            self.definition_choice.addItem(f"{definition.name}（{definition.id}）", definition.id)
        self.definition_choice.setToolTip("表格的样式与多个表单定义同样接近时，在这里指定一个，已添加的文件会重新读取")
        self.definition_choice.currentIndexChanged.connect(self._on_definition_chosen)
        choice_bar.addWidget(self.definition_choice, 1)
        layout.addLayout(choice_bar)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(self.COLUMNS))
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.tree, 1)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        font = QFont(self.summary.font())
        font.setBold(True)
        self.summary.setFont(font)
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._refresh()
        if paths:
            self.read(paths)

    # -- dialogs tests replace -----------------------------------------------------------
    @classmethod
    def ask(cls, parent, session: EditSession, paths: Sequence[str | Path] | None = None) -> ImportPlan | None:
        if paths is None:
            paths = cls.pick_files(parent, str(session.store.path.parent))
            if not paths:
                return None
        dialog = cls(parent, session, paths)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.plan if dialog.plan is not None and dialog.plan.to_create else None
        finally:
            dialog.stop_reading(wait=True)
            dialog.deleteLater()

    @classmethod
    def pick_files(cls, parent, folder: str) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(parent, "选择要导入的 Word/Excel 表格", folder, SOURCE_FILTER)
        return list(paths)

    # -- reading -------------------------------------------------------------------------
    @property
    def reading(self) -> bool:
        return self._job is not None

    def choose_files(self) -> None:
        paths = type(self).pick_files(self, str(self.session.store.path.parent))
        if paths:
            self.read(paths)

    def read(self, paths: Sequence[str | Path]) -> None:
        known = {r.path.resolve() for r in self.results} | {p.resolve() for p in self.pending}
        fresh = []
        for path in map(Path, paths):
            if path.resolve() not in known:
                known.add(path.resolve())
                fresh.append(path)
        self.unread = [p for p in self.unread if p.resolve() not in known]
        if self._job is not None:
            self.pending.extend(fresh)  # read once the running job is done
            return
        if not fresh:
            self._refresh()
            return
        # No Qt parent: a job keeps itself alive until its thread ends, see perfdesk.editing.jobs.
        job = Job(functools.partial(read_files, fresh, self.definitions()))
        job.progressed.connect(self._on_progress)
        job.partial.connect(self._on_file_read)
        job.ended.connect(self._on_finished)
        self._job, self._reading = job, fresh
        self.progress.setRange(0, len(fresh))
        self.progress.setValue(0)
        self._refresh()
        job.start()

    def definitions(self) -> list[FormDefinition]:
        chosen = self.definition_choice.currentData()
        return [self.session.registry.get(chosen)] if chosen else list(self.session.registry)

    def _on_definition_chosen(self) -> None:
        """Read every added file again with the chosen definition(s)."""
        paths = [r.path for r in self.results] + self._reading + self.pending
        self.stop_reading(wait=True)
        self.results, self.pending, self.unread = [], [], []
        self.read(paths)

    def stop_reading(self, wait: bool = False) -> None:
        """Ask the job to stop after the file it is reading; `wait` blocks until it has."""
        job = self._job
        if job is None:
            return
        job.cancel()
        self.pending.clear()
        self.status.setText("正在停止：读完当前文件后停止。")
        if wait:
            job.join()  # the files read meanwhile arrive, then _on_finished
            self._on_finished()  # in case the thread outlived the wait

    def _on_progress(self, done: int, total: int, name: str) -> None:
        if done >= 0:
            self.progress.setValue(done)
        if name:
            self.status.setText(f"正在读取 {name}（第 {done + 1} 个，共 {total} 个）…")

    def _on_file_read(self, result: ImportResult) -> None:
        if self._job is None:  # stopped and closed: a late result is not shown
            return
        self.results.append(result)
        self._refresh()

    def _on_finished(self) -> None:
        job, self._job = self._job, None
        if job is None:
            return
        # A job that outlived stop_reading's wait must not speak to a later one's dialog state.
        for signal, slot in ((job.progressed, self._on_progress), (job.partial, self._on_file_read),
                             (job.ended, self._on_finished)):
            signal.disconnect(slot)
        paths, self._reading = self._reading, []
        read = {r.path for r in self.results}
        if job.cancelled:
            self.unread.extend(p for p in paths if p not in read)
        if self.pending:
            queued, self.pending = self.pending, []
            self.read(queued)
            return
        self.status.setText("已停止读取，未读取的文件不会导入。" if self.unread else "读取完毕。")
        self._refresh()

    # -- the preview ---------------------------------------------------------------------
    def _refresh(self) -> None:
        self.plan = plan_import(self.session.workspace, self.results) if self.results else None
        self._fill_tree()
        reading = self.reading
        self.stop_button.setEnabled(reading)
        count = len(self.plan.to_create) if self.plan is not None else 0
        self.import_button.setText(f"导入 {count} 张表" if count else "导入")
        self.import_button.setEnabled(not reading and count > 0)
        if self.plan is None:
            self.summary.setText("" if reading else "请添加要导入的文件。")
        else:
            lines = self.plan.summary().splitlines()
            tail = [line for line in lines if line.startswith(("共 ", "单位："))]
            text = "\n".join(tail)
            if not count and not reading:
                text += "\n没有可以导入的表。"
            self.summary.setText(text)
        self.summary.setStyleSheet(f"color: {RED.name()}" if self.plan is not None and not count and not reading
                                   else "")

    def _fill_tree(self) -> None:
        self.tree.clear()
        entries = {}
        if self.plan is not None:
            entries = {id(e.imported): e for e in self.plan.entries}
        for result in self.results:
            if result.error:
                top = self._message(self.tree, f"{result.path.name} · 无法导入", RED)
                self._message(top, result.error, RED)
            else:
                kind = {"xlsx": "Excel", "docx": "Word"}.get(result.format, result.format)
                top = self._message(self.tree, f"{result.path.name} · {kind} · 识别 {len(result.forms)} 张表", None)
            top.setToolTip(0, str(result.path))
            bold = QFont(top.font(0))
            bold.setBold(True)
            top.setFont(0, bold)
            for imported in result.forms:
                entry = entries.get(id(imported))
                counts = imported.counts
                item = QTreeWidgetItem(top, [
                    imported.project_name, str(imported.year), imported.definition.name,
                    str(counts["indicators"]), _counts_text(counts),
                    str(counts["overrides"]) if counts["overrides"] else "", self._fate(entry)])
                item.setToolTip(0, f"{imported.where}\n{imported.describe()}" if imported.where
                                else imported.describe())
                item.setToolTip(2, imported.definition_id)
                if counts["errors"]:
                    item.setForeground(4, QBrush(RED))
                if entry is None or entry.form is None:
                    self._paint(item, GREY)
                    if entry is not None:
                        item.setToolTip(self.FATE, entry.skipped)
                else:
                    item.setForeground(self.FATE, QBrush(GREEN))
                if imported.chosen:
                    self._message(item, f"表单定义“{imported.definition.name}”：{imported.chosen}", None)
                for note in imported.notes:
                    self._message(item, f"说明：{note}", None)
            for part in result.skipped:
                self._message(top, f"未作为表格导入 · {part.where}：{part.reason}", GREY)
        for path in self.unread:
            self._message(self.tree, f"{path.name} · 未读取（已停止）", GREY)
        if self._job is not None:
            read = {r.path for r in self.results}
            for path in [p for p in self._reading if p not in read] + self.pending:
                self._message(self.tree, f"{path.name} · 等待读取…", GREY)
        self.tree.expandAll()

    @staticmethod
    def _fate(entry) -> str:
        if entry is None:
            return ""
        if entry.form is None:
            return "跳过（已存在）" if "已有" in entry.skipped else "跳过（重复）"
        return "新建项目并导入" if entry.new_project is not None else "导入到已有项目"

    def _message(self, parent, text: str, colour: QColor | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setToolTip(0, text)
        item.setFirstColumnSpanned(True)  # a sentence, not a row of the table
        if colour is not None:
            item.setForeground(0, QBrush(colour))
        return item

    def _paint(self, item: QTreeWidgetItem, colour: QColor) -> None:
        for column in range(len(self.COLUMNS)):
            item.setForeground(column, QBrush(colour))

    # -- closing -------------------------------------------------------------------------
    def accept(self) -> None:
        if self.reading or self.plan is None or not self.plan.to_create:
            return
        # Planned again at the last moment: it is what the tree shows, against the file as it is.
        self.plan = plan_import(self.session.workspace, self.results)
        super().accept()

    def done(self, result: int) -> None:
        self.stop_reading(wait=True)  # a running thread must not outlive its dialog
        super().done(result)

"""UI layer: 定稿 history, 对比 lists and the questions 定稿 asks.

* `HistoryDialog` — one form's snapshots and its 定稿 / 撤回定稿 events with their reasons;
  from a snapshot: compare with now, export it again exactly as it was handed in, or open it
  read-only in a window of its own.
* `DiffDialog` — the changes between two versions as a readable list (grouped by form); a
  double-click shows the changed cell in the form, and the list exports to xlsx.
* `CompareDialog` — choose what to compare: a snapshot with now, or two snapshots.

The work is the domain's (`perfdesk.domain.snapshot`, `perfdesk.domain.diff`); imported only
when one of these is first used.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from perfdesk.domain import diff
from perfdesk.domain.model import FINALISED
from perfdesk.domain.snapshot import Snapshot, SnapshotError, snapshots_of_form
from perfdesk.editing.session import EditSession

from .dialogs import Ask

CHANGE_ROLE = Qt.ItemDataRole.UserRole + 50
SNAPSHOT_ROLE = Qt.ItemDataRole.UserRole + 51


def when(text: str) -> str:
    return (text or "")[:16].replace("T", " ")


def form_title(session: EditSession, form_id: str) -> str:
    ws = session.workspace
    form = ws.forms.get(form_id)
    return diff.form_label(ws, form) if form is not None else "（已删除的表）"


def ask_reason(parent, session: EditSession, form_ids: list[str], action: str = "") -> str | None:
    """撤回定稿 needs a reason, which is kept in the forms' history."""
    names = "、".join(form_title(session, form_id) for form_id in form_ids[:3])
    more = f" 等 {len(form_ids)} 张表" if len(form_ids) > 3 else ""
    doing = f"要进行“{action}”，" if action else ""
    return Ask.text(parent, "撤回定稿", f"{names}{more}已定稿。{doing}需先撤回定稿。\n请说明撤回的原因（将记入定稿记录）：")


def side_of(session: EditSession, snapshot: Snapshot | None, form_ids: list[str] | None = None) -> diff.Side:
    """A snapshot's forms with the scores they were handed in with; None: the file now."""
    if snapshot is None:
        return diff.current_side(session.workspace, form_ids or [], session.registry.get)
    content = session.store.snapshot_content(snapshot.id)
    return diff.Side(content.workspace, content.form_ids, content.scores)


class DiffDialog(QDialog):
    """The changes, grouped by form. `showChange(change)` on a double-click."""

    showChange = Signal(object)

    def __init__(self, session: EditSession, title: str, changes: list[diff.Change], parent=None):
        super().__init__(parent)
        self.session = session
        self.changes = changes
        self.setWindowTitle(f"对比：{title}")
        self.heading = QLabel(f"{title}：{len(changes)} 处变化" if changes else f"{title}：没有变化")
        self.heading.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["位置", "类别", "原内容", "新内容"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        groups: dict[str, QTreeWidgetItem] = {}
        for change in changes:
            group = groups.get(change.form)
            if group is None:
                group = groups[change.form] = QTreeWidgetItem(self.tree, [change.form])
                group.setFirstColumnSpanned(True)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
            if change.kind == diff.ROW_MOVED:
                old, new = f"第 {change.old_position + 1} 行", f"第 {change.new_position + 1} 行"
            else:
                old, new = change.old or "", change.new or ""
            item = QTreeWidgetItem(group, [change.where, diff.KIND_LABELS.get(change.kind, change.kind), old, new])
            item.setData(0, CHANGE_ROLE, change)
            item.setToolTip(0, change.text())
        self.tree.expandAll()
        for column, width in enumerate((430, 90, 200, 200)):
            self.tree.setColumnWidth(column, width)
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        export = QPushButton("导出 Excel…")
        export.clicked.connect(self.export)
        export.setEnabled(bool(changes))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        row = QHBoxLayout()
        row.addWidget(export)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        self.resize(1040, 560)

    def _on_double_click(self, item, _column) -> None:
        change = item.data(0, CHANGE_ROLE)
        if change is not None:
            self.showChange.emit(change)

    def export(self, path: str | None = None) -> Path | None:
        from perfdesk.export.overview import diff_grid, write_xlsx

        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "导出对比清单", "对比.xlsx", "Excel 文件 (*.xlsx)")
            if not path:
                return None
        title = self.windowTitle()
        try:
            return write_xlsx([diff_grid(self.session.workspace, title, self.changes)], path, title=title)
        except OSError as exc:
            Ask.error(self, "无法导出", f"无法写入 {path}：{exc.strerror or exc}")
            return None


class CompareDialog(QDialog):
    """Choose two versions: a snapshot, and now or another snapshot."""

    def __init__(self, session: EditSession, snapshots: list[Snapshot], parent=None):
        super().__init__(parent)
        self.setWindowTitle("对比")
        self.source = QComboBox()
        self.target = QComboBox()
        self.target.addItem("当前内容", None)
        for snapshot in snapshots:
            label = f"{snapshot.name}（{len(snapshot.form_ids)} 张表）"
            self.source.addItem(label, snapshot.id)
            self.target.addItem(label, snapshot.id)
        form = QFormLayout()
        form.addRow("从：", self.source)
        form.addRow("到：", self.target)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("对比")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def choice(self) -> tuple[str, str | None]:
        return self.source.currentData(), self.target.currentData()


class HistoryDialog(QDialog):
    """One form's 定稿 history: its snapshots, and every 定稿 / 撤回定稿 with the reason."""

    compareRequested = Signal(str, str)  # snapshot id, form id
    openRequested = Signal(str)  # snapshot id: open it read-only

    def __init__(self, session: EditSession, form_id: str, parent=None):
        super().__init__(parent)
        self.session = session
        self.form_id = form_id
        self.setWindowTitle(f"定稿记录：{form_title(session, form_id)}")
        ws = session.workspace
        mark = ws.finals.get(form_id)
        state = (f"已定稿（{when(mark.at)}，快照“{ws.snapshots[mark.snapshot_id].name}”）"
                 if mark is not None and mark.snapshot_id in ws.snapshots else "未定稿")
        self.state = QLabel(f"当前状态：{state}")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["时间", "事件", "快照 / 原因", "说明"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        rows = []
        for event in ws.final_history(form_id):
            snapshot = ws.snapshots.get(event.snapshot_id or "")
            if event.what == FINALISED:
                rows.append((event.at, "定稿", snapshot.name if snapshot else "", snapshot.note if snapshot else "",
                             snapshot.id if snapshot else None))
            else:
                rows.append((event.at, "撤回定稿", f"原因：{event.reason}", "", None))
        for snapshot in snapshots_of_form(ws, form_id):  # snapshots made before a log existed
            if not any(r[4] == snapshot.id for r in rows):
                rows.append((snapshot.at, "定稿", snapshot.name, snapshot.note, snapshot.id))
        for at, what, detail, note, snapshot_id in sorted(rows, key=lambda r: r[0]):
            item = QTreeWidgetItem(self.tree, [when(at), what, detail, note])
            item.setData(0, SNAPSHOT_ROLE, snapshot_id)
            if what == "撤回定稿":
                item.setForeground(1, Qt.GlobalColor.darkRed)
        for column, width in enumerate((130, 80, 320, 200)):
            self.tree.setColumnWidth(column, width)
        self.empty = QLabel("这张表还没有定稿记录。")
        self.empty.setVisible(not rows)
        self.compare_button = QPushButton("与当前对比")
        self.export_button = QPushButton("按定稿时导出")
        menu = QMenu(self.export_button)
        for label, fmt in (("Excel（.xlsx）…", "xlsx"), ("Word（.docx）…", "docx"), ("PDF…", "pdf")):
            menu.addAction(label).triggered.connect(lambda _=False, f=fmt: self.export_snapshot(fmt=f))
        self.export_button.setMenu(menu)
        self.open_button = QPushButton("只读打开快照")
        for button in (self.compare_button, self.export_button, self.open_button):
            button.setEnabled(False)
        self.tree.currentItemChanged.connect(self._on_current)
        self.compare_button.clicked.connect(lambda: self._selected() and self.compareRequested.emit(
            self._selected(), self.form_id))
        self.open_button.clicked.connect(lambda: self._selected() and self.openRequested.emit(self._selected()))
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        for button in (self.compare_button, self.export_button, self.open_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.empty)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        self.resize(820, 420)
        first = next((self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())
                      if self.tree.topLevelItem(i).data(0, SNAPSHOT_ROLE)), None)
        if first is not None:
            self.tree.setCurrentItem(first)

    def _selected(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, SNAPSHOT_ROLE) if item is not None else None

    def _on_current(self, current, _previous) -> None:
        has = bool(current is not None and current.data(0, SNAPSHOT_ROLE))
        for button in (self.compare_button, self.export_button, self.open_button):
            button.setEnabled(has)

    def export_snapshot(self, folder: str | None = None, fmt: str | None = None) -> list[Path]:
        """The form as it was in the selected snapshot, exported again (xlsx, docx or pdf)."""
        snapshot_id = self._selected()
        if not snapshot_id:
            return []
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "导出到文件夹")
            if not folder:
                return []
        written = export_snapshot(self, self.session, snapshot_id, [self.form_id], folder, fmt or "xlsx")
        if written:
            Ask.info(self, "按定稿时导出", "已导出定稿时的内容：\n" + "\n".join(str(p) for p in written))
        return written


def export_snapshot(parent, session: EditSession, snapshot_id: str, form_ids: list[str] | None, folder: str,
                    fmt: str) -> list[Path]:
    from perfdesk.export.batch import export_forms
    from perfdesk.export.errors import ExportError

    try:
        content = session.store.snapshot_content(snapshot_id)
    except SnapshotError as exc:
        Ask.error(parent, "无法导出", str(exc))
        return []
    ids = [i for i in (form_ids or content.form_ids) if i in content.workspace.forms]
    forms = [content.workspace.forms[i] for i in ids]
    try:
        return export_forms(content.workspace, forms, session.registry, fmt, folder, with_list=False, overwrite=True)
    except ExportError as exc:
        Ask.error(parent, "无法导出", str(exc))
        return []


def snapshot_file(session: EditSession, snapshot_id: str) -> Path:
    """The snapshot's forms as a .perfdesk file of their own in a temporary folder, for a
    read-only window."""
    from perfdesk.store import FileStore

    content = session.store.snapshot_content(snapshot_id)
    snapshot = session.workspace.snapshots[snapshot_id]
    folder = Path(tempfile.mkdtemp(prefix="perfdesk-snapshot-"))
    safe = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in snapshot.name).strip() or "快照"
    path = folder / f"{safe}（快照，只读）.perfdesk"
    store = FileStore.create(path)
    try:
        store.write_all(content.workspace)
    finally:
        store.close()
    return path

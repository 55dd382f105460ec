"""Editing layer: the navigator's tree — unit → year → project → 申报表 / 自评表.

The tree is derived from the workspace. When projects or forms come and go, the model works
out the difference and announces exactly the rows that were removed, inserted or moved, so
the view keeps its selection and expanded branches (a reset would collapse everything).
"""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from perfdesk.domain.definition import FormKind
from perfdesk.domain.validation import Severity

from .commands import RenameProjectCommand
from .indicator_model import severity_icon, worst
from .session import EditSession

UNIT, YEAR, PROJECT, FORM = "unit", "year", "project", "form"
KIND_LABELS = {FormKind.DECLARATION: "绩效目标申报表", FormKind.SELF_EVALUATION: "绩效自评表"}


class OutlineRole(IntEnum):
    NODE_KIND = Qt.ItemDataRole.UserRole + 20
    FORM_ID = Qt.ItemDataRole.UserRole + 21
    PROJECT_ID = Qt.ItemDataRole.UserRole + 22
    YEAR = Qt.ItemDataRole.UserRole + 23


class Node:
    __slots__ = ("kind", "key", "parent", "children")

    def __init__(self, kind: str, key, parent: "Node | None"):
        self.kind, self.key, self.parent = kind, key, parent
        self.children: list[Node] = []

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0


class OutlineModel(QAbstractItemModel):
    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self._root = Node("root", None, None)
        self._sync()
        session.outlineChanged.connect(self._sync)
        session.analysisChanged.connect(self._on_analysis_changed)

    # -- what the tree should be -------------------------------------------------------
    def _wanted(self, node: Node) -> list[tuple[str, object]]:
        ws = self.session.workspace
        if node.kind == "root":
            return [(UNIT, "unit")]
        if node.kind == UNIT:
            return [(YEAR, year) for year in sorted(ws.years(), reverse=True)]
        if node.kind == YEAR:
            project_ids = {f.project_id for f in ws.forms.values() if f.year == node.key}
            names = sorted(project_ids, key=lambda pid: (ws.projects[pid].name, pid))
            return [(PROJECT, (node.key, pid)) for pid in names]
        if node.kind == PROJECT:
            year, project_id = node.key
            forms = [f for f in ws.forms_of(project_id) if f.year == year]
            return [(FORM, f.id) for f in forms]
        return []

    def _sync(self) -> None:
        self._sync_children(self._root, QModelIndex())
        # Names and labels may have changed without any row moving.
        self._emit_all_changed(self._root, QModelIndex())

    def _sync_children(self, node: Node, parent_index: QModelIndex) -> None:
        wanted = self._wanted(node)
        wanted_keys = [(kind, key) for kind, key in wanted]
        wanted_set = set(wanted_keys)
        for i in range(len(node.children) - 1, -1, -1):
            child = node.children[i]
            if (child.kind, child.key) not in wanted_set:
                self.beginRemoveRows(parent_index, i, i)
                node.children.pop(i)
                self.endRemoveRows()
        for position, (kind, key) in enumerate(wanted_keys):
            current = next((i for i, c in enumerate(node.children) if (c.kind, c.key) == (kind, key)), None)
            if current is None:
                self.beginInsertRows(parent_index, position, position)
                node.children.insert(position, Node(kind, key, node))
                self.endInsertRows()
            elif current != position:
                self.beginMoveRows(parent_index, current, current, parent_index, position)
                node.children.insert(position, node.children.pop(current))
                self.endMoveRows()
        for i, child in enumerate(node.children):
            self._sync_children(child, self.index(i, 0, parent_index))

    def _emit_all_changed(self, node: Node, parent_index: QModelIndex) -> None:
        if node.children:
            first = self.index(0, 0, parent_index)
            last = self.index(len(node.children) - 1, 0, parent_index)
            self.dataChanged.emit(first, last, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole,
                                                Qt.ItemDataRole.ToolTipRole])
            for i, child in enumerate(node.children):
                self._emit_all_changed(child, self.index(i, 0, parent_index))

    def _on_analysis_changed(self, form_id: str) -> None:
        index = self.index_of_form(form_id)
        if index.isValid():
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole])

    # -- lookups -------------------------------------------------------------------------
    def _node(self, index: QModelIndex | QPersistentModelIndex) -> Node:
        return index.internalPointer() if index.isValid() else self._root

    def index_of_form(self, form_id: str) -> QModelIndex:
        return self._find(lambda n: n.kind == FORM and n.key == form_id)

    def index_of_year(self, year: int) -> QModelIndex:
        return self._find(lambda n: n.kind == YEAR and n.key == year)

    def _find(self, match) -> QModelIndex:
        stack = [(self._root, QModelIndex())]
        while stack:
            node, index = stack.pop()
            for i, child in enumerate(node.children):
                child_index = self.index(i, 0, index)
                if match(child):
                    return child_index
                stack.append((child, child_index))
        return QModelIndex()

    # -- the Qt model contract -----------------------------------------------------------
    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:
        node = self._node(parent)
        if column != 0 or not (0 <= row < len(node.children)):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row])

    def parent(self, index=QModelIndex()):  # noqa: D401 - Qt's name
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        parent = node.parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row(), 0, parent)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 1

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and section == 0:
            return "项目与表"
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        node = self._node(index)
        if node.kind == PROJECT and not self.session.read_only:
            flags |= Qt.ItemFlag.ItemIsEditable  # F2 renames the project
        return flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node = self._node(index)
        ws = self.session.workspace
        if role == OutlineRole.NODE_KIND:
            return node.kind
        if role == OutlineRole.YEAR:
            return node.key if node.kind == YEAR else node.key[0] if node.kind == PROJECT else (
                ws.forms[node.key].year if node.kind == FORM and node.key in ws.forms else None)
        if role == OutlineRole.PROJECT_ID:
            if node.kind == PROJECT:
                return node.key[1]
            if node.kind == FORM and node.key in ws.forms:
                return ws.forms[node.key].project_id
            return None
        if role == OutlineRole.FORM_ID:
            return node.key if node.kind == FORM else None
        if node.kind == FORM and node.key not in ws.forms:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if node.kind == UNIT:
                return ws.unit.name or "本单位"
            if node.kind == YEAR:
                return f"{node.key}年"
            if node.kind == PROJECT:
                project = ws.projects.get(node.key[1])
                return project.name if project else ""
            return KIND_LABELS[ws.forms[node.key].kind]
        if node.kind == FORM and role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole):
            issues = self.session.analysis(node.key).issues
            severity = worst(issues)
            if role == Qt.ItemDataRole.DecorationRole:
                return severity_icon(severity) if severity else None
            counts = {s: sum(1 for i in issues if i.severity is s) for s in Severity}
            return (f"{counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个警告，"
                    f"{counts[Severity.INFO]} 条提示" if issues else "没有发现问题")
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.session.read_only:
            return False
        node = self._node(index)
        name = str(value or "").strip()
        if node.kind != PROJECT or not name or name == self.session.workspace.projects[node.key[1]].name:
            return False
        self.session.push(RenameProjectCommand(self.session.workspace, node.key[1], name, f"重命名项目为「{name}」"))
        return True

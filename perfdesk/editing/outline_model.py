"""Editing layer: the navigator's tree — unit → year → project → 申报表 / 自评表.

The tree is derived from the workspace. When projects or forms come and go, the model works
out the difference and announces exactly the rows that were removed, inserted or moved, so
the view keeps its selection and expanded branches (a reset would collapse everything).
"""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, QTimer

from perfdesk.domain.definition import FormKind
from perfdesk.domain.validation import Severity

from .commands import RenameProjectCommand
from .indicator_model import severity_icon, worst
from .session import EditSession

UNIT, YEAR, PROJECT, FORM = "unit", "year", "project", "form"
_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE = _SELECTABLE | Qt.ItemFlag.ItemIsEditable
KIND_LABELS = {FormKind.DECLARATION: "绩效目标申报表", FormKind.SELF_EVALUATION: "绩效自评表"}
FINAL_SUFFIX = "（已定稿）"  # after the label of a finalised form


class OutlineRole(IntEnum):
    NODE_KIND = Qt.ItemDataRole.UserRole + 20
    FORM_ID = Qt.ItemDataRole.UserRole + 21
    PROJECT_ID = Qt.ItemDataRole.UserRole + 22
    YEAR = Qt.ItemDataRole.UserRole + 23


class Node:
    __slots__ = ("kind", "key", "ident", "parent", "children", "position", "label")

    def __init__(self, kind: str, key, parent: "Node | None"):
        self.kind, self.key, self.parent = kind, key, parent
        self.ident = (kind, key)  # what the node stands for; never changes
        self.children: list[Node] = []
        self.position = 0  # index in parent.children, kept current by OutlineModel
        self.label: str | None = None  # a name that can change in place (unit, project), as last shown

    def row(self) -> int:
        return self.position if self.parent else 0


class _Plan:
    """What the tree should be, worked out once per sync from one pass over the forms (the
    forms `accept` lets through, when the navigator filters)."""

    def __init__(self, ws, accept=None):
        self.ws = ws
        # year -> project id -> that project's forms of the year, in workspace order
        self.by_year: dict[int, dict[str, list]] = {}
        self.shown = 0
        for form in ws.forms.values():
            if accept is not None and not accept(form):
                continue
            self.by_year.setdefault(form.year, {}).setdefault(form.project_id, []).append(form)
            self.shown += 1

    def wanted(self, node: Node) -> list[tuple[str, object]]:
        ws = self.ws
        if node.kind == "root":
            return [(UNIT, "unit")]
        if node.kind == UNIT:
            return [(YEAR, year) for year in sorted(self.by_year, reverse=True)]
        if node.kind == YEAR:
            project_ids = self.by_year.get(node.key, {})
            names = sorted(project_ids, key=lambda pid: (ws.projects[pid].name, pid))
            return [(PROJECT, (node.key, pid)) for pid in names]
        if node.kind == PROJECT:
            year, project_id = node.key
            forms = self.by_year.get(year, {}).get(project_id, ())
            if len(forms) > 1:  # as Workspace.forms_of orders a project's forms: declaration first
                forms = sorted(forms, key=lambda f: f.kind is not FormKind.DECLARATION)
            return [(FORM, f.id) for f in forms]
        return []


class OutlineModel(QAbstractItemModel):
    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self._root = Node("root", None, None)
        # Every node of the tree by (kind, key): a form, a year or a project-in-a-year is
        # found without walking the tree. Kept in step with every insert and remove.
        self._nodes: dict[tuple[str, object], Node] = {}
        # The navigator's filter: form -> shown?; None shows every form. Years and projects
        # show when they have a form shown.
        self._accept = None
        self.shown_forms = 0  # how many forms the tree shows
        self._shown_ids: frozenset | None = None  # which, as of the last set_filter
        # Forms whose status icon a view asked for before their analysis was known: analysed
        # on the next turn of the event loop, after the frame being painted (see data()).
        self._unknown: set[str] = set()
        self._sync()
        session.outlineChanged.connect(self._sync)
        session.analysisChanged.connect(self._on_analysis_changed)
        session.finalsChanged.connect(self._on_finals_changed)

    # -- what the tree should be -------------------------------------------------------
    def set_filter(self, accept=None) -> None:
        """Show only the forms `accept(form)` is true of (None: all). A new filter is a new
        tree (a reset: thousands of rows going and coming one run at a time would cost the
        view far more); the outline changing under a filter changes it by rows, as ever."""
        self._accept = accept
        plan = _Plan(self.session.workspace, accept)
        shown = frozenset(form.id for projects in plan.by_year.values() for forms in projects.values() for form in forms)
        if shown == self._shown_ids:
            return  # the same forms: the tree stays as it is (and as the user left it)
        self._shown_ids = shown
        self.beginResetModel()
        self._root = Node("root", None, None)
        self._nodes = {}
        self.shown_forms = plan.shown
        stack = [self._root]
        while stack:
            node = stack.pop()
            for position, (kind, key) in enumerate(plan.wanted(node)):
                child = Node(kind, key, node)
                child.position = position
                if kind != FORM:
                    child.label = self._label(child)
                node.children.append(child)
                self._nodes[child.ident] = child
                if kind != FORM:
                    stack.append(child)
        self.endResetModel()

    @property
    def filtered(self) -> bool:
        return self._accept is not None

    def _sync(self) -> None:
        self._shown_ids = None  # the outline may have changed: the next set_filter looks afresh
        plan = _Plan(self.session.workspace, self._accept)
        self.shown_forms = plan.shown
        self._sync_children(self._root, QModelIndex(), plan)
        # Names may have changed without any row moving.
        self._announce_renamed()

    def _label(self, node: Node) -> str | None:
        """The part of a row's text that can change while the row stays: the unit's name and
        a project's name (a year's label is its year, a form's its kind)."""
        ws = self.session.workspace
        if node.kind == UNIT:
            return ws.unit.name or "本单位"
        if node.kind == PROJECT:
            project = ws.projects.get(node.key[1])
            return project.name if project else ""
        return None

    def _announce_renamed(self) -> None:
        """dataChanged for exactly the rows whose name changed (a signal over every row of a
        big tree makes the view re-measure all of them)."""
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole]
        for unit in self._root.children:
            changed = [unit]
            for year in unit.children:
                changed.extend(year.children)
            for node in changed:
                label = self._label(node)
                if label != node.label:
                    node.label = label
                    index = self.createIndex(node.position, 0, node)
                    self.dataChanged.emit(index, index, roles)

    @staticmethod
    def _renumber(node: Node, start: int, stop: int | None = None) -> None:
        children = node.children
        for i in range(start, len(children) if stop is None else stop):
            children[i].position = i

    def _forget(self, node: Node) -> None:
        """Drop a removed node and everything under it from the index."""
        stack = [node]
        while stack:
            n = stack.pop()
            if self._nodes.get(n.ident) is n:
                del self._nodes[n.ident]
            stack.extend(n.children)

    def _sync_children(self, node: Node, parent_index: QModelIndex, plan: _Plan) -> None:
        wanted_keys = plan.wanted(node)
        children = node.children
        if len(children) == len(wanted_keys) and all(
                child.ident == ident for child, ident in zip(children, wanted_keys)):
            self._sync_grandchildren(node, plan)  # the usual case: nothing changed here
            return
        wanted_set = set(wanted_keys)
        # Rows no longer wanted go, a run of neighbours at a time, from the end.
        i = len(children) - 1
        while i >= 0:
            if children[i].ident in wanted_set:
                i -= 1
                continue
            last = i
            while i >= 0 and children[i].ident not in wanted_set:
                i -= 1
            first = i + 1
            self.beginRemoveRows(parent_index, first, last)
            removed = children[first:last + 1]
            del children[first:last + 1]
            self._renumber(node, first)
            for child in removed:
                self._forget(child)
            self.endRemoveRows()
        # New rows come in, a run at a time, and kept rows move where the order wants them.
        present = {child.ident for child in children}
        position = 0
        while position < len(wanted_keys):
            ident = wanted_keys[position]
            if position < len(children) and children[position].ident == ident:
                position += 1
                continue
            if ident not in present:
                end = position
                while end < len(wanted_keys) and wanted_keys[end] not in present:
                    end += 1
                self.beginInsertRows(parent_index, position, end - 1)
                new_nodes = [Node(kind, key, node) for kind, key in wanted_keys[position:end]]
                for new in new_nodes:
                    new.label = self._label(new)
                children[position:position] = new_nodes
                self._renumber(node, position)
                for new in new_nodes:
                    self._nodes[new.ident] = new
                self.endInsertRows()
                position = end
                continue
            # A kept row further down (rows before `position` already match).
            child = self._nodes.get(ident)
            if child is None or child.parent is not node:
                child = next(c for c in children[position:] if c.ident == ident)
            current = child.position
            self.beginMoveRows(parent_index, current, current, parent_index, position)
            children.insert(position, children.pop(current))
            self._renumber(node, position, current + 1)
            self.endMoveRows()
            position += 1
        self._sync_grandchildren(node, plan)

    def _sync_grandchildren(self, node: Node, plan: _Plan) -> None:
        for i, child in enumerate(node.children):
            if child.kind != FORM:  # forms have no rows under them
                self._sync_children(child, self.createIndex(i, 0, child), plan)

    def _on_finals_changed(self) -> None:
        """定稿 or 撤回: every form's label and tooltip may say 已定稿 now, or no longer."""
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole]
        for (kind, _), node in self._nodes.items():
            if kind == FORM:
                index = self.createIndex(node.position, 0, node)
                self.dataChanged.emit(index, index, roles)

    def _analyse_later(self, form_id: str) -> None:
        if not self._unknown:
            QTimer.singleShot(0, self, self._analyse_unknown)  # not after the model is gone
        self._unknown.add(form_id)

    def _analyse_unknown(self) -> None:
        """Analyse the forms whose icon was asked for (they are on screen) and show their icons."""
        unknown, self._unknown = self._unknown, set()
        forms = self.session.workspace.forms
        for form_id in unknown:
            if form_id in forms:
                self.session.analysis(form_id)
                self._on_analysis_changed(form_id)

    def _on_analysis_changed(self, form_id: str) -> None:
        index = self.index_of_form(form_id)
        if index.isValid():
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole])

    # -- lookups -------------------------------------------------------------------------
    def _node(self, index: QModelIndex | QPersistentModelIndex) -> Node:
        return index.internalPointer() if index.isValid() else self._root

    def _index_of(self, ident: tuple[str, object]) -> QModelIndex:
        node = self._nodes.get(ident)
        if node is None:
            return QModelIndex()
        return self.createIndex(node.position, 0, node)

    def ident_of(self, index: QModelIndex | QPersistentModelIndex) -> tuple[str, object] | None:
        """What a row stands for, (kind, key): it finds the row again after a reset."""
        return index.internalPointer().ident if index.isValid() else None

    def index_of_ident(self, ident: tuple[str, object] | None) -> QModelIndex:
        return self._index_of(ident) if ident is not None else QModelIndex()

    def index_of_form(self, form_id: str) -> QModelIndex:
        return self._index_of((FORM, form_id))

    def index_of_year(self, year: int) -> QModelIndex:
        return self._index_of((YEAR, year))

    # -- the Qt model contract -----------------------------------------------------------
    # index, rowCount and hasChildren are asked for every row whenever the view lays the tree
    # out (tens of thousands of calls in a big file): kept to the fewest Python steps.
    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:
        children = (parent.internalPointer() if parent.isValid() else self._root).children
        if column != 0 or not (0 <= row < len(children)):
            return QModelIndex()
        return self.createIndex(row, 0, children[row])

    def parent(self, index=QModelIndex()):  # noqa: D401 - Qt's name
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        parent = node.parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row(), 0, parent)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if parent.isValid():
            return len(parent.internalPointer().children) if parent.column() == 0 else 0
        return len(self._root.children)

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        if parent.isValid():
            return parent.column() == 0 and bool(parent.internalPointer().children)
        return bool(self._root.children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 1

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and section == 0:
            return "项目与表"
        return None

    def flags(self, index):
        # Asked for every row the view lays out: the flags are made once, not per call.
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalPointer().kind == PROJECT and not self.session.read_only:
            return _EDITABLE  # F2 renames the project
        return _SELECTABLE

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
            label = KIND_LABELS[ws.forms[node.key].kind]
            return f"{label}{FINAL_SUFFIX}" if ws.is_final(node.key) else label
        if node.kind == FORM and role == Qt.ItemDataRole.DecorationRole:
            # Painting never waits for a form's analysis: a form not analysed yet is drawn
            # without its icon and analysed right after this frame (the window's first frame
            # shows the file's first form without analysing every form the tree shows).
            analysis = self.session.known_analysis(node.key)
            if analysis is None:
                self._analyse_later(node.key)
                return None
            severity = worst(analysis.issues)
            return severity_icon(severity) if severity else None
        if node.kind == FORM and role == Qt.ItemDataRole.ToolTipRole:
            issues = self.session.analysis(node.key).issues
            counts = {s: sum(1 for i in issues if i.severity is s) for s in Severity}
            text = (f"{counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个警告，"
                    f"{counts[Severity.INFO]} 条提示" if issues else "没有发现问题")
            return f"已定稿，修改前须撤回定稿。{text}" if ws.is_final(node.key) else text
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

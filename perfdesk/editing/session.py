"""Editing layer: one open .perfdesk file in the program — the store, its workspace, the undo
stack, and the analysis (scores and issues) of every form, kept current on every event.

Workspace events become Qt signals here; item models and widgets listen to these signals,
never to the domain directly.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from perfdesk.domain.definition import FormDefinition
from perfdesk.domain.model import Event, Form, Workspace
from perfdesk.domain.scoring import FormScore, score_form
from perfdesk.domain.validation import Issue, validate_form
from perfdesk.formdefs import Registry, default_registry
from perfdesk.store import FileStore


class Analysis:
    """Scores and issues of one form, and the issues indexed by (indicator id, column)."""

    def __init__(self, score: FormScore, issues: list[Issue]):
        self.score = score
        self.issues = issues
        self.by_cell: dict[tuple[str | None, str | None], list[Issue]] = {}
        for issue in issues:
            key = (issue.location.item_id, issue.location.column)
            self.by_cell.setdefault(key, []).append(issue)

    def cell_issues(self, item_id: str | None, column: str | None) -> list[Issue]:
        return self.by_cell.get((item_id, column), [])


class EditSession(QObject):
    # form_id, indicator_id, attribute: one cell's value changed
    indicatorChanged = Signal(str, str, str)
    # form_id, what ("will_add_indicator", "indicator_added", …), indicator_id, position
    structureChanged = Signal(str, str, str, int)
    # form_id, key: a header field, text or amount changed
    formFieldChanged = Signal(str, str)
    # form_id: scores and issues were recomputed
    analysisChanged = Signal(str)
    # the list of projects or forms changed
    outlineChanged = Signal()
    # every write reaches the file at once; this says so for the status bar
    saved = Signal()

    def __init__(self, store: FileStore, registry: Registry | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.registry = registry or default_registry()
        self.undo_stack = QUndoStack(self)
        self._analysis: dict[str, Analysis] = {}
        self.workspace.subscribe(self._on_event)

    @property
    def workspace(self) -> Workspace:
        assert self.store.workspace is not None
        return self.store.workspace

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    def definition(self, form_id: str) -> FormDefinition:
        return self.registry.get(self.workspace.forms[form_id].definition_id)

    def form(self, form_id: str) -> Form:
        return self.workspace.forms[form_id]

    def analysis(self, form_id: str) -> Analysis:
        analysis = self._analysis.get(form_id)
        if analysis is None:
            form = self.workspace.forms[form_id]
            definition = self.registry.get(form.definition_id)
            score = score_form(form, definition)
            analysis = Analysis(score, validate_form(form, definition, self.workspace, score))
            self._analysis[form_id] = analysis
        return analysis

    def push(self, command) -> bool:
        """Run an undoable command; a read-only file refuses before anything changes."""
        if self.read_only:
            return False
        self.undo_stack.push(command)
        return True

    def push_all(self, commands: list, text: str) -> int:
        """Several commands as one undo step (a macro). Returns how many ran."""
        if self.read_only or not commands:
            return 0
        self.undo_stack.beginMacro(text)
        try:
            for command in commands:
                self.undo_stack.push(command)
        finally:
            self.undo_stack.endMacro()
        return len(commands)

    def close(self) -> None:
        try:
            self.workspace.unsubscribe(self._on_event)
        except ValueError:
            pass
        self.undo_stack.clear()
        self.store.close()

    # -- events ------------------------------------------------------------------------
    def _related_forms(self, form_id: str) -> list[str]:
        """Forms whose analysis depends on this one (E10 reads the same project's declaration)."""
        form = self.workspace.forms.get(form_id)
        if form is None:
            return [form_id]
        return [f.id for f in self.workspace.forms.values() if f.project_id == form.project_id]

    def _reanalyse(self, form_id: str) -> None:
        for related in self._related_forms(form_id):
            self._analysis.pop(related, None)
        for related in self._related_forms(form_id):
            self.analysisChanged.emit(related)

    def _on_event(self, event: Event) -> None:
        what = event.what
        if what == "indicator":
            self.indicatorChanged.emit(event.form_id, event.item_id, event.key)
        elif "indicator" in what:
            self.structureChanged.emit(event.form_id, what, event.item_id or "",
                                       -1 if event.position is None else event.position)
        elif what in ("field", "amount", "form_changed"):
            # A 项目名称 edit also arrives as project_changed, which refreshes the outline.
            self.formFieldChanged.emit(event.form_id, event.key or "")
        elif what.startswith(("project_", "form_")) or what == "unit":
            if what in ("form_removed", "project_removed"):
                # A removed declaration changes E10 of its project's self-evaluations, and
                # the removed form's project is no longer known here: start afresh.
                self._analysis.clear()
                for form_id in self.workspace.forms:
                    self.analysisChanged.emit(form_id)
            self.outlineChanged.emit()
        if event.form_id and not what.startswith("will_") and event.form_id in self.workspace.forms:
            self._reanalyse(event.form_id)
        if not what.startswith("will_"):
            self.saved.emit()

"""Editing layer: one open .perfdesk file in the program — the store, its workspace, the undo
stack, and the analysis (scores and issues) of every form, kept current on every event.

Workspace events become Qt signals here; item models and widgets listen to these signals,
never to the domain directly.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from perfdesk.domain.definition import FormDefinition
from perfdesk.domain.model import STEP_DONE, Event, FinalisedError, Form, Workspace
from perfdesk.domain.scoring import FormScore, score_form
from perfdesk.domain.validation import Issue, validate_form
from perfdesk.formdefs import Registry, default_registry
from perfdesk.store import FileStore, ReadOnlyError, SaveError

from .commands import MacroStep, Step


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


class StepRefused(Exception):
    """A command found, while running, that it cannot be done; the message says why."""


class _Changes:
    """What one step changed, gathered while it runs and announced once when it ends."""

    __slots__ = ("cells", "fields", "forms", "outline", "projects", "touched", "finals")

    def __init__(self):
        self.cells: dict[tuple[str, str, str], None] = {}  # (form, indicator, attr), in order
        self.fields: dict[tuple[str, str], None] = {}
        self.forms: dict[str, None] = {}  # forms whose analysis must be redone
        self.outline = False
        self.projects: set[str] = set()  # projects that gained or lost a form
        self.touched = False
        self.finals = False  # a snapshot was kept, or a 已定稿 mark came or went


class EditSession(QObject):
    """Runs every user action as one step: one transaction in the file, one re-analysis,
    one round of signals. A step the file refuses is taken back in memory, leaves no trace on
    the undo stack, and `saveFailed` tells the user why — "saved" follows only a commit that
    succeeded.

    Actions go through `push`, `push_all` or `macro`; undo and redo through `undo`, `redo`
    and `set_index` (never the stack's own slots, which could not take a failed write back).
    """

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
    # a step reached the file (emitted only after its commit succeeded)
    saved = Signal()
    # a step could not be written: its text and the cause, in Chinese; nothing of it remains
    saveFailed = Signal(str, str)
    # a step ended (written, refused or taken back): widgets may re-read what they show
    stepFinished = Signal()
    # 定稿: a snapshot was kept, or forms were marked 已定稿 or withdrawn
    finalsChanged = Signal()
    # an action left undone because of 定稿 (a finalised form, nothing to finalise, no reason):
    # its text and why, in Chinese. Nothing changed; unlike saveFailed the file is fine.
    finalRefused = Signal(str, str)

    def __init__(self, store: FileStore, registry: Registry | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.registry = registry or default_registry()
        self.undo_stack = QUndoStack(self)
        self._analysis: dict[str, Analysis] = {}
        self._changes: _Changes | None = None
        self.last_error = ""
        # True while undo / redo runs: the stepFinished it ends comes from the history, and
        # the table selects what the step changed
        self.replaying = False
        # Asked when a step meets a finalised (已定稿) form: (form ids, the step's text) ->
        # the reason to 撤回定稿, or None to leave the forms as they are. The window sets it.
        self.ask_withdraw = None
        self.workspace.subscribe(self._on_event)

    @property
    def workspace(self) -> Workspace:
        assert self.store.workspace is not None
        return self.store.workspace

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    @property
    def all_saved(self) -> bool:
        """Is the document exactly what the file holds? (False only after a step's own code
        failed half-way; a refused write is always taken back.)"""
        return not self.store.diverged

    def definition(self, form_id: str) -> FormDefinition:
        return self.registry.get(self.workspace.forms[form_id].definition_id)

    def form(self, form_id: str) -> Form:
        return self.workspace.forms[form_id]

    def known_analysis(self, form_id: str) -> Analysis | None:
        """The form's analysis if it has been worked out already; never works one out."""
        return self._analysis.get(form_id)

    def analysis(self, form_id: str) -> Analysis:
        analysis = self._analysis.get(form_id)
        if analysis is None:
            form = self.workspace.forms[form_id]
            definition = self.registry.get(form.definition_id)
            score = score_form(form, definition)
            analysis = Analysis(score, validate_form(form, definition, self.workspace, score, self.registry.find))
            self._analysis[form_id] = analysis
        return analysis

    # -- running steps -----------------------------------------------------------------
    def push(self, command: Step) -> bool:
        """Run an undoable command as one step. False: refused (read-only file), failed (the
        file refused the write: `saveFailed` has told why) or changed nothing."""
        if self.read_only:
            return False
        if not self._perform(command.text(), command.apply, command.revert):
            return False
        if not command.changed():
            return False
        command.ran_outside_stack()
        self.undo_stack.push(command)
        return True

    def push_all(self, commands: list, text: str) -> int:
        """Several commands as one undo step and one transaction. Returns how many ran."""
        if self.read_only or not commands:
            return 0
        return len(commands) if self.push(MacroStep(self.workspace, list(commands), text)) else 0

    @contextmanager
    def macro(self, text: str) -> Iterator["MacroBuilder"]:
        """Build one step from commands that each see the ones before them applied (a paste
        first adds rows, then fills them). The whole step is one transaction and one undo
        step; `builder.ok` says afterwards whether it reached the file."""
        builder = MacroBuilder(self.workspace, text)
        if self.read_only:
            builder.ok = False
            yield builder
            return
        ws = self.workspace
        try:
            with ws.step():
                yield builder
        except SaveError as exc:
            self._take_back(builder.step.revert)
            builder.ok = False
            self._report(text, str(exc))
            return
        except FinalisedError as exc:
            # A finalised form: nothing was written; take back what ran, then offer 撤回定稿
            # (the user repeats the action once the forms are open again).
            self._take_back(builder.step.revert)
            self.store.diverged = False
            builder.ok = False
            if not self._offer_withdraw(exc, text):
                self._refuse(text, str(exc))
            else:
                self._refuse(text, "已撤回定稿，请重新操作一次。")
            return
        except BaseException:
            # The macro's own code failed: the store wrote none of it; take back what ran.
            # A command that raised half-way may have left part of its change in memory, and
            # nobody can take that back: then the document differs from the file, and says so.
            self._take_back(builder.step.revert)
            self.store.diverged = builder.broken
            raise
        if builder.step.children:
            builder.step.ran_outside_stack()
            self.undo_stack.push(builder.step)
            builder.ok = True
        else:
            builder.ok = False

    def undo(self) -> bool:
        stack = self.undo_stack
        if self.read_only or not stack.canUndo():
            return False
        return self.set_index(stack.index() - 1)

    def redo(self) -> bool:
        stack = self.undo_stack
        if self.read_only or not stack.canRedo():
            return False
        return self.set_index(stack.index() + 1)

    def set_index(self, target: int) -> bool:
        """Undo or redo to `target` (the history view's jump) as ONE step and transaction."""
        stack = self.undo_stack
        current = stack.index()
        target = max(0, min(target, stack.count()))
        if self.read_only or target == current:
            return False
        undoing = target < current
        if undoing:
            commands = [stack.command(i) for i in range(current - 1, target - 1, -1)]
            text = "撤销“" + stack.text(current - 1) + "”" if len(commands) == 1 else f"撤销 {len(commands)} 步"
        else:
            commands = [stack.command(i) for i in range(current, target)]
            text = "重做“" + stack.text(current) + "”" if len(commands) == 1 else f"重做 {len(commands)} 步"
        done: list[Step] = []

        def forward():
            done.clear()  # a second run (after 撤回定稿) starts afresh
            for command in commands:
                command.revert() if undoing else command.apply()
                done.append(command)
                error = getattr(command, "error", None)
                if error is not None:  # a redo the document no longer allows (a stale plan)
                    raise StepRefused(f"{text}未能完成：{command.error_text}")

        def backward():
            for command in reversed(done):
                command.apply() if undoing else command.revert()
        self.replaying = True
        try:
            if not self._perform(text, forward, backward):
                return False
        finally:
            self.replaying = False
        for command in commands:
            command.ran_outside_stack()
        stack.setIndex(target)
        return True

    def _perform(self, text: str, forward, backward) -> bool:
        try:
            with self.workspace.step():
                forward()
        except SaveError as exc:
            self._take_back(backward)
            self._report(text, str(exc))
            return False
        except StepRefused as exc:
            # The step's own check failed: the store wrote nothing; take back what ran.
            self._take_back(backward)
            self.store.diverged = False
            self._report(text, str(exc))
            return False
        except ReadOnlyError as exc:
            self._report(text, str(exc))
            return False
        except FinalisedError as exc:
            # A finalised form: the guard refused before it changed; take back what ran before
            # it, and ask to 撤回定稿 — then run the step again, once.
            self._take_back(backward)
            self.store.diverged = False
            if not self._offer_withdraw(exc, text):
                self._refuse(text, str(exc))
                return False
            return self._perform(text, forward, backward)
        return True

    def _offer_withdraw(self, exc: FinalisedError, text: str) -> bool:
        """Ask (through `ask_withdraw`) for a reason to 撤回定稿 the forms `exc` names; True
        once they are withdrawn."""
        if self.ask_withdraw is None:
            return False
        reason = self.ask_withdraw(list(exc.form_ids), text)
        if not reason or not reason.strip():
            return False
        return self.withdraw(exc.form_ids, reason)

    # -- 定稿: not on the undo stack; each is one step and one transaction ----------------------
    def finalise(self, year: int, project_id: str | None, note: str, name: str = ""):
        """Finalise a year's (or one project's) forms that are not yet final: a snapshot with
        their content and scores, and the 已定稿 marks. Returns the snapshot, or None when
        nothing was written (`saveFailed` says why)."""
        from perfdesk.domain import snapshot as snapshots

        ws = self.workspace
        text = "定稿"
        if self.read_only:
            self._refuse(text, self.store.read_only_reason)
            return None
        forms = snapshots.forms_to_finalise(ws, year, project_id)
        scope = snapshots.SCOPE_PROJECT if project_id else snapshots.SCOPE_YEAR
        return self._final_step(text, lambda: snapshots.finalise(ws, forms, self.registry.get, note=note,
                                                                 year=year, scope=scope, name=name))

    def withdraw(self, form_ids, reason: str) -> bool:
        """撤回定稿 with a reason (kept in the forms' history). True when written."""
        from perfdesk.domain.snapshot import now_text

        ws = self.workspace
        text = "撤回定稿"
        if self.read_only:
            self._refuse(text, self.store.read_only_reason)
            return False
        return bool(self._final_step(text, lambda: ws.withdraw(list(form_ids), reason, now_text())))

    def _final_step(self, text: str, change):
        """Run a 定稿 / 撤回 change as one step: its result, or None when it was refused (a
        Chinese reason) or the file refused it (the marks and snapshots are put back)."""
        ws = self.workspace
        before = (dict(ws.snapshots), dict(ws.finals), list(ws.final_log))
        try:
            with ws.step():
                return change()
        except ValueError as exc:
            self._refuse(text, str(exc))
            return None
        except (SaveError, ReadOnlyError) as exc:
            with ws.step(discard=True):
                ws.restore_finals(*before)
            self._report(text, str(exc))
            return None

    def _take_back(self, backward) -> None:
        """The file refused the step: undo it in memory only, so the document is again
        exactly what the file holds."""
        with self.workspace.step(discard=True):
            backward()

    def _report(self, text: str, message: str) -> None:
        self.last_error = message
        self.saveFailed.emit(text, message)

    def _refuse(self, text: str, message: str) -> None:
        self.last_error = message
        self.finalRefused.emit(text, message)

    def close(self) -> None:
        try:
            self.workspace.unsubscribe(self._on_event)
        except ValueError:
            pass
        self.undo_stack.clear()
        self.store.close()

    # -- events ------------------------------------------------------------------------
    def _related_forms(self, form_id: str, project_id: str | None = None) -> list[str]:
        """Forms whose analysis depends on this one (E10 reads the same project's declaration)."""
        form = self.workspace.forms.get(form_id)
        if form is not None:
            project_id = form.project_id
        if project_id is None:
            return [form_id] if form is not None else []
        return [f.id for f in self.workspace.forms_of(project_id)]

    def _on_event(self, event: Event) -> None:
        what = event.what
        if what == "step_begin":
            self._changes = _Changes()
            return
        if what == "step_end":
            changes, self._changes = self._changes, None
            if changes is not None:
                self._announce(changes, saved=event.key is STEP_DONE and self.store.step_error is None)
            return
        single = self._changes is None
        changes = self._changes if not single else _Changes()
        changes.touched = True
        if what in ("snapshot_added", "finalised", "withdrawn", "finals_restored"):
            changes.finals = True
        elif what == "indicator":
            changes.cells[(event.form_id, event.item_id, event.key)] = None
        elif "indicator" in what:
            # Structure is announced at once: item models bracket it with begin/end signals.
            self.structureChanged.emit(event.form_id, what, event.item_id or "",
                                       -1 if event.position is None else event.position)
        elif what in ("field", "amount", "form_changed"):
            # A 项目名称 edit also arrives as project_changed, which refreshes the outline.
            changes.fields[(event.form_id, event.key or "")] = None
        elif what.startswith(("project_", "form_")) or what == "unit":
            changes.outline = True
            if what in ("form_removed", "form_added") and event.item_id:
                changes.projects.add(event.item_id)
        if event.form_id and not what.startswith("will_"):
            changes.forms[event.form_id] = None
        if single and not what.startswith("will_"):
            self._announce(changes, saved=True)

    def _announce(self, changes: _Changes, saved: bool) -> None:
        if not changes.touched:
            return
        forms = self.workspace.forms
        # Re-analyse every touched form and its project's other forms, once.
        stale: dict[str, None] = {}
        for form_id in changes.forms:
            for related in self._related_forms(form_id):
                stale[related] = None
            if form_id not in forms:
                self._analysis.pop(form_id, None)
        for project_id in changes.projects:
            for form in self.workspace.forms_of(project_id):
                stale[form.id] = None
        for form_id in stale:
            self._analysis.pop(form_id, None)
        if changes.outline:
            self.outlineChanged.emit()
        for form_id, indicator_id, attr in changes.cells:
            form = forms.get(form_id)
            if form is not None and form.has_indicator(indicator_id):
                self.indicatorChanged.emit(form_id, indicator_id, attr)
        for form_id, key in changes.fields:
            if form_id in forms:
                self.formFieldChanged.emit(form_id, key)
        for form_id in stale:
            if form_id in forms:
                self.analysisChanged.emit(form_id)
        if changes.finals:
            self.finalsChanged.emit()
        if saved:
            self.saved.emit()
        self.stepFinished.emit()


class MacroBuilder:
    """Handed out by `EditSession.macro`: `do(command)` applies a command at once and adds it
    to the step being built."""

    def __init__(self, ws: Workspace, text: str):
        self.step = MacroStep(ws, [], text)
        self.ok: bool | None = None
        self.broken = False  # a command raised while applying: its partial change is unknown

    def do(self, command: Step) -> None:
        try:
            command.apply()
        except BaseException:
            self.broken = True
            raise
        if command.changed():
            self.step.children.append(command)

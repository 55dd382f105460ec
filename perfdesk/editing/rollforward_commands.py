"""Editing layer: a roll forward or an import as ONE undo step.

Both wrap a pure apply/revert pair (`perfdesk.domain.rollforward.apply_plan`/`revert_plan`,
`perfdesk.importing.apply_import`/`revert_import`). The apply deep-copies the plan's forms and
keeps their ids, so a redo after an undo brings back the very same ids the window and the
file had before.

A step that fails — the document changed since the plan was made (`PlanConflict`), or the
file refused a write (`StoreError`) — leaves the document as it was (the apply takes back
what it had added before the error goes on), keeps the error on `command.error` for the
caller to show, and marks itself obsolete: `QUndoStack` then drops it instead of keeping a
step that did nothing. So a caller does

    session.push(command)
    if command.error: show(command.error)

and never has to undo a half-pushed step.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from PySide6.QtGui import QUndoCommand

from perfdesk.domain.model import Workspace
from perfdesk.domain.rollforward import Applied, PlanConflict, RollForwardPlan, apply_plan, revert_plan
from perfdesk.importing import ImportPlan, apply_import, revert_import
from perfdesk.store import StoreError

# What a failed step can meet on the way: a stale plan, a file that refuses the write (the
# store's write-through lets sqlite3 errors through as they are), and the checks of the
# Workspace mutation methods (a duplicate id, a project gone).
FAILURES = (PlanConflict, StoreError, sqlite3.Error, OSError, KeyError, ValueError)


class _AddFormsStep(QUndoCommand):
    """Shared behaviour of the two commands: apply on redo, revert exactly that on undo."""

    def __init__(self, ws: Workspace, text: str, report: Callable[[str], None] | None = None):
        super().__init__(text)
        self.ws = ws
        self.applied: Applied | None = None
        self.error: Exception | None = None
        # Called with the Chinese message when a later undo/redo (from the menu, not from
        # the caller's push) fails: nobody else is there to tell the user.
        self.report = report
        self._pushed = False

    # subclasses
    def _apply(self) -> Applied:  # pragma: no cover - abstract
        raise NotImplementedError

    def _revert(self, applied: Applied) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def form_ids(self) -> tuple[str, ...]:
        return self.applied.form_ids if self.applied is not None else ()

    @property
    def error_text(self) -> str:
        return _describe(self.error) if self.error is not None else ""

    def _fail(self, exc: Exception, undoing: bool = False) -> None:
        self.error = exc
        self.setObsolete(True)  # QUndoStack drops an obsolete step after redo/undo returns
        if self._pushed and self.report is not None:
            if undoing:
                self.report(f"撤销“{self.text()}”未能完成：{_describe(exc)}\n"
                            f"已撤销的部分不会恢复，请在导航中检查这些表。")
            else:
                self.report(f"重做“{self.text()}”未能完成：{_describe(exc)}\n文件保持撤销后的状态。")

    def redo(self) -> None:
        first = not self._pushed
        try:
            self.applied = self._apply()
        except FAILURES as exc:
            self.applied = None
            self._fail(exc)
        else:
            if first and not self.applied.form_ids and not self.applied.project_ids:
                # Nothing was added: not worth an undo step of its own.
                self.setObsolete(True)
        finally:
            self._pushed = True

    def undo(self) -> None:
        if self.applied is None:
            return
        try:
            self._revert(self.applied)
        except FAILURES as exc:
            # The file refused a removal: the step cannot be trusted either way any more,
            # so it leaves the stack and the user is told what stays.
            self._fail(exc, undoing=True)


class ApplyPlanCommand(_AddFormsStep):
    """Roll forward: the plan's new forms (and projects) in one step."""

    def __init__(self, ws: Workspace, plan: RollForwardPlan, text: str | None = None,
                 report: Callable[[str], None] | None = None):
        count = len(plan.to_create)
        super().__init__(ws, text or f"结转：新建 {count} 张{plan.kind.label}", report)
        self.plan = plan

    def _apply(self) -> Applied:
        return apply_plan(self.ws, self.plan)

    def _revert(self, applied: Applied) -> None:
        revert_plan(self.ws, applied)


class ApplyImportCommand(_AddFormsStep):
    """Import: the planned forms, new projects and (for a new file) the unit's name in one step."""

    def __init__(self, ws: Workspace, plan: ImportPlan, text: str | None = None,
                 report: Callable[[str], None] | None = None):
        super().__init__(ws, text or f"导入 {len(plan.to_create)} 张表", report)
        self.plan = plan

    def _apply(self) -> Applied:
        return apply_import(self.ws, self.plan)

    def _revert(self, applied: Applied) -> None:
        revert_import(self.ws, applied)


def _describe(exc: Exception) -> str:
    """One Chinese line for a dialog; our own errors already speak Chinese."""
    if isinstance(exc, (PlanConflict, StoreError)):
        return str(exc)
    if isinstance(exc, (OSError, sqlite3.Error)):
        return f"无法写入文件（{getattr(exc, 'strerror', None) or exc}）。"
    return f"文件内容与预览时不同（{exc}），请重新生成预览。"
